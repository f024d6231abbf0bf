package topology

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBottleneckHand(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		a, b []Bar
		want float64
	}{
		{"both empty", nil, nil, 0},
		{"one to the diagonal", []Bar{{0, 4}}, nil, 2},
		{"shifted point", []Bar{{0, 4}}, []Bar{{1, 5}}, 1},
		// Matching (0,4) with (3,4) costs 3; sending both to the diagonal
		// costs max(2, 0.5) = 2.
		{"diagonal is cheaper", []Bar{{0, 4}}, []Bar{{3, 4}}, 2},
		{"extra short bar", []Bar{{0, 4}, {1, 2}}, []Bar{{0, 3.9}}, 0.5},
		// The crossed matching (0,10)-(1,10.5), (5,6)-(5.2,6) costs 1;
		// the other way round costs 5.
		{"crossed", []Bar{{0, 10}, {5, 6}}, []Bar{{5.2, 6}, {1, 10.5}}, 1},
		{"zero-persistence bars are free", []Bar{{1, 1}, {2, 2}}, []Bar{{3, 3}}, 0},
		{"essential by births", []Bar{{0, inf}, {2, inf}}, []Bar{{2.5, inf}, {0.25, inf}}, 0.5},
		{"essential and finite", []Bar{{0, inf}, {0, 1}}, []Bar{{0.1, inf}}, 0.5},
		{"essential count differs", []Bar{{0, inf}}, []Bar{{0, inf}, {1, inf}}, inf},
		{"essential vs finite", []Bar{{0, inf}}, []Bar{{0, 100}}, inf},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bottleneck(tc.a, tc.b); got != tc.want && math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("Bottleneck = %v, want %v", got, tc.want)
			}
			if got := Bottleneck(tc.b, tc.a); got != tc.want && math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("reversed: Bottleneck = %v, want %v", got, tc.want)
			}
		})
	}
}

// randomDiagram draws k bars; on a coarse grid when grid is set, so that
// distances tie.
func randomDiagram(rng *rand.Rand, k int, grid bool, essential int) []Bar {
	bars := make([]Bar, 0, k+essential)
	for range k {
		var b, p float64
		if grid {
			b, p = float64(rng.IntN(5)), float64(rng.IntN(4))
		} else {
			b, p = rng.Float64()*5, rng.ExpFloat64()
		}
		bars = append(bars, Bar{b, b + p})
	}
	for range essential {
		bars = append(bars, Bar{rng.Float64(), math.Inf(1)})
	}
	return bars
}

// bruteBottleneck minimises the largest cost over every perfect matching of
// the augmented problem: rows are a's bars and one diagonal slot per bar of
// b, columns are b's bars and one diagonal slot per bar of a. Only finite
// bars.
func bruteBottleneck(a, b []Bar) float64 {
	m, n := len(a), len(b)
	size := m + n
	cost := make([][]float64, size)
	for r := range cost {
		cost[r] = make([]float64, size)
		for c := range cost[r] {
			switch {
			case r < m && c < n:
				x, y := a[r], b[c]
				cost[r][c] = max(math.Abs(x.Birth-y.Birth), math.Abs(x.Death-y.Death))
			case r < m:
				cost[r][c] = (a[r].Death - a[r].Birth) / 2
			case c < n:
				cost[r][c] = (b[c].Death - b[c].Birth) / 2
			}
		}
	}
	used := make([]bool, size)
	best := math.Inf(1)
	var rec func(r int, worst float64)
	rec = func(r int, worst float64) {
		if worst >= best {
			return
		}
		if r == size {
			best = worst
			return
		}
		for c := range size {
			if !used[c] {
				used[c] = true
				rec(r+1, max(worst, cost[r][c]))
				used[c] = false
			}
		}
	}
	rec(0, 0)
	return best
}

func TestBottleneckBruteForce(t *testing.T) {
	rng := newRand(7)
	for trial := range 400 {
		grid := trial%2 == 0
		a := randomDiagram(rng, rng.IntN(5), grid, 0)
		b := randomDiagram(rng, rng.IntN(5), grid, 0)
		got, want := Bottleneck(a, b), bruteBottleneck(a, b)
		if got != want {
			t.Fatalf("trial %d: Bottleneck(%v, %v) = %v, brute force %v", trial, a, b, got, want)
		}
	}
}

func TestBottleneckMetric(t *testing.T) {
	rng := newRand(8)
	for trial := range 60 {
		grid := trial%3 == 0
		ess := rng.IntN(3)
		a := randomDiagram(rng, rng.IntN(30), grid, ess)
		b := randomDiagram(rng, rng.IntN(30), grid, ess)
		c := randomDiagram(rng, rng.IntN(30), grid, ess)
		ab, ba := Bottleneck(a, b), Bottleneck(b, a)
		bc, ac := Bottleneck(b, c), Bottleneck(a, c)
		if ab != ba {
			t.Errorf("trial %d: not symmetric: %v vs %v", trial, ab, ba)
		}
		if ac > ab+bc+1e-12 {
			t.Errorf("trial %d: triangle inequality: d(a,c) = %v > %v + %v", trial, ac, ab, bc)
		}
		if d := Bottleneck(a, a); d != 0 {
			t.Errorf("trial %d: d(a, a) = %v", trial, d)
		}
		if math.IsInf(ab, 0) || math.IsNaN(ab) {
			t.Errorf("trial %d: d(a, b) = %v with equal essential counts", trial, ab)
		}
		// Permuting the bars changes nothing.
		p := append([]Bar(nil), a...)
		rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		if d := Bottleneck(p, b); d != ab {
			t.Errorf("trial %d: permuted a gives %v, want %v", trial, d, ab)
		}
	}
}

// TestBottleneckStability: moving every bar by at most δ in both
// coordinates moves the diagram by at most δ (and by exactly δ for a bar
// far from the diagonal moved by δ).
func TestBottleneckStability(t *testing.T) {
	rng := newRand(9)
	a := randomDiagram(rng, 40, false, 1)
	b := make([]Bar, len(a))
	const delta = 0.01
	for k, x := range a {
		b[k] = Bar{x.Birth + delta*(2*rng.Float64()-1), x.Death + delta*(2*rng.Float64()-1)}
	}
	if d := Bottleneck(a, b); d > delta {
		t.Errorf("perturbed by ≤ %v, distance %v", delta, d)
	}
	c := append([]Bar{{0, 50}}, a...)
	e := append([]Bar{{0, 50 + delta}}, a...)
	if d := Bottleneck(c, e); math.Abs(d-delta) > 1e-12 {
		t.Errorf("one long bar moved by %v: distance %v", delta, d)
	}
}

func TestBottleneckOfRips(t *testing.T) {
	// The same circle sampled twice is close in H1; a circle and a disk
	// differ by about half the circle's loop persistence.
	rng := newRand(10)
	c1, _ := RipsPoints(toMat(noisyCircle(rng, 200, 2, 0, 0, 1, 0.03)), Options{MaxDim: 1})
	c2, _ := RipsPoints(toMat(noisyCircle(rng, 200, 2, 0, 0, 1, 0.03)), Options{MaxDim: 1})
	disk, _ := RipsPoints(toMat(uniformDisk(rng, 200, 1)), Options{MaxDim: 1})
	same, diff := Bottleneck(c1.H1, c2.H1), Bottleneck(c1.H1, disk.H1)
	long := LongestBars(c1.H1, 1)[0].Persistence()
	if same > 0.15 {
		t.Errorf("two samples of one circle: H1 distance %v", same)
	}
	if diff < 0.4*long {
		t.Errorf("circle vs disk: H1 distance %v, want ≈ %v/2", diff, long)
	}
	t.Logf("circle–circle %.3g, circle–disk %.3g, loop persistence %.3g", same, diff, long)
}
