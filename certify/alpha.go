package certify

import (
	"math"

	"github.com/isonet/isonet/tensor"
)

// alphaMargins writes α-CROWN's lower bounds on the margins (nb·K),
// starting from init (CROWN's bounds, or the interval bounds where those
// are higher): see optimize. An example stops climbing once every margin
// is certified (bound > 0).
func (b *bounder) alphaMargins(dst, init []float64, cfg Config) {
	net := b.net
	L := len(net.Layers)
	K := net.NumClasses()
	copy(dst, init)
	if L == 1 || cfg.AlphaSteps == 0 {
		return
	}
	widest := 0
	for _, l := range net.Layers {
		widest = max(widest, l.In, l.Out)
	}
	a := make([]float64, b.nb*K*net.Layers[L-1].In)
	cst := make([]float64, b.nb*K)
	b.specRows(a, cst)
	for e := range b.nb { // the true class's row is no margin
		r := e*K + b.y[e]
		dst[r] = posInf
	}
	done := func(e int, best []float64) bool {
		for j := range K {
			if !(best[e*K+j] > 0) {
				return false
			}
		}
		return true
	}
	b.dual = true
	b.optimize(dst, L-2, a, cst, K, cfg, done)
	b.dual = false
	for e := range b.nb {
		dst[e*K+b.y[e]] = init[e*K+b.y[e]]
	}
}

// optimize is α-CROWN's climb for R rows per example of coefficients a on
// σ(z_k) with constants cst (neither is changed): the tangent points of
// the tanh lines (the lower slopes of unstable ReLUs) of layers k..0, one
// set per row, start at CROWN's choice and climb the gradient of the row's
// backward bound (see back) by projected Adam for cfg.AlphaSteps steps.
// best holds on entry the bounds to beat and on return the best seen,
// row by row. An example for which done says so stops climbing (done may
// be nil).
func (b *bounder) optimize(best []float64, k int, a, cst []float64, R int, cfg Config, done func(e int, best []float64) bool) {
	net := b.net
	rows := b.nb * R
	n0 := net.InputDim()
	al := &alphaRows{tl: make([][]float64, k+1), tu: make([][]float64, k+1), pre: make([][]float64, k+1),
		sa: make([][]float64, k+1), sc: make([][]float64, k+1), da: make([][]float64, k+1), dc: make([][]float64, k+1)}
	var mtl, vtl, mtu, vtu [][]float64
	for j := range k + 1 {
		n := net.Layers[j].Out
		al.tl[j] = make([]float64, rows*n)
		al.tu[j] = make([]float64, rows*n)
		al.pre[j] = make([]float64, rows*n)
		al.sa[j], al.sc[j] = make([]float64, rows*n), make([]float64, rows*n)
		al.da[j], al.dc[j] = make([]float64, rows*n), make([]float64, rows*n)
		for r := range rows {
			e := r / R
			for i := range n {
				rl := &b.rel[j][e*n+i]
				al.tl[j][r*n+i] = rl.lower.t0
				al.tu[j][r*n+i] = rl.upper.t0
			}
		}
		mtl = append(mtl, make([]float64, rows*n))
		vtl = append(vtl, make([]float64, rows*n))
		mtu = append(mtu, make([]float64, rows*n))
		vtu = append(vtu, make([]float64, rows*n))
	}
	stopped := make([]bool, b.nb)
	finished := func() bool {
		if done == nil {
			return false
		}
		all := true
		for e := range b.nb {
			stopped[e] = done(e, best)
			all = all && stopped[e]
		}
		return all
	}
	bound := make([]float64, rows)
	c := make([]float64, rows)
	xs := make([]float64, rows*n0)
	var g []float64
	var g32, gp []float32
	const beta1, beta2, adamEps = 0.9, 0.999, 1e-8
	for step := 1; step <= cfg.AlphaSteps; step++ {
		if finished() {
			break
		}
		copy(c, cst)
		b.back(bound, k, a, R, c, al, xs)
		for r, v := range bound {
			if v > best[r] {
				best[r] = v
			}
		}
		if step == cfg.AlphaSteps || finished() {
			break
		}
		// The gradient of each row's bound with respect to its tangent
		// points: a forward pass of the row's minimiser xs through the
		// relaxed network (see the package doc).
		g = append(g[:0], xs...)
		c1 := 1 - math.Pow(beta1, float64(step))
		c2 := 1 - math.Pow(beta2, float64(step))
		for j := range k + 1 {
			ly := &net.Layers[j]
			n := ly.Out
			gp = grow32(gp, rows*n)
			g32 = grow32(g32, len(g))
			for i, v := range g {
				g32[i] = float32(v)
			}
			// The gradient needs no rigour: a float32 product will do.
			tensor.Gemm(false, true, 1, &tensor.Mat{Rows: rows, Cols: ly.In, Data: g32}, &b.w32[j], 0, &tensor.Mat{Rows: rows, Cols: n, Data: gp})
			next := grow(nil, rows*n)
			for r := range rows {
				e := r / R
				if stopped[e] || math.IsInf(best[r], 1) {
					continue
				}
				for i := range n {
					q := r*n + i
					z := float64(gp[q]) + ly.B[i]
					v := al.pre[j][q]
					next[q] = z*al.sa[j][q] + al.sc[j][q]
					rl := &b.rel[j][e*n+i]
					free, t, m, vv := rl.lower.free, al.tl[j], mtl[j], vtl[j]
					if v < 0 {
						free, t, m, vv = rl.upper.free, al.tu[j], mtu[j], vtu[j]
					}
					if !free {
						continue
					}
					gr := v * (z*al.da[j][q] + al.dc[j][q])
					m[q] = beta1*m[q] + (1-beta1)*gr
					vv[q] = beta2*vv[q] + (1-beta2)*gr*gr
					t[q] += cfg.AlphaLR * (m[q] / c1) / (math.Sqrt(vv[q]/c2) + adamEps)
					t[q] = min(max(t[q], 0), 1)
				}
			}
			g = next
		}
	}
}
