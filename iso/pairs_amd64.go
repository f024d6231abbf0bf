//go:build amd64 && !purego

package iso

import "golang.org/x/sys/cpu"

//go:noescape
func pairRow512(gram *float32, sq, din *float64, c *float32, rr *float64, near *uint8, n int, sqa, k float64)

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
