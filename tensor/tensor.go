// Package tensor holds the row-major float32 matrices isonet computes with,
// and the few kernels it needs: matrix products (Gemm), the fused
// element-wise steps of a tanh layer (AddBiasTanh, TanhBackward, SumRows),
// and Euclidean distances between rows computed exactly in float64 (SqDist,
// Distances).
//
// On amd64 the kernels run AVX-512 or AVX2+FMA assembly, chosen at run time
// from the CPU's features; elsewhere, on older CPUs, or with the purego build
// tag, they run pure Go. The element-wise kernels give the same bits on every
// path; Gemm's paths agree to float32 rounding, and each is deterministic:
// a product's bits do not depend on Threads or on timing.
package tensor

import "fmt"

// Mat is a dense row-major float32 matrix: element (i, j) is Data[i*Cols+j].
type Mat struct {
	Rows, Cols int
	Data       []float32
}

// New returns a zeroed r×c matrix.
func New(r, c int) *Mat {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("tensor: negative shape %d×%d", r, c))
	}
	return &Mat{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// FromSlice wraps data (not copied) as an r×c matrix.
func FromSlice(r, c int, data []float32) *Mat {
	if len(data) != r*c {
		panic(fmt.Sprintf("tensor: %d values for a %d×%d matrix", len(data), r, c))
	}
	return &Mat{Rows: r, Cols: c, Data: data}
}

// Row returns row i as a slice sharing m's memory.
func (m *Mat) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// At returns element (i, j).
func (m *Mat) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j) to v.
func (m *Mat) Set(i, j int, v float32) { m.Data[i*m.Cols+j] = v }

// Resize makes m an r×c matrix, reusing its memory when it is large enough.
// The contents after Resize are unspecified.
func (m *Mat) Resize(r, c int) {
	if cap(m.Data) >= r*c {
		m.Data = m.Data[:r*c]
	} else {
		m.Data = make([]float32, r*c)
	}
	m.Rows, m.Cols = r, c
}

// Clone returns a deep copy of m.
func (m *Mat) Clone() *Mat {
	c := &Mat{Rows: m.Rows, Cols: m.Cols, Data: make([]float32, len(m.Data))}
	copy(c.Data, m.Data)
	return c
}

// CopyFrom makes m a copy of src, reusing m's memory when possible.
func (m *Mat) CopyFrom(src *Mat) {
	m.Resize(src.Rows, src.Cols)
	copy(m.Data, src.Data)
}

// Zero sets every element of m to 0.
func (m *Mat) Zero() { clear(m.Data) }

// Gather returns the rows of m listed in idx as a new matrix (or into dst when
// dst is not nil). It is how a mini-batch is gathered.
func Gather(dst, m *Mat, idx []int) *Mat {
	if dst == nil {
		dst = New(len(idx), m.Cols)
	} else {
		dst.Resize(len(idx), m.Cols)
	}
	for k, i := range idx {
		copy(dst.Row(k), m.Row(i))
	}
	return dst
}
