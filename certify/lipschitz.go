package certify

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// lipSafety widens every spectral norm (computed by gonum's SVD, accurate
// to a few units of float64 rounding times the size) by a relative 1e-9.
const lipSafety = 1e-9

// lipschitz is the global L2 Lipschitz certificate of a network: each
// margin z_y − z_j changes by at most L_yj·‖δ‖₂ when the input moves by
// δ, with L_yj = ‖W_y − W_j‖₂ (the last layer's rows) × the product of the
// spectral norms of the layers below × the activations' slope bound (1
// for tanh and ReLU).
type lipschitz struct {
	below float64 // product of the spectral norms of every layer but the last
	rows  []float64
}

func newLipschitz(net *Network) *lipschitz {
	p := 1.0
	L := len(net.Layers)
	for _, ly := range net.Layers[:L-1] {
		p *= SpectralNorm(ly.W, ly.Out, ly.In)
	}
	last := &net.Layers[L-1]
	K, n := last.Out, last.In
	lp := &lipschitz{below: p, rows: make([]float64, K*K)}
	for y := range K {
		for j := range K {
			var s float64
			for i := range n {
				d := last.W[y*n+i] - last.W[j*n+i]
				s += d * d
			}
			lp.rows[y*K+j] = math.Sqrt(s) * (1 + lipSafety) * p
		}
	}
	return lp
}

// SpectralNorm returns the largest singular value of the r×c row-major
// matrix w, widened by a relative 1e-9 so that it is an upper bound.
func SpectralNorm(w []float64, r, c int) float64 {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(r, c, w), mat.SVDNone) {
		// Never seen for finite weights; fall back on the Frobenius norm,
		// an upper bound on the spectral norm.
		var s float64
		for _, v := range w {
			s += v * v
		}
		return math.Sqrt(s)
	}
	return svd.Values(nil)[0] * (1 + lipSafety)
}

// margins writes margin_j(x0) − ε·L_yj for the batch in b.
func (lp *lipschitz) margins(dst []float64, b *bounder) {
	K := b.net.NumClasses()
	n0 := b.net.InputDim()
	m := make([]float64, K)
	for e := range b.nb {
		y := b.y[e]
		b.net.Margins(m, b.x0[e*n0:(e+1)*n0], y)
		for j := range K {
			dst[e*K+j] = m[j] - b.eps[e]*lp.rows[y*K+j]
		}
	}
}

// radius returns min over j ≠ y of margin_j(x) / L_yj, or 0 when x is
// misclassified.
func (lp *lipschitz) radius(m []float64, net *Network, x []float64, y int) float64 {
	K := net.NumClasses()
	net.Margins(m, x, y)
	r := posInf
	for j := range K {
		if j == y {
			continue
		}
		if m[j] <= 0 {
			return 0
		}
		r = min(r, m[j]/lp.rows[y*K+j])
	}
	return r
}
