// Package iso implements the isometric loss of Locally Isometric Layers, its
// exact gradient, and the numbers that say how isometric a representation is.
//
// The loss of a batch of inputs x_i with representations φ_i is
//
//	L_iso = (1/N²) Σ_ij G_ij (K·d(φ_i, φ_j) − d(x_i, x_j))²,
//
// where d is the Euclidean distance, K a scale, and the mask G (Mask, Groups)
// selects the pairs that count: same-class pairs for local isometry, all
// pairs for global isometry. Loss evaluates it and adds its gradient with
// respect to φ; WithinClass and Agree measure how well a representation
// keeps the distances.
package iso

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/isonet/isonet/tensor"
)

// Mask names the indexing matrix G.
type Mask string

// Masks.
const (
	MaskClass  Mask = "class"  // G_ij = 1 iff y_i = y_j: local isometry (default)
	MaskGlobal Mask = "global" // G_ij = 1 for all pairs: global isometry
	MaskNone   Mask = "none"   // no isometric term
)

// ParseMask returns the Mask named s, or an error listing the choices.
func ParseMask(s string) (Mask, error) {
	switch Mask(s) {
	case MaskClass, MaskGlobal, MaskNone:
		return Mask(s), nil
	}
	return "", fmt.Errorf("unknown mask %q (want class, global or none)", s)
}

// Groups returns the blocks of the partition that G encodes: for MaskClass
// the indices of each label value (labels play the role of any partition),
// for MaskGlobal one block of all indices, for MaskNone none. Blocks are
// ordered by label value and hold indices in increasing order; labels with no
// member give no block.
func Groups(dst [][]int, labels []int, mask Mask) [][]int {
	switch mask {
	case MaskNone:
		return dst[:0]
	case MaskGlobal:
		dst = grow(dst, 1)
		for i := range labels {
			dst[0] = append(dst[0], i)
		}
		return dst
	}
	mx := -1
	for _, y := range labels {
		mx = max(mx, y)
	}
	dst = grow(dst, mx+1)
	for i, y := range labels {
		dst[y] = append(dst[y], i)
	}
	// Move the empty blocks to the end, keeping their memory for next time.
	k := 0
	for i := range dst {
		if len(dst[i]) > 0 {
			dst[k], dst[i] = dst[i], dst[k]
			k++
		}
	}
	return dst[:k]
}

// grow returns dst with n empty blocks, reusing the memory of dst's blocks
// (also those beyond its length).
func grow(dst [][]int, n int) [][]int {
	if cap(dst) < n {
		dst = append(dst[:cap(dst)], make([][]int, n-cap(dst))...)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = dst[i][:0]
	}
	return dst
}

// InputDistances returns, for each group, the n_k×n_k matrix (row-major) of
// Euclidean distances between the rows of x in that group, in float64.
func InputDistances(x *tensor.Mat, groups [][]int) [][]float64 {
	out := make([][]float64, len(groups))
	for g, idx := range groups {
		out[g] = pairDistances(nil, x, idx)
	}
	return out
}

// pairDistances fills dst (n×n, grown if needed) with distances between rows
// idx of x, computed from exact differences.
func pairDistances(dst []float64, x *tensor.Mat, idx []int) []float64 {
	var w blockWork
	return w.pairDistances(dst, x, idx)
}

// blockWork holds the scratch memory of the per-block distance kernels.
type blockWork struct {
	t, s []float64
}

// pairDistances is pairDistances with w's scratch memory.
func (w *blockWork) pairDistances(dst []float64, x *tensor.Mat, idx []int) []float64 {
	n := len(idx)
	if cap(dst) < n*n {
		dst = make([]float64, n*n)
	}
	dst = dst[:n*n]
	s := w.sqDists(x, idx)
	for a := 0; a < n; a++ {
		dst[a*n+a] = 0
		for b := a + 1; b < n; b++ {
			d := math.Sqrt(s[a*n+b])
			dst[a*n+b] = d
			dst[b*n+a] = d
		}
	}
	return dst
}

// sqDists returns (in w's memory) the n×n matrix of squared distances
// between rows idx of x: entry (a, b), a < b, is Σ_k (x_a,k − x_b,k)² in
// float64 from exact differences, added in order of k; only the entries
// above the diagonal are meant to be read.
func (w *blockWork) sqDists(x *tensor.Mat, idx []int) []float64 {
	n := len(idx)
	if cap(w.s) < n*n {
		w.s = make([]float64, n*n)
	}
	s := w.s[:n*n]
	if w.sqDistsVec(s, x, idx) {
		return s
	}
	for a := 0; a < n; a++ {
		ra := x.Row(idx[a])
		for b := a + 1; b < n; b++ {
			s[a*n+b] = tensor.SqDist(ra, x.Row(idx[b]))
		}
	}
	return s
}

// Loss evaluates the isometric term for one batch. Build it with NewLoss (or
// Reset an existing one to reuse its memory); it remembers the partition and
// the input distances of the batch.
type Loss struct {
	// K scales the representation distances (SPEC §1; default 1).
	K      float64
	N      int         // batch size: the loss is divided by N²
	Groups [][]int     // blocks of the partition (only same-block pairs count)
	DIn    [][]float64 // per block, the input distances (n_k×n_k)

	p, gram, c, cp tensor.Mat // buffers of the GEMM path
	sq, rs, mean   []float64
	rr             []float64 // 2·r² of the pairs a < b, row by row
	ws             rowWork   // scratch of the pair rows
	pt             []float32 // Pᵀ, k-major, for the fused Gram values
	sqp            []float64 // sq padded by a vector of zeros
	bw             blockWork // scratch of the small-block path
}

// NewLoss prepares the isometric loss for the batch x with the given blocks.
func NewLoss(x *tensor.Mat, groups [][]int, k float64) *Loss {
	l := &Loss{}
	l.Reset(x, groups, k)
	return l
}

// Reset points l at a new batch, reusing its buffers.
func (l *Loss) Reset(x *tensor.Mat, groups [][]int, k float64) {
	l.K, l.N, l.Groups = k, x.Rows, groups
	if cap(l.DIn) < len(groups) {
		l.DIn = make([][]float64, len(groups))
	}
	l.DIn = l.DIn[:len(groups)]
	for g, idx := range groups {
		l.DIn[g] = l.bw.pairDistances(l.DIn[g], x, idx)
	}
}

// Eval returns L_iso for the representation phi (N×d, rows in batch order)
// and, when dphi is not nil, adds scale·∂L_iso/∂phi to it (dphi must be N×d).
//
// With r_ij = K·d_ij − D_in,ij and ordered pairs counted twice,
// ∂L/∂φ_a = (4K/N²) Σ_{j in a's block} r_aj (φ_a − φ_j)/d_aj, taking
// (φ_a − φ_j)/d_aj = 0 when d_aj = 0.
func (l *Loss) Eval(dphi, phi *tensor.Mat, scale float64) float64 {
	if phi.Rows != l.N {
		panic(fmt.Sprintf("iso: representation has %d rows, batch has %d", phi.Rows, l.N))
	}
	if dphi != nil && (dphi.Rows != phi.Rows || dphi.Cols != phi.Cols) {
		panic("iso: gradient buffer shape differs from the representation's")
	}
	inv := 1 / (float64(l.N) * float64(l.N))
	gcoef := 4 * l.K * inv * scale
	var total float64
	for g, idx := range l.Groups {
		if len(idx) >= gemmMin {
			total += l.evalGEMM(dphi, phi, idx, l.DIn[g], gcoef)
		} else {
			total += l.evalPairs(dphi, phi, idx, l.DIn[g], gcoef)
		}
	}
	return total * inv
}

// gemmMin is the block size from which the GEMM formulation pays off.
const gemmMin = 48

// evalPairs handles one block pair by pair from exact differences. It
// returns the block's Σ over ordered pairs of r², and adds the gradient.
func (l *Loss) evalPairs(dphi, phi *tensor.Mat, idx []int, din []float64, gcoef float64) float64 {
	K := l.K
	n := len(idx)
	sq := l.bw.sqDists(phi, idx)
	var total float64
	for a := 0; a < n; a++ {
		ra := phi.Row(idx[a])
		var ga []float32
		if dphi != nil {
			ga = dphi.Row(idx[a])
		}
		for b := a + 1; b < n; b++ {
			d := math.Sqrt(sq[a*n+b])
			r := K*d - din[a*n+b]
			total += 2 * r * r // (a,b) and (b,a)
			if dphi == nil || d == 0 {
				continue
			}
			c := gcoef * r / d
			pairGrad(ga, dphi.Row(idx[b]), ra, phi.Row(idx[b]), c)
		}
	}
	return total
}

// pairGrad adds diff_k = c·(ra_k − rb_k) to ga and subtracts it from gb,
// each rounded to float32.
func pairGrad(ga, gb, ra, rb []float32, c float64) {
	done := pairGradVec(ga, gb, ra, rb, c)
	rb = rb[:len(ra)]
	gb = gb[:len(ra)]
	ga = ga[:len(ra)]
	for k := done; k < len(ra); k++ {
		diff := c * (float64(ra[k]) - float64(rb[k]))
		ga[k] += float32(diff)
		gb[k] -= float32(diff)
	}
}

// evalGEMM handles a large block with matrix products. The block's
// representations are centred (distances do not change), their squared
// distances come from the Gram matrix, ‖p_a‖² + ‖p_b‖² − 2·p_a·p_b, and are
// recomputed from exact differences where that formula would cancel. With
// C_ab = r_ab/d_ab the gradient is ∂L/∂p_a = coef·(Σ_b C_ab·p_a − (C·P)_a).
//
// The pairs a < b are done row by row (AVX-512 where the CPU has it), each
// pair rounded exactly as the scalar loop pairScalar does; the loss is then summed pair by pair in row-major order
// and the row sums of C accumulated column by column of the mirrored C, in
// the same order as a plain loop over b, so that every bit of the loss and
// gradient is the same on every path.
func (l *Loss) evalGEMM(dphi, phi *tensor.Mat, idx []int, din []float64, gcoef float64) float64 {
	n, d := len(idx), phi.Cols
	p := &l.p
	p.Resize(n, d)
	if cap(l.mean) < d {
		l.mean = make([]float64, d)
	}
	mean := l.mean[:d]
	clear(mean)
	for _, i := range idx {
		for k, v := range phi.Row(i) {
			mean[k] += float64(v)
		}
	}
	for k := range mean {
		mean[k] /= float64(n)
	}
	if cap(l.sq) < n {
		l.sq = make([]float64, n)
		l.rs = make([]float64, n)
	}
	sq, rs := l.sq[:n], l.rs[:n]
	for a, i := range idx {
		row := p.Row(a)
		var s float64
		for k, v := range phi.Row(i) {
			c := float32(float64(v) - mean[k])
			row[k] = c
			s += float64(c) * float64(c)
		}
		sq[a] = s
	}
	fused := fusedGram(d)
	if fused {
		// The pair kernel computes the Gram values from Pᵀ (k-major, zero
		// padded by a vector) as the GEMM would.
		ldp := n + 32
		if cap(l.pt) < d*ldp {
			l.pt = make([]float32, d*ldp)
		}
		pt := l.pt[:d*ldp]
		for k := 0; k < d; k++ {
			clear(pt[k*ldp+n : (k+1)*ldp])
		}
		for a := range n {
			for k, v := range p.Row(a) {
				pt[k*ldp+a] = v
			}
		}
		if cap(l.sqp) < n+32 {
			l.sqp = make([]float64, n+32)
		}
		sqp := l.sqp[:n+32]
		copy(sqp, sq)
		clear(sqp[n:])
	} else {
		gram := &l.gram
		gram.Resize(n, n)
		tensor.Gemm(false, true, 1, p, p, 0, gram)
	}
	c := &l.c
	c.Resize(n, n)
	tri := n * (n - 1) / 2
	if cap(l.rr) < tri {
		l.rr = make([]float64, tri)
	}
	rr := l.rr[:tri]
	l.ws.grow(n + 32)
	// One goroutine does the pairs: on the 2-vCPU machine measured, a
	// helper sharing the rows made the torus 25 % and the rings 20 % slower
	// (waking it, and both writing the mirrored rows' cache lines).
	if fused {
		l.pairRowsFused(0, n, n, din, rr, &l.ws)
	} else {
		l.pairRows(0, n, n, din, rr, &l.ws)
	}
	total := sumSeq(rr)
	if dphi == nil {
		return total
	}
	rowSums(c, rs)
	cp := &l.cp
	cp.Resize(n, d)
	tensor.Gemm(false, false, 1, c, p, 0, cp)
	for a, i := range idx {
		g := dphi.Row(i)
		pa, cpa := p.Row(a), cp.Row(a)
		for k := range g {
			g[k] += float32(gcoef * (rs[a]*float64(pa[k]) - float64(cpa[k])))
		}
	}
	return total
}

// sumSeq returns the sum of v added one by one in order.
func sumSeq(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

// triOffset is where row a's pairs (a, a+1..n−1) start in the packed upper
// triangle.
func triOffset(a, n int) int { return a*n - a*(a+1)/2 }

// rowWork is one goroutine's scratch for the pair rows.
type rowWork struct {
	near    []uint8
	c       []float32
	rr, din []float64
	tmp     [32]float32
}

// grow makes room for rows of up to m lanes.
func (w *rowWork) grow(m int) {
	if len(w.c) < m {
		w.near = make([]uint8, m/8+1)
		w.c = make([]float32, m)
		w.rr = make([]float64, m)
		w.din = make([]float64, m)
	}
}

// pairRowsFused is pairRows with the Gram values computed in the kernel
// (fusedGram): each row goes through the kernel in whole vectors of 32
// lanes into w's scratch, then its valid part is copied out.
func (l *Loss) pairRowsFused(lo, hi, n int, din, rr []float64, w *rowWork) {
	d := l.p.Cols
	ldp := n + 32
	sq, c := l.sqp, &l.c
	for a := lo; a < hi; a++ {
		ca := c.Row(a)
		ca[a] = 0
		m := n - a - 1
		if m == 0 {
			continue
		}
		nl := (m + 31) &^ 31
		dr := din[a*n+a+1:]
		if len(dr) < nl {
			copy(w.din, dr)
			dr = w.din
		}
		off := triOffset(a, n)
		rra := rr[off : off+m]
		if crow := c.Data[a*n+a+1 : n*n]; len(crow) >= nl && len(rr)-off >= nl {
			// Whole vectors straight into place: the lanes past the row
			// land where later rows write (rr; C's upper triangle) or
			// where the mirror does (C's lower triangle).
			pairRowFused(l.p.Row(a), l.pt[a+1:], ldp, d, sq[a+1:], dr, crow, rr[off:], w.near, nl, sq[a], l.K, &w.tmp)
		} else {
			pairRowFused(l.p.Row(a), l.pt[a+1:], ldp, d, sq[a+1:], dr, w.c, w.rr, w.near, nl, sq[a], l.K, &w.tmp)
			copy(rra, w.rr[:m])
			copy(ca[a+1:n], w.c[:m])
		}
		for q := range (m + 7) / 8 {
			mask := w.near[q]
			for mask != 0 {
				bit := bits.TrailingZeros8(mask)
				mask &^= 1 << bit
				j := q*8 + bit
				if j < m {
					rra[j], ca[a+1+j] = l.pairNear(a, a+1+j, din[a*n+a+1+j])
				}
			}
		}
	}
	mirrorRows(c, lo, hi)
}

// pairNear is pairScalar for a pair known to be near (its squared distance
// comes from exact differences).
func (l *Loss) pairNear(a, b int, din float64) (float64, float32) {
	dist := math.Sqrt(tensor.SqDist(l.p.Row(a), l.p.Row(b)))
	r := float64(l.K*dist) - din
	var cab float32
	if dist > 0 {
		cab = float32(r / dist)
	}
	return 2 * r * r, cab
}

// pairRows fills rows [lo, hi) of the upper triangle of l.c with
// C_ab = r_ab/d_ab (then mirrors them into the lower triangle) and the
// packed triangle rr with 2·r_ab², using w's scratch.
func (l *Loss) pairRows(lo, hi, n int, din, rr []float64, w *rowWork) {
	near := w.near
	sq, gram, c := l.sq[:n], &l.gram, &l.c
	for a := lo; a < hi; a++ {
		ca := c.Row(a)
		ca[a] = 0
		off := triOffset(a, n)
		rra := rr[off : off+n-a-1]
		ga := gram.Row(a)
		done := pairRowVec(ga[a+1:n], sq[a+1:], din[a*n+a+1:a*n+n], ca[a+1:n], rra, near, sq[a], l.K)
		for q := range done / 8 {
			m := near[q]
			for m != 0 {
				bit := bits.TrailingZeros8(m)
				m &^= 1 << bit
				j := q*8 + bit
				rra[j], ca[a+1+j] = l.pairScalar(a, a+1+j, ga, din[a*n+a+1+j])
			}
		}
		for j := done; j < n-a-1; j++ {
			rra[j], ca[a+1+j] = l.pairScalar(a, a+1+j, ga, din[a*n+a+1+j])
		}
	}
	mirrorRows(c, lo, hi)
}

// pairScalar returns 2·r² and C_ab for the pair (a, b), b > a, of the
// centred block l.p with Gram row ga of a and input distance din.
func (l *Loss) pairScalar(a, b int, ga []float32, din float64) (float64, float32) {
	sq := l.sq
	s2 := sq[a] + sq[b] - 2*float64(ga[b])
	if s2 < 1e-2*(sq[a]+sq[b]) {
		s2 = tensor.SqDist(l.p.Row(a), l.p.Row(b)) // near pair: avoid cancellation
	}
	dist := math.Sqrt(s2)
	r := float64(l.K*dist) - din
	var cab float32
	if dist > 0 {
		cab = float32(r / dist)
	}
	return 2 * r * r, cab
}

// mirrorRows copies rows [lo, hi) of the upper triangle of the square c
// into the lower triangle (columns [lo, hi)), by strips of 16 rows: with
// AVX-512, each whole 16×16 block right of a strip's diagonal block is
// transposed in registers.
func mirrorRows(c *tensor.Mat, lo, hi int) {
	n := c.Rows
	const bs = 16
	data := c.Data[:n*n]
	for i0 := lo; i0 < hi; i0 += bs {
		i1 := min(i0+bs, hi)
		j0 := i0
		if useAVX512 && i1-i0 == bs {
			mirrorBlock(data, n, i0, i1, i0, i1)
			for j0 = i1; j0+bs <= n; j0 += bs {
				transpose16(&data[j0*n+i0], n, &data[i0*n+j0], n)
			}
		}
		mirrorBlock(data, n, i0, i1, j0, n)
	}
}

// mirrorBlock copies c_ij to c_ji for i in [i0, i1), j in [j0, j1), j > i:
// each row j of the lower triangle is filled from column j of the strip (a
// strided read, contiguous writes).
func mirrorBlock(data []float32, n, i0, i1, j0, j1 int) {
	for j := max(j0, i0+1); j < j1; j++ {
		dst := data[j*n+i0 : j*n+min(i1, j)]
		src := data[i0*n+j:]
		for k := range dst {
			dst[k] = src[k*n]
		}
	}
}

// rowSums sets rs[a] = Σ_b c_ab of the symmetric c, added in order of b (as
// its column sums).
func rowSums(c *tensor.Mat, rs []float64) {
	n := c.Rows
	clear(rs)
	done := colSumVec(rs, c.Data, n, n, n)
	for b := 0; b < n; b++ {
		row := c.Row(b)
		for a := done; a < n; a++ {
			rs[a] += float64(row[a])
		}
	}
}
