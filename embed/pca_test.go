package embed

import (
	"math"
	"strings"
	"testing"

	"github.com/isonet/isonet/tensor"
)

func TestPCA(t *testing.T) {
	c, s := float32(math.Cos(math.Pi/6)), float32(math.Sin(math.Pi/6))
	// rot turns the plane by 30° and shifts it by (5, −3).
	rot := func(p [][2]float32) *tensor.Mat {
		m := tensor.New(len(p), 2)
		for i, q := range p {
			m.Set(i, 0, c*q[0]-s*q[1]+5)
			m.Set(i, 1, s*q[0]+c*q[1]-3)
		}
		return m
	}
	diamond := [][2]float32{{2, 0}, {-2, 0}, {0, 1}, {0, -1}}
	tests := []struct {
		name string
		x    *tensor.Mat
		dims int
		want [][]float64
	}{
		// Variance 8/3 along x, 2/3 along y: the axes are x and y; signs
		// make the largest loading positive.
		{"diamond", tensor.FromSlice(4, 2, []float32{2, 0, -2, 0, 0, 1, 0, -1}), 2,
			[][]float64{{2, 0}, {-2, 0}, {0, 1}, {0, -1}}},
		// A rotated, shifted copy has the same scores (its first axis is
		// (cos 30°, sin 30°), second (−sin 30°, cos 30°): largest loadings
		// positive).
		{"rotated diamond", rot(diamond), 2, [][]float64{{2, 0}, {-2, 0}, {0, 1}, {0, -1}}},
		{"first axis only", rot(diamond), 1, [][]float64{{2}, {-2}, {0}, {0}}},
		// Fewer points than coordinates (the Gram branch): centred rows
		// (3, −⅓, 0, 0), (−3, −⅓, 0, 0), (0, ⅔, 0, 0); covariance
		// diag(18, ⅔, 0, 0)·½.
		{"wide", tensor.FromSlice(3, 4, []float32{3, 0, 0, 0, -3, 0, 0, 0, 0, 1, 0, 0}), 2,
			[][]float64{{3, -1.0 / 3}, {-3, -1.0 / 3}, {0, 2.0 / 3}}},
	}
	for _, tc := range tests {
		got, err := PCA(tc.x, tc.dims)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Rows != len(tc.want) || got.Cols != tc.dims {
			t.Fatalf("%s: shape %d×%d", tc.name, got.Rows, got.Cols)
		}
		for i, row := range tc.want {
			for j, w := range row {
				if g := float64(got.At(i, j)); math.Abs(g-w) > 1e-5 {
					t.Errorf("%s: score (%d, %d) = %.6f, want %.6f", tc.name, i, j, g, w)
				}
			}
		}
	}
}

func TestPCAErrors(t *testing.T) {
	x := tensor.FromSlice(3, 2, []float32{1, 2, 3, 4, 5, 6})
	nan := tensor.FromSlice(2, 2, []float32{1, float32(math.NaN()), 3, 4})
	tests := []struct {
		name string
		x    *tensor.Mat
		dims int
		want string
	}{
		{"zero dims", x, 0, "dims = 0"},
		{"too many dims", x, 3, "dims = 3"},
		{"one point", tensor.FromSlice(1, 2, []float32{1, 2}), 1, "at least 2 points"},
		{"NaN", nan, 1, "point 0, coordinate 1 is NaN"},
	}
	for _, tc := range tests {
		_, err := PCA(tc.x, tc.dims)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
