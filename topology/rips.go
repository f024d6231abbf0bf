// Package topology measures the shape of point clouds with persistent
// homology: Vietoris–Rips persistence diagrams in dimensions 0 and 1 over the
// field Z/2, Betti numbers at a scale, and the bottleneck distance between
// diagrams.
//
// The Vietoris–Rips complex at scale s has a simplex for every set of points
// whose pairwise distances are all ≤ s. As s grows, connected components
// (dimension 0) and loops (dimension 1) appear and disappear; each is
// recorded as a Bar [Birth, Death).
//
// H0 comes from union–find over the edges sorted by length (Kruskal's
// algorithm: the deaths are the single-linkage merge heights). H1 comes
// from the reduction of the coboundary matrix from edges to triangles
// (persistent cohomology, as in Bauer's Ripser): the edges Kruskal used are
// cleared, a column whose first triangle has the edge's own diameter and is
// still free is paired at once (an emergent pair), and triangles are never
// stored, only enumerated from the distance matrix and named by their
// index in the combinatorial number system. Everything runs on one
// goroutine and is deterministic.
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
	if x.Rows > maxPoints {
		return nil, fmt.Errorf("topology: rips: %d points, at most %d supported", x.Rows, maxPoints)
	}
	for k, v := range x.Data {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("topology: rips: point %d coordinate %d is %v", k/x.Cols, k%x.Cols, v)
		}
	}
	return rips(tensor.Distances(x), x.Rows, opt), nil
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
	if n > maxPoints {
		return nil, fmt.Errorf("topology: rips: %d points, at most %d supported", n, maxPoints)
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

// simplex is a triangle {a, b, c}, a > b > c, with its diameter. Its key
// a<<42 | b<<21 | c orders triangles as their indices in the combinatorial
// number system do (colexicographically), and gives the vertices back.
type simplex struct {
	d   float64
	key uint64
}

// maxPoints bounds the number of points so that a vertex fits in the 21
// bits a triangle key gives it.
const maxPoints = 1 << keyBits

const (
	keyBits = 21
	keyMask = 1<<keyBits - 1
)

// triangleKey returns the key of {a, b, c}, given a > b > c.
func triangleKey(a, b, c int) uint64 {
	return uint64(a)<<(2*keyBits) | uint64(b)<<keyBits | uint64(c)
}

// simplexBefore is the filtration order on triangles: by diameter, ties by
// decreasing index.
func simplexBefore(a, b simplex) bool {
	return a.d < b.d || (a.d == b.d && a.key > b.key)
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
	var maxD float64
	for i := 1; i < n; i++ {
		row := dist[i*n : i*n+i]
		for j, d := range row {
			if d <= t {
				edges = append(edges, edge{d, int32(i), int32(j)})
				maxD = max(maxD, d)
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
		c := newCoboundary(dist, n, t, maxD)
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
// diameters, without storing the triangles.
type coboundary struct {
	dist []float64
	n    int
	t    float64   // threshold
	maxD float64   // the longest edge within the threshold
	nbr  [][]int32 // nbr[i]: the other vertices within t of i, nearest first
}

func newCoboundary(dist []float64, n int, t, maxD float64) *coboundary {
	c := &coboundary{dist: dist, n: n, t: t, maxD: maxD, nbr: make([][]int32, n)}
	for i := range c.nbr {
		row := dist[i*n : (i+1)*n]
		var nb []int32
		for k, d := range row {
			if k != i && d <= t {
				nb = append(nb, int32(k))
			}
		}
		slices.SortFunc(nb, func(a, b int32) int {
			if row[a] != row[b] {
				if row[a] < row[b] {
					return -1
				}
				return 1
			}
			return int(a - b)
		})
		c.nbr[i] = nb
	}
	return c
}

// cofaceKey returns the key of the triangle {i, j, k}, given i > j.
func cofaceKey(i, j, k int) uint64 {
	switch {
	case k > i:
		return triangleKey(k, i, j)
	case k > j:
		return triangleKey(i, k, j)
	default:
		return triangleKey(i, j, k)
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
			return simplex{e.d, cofaceKey(i, j, k)}, true
		}
	}
	return simplex{}, false
}

// windows is the number of diameter windows the working column is
// materialised in, over the range from the reduced edge's length to the
// longest edge.
const windows = 128

// reduce runs the persistent-cohomology column reduction over Z/2 on the
// coboundary matrix from edges to triangles. cols are the edges not cleared
// by H0, in filtration order; they are reduced from the last to the first,
// and the pivot of a column is its earliest triangle in filtration order.
// An edge whose reduced column is empty starts an essential class.
func (c *coboundary) reduce(cols []edge) []Bar {
	var bars []Bar
	pivotOf := make(map[uint64]int32, len(cols))
	// The reduction column of the column numbered p is
	// vEdges[vStart[p]:vStart[p+1]]: the edges whose coboundaries sum to
	// the reduced column.
	vStart := make([]int32, 1, len(cols)+1)
	vEdges := make([]edge, 0, len(cols))
	w := &column{cb: c, pos: make([]int32, c.n*c.n)}
	for k := range w.pos {
		w.pos[k] = -1
	}
	for ci := len(cols) - 1; ci >= 0; ci-- {
		e := cols[ci]
		// Emergent pair: when the earliest triangle of e's coboundary has
		// e's diameter and is nobody's pivot yet, it is the pivot of the
		// reduced column, and the full coboundary is never built.
		if p, ok := c.emergent(e); ok {
			if _, taken := pivotOf[p.key]; !taken {
				pivotOf[p.key] = int32(len(vStart) - 1)
				vEdges = append(vEdges, e)
				vStart = append(vStart, int32(len(vEdges)))
				continue
			}
		}
		w.start(e)
		for {
			p, ok := w.pivot()
			if !ok {
				bars = append(bars, Bar{e.d, math.Inf(1)})
				_ = w.appendChain(nil)
				break
			}
			col, taken := pivotOf[p.key]
			if !taken {
				if p.d > e.d {
					bars = append(bars, Bar{e.d, p.d})
				}
				pivotOf[p.key] = int32(len(vStart) - 1)
				vEdges = w.appendChain(vEdges)
				vStart = append(vStart, int32(len(vEdges)))
				break
			}
			for _, f := range vEdges[vStart[col]:vStart[col+1]] {
				w.toggle(f)
			}
		}
	}
	return bars
}

// column is the working column of a reduction: the coboundary of a chain
// of edges, summed over Z/2. A triangle is in it when an odd number of its
// edges are in the chain; membership is a table look-up, so the parity of a
// triangle costs three.
//
// The column is materialised only up to the diameter bound: every odd
// triangle of diameter ≤ bound is in the heap (with, perhaps, even ones,
// dropped when they reach the top). When the heap runs dry the bound moves
// up a window, and each chain edge generates its cofaces in the new window,
// resuming where it stopped in its endpoints' neighbour lists. The pivot of
// a column usually lies a little above the reduced edge's length, so most
// of the coboundary is never generated.
type column struct {
	cb    *coboundary
	pos   []int32 // pos[i*n+j] = pos[j*n+i]: the edge {i, j}'s index in chain, or -1
	chain []chainEdge
	heap  simplexHeap
	bound float64
	step  float64
}

// chainEdge is an edge of the chain, with how far its cofaces have been
// generated: they are the vertices nbr[i][:ci] and nbr[j][:cj].
type chainEdge struct {
	f      edge
	ci, cj int32
}

// start begins the reduction of the edge e.
func (w *column) start(e edge) {
	w.bound = e.d
	w.step = (w.cb.maxD - e.d) / windows
	w.toggle(e)
}

func (w *column) in(i, j int) bool { return w.pos[i*w.cb.n+j] >= 0 }

// toggle adds the edge f to the chain, or removes it if present, and
// pushes every coface {i, j, k} of f that is now odd and whose other two
// edges are ≤ bound. (The edges of a reduction column are never longer
// than its pivot, so f.d ≤ bound here; were it not, cofaces above the bound
// would enter the heap early, which costs time but not correctness.)
func (w *column) toggle(f edge) {
	c := w.cb
	n, i, j := c.n, int(f.i), int(f.j)
	if p := w.pos[i*n+j]; p >= 0 {
		last := len(w.chain) - 1
		if int(p) != last {
			g := w.chain[last].f
			w.chain[p] = w.chain[last]
			w.pos[int(g.i)*n+int(g.j)], w.pos[int(g.j)*n+int(g.i)] = p, p
		}
		w.chain = w.chain[:last]
		w.pos[i*n+j], w.pos[j*n+i] = -1, -1
	} else {
		p = int32(len(w.chain))
		w.chain = append(w.chain, chainEdge{f: f})
		w.pos[i*n+j], w.pos[j*n+i] = p, p
	}
	in := w.pos[i*n+j] >= 0
	ri, rj := c.dist[i*n:(i+1)*n], c.dist[j*n:(j+1)*n]
	pi, pj := w.pos[i*n:(i+1)*n], w.pos[j*n:(j+1)*n]
	nbi := c.nbr[i]
	ci := 0
	for ; ci < len(nbi); ci++ {
		k := int(nbi[ci])
		dik := ri[k]
		if dik > w.bound {
			break
		}
		if djk := rj[k]; djk <= w.bound && k != j && in != ((pi[k] >= 0) != (pj[k] >= 0)) {
			w.heap.push(simplex{max(f.d, dik, djk), cofaceKey(i, j, k)})
		}
	}
	if in {
		nbj := c.nbr[j]
		cj, _ := slices.BinarySearchFunc(nbj, w.bound, func(k int32, b float64) int {
			if rj[k] <= b {
				return -1
			}
			return 1
		})
		ce := &w.chain[w.pos[i*n+j]]
		ce.ci, ce.cj = int32(ci), int32(cj)
	}
}

// advance raises the bound by a window and pushes the odd cofaces of the
// chain's edges in the new window. It reports false when the bound already
// covers every triangle.
func (w *column) advance() bool {
	c := w.cb
	old := w.bound
	if old >= c.maxD {
		return false
	}
	b := old + w.step
	if b <= old || b > c.maxD {
		b = c.maxD
	}
	w.bound = b
	n := c.n
	for ce := range w.chain {
		e := &w.chain[ce]
		f := e.f
		i, j := int(f.i), int(f.j)
		ri, rj := c.dist[i*n:(i+1)*n], c.dist[j*n:(j+1)*n]
		pi, pj := w.pos[i*n:(i+1)*n], w.pos[j*n:(j+1)*n]
		// New cofaces are the k with max(d(i,k), d(j,k)) in (old, b]:
		// either d(i,k) is in (old, b] and d(j,k) ≤ b, or d(j,k) is in
		// (old, b] and d(i,k) ≤ old. The edge {i, j} is in the chain, so a
		// coface is odd when its other two edges are both in or both out.
		nbi, nbj := c.nbr[i], c.nbr[j]
		for ; int(e.ci) < len(nbi); e.ci++ {
			k := int(nbi[e.ci])
			dik := ri[k]
			if dik > b {
				break
			}
			if djk := rj[k]; djk <= b && k != j && (pi[k] >= 0) == (pj[k] >= 0) {
				w.heap.push(simplex{max(f.d, dik, djk), cofaceKey(i, j, k)})
			}
		}
		for ; int(e.cj) < len(nbj); e.cj++ {
			k := int(nbj[e.cj])
			djk := rj[k]
			if djk > b {
				break
			}
			if dik := ri[k]; dik <= old && k != i && (pi[k] >= 0) == (pj[k] >= 0) {
				w.heap.push(simplex{max(f.d, dik, djk), cofaceKey(i, j, k)})
			}
		}
	}
	return true
}

// pivot returns the earliest odd triangle of the column, dropping the even
// ones before it; it stays in the heap.
func (w *column) pivot() (simplex, bool) {
	for {
		for len(w.heap.s) > 0 {
			top := w.heap.s[0]
			a, b, c := int(top.key>>(2*keyBits)), int(top.key>>keyBits&keyMask), int(top.key&keyMask)
			if (w.in(a, b) != w.in(a, c)) != w.in(b, c) {
				return top, true
			}
			w.heap.pop()
		}
		if !w.advance() {
			return simplex{}, false
		}
	}
}

// appendChain appends the edges of the chain to dst, empties the column,
// and returns dst.
func (w *column) appendChain(dst []edge) []edge {
	n := w.cb.n
	for _, ce := range w.chain {
		i, j := int(ce.f.i), int(ce.f.j)
		w.pos[i*n+j], w.pos[j*n+i] = -1, -1
		dst = append(dst, ce.f)
	}
	w.chain = w.chain[:0]
	w.heap.s = w.heap.s[:0]
	return dst
}

// simplexHeap is a binary min-heap of triangles in filtration order.
type simplexHeap struct{ s []simplex }

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
