package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Gemm computes dst = alpha·op(a)·op(b) + beta·dst, where op(x) is x or its
// transpose as transA and transB say. dst must already have the result's shape
// (when beta is 0 its contents are ignored). It panics on mismatched shapes,
// which are programmer errors.
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
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(dst.Data, beta)
		return
	}
	gemmImpl(transA, transB, m, n, k, alpha, a.Data, a.Cols, b.Data, b.Cols, beta, dst.Data, dst.Cols)
}

// gemmImpl is the kernel behind Gemm; the fast path may replace it.
var gemmImpl = gemmBLAS

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

func scale(x []float32, s float32) {
	if s == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] *= s
	}
}
