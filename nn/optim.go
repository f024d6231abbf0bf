package nn

import "math"

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter from its Grad.
	Step(params []*Param)
}

// Adam is the Adam optimizer with bias correction, computed as PyTorch's
// torch.optim.Adam does (no weight decay, no amsgrad).
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	// T is the number of steps taken; M and V the moment estimates per
	// parameter, in the order Step was first given them.
	T    int
	M, V [][]float32
}

// NewAdam returns Adam with PyTorch's defaults and learning rate lr.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Step implements Optimizer.
func (a *Adam) Step(params []*Param) {
	if a.M == nil {
		for _, p := range params {
			a.M = append(a.M, make([]float32, len(p.Data)))
			a.V = append(a.V, make([]float32, len(p.Data)))
		}
	}
	a.T++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.T))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.T))
	stepSize := float32(a.LR / bc1)
	sqrtBC2 := float32(math.Sqrt(bc2))
	b1, b2, eps := float32(a.Beta1), float32(a.Beta2), float32(a.Eps)
	for k, p := range params {
		m, v := a.M[k], a.V[k]
		for i, g := range p.Grad {
			m[i] = b1*m[i] + (1-b1)*g
			v[i] = b2*v[i] + (1-b2)*g*g
			denom := float32(math.Sqrt(float64(v[i])))/sqrtBC2 + eps
			p.Data[i] -= stepSize * m[i] / denom
		}
	}
}

// SGD is plain stochastic gradient descent with optional momentum
// (PyTorch's formulation: buf = μ·buf + g; p −= lr·buf).
type SGD struct {
	LR, Momentum float64
	// Buf holds the momentum buffers (nil until the first step with momentum).
	Buf [][]float32
}

// Step implements Optimizer.
func (s *SGD) Step(params []*Param) {
	if s.Momentum != 0 && s.Buf == nil {
		for _, p := range params {
			s.Buf = append(s.Buf, make([]float32, len(p.Data)))
		}
	}
	lr, mu := float32(s.LR), float32(s.Momentum)
	for k, p := range params {
		for i, g := range p.Grad {
			if s.Momentum != 0 {
				s.Buf[k][i] = mu*s.Buf[k][i] + g
				g = s.Buf[k][i]
			}
			p.Data[i] -= lr * g
		}
	}
}
