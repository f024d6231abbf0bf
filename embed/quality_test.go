package embed

import (
	"math"
	"testing"

	"github.com/isonet/isonet/tensor"
)

func col(v ...float32) *tensor.Mat { return tensor.FromSlice(len(v), 1, v) }

func TestTrustworthiness(t *testing.T) {
	line := col(0, 1, 2, 3, 4, 5, 6, 7)
	tests := []struct {
		name string
		x, y *tensor.Mat
		k    int
		want float64
	}{
		{"identity", line, line, 2, 1},
		{"reflection", line, col(0, -1, -2, -3, -4, -5, -6, -7), 3, 1},
		// Point 0 moved past point 7. With k = 2 the false neighbours are
		// 7 and 6 for point 0 (input ranks 7, 6), 0 for point 7 (rank 7) and
		// 3 for point 1 (rank 3, after the tied 0 and 2): penalties
		// 5 + 4 + 5 + 1 = 15, T = 1 − 2·15/(8·2·(16 − 6 − 1)) = 1 − 30/144.
		// scikit-learn's trustworthiness gives the same 0.791667.
		{"moved point", line, col(7.5, 1, 2, 3, 4, 5, 6, 7), 2, 1 - 30.0/144},
	}
	for _, tc := range tests {
		if got := Trustworthiness(tc.x, tc.y, tc.k); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: Trustworthiness = %.9f, want %.9f", tc.name, got, tc.want)
		}
	}
	// An identity embedding of random high-dimensional data.
	x, _ := blobs(3, 40, 30, 2, 5)
	if got := Trustworthiness(x, x, 10); got != 1 {
		t.Errorf("identity on blobs: Trustworthiness = %v, want 1", got)
	}
}

func TestKNNAccuracy(t *testing.T) {
	// Points on a line, labels in runs: 0 0 0 1 1 1 0.
	y := col(0, 1, 2, 10, 11, 12, 20)
	labels := []int{0, 0, 0, 1, 1, 1, 0}
	tests := []struct {
		k    int
		want float64
	}{
		// k = 1: point 6 (at 20) sees point 5 (label 1): wrong; others right.
		{1, 6.0 / 7},
		// k = 2: point 2 sees 1, 0 (right); point 3 sees 4, 5 (right);
		// point 6 sees 5, 4: wrong. 6/7.
		{2, 6.0 / 7},
		// k = 4: point 0 sees 1, 2, 3, 4 → tie 2:2, nearest member label 0:
		// right. Point 3 sees 4, 5, 2, 1 → tie, nearest is 4 (label 1):
		// right. Point 6 sees 5, 4, 3, 2 → 1 wins: wrong. Point 2 sees 1, 0,
		// 3, 4 → tie, nearest 1 (label 0): right. 6/7.
		{4, 6.0 / 7},
		// k = 6: everyone sees all others. Label 0 points see 3 zeros and
		// 3 ones → tie, broken by the nearest member; point 6's nearest is
		// 5 (label 1): wrong; points 0–2: nearest is a 0: right. Label 1
		// points see 4 zeros and 2 ones: wrong. 3/7.
		{6, 3.0 / 7},
	}
	for _, tc := range tests {
		if got := KNNAccuracy(y, labels, tc.k); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("KNNAccuracy(k=%d) = %.6f, want %.6f", tc.k, got, tc.want)
		}
	}
}
