package nn

import (
	"fmt"
	"math"

	"github.com/isonet/isonet/tensor"
)

// MaxMin is the MaxMin activation of Anil et al. (2019): each consecutive
// pair (z_2i, z_2i+1) of a pre-activation becomes (max, min) — GroupSort
// with groups of two. It only permutes its input, so it is 1-Lipschitz in
// L2 and preserves the norm of the gradient it carries back (‖Jᵀg‖ = ‖g‖);
// hidden widths must be even.
const MaxMin Activation = "maxmin"

// checkActivation returns an error unless act is an activation an MLP with
// the given sizes can use.
func checkActivation(act Activation, sizes []int) error {
	switch act {
	case Tanh, ReLU:
		return nil
	case MaxMin:
		for i := 1; i+1 < len(sizes); i++ {
			if sizes[i]%2 != 0 {
				return fmt.Errorf("nn: maxmin needs even hidden widths, layer %d has %d", i, sizes[i])
			}
		}
		return nil
	}
	return fmt.Errorf("nn: unknown activation %q (want tanh, relu or maxmin)", act)
}

// GroupSort sorts every consecutive group of k entries of v in place in
// descending order (GroupSort, Anil et al. 2019; k = 2 is MaxMin) and
// records in perm (len(v)) the position each output came from within v:
// the output v[i] is the input v[perm[i]]. Ties keep their order. len(v)
// must be a multiple of k.
func GroupSort(v []float32, k int, perm []int32) {
	if len(v)%k != 0 || len(perm) != len(v) {
		panic(fmt.Sprintf("nn: GroupSort of %d values (perm %d) in groups of %d", len(v), len(perm), k))
	}
	if k == 2 {
		for i := 0; i < len(v); i += 2 {
			perm[i], perm[i+1] = int32(i), int32(i+1)
			if v[i+1] > v[i] {
				v[i], v[i+1] = v[i+1], v[i]
				perm[i], perm[i+1] = int32(i+1), int32(i)
			}
		}
		return
	}
	for g := 0; g < len(v); g += k {
		for i := g; i < g+k; i++ {
			perm[i] = int32(i)
		}
		// Insertion sort: stable, and k is small.
		for i := g + 1; i < g+k; i++ {
			x, p := v[i], perm[i]
			j := i
			for ; j > g && v[j-1] < x; j-- {
				v[j], perm[j] = v[j-1], perm[j-1]
			}
			v[j], perm[j] = x, p
		}
	}
}

// GroupSortBackward turns g, the gradient with respect to GroupSort's
// output, into the gradient with respect to its input, in place, using the
// perm GroupSort recorded: ∂L/∂in[perm[i]] = ∂L/∂out[i]. It is a
// permutation of g, so it keeps g's norm.
func GroupSortBackward(g []float32, k int, perm []int32) {
	if k == 2 {
		for i := 0; i < len(g); i += 2 {
			if perm[i] != int32(i) {
				g[i], g[i+1] = g[i+1], g[i]
			}
		}
		return
	}
	var buf [16]float32
	tmp := buf[:0]
	if k > len(buf) {
		tmp = make([]float32, k)
	}
	tmp = tmp[:k]
	for s := 0; s < len(g); s += k {
		for i := s; i < s+k; i++ {
			tmp[int(perm[i])-s] = g[i]
		}
		copy(g[s:s+k], tmp)
	}
}

// maxMin adds the bias b to every row of out and applies MaxMin in place,
// keeping the permutation of layer l's output in ws for Backward.
func (ws *Workspace) maxMin(l int, out *tensor.Mat, b []float32) {
	if ws.perm == nil {
		ws.perm = make([][]int32, len(ws.H))
	}
	if cap(ws.perm[l]) < len(out.Data) {
		ws.perm[l] = make([]int32, len(out.Data))
	}
	perm := ws.perm[l][:len(out.Data)]
	for i := 0; i < out.Rows; i++ {
		row := out.Row(i)
		for j := range row {
			row[j] += b[j]
		}
	}
	GroupSort(out.Data, 2, perm)
}

// AddBiasMaxMin adds the bias b to every row of h and applies MaxMin in
// place: the hidden layers of an MLP with activation MaxMin, for code that
// recomputes a forward pass outside Forward.
func AddBiasMaxMin(h *tensor.Mat, b []float32) {
	for i := 0; i < h.Rows; i++ {
		row := h.Row(i)
		for j := range row {
			row[j] += b[j]
		}
		for j := 0; j+1 < len(row); j += 2 {
			row[j], row[j+1] = max(row[j], row[j+1]), min(row[j], row[j+1])
		}
	}
}

// maxMinBackward carries dh = ∂L/∂H[l] back through layer l's MaxMin, in place.
func (ws *Workspace) maxMinBackward(l int, dh *tensor.Mat) {
	GroupSortBackward(dh.Data, 2, ws.perm[l][:len(dh.Data)])
}

// Parametrisations of a 1-Lipschitz Linear layer (LipLinear.Kind).
const (
	// AOL is Almost-Orthogonal Layers (Prach & Lampert, ECCV 2022): the
	// effective weight is W = V·D with D = diag(Σ_k |VᵀV|_jk)^(-1/2), whose
	// spectral norm is at most 1 for every V, with no iteration.
	AOL = "aol"
	// Orthogonal is an orthogonal dense layer (Anil et al. 2019): the
	// AOL rescaling of V, then Iters steps of Björck–Bowie
	// orthonormalisation of order 1, X ← X·(3/2·I − 1/2·XᵀX), computed on
	// the smaller side of X. Each step maps every singular value σ ∈ [0, 1]
	// to 3/2·σ − 1/2·σ³ ∈ [0, 1] and moves it towards 1, so, started from
	// AOL's bound of 1, the layer is 1-Lipschitz after any number of steps
	// (a fixed count keeps forward and backward exact and the cost fixed)
	// and orthogonal in the limit.
	Orthogonal = "orthogonal"
)

// DefaultBjorckIters is the number of Björck–Bowie steps of an Orthogonal
// layer when none is given: from AOL's start the singular values of the
// paper's layers reach 1 to float32 precision in about ten.
const DefaultBjorckIters = 12

// LipLinear maps the raw weight V (Out×In, row-major, as Linear's W) of a
// Linear layer to an effective weight W of spectral norm at most 1 (up to
// float32 rounding), by AOL or by Orthogonal, and carries the gradient
// ∂L/∂W back to ∂L/∂V. Apply keeps what Backward needs; a LipLinear
// belongs to one goroutine.
type LipLinear struct {
	Kind    string // AOL or Orthogonal
	Iters   int    // Björck–Bowie steps (Orthogonal)
	Out, In int

	v    tensor.Mat   // V as given to Apply (a view)
	p    tensor.Mat   // VᵀV (In×In)
	d    []float64    // D's diagonal
	s    []float64    // Σ_k |VᵀV|_jk
	b    []float64    // ∂L/∂s_j (Backward)
	a    tensor.Mat   // AOL's V·D (Out×In)
	xs   []tensor.Mat // Björck iterates on the smaller side: xs[0] = a or aᵀ
	gs   []tensor.Mat // their Gram matrices X·Xᵀ
	t    bool         // the iterates are transposed (Out > In)
	bufA tensor.Mat
	bufB tensor.Mat
	bufC tensor.Mat
}

// NewLipLinear returns the parametrisation kind (AOL or Orthogonal) of an
// out×in weight; iters is the number of Björck–Bowie steps of Orthogonal
// (0 means DefaultBjorckIters) and must be 0 for AOL.
func NewLipLinear(kind string, iters, out, in int) (*LipLinear, error) {
	switch kind {
	case AOL:
		if iters != 0 {
			return nil, fmt.Errorf("nn: aol takes no Björck iterations, got %d", iters)
		}
	case Orthogonal:
		if iters == 0 {
			iters = DefaultBjorckIters
		}
		if iters < 0 || iters > 1000 {
			return nil, fmt.Errorf("nn: Björck iterations must be in 0..1000, got %d", iters)
		}
	default:
		return nil, fmt.Errorf("nn: unknown Lipschitz parametrisation %q (want aol or orthogonal)", kind)
	}
	if out < 1 || in < 1 {
		return nil, fmt.Errorf("nn: weight of %d×%d", out, in)
	}
	return &LipLinear{Kind: kind, Iters: iters, Out: out, In: in}, nil
}

// Apply writes into w the effective weight of the raw weight v (both
// Out·In values, row-major).
func (c *LipLinear) Apply(w, v []float32) {
	n, m := c.In, c.Out
	if len(w) != m*n || len(v) != m*n {
		panic(fmt.Sprintf("nn: LipLinear %d×%d given %d and %d values", m, n, len(w), len(v)))
	}
	c.v = tensor.Mat{Rows: m, Cols: n, Data: v}
	// P = VᵀV; s_j = Σ_k |P_jk|; d_j = s_j^(-1/2) (0 for a zero column).
	c.p.Resize(n, n)
	tensor.Gemm(true, false, 1, &c.v, &c.v, 0, &c.p)
	if len(c.d) != n {
		c.d, c.s = make([]float64, n), make([]float64, n)
	}
	for j := range n {
		var s float64
		for _, x := range c.p.Row(j) {
			s += math.Abs(float64(x))
		}
		c.s[j] = s
		c.d[j] = 0
		if s > 0 {
			c.d[j] = 1 / math.Sqrt(s)
		}
	}
	dst := w
	if c.Kind == Orthogonal {
		c.a.Resize(m, n)
		dst = c.a.Data
	}
	for i := range m {
		for j, x := range v[i*n : (i+1)*n] {
			dst[i*n+j] = float32(float64(x) * c.d[j])
		}
	}
	if c.Kind == AOL {
		return
	}
	// Björck–Bowie on the smaller side: X (r×k, r ≤ k), X ← 3/2·X − 1/2·(X·Xᵀ)·X.
	c.t = m > n
	r, k := m, n
	if c.t {
		r, k = n, m
	}
	if len(c.xs) != c.Iters+1 {
		c.xs, c.gs = make([]tensor.Mat, c.Iters+1), make([]tensor.Mat, c.Iters)
	}
	x0 := &c.xs[0]
	x0.Resize(r, k)
	if c.t {
		transpose(x0, &c.a)
	} else {
		copy(x0.Data, c.a.Data)
	}
	for it := range c.Iters {
		x, g, next := &c.xs[it], &c.gs[it], &c.xs[it+1]
		g.Resize(r, r)
		tensor.Gemm(false, true, 1, x, x, 0, g)
		next.Resize(r, k)
		copy(next.Data, x.Data)
		tensor.Gemm(false, false, -0.5, g, x, 1.5, next)
	}
	last := &c.xs[c.Iters]
	if c.t {
		transpose(&tensor.Mat{Rows: m, Cols: n, Data: w}, last)
	} else {
		copy(w, last.Data)
	}
}

// Backward writes into dv the gradient ∂L/∂V given dw = ∂L/∂W, for the V
// of the last Apply.
//
// Björck step Y = 3/2·X − 1/2·X·Xᵀ·X, with A = Ȳ·Xᵀ:
// X̄ = 3/2·Ȳ − 1/2·((A + Aᵀ)·X + X·Xᵀ·Ȳ).
// AOL W = V·D, D_jj = s_j^(-1/2), s_j = Σ_k |P_jk|, P = VᵀV, with
// a_j = Σ_i W̄_ij·V_ij and b_j = −1/2·a_j·d_j³ (= ∂L/∂s_j):
// V̄ = W̄·D + V·S, S_jk = (b_j + b_k)·sign(P_jk).
func (c *LipLinear) Backward(dv, dw []float32) {
	n, m := c.In, c.Out
	if len(dw) != m*n || len(dv) != m*n {
		panic(fmt.Sprintf("nn: LipLinear %d×%d given %d and %d gradients", m, n, len(dw), len(dv)))
	}
	ga := dw // ∂L/∂(V·D)
	if c.Kind == Orthogonal {
		r, k := m, n
		if c.t {
			r, k = n, m
		}
		y, x := &c.bufA, &c.bufB
		y.Resize(r, k)
		if c.t {
			transpose(y, &tensor.Mat{Rows: m, Cols: n, Data: dw})
		} else {
			copy(y.Data, dw)
		}
		a := &c.bufC
		for it := c.Iters - 1; it >= 0; it-- {
			xi, g := &c.xs[it], &c.gs[it]
			a.Resize(r, r)
			tensor.Gemm(false, true, 1, y, xi, 0, a) // A = Ȳ·Xᵀ
			for i := range r {
				for j := i + 1; j < r; j++ {
					s := a.Data[i*r+j] + a.Data[j*r+i]
					a.Data[i*r+j], a.Data[j*r+i] = s, s
				}
				a.Data[i*r+i] *= 2
			}
			x.Resize(r, k)
			copy(x.Data, y.Data)
			tensor.Gemm(false, false, -0.5, a, xi, 1.5, x) // 3/2·Ȳ − 1/2·(A+Aᵀ)·X
			tensor.Gemm(false, false, -0.5, g, y, 1, x)    // − 1/2·X·Xᵀ·Ȳ
			x, y = y, x
		}
		c.bufA, c.bufB = *y, *x // keep both buffers for the next call
		y = &c.bufA
		if c.t {
			c.a.Resize(m, n)
			transpose(&c.a, y)
			ga = c.a.Data
		} else {
			ga = y.Data
		}
	}
	// AOL.
	if len(c.b) != n {
		c.b = make([]float64, n)
	}
	b := c.b
	for j := range n {
		var a float64
		for i := range m {
			a += float64(ga[i*n+j]) * float64(c.v.Data[i*n+j])
		}
		b[j] = -0.5 * a * c.d[j] * c.d[j] * c.d[j]
	}
	sm := &c.p // P is not needed any more: S overwrites it
	for j := range n {
		row := sm.Row(j)
		for k, p := range row {
			switch {
			case p > 0:
				row[k] = float32(b[j] + b[k])
			case p < 0:
				row[k] = float32(-(b[j] + b[k]))
			default:
				row[k] = 0
			}
		}
	}
	for i := range m {
		for j := range n {
			dv[i*n+j] = float32(float64(ga[i*n+j]) * c.d[j])
		}
	}
	tensor.Gemm(false, false, 1, &c.v, sm, 1, &tensor.Mat{Rows: m, Cols: n, Data: dv})
	c.p.Resize(n, n) // (P itself is recomputed by the next Apply)
}

// transpose writes srcᵀ into dst (already sized).
func transpose(dst, src *tensor.Mat) {
	for i := range src.Rows {
		for j, x := range src.Row(i) {
			dst.Data[j*dst.Cols+i] = x
		}
	}
}
