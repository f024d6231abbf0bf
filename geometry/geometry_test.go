package geometry

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

func approx(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func mat(rows [][]float32) *tensor.Mat {
	m := tensor.New(len(rows), len(rows[0]))
	for i, r := range rows {
		copy(m.Row(i), r)
	}
	return m
}

// randomSet returns n points in d dimensions with c classes.
func randomSet(n, d, c int, seed uint64) (*tensor.Mat, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := tensor.New(n, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y := make([]int, n)
	for i := range y {
		y[i] = i % c
	}
	return x, y
}

// orthonormal returns a d×e matrix (d ≤ e) with orthonormal rows (nn's
// orthogonal initialisation): x·Q is an isometric embedding of R^d in R^e.
func orthonormal(d, e int, seed uint64) [][]float64 {
	l := nn.NewLinear("q", e, d)
	l.Reset(nn.InitOrthogonal, rand.New(rand.NewPCG(seed, 2)))
	q := make([][]float64, d)
	for i := range q {
		q[i] = make([]float64, e)
		for k := range q[i] {
			q[i][k] = float64(l.W.Data[i*e+k])
		}
	}
	return q
}

// transform returns scale·x·Q in float64 arithmetic, rounded to float32.
func transform(x *tensor.Mat, q [][]float64, scale float64) *tensor.Mat {
	e := len(q[0])
	out := tensor.New(x.Rows, e)
	for i := 0; i < x.Rows; i++ {
		for k := 0; k < e; k++ {
			var s float64
			for j, v := range x.Row(i) {
				s += float64(v) * q[j][k]
			}
			out.Set(i, k, float32(scale*s))
		}
	}
	return out
}

// TestIsometry: a rotation (and an isometric embedding into more
// dimensions) preserves every distance: r = 1, |ΔD| = 0, stress 0 and all
// Lipschitz ratios 1, within and between classes. Scaling by 2 gives
// Lipschitz 2 exactly, r = 1 and stress 1 (K = 1), and |ΔD| = 0 again with
// K = 1/2. Tolerances cover float32 rounding of the transformed points.
func TestIsometry(t *testing.T) {
	x, y := randomSet(300, 3, 3, 1)
	cases := []struct {
		name                string
		e                   int
		scale, k            float64
		r, mad, stress, lip float64 // want; mad < 0: mean D_in (scale 2, K 1)
	}{
		{"rotation", 3, 1, 1, 1, 0, 0, 1},
		{"embedding 3→7", 7, 1, 1, 1, 0, 0, 1},
		{"scale 2, K 1", 3, 2, 1, 1, -1, 1, 2},
		{"scale 2, K 1/2", 5, 2, 0.5, 1, 0, 0, 2},
	}
	const tol = 1e-5
	for _, c := range cases {
		phi := transform(x, orthonormal(3, c.e, 7), c.scale)
		res, err := Analyze(x, phi, y, Options{K: c.k, Neighbors: 10, Seed: 3})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var ags []iso.Agreement
		for _, w := range res.Within {
			ags = append(ags, w.Agreement)
		}
		for _, b := range res.Between {
			ags = append(ags, b.Agreement)
		}
		ags = append(ags, res.WithinAll, res.BetweenAll)
		if len(res.Within) != 3 || len(res.Between) != 3 {
			t.Fatalf("%s: %d within, %d between groups, want 3 and 3", c.name, len(res.Within), len(res.Between))
		}
		for i, a := range ags {
			mad := c.mad
			if mad < 0 { // |2d − d| = d: the mean input distance
				var s float64
				din := allDIn(res, i)
				for _, v := range din {
					s += v
				}
				mad = s / float64(len(din))
			}
			if !approx(a.Pearson, c.r, tol) || !approx(a.MeanAbsDiff, mad, tol) || !approx(a.Stress, c.stress, tol) {
				t.Errorf("%s: group %d: r %.8f |ΔD| %.8g stress %.8g, want %g %g %g", c.name, i, a.Pearson, a.MeanAbsDiff, a.Stress, c.r, mad, c.stress)
			}
		}
		l := res.Lipschitz
		if l.Pairs != 300*10 || l.Points != 300 || l.Neighbors != 10 {
			t.Errorf("%s: Lipschitz over %d points, %d pairs, k %d; want 300, 3000, 10", c.name, l.Points, l.Pairs, l.Neighbors)
		}
		for _, v := range []float64{l.Max, l.Mean, l.P50, l.P90, l.P99} {
			if !approx(v, c.lip, tol) {
				t.Errorf("%s: Lipschitz %+v, want all %g", c.name, l, c.lip)
				break
			}
		}
		lo, hi := slices.Min(l.Ratios), slices.Max(l.Ratios)
		if !approx(lo, c.lip, tol) || !approx(hi, c.lip, tol) {
			t.Errorf("%s: Lipschitz ratios in [%g, %g], want all %g", c.name, lo, hi, c.lip)
		}
	}
}

// allDIn returns the input distances of agreement group i in the order
// TestIsometry lists them: within classes, between class pairs, all within,
// all between.
func allDIn(r *Result, i int) []float64 {
	nw, nb := len(r.Within), len(r.Between)
	var out []float64
	switch {
	case i < nw:
		return r.Within[i].DIn
	case i < nw+nb:
		return r.Between[i-nw].DIn
	case i == nw+nb:
		for _, w := range r.Within {
			out = append(out, w.DIn...)
		}
	default:
		for _, b := range r.Between {
			out = append(out, b.DIn...)
		}
	}
	return out
}

// TestHandComputed checks a five-point 1-D case worked out on paper.
//
// Class 0: x = 0, 1, 3 ↦ φ = 0, 2, 3. Pairs (0,1), (0,2), (1,2):
// D_in = 1, 3, 2 and D_rep = 2, 3, 1, so both have mean 2 and deviations
// (−1, 1, 0) and (0, 1, −1): r = 1/√(2·2) = 0.5, mean |ΔD| = 2/3,
// stress = √(2/14).
// Class 1: x = 10, 11 ↦ φ = 10, 13: one pair, D_in 1, D_rep 3.
// Between: D_in = 10, 11, 9, 10, 7, 8 and D_rep = 10, 13, 8, 11, 7, 10;
// in sixths the deviations are (5, 11, −1, 5, −13, −7) and
// (1, 19, −11, 7, −17, 1): r = 474/√(390·822); mean |ΔD| = 6/6;
// stress = √(10/515).
func TestHandComputed(t *testing.T) {
	x := mat([][]float32{{0}, {1}, {3}, {10}, {11}})
	phi := mat([][]float32{{0}, {2}, {3}, {10}, {13}})
	y := []int{0, 0, 0, 1, 1}
	res, err := Analyze(x, phi, y, Options{Neighbors: 1})
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-12
	w := res.Within[0]
	if !slices.Equal(w.DIn, []float64{1, 3, 2}) || !slices.Equal(w.DRep, []float64{2, 3, 1}) {
		t.Errorf("class 0 distances %v %v", w.DIn, w.DRep)
	}
	if !approx(w.Pearson, 0.5, tol) || !approx(w.MeanAbsDiff, 2.0/3, tol) || !approx(w.Stress, math.Sqrt(2.0/14), tol) {
		t.Errorf("class 0: %+v", w.Agreement)
	}
	if res.Within[1].MeanAbsDiff != 2 || res.Within[1].Pairs != 1 {
		t.Errorf("class 1: %+v", res.Within[1].Agreement)
	}
	if len(res.Between) != 1 {
		t.Fatalf("%d between groups", len(res.Between))
	}
	b := res.Between[0]
	if b.ClassA != 0 || b.ClassB != 1 || b.NA != 3 || b.NB != 2 {
		t.Errorf("between group %+v", b)
	}
	if !slices.Equal(b.DIn, []float64{10, 11, 9, 10, 7, 8}) || !slices.Equal(b.DRep, []float64{10, 13, 8, 11, 7, 10}) {
		t.Errorf("between distances %v %v", b.DIn, b.DRep)
	}
	if !approx(b.Pearson, 474/math.Sqrt(390*822), tol) || !approx(b.MeanAbsDiff, 1, tol) || !approx(b.Stress, math.Sqrt(10.0/515), tol) {
		t.Errorf("between: %+v", b.Agreement)
	}
}

// TestLipschitzHand: x = 0, 1, 3 ↦ φ = 0, 2, 3. With k = 1 the nearest
// neighbours are 0→1, 1→0, 3→1, ratios 2, 2, 1/2. With k = 2 every ordered
// pair counts: 2, 1, 2, 1/2, 1/2, 1, sorted 1/2, 1/2, 1, 1, 2, 2, whose
// median (rank 2.5) is 1 and 90% quantile (rank 4.5) is 2.
func TestLipschitzHand(t *testing.T) {
	x := mat([][]float32{{0}, {1}, {3}})
	phi := mat([][]float32{{0}, {2}, {3}})
	cases := []struct {
		k                        int
		ratios                   []float64
		max, mean, p50, p90, p99 float64
	}{
		{1, []float64{2, 2, 0.5}, 2, 1.5, 2, 2, 2},
		{2, []float64{2, 1, 2, 0.5, 0.5, 1}, 2, 7.0 / 6, 1, 2, 2},
	}
	for _, c := range cases {
		l := LocalLipschitz(x, phi, c.k, 0, 0)
		if !slices.Equal(l.Ratios, c.ratios) {
			t.Errorf("k=%d: ratios %v, want %v", c.k, l.Ratios, c.ratios)
		}
		got := []float64{l.Max, l.Mean, l.P50, l.P90, l.P99}
		want := []float64{c.max, c.mean, c.p50, c.p90, c.p99}
		for i := range got {
			if !approx(got[i], want[i], 1e-12) {
				t.Errorf("k=%d: max/mean/p50/p90/p99 %v, want %v", c.k, got, want)
				break
			}
		}
	}
	// A duplicate input point has no ratio: it is skipped, not infinite.
	xd := mat([][]float32{{0}, {0}, {1}})
	l := LocalLipschitz(xd, mat([][]float32{{0}, {1}, {1}}), 1, 0, 0)
	if l.Pairs != 1 || l.Max != 1 {
		t.Errorf("duplicates: %d pairs, max %g; want 1 pair (2→0, the tie with 1 broken by index: ratio 1)", l.Pairs, l.Max)
	}
}

func TestQuantile(t *testing.T) {
	s := []float64{1, 2, 4, 8}
	cases := []struct{ q, want float64 }{
		{0, 1}, {1, 8}, {0.5, 3}, {1.0 / 3, 2}, {0.9, 4 + 0.7*4}, {0.99, 4 + 0.97*4},
	}
	for _, c := range cases {
		if got := Quantile(s, c.q); !approx(got, c.want, 1e-12) {
			t.Errorf("Quantile(%v, %g) = %g, want %g", s, c.q, got, c.want)
		}
	}
	if Quantile([]float64{5}, 0.99) != 5 {
		t.Error("quantile of one value")
	}
}

// TestNearest: the GEMM ranking of wide data and the exact ranking of
// narrow data both find the neighbours a sort of all exact distances finds.
func TestNearest(t *testing.T) {
	for _, d := range []int{3, 40} {
		x, _ := randomSet(200, d, 1, uint64(d))
		anchors := []int{0, 5, 17, 199}
		const k = 7
		got := nearest(x, anchors, k)
		for t2, i := range anchors {
			var js []int
			for j := 0; j < x.Rows; j++ {
				if j != i {
					js = append(js, j)
				}
			}
			slices.SortFunc(js, func(a, b int) int {
				da, db := tensor.SqDist(x.Row(i), x.Row(a)), tensor.SqDist(x.Row(i), x.Row(b))
				switch {
				case da < db:
					return -1
				case da > db:
					return 1
				}
				return a - b
			})
			if !slices.Equal(got[t2*k:(t2+1)*k], js[:k]) {
				t.Errorf("d=%d, point %d: neighbours %v, want %v", d, i, got[t2*k:(t2+1)*k], js[:k])
			}
		}
	}
}

// TestSubsampling: MaxPoints and MaxBetweenPairs bound the work, and the
// same seed gives the same result.
func TestSubsampling(t *testing.T) {
	x, y := randomSet(150, 4, 3, 9)
	phi := transform(x, orthonormal(4, 4, 1), 1.5)
	o := Options{MaxBetweenPairs: 300, MaxPoints: 40, MaxPerClass: 20, Seed: 5}
	r1, err := Analyze(x, phi, y, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range r1.Between {
		if b.NA != 10 || b.NB != 10 || b.Pairs != 100 {
			t.Errorf("between %d–%d: %d×%d points, %d pairs; want 10×10 (√(300/3))", b.ClassA, b.ClassB, b.NA, b.NB, b.Pairs)
		}
	}
	for _, w := range r1.Within {
		if w.N != 20 || w.Pairs != 190 {
			t.Errorf("class %d: %d points, %d pairs; want 20, 190", w.Class, w.N, w.Pairs)
		}
	}
	if r1.Lipschitz.Points != 40 || r1.Lipschitz.Pairs != 400 || !approx(r1.Lipschitz.Max, 1.5, 1e-5) {
		t.Errorf("Lipschitz %+v", r1.Lipschitz)
	}
	r2, _ := Analyze(x, phi, y, o)
	if !slices.Equal(r1.Lipschitz.Ratios, r2.Lipschitz.Ratios) || !slices.Equal(r1.Between[1].DIn, r2.Between[1].DIn) {
		t.Error("same seed, different subsample")
	}
	o.Seed = 6
	r3, _ := Analyze(x, phi, y, o)
	if slices.Equal(r1.Between[1].DIn, r3.Between[1].DIn) {
		t.Error("seeds 5 and 6 drew the same between-class subsample")
	}
}

func TestAnalyzeErrors(t *testing.T) {
	x, y := randomSet(10, 2, 2, 1)
	for _, o := range []Options{{Neighbors: 10}, {Neighbors: 11}, {Neighbors: -1}, {K: -1}, {K: math.Inf(1)}} {
		if _, err := Analyze(x, x, y, o); err == nil {
			t.Errorf("options %+v accepted on 10 points", o)
		}
	}
	if _, err := Analyze(x, x, y, Options{Neighbors: 9}); err != nil {
		t.Errorf("9 neighbours of 10 points: %v", err)
	}
}

// TestAnalyzeLayer: AnalyzeLayer analyses the layer the model gives (see
// model.Model.Representation) against the set's labels.
func TestAnalyzeLayer(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := model.Config{Classes: []int{2}, Blocks: []model.Block{
		{Sizes: []int{3, 5, 4, 2}, Activation: "tanh", Train: train.Defaults(3)},
		{Sizes: []int{5, 6, 2}, Activation: "tanh", InputLayer: 1, Train: train.Defaults(2)},
	}}
	m, err := model.Build(cfg, func(_ int, net *nn.MLP) {
		for _, l := range net.Layers {
			l.Reset(nn.InitPyTorch, rng)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	set := data.Rings(20, 0.01, 1)
	res, err := AnalyzeLayer(m, set, 2, Options{Neighbors: 5})
	if err != nil || res.Points != 40 || len(res.Within) != 2 {
		t.Errorf("AnalyzeLayer: %v, %+v", err, res)
	}
	if _, err := AnalyzeLayer(m, set, 3, Options{Neighbors: 5}); err == nil || err.Error() != "layer 3 out of range 0..2 (0 = input, 2 = logits)" {
		t.Errorf("layer 3: %v", err)
	}
}

// BenchmarkAnalyzeMNISTSize analyses 10000 points of 784 features against a
// 100-wide representation with the default options (the cost of `isonet
// geometry` on the MNIST test set).
func BenchmarkAnalyzeMNISTSize(b *testing.B) {
	x, y := randomSet(10000, 784, 10, 1)
	phi, _ := randomSet(10000, 100, 10, 2)
	for b.Loop() {
		if _, err := Analyze(x, phi, y, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
