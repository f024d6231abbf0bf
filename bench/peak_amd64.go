//go:build amd64 && !purego

package bench

import "golang.org/x/sys/cpu"

//go:noescape
func fma512(iters int)

//go:noescape
func fma256(iters int)

// peakKernel returns the best register-only FMA loop this CPU runs: its
// instruction set, the FLOPs of one iteration and the loop itself.
func peakKernel() (isa string, flopsPerIter float64, loop func(iters int)) {
	switch {
	case cpu.X86.HasAVX512F:
		return "avx512", 12 * 16 * 2, fma512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return "avx2", 12 * 8 * 2, fma256
	}
	return "go", goFlopsPerIter, fmaGo
}
