package topology

import (
	"cmp"
	"math"
	"slices"
)

// Bottleneck returns the bottleneck distance between two persistence
// diagrams of one dimension: the smallest ε such that the bars of a and b
// can be matched one to one, every bar either matched to a bar of the other
// diagram within ε in the L∞ distance on (birth, death), or to the diagonal
// at cost (Death − Birth)/2 ≤ ε.
//
// Essential bars (Death = +Inf) are matched only with each other, by sorted
// births; if a and b hold different numbers of them the distance is +Inf.
// Bars of zero persistence lie on the diagonal and cost nothing. Bars must
// not hold NaN. The result is exact: it is one of the finitely many candidate
// distances, found by binary search with a bipartite-matching test.
func Bottleneck(a, b []Bar) float64 {
	fa, ia := splitBars(a)
	fb, ib := splitBars(b)
	if len(ia) != len(ib) {
		return math.Inf(1)
	}
	var dist float64
	for k := range ia {
		dist = max(dist, math.Abs(ia[k]-ib[k]))
	}
	if len(fa) == 0 && len(fb) == 0 {
		return dist
	}

	// The distance is one of the candidates: 0, a bar's diagonal cost, or
	// the distance between two bars. Search the diagonal costs first, then
	// only the pair distances between the two that bracket the answer.
	slices.SortFunc(fa, byBirth)
	slices.SortFunc(fb, byBirth)
	var m matcher
	diag := []float64{0}
	for _, x := range fa {
		diag = append(diag, diagonalCost(x))
	}
	for _, y := range fb {
		diag = append(diag, diagonalCost(y))
	}
	slices.Sort(diag)
	diag = slices.Compact(diag)
	// The largest diagonal cost is feasible: every bar to the diagonal.
	h := firstFeasible(&m, fa, fb, diag)
	if h == 0 {
		return dist
	}
	lo, hi := diag[h-1], diag[h]
	var pairs []float64
	for _, x := range fa {
		k, _ := slices.BinarySearchFunc(fb, x.Birth-hi, birthAtLeast)
		for _, y := range fb[k:] {
			if y.Birth-x.Birth >= hi {
				break
			}
			if d := linf(x, y); lo < d && d < hi {
				pairs = append(pairs, d)
			}
		}
	}
	slices.Sort(pairs)
	pairs = append(slices.Compact(pairs), hi)
	return max(dist, pairs[firstFeasible(&m, fa, fb, pairs)])
}

// firstFeasible returns the index of the smallest feasible value in the
// sorted cands, whose last value must be feasible.
func firstFeasible(m *matcher, a, b []Bar, cands []float64) int {
	lo, hi := 0, len(cands)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if m.feasible(a, b, cands[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func byBirth(x, y Bar) int {
	if c := cmp.Compare(x.Birth, y.Birth); c != 0 {
		return c
	}
	return cmp.Compare(x.Death, y.Death)
}

// birthAtLeast compares a bar with a birth for a binary search for the
// first bar born at or after it.
func birthAtLeast(x Bar, birth float64) int {
	if x.Birth < birth {
		return -1
	}
	return 1
}

// splitBars returns the finite bars of positive persistence and the sorted
// births of the essential bars.
func splitBars(bars []Bar) (finite []Bar, births []float64) {
	for _, x := range bars {
		switch {
		case math.IsInf(x.Death, 1):
			births = append(births, x.Birth)
		case x.Death > x.Birth:
			finite = append(finite, x)
		}
	}
	slices.Sort(births)
	return finite, births
}

func diagonalCost(x Bar) float64 { return (x.Death - x.Birth) / 2 }

func linf(x, y Bar) float64 { return max(math.Abs(x.Birth-y.Birth), math.Abs(x.Death-y.Death)) }

// matcher holds the buffers of the feasibility test.
type matcher struct {
	adj    [][]int32
	matchL []int32
	matchR []int32
	layer  []int32
	queue  []int32
	left   []int32
}

// feasible reports whether a and b can be matched at cost ≤ eps. The bars
// too long to go to the diagonal (a′ ⊆ a and b′ ⊆ b) must be matched to bars
// of the other diagram within eps; the rest may go to the diagonal, whose
// copies pair up among themselves at no cost. So eps is feasible iff the
// bipartite graph of pairs within eps has a matching covering a′ ∪ b′, and
// by the Mendelsohn–Dulmage theorem that holds iff one matching covers a′
// and another covers b′.
func (m *matcher) feasible(a, b []Bar, eps float64) bool {
	return m.covers(a, b, eps) && m.covers(b, a, eps)
}

// covers reports whether every bar of a with diagonal cost > eps can be
// matched to a distinct bar of b within eps (Hopcroft–Karp). b must be
// sorted by birth.
func (m *matcher) covers(a, b []Bar, eps float64) bool {
	m.left = m.left[:0]
	for i, x := range a {
		if diagonalCost(x) > eps {
			m.left = append(m.left, int32(i))
		}
	}
	nl, nr := len(m.left), len(b)
	if nl == 0 {
		return true
	}
	if nl > nr {
		return false
	}
	m.adj = slices.Grow(m.adj[:0], nl)[:nl]
	for u, i := range m.left {
		m.adj[u] = m.adj[u][:0]
		x := a[i]
		k, _ := slices.BinarySearchFunc(b, x.Birth-eps, birthAtLeast)
		for j := k; j < len(b) && b[j].Birth-x.Birth <= eps; j++ {
			if linf(x, b[j]) <= eps {
				m.adj[u] = append(m.adj[u], int32(j))
			}
		}
		if len(m.adj[u]) == 0 {
			return false
		}
	}
	return m.hopcroftKarp(nl, nr) == nl
}

// hopcroftKarp returns the size of a maximum matching of the bipartite
// graph m.adj with nl left and nr right vertices.
func (m *matcher) hopcroftKarp(nl, nr int) int {
	m.matchL = fill(m.matchL, nl, -1)
	m.matchR = fill(m.matchR, nr, -1)
	size := 0
	for {
		// BFS from the free left vertices builds the layers of shortest
		// alternating paths.
		m.layer = fill(m.layer, nl, -1)
		m.queue = m.queue[:0]
		for u := 0; u < nl; u++ {
			if m.matchL[u] < 0 {
				m.layer[u] = 0
				m.queue = append(m.queue, int32(u))
			}
		}
		found := false
		for q := 0; q < len(m.queue); q++ {
			u := m.queue[q]
			for _, v := range m.adj[u] {
				w := m.matchR[v]
				if w < 0 {
					found = true
				} else if m.layer[w] < 0 {
					m.layer[w] = m.layer[u] + 1
					m.queue = append(m.queue, w)
				}
			}
		}
		if !found {
			return size
		}
		for u := 0; u < nl; u++ {
			if m.matchL[u] < 0 && m.augment(int32(u)) {
				size++
			}
		}
	}
}

// augment looks for an augmenting path from the free left vertex u along
// the BFS layers (depth first) and flips it.
func (m *matcher) augment(u int32) bool {
	for _, v := range m.adj[u] {
		w := m.matchR[v]
		if w < 0 || (m.layer[w] == m.layer[u]+1 && m.augment(w)) {
			m.matchL[u], m.matchR[v] = v, u
			return true
		}
	}
	m.layer[u] = -1 // dead end: no path through u in this phase
	return false
}

func fill(s []int32, n int, v int32) []int32 {
	s = slices.Grow(s[:0], n)[:n]
	for k := range s {
		s[k] = v
	}
	return s
}
