// Package topology measures the shape of point clouds with persistent
// homology: Vietoris–Rips persistence diagrams in dimensions 0 and 1 over the
// field Z/2, Betti numbers at a scale, and the bottleneck distance between
// diagrams.
//
// The Vietoris–Rips complex at scale s has a simplex for every set of points
// whose pairwise distances are all ≤ s. As s grows, connected components
// (dimension 0) and loops (dimension 1) appear and disappear; each is
// recorded as a Bar [Birth, Death).
package topology

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/isonet/isonet/tensor"
)

// Bar is one interval [Birth, Death) of a persistence diagram: a homology
// class that appears at scale Birth and disappears at scale Death. Death is
// +Inf for an essential class, one that is still alive at the largest scale
// computed. In JSON an infinite Death is written as null.
type Bar struct {
	Birth float64 `json:"birth"`
	Death float64 `json:"death"`
}

// Persistence returns Death − Birth, the lifetime of the class (+Inf for an
// essential class).
func (b Bar) Persistence() float64 { return b.Death - b.Birth }

// MarshalJSON writes the bar as {"birth":b,"death":d}, with null for an
// infinite death, since JSON has no infinity.
func (b Bar) MarshalJSON() ([]byte, error) {
	var death any = b.Death
	if math.IsInf(b.Death, 1) {
		death = nil
	}
	return json.Marshal(struct {
		Birth float64 `json:"birth"`
		Death any     `json:"death"`
	}{b.Birth, death})
}

// UnmarshalJSON reads the form written by MarshalJSON; a null or missing
// death is +Inf.
func (b *Bar) UnmarshalJSON(p []byte) error {
	var v struct {
		Birth float64  `json:"birth"`
		Death *float64 `json:"death"`
	}
	if err := json.Unmarshal(p, &v); err != nil {
		return fmt.Errorf("topology: bar: %w", err)
	}
	b.Birth, b.Death = v.Birth, math.Inf(1)
	if v.Death != nil {
		b.Death = *v.Death
	}
	return nil
}

// Diagram is a Vietoris–Rips persistence diagram: the bars of dimension 0
// (connected components) and dimension 1 (loops).
//
// H0 holds one bar per point: n−c finite bars [0, h), where the h are the
// single-linkage merge heights, sorted by death, followed by one [0, +Inf)
// bar for each of the c connected components at the threshold. H1 holds only
// bars of positive persistence, sorted by birth then death; an H1 bar with
// Death = +Inf is a loop still open at the threshold.
type Diagram struct {
	H0 []Bar `json:"h0"`
	H1 []Bar `json:"h1"`
}

// Options configures a Vietoris–Rips persistence computation.
type Options struct {
	// MaxDim is the highest homology dimension computed: 0 (components
	// only) or 1 (components and loops). The zero value computes H0 only.
	MaxDim int
	// Threshold is the largest edge length in the complex. Zero means the
	// enclosing radius, min over points p of max over q of d(p, q): at that
	// scale the complex is a cone, so no loop survives it and nothing is
	// lost by stopping there. +Inf means no limit.
	Threshold float64
}

// RipsPoints computes the Vietoris–Rips persistence diagram of the rows of x
// under the Euclidean distance.
func RipsPoints(x *tensor.Mat, opt Options) (*Diagram, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if x == nil || x.Rows == 0 {
		return nil, fmt.Errorf("topology: rips: no points")
	}
	for k, v := range x.Data {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("topology: rips: point %d coordinate %d is %v", k/x.Cols, k%x.Cols, v)
		}
	}
	n, dim := x.Rows, x.Cols
	dist := make([]float64, n*n)
	for i := 0; i < n; i++ {
		xi := x.Data[i*dim : (i+1)*dim]
		for j := 0; j < i; j++ {
			xj := x.Data[j*dim : (j+1)*dim]
			var s float64
			for k, a := range xi {
				d := float64(a) - float64(xj[k])
				s += d * d
			}
			s = math.Sqrt(s)
			dist[i*n+j], dist[j*n+i] = s, s
		}
	}
	return rips(dist, n, opt), nil
}

// RipsDistances computes the Vietoris–Rips persistence diagram of the finite
// metric space given by the n×n distance matrix d. The matrix must be
// square, exactly symmetric, have a zero diagonal, and hold no NaN or
// negative entries; +Inf entries are allowed and mean "never connected". The
// triangle inequality is not required.
func RipsDistances(d [][]float64, opt Options) (*Diagram, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	n := len(d)
	if n == 0 {
		return nil, fmt.Errorf("topology: rips: empty distance matrix")
	}
	dist := make([]float64, n*n)
	for i, row := range d {
		if len(row) != n {
			return nil, fmt.Errorf("topology: rips: distance matrix row %d has %d entries, want %d", i, len(row), n)
		}
		for j, v := range row {
			switch {
			case math.IsNaN(v):
				return nil, fmt.Errorf("topology: rips: distance (%d, %d) is NaN", i, j)
			case v < 0:
				return nil, fmt.Errorf("topology: rips: distance (%d, %d) = %v is negative", i, j, v)
			case i == j && v != 0:
				return nil, fmt.Errorf("topology: rips: diagonal entry (%d, %d) = %v, want 0", i, i, v)
			}
			dist[i*n+j] = v
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			if dist[i*n+j] != dist[j*n+i] {
				return nil, fmt.Errorf("topology: rips: distance matrix not symmetric: (%d, %d) = %v but (%d, %d) = %v",
					i, j, dist[i*n+j], j, i, dist[j*n+i])
			}
		}
	}
	return rips(dist, n, opt), nil
}

func (o Options) validate() error {
	if o.MaxDim < 0 || o.MaxDim > 1 {
		return fmt.Errorf("topology: rips: MaxDim = %d, want 0 or 1", o.MaxDim)
	}
	if math.IsNaN(o.Threshold) || o.Threshold < 0 {
		return fmt.Errorf("topology: rips: Threshold = %v, want ≥ 0 (0 for the enclosing radius)", o.Threshold)
	}
	return nil
}

// enclosingRadius returns min over i of max over j of dist(i, j).
func enclosingRadius(dist []float64, n int) float64 {
	r := math.Inf(1)
	for i := 0; i < n; i++ {
		r = min(r, slices.Max(dist[i*n:(i+1)*n]))
	}
	return r
}

// edge is the 1-simplex {i, j} with i > j and length d. Its index in the
// combinatorial number system is C(i, 2) + j, so ordering edges by index is
// ordering them by (i, j) lexicographically.
type edge struct {
	d    float64
	i, j int32
}

// edgeBefore reports whether a comes before b in the filtration order: by
// length, ties broken by decreasing index (the order ripser uses).
func edgeBefore(a, b edge) bool {
	if a.d != b.d {
		return a.d < b.d
	}
	if a.i != b.i {
		return a.i > b.i
	}
	return a.j > b.j
}

// simplex is a triangle in the coboundary of an edge: its diameter and its
// index C(a, 3) + C(b, 2) + c for vertices a > b > c.
type simplex struct {
	d   float64
	idx int64
}

// simplexBefore is the filtration order on triangles: by diameter, ties by
// decreasing index.
func simplexBefore(a, b simplex) bool {
	return a.d < b.d || (a.d == b.d && a.idx > b.idx)
}

// rips computes the diagram from a flat, validated n×n distance matrix.
func rips(dist []float64, n int, opt Options) *Diagram {
	t := opt.Threshold
	if t == 0 {
		t = enclosingRadius(dist, n)
	}
	if math.IsInf(t, 1) {
		t = math.MaxFloat64 // keeps +Inf distances out of the complex
	}

	var edges []edge
	for i := 1; i < n; i++ {
		row := dist[i*n : i*n+i]
		for j, d := range row {
			if d <= t {
				edges = append(edges, edge{d, int32(i), int32(j)})
			}
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if edgeBefore(a, b) {
			return -1
		}
		if edgeBefore(b, a) {
			return 1
		}
		return 0
	})

	// H0 by union–find over edges in filtration order (Kruskal): an edge
	// that joins two components kills one of them. The edges that do not
	// are the columns H1 must reduce; the others are cleared.
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(v int32) int32 {
		for parent[v] != v {
			parent[v] = parent[parent[v]]
			v = parent[v]
		}
		return v
	}
	dg := &Diagram{H0: make([]Bar, 0, n)}
	var cols []edge
	for _, e := range edges {
		a, b := find(e.i), find(e.j)
		if a == b {
			if opt.MaxDim >= 1 {
				cols = append(cols, e)
			}
			continue
		}
		parent[max(a, b)] = min(a, b)
		dg.H0 = append(dg.H0, Bar{0, e.d})
	}
	for len(dg.H0) < n {
		dg.H0 = append(dg.H0, Bar{0, math.Inf(1)})
	}
	if opt.MaxDim >= 1 {
		c := newCoboundary(dist, n, t)
		dg.H1 = c.reduce(cols)
		slices.SortFunc(dg.H1, compareBars)
	}
	return dg
}

func compareBars(a, b Bar) int {
	if a.Birth != b.Birth {
		if a.Birth < b.Birth {
			return -1
		}
		return 1
	}
	if a.Death != b.Death {
		if a.Death < b.Death {
			return -1
		}
		return 1
	}
	return 0
}

// coboundary enumerates the triangles containing an edge, with their
// diameters and indices, without storing the triangles.
type coboundary struct {
	dist   []float64
	n      int
	t      float64
	c2, c3 []int64 // c2[k] = C(k, 2), c3[k] = C(k, 3)
}

func newCoboundary(dist []float64, n int, t float64) *coboundary {
	c := &coboundary{dist: dist, n: n, t: t, c2: make([]int64, n+1), c3: make([]int64, n+1)}
	for k := int64(0); k <= int64(n); k++ {
		c.c2[k] = k * (k - 1) / 2
		c.c3[k] = k * (k - 1) * (k - 2) / 6
	}
	return c
}

// triangleIndex returns the index of the triangle {i, j, k}, given i > j.
func (c *coboundary) triangleIndex(i, j, k int) int64 {
	switch {
	case k > i:
		return c.c3[k] + c.c2[i] + int64(j)
	case k > j:
		return c.c3[i] + c.c2[k] + int64(j)
	default:
		return c.c3[i] + c.c2[j] + int64(k)
	}
}

// push adds every triangle containing e whose diameter is within the
// threshold to h.
func (c *coboundary) push(h *simplexHeap, e edge) {
	n, i, j := c.n, int(e.i), int(e.j)
	ri, rj := c.dist[i*n:(i+1)*n], c.dist[j*n:(j+1)*n]
	for k := 0; k < n; k++ {
		dik, djk := ri[k], rj[k]
		if dik > c.t || djk > c.t || k == i || k == j {
			continue
		}
		h.push(simplex{max(e.d, dik, djk), c.triangleIndex(i, j, k)})
	}
}

// emergent looks for the pivot of e's unreduced coboundary among the
// triangles with the same diameter as e: the one of largest index, which is
// the first met when k decreases. It returns that triangle, if any.
func (c *coboundary) emergent(e edge) (simplex, bool) {
	n, i, j := c.n, int(e.i), int(e.j)
	ri, rj := c.dist[i*n:(i+1)*n], c.dist[j*n:(j+1)*n]
	for k := n - 1; k >= 0; k-- {
		if ri[k] <= e.d && rj[k] <= e.d && k != i && k != j {
			return simplex{e.d, c.triangleIndex(i, j, k)}, true
		}
	}
	return simplex{}, false
}

// reduce runs the persistent-cohomology column reduction over Z/2 on the
// coboundary matrix from edges to triangles. cols are the edges not cleared
// by H0, in filtration order; they are reduced from the last to the first,
// and the pivot of a column is its earliest triangle in filtration order.
// An edge whose reduced column is empty starts an essential class.
func (c *coboundary) reduce(cols []edge) []Bar {
	var bars []Bar
	pivotOf := make(map[int64]int32, len(cols))
	// The reduction column of the column numbered p is
	// vEdges[vStart[p]:vStart[p+1]]: the edges whose coboundaries sum to
	// the reduced column.
	vStart := make([]int32, 1, len(cols)+1)
	vEdges := make([]edge, 0, len(cols))
	var work simplexHeap
	var added []edge
	for ci := len(cols) - 1; ci >= 0; ci-- {
		e := cols[ci]
		// Emergent pair: when the earliest triangle of e's coboundary has
		// e's diameter and is nobody's pivot yet, it is the pivot of the
		// reduced column, and the full coboundary is never built.
		if p, ok := c.emergent(e); ok {
			if _, taken := pivotOf[p.idx]; !taken {
				pivotOf[p.idx] = int32(len(vStart) - 1)
				vEdges = append(vEdges, e)
				vStart = append(vStart, int32(len(vEdges)))
				continue
			}
		}
		work.reset()
		added = added[:0]
		c.push(&work, e)
		for {
			p, ok := work.pivot()
			if !ok {
				bars = append(bars, Bar{e.d, math.Inf(1)})
				break
			}
			col, taken := pivotOf[p.idx]
			if !taken {
				if p.d > e.d {
					bars = append(bars, Bar{e.d, p.d})
				}
				pivotOf[p.idx] = int32(len(vStart) - 1)
				vEdges = append(vEdges, e)
				vEdges = appendOdd(vEdges, added)
				vStart = append(vStart, int32(len(vEdges)))
				break
			}
			for _, f := range vEdges[vStart[col]:vStart[col+1]] {
				added = append(added, f)
				c.push(&work, f)
			}
		}
	}
	return bars
}

// appendOdd appends to dst the edges that occur an odd number of times in
// es (the sum of the es over Z/2). It reorders es.
func appendOdd(dst, es []edge) []edge {
	slices.SortFunc(es, func(a, b edge) int {
		if a.i != b.i {
			return int(a.i - b.i)
		}
		return int(a.j - b.j)
	})
	for k := 0; k < len(es); {
		m := k + 1
		for m < len(es) && es[m].i == es[k].i && es[m].j == es[k].j {
			m++
		}
		if (m-k)%2 == 1 {
			dst = append(dst, es[k])
		}
		k = m
	}
	return dst
}

// simplexHeap is a binary min-heap of triangles in filtration order; a
// triangle pushed twice cancels (coefficients are in Z/2).
type simplexHeap struct{ s []simplex }

func (h *simplexHeap) reset() { h.s = h.s[:0] }

func (h *simplexHeap) push(x simplex) {
	s := append(h.s, x)
	k := len(s) - 1
	for k > 0 {
		p := (k - 1) / 2
		if !simplexBefore(x, s[p]) {
			break
		}
		s[k] = s[p]
		k = p
	}
	s[k] = x
	h.s = s
}

func (h *simplexHeap) pop() simplex {
	s := h.s
	top := s[0]
	last := s[len(s)-1]
	s = s[:len(s)-1]
	n := len(s)
	if n > 0 {
		k := 0
		for {
			c := 2*k + 1
			if c >= n {
				break
			}
			if c+1 < n && simplexBefore(s[c+1], s[c]) {
				c++
			}
			if !simplexBefore(s[c], last) {
				break
			}
			s[k] = s[c]
			k = c
		}
		s[k] = last
	}
	h.s = s
	return top
}

// pivot returns the earliest triangle with an odd count in the heap,
// discarding the cancelled pairs before it, and leaves it in the heap.
func (h *simplexHeap) pivot() (simplex, bool) {
	for len(h.s) > 0 {
		p := h.pop()
		if len(h.s) > 0 && h.s[0].idx == p.idx {
			h.pop()
			continue
		}
		h.push(p)
		return p, true
	}
	return simplex{}, false
}
