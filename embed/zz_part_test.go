package embed

import (
	"slices"
	"testing"
)

// rcb splits the points into 2^depth parts by recursive coordinate bisection.
func rcb(y []float64, n, dims, depth int) []int {
	part := make([]int, n)
	var rec func(idx []int, d, base int)
	rec = func(idx []int, d, base int) {
		if d == 0 {
			for _, i := range idx {
				part[i] = base
			}
			return
		}
		best, spread := 0, -1.0
		for c := 0; c < dims; c++ {
			lo, hi := 1e300, -1e300
			for _, i := range idx {
				lo, hi = min(lo, y[i*dims+c]), max(hi, y[i*dims+c])
			}
			if hi-lo > spread {
				best, spread = c, hi-lo
			}
		}
		slices.SortFunc(idx, func(a, b int) int {
			if y[a*dims+best] < y[b*dims+best] {
				return -1
			}
			if y[a*dims+best] > y[b*dims+best] {
				return 1
			}
			return a - b
		})
		h := len(idx) / 2
		rec(idx[:h], d-1, base*2)
		rec(idx[h:], d-1, base*2+1)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rec(idx, depth, 0)
	return part
}

func TestZZPart(t *testing.T) {
	x, _ := mnistTest(t, 10000)
	idx, dist, _ := knn(x, 39, 1, 2)
	sigma, rho := smoothKNN(dist, 40, 2)
	g := fuzzyGraph(idx, dist, sigma, rho).prune(500)
	spec, _ := spectralLayout(g, 2, newRand(1, streamSpectral), 2)
	spec3, _ := spectralLayout(g, 3, newRand(1, streamSpectral), 2)
	spec8, _ := spectralLayout(g, 8, newRand(1, streamSpectral), 2)
	for _, sp := range []struct {
		y    []float64
		dims int
	}{{spec, 2}, {spec3, 3}, {spec8, 8}} {
		for depth := 1; depth <= 4; depth++ {
			part := rcb(sp.y, 10000, sp.dims, depth)
			var cross, all float64
			for i := 0; i < g.n; i++ {
				for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
					all += g.val[p]
					if part[i] != part[g.col[p]] {
						cross += g.val[p]
					}
				}
			}
			t.Logf("dims %d parts %d: cross weight fraction %.3f", sp.dims, 1<<depth, cross/all)
		}
	}
}
