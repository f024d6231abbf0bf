//go:build amd64 && !purego

package embed

import (
	"math"
	"math/bits"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas/blas32"
)

//go:noescape
func dot512(a, b *float32, n int) float32

var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// dot32 is the dot product of two equally long vectors: AVX-512 where the
// CPU has it, else BLAS's (SSE). It serves NN-descent only (above
// exactKNNMax points), whose neighbours may differ in the last bits of a
// distance between the two.
func dot32(a, b []float32) float32 {
	if hasAVX512 && len(a) > 0 {
		_ = b[len(a)-1]
		return dot512(&a[0], &b[0], len(a))
	}
	return blas32.Implementation().Sdot(len(a), a, 1, b, 1)
}

//go:noescape
func powPos8(x *float64, y float64, out *float64, cells *float64, exp2 *float64) uint8

// powPosVec sets out[i] = powPos(x[i], y) for i < n ≤ 8, bit for bit: with
// AVX-512, the 8 lanes at once.
func powPosVec(out, x *[8]float64, y float64, n int) {
	if !hasAVX512 {
		for i := range n {
			out[i] = powPos(x[i], y)
		}
		return
	}
	bad := powPos8(&x[0], y, &out[0], &log2Cells[0].inv, &exp2Cells[0]) & uint8(1<<n-1)
	for bad != 0 {
		i := bits.TrailingZeros8(bad)
		bad &^= 1 << i
		out[i] = math.Pow(x[i], y)
	}
}
