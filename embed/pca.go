package embed

import (
	"fmt"
	"math"

	"github.com/isonet/isonet/tensor"
	"gonum.org/v1/gonum/mat"
)

// PCA projects the rows of x, centred, on their dims principal axes (the
// eigenvectors of the covariance with the largest eigenvalues), largest
// first. Each axis is signed so that its largest-magnitude loading is
// positive. The decomposition is exact: an eigendecomposition of the d×d
// covariance, or of the n×n Gram matrix when there are fewer points than
// coordinates. Errors report bad data or dims outside 1..min(n, d).
func PCA(x *tensor.Mat, dims int) (*tensor.Mat, error) {
	if err := checkData(x); err != nil {
		return nil, fmt.Errorf("pca: %w", err)
	}
	n, d := x.Rows, x.Cols
	if dims < 1 || dims > d || dims > n {
		return nil, fmt.Errorf("pca: dims = %d, need 1 ≤ dims ≤ %d", dims, min(n, d))
	}
	xc := mat.NewDense(n, d, nil)
	for j := 0; j < d; j++ {
		var m float64
		for i := 0; i < n; i++ {
			m += float64(x.At(i, j))
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			xc.Set(i, j, float64(x.At(i, j))-m)
		}
	}
	// axes: d×dims loadings, orthonormal columns.
	axes := mat.NewDense(d, dims, nil)
	var e mat.EigenSym
	var q mat.Dense
	if d <= n {
		var cov mat.SymDense
		cov.SymOuterK(1, xc.T())
		if !e.Factorize(&cov, true) {
			return nil, fmt.Errorf("pca: eigendecomposition failed")
		}
		e.VectorsTo(&q)
		for c := 0; c < dims; c++ {
			for j := 0; j < d; j++ {
				axes.Set(j, c, q.At(j, d-1-c))
			}
		}
	} else {
		var gram mat.SymDense
		gram.SymOuterK(1, xc)
		if !e.Factorize(&gram, true) {
			return nil, fmt.Errorf("pca: eigendecomposition failed")
		}
		e.VectorsTo(&q)
		// A Gram eigenvector u gives the axis Xcᵀu/‖Xcᵀu‖.
		for c := 0; c < dims; c++ {
			u := mat.Col(nil, n-1-c, &q)
			v := make([]float64, d)
			var s float64
			for j := 0; j < d; j++ {
				for i := 0; i < n; i++ {
					v[j] += xc.At(i, j) * u[i]
				}
				s += v[j] * v[j]
			}
			s = math.Sqrt(s)
			for j := 0; j < d; j++ {
				if s > 0 {
					axes.Set(j, c, v[j]/s)
				}
			}
		}
	}
	for c := 0; c < dims; c++ {
		big := 0
		for j := 0; j < d; j++ {
			if math.Abs(axes.At(j, c)) > math.Abs(axes.At(big, c)) {
				big = j
			}
		}
		if axes.At(big, c) < 0 {
			for j := 0; j < d; j++ {
				axes.Set(j, c, -axes.At(j, c))
			}
		}
	}
	var scores mat.Dense
	scores.Mul(xc, axes)
	out := tensor.New(n, dims)
	for i := 0; i < n; i++ {
		for c := 0; c < dims; c++ {
			out.Set(i, c, float32(scores.At(i, c)))
		}
	}
	return out, nil
}
