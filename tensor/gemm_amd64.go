//go:build amd64 && !purego

package tensor

//go:generate go run gen_kernels.go

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// asmKernel is the signature of the generated micro-kernels in
// kernels_amd64.s. mask selects the lanes of the last vector of each row: a
// bit mask for AVX-512, a pointer to 8 int32 lane masks for AVX2.
type asmKernel func(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32, mask uintptr)

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F
)

// hasPackT8 says whether packT8 (pack_amd64.s) can run.
var hasPackT8 = hasAVX2

//go:noescape
func packT8(dst *float32, width int, src *float32, ldb int, k8 int)

var avx512Kernels = kernelSet{name: "avx512", mr: 12, w: 16, nv: 2, tile: tile512}

var avx2Kernels = kernelSet{name: "avx2", mr: 6, w: 8, nv: 2, tile: tile256}

func tile512(transA bool, mr, nv, k int, a []float32, lda int, bp []float32, c []float32, ldc, cols int, alpha, beta float32) {
	kern := &k16NKernels
	if transA {
		kern = &k16TKernels
	}
	rem := cols - (nv-1)*16
	kern[mr][nv](k, &a[0], lda, &bp[0], &c[0], ldc, alpha, beta, uintptr(1)<<rem-1)
}

// avx2Mask[8-n:16-n] holds n lane masks set, then 8-n clear.
var avx2Mask = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

func tile256(transA bool, mr, nv, k int, a []float32, lda int, bp []float32, c []float32, ldc, cols int, alpha, beta float32) {
	kern := &k8NKernels
	if transA {
		kern = &k8TKernels
	}
	rem := cols - (nv-1)*8
	kern[mr][nv](k, &a[0], lda, &bp[0], &c[0], ldc, alpha, beta, uintptr(unsafe.Pointer(&avx2Mask[8-rem])))
}

func gemmAVX512(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmParallel(&avx512Kernels, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gemmAVX2(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmParallel(&avx2Kernels, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func init() {
	switch {
	case hasAVX512:
		gemmImpl = gemmAVX512
	case hasAVX2:
		gemmImpl = gemmAVX2
	}
}

// gemmPaths lists the GEMM implementations this build and CPU can run, fastest
// first; tests and benchmarks use it.
func gemmPaths() []gemmPath {
	var p []gemmPath
	if hasAVX512 {
		p = append(p, gemmPath{"avx512", gemmAVX512})
	}
	if hasAVX2 {
		p = append(p, gemmPath{"avx2", gemmAVX2})
	}
	return append(p, gemmPath{"go", gemmGo})
}
