//go:build !amd64 || purego

package iso

import "github.com/isonet/isonet/tensor"

var useAVX512 = false

func pairRowVec(g []float32, sq, din []float64, c []float32, rr []float64, near []uint8, sqa, k float64) int {
	return 0
}

func colSumVec(acc []float64, c []float32, rows, n, ldc int) int { return 0 }

func pairGradVec(ga, gb, ra, rb []float32, c float64) int { return 0 }

func (w *blockWork) sqDistsVec(s []float64, x *tensor.Mat, idx []int) bool { return false }

func fusedGram(d int) bool { return false }

func pairRowFused(pa, pt []float32, ldp, d int, sq, din []float64, c []float32, rr []float64, near []uint8, nl int, sqa, k float64, tmp *[32]float32) {
	panic("iso: no fused pair kernel on this CPU")
}

func transpose16(dst *float32, ldd int, src *float32, lds int) {
	panic("iso: no transpose kernel on this CPU")
}
