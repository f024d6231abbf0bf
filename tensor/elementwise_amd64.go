//go:build amd64 && !purego

package tensor

//go:noescape
func tanhBias512(x, b *float32, n int)

//go:noescape
func tanhBias256(x, b *float32, n int)

//go:noescape
func tanhBack512(dz, dy, y *float32, n int)

//go:noescape
func tanhBack256(dz, dy, y *float32, n int)

//go:noescape
func sumRows256(dst, m *float32, rows, cols int)

// Instruction sets of the element-wise kernels.
const (
	isaGo = iota
	isaAVX2
	isaAVX512
)

// elemISA is the instruction set the element-wise kernels use: the best this
// CPU has; tests lower it to run the other versions.
var elemISA = func() int {
	switch {
	case hasAVX512:
		return isaAVX512
	case hasAVX2:
		return isaAVX2
	}
	return isaGo
}()

// maxElemISA is the best instruction set this CPU runs.
var maxElemISA = elemISA

func addBiasTanh(x, b []float32) {
	b = b[:len(x)]
	lanes := 8
	switch elemISA {
	case isaAVX512:
	case isaAVX2:
		lanes = 4
	default:
		addBiasTanhGo(x, b)
		return
	}
	done := len(x) &^ (lanes - 1)
	if done > 0 {
		tanhBiasAsm(&x[0], &b[0], done)
	}
	if done < len(x) {
		// The tail goes through the same kernel, padded to a whole vector.
		var xt, bt [8]float32
		n := copy(xt[:], x[done:])
		copy(bt[:], b[done:])
		tanhBiasAsm(&xt[0], &bt[0], lanes)
		copy(x[done:], xt[:n])
	}
}

// tanhBiasAsm runs the assembly kernel of elemISA (called directly, not through
// a func value, so that its arguments do not escape).
func tanhBiasAsm(x, b *float32, n int) {
	if elemISA == isaAVX512 {
		tanhBias512(x, b, n)
	} else {
		tanhBias256(x, b, n)
	}
}

func tanhBackward(dz, dy, y []float32) {
	dy, y = dy[:len(dz)], y[:len(dz)]
	done := 0
	switch elemISA {
	case isaAVX512:
		done = len(dz) &^ 15
		if done > 0 {
			tanhBack512(&dz[0], &dy[0], &y[0], done)
		}
	case isaAVX2:
		done = len(dz) &^ 7
		if done > 0 {
			tanhBack256(&dz[0], &dy[0], &y[0], done)
		}
	}
	tanhBackwardGo(dz[done:], dy[done:], y[done:])
}

func sumRows(dst, m []float32, rows, cols int) {
	done := 0
	if elemISA >= isaAVX2 && rows > 0 {
		done = cols &^ 7
		if done > 0 {
			_ = m[rows*cols-1]
			sumRows256(&dst[0], &m[0], rows, cols)
		}
	}
	// The remaining columns, rows added in the same order.
	tail := dst[done:]
	clear(tail)
	for i := 0; i < rows; i++ {
		row := m[i*cols+done : (i+1)*cols]
		for j, v := range row {
			tail[j] += v
		}
	}
}
