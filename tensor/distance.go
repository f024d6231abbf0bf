package tensor

import "math"

// SqDist returns the squared Euclidean distance between a and b, which must
// have the same length: the sum over k of (a[k] − b[k])², each difference
// taken exactly in float64 and the squares added in float64 in order of k.
func SqDist(a, b []float32) float64 {
	var s float64
	for k, v := range a {
		d := float64(v) - float64(b[k])
		s += d * d
	}
	return s
}

// Distances returns the n×n matrix (row-major, n = x.Rows) of Euclidean
// distances between the rows of x in float64, math.Sqrt(SqDist(x_i, x_j)):
// exactly symmetric, with a zero diagonal.
func Distances(x *Mat) []float64 {
	n := x.Rows
	dist := make([]float64, n*n)
	for i := 0; i < n; i++ {
		xi := x.Row(i)
		for j := 0; j < i; j++ {
			s := math.Sqrt(SqDist(xi, x.Row(j)))
			dist[i*n+j], dist[j*n+i] = s, s
		}
	}
	return dist
}
