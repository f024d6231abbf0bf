//go:build !amd64 || purego

package tensor

func addBiasTanh(x, b []float32)               { addBiasTanhGo(x, b) }
func tanhBackward(dz, dy, y []float32)         { tanhBackwardGo(dz, dy, y) }
func sumRows(dst, m []float32, rows, cols int) { sumRowsGo(dst, m, rows, cols) }

const (
	isaGo = iota
	isaAVX2
	isaAVX512
)

var elemISA, maxElemISA = isaGo, isaGo
