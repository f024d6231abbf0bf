package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkElementwise reports ns per element of the fused kernels on a
// 100×100 hidden-layer batch, for every instruction set this CPU runs (0 is
// pure Go).
func BenchmarkElementwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(31, 32))
	y, dy, dz := randMat(rng, 100, 100), randMat(rng, 100, 100), New(100, 100)
	bias, sums := make([]float32, 100), make([]float32, 100)
	orig := y.Clone()
	for _, isa := range elemISAs() {
		withISA(isa, func() {
			b.Run(fmt.Sprintf("AddBiasTanh/isa%d", isa), func(b *testing.B) {
				for b.Loop() {
					copy(y.Data, orig.Data)
					AddBiasTanh(y, bias)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e4, "ns/elem")
			})
			b.Run(fmt.Sprintf("TanhBackward/isa%d", isa), func(b *testing.B) {
				for b.Loop() {
					TanhBackward(dz, dy, y)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e4, "ns/elem")
			})
			b.Run(fmt.Sprintf("SumRows/isa%d", isa), func(b *testing.B) {
				for b.Loop() {
					SumRows(sums, dy)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e4, "ns/elem")
			})
		})
	}
}
