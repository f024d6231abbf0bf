package embed

import (
	"cmp"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// layout is the optimisation problem of UMAP's second stage: the symmetric
// fuzzy graph as directed edges (each undirected edge appears in both
// directions, as in umap-learn), with how often each is sampled, and a
// partition of the points for parallel SGD. Points are renumbered so that
// each part's are consecutive (parts running in parallel then write to
// separate memory), and the edges are stored in the order SGD runs them:
// those within part 0, within part 1, …, then those between parts, each
// group by head.
type layout struct {
	n, dims         int
	order           []int32 // point of each internal number
	head, tail      []int32 // internal numbers
	epochsPerSample []float64
	parts           []int // part q holds internal numbers parts[q]..parts[q+1]−1
	groups          []int // group g is edges groups[g]..groups[g+1]−1; the last is between parts
}

// sgdParts is the number of parts of the layout's points when there are at
// least sgdMinPart points per part. It is fixed, not the number of
// workers, so that the result does not depend on the workers.
const (
	sgdParts   = 4
	sgdMinPart = 2000
)

// newLayout prepares the SGD of graph g, starting from the layout y, with
// nparts parts (1, or a power of 2).
func newLayout(g *csr, dims int, y []float64, nparts int) *layout {
	part := make([]int32, g.n)
	if g.components() > 1 {
		partitionComponents(part, g, nparts)
	} else {
		partitionCoordinates(part, y, dims, nparts)
	}
	l := &layout{n: g.n, dims: dims, order: make([]int32, g.n), parts: make([]int, nparts+1)}
	for _, q := range part {
		l.parts[q+1]++
	}
	for q := 0; q < nparts; q++ {
		l.parts[q+1] += l.parts[q]
	}
	number := make([]int32, g.n)
	fill := slices.Clone(l.parts[:nparts])
	for i, q := range part {
		number[i] = int32(fill[q])
		l.order[fill[q]] = int32(i)
		fill[q]++
	}
	var top float64
	for _, v := range g.val {
		top = max(top, v)
	}
	ne := len(g.col)
	l.head = make([]int32, 0, ne)
	l.tail = make([]int32, 0, ne)
	l.epochsPerSample = make([]float64, 0, ne)
	for grp := 0; grp <= nparts; grp++ {
		l.groups = append(l.groups, len(l.head))
		for _, i := range l.order {
			for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
				q, r := part[i], part[g.col[t]]
				if (grp < nparts && q == int32(grp) && r == q) || (grp == nparts && r != q) {
					l.head = append(l.head, number[i])
					l.tail = append(l.tail, number[g.col[t]])
					l.epochsPerSample = append(l.epochsPerSample, top/g.val[t])
				}
			}
		}
	}
	l.groups = append(l.groups, len(l.head))
	return l
}

// partitionCoordinates splits the points into nparts (a power of 2) equal
// parts by recursive coordinate bisection of the initial layout: halve at
// the median of the coordinate with the largest range. A spectral layout
// places strongly linked points close together, so few edges join parts.
func partitionCoordinates(part []int32, y []float64, dims, nparts int) {
	var split func(idx []int32, parts, base int)
	split = func(idx []int32, parts, base int) {
		if parts == 1 {
			for _, i := range idx {
				part[i] = int32(base)
			}
			return
		}
		best, width := 0, -1.0
		for c := 0; c < dims; c++ {
			lo, hi := y[int(idx[0])*dims+c], y[int(idx[0])*dims+c]
			for _, i := range idx {
				lo, hi = min(lo, y[int(i)*dims+c]), max(hi, y[int(i)*dims+c])
			}
			if hi-lo > width {
				best, width = c, hi-lo
			}
		}
		slices.SortFunc(idx, func(a, b int32) int {
			ya, yb := y[int(a)*dims+best], y[int(b)*dims+best]
			switch {
			case ya < yb:
				return -1
			case ya > yb:
				return 1
			}
			return int(a - b)
		})
		h := len(idx) / 2
		split(idx[:h], parts/2, 2*base)
		split(idx[h:], parts/2, 2*base+1)
	}
	idx := make([]int32, len(part))
	for i := range idx {
		idx[i] = int32(i)
	}
	split(idx, nparts, 0)
}

// partitionComponents places whole connected components in parts, the
// largest first, each into the part with the fewest points: no edge joins
// two parts.
func partitionComponents(part []int32, g *csr, nparts int) {
	comp := g.componentLabels()
	size := map[int32]int{}
	for _, c := range comp {
		size[c]++
	}
	order := make([]int32, 0, len(size))
	for c := range size {
		order = append(order, c)
	}
	slices.SortFunc(order, func(a, b int32) int { // by size, then label
		if size[a] != size[b] {
			return size[b] - size[a]
		}
		return int(a - b)
	})
	load := make([]int, nparts)
	where := map[int32]int32{}
	for _, c := range order {
		q := 0
		for r := range load {
			if load[r] < load[q] {
				q = r
			}
		}
		where[c] = int32(q)
		load[q] += size[c]
	}
	for i, c := range comp {
		part[i] = where[c]
	}
}

// sgdParams are the constants of the optimisation.
type sgdParams struct {
	a, b    float64 // low-dimensional similarity 1/(1 + a·d^(2b))
	gamma   float64 // weight of the repulsive (negative-sample) term
	alpha   float64 // initial learning rate, decayed linearly to 0
	negRate float64 // negative samples per positive sample
	epochs  int
	seed    uint64
	workers int
	done    <-chan struct{} // closed: stop at the next epoch
}

// clip4 limits a gradient component to [−4, 4].
func clip4(g float64) float64 {
	if g > 4 {
		return 4
	}
	if g < -4 {
		return -4
	}
	return g
}

// optimize runs stochastic gradient descent on the fuzzy set cross-entropy,
// in place on y (n×dims, row-major), with umap-learn's schedule. In epoch e
// an edge with epochsPerSample s is sampled when e reaches its next due
// time (then every s epochs). A sample pulls the edge's two ends together
// with the attractive gradient −2ab·d^(2(b−1))/(1 + a·d^(2b)) and pushes
// the head away from negRate/s random points per epoch with the repulsive
// gradient 2γb/((0.001 + d²)(1 + a·d^(2b))); every component is clipped at
// 4. The learning rate falls linearly from alpha to 0.
//
// Two departures from umap-learn, for speed. First, the repulsions of a
// sample's negative points are all computed at the head's position after
// the attraction and applied together (umap-learn moves the head after
// each), so that these computations do not wait on one another: this loop
// is the bulk of UMAP's time, and it runs about 30% faster. Second, with
// sgdParts parts, an epoch first runs the edges within each part, the
// parts in parallel, with negative samples from other parts read as they
// were at the start of the epoch; then, serially, the edges between parts.
// umap-learn instead runs all edges from several threads that race.
// Attractions are always computed from current positions (updating
// neighbours simultaneously from stale positions would overshoot and can
// tear a loop apart). Each part's work depends only on its own points and
// on the epoch's starting positions, so the result is the same for any
// number of workers. On MNIST the trustworthiness and kNN accuracy equal
// umap-learn's.
func (l *layout) optimize(y []float64, p sgdParams) { l.optimizeWith(y, p, false) }

// optimizeWith is optimize, running the general SGD step even in 2-D when
// generic is set (tests compare the two).
func (l *layout) optimizeWith(y []float64, p sgdParams, generic bool) {
	ne, dims := len(l.tail), l.dims
	s := &sgdState{
		generic:   generic,
		layout:    l,
		sgdParams: p,
		nextPos:   slices.Clone(l.epochsPerSample),
		negEvery:  make([]float64, ne),
		nextNeg:   make([]float64, ne),
	}
	for t, e := range l.epochsPerSample {
		s.negEvery[t] = e / p.negRate
		s.nextNeg[t] = s.negEvery[t]
	}
	own := make([]float64, len(y)) // y in internal numbering
	for r, i := range l.order {
		copy(own[r*dims:(r+1)*dims], y[int(i)*dims:int(i+1)*dims])
	}
	nparts := len(l.parts) - 1
	start := own
	if nparts > 1 {
		start = make([]float64, len(own))
	}
	// One generator and scratch vector per part, plus one for the edges
	// between parts, each in its own cache lines.
	workers := make([]sgdWorker, nparts+1)
	for w := range workers {
		workers[w].rng = rand.New(&workers[w].pcg)
		workers[w].push = make([]float64, max(dims, 16))[:dims]
	}
	between := l.groups[nparts]
	// The parts run largest first (by samples per epoch), which balances
	// the workers better than part order; each part's work does not
	// depend on when it runs.
	byLoad := make([]int, nparts)
	load := make([]float64, nparts)
	for q := range byLoad {
		byLoad[q] = q
		for t := l.groups[q]; t < l.groups[q+1]; t++ {
			load[q] += 1 / l.epochsPerSample[t]
		}
	}
	slices.SortStableFunc(byLoad, func(q, r int) int { return cmp.Compare(load[r], load[q]) })
	for e := 0; e < p.epochs; e++ {
		select {
		case <-p.done:
			return
		default:
		}
		alpha := p.alpha * (1 - float64(e)/float64(p.epochs))
		if nparts > 1 {
			copy(start, own)
		}
		parallelFor(nparts, p.workers, 1, func(lo, hi int) {
			for _, q := range byLoad[lo:hi] {
				w := &workers[q]
				w.pcg.Seed(pcgSeeds(p.seed^mix64(uint64(e)<<8|uint64(q)), streamSGD))
				s.run(l.groups[q], l.groups[q+1], e, alpha, own, start, l.parts[q], l.parts[q+1], w)
			}
		})
		if between < ne {
			w := &workers[nparts]
			w.pcg.Seed(pcgSeeds(p.seed^mix64(uint64(e)<<8|0xff), streamSGD))
			s.run(between, ne, e, alpha, own, own, 0, l.n, w)
		}
	}
	for r, i := range l.order {
		copy(y[int(i)*dims:int(i+1)*dims], own[r*dims:(r+1)*dims])
	}
}

// sgdWorker is the state of one stream of SGD work, padded so that two
// workers' states never share a cache line.
type sgdWorker struct {
	pcg  rand.PCG
	rng  *rand.Rand
	push []float64
	_    [64]byte
}

// sgdState is the progress of the optimisation: when each edge is next due
// for a positive sample and for negative samples.
type sgdState struct {
	*layout
	sgdParams
	nextPos, negEvery, nextNeg []float64
	generic                    bool // run sample even in 2-D (for tests)
}

// run runs the edges lo..hi−1 that are due in epoch e, in order. Points
// numbered from mine to mineEnd−1 are read from y, others from far.
func (s *sgdState) run(lo, hi, e int, alpha float64, y, far []float64, mine, mineEnd int, w *sgdWorker) {
	fe := float64(e)
	if s.dims == 2 && !s.generic && !is32bit {
		for t := lo; t < hi; t++ {
			if s.nextPos[t] <= fe {
				s.sample2(t, fe, alpha, y, far, mine, mineEnd, &w.pcg)
			}
		}
		return
	}
	for t := lo; t < hi; t++ {
		if s.nextPos[t] <= fe {
			s.sample(t, fe, alpha, y, far, mine, mineEnd, w.rng, w.push)
		}
	}
}

// is32bit reports whether int is 32 bits wide, where rand.Rand.IntN draws
// differently from intN.
const is32bit = ^uint(0)>>32 == 0

// intN is rand.New(pcg).IntN(n) on a 64-bit platform (the same algorithm,
// so the same numbers), without the indirect call through rand.Source.
func intN(pcg *rand.PCG, n uint64) int {
	if n&(n-1) == 0 {
		return int(pcg.Uint64() & (n - 1))
	}
	hi, lo := bits.Mul64(pcg.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(pcg.Uint64(), n)
		}
	}
	return int(hi)
}

// sample2 is sample for a 2-D layout, with the same arithmetic in the same
// order (so the same results, bit for bit) but the coordinates in
// registers and the random points drawn from the PCG directly.
func (s *sgdState) sample2(t int, fe, alpha float64, y, far []float64, mine, mineEnd int, pcg *rand.PCG) {
	a, b := s.a, s.b
	j, k := int(s.head[t]), int(s.tail[t])
	cur, oth := y[2*j:2*j+2:2*j+2], y[2*k:2*k+2:2*k+2]
	c0, c1 := cur[0], cur[1]
	o0, o1 := oth[0], oth[1]
	u0, u1 := c0-o0, c1-o1
	if d2 := u0*u0 + u1*u1; d2 > 0 {
		pb := powPos(d2, b) // d^(2b)
		gc := -2 * a * b * pb / (d2 * (a*pb + 1))
		g0 := clip4(gc*u0) * alpha
		g1 := clip4(gc*u1) * alpha
		c0, c1 = c0+g0, c1+g1
		oth[0], oth[1] = o0-g0, o1-g1
	}
	s.nextPos[t] += s.epochsPerSample[t]

	nNeg := int((fe - s.nextNeg[t]) / s.negEvery[t])
	rep := 2 * s.gamma * b
	srcs := [2][]float64{y, far}
	n := uint64(s.n)
	var p0, p1 float64
	// The negative points go in batches of up to 8: drawn and measured,
	// then their powers computed together (powPosVec), then their pushes
	// added in the order drawn. They are read, not moved, so this is the
	// arithmetic of sample.
	var u0s, u1s, d2s, pbs [8]float64
	for q := 0; q < nNeg; {
		m := 0
		for ; q < nNeg && m < len(d2s); q++ {
			k := intN(pcg, n)
			if k == j {
				continue
			}
			f := 0
			if k < mine || k >= mineEnd {
				f = 1
			}
			oth := srcs[f][2*k : 2*k+2 : 2*k+2]
			u0, u1 := c0-oth[0], c1-oth[1]
			u0s[m], u1s[m], d2s[m] = u0, u1, u0*u0+u1*u1
			m++
		}
		powPosVec(&pbs, &d2s, b, m)
		for i := range m {
			if d2 := d2s[i]; d2 > 0 {
				gc := rep / ((0.001 + d2) * (a*pbs[i] + 1))
				p0 += clip4(gc*u0s[i]) * alpha
				p1 += clip4(gc*u1s[i]) * alpha
			} else { // coincident points: push apart along every axis
				p0 += 4 * alpha
				p1 += 4 * alpha
			}
		}
	}
	cur[0], cur[1] = c0+p0, c1+p1
	s.nextNeg[t] += float64(nNeg) * s.negEvery[t]
}

// sample runs edge t in epoch fe: the attraction of its head to its tail
// and the repulsion from its negative samples. push is scratch space.
func (s *sgdState) sample(t int, fe, alpha float64, y, far []float64, mine, mineEnd int, rng *rand.Rand, push []float64) {
	j := int(s.head[t])
	dims, a, b := s.dims, s.a, s.b
	cur := y[j*dims : j*dims+dims]
	k := int(s.tail[t])
	oth := y[k*dims : k*dims+dims]
	var d2 float64
	for c := range cur {
		u := cur[c] - oth[c]
		d2 += u * u
	}
	if d2 > 0 {
		pb := powPos(d2, b) // d^(2b)
		gc := -2 * a * b * pb / (d2 * (a*pb + 1))
		for c := range cur {
			g := clip4(gc*(cur[c]-oth[c])) * alpha
			cur[c] += g
			oth[c] -= g
		}
	}
	s.nextPos[t] += s.epochsPerSample[t]

	nNeg := int((fe - s.nextNeg[t]) / s.negEvery[t])
	clear(push)
	for q := 0; q < nNeg; q++ {
		k := rng.IntN(s.n)
		if k == j {
			continue
		}
		src := y
		if k < mine || k >= mineEnd {
			src = far
		}
		oth := src[k*dims : k*dims+dims]
		var d2 float64
		for c := range cur {
			u := cur[c] - oth[c]
			d2 += u * u
		}
		if d2 > 0 {
			pb := powPos(d2, b)
			gc := 2 * s.gamma * b / ((0.001 + d2) * (a*pb + 1))
			for c := range cur {
				push[c] += clip4(gc*(cur[c]-oth[c])) * alpha
			}
		} else { // coincident points: push apart along every axis
			for c := range cur {
				push[c] += 4 * alpha
			}
		}
	}
	for c := range cur {
		cur[c] += push[c]
	}
	s.nextNeg[t] += float64(nNeg) * s.negEvery[t]
}
