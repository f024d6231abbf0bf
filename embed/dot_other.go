//go:build !amd64 || purego

package embed

import "gonum.org/v1/gonum/blas/blas32"

// dot32 is the dot product of two equally long vectors (BLAS's).
func dot32(a, b []float32) float32 {
	return blas32.Implementation().Sdot(len(a), a, 1, b, 1)
}

// powPosVec sets out[i] = powPos(x[i], y) for i < n ≤ 8.
func powPosVec(out, x *[8]float64, y float64, n int) {
	for i := range n {
		out[i] = powPos(x[i], y)
	}
}
