//go:build amd64 && !purego

package embed

import (
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
