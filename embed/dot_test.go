package embed

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDot32 checks dot32 against a float64 sum for every length up to 200
// (blocks of 64 and 16, masked tails) within float32 rounding.
func TestDot32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, b := make([]float32, 200), make([]float32, 200)
	for i := range a {
		a[i], b[i] = rng.Float32()-0.5, rng.Float32()-0.5
	}
	for n := 0; n <= len(a); n++ {
		var want, mag float64
		for i := range n {
			want += float64(a[i]) * float64(b[i])
			mag += math.Abs(float64(a[i]) * float64(b[i]))
		}
		got := float64(dot32(a[:n], b[:n]))
		if math.Abs(got-want) > 1e-6*mag+1e-30 {
			t.Errorf("n %d: dot %v, want %v", n, got, want)
		}
	}
}
