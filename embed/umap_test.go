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
		name   string
		sep    float64
		nparts int
		init   string
	}{
		{"far apart", 10, 1, InitComponents}, // separate neighbour graphs
		{"closer", 1.3, 1, InitSpectral},     // one graph, still separable
		{"far apart, SGD in 4 parts", 10, 4, InitComponents},
		{"closer, SGD in 4 parts", 1.3, 4, InitSpectral},
		{"closer, in 3-D", 1.3, 1, InitSpectral},
	} {
		x, labels := blobs(5, 100, 20, tc.sep, 1)
		dims := 2
		if strings.HasSuffix(tc.name, "3-D") {
			dims = 3
		}
		res, err := umap(x, UMAPOptions{Seed: 7, Dims: dims}, tc.nparts)
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
		if res.Y.Rows != 500 || res.Y.Cols != dims || res.Epochs != 500 || res.KNNMethod != KNNExact {
			t.Errorf("%s: %d×%d, %d epochs, %s", tc.name, res.Y.Rows, res.Y.Cols, res.Epochs, res.KNNMethod)
		}
	}
}

func TestUMAPCircle(t *testing.T) {
	// Noise of σ = 0.01 per coordinate (≈ 0.03 in norm, one step 2π/n
	// along the circle).
	const n = 200
	x0, theta0 := noisyCircle(n, 10, 0.01, 3)
	for _, tc := range []struct {
		name     string
		shuffled bool // rows in random order, not around the circle
		nparts   int
	}{{"in order", false, 1}, {"shuffled", true, 1}, {"SGD in 4 parts", true, 4}} {
		x, theta := x0, theta0
		if tc.shuffled {
			perm := rand.New(rand.NewPCG(4, 4)).Perm(n)
			x = tensor.Gather(nil, x0, perm)
			theta = make([]float64, n)
			for r, i := range perm {
				theta[r] = theta0[i]
			}
		}
		res, err := umap(x, UMAPOptions{Seed: 5}, tc.nparts)
		if err != nil {
			t.Fatal(err)
		}
		checkLoop(t, tc.name, res, theta)
	}
}

// checkLoop checks that the embedding of points at angles theta on a circle
// is a loop in the same order.
func checkLoop(t *testing.T, name string, res *UMAPResult, theta []float64) {
	t.Helper()
	y, n := res.Y, len(theta)
	// Each point's two nearest embedded neighbours should be near it on
	// the circle: within 3 steps of 2π/n.
	idx, _ := KNN(y, 2, 0, 1)
	near := 0
	for i, nb := range idx {
		ok := true
		for _, j := range nb {
			d := math.Abs(theta[i] - theta[j])
			d = min(d, 2*math.Pi-d)
			if d > 3*2*math.Pi/float64(n)+1e-9 {
				ok = false
			}
		}
		if ok {
			near++
		}
	}
	frac := float64(near) / float64(n)
	// A loop, not an arc: walking the circle in order, the embedded points
	// wind once around their centroid, and no step is a jump (a torn loop
	// has one step as long as the arc's width).
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case theta[a] < theta[b]:
			return -1
		case theta[a] > theta[b]:
			return 1
		}
		return 0
	})
	var cx, cy float64
	for i := 0; i < n; i++ {
		cx += float64(y.At(i, 0)) / float64(n)
		cy += float64(y.At(i, 1)) / float64(n)
	}
	var wind float64
	steps := make([]float64, n)
	for s := 0; s < n; s++ {
		i, j := order[s], order[(s+1)%n]
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
		steps[s] = math.Hypot(float64(y.At(j, 0)-y.At(i, 0)), float64(y.At(j, 1)-y.At(i, 1)))
	}
	wind /= 2 * math.Pi
	sorted := slices.Clone(steps)
	slices.Sort(sorted)
	median, longest := sorted[n/2], sorted[n-1]
	t.Logf("circle, %s: init %s; %.3f of points have both embedded 2-NN within 3 steps on the circle; winding %.3f; longest step %.2f × median",
		name, res.Init, frac, wind, longest/median)
	if frac < 0.97 {
		t.Errorf("%s: only %.3f of points have their two embedded nearest neighbours near them on the circle", name, frac)
	}
	if math.Abs(math.Abs(wind)-1) > 0.01 {
		t.Errorf("%s: winding number %.3f, want ±1", name, wind)
	}
	if longest > 10*median {
		t.Errorf("%s: longest step %.3f is %.1f × the median: the loop is torn", name, longest, longest/median)
	}
}

func TestUMAPDeterministic(t *testing.T) {
	// 600 points in one connected graph: the Lanczos eigensolver runs.
	x, _ := blobs(3, 200, 10, 1.3, 8)
	run := func(seed uint64, workers, nparts int) *UMAPResult {
		res, err := umap(x, UMAPOptions{Seed: seed, Workers: workers, Epochs: 60}, nparts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a := run(1, 1, 1)
	if a.Init != InitSpectral {
		t.Fatalf("init %q, want spectral", a.Init)
	}
	if !slices.Equal(a.Y.Data, run(1, 1, 1).Y.Data) {
		t.Error("same seed, same workers: embeddings differ")
	}
	if !slices.Equal(a.Y.Data, run(1, 3, 1).Y.Data) {
		t.Error("same seed, 1 vs 3 workers: embeddings differ")
	}
	if slices.Equal(a.Y.Data, run(2, 1, 1).Y.Data) {
		t.Error("different seeds: identical embeddings")
	}
	// SGD in parts (as for large data): still independent of the workers.
	p := run(1, 1, 4)
	for _, w := range []int{2, 3, 4, 8} {
		if !slices.Equal(p.Y.Data, run(1, w, 4).Y.Data) {
			t.Errorf("SGD in 4 parts, 1 vs %d workers: embeddings differ", w)
		}
	}
}

func TestLayoutPartition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sep    float64
		nparts int
	}{{"connected", 1.3, 4}, {"connected", 1.3, 2}, {"5 components", 10, 4}, {"one part", 1.3, 1}} {
		x, _ := blobs(5, 100, 20, tc.sep, 1)
		idx, dist := KNN(x, 14, 1, 2)
		sigma, rho := smoothKNN(dist, 15, 2)
		g := fuzzyGraph(idx, dist, sigma, rho)
		y, _ := PCA(x, 2) // stands in for an initial layout
		yf := make([]float64, len(y.Data))
		for i, v := range y.Data {
			yf[i] = float64(v)
		}
		l := newLayout(g, 2, yf, tc.nparts)
		// part of an internal number, from the consecutive ranges.
		part := func(r int32) int32 {
			for q := 0; q < tc.nparts; q++ {
				if int(r) < l.parts[q+1] {
					return int32(q)
				}
			}
			t.Fatalf("%s: number %d beyond the parts %v", tc.name, r, l.parts)
			return -1
		}
		size := make([]int, tc.nparts)
		for q := range size {
			size[q] = l.parts[q+1] - l.parts[q]
		}
		if !slices.Equal(slices.Sorted(slices.Values(l.order)), idxRange(g.n)) {
			t.Fatalf("%s: the renumbering is not a permutation", tc.name)
		}
		// Every edge once, in its group.
		if len(l.head) != g.nnz() || len(l.groups) != tc.nparts+2 || l.groups[tc.nparts+1] != g.nnz() {
			t.Fatalf("%s: %d edges in groups %v, want %d", tc.name, len(l.head), l.groups, g.nnz())
		}
		seen := map[[2]int32]bool{}
		for grp := 0; grp <= tc.nparts; grp++ {
			for e := l.groups[grp]; e < l.groups[grp+1]; e++ {
				h, tl := l.head[e], l.tail[e]
				seen[[2]int32{l.order[h], l.order[tl]}] = true
				within := part(h) == part(tl)
				if (grp < tc.nparts && (!within || part(h) != int32(grp))) || (grp == tc.nparts && within) {
					t.Fatalf("%s: edge %d→%d (parts %d, %d) in group %d", tc.name, h, tl, part(h), part(tl), grp)
				}
			}
		}
		for i := 0; i < g.n; i++ {
			for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
				if !seen[[2]int32{int32(i), g.col[p]}] {
					t.Fatalf("%s: edge %d→%d missing", tc.name, i, g.col[p])
				}
			}
		}
		if len(seen) != g.nnz() {
			t.Errorf("%s: %d distinct edges, want %d", tc.name, len(seen), g.nnz())
		}
		between := l.groups[tc.nparts+1] - l.groups[tc.nparts]
		t.Logf("%s, %d parts: sizes %v, %d of %d edges between parts", tc.name, tc.nparts, size, between, g.nnz())
		if tc.name == "5 components" && between != 0 {
			t.Errorf("%s: %d edges between parts, want 0", tc.name, between)
		}
		if tc.name == "connected" && (slices.Max(size)-slices.Min(size) > 1 || between > g.nnz()/4) {
			t.Errorf("%s: part sizes %v, %d edges between parts", tc.name, size, between)
		}
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

func TestUMAPDuplicates(t *testing.T) {
	// 60 copies of one point, and two clusters of exact duplicates: no NaN,
	// and the two clusters stay apart.
	same := tensor.New(60, 5)
	two := tensor.New(60, 5)
	labels := make([]int, 60)
	for i := 0; i < 60; i++ {
		if i%2 == 1 {
			labels[i] = 1
			for j := 0; j < 5; j++ {
				two.Set(i, j, 3)
			}
		}
	}
	for _, tc := range []struct {
		name string
		x    *tensor.Mat
	}{{"one point", same}, {"two points", two}} {
		res, err := UMAP(tc.x, UMAPOptions{Seed: 1, Neighbors: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Y.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s: non-finite coordinate", tc.name)
			}
		}
		if tc.name == "two points" {
			if acc := KNNAccuracy(res.Y, labels, 5); acc != 1 {
				t.Errorf("%s: 5-NN accuracy %.3f, want 1 (init %s)", tc.name, acc, res.Init)
			}
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

// idxRange is 0, 1, …, n−1.
func idxRange(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = int32(i)
	}
	return r
}

// TestUMAPTwoCircles: two circles far apart make a disconnected neighbour
// graph; each component is laid out spectrally, so each circle stays a loop
// (a random start would tear them into arcs).
func TestUMAPTwoCircles(t *testing.T) {
	const n = 200
	a, ta := noisyCircle(n, 10, 0.01, 3)
	b, tb := noisyCircle(n, 10, 0.01, 4)
	x := tensor.New(2*n, 10)
	copy(x.Data, a.Data)
	copy(x.Data[n*10:], b.Data)
	for i := n; i < 2*n; i++ {
		x.Row(i)[3] += 20 // far from the first circle
	}
	res, err := umap(x, UMAPOptions{Seed: 5, Neighbors: 40, MinDist: 0.25}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Init != InitComponents {
		t.Fatalf("init %q, want %q", res.Init, InitComponents)
	}
	for k, theta := range [][]float64{ta, tb} {
		part := &UMAPResult{Y: tensor.FromSlice(n, 2, res.Y.Data[k*n*2:(k+1)*n*2])}
		checkLoop(t, []string{"first circle", "second circle"}[k], part, theta)
	}
}
