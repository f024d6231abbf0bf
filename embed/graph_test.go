package embed

import (
	"math"
	"testing"
)

func TestSmoothKNN(t *testing.T) {
	tests := []struct {
		name       string
		dist       []float32
		k          int
		sigma, rho float64
	}{
		// One neighbour: the sum is 1 = log₂ 2 at once, σ stays 1.
		{"k = 2", []float32{0.5}, 2, 1, 0.5},
		// 1 + u + u² = 2 with u = exp(−1/σ): u = (√5 − 1)/2.
		{"golden", []float32{1, 2, 3}, 4, -1 / math.Log((math.Sqrt(5)-1)/2), 1},
		// All at the same distance: every term is 1 > log₂ 4 whatever σ, so
		// σ falls to the floor 10⁻³·mean(0, 2, 2, 2).
		{"equal", []float32{2, 2, 2}, 4, 1e-3 * 6 / 4, 2},
		// A duplicate point (distance 0) does not count for ρ.
		{"duplicate", []float32{0, 1, 2, 3}, 5, -1, 1},
	}
	for _, tc := range tests {
		sigma, rho := smoothKNN([][]float32{tc.dist}, tc.k, 1)
		if math.Abs(rho[0]-tc.rho) > 1e-12 {
			t.Errorf("%s: ρ = %g, want %g", tc.name, rho[0], tc.rho)
		}
		if tc.sigma > 0 && math.Abs(sigma[0]-tc.sigma) > 1e-4*tc.sigma {
			t.Errorf("%s: σ = %.7g, want %.7g", tc.name, sigma[0], tc.sigma)
		}
		// Whatever the case, the memberships sum to log₂ k unless σ hit
		// its floor.
		if tc.name != "equal" {
			var s float64
			for _, d := range tc.dist {
				s += math.Exp(-max(0, float64(d)-rho[0]) / sigma[0])
			}
			if math.Abs(s-math.Log2(float64(tc.k))) > 1e-4 {
				t.Errorf("%s: memberships sum to %.6f, want log₂ %d", tc.name, s, tc.k)
			}
		}
	}
}

func TestFuzzyGraph(t *testing.T) {
	idx := [][]int{{1, 2}, {0, 2}, {1, 0}}
	dist := [][]float32{{1, 3}, {1, 2}, {2, 3}}
	sigma, rho := []float64{1, 2, 1}, []float64{1, 1, 2}
	// Directed: w01 = 1, w02 = e⁻², w10 = 1, w12 = e^(−½), w21 = 1,
	// w20 = e⁻¹. Union w + wᵀ − w∘wᵀ.
	e := math.Exp
	want := [3][3]float64{
		{0, 1, e(-2) + e(-1) - e(-3)},
		{1, 0, 1},
		{e(-2) + e(-1) - e(-3), 1, 0},
	}
	g := fuzzyGraph(idx, dist, sigma, rho)
	var got [3][3]float64
	for i := 0; i < 3; i++ {
		for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
			got[i][g.col[p]] = g.val[p]
		}
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-12 {
				t.Errorf("P[%d][%d] = %.9f, want %.9f", i, j, got[i][j], want[i][j])
			}
		}
	}
	if g.nnz() != 6 {
		t.Errorf("%d entries, want 6", g.nnz())
	}
	// Pruning at 1/epochs of the largest: with 5 epochs the cut is 0.2 and
	// P02 ≈ 0.453 stays; with 3 epochs (cut 0.333) too; with 2 (0.5) it goes.
	for _, tc := range []struct{ epochs, nnz int }{{5, 6}, {3, 6}, {2, 4}} {
		if got := g.prune(tc.epochs).nnz(); got != tc.nnz {
			t.Errorf("prune(%d): %d entries, want %d", tc.epochs, got, tc.nnz)
		}
	}
	if c := g.prune(2).components(); c != 1 {
		t.Errorf("components = %d, want 1", c)
	}
	two := &csr{n: 4, ptr: []int{0, 1, 2, 3, 4}, col: []int32{1, 0, 3, 2}, val: []float64{1, 1, 1, 1}}
	if c := two.components(); c != 2 {
		t.Errorf("two pairs: components = %d, want 2", c)
	}
}
