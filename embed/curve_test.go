package embed

import (
	"math"
	"testing"
)

// gridFitAB minimises the same least-squares objective as FitAB by a
// coarse-to-fine grid search, independently of FitAB's Gauss–Newton steps.
func gridFitAB(spread, minDist float64) (float64, float64) {
	sse := func(a, b float64) float64 {
		var s float64
		for t := 0; t < 300; t++ {
			x := 3 * spread * float64(t) / 299
			y := math.Exp(-(x - minDist) / spread)
			if x < minDist {
				y = 1
			}
			f := 1 / (1 + a*math.Pow(x, 2*b))
			s += (f - y) * (f - y)
		}
		return s
	}
	ca, cb, wa, wb := 2.5, 1.5, 2.4, 1.4
	for round := 0; round < 14; round++ {
		best := math.Inf(1)
		var ba, bb float64
		for i := -10; i <= 10; i++ {
			for j := -10; j <= 10; j++ {
				a, b := ca+wa*float64(i)/10, cb+wb*float64(j)/10
				if a <= 0 || b <= 0 {
					continue
				}
				if s := sse(a, b); s < best {
					best, ba, bb = s, a, b
				}
			}
		}
		ca, cb, wa, wb = ba, bb, wa/4, wb/4
	}
	return ca, cb
}

func TestFitAB(t *testing.T) {
	tests := []struct {
		spread, minDist float64
		a, b            float64 // known values (0 = use the grid search)
	}{
		{1, 0.1, 1.577, 0.895}, // umap-learn's defaults, widely quoted
		{1, 0.25, 0, 0},        // the paper's setting
		{1, 0.001, 0, 0},
		{2, 0.5, 0, 0},
	}
	for _, tc := range tests {
		a, b := FitAB(tc.spread, tc.minDist)
		ga, gb := gridFitAB(tc.spread, tc.minDist)
		// The acceptance asks for 1%; the two minimisations agree far closer.
		if math.Abs(a-ga) > 1e-4*ga || math.Abs(b-gb) > 1e-4*gb {
			t.Errorf("FitAB(%g, %g) = %.5f, %.5f; grid least squares %.5f, %.5f", tc.spread, tc.minDist, a, b, ga, gb)
		}
		if tc.a != 0 && (math.Abs(a-tc.a) > 0.001 || math.Abs(b-tc.b) > 0.001) {
			t.Errorf("FitAB(%g, %g) = %.5f, %.5f; want %.3f, %.3f", tc.spread, tc.minDist, a, b, tc.a, tc.b)
		}
		t.Logf("FitAB(%g, %g) = %.6f, %.6f (grid %.6f, %.6f)", tc.spread, tc.minDist, a, b, ga, gb)
	}
}
