//go:build !amd64 || purego

package iso

var useAVX512 = false

func pairRowVec(g []float32, sq, din []float64, c []float32, rr []float64, near []uint8, sqa, k float64) int {
	return 0
}

func colSumVec(acc []float64, c []float32, rows, n, ldc int) int { return 0 }
