package certify

import (
	"math"
	"slices"

	"github.com/isonet/isonet/tensor"
)

// bounder holds one batch of examples and the bounds of its network's
// hidden pre-activations; it belongs to one goroutine.
type bounder struct {
	net   *Network
	norm  string
	nobox bool      // the set is the ball alone, not ∩ [0, 1]ⁿ
	nb    int       // examples in the batch
	x0    []float64 // nb × n0: the clean inputs
	eps   []float64 // nb: each example's radius
	lo    []float64 // nb × n0: the L∞ box of radius eps around x0, within [0, 1]
	hi    []float64
	clo   []float64 // nb × n0: lo − mid and hi − mid (mid = (lo + hi)/2)
	chi   []float64
	y     []int
	// l[k], u[k] (nb × Out_k) bound z_k, the pre-activation of layer k,
	// for every layer with an activation; rel[k] relaxes its activation.
	l, u  [][]float64
	rel   [][]relax
	lines []lineCols
	// alpha, when not nil, makes the hidden bounds α-CROWN's (optimize).
	alpha *Config
	// dual makes L2 concretisation also try the Lagrangian bound (dualL2):
	// on for the margins, off for the many rows of the hidden bounds.
	dual bool
	// w32 holds the weights rounded to float32 (exact for isonet's
	// networks) and cv the float32 products' error bounds (see prepare).
	w32 []tensor.Mat
	cv  [][]float64
	// mid[j] (nb × In_j) is the centre of the range of h_j, layer j's
	// input, and bm[j] (nb × Out_j) is B_j + W_j·mid[j] (see prepare).
	mid, bm [][]float64
	zeros   []float64 // as wide as the widest layer
	// absW[j] is |fl(W_j)|; dW[j] is |W_j − fl(W_j)|, nil when W_j is
	// made of float32 numbers.
	absW, dW [][]float64
	// Scratch.
	bufA   []float64
	fa, fb []float32
}

func newBounder(net *Network, norm string) *bounder {
	L := len(net.Layers)
	b := &bounder{net: net, norm: norm, l: make([][]float64, L), u: make([][]float64, L), rel: make([][]relax, L), lines: make([]lineCols, L),
		w32: make([]tensor.Mat, L), cv: make([][]float64, L), mid: make([][]float64, L), bm: make([][]float64, L), absW: make([][]float64, L), dW: make([][]float64, L)}
	for j, ly := range net.Layers {
		if len(b.zeros) < max(ly.In, ly.Out) {
			b.zeros = make([]float64, max(ly.In, ly.Out))
		}
		w := make([]float32, len(ly.W))
		for i, v := range ly.W {
			w[i] = float32(v)
		}
		b.w32[j] = tensor.Mat{Rows: ly.Out, Cols: ly.In, Data: w}
		b.absW[j] = make([]float64, len(w))
		for i, v := range w {
			b.absW[j][i] = math.Abs(float64(v))
			if d := math.Abs(ly.W[i] - float64(v)); d != 0 {
				if b.dW[j] == nil {
					b.dW[j] = make([]float64, len(w))
				}
				b.dW[j][i] = d
			}
		}
	}
	return b
}

// reset loads a batch: x (nb × n0) in [0, 1], labels y, radii eps.
func (b *bounder) reset(x []float64, y []int, eps []float64) {
	n0 := b.net.InputDim()
	b.nb, b.x0, b.y, b.eps = len(y), x, y, eps
	b.lo = grow(b.lo, len(x))
	b.hi = grow(b.hi, len(x))
	b.clo = grow(b.clo, len(x))
	b.chi = grow(b.chi, len(x))
	for e := range b.nb {
		for i := e * n0; i < (e+1)*n0; i++ {
			lo, hi := x[i]-eps[e], x[i]+eps[e]
			if !b.nobox {
				lo, hi = max(lo, 0), min(hi, 1)
			}
			b.lo[i], b.hi[i] = lo, hi
			m := (lo + hi) / 2 // as prepare(0) computes mid[0]
			b.clo[i], b.chi[i] = lo-m, hi-m
		}
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// concretize returns the minimum of a·x over example e's input set: the L∞
// ball ∩ [0, 1] exactly, coordinate by coordinate; for L2 the larger of
// the dual-norm bound a·x0 − ε‖a‖₂ over the ball and the minimum over the
// L∞ box of radius ε within [0, 1], which holds the ball ∩ [0, 1] — both
// are lower bounds over it. When xs is not nil it receives the minimiser of
// the bound returned (the gradient of the bound with respect to a). The
// arithmetic is float64 whatever a's type; the sums run in lanes (sums.go).
func concretize[F float32 | float64](b *bounder, a []F, e int, xs []float64) float64 {
	v, _ := concretizeMid(b, a, e, xs, nil)
	return v
}

// concretizeMid is concretize that also returns Σ a_i·mid_i when mid is
// not nil (from the same pass over a where it can).
func concretizeMid[F float32 | float64](b *bounder, a []F, e int, xs, mid []float64) (bound, cm float64) {
	n0 := len(a)
	lo, hi := b.lo[e*n0:(e+1)*n0], b.hi[e*n0:(e+1)*n0]
	lo, hi = lo[:len(a)], hi[:len(a)]
	if b.norm != Norm2 {
		box := boxSum(a, lo, hi)
		if mid != nil {
			for i, f := range a {
				cm += float64(f) * mid[i]
			}
		}
		if xs != nil {
			boxPoint(xs, a, lo, hi)
		}
		return box, cm
	}
	x0 := b.x0[e*n0 : (e+1)*n0]
	box, dot, sq, cm := l2Sums(a, x0, lo, hi, mid)
	nrm := math.Sqrt(sq)
	ball := dot - b.eps[e]*nrm
	if b.dual && b.eps[e] > 0 && nrm > 0 {
		if d := dualL2(a, x0, lo, hi, b.eps[e], nrm, nil); d > max(ball, box) {
			if xs != nil {
				dualL2(a, x0, lo, hi, b.eps[e], nrm, xs)
			}
			return d, cm
		}
	}
	if ball > box {
		if xs != nil {
			for i, f := range a {
				xs[i] = x0[i]
				if nrm > 0 {
					xs[i] -= b.eps[e] * float64(f) / nrm
				}
			}
		}
		return ball, cm
	}
	if xs != nil {
		boxPoint(xs, a, lo, hi)
	}
	return box, cm
}

// boxPoint writes into xs the minimiser of a·x over the box [lo, hi].
func boxPoint[F float32 | float64](xs []float64, a []F, lo, hi []float64) {
	for i, f := range a {
		if f >= 0 {
			xs[i] = lo[i]
		} else {
			xs[i] = hi[i]
		}
	}
}

// dualL2 returns a lower bound on min{a·x : x ∈ [lo, hi], ‖x − x0‖₂ ≤ ε}
// (the L2 ball ∩ [0, 1]ⁿ, which lies in the box [lo, hi]) by Lagrangian
// duality: for every λ ≥ 0,
//
//	g(λ) = Σ_i min_{x_i ∈ [lo_i, hi_i]} (a_i·x_i + λ·(x_i − x0_i)²) − λ·ε²
//
// is a lower bound (weak duality), each term minimised in closed form at
// x_i = clip(x0_i − a_i/(2λ), lo_i, hi_i). g is concave; 30 golden-section
// steps on [0, ‖a‖/(2ε)] (past which the unclipped step is already
// inside the ball) approach its maximum, the exact minimum (strong
// duality). With xs it instead writes the minimiser at the best λ found.
func dualL2[F float32 | float64](a []F, x0, lo, hi []float64, eps, nrm float64, xs []float64) float64 {
	g := func(lam float64, xs []float64) float64 {
		return dualSum(a, x0, lo, hi, lam, xs) - lam*eps*eps
	}
	const phi = 0.6180339887498949
	l, u := 0.0, nrm/(2*eps)
	m1, m2 := u-phi*(u-l), l+phi*(u-l)
	g1, g2 := g(m1, nil), g(m2, nil)
	for range 30 {
		if g1 < g2 {
			l, m1, g1 = m1, m2, g2
			m2 = l + phi*(u-l)
			g2 = g(m2, nil)
		} else {
			u, m2, g2 = m2, m1, g1
			m1 = u - phi*(u-l)
			g1 = g(m1, nil)
		}
	}
	best, lam := g1, m1
	if g2 > g1 {
		best, lam = g2, m2
	}
	if xs != nil && lam > 0 {
		g(lam, xs)
	}
	return best
}

// alphaRows are α-CROWN's free tangent points (slopes for ReLU) of the
// rows of one backward pass: t[j] and tu[j] (rows × Out_j) parameterise
// the lower and upper lines of layer j's activation, and pre[j] receives
// the coefficients on that activation's output before relaxing them.
type alphaRows struct {
	tl, tu, pre [][]float64
	// sa, sc are the slope and intercept each coefficient met in the last
	// pass, da, dc their derivatives with respect to its parameter (0 for
	// a fixed line), for the gradient.
	sa, sc, da, dc [][]float64
}

// back computes lower bounds of R rows per example of linear functions of
// σ(z_k), the output of layer k's activation: on entry a (nb·R × Out_k,
// with room for nb·R × the widest layer below) holds their coefficients
// and cst their constants; on return dst[r] ≥ min over the input set of
// a_r·σ(z_k) + cst_r, using the relaxations of layers k and below and,
// when al is not nil, α's lines instead of CROWN's. a and cst are
// overwritten. When xs is not nil it receives each row's concretisation
// minimiser.
//
// The products with the weights run in float32 (tensor.Gemm), and every
// rounding is paid for in the constants, so the bound stays sound: the
// coefficients a' on z_j rounded to float32 change a'·z_j by at most
// Σ|a' − fl(a')|·max|z_j|; and with c = fl(a')·W_j exact and ĉ its float32
// product (|c − ĉ| ≤ γ_n·|fl(a')|·|W_j| entry by entry, γ_n =
// n·2⁻²⁴/(1 − n·2⁻²⁴) for inner size n, any summation order, FMA or not),
// c·h_j = fl(a')·(W_j·m) + ĉ·(h_j − m) + (c − ĉ)·(h_j − m) for the centre m
// of h_j's range: the first term is computed in float64 (bm), ĉ·h_j goes on
// down, ĉ·m is subtracted where ĉ is next read, and the last term costs at
// most γ_n·|fl(a')|·(|W_j|·ρ), ρ the range's half-width (cv) — small, as
// ρ is ε for the input.
func (b *bounder) back(dst []float64, k int, a []float64, R int, cst []float64, al *alphaRows, xs []float64) {
	rows := b.nb * R
	relaxRound(b, k, a, R, cst, al, false)
	for j := k; ; j-- {
		ly := &b.net.Layers[j]
		b.fb = grow32(b.fb, rows*ly.In)
		tensor.Gemm(false, false, 1, &tensor.Mat{Rows: rows, Cols: ly.Out, Data: b.fa[:rows*ly.Out]}, &b.w32[j], 0, &tensor.Mat{Rows: rows, Cols: ly.In, Data: b.fb})
		if j == 0 {
			break
		}
		relaxRound(b, j-1, b.fb, R, cst, al, true)
	}
	// The product with W_0 left ĉ·x − ĉ·mid[0] to bound (see relaxRound).
	n0 := b.net.InputDim()
	for r := range rows {
		e := r / R
		c := b.fb[r*n0 : (r+1)*n0]
		if b.norm == NormInf && xs == nil {
			// lo − mid where c ≥ 0, hi − mid where c < 0
			dst[r] = cst[r] + boxSum(c, b.clo[e*n0:(e+1)*n0], b.chi[e*n0:(e+1)*n0])
			continue
		}
		var x []float64
		if xs != nil {
			x = xs[r*n0 : (r+1)*n0]
		}
		v, cm := concretizeMid(b, c, e, x, b.mid[0][e*n0:(e+1)*n0])
		dst[r] = cst[r] + v - cm
	}
}

// lineCols are CROWN's lines of a layer's neurons (nb × Out each),
// la·z + lc ≤ σ(z) ≤ ua·z + uc, with mz = max(|l|, |u|) bounding |z|.
type lineCols struct {
	la, ua, lc, uc, mz []float64
}

// resize makes the columns n long.
func (c *lineCols) resize(n int) {
	c.la, c.ua, c.lc, c.uc, c.mz = grow(c.la, n), grow(c.ua, n), grow(c.lc, n), grow(c.uc, n), grow(c.mz, n)
}

// view returns the columns' entries lo..hi.
func (c *lineCols) view(lo, hi int) lineCols {
	return lineCols{la: c.la[lo:hi], ua: c.ua[lo:hi], lc: c.lc[lo:hi], uc: c.uc[lo:hi], mz: c.mz[lo:hi]}
}

// relaxRound turns coefficients a (nb·R × Out_j) on σ(z_j) into float32
// coefficients b.fa on z_j, ready for the product with W_j: each
// coefficient meets σ's lower line where it is ≥ 0 and its upper line
// where negative (CROWN's, or α's), and cst gains the lines' intercepts,
// the constant a·B_j and, subtracted, what the float32 rounding may cost:
// Σ|a' − fl(a')|·max|z_j| for the rounding itself and |fl(a')|·cv_j for
// the product that follows (see back). With α it saves a in al.pre[j].
func relaxRound[F float32 | float64](b *bounder, j int, a []F, R int, cst []float64, al *alphaRows, fromProduct bool) {
	rows := b.nb * R
	ly := &b.net.Layers[j]
	n := ly.Out
	b.fa = grow32(b.fa, rows*n)
	for r := range rows {
		e := r / R
		ls := b.lines[j].view(e*n, (e+1)*n)
		cv := b.cv[j][e*n : (e+1)*n]
		bm := b.bm[j][e*n : (e+1)*n]
		hm := b.zeros[:n] // the centre of σ(z_j)'s range, when a came from a product
		if fromProduct {
			hm = b.mid[j+1][e*n : (e+1)*n]
		}
		ar := a[r*n : (r+1)*n]
		fa := b.fa[r*n : (r+1)*n]
		var pre, tl, tu []float64
		var rel []relax
		if al != nil {
			pre, tl, tu = al.pre[j][r*n:(r+1)*n], al.tl[j][r*n:(r+1)*n], al.tu[j][r*n:(r+1)*n]
			rel = b.rel[j][e*n : (e+1)*n]
		}
		if al == nil {
			s, corr := relaxSums(fa, ar, &ls, hm, bm, cv)
			cst[r] += s - corr*(1+1e-12) - 1e-30
			continue
		}
		var s, corr float64
		asa, asc := al.sa[j][r*n:(r+1)*n], al.sc[j][r*n:(r+1)*n]
		ada, adc := al.da[j][r*n:(r+1)*n], al.dc[j][r*n:(r+1)*n]
		for i, f := range ar {
			v := float64(f)
			var sa, sc, da, dc float64
			if v >= 0 {
				sa, sc = ls.la[i], ls.lc[i]
				if rel[i].lower.free {
					sa, sc, da, dc = rel[i].lower.line(tl[i], -1)
				}
			} else {
				sa, sc = ls.ua[i], ls.uc[i]
				if rel[i].upper.free {
					sa, sc, da, dc = rel[i].upper.line(tu[i], 1)
				}
			}
			pre[i] = v
			asa[i], asc[i], ada[i], adc[i] = sa, sc, da, dc
			p := v * sa
			q := float32(p)
			fa[i] = q
			qf := float64(q)
			s += v*sc + qf*bm[i]
			corr += math.Abs(p-qf)*ls.mz[i] + math.Abs(qf)*cv[i]
			s -= v * hm[i]
		}
		cst[r] += s - corr*(1+1e-12) - 1e-30
	}
}

func grow32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// prepare computes, for layer j and each example, the centre mid[j] and
// radius ρ of the range of h_j (the input box for j = 0, else σ of the
// bounds of z_{j−1}), bm[j] = B_j + W_j·mid[j] in float64, and cv[j]
// (Out_j): the bound on the error of a float32 product with W_j per unit
// of |coefficient| on h_j − mid[j], γ_{Out_j}·(|fl(W_j)|·ρ) + |W_j −
// fl(W_j)|·ρ (see back).
func (b *bounder) prepare(j int) {
	ly := &b.net.Layers[j]
	n, in := ly.Out, ly.In
	const u32 = 1.0 / (1 << 24)
	gam := float64(n) * u32 / (1 - float64(n)*u32) * (1 + 1e-6)
	b.cv[j] = grow(b.cv[j], b.nb*n)
	b.bm[j] = grow(b.bm[j], b.nb*n)
	b.mid[j] = grow(b.mid[j], b.nb*in)
	rho := make([]float64, in)
	for e := range b.nb {
		m := b.mid[j][e*in : (e+1)*in]
		for i := range in {
			var lo, hi float64
			if j == 0 {
				lo, hi = b.lo[e*in+i], b.hi[e*in+i]
			} else {
				prev := b.net.Layers[j-1].Act
				lo, hi = act(prev, b.l[j-1][e*in+i]), act(prev, b.u[j-1][e*in+i])
			}
			m[i] = (lo + hi) / 2
			rho[i] = max(hi-m[i], m[i]-lo, 0)
		}
		aw, dw := b.absW[j], b.dW[j]
		for o := range n {
			var d float64
			s, wm := dot2(aw[o*in:(o+1)*in], rho, ly.W[o*in:(o+1)*in], m)
			if dw != nil { // weights that are not float32 numbers
				for i, w := range dw[o*in : (o+1)*in] {
					d += w * rho[i]
				}
			}
			b.cv[j][e*n+o] = gam*s + d
			b.bm[j][e*n+o] = ly.B[o] + wm
		}
	}
}

// chunkRows is the most rows × columns a backward pass for intermediate
// bounds holds at once (the memory of one pass: three such buffers of
// float64).
const chunkRows = 1 << 20

// hidden computes the bounds l[k], u[k] of every hidden pre-activation,
// layer by layer: the interval (IBP) bound from the layer below and, with
// crown, CROWN's backward bound down to the input; the tighter of the two
// for each neuron. Then it builds the relaxations rel[k].
func (b *bounder) hidden(crown bool) {
	net := b.net
	for k, ly := range net.Layers {
		if ly.Act == "" && k == len(net.Layers)-1 {
			break
		}
		n := ly.Out
		if crown {
			b.prepare(k)
		}
		b.l[k] = grow(b.l[k], b.nb*n)
		b.u[k] = grow(b.u[k], b.nb*n)
		if k == 0 || crown {
			b.crownLayer(k)
		}
		if k > 0 {
			b.ibpLayer(k, crown)
		}
		if !crown {
			continue // interval bounds need no relaxation
		}
		b.rel[k] = growRel(b.rel[k], b.nb*n)
		b.lines[k].resize(b.nb * n)
		lc := &b.lines[k]
		for i := range b.rel[k] {
			l, u := b.l[k][i], b.u[k][i]
			r := relaxFor(ly.Act, l, u)
			b.rel[k][i] = r
			lc.la[i], lc.ua[i], lc.lc[i], lc.uc[i], lc.mz[i] = r.lower.a, r.upper.a, r.lower.c, r.upper.c, max(math.Abs(l), math.Abs(u))
		}
	}
}

func growRel(s []relax, n int) []relax {
	if cap(s) < n {
		return make([]relax, n)
	}
	return s[:n]
}

// crownLayer sets l[k], u[k] by a backward pass from z_k with Λ = I (lower
// bounds) and Λ = −I (upper bounds), in chunks of examples. For k = 0 it is
// exact for L∞ (the box is a product of intervals).
func (b *bounder) crownLayer(k int) {
	ly := &b.net.Layers[k]
	n := ly.Out
	widest := 0
	for _, l := range b.net.Layers[:k+1] {
		widest = max(widest, l.In, l.Out)
	}
	chunk := max(1, chunkRows/(2*n*widest))
	if b.alpha != nil && k > 0 {
		chunk = max(1, chunkRows/4/(2*n*widest)) // optimize holds ~10 buffers this size
	}
	all := *b
	for e0 := 0; e0 < all.nb; e0 += chunk {
		e1 := min(e0+chunk, all.nb)
		sub := b.sub(&all, e0, e1)
		R := 2 * n
		rows := (e1 - e0) * R
		// Λ·W_k with Λ = [I; −I] is [W_k; −W_k] on σ(z_{k−1}) (on x for
		// k = 0), with constants [B_k; −B_k].
		a := grow(b.bufA, rows*max(n, widest))
		b.bufA = a
		cst := make([]float64, rows)
		in := ly.In
		for e := range e1 - e0 {
			for i := range n {
				w := ly.W[i*in : (i+1)*in]
				ra := a[(e*R+i)*in : (e*R+i+1)*in]
				rb := a[(e*R+n+i)*in : (e*R+n+i+1)*in]
				for c, v := range w {
					ra[c], rb[c] = v, -v
				}
				cst[e*R+i], cst[e*R+n+i] = ly.B[i], -ly.B[i]
			}
		}
		dst := make([]float64, rows)
		if k == 0 {
			for r := range rows {
				dst[r] = cst[r] + concretize(sub, a[r*in:(r+1)*in], r/R, nil)
			}
		} else {
			cst0 := slices.Clone(cst)
			sub.back(dst, k-1, a, R, cst, nil, nil)
			if b.alpha != nil { // α-CROWN: climb from CROWN's bounds
				sub.optimize(dst, k-1, a[:rows*in], cst0, R, *b.alpha, nil)
			}
		}
		b.fa, b.fb = sub.fa, sub.fb
		for e := range e1 - e0 {
			for i := range n {
				lo, up := dst[e*R+i], -dst[e*R+n+i]
				b.l[k][(e0+e)*n+i] = lo
				b.u[k][(e0+e)*n+i] = up
			}
		}
	}
}

// sub returns a bounder viewing examples e0..e1 of all, sharing its bounds
// and relaxations.
func (b *bounder) sub(all *bounder, e0, e1 int) *bounder {
	n0 := all.net.InputDim()
	s := *all
	s.nb = e1 - e0
	s.x0 = all.x0[e0*n0 : e1*n0]
	s.lo = all.lo[e0*n0 : e1*n0]
	s.hi = all.hi[e0*n0 : e1*n0]
	s.clo = all.clo[e0*n0 : e1*n0]
	s.chi = all.chi[e0*n0 : e1*n0]
	s.eps = all.eps[e0:e1]
	s.y = all.y[e0:e1]
	s.rel = make([][]relax, len(all.rel))
	s.lines = make([]lineCols, len(all.lines))
	s.l = make([][]float64, len(all.l))
	s.u = make([][]float64, len(all.u))
	s.cv = make([][]float64, len(all.cv))
	s.bm = make([][]float64, len(all.bm))
	s.mid = make([][]float64, len(all.mid))
	for j := range all.rel {
		n := all.net.Layers[j].Out
		if all.rel[j] != nil {
			s.rel[j] = all.rel[j][e0*n : e1*n]
			s.lines[j] = all.lines[j].view(e0*n, e1*n)
		}
		if all.l[j] != nil {
			s.l[j], s.u[j] = all.l[j][e0*n:e1*n], all.u[j][e0*n:e1*n]
		}
		if all.cv[j] != nil {
			in := all.net.Layers[j].In
			s.cv[j] = all.cv[j][e0*n : e1*n]
			s.bm[j] = all.bm[j][e0*n : e1*n]
			s.mid[j] = all.mid[j][e0*in : e1*in]
		}
	}
	s.bufA, s.fa, s.fb = b.bufA, b.fa, b.fb
	return &s
}

// ibpLayer bounds z_k by interval arithmetic from the bounds of z_{k−1}
// (through its monotone activation) and, with keep, intersects the result
// with the bounds already in l[k], u[k].
func (b *bounder) ibpLayer(k int, keep bool) {
	prev := &b.net.Layers[k-1]
	ly := &b.net.Layers[k]
	hl := make([]float64, ly.In)
	hu := make([]float64, ly.In)
	for e := range b.nb {
		for i := range ly.In {
			hl[i] = act(prev.Act, b.l[k-1][e*ly.In+i])
			hu[i] = act(prev.Act, b.u[k-1][e*ly.In+i])
		}
		for o := range ly.Out {
			w := ly.W[o*ly.In : (o+1)*ly.In]
			lo, up := ly.B[o], ly.B[o]
			for i, v := range w {
				if v >= 0 {
					lo += v * hl[i]
					up += v * hu[i]
				} else {
					lo += v * hu[i]
					up += v * hl[i]
				}
			}
			j := e*ly.Out + o
			if keep {
				b.l[k][j] = max(b.l[k][j], lo)
				b.u[k][j] = min(b.u[k][j], up)
			} else {
				b.l[k][j], b.u[k][j] = lo, up
			}
		}
	}
}

// specRows writes the margin specification folded into the last layer:
// for each example e and class j, the coefficients of z_y − z_j on the last
// hidden representation, W_y − W_j, into a (nb·K × In_last) and the
// constants B_y − B_j into cst.
func (b *bounder) specRows(a, cst []float64) {
	ly := &b.net.Layers[len(b.net.Layers)-1]
	K, n := ly.Out, ly.In
	for e := range b.nb {
		y := b.y[e]
		wy := ly.W[y*n : (y+1)*n]
		for j := range K {
			r := e*K + j
			row := a[r*n : (r+1)*n]
			wj := ly.W[j*n : (j+1)*n]
			for i := range row {
				row[i] = wy[i] - wj[i]
			}
			cst[r] = ly.B[y] - ly.B[j]
		}
	}
}

// ibpMargins writes interval bounds on the margins (nb·K) from the bounds
// of the last hidden pre-activation, with the specification folded into
// the last layer.
func (b *bounder) ibpMargins(dst []float64) {
	L := len(b.net.Layers)
	last := &b.net.Layers[L-1]
	K, n := last.Out, last.In
	a := make([]float64, b.nb*K*n)
	b.specRows(a, dst)
	hl := make([]float64, n)
	hu := make([]float64, n)
	for e := range b.nb {
		if L == 1 {
			for j := range K {
				r := e*K + j
				dst[r] += concretize(b, a[r*n:(r+1)*n], e, nil)
			}
			continue
		}
		prev := &b.net.Layers[L-2]
		for i := range n {
			hl[i] = act(prev.Act, b.l[L-2][e*n+i])
			hu[i] = act(prev.Act, b.u[L-2][e*n+i])
		}
		for j := range K {
			r := e*K + j
			s := dst[r]
			for i, v := range a[r*n : (r+1)*n] {
				if v >= 0 {
					s += v * hl[i]
				} else {
					s += v * hu[i]
				}
			}
			dst[r] = s
		}
	}
}

// crownMargins writes CROWN's lower bounds on the margins (nb·K) by a
// backward pass from the logits with the specification folded in.
func (b *bounder) crownMargins(dst []float64, al *alphaRows, xs []float64) {
	L := len(b.net.Layers)
	last := &b.net.Layers[L-1]
	K, n := last.Out, last.In
	widest := 0
	for _, l := range b.net.Layers {
		widest = max(widest, l.In, l.Out)
	}
	a := grow(b.bufA, b.nb*K*widest)
	b.bufA = a
	cst := make([]float64, b.nb*K)
	b.specRows(a[:b.nb*K*n], cst)
	b.dual = true
	defer func() { b.dual = false }()
	if L == 1 {
		n0 := n
		for r := range b.nb * K {
			var x []float64
			if xs != nil {
				x = xs[r*n0 : (r+1)*n0]
			}
			dst[r] = cst[r] + concretize(b, a[r*n0:(r+1)*n0], r/K, x)
		}
		return
	}
	// Start the backward pass below the last layer: a is on σ(z_{L−2}).
	b.back(dst, L-2, a, K, cst, al, xs)
}
