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
	n := len(idx)
	if cap(dst) < n*n {
		dst = make([]float64, n*n)
	}
	dst = dst[:n*n]
	for a := 0; a < n; a++ {
		dst[a*n+a] = 0
		ra := x.Row(idx[a])
		for b := a + 1; b < n; b++ {
			rb := x.Row(idx[b])
			var s float64
			for k, v := range ra {
				d := float64(v) - float64(rb[k])
				s += d * d
			}
			d := math.Sqrt(s)
			dst[a*n+b] = d
			dst[b*n+a] = d
		}
	}
	return dst
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
	sq, rs         []float64
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
		l.DIn[g] = pairDistances(l.DIn[g], x, idx)
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
	var total float64
	for a := 0; a < n; a++ {
		ra := phi.Row(idx[a])
		var ga []float32
		if dphi != nil {
			ga = dphi.Row(idx[a])
		}
		for b := a + 1; b < n; b++ {
			rb := phi.Row(idx[b])
			d := math.Sqrt(sqDist(ra, rb))
			r := K*d - din[a*n+b]
			total += 2 * r * r // (a,b) and (b,a)
			if dphi == nil || d == 0 {
				continue
			}
			c := gcoef * r / d
			gb := dphi.Row(idx[b])
			for k, v := range ra {
				diff := c * (float64(v) - float64(rb[k]))
				ga[k] += float32(diff)
				gb[k] -= float32(diff)
			}
		}
	}
	return total
}

func sqDist(a, b []float32) float64 {
	var s float64
	for k, v := range a {
		d := float64(v) - float64(b[k])
		s += d * d
	}
	return s
}

// evalGEMM handles a large block with matrix products. The block's
// representations are centred (distances do not change), their squared
// distances come from the Gram matrix, ‖p_a‖² + ‖p_b‖² − 2·p_a·p_b, and are
// recomputed from exact differences where that formula would cancel. With
// C_ab = r_ab/d_ab the gradient is ∂L/∂p_a = coef·(Σ_b C_ab·p_a − (C·P)_a).
func (l *Loss) evalGEMM(dphi, phi *tensor.Mat, idx []int, din []float64, gcoef float64) float64 {
	K := l.K
	n, d := len(idx), phi.Cols
	p := &l.p
	p.Resize(n, d)
	mean := make([]float64, d)
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
	gram := &l.gram
	gram.Resize(n, n)
	tensor.Gemm(false, true, 1, p, p, 0, gram)
	c := &l.c
	c.Resize(n, n)
	var total float64
	for a := 0; a < n; a++ {
		ga := gram.Row(a)
		ca := c.Row(a)
		ca[a] = 0
		for b := a + 1; b < n; b++ {
			s2 := sq[a] + sq[b] - 2*float64(ga[b])
			if s2 < 1e-2*(sq[a]+sq[b]) {
				s2 = sqDist(p.Row(a), p.Row(b)) // near pair: avoid cancellation
			}
			dist := math.Sqrt(s2)
			r := K*dist - din[a*n+b]
			total += 2 * r * r
			var cab float32
			if dist > 0 {
				cab = float32(r / dist)
			}
			ca[b] = cab
			c.Data[b*n+a] = cab
		}
	}
	if dphi == nil {
		return total
	}
	for a := 0; a < n; a++ {
		var s float64
		for _, v := range c.Row(a) {
			s += float64(v)
		}
		rs[a] = s
	}
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
