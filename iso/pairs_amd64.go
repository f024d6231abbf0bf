//go:build amd64 && !purego

package iso

import (
	"golang.org/x/sys/cpu"

	"github.com/isonet/isonet/tensor"
)

//go:noescape
func pairRow512(gram *float32, sq, din *float64, c *float32, rr *float64, near *uint8, n int, sqa, k float64)

//go:noescape
func transpose16(dst *float32, ldd int, src *float32, lds int)

//go:noescape
func colSum512(acc *float64, c *float32, rows, n, ldc int)

// useAVX512 says whether the AVX-512 pair kernels run; tests turn it off to
// compare them with the Go loops.
var useAVX512 = cpu.X86.HasAVX512F

// pairRowVec runs the vector kernel over the longest multiple of 8 of the
// row and returns how many elements it did.
func pairRowVec(g []float32, sq, din []float64, c []float32, rr []float64, near []uint8, sqa, k float64) int {
	n := len(g) &^ 7
	if !useAVX512 || n == 0 {
		return 0
	}
	_ = sq[n-1]
	_ = din[n-1]
	_ = c[n-1]
	_ = rr[n-1]
	_ = near[n/8-1]
	pairRow512(&g[0], &sq[0], &din[0], &c[0], &rr[0], &near[0], n, sqa, k)
	return n
}

// colSumVec adds the column sums of the rows×n block of c (row stride ldc)
// to acc over the longest multiple of 8 columns, row by row in order, and
// returns how many columns it did.
func colSumVec(acc []float64, c []float32, rows, n, ldc int) int {
	n8 := n &^ 7
	if !useAVX512 || n8 == 0 || rows == 0 {
		return 0
	}
	_ = acc[n8-1]
	_ = c[(rows-1)*ldc+n8-1]
	colSum512(&acc[0], &c[0], rows, n8, ldc)
	return n8
}

//go:noescape
func sqd2x16(xa, xb *float64, ld, d int, out *float64)

//go:noescape
func pairGrad512(ga, gb, ra, rb *float32, n int, c float64)

// pairGradVec does pairGrad's update over the longest multiple of 8 of the
// row and returns how many elements it did.
func pairGradVec(ga, gb, ra, rb []float32, c float64) int {
	n := len(ga) &^ 7
	if !useAVX512 || n == 0 {
		return 0
	}
	_, _, _ = gb[n-1], ra[n-1], rb[n-1]
	pairGrad512(&ga[0], &gb[0], &ra[0], &rb[0], n, c)
	return n
}

// sqDistsVec fills s as sqDists does with the vector kernel; it reports
// false (doing nothing) when the CPU lacks AVX-512.
func (w *blockWork) sqDistsVec(s []float64, x *tensor.Mat, idx []int) bool {
	if !useAVX512 {
		return false
	}
	n, d := len(idx), x.Cols
	np := (n + 16) &^ 15 // room for row a+1 = n when n is odd
	if cap(w.t) < d*np {
		w.t = make([]float64, d*np)
	}
	t := w.t[:d*np]
	for k := 0; k < d; k++ {
		clear(t[k*np+n : k*np+np])
	}
	for j, i := range idx {
		for k, v := range x.Row(i) {
			t[k*np+j] = float64(v)
		}
	}
	var out [32]float64
	for a := 0; a < n; a += 2 {
		for b0 := 0; b0 < n; b0 += 16 {
			sqd2x16(&t[a], &t[b0], np, d, &out[0])
			m := min(16, n-b0)
			copy(s[a*n+b0:a*n+b0+m], out[:m])
			if a+1 < n {
				copy(s[(a+1)*n+b0:(a+1)*n+b0+m], out[16:16+m])
			}
		}
	}
	return true
}

//go:noescape
func pairRowG512(pa, pt *float32, ldp, d int, sq, din *float64, c *float32, rr *float64, near *uint8, n int, sqa, k float64, tmp *float32)

// fusedGram says whether evalGEMM computes the Gram values inside the pair
// kernel (AVX-512, widths up to one GEMM k-block), bit-identical to the
// product the AVX-512 GEMM would have given.
func fusedGram(d int) bool { return useAVX512 && d <= 256 }

// pairRowFused runs pairRowG512 over nl lanes (a multiple of 32).
func pairRowFused(pa, pt []float32, ldp, d int, sq, din []float64, c []float32, rr []float64, near []uint8, nl int, sqa, k float64, tmp *[32]float32) {
	_ = pt[(d-1)*ldp+nl-1]
	_, _, _, _, _ = sq[nl-1], din[nl-1], c[nl-1], rr[nl-1], near[nl/8-1]
	_ = pa[d-1]
	pairRowG512(&pa[0], &pt[0], ldp, d, &sq[0], &din[0], &c[0], &rr[0], &near[0], nl, sqa, k, &tmp[0])
}
