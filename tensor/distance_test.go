package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDistances: entry (i, j) is the square root of the float64 sum of
// squared differences, added in order; the matrix is exactly symmetric
// with a zero diagonal.
func TestDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := New(7, 5)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	d := Distances(x)
	if len(d) != 49 {
		t.Fatalf("%d entries, want 49", len(d))
	}
	for i := range 7 {
		for j := range 7 {
			var s float64
			for k := range 5 {
				e := float64(x.At(i, k)) - float64(x.At(j, k))
				s += e * e
			}
			if i == j {
				s = 0
			}
			if got, want := d[i*7+j], math.Sqrt(s); got != want || got != d[j*7+i] {
				t.Errorf("(%d, %d) = %v, want %v (transposed %v)", i, j, got, want, d[j*7+i])
			}
			if got := SqDist(x.Row(i), x.Row(j)); got != s {
				t.Errorf("SqDist(%d, %d) = %v, want %v", i, j, got, s)
			}
		}
	}
}
