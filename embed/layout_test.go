package embed

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIntN checks that intN draws the numbers rand.Rand.IntN draws from the
// same PCG, for sizes with and without rejection and powers of 2.
func TestIntN(t *testing.T) {
	if is32bit {
		t.Skip("intN is not used on 32-bit platforms")
	}
	for _, n := range []int{1, 2, 3, 7, 64, 1000, 70000, 1<<40 + 1, math.MaxInt64} {
		a, b := rand.NewPCG(uint64(n), 9), rand.NewPCG(uint64(n), 9)
		r := rand.New(a)
		for q := 0; q < 1000; q++ {
			if got, want := intN(b, uint64(n)), r.IntN(n); got != want {
				t.Fatalf("n = %d, draw %d: intN %d, rand.IntN %d", n, q, got, want)
			}
		}
	}
}

// TestSample2 checks that the 2-D SGD step gives the embedding of the
// general one bit for bit, with and without parts and workers, including
// coincident points.
func TestSample2(t *testing.T) {
	g, y0 := sgdProblem(150)
	copy(y0[2:4], y0[0:2]) // points 0 and 1 coincide
	a, b := FitAB(1, 0.1)
	for _, nparts := range []int{1, 4} {
		for _, workers := range []int{1, 2} {
			var ys [2][]float64
			for v, generic := range []bool{true, false} {
				y := slices.Clone(y0)
				l := newLayout(g, 2, y, nparts)
				l.optimizeWith(y, sgdParams{a: a, b: b, gamma: 1, alpha: 1, negRate: 5, epochs: 50, seed: 7, workers: workers}, generic)
				ys[v] = y
			}
			for i := range ys[0] {
				if math.Float64bits(ys[0][i]) != math.Float64bits(ys[1][i]) {
					t.Fatalf("%d parts, %d workers: coordinate %d is %v in general, %v in 2-D", nparts, workers, i, ys[0][i], ys[1][i])
				}
			}
		}
	}
}

// BenchmarkSGD2 runs 50 epochs of the 2-D SGD on one worker (the bulk of
// UMAP's time) on 4 blobs of 1500 points.
func BenchmarkSGD2(b *testing.B) {
	g, y0 := sgdProblem(1500)
	a, bb := FitAB(1, 0.25)
	l := newLayout(g, 2, y0, 1)
	b.ResetTimer()
	for range b.N {
		y := slices.Clone(y0)
		l.optimize(y, sgdParams{a: a, b: bb, gamma: 1, alpha: 1, negRate: 5, epochs: 50, seed: 7, workers: 1})
	}
}

// sgdProblem returns the fuzzy graph of 4 blobs of n points each in 12-D
// (15 neighbours) and a random 2-D start in [0, 10)².
func sgdProblem(n int) (*csr, []float64) {
	x, _ := blobs(4, n, 12, 1.5, 3)
	idx, dist := KNN(x, 14, 1, 2)
	sigma, rho := smoothKNN(dist, 15, 2)
	g := fuzzyGraph(idx, dist, sigma, rho)
	y0 := make([]float64, 2*g.n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range y0 {
		y0[i] = 10 * rng.Float64()
	}
	return g, y0
}
