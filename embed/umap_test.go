package embed

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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
	for _, tc := range []struct {
		name string
		sep  float64
		init string
	}{
		{"far apart", 10, InitDisconnected}, // separate neighbour graphs
		{"closer", 1.3, InitSpectral},       // one graph, still separable
	} {
		x, labels := blobs(5, 100, 20, tc.sep, 1)
		res, err := UMAP(x, UMAPOptions{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		acc := KNNAccuracy(res.Y, labels, 10)
		t.Logf("%s: init %s, 10-NN label accuracy %.4f", tc.name, res.Init, acc)
		if acc < 0.99 {
			t.Errorf("%s: 10-NN label accuracy %.4f < 0.99", tc.name, acc)
		}
		if res.Init != tc.init {
			t.Errorf("%s: init %q, want %q", tc.name, res.Init, tc.init)
		}
		if res.Y.Rows != 500 || res.Y.Cols != 2 || res.Epochs != 500 || res.KNNMethod != KNNExact {
			t.Errorf("%s: %d×%d, %d epochs, %s", tc.name, res.Y.Rows, res.Y.Cols, res.Epochs, res.KNNMethod)
		}
	}
}

func TestUMAPCircle(t *testing.T) {
	// Noise of σ = 0.01 per coordinate (≈ 0.03 in norm, one step 2π/n
	// along the circle).
	const n = 200
	x, theta := noisyCircle(n, 10, 0.01, 3)
	res, err := UMAP(x, UMAPOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	y := res.Y
	// Each point's two nearest embedded neighbours should be near it on
	// the circle: within 3 steps of 2π/n.
	idx, _ := KNN(y, 2, 0, 1)
	near := 0
	for i, nb := range idx {
		ok := true
		for _, j := range nb {
			d := math.Abs(theta[i] - theta[j])
			d = min(d, 2*math.Pi-d)
			if d > 3*2*math.Pi/n+1e-9 {
				ok = false
			}
		}
		if ok {
			near++
		}
	}
	frac := float64(near) / n
	// A loop, not an arc: walking the circle in order, the embedded points
	// wind once around their centroid, and no step is a jump (a torn loop
	// has one step as long as the arc's width).
	var cx, cy float64
	for i := 0; i < n; i++ {
		cx += float64(y.At(i, 0)) / n
		cy += float64(y.At(i, 1)) / n
	}
	var wind float64
	steps := make([]float64, n)
	for i := 0; i < n; i++ {
		j := (i + 1) % n
		a0 := math.Atan2(float64(y.At(i, 1))-cy, float64(y.At(i, 0))-cx)
		a1 := math.Atan2(float64(y.At(j, 1))-cy, float64(y.At(j, 0))-cx)
		da := a1 - a0
		for da > math.Pi {
			da -= 2 * math.Pi
		}
		for da < -math.Pi {
			da += 2 * math.Pi
		}
		wind += da
		steps[i] = math.Hypot(float64(y.At(j, 0)-y.At(i, 0)), float64(y.At(j, 1)-y.At(i, 1)))
	}
	wind /= 2 * math.Pi
	sorted := slices.Clone(steps)
	slices.Sort(sorted)
	median, longest := sorted[n/2], sorted[n-1]
	t.Logf("circle: init %s; %.3f of points have both embedded 2-NN within 3 steps on the circle; winding %.3f; longest step %.3f × median", res.Init, frac, wind, longest/median)
	if frac < 0.97 {
		t.Errorf("only %.3f of points have their two embedded nearest neighbours near them on the circle", frac)
	}
	if math.Abs(math.Abs(wind)-1) > 0.01 {
		t.Errorf("winding number %.3f, want ±1", wind)
	}
	if longest > 10*median {
		t.Errorf("longest step %.3f is %.1f × the median: the loop is torn", longest, longest/median)
	}
}

func TestUMAPDeterministic(t *testing.T) {
	// 600 points in one connected graph: the Lanczos eigensolver runs.
	x, _ := blobs(3, 200, 10, 1.3, 8)
	run := func(seed uint64, workers int) *UMAPResult {
		res, err := UMAP(x, UMAPOptions{Seed: seed, Workers: workers, Epochs: 60})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c, d := run(1, 1), run(1, 1), run(1, 3), run(2, 1)
	if a.Init != InitSpectral {
		t.Fatalf("init %q, want spectral", a.Init)
	}
	if !slices.Equal(a.Y.Data, b.Y.Data) {
		t.Error("same seed, same workers: embeddings differ")
	}
	if !slices.Equal(a.Y.Data, c.Y.Data) {
		t.Error("same seed, 1 vs 3 workers: embeddings differ")
	}
	if slices.Equal(a.Y.Data, d.Y.Data) {
		t.Error("different seeds: identical embeddings")
	}
}

func TestUMAPErrors(t *testing.T) {
	x, _ := blobs(2, 10, 3, 5, 9)
	nan := x.Clone()
	nan.Set(4, 2, float32(math.NaN()))
	inf := x.Clone()
	inf.Set(0, 0, float32(math.Inf(-1)))
	tests := []struct {
		name string
		x    *tensor.Mat
		opt  UMAPOptions
		want string
	}{
		{"neighbours = n", x, UMAPOptions{Neighbors: 20}, "neighbors = 20, need fewer than the 20 points"},
		{"neighbours > n", x, UMAPOptions{Neighbors: 40}, "neighbors = 40"},
		{"one neighbour", x, UMAPOptions{Neighbors: 1}, "need at least 2"},
		{"negative dims", x, UMAPOptions{Dims: -1}, "dims = -1"},
		{"NaN", nan, UMAPOptions{}, "point 4, coordinate 2 is NaN"},
		{"Inf", inf, UMAPOptions{}, "point 0, coordinate 0 is -Inf"},
		{"one point", tensor.New(1, 3), UMAPOptions{}, "at least 2 points"},
		{"nil", nil, UMAPOptions{}, "at least 2 points"},
		{"no columns", tensor.New(5, 0), UMAPOptions{}, "no coordinates"},
		{"min-dist > spread", x, UMAPOptions{MinDist: 2}, "min-dist = 2"},
		{"negative min-dist", x, UMAPOptions{MinDist: -0.1}, "min-dist = -0.1"},
		{"negative spread", x, UMAPOptions{Spread: -1}, "spread = -1"},
		{"negative epochs", x, UMAPOptions{Epochs: -5}, "epochs = -5"},
		{"negative learning rate", x, UMAPOptions{LearningRate: -1}, "learning rate"},
		{"NaN negative rate", x, UMAPOptions{NegativeSampleRate: math.NaN()}, "negative sample rate"},
		{"negative repulsion", x, UMAPOptions{RepulsionStrength: -2}, "repulsion strength"},
	}
	for _, tc := range tests {
		res, err := UMAP(tc.x, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestUMAPSmall(t *testing.T) {
	// The smallest problems still work: 3 points, 2 neighbours, in 1-D, 2-D
	// and 3-D (3-D has too few points for a spectral layout).
	x := tensor.FromSlice(3, 2, []float32{0, 0, 1, 0, 5, 5})
	for _, tc := range []struct {
		dims int
		init string
	}{{1, InitSpectral}, {2, InitSpectral}, {3, InitTooFew}} {
		res, err := UMAP(x, UMAPOptions{Neighbors: 2, Dims: tc.dims, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Init != tc.init || res.Y.Rows != 3 || res.Y.Cols != tc.dims {
			t.Errorf("dims %d: init %q, %d×%d", tc.dims, res.Init, res.Y.Rows, res.Y.Cols)
		}
		for _, v := range res.Y.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("dims %d: non-finite coordinate", tc.dims)
			}
		}
	}
}
