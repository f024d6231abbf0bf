package topology

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// BettiAt returns the Betti number of dimension dim (0 or 1) at the given
// scale: the number of bars with Birth ≤ scale < Death. It panics if dim is
// not 0 or 1.
func BettiAt(d *Diagram, dim int, scale float64) int {
	var bars []Bar
	switch dim {
	case 0:
		bars = d.H0
	case 1:
		bars = d.H1
	default:
		panic(fmt.Sprintf("topology: BettiAt: dimension %d, want 0 or 1", dim))
	}
	k := 0
	for _, b := range bars {
		if b.Birth <= scale && scale < b.Death {
			k++
		}
	}
	return k
}

// LongestBars returns the k bars of greatest persistence, longest first
// (essential bars before finite ones; ties by earlier birth). It returns all
// bars, sorted, when k ≥ len(bars), and none when k ≤ 0. bars is not
// modified.
func LongestBars(bars []Bar, k int) []Bar {
	if k <= 0 {
		return nil
	}
	out := slices.Clone(bars)
	slices.SortStableFunc(out, func(a, b Bar) int {
		if c := cmp.Compare(b.Persistence(), a.Persistence()); c != 0 {
			return c
		}
		return cmp.Compare(a.Birth, b.Birth)
	})
	return out[:min(k, len(out))]
}

// SingleLinkageHeights returns the n−1 merge heights of single-linkage
// clustering of the n×n distance matrix d, sorted ascending: the edge
// lengths of a minimum spanning tree, computed with Prim's algorithm. Where
// the points cannot all be joined by finite distances the missing heights
// are +Inf. It is the reference for the finite H0 deaths of a Vietoris–Rips
// diagram. It panics if d is not square.
func SingleLinkageHeights(d [][]float64) []float64 {
	n := len(d)
	for i, row := range d {
		if len(row) != n {
			panic(fmt.Sprintf("topology: SingleLinkageHeights: row %d has %d entries, want %d", i, len(row), n))
		}
	}
	if n == 0 {
		return nil
	}
	inTree := make([]bool, n)
	best := make([]float64, n) // shortest distance from the tree to each point
	for i := range best {
		best[i] = math.Inf(1)
	}
	heights := make([]float64, 0, n-1)
	v := 0
	for len(heights) < n-1 {
		inTree[v] = true
		next := -1
		for u := 0; u < n; u++ {
			if inTree[u] {
				continue
			}
			best[u] = min(best[u], d[v][u])
			if next < 0 || best[u] < best[next] {
				next = u
			}
		}
		heights = append(heights, best[next])
		v = next
	}
	slices.Sort(heights)
	return heights
}
