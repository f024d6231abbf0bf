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

// TestPowPosVec checks the 8-lane powPos against the scalar one bit for
// bit, on ordinary and extreme arguments (subnormal, huge, results near
// 2^±1000) and every lane count.
func TestPowPosVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	special := []float64{1, 2, 0.5, math.SmallestNonzeroFloat64, 1e-310, 2.2250738585072014e-308, math.MaxFloat64, 1e300, 1e-300, 0, -1, math.Inf(1), math.NaN()}
	for trial := range 20000 {
		y := []float64{0.8, 1.2, 0.5, 1.58, 0.0001, -0.79, 3}[trial%7]
		if trial%97 == 0 {
			y = 600 * rng.NormFloat64() // results near and beyond 2^±1000
		}
		var x, got [8]float64
		for i := range x {
			switch rng.IntN(4) {
			case 0:
				x[i] = special[rng.IntN(len(special))]
			case 1:
				x[i] = math.Exp(40 * rng.NormFloat64())
			default:
				x[i] = 100 * rng.Float64()
			}
		}
		n := 1 + trial%8
		powPosVec(&got, &x, y, n)
		for i := range n {
			want := powPos(x[i], y)
			if math.Float64bits(got[i]) != math.Float64bits(want) && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
				t.Fatalf("powPos(%v, %v): vector %v, scalar %v", x[i], y, got[i], want)
			}
		}
	}
}
