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
	k := adamConsts{b1, 1 - b1, b2, 1 - b2, stepSize, sqrtBC2, eps}
	for j, p := range params {
		m, v := a.M[j], a.V[j]
		done := adamVec(p.Data, p.Grad, m, v, &k)
		adamGo(p.Data[done:], p.Grad[done:], m[done:], v[done:], &k)
	}
}

// adamConsts are the float32 constants of one Adam step, in the order the
// vector kernel reads them.
type adamConsts struct {
	b1, omb1, b2, omb2, stepSize, sqrtBC2, eps float32
}

// adamGo is one Adam step over p in plain Go; the vector kernel rounds every
// operation the same way.
func adamGo(p, grad, m, v []float32, k *adamConsts) {
	for i, g := range grad {
		m[i] = k.b1*m[i] + k.omb1*g
		v[i] = k.b2*v[i] + k.omb2*g*g
		denom := float32(math.Sqrt(float64(v[i])))/k.sqrtBC2 + k.eps
		p[i] -= k.stepSize * m[i] / denom
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
