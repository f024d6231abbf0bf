package embed

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// blobs returns per-class Gaussian clusters (σ = 1) whose centres are far
// apart, in d dimensions.
func blobs(classes, per, d int, sep float64, seed uint64) (*tensor.Mat, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float64, classes)
	for c := range centres {
		centres[c] = make([]float64, d)
		for j := range centres[c] {
			centres[c][j] = sep * rng.NormFloat64()
		}
	}
	x := tensor.New(classes*per, d)
	labels := make([]int, classes*per)
	for i := range labels {
		c := i % classes
		labels[i] = c
		for j := 0; j < d; j++ {
			x.Set(i, j, float32(centres[c][j]+rng.NormFloat64()))
		}
	}
	return x, labels
}

// noisyCircle returns n points on a unit circle (angle θ_i = 2πi/n) in the
// first two of d coordinates, rotated at random into all d, plus noise.
func noisyCircle(n, d int, noise float64, seed uint64) (*tensor.Mat, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	// Two random orthonormal directions.
	u, v := make([]float64, d), make([]float64, d)
	for j := range u {
		u[j], v[j] = rng.NormFloat64(), rng.NormFloat64()
	}
	norm := func(a []float64) {
		var s float64
		for _, t := range a {
			s += t * t
		}
		for j := range a {
			a[j] /= math.Sqrt(s)
		}
	}
	norm(u)
	var uv float64
	for j := range u {
		uv += u[j] * v[j]
	}
	for j := range v {
		v[j] -= uv * u[j]
	}
	norm(v)
	x := tensor.New(n, d)
	theta := make([]float64, n)
	for i := 0; i < n; i++ {
		theta[i] = 2 * math.Pi * float64(i) / float64(n)
		c, s := math.Cos(theta[i]), math.Sin(theta[i])
		for j := 0; j < d; j++ {
			x.Set(i, j, float32(c*u[j]+s*v[j]+noise*rng.NormFloat64()))
		}
	}
	return x, theta
}

func TestUMAPBlobs(t *testing.T) {
	x, labels := blobs(5, 100, 20, 10, 1)
	res, err := UMAP(x, UMAPOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	acc := KNNAccuracy(res.Y, labels, 10)
	t.Logf("blobs: init %s, knn %s, a=%.4f b=%.4f, 10-NN accuracy %.4f", res.Init, res.KNNMethod, res.A, res.B, acc)
	if acc < 0.99 {
		t.Errorf("10-NN label accuracy %.4f < 0.99", acc)
	}
}
