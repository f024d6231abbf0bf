package embed

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPowPos(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for it := 0; it < 200000; it++ {
		x := math.Exp(rng.Float64()*80 - 40) // 4e-18 .. 2e17
		y := rng.Float64()*3 - 1             // −1 .. 2, covering b and b − 1
		want := math.Pow(x, y)
		got := powPos(x, y)
		worst = max(worst, math.Abs(got-want)/want)
	}
	for _, c := range [][2]float64{{1, 0.8}, {2, 0.5}, {0.5, 2}, {math.Sqrt2, 1.3}, {1e-310, 0.8}, {1e300, 1.5}} {
		want := math.Pow(c[0], c[1])
		worst = max(worst, math.Abs(powPos(c[0], c[1])-want)/want)
	}
	if worst > 1e-12 {
		t.Errorf("powPos: worst relative error %.3g > 1e-12", worst)
	}
}

// The benchmarks chain the calls (each argument depends on the previous
// result), as in SGD, so they measure latency rather than throughput.

func BenchmarkPowPos(b *testing.B) {
	x := 1.5
	for i := 0; i < b.N; i++ {
		x = powPos(x+1, 0.9)
	}
	_ = x
}

func BenchmarkMathPow(b *testing.B) {
	x := 1.5
	for i := 0; i < b.N; i++ {
		x = math.Pow(x+1, 0.9)
	}
	_ = x
}
