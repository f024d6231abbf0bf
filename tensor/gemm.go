package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Gemm computes dst = alpha·op(a)·op(b) + beta·dst, where op(x) is x or its
// transpose as transA and transB say. dst must already have the result's shape
// (when beta is 0 its contents are ignored, NaNs included; when alpha is 0, a
// and b are not read). It panics on mismatched shapes, which are programmer
// errors.
//
// Each element of dst is computed the same way whatever the machine's load,
// so results are deterministic on a given CPU; large products are split over
// up to Threads goroutines by blocks of dst only.
func Gemm(transA, transB bool, alpha float32, a, b *Mat, beta float32, dst *Mat) {
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	k2, n := b.Rows, b.Cols
	if transB {
		k2, n = n, k2
	}
	if k != k2 || dst.Rows != m || dst.Cols != n {
		panic(fmt.Sprintf("tensor: Gemm shapes %d×%d (T=%v) · %d×%d (T=%v) → %d×%d",
			a.Rows, a.Cols, transA, b.Rows, b.Cols, transB, dst.Rows, dst.Cols))
	}
	for _, x := range [...]*Mat{a, b, dst} {
		if len(x.Data) < x.Rows*x.Cols {
			panic(fmt.Sprintf("tensor: Gemm: %d values for a %d×%d matrix", len(x.Data), x.Rows, x.Cols))
		}
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleRows(dst.Data, m, n, dst.Cols, beta)
		return
	}
	gemmImpl(transA, transB, m, n, k, alpha, a.Data, a.Cols, b.Data, b.Cols, beta, dst.Data, dst.Cols)
}

// gemmFunc is the signature of the kernels behind Gemm: dst (m×n, row stride
// ldc) = alpha·op(a)·op(b) + beta·dst with k ≥ 1, alpha ≠ 0.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// gemmImpl is the kernel behind Gemm: the fastest one this CPU runs (see
// init in gemm_amd64.go); tests switch it with setGemmPath.
var gemmImpl gemmFunc = gemmGo

// gemmGo is the pure-Go blocked GEMM: the fallback on CPUs without AVX2.
func gemmGo(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmParallel(&goKernels, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmBLAS is gonum's blas32.Gemm; it is kept for benchmarks.
func gemmBLAS(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	ar, ac := m, k
	if transA {
		ta = blas.Trans
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		tb = blas.Trans
		br, bc = n, k
	}
	blas32.Gemm(ta, tb, alpha,
		blas32.General{Rows: ar, Cols: ac, Stride: lda, Data: a},
		blas32.General{Rows: br, Cols: bc, Stride: ldb, Data: b},
		beta,
		blas32.General{Rows: m, Cols: n, Stride: ldc, Data: c})
}

// GemmRef is the plain triple-loop reference for Gemm, accumulating in float64.
// Tests compare the fast kernels against it.
func GemmRef(transA, transB bool, alpha float32, a, b *Mat, beta float32, dst *Mat) {
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	n := b.Cols
	if transB {
		n = b.Rows
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a.Data[p*a.Cols+i]
				} else {
					av = a.Data[i*a.Cols+p]
				}
				if transB {
					bv = b.Data[j*b.Cols+p]
				} else {
					bv = b.Data[p*b.Cols+j]
				}
				s += float64(av) * float64(bv)
			}
			c := &dst.Data[i*dst.Cols+j]
			if beta == 0 {
				*c = float32(float64(alpha) * s)
			} else {
				*c = float32(float64(alpha)*s + float64(beta)*float64(*c))
			}
		}
	}
}

// scaleRows multiplies the m×n block of c (row stride ldc) by s; s = 0 clears
// it, NaNs included.
func scaleRows(c []float32, m, n, ldc int, s float32) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if s == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= s
		}
	}
}

// gemmPath names one GEMM implementation, for tests and benchmarks.
type gemmPath struct {
	name string
	fn   gemmFunc
}
