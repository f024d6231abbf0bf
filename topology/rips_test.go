package topology

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/tensor"
)

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// noisyCircle returns n points on the circle of radius r centred at (cx, cy)
// in the first two of dim coordinates, with Gaussian noise of standard
// deviation sigma added to every coordinate.
func noisyCircle(rng *rand.Rand, n, dim int, cx, cy, r, sigma float64) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		th := 2 * math.Pi * rng.Float64()
		p := make([]float64, dim)
		p[0], p[1] = cx+r*math.Cos(th), cy+r*math.Sin(th)
		for k := range p {
			p[k] += sigma * rng.NormFloat64()
		}
		pts[i] = p
	}
	return pts
}

// uniformDisk returns n points uniform in the disk of radius r.
func uniformDisk(rng *rand.Rand, n int, r float64) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		for {
			x, y := 2*rng.Float64()-1, 2*rng.Float64()-1
			if x*x+y*y <= 1 {
				pts[i] = []float64{r * x, r * y}
				break
			}
		}
	}
	return pts
}

func toMat(pts [][]float64) *tensor.Mat {
	m := tensor.New(len(pts), len(pts[0]))
	for i, p := range pts {
		for k, v := range p {
			m.Set(i, k, float32(v))
		}
	}
	return m
}

// distances returns the Euclidean distance matrix of the points as the
// float32 values RipsPoints sees.
func distances(pts [][]float64) [][]float64 {
	n := len(pts)
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
	}
	for i := range pts {
		for j := 0; j < i; j++ {
			var s float64
			for k := range pts[i] {
				x := float64(float32(pts[i][k])) - float64(float32(pts[j][k]))
				s += x * x
			}
			d[i][j], d[j][i] = math.Sqrt(s), math.Sqrt(s)
		}
	}
	return d
}

func persistences(bars []Bar) []float64 {
	p := make([]float64, len(bars))
	for k, b := range LongestBars(bars, len(bars)) {
		p[k] = b.Persistence()
	}
	return p
}

func finiteDeaths(bars []Bar) []float64 {
	var d []float64
	for _, b := range bars {
		if !math.IsInf(b.Death, 1) {
			d = append(d, b.Death)
		}
	}
	slices.Sort(d)
	return d
}

func countInf(bars []Bar) int {
	k := 0
	for _, b := range bars {
		if math.IsInf(b.Death, 1) {
			k++
		}
	}
	return k
}

// TestRipsShapes checks the acceptance cases of issue 9: a circle has one
// long loop, two circles two, a filled disk none; H0 of a connected cloud
// has exactly one essential bar.
func TestRipsShapes(t *testing.T) {
	rng := newRand(1)
	circle := noisyCircle(rng, 100, 2, 0, 0, 1, 0.05)
	two := append(noisyCircle(rng, 80, 2, 0, 0, 1, 0.03), noisyCircle(rng, 80, 2, 4, 0, 0.7, 0.03)...)
	disk := uniformDisk(rng, 300, 1)
	tests := []struct {
		name string
		pts  [][]float64
		long int // H1 bars with persistence > minLong
		// minLong is a long bar's least persistence; maxShort bounds all
		// the others.
		minLong, maxShort float64
	}{
		// A unit circle's loop lives from the sample spacing until the
		// inscribed equilateral triangle fills it (side √3).
		{"circle", circle, 1, 1.2, 0.15},
		{"two circles", two, 2, 0.7, 0.15},
		{"disk", disk, 0, 0, 0.15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dg, err := RipsPoints(toMat(tc.pts), Options{MaxDim: 1})
			if err != nil {
				t.Fatal(err)
			}
			p := persistences(dg.H1)
			t.Logf("%d H1 bars, longest persistences %.3g", len(p), p[:min(4, len(p))])
			for k, v := range p {
				if k < tc.long && v < tc.minLong {
					t.Errorf("bar %d persistence %.3g, want > %g", k, v, tc.minLong)
				}
				if k >= tc.long && v > tc.maxShort {
					t.Errorf("bar %d persistence %.3g, want ≤ %g", k, v, tc.maxShort)
				}
			}
			if len(p) < tc.long {
				t.Errorf("%d H1 bars, want ≥ %d", len(p), tc.long)
			}
			if got := countInf(dg.H0); got != 1 {
				t.Errorf("%d essential H0 bars, want 1", got)
			}
			if len(dg.H0) != len(tc.pts) {
				t.Errorf("%d H0 bars, want one per point (%d)", len(dg.H0), len(tc.pts))
			}
			if got := countInf(dg.H1); got != 0 {
				t.Errorf("%d essential H1 bars at the enclosing radius, want 0", got)
			}
		})
	}
}

// TestCircleDeathNearInscribedTriangle: for points densely on a unit circle,
// the loop dies when the Rips complex fills it, at the side √3 of the
// inscribed equilateral triangle (Adamaszek–Adams); with n evenly spaced
// points the death is the longest chord spanning at most n/3 steps.
func TestCircleDeathNearInscribedTriangle(t *testing.T) {
	for _, n := range []int{12, 30, 31, 32} {
		pts := make([][]float64, n)
		for i := range pts {
			th := 2 * math.Pi * float64(i) / float64(n)
			pts[i] = []float64{math.Cos(th), math.Sin(th)}
		}
		d := distances(pts)
		dg, err := RipsDistances(d, Options{MaxDim: 1})
		if err != nil {
			t.Fatal(err)
		}
		long := LongestBars(dg.H1, 1)
		if len(long) != 1 {
			t.Fatalf("n=%d: no H1 bar", n)
		}
		// Born at the side, 2 sin(π/n); dies at the chord of ⌈n/3⌉ steps
		// (the first length at which some triangle wraps the circle).
		step := (n + 2) / 3
		wantBirth, wantDeath := d[0][1], d[0][step]
		if math.Abs(long[0].Birth-wantBirth) > 1e-6 || math.Abs(long[0].Death-wantDeath) > 1e-6 {
			t.Errorf("n=%d: longest bar %v, want [%.6g, %.6g)", n, long[0], wantBirth, wantDeath)
		}
	}
}

// TestH0SingleLinkage compares the finite H0 deaths with the merge heights of
// single linkage computed two independent ways: Prim's algorithm
// (SingleLinkageHeights) and naive agglomerative clustering in the test.
func TestH0SingleLinkage(t *testing.T) {
	rng := newRand(2)
	for trial, n := range []int{1, 2, 5, 40, 120} {
		pts := make([][]float64, n)
		for i := range pts {
			pts[i] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		}
		d := distances(pts)
		want := naiveSingleLinkage(d)
		prim := SingleLinkageHeights(d)
		dg, err := RipsPoints(toMat(pts), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := finiteDeaths(dg.H0)
		if !slices.Equal(prim, want) {
			t.Errorf("trial %d: Prim %v, naive %v", trial, prim, want)
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d finite H0 bars, want %d", trial, len(got), len(want))
		}
		for k := range got {
			if math.Abs(got[k]-want[k]) > 1e-12 {
				t.Errorf("trial %d: death %d = %v, want %v", trial, k, got[k], want[k])
			}
		}
		if dg.H1 != nil {
			t.Errorf("MaxDim 0 computed H1: %v", dg.H1)
		}
	}
}

// TestH0Threshold: below the threshold the finite deaths are the merge
// heights that are ≤ the threshold, and every other merge is an essential
// bar.
func TestH0Threshold(t *testing.T) {
	rng := newRand(3)
	pts := append(noisyCircle(rng, 30, 2, 0, 0, 1, 0.02), noisyCircle(rng, 30, 2, 10, 0, 1, 0.02)...)
	d := distances(pts)
	heights := SingleLinkageHeights(d)
	thr := heights[len(heights)/2]
	dg, err := RipsDistances(d, Options{MaxDim: 1, Threshold: thr})
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	for _, h := range heights {
		if h <= thr {
			want = append(want, h)
		}
	}
	if got := finiteDeaths(dg.H0); !slices.Equal(got, want) {
		t.Errorf("finite deaths %v, want %v", got, want)
	}
	if got, want := countInf(dg.H0), len(pts)-len(want); got != want {
		t.Errorf("%d essential H0 bars, want %d", got, want)
	}
	// The two circles are 8 apart: the default threshold joins them.
	dg, err = RipsDistances(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := countInf(dg.H0); got != 1 {
		t.Errorf("default threshold: %d essential H0 bars, want 1", got)
	}
	if got := finiteDeaths(dg.H0); got[len(got)-1] < 7 {
		t.Errorf("largest merge %v, want ≈ 8", got[len(got)-1])
	}
}

// TestHandComputed checks small diagrams worked out by hand.
func TestHandComputed(t *testing.T) {
	s2, s3 := math.Sqrt2, math.Sqrt(3)
	inf := math.Inf(1)
	hexagon := make([][]float64, 6)
	for i := range hexagon {
		th := math.Pi * float64(i) / 3
		hexagon[i] = []float64{math.Cos(th), math.Sin(th)}
	}
	tests := []struct {
		name   string
		d      [][]float64
		opt    Options
		h0, h1 []Bar
		tol    float64
	}{
		{
			// Unit square: the loop appears with the sides and is filled
			// when the diagonals enter.
			name: "square",
			d:    [][]float64{{0, 1, s2, 1}, {1, 0, 1, s2}, {s2, 1, 0, 1}, {1, s2, 1, 0}},
			opt:  Options{MaxDim: 1},
			h0:   []Bar{{0, 1}, {0, 1}, {0, 1}, {0, inf}},
			h1:   []Bar{{1, s2}},
		},
		{
			name: "square below the diagonal",
			d:    [][]float64{{0, 1, s2, 1}, {1, 0, 1, s2}, {s2, 1, 0, 1}, {1, s2, 1, 0}},
			opt:  Options{MaxDim: 1, Threshold: 1.2},
			h0:   []Bar{{0, 1}, {0, 1}, {0, 1}, {0, inf}},
			h1:   []Bar{{1, inf}},
		},
		{
			// Regular hexagon with side 1: the alternate triangles (side
			// √3) close the loop; the long diagonals (2) never matter.
			name: "hexagon",
			d:    distances(hexagon),
			opt:  Options{MaxDim: 1, Threshold: inf},
			h0:   []Bar{{0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, inf}},
			h1:   []Bar{{1, s3}},
			tol:  1e-6, // the vertices are rounded to float32
		},
		{
			// A 4-cycle by a non-Euclidean metric: sides 1, 2, 3, 4 and
			// diagonals 5 and 6. The loop is born with the last side (4)
			// and dies with the first diagonal (5).
			name: "weighted 4-cycle",
			d:    [][]float64{{0, 1, 5, 4}, {1, 0, 2, 6}, {5, 2, 0, 3}, {4, 6, 3, 0}},
			opt:  Options{MaxDim: 1, Threshold: inf},
			h0:   []Bar{{0, 1}, {0, 2}, {0, 3}, {0, inf}},
			h1:   []Bar{{4, 5}},
		},
		{
			// Two points at infinite distance never join.
			name: "disconnected",
			d:    [][]float64{{0, inf}, {inf, 0}},
			opt:  Options{MaxDim: 1},
			h0:   []Bar{{0, inf}, {0, inf}},
		},
		{
			name: "one point",
			d:    [][]float64{{0}},
			opt:  Options{MaxDim: 1},
			h0:   []Bar{{0, inf}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dg, err := RipsDistances(tc.d, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			tol := max(tc.tol, 1e-12)
			if !barsClose(dg.H0, tc.h0, tol) {
				t.Errorf("H0 = %v, want %v", dg.H0, tc.h0)
			}
			if !barsClose(dg.H1, tc.h1, tol) {
				t.Errorf("H1 = %v, want %v", dg.H1, tc.h1)
			}
		})
	}
}

func barsClose(got, want []Bar, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for k := range got {
		for _, p := range [][2]float64{{got[k].Birth, want[k].Birth}, {got[k].Death, want[k].Death}} {
			if p[0] != p[1] && !(math.Abs(p[0]-p[1]) <= tol) {
				return false
			}
		}
	}
	return true
}

// TestBettiAt reads Betti numbers off the unit square's diagram.
func TestBettiAt(t *testing.T) {
	s2 := math.Sqrt2
	dg, err := RipsDistances([][]float64{{0, 1, s2, 1}, {1, 0, 1, s2}, {s2, 1, 0, 1}, {1, s2, 1, 0}}, Options{MaxDim: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scale  float64
		b0, b1 int
	}{
		{0, 4, 0}, {0.5, 4, 0}, {1, 1, 1}, {1.2, 1, 1}, {s2, 1, 0}, {10, 1, 0},
	}
	for _, tc := range tests {
		if b0, b1 := BettiAt(dg, 0, tc.scale), BettiAt(dg, 1, tc.scale); b0 != tc.b0 || b1 != tc.b1 {
			t.Errorf("scale %v: β0, β1 = %d, %d, want %d, %d", tc.scale, b0, b1, tc.b0, tc.b1)
		}
	}
}

// TestAgainstBoundaryReduction compares the diagrams with an independent,
// naive computation: homology (not cohomology) by the standard reduction of
// the full boundary matrix, without clearing, with simplices ordered
// lexicographically within a diameter. Integer distances make many ties.
func TestAgainstBoundaryReduction(t *testing.T) {
	rng := newRand(4)
	for trial := 0; trial < 300; trial++ {
		n := 3 + rng.IntN(10)
		d := make([][]float64, n)
		for i := range d {
			d[i] = make([]float64, n)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				var v float64
				if trial%2 == 0 {
					v = float64(1 + rng.IntN(5))
				} else {
					v = rng.Float64()
				}
				d[i][j], d[j][i] = v, v
			}
		}
		var thr float64
		if trial%3 == 1 {
			thr = 0.5 + 4*rng.Float64()
		}
		if trial%50 == 49 {
			// Structured clouds make long reductions (a circle's class
			// walks through every window of the working column).
			n = 30
			d = distances(noisyCircle(rng, n, 2, 0, 0, 1, 0.1))
		}
		dg, err := RipsDistances(d, Options{MaxDim: 1, Threshold: thr})
		if err != nil {
			t.Fatal(err)
		}
		if thr == 0 {
			thr = math.Inf(1)
			for i := range d {
				thr = min(thr, slices.Max(d[i]))
			}
		}
		h0, h1 := naiveRips(d, thr)
		slices.SortFunc(dg.H0, compareBars)
		if !barsClose(dg.H0, h0, 0) || !barsClose(dg.H1, h1, 0) {
			t.Fatalf("trial %d (n=%d, threshold %v):\nH0 %v\nwant %v\nH1 %v\nwant %v", trial, n, thr, dg.H0, h0, dg.H1, h1)
		}
	}
}

// naiveRips computes the H0 and H1 bars of positive persistence (H0: all
// bars, as RipsDistances reports them) of the Rips complex of d up to thr,
// by reducing the boundary matrix column by column.
func naiveRips(d [][]float64, thr float64) (h0, h1 []Bar) {
	n := len(d)
	type simp struct {
		v    []int
		diam float64
	}
	var ss []simp
	for i := 0; i < n; i++ {
		ss = append(ss, simp{[]int{i}, 0})
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if d[i][j] <= thr {
				ss = append(ss, simp{[]int{i, j}, d[i][j]})
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for k := j + 1; k < n; k++ {
				if dm := max(d[i][j], d[i][k], d[j][k]); dm <= thr {
					ss = append(ss, simp{[]int{i, j, k}, dm})
				}
			}
		}
	}
	slices.SortStableFunc(ss, func(a, b simp) int {
		if a.diam != b.diam {
			if a.diam < b.diam {
				return -1
			}
			return 1
		}
		return len(a.v) - len(b.v)
	})
	pos := map[string]int{}
	key := func(v []int) string {
		var sb strings.Builder
		for _, x := range v {
			sb.WriteString(string(rune('a' + x)))
		}
		return sb.String()
	}
	for k, s := range ss {
		pos[key(s.v)] = k
	}
	cols := make([][]int, len(ss)) // sorted row indices
	for k, s := range ss {
		if len(s.v) == 1 {
			continue
		}
		for drop := range s.v {
			f := slices.Delete(slices.Clone(s.v), drop, drop+1)
			cols[k] = append(cols[k], pos[key(f)])
		}
		slices.Sort(cols[k])
	}
	lowOwner := map[int]int{}
	paired := make([]bool, len(ss))
	for k := range cols {
		for len(cols[k]) > 0 {
			low := cols[k][len(cols[k])-1]
			o, ok := lowOwner[low]
			if !ok {
				lowOwner[low] = k
				paired[low], paired[k] = true, true
				b := Bar{ss[low].diam, ss[k].diam}
				if len(ss[low].v) == 1 {
					h0 = append(h0, b)
				} else if b.Death > b.Birth {
					h1 = append(h1, b)
				}
				break
			}
			cols[k] = symDiff(cols[k], cols[o])
		}
	}
	for k, s := range ss {
		if !paired[k] && len(s.v) <= 2 {
			b := Bar{s.diam, math.Inf(1)}
			if len(s.v) == 1 {
				h0 = append(h0, b)
			} else {
				h1 = append(h1, b)
			}
		}
	}
	slices.SortFunc(h0, compareBars)
	slices.SortFunc(h1, compareBars)
	return h0, h1
}

func symDiff(a, b []int) []int {
	var out []int
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return out
}

// naiveSingleLinkage merges the two closest clusters (minimum distance over
// member pairs) until one is left, returning the merge heights in order.
func naiveSingleLinkage(d [][]float64) []float64 {
	n := len(d)
	cluster := make([]int, n)
	for i := range cluster {
		cluster[i] = i
	}
	var heights []float64
	for len(heights) < n-1 {
		best, a, b := math.Inf(1), -1, -1
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if cluster[i] != cluster[j] && (a < 0 || d[i][j] < best) {
					best, a, b = d[i][j], cluster[i], cluster[j]
				}
			}
		}
		for i := range cluster {
			if cluster[i] == b {
				cluster[i] = a
			}
		}
		heights = append(heights, best)
	}
	return heights
}

func TestValidation(t *testing.T) {
	nan := math.NaN()
	ok := [][]float64{{0, 1}, {1, 0}}
	tests := []struct {
		name string
		d    [][]float64
		opt  Options
		want string
	}{
		{"empty", nil, Options{}, "empty"},
		{"ragged", [][]float64{{0, 1}, {1}}, Options{}, "row 1 has 1 entries"},
		{"asymmetric", [][]float64{{0, 1}, {2, 0}}, Options{}, "not symmetric"},
		{"diagonal", [][]float64{{0, 1}, {1, 0.5}}, Options{}, "diagonal"},
		{"NaN", [][]float64{{0, nan}, {nan, 0}}, Options{}, "NaN"},
		{"negative", [][]float64{{0, -1}, {-1, 0}}, Options{}, "negative"},
		{"MaxDim 2", ok, Options{MaxDim: 2}, "MaxDim"},
		{"MaxDim -1", ok, Options{MaxDim: -1}, "MaxDim"},
		{"threshold negative", ok, Options{Threshold: -1}, "Threshold"},
		{"threshold NaN", ok, Options{Threshold: nan}, "Threshold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RipsDistances(tc.d, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	pointTests := []struct {
		name string
		x    *tensor.Mat
		opt  Options
		want string
	}{
		{"nil", nil, Options{}, "no points"},
		{"no rows", tensor.New(0, 3), Options{}, "no points"},
		{"NaN", tensor.FromSlice(2, 2, []float32{0, 1, float32(nan), 2}), Options{}, "point 1 coordinate 0"},
		{"Inf", tensor.FromSlice(2, 2, []float32{0, float32(math.Inf(-1)), 1, 2}), Options{}, "point 0 coordinate 1"},
		{"MaxDim", tensor.New(2, 2), Options{MaxDim: 3}, "MaxDim"},
	}
	for _, tc := range pointTests {
		t.Run("points "+tc.name, func(t *testing.T) {
			_, err := RipsPoints(tc.x, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	pts := noisyCircle(newRand(5), 150, 3, 0, 0, 1, 0.1)
	a, err := RipsPoints(toMat(pts), Options{MaxDim: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RipsPoints(toMat(pts), Options{MaxDim: 1})
	if !slices.Equal(a.H0, b.H0) || !slices.Equal(a.H1, b.H1) {
		t.Error("two runs on the same points differ")
	}
	// RipsPoints and RipsDistances on the same distances agree exactly.
	c, err := RipsDistances(distances(pts), Options{MaxDim: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.H0, c.H0) || !slices.Equal(a.H1, c.H1) {
		t.Error("RipsPoints and RipsDistances differ")
	}
}

func TestBarJSON(t *testing.T) {
	in := Diagram{H0: []Bar{{0, 1.5}, {0, math.Inf(1)}}, H1: []Bar{{0.25, 2}}}
	p, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"h0":[{"birth":0,"death":1.5},{"birth":0,"death":null}],"h1":[{"birth":0.25,"death":2}]}`
	if string(p) != want {
		t.Errorf("JSON %s, want %s", p, want)
	}
	var out Diagram
	if err := json.Unmarshal(p, &out); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.H0, in.H0) || !slices.Equal(out.H1, in.H1) {
		t.Errorf("round trip %v, want %v", out, in)
	}
}

func TestLongestBars(t *testing.T) {
	inf := math.Inf(1)
	bars := []Bar{{0, 1}, {0.5, 3}, {1, inf}, {2, 2.5}, {0.2, 2.7}}
	got := LongestBars(bars, 3)
	want := []Bar{{1, inf}, {0.2, 2.7}, {0.5, 3}}
	if !slices.Equal(got, want) {
		t.Errorf("LongestBars = %v, want %v", got, want)
	}
	if got := LongestBars(bars, 10); len(got) != 5 || got[4] != (Bar{2, 2.5}) {
		t.Errorf("LongestBars(10) = %v", got)
	}
	if got := LongestBars(bars, 0); len(got) != 0 {
		t.Errorf("LongestBars(0) = %v", got)
	}
	if bars[0] != (Bar{0, 1}) {
		t.Error("LongestBars modified its input")
	}
}

// TestLargeCircle runs the 1000-point case of the benchmark once and checks
// its answer.
func TestLargeCircle(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 points")
	}
	dg, err := RipsPoints(toMat(noisyCircle(newRand(6), 1000, 3, 0, 0, 1, 0.05)), Options{MaxDim: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := persistences(dg.H1)
	t.Logf("%d H1 bars, longest persistences %.3g", len(p), p[:min(4, len(p))])
	if len(p) < 1 || p[0] < 1.2 || (len(p) > 1 && p[1] > 0.3) {
		t.Errorf("H1 persistences %v, want one > 1.2 and the rest ≤ 0.3", p[:min(4, len(p))])
	}
}

func BenchmarkRipsCircle1000(b *testing.B) {
	x := toMat(noisyCircle(newRand(6), 1000, 3, 0, 0, 1, 0.05))
	b.ResetTimer()
	for b.Loop() {
		if _, err := RipsPoints(x, Options{MaxDim: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
