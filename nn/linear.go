// Package nn holds the networks isonet trains: Linear layers with tanh or
// ReLU between them, their forward and hand-written backward passes
// (including the gradient with respect to the input), inference over a
// whole set (Predict, Accuracy, Representation), and the Adam and SGD
// optimizers with PyTorch's semantics.
package nn

import (
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// Param is one trainable tensor with its gradient, stored flat.
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32
}

func newParam(name string, shape ...int) *Param {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param{Name: name, Shape: shape, Data: make([]float32, n), Grad: make([]float32, n)}
}

// Linear is y = x·Wᵀ + b with W stored [Out, In] row-major, as PyTorch's nn.Linear.
type Linear struct {
	In, Out int
	W, B    *Param
	w, gw   tensor.Mat // matrix views of W.Data and W.Grad
}

// NewLinear returns a zero-initialised Linear layer whose parameters are named
// prefix+".weight" and prefix+".bias".
func NewLinear(prefix string, in, out int) *Linear {
	l := &Linear{In: in, Out: out, W: newParam(prefix+".weight", out, in), B: newParam(prefix+".bias", out)}
	l.w = tensor.Mat{Rows: out, Cols: in, Data: l.W.Data}
	l.gw = tensor.Mat{Rows: out, Cols: in, Data: l.W.Grad}
	return l
}

// Weight returns W as a matrix view sharing the parameter's memory. It
// only reads l (the view is made with the layer), so forks of a network
// may call it at the same time.
func (l *Linear) Weight() *tensor.Mat { return &l.w }

// weightGrad returns W's gradient as a matrix view.
func (l *Linear) weightGrad() *tensor.Mat { return &l.gw }

// Init names a weight initialisation scheme.
type Init string

// Initialisation schemes.
const (
	InitPyTorch    Init = "pytorch"    // U(−1/√in, 1/√in) for weights and biases (PyTorch's default)
	InitXavier     Init = "xavier"     // U(±√(6/(in+out))) weights, zero biases
	InitOrthogonal Init = "orthogonal" // orthogonal rows/columns (gain 1), zero biases
)

// Reset initialises the layer's parameters with scheme, drawing from rng.
func (l *Linear) Reset(scheme Init, rng *rand.Rand) {
	switch scheme {
	case InitXavier:
		bound := math.Sqrt(6 / float64(l.In+l.Out))
		uniform(l.W.Data, bound, rng)
		clear(l.B.Data)
	case InitOrthogonal:
		orthogonal(l.W.Data, l.Out, l.In, rng)
		clear(l.B.Data)
	default:
		bound := 1 / math.Sqrt(float64(l.In))
		uniform(l.W.Data, bound, rng)
		uniform(l.B.Data, bound, rng)
	}
}

func uniform(dst []float32, bound float64, rng *rand.Rand) {
	for i := range dst {
		dst[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// orthogonal fills the r×c matrix w with orthonormal rows (r ≤ c) or columns
// (r > c) by Gram–Schmidt on Gaussian vectors.
func orthogonal(w []float32, r, c int, rng *rand.Rand) {
	tr := r > c
	n, d := r, c
	if tr {
		n, d = c, r
	}
	vs := make([][]float64, n)
	for i := range vs {
		v := make([]float64, d)
		for {
			for k := range v {
				v[k] = rng.NormFloat64()
			}
			for _, u := range vs[:i] {
				var dot float64
				for k := range v {
					dot += v[k] * u[k]
				}
				for k := range v {
					v[k] -= dot * u[k]
				}
			}
			var nrm float64
			for _, x := range v {
				nrm += x * x
			}
			nrm = math.Sqrt(nrm)
			if nrm > 1e-6 {
				for k := range v {
					v[k] /= nrm
				}
				break
			}
		}
		vs[i] = v
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if tr {
				w[i*c+j] = float32(vs[j][i])
			} else {
				w[i*c+j] = float32(vs[i][j])
			}
		}
	}
}
