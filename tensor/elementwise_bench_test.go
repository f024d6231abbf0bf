package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkElementwise reports ns per element (the mean, and the fastest
// single run) of the fused kernels on a 100×100 hidden-layer batch, for every
// instruction set this CPU runs (isa0 is pure Go, isa1 AVX2, isa2 AVX-512).
func BenchmarkElementwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(31, 32))
	y, dy, dz := randMat(rng, 100, 100), randMat(rng, 100, 100), New(100, 100)
	bias, sums := make([]float32, 100), make([]float32, 100)
	orig := y.Clone()
	run := func(b *testing.B, f func()) {
		best := time.Duration(math.MaxInt64)
		for b.Loop() {
			t0 := time.Now()
			f()
			best = min(best, time.Since(t0))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e4, "ns/elem")
		b.ReportMetric(float64(best.Nanoseconds())/1e4, "best-ns/elem")
	}
	for _, isa := range elemISAs() {
		withISA(isa, func() {
			b.Run(fmt.Sprintf("AddBiasTanh/isa%d", isa), func(b *testing.B) {
				run(b, func() {
					copy(y.Data, orig.Data)
					AddBiasTanh(y, bias)
				})
			})
			b.Run(fmt.Sprintf("TanhBackward/isa%d", isa), func(b *testing.B) {
				run(b, func() { TanhBackward(dz, dy, y) })
			})
			b.Run(fmt.Sprintf("SumRows/isa%d", isa), func(b *testing.B) {
				run(b, func() { SumRows(sums, dy) })
			})
		})
	}
}
