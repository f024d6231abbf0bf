package verdict

import (
	"math"
	"strings"
	"testing"
)

// Known quantiles of Student's t (tables, e.g. NIST/SEMATECH e-Handbook
// 1.3.6.7.2) to the 3 decimals printed there.
func TestTQuantileKnownValues(t *testing.T) {
	for _, c := range []struct {
		p    float64
		df   int
		want float64
	}{
		{0.975, 1, 12.706}, {0.975, 2, 4.303}, {0.975, 3, 3.182}, {0.975, 4, 2.776},
		{0.975, 9, 2.262}, {0.975, 29, 2.045}, {0.95, 4, 2.132}, {0.995, 10, 3.169}, {0.975, 1000, 1.962},
	} {
		got := TQuantile(c.p, c.df)
		if math.Abs(got-c.want) > 0.0006 {
			t.Errorf("TQuantile(%g, %d) = %.5f, want %.3f", c.p, c.df, got, c.want)
		}
		if lo := TQuantile(1-c.p, c.df); lo != -got {
			t.Errorf("TQuantile(%g, %d) = %g, want %g by symmetry", 1-c.p, c.df, lo, -got)
		}
	}
	// df = 1 is the Cauchy distribution: quantile tan(π(p − ½)).
	for _, p := range []float64{0.6, 0.9, 0.975, 0.999} {
		want := math.Tan(math.Pi * (p - 0.5))
		if got := TQuantile(p, 1); math.Abs(got-want) > 1e-9*want {
			t.Errorf("TQuantile(%g, 1) = %.12g, want tan(π(p−½)) = %.12g", p, got, want)
		}
	}
	if !math.IsNaN(TQuantile(1, 3)) || !math.IsNaN(TQuantile(0.5, 0)) {
		t.Error("TQuantile outside its domain must be NaN")
	}
}

func TestAccuracyDiffOneSeed(t *testing.T) {
	// 0.5 → 0.6 on 100 examples: Newcombe's hybrid interval, about
	// [−0.04, 0.23].
	iv, ok := AccuracyDiff([]float64{0.5}, []float64{0.6}, 100)
	if !ok {
		t.Fatal("not ok")
	}
	if math.Abs(iv.Estimate-0.1) > 1e-12 || iv.Lo > -0.03 || iv.Lo < -0.05 || iv.Hi < 0.22 || iv.Hi > 0.24 || iv.Seeds != 1 {
		t.Fatalf("interval %+v", iv)
	}
	if v := Directional(iv, Increase); v.Outcome != NotResolved || v.Text != "not resolved with 1 seed" {
		t.Fatalf("0.1 ± 0.137: %+v", v)
	}
	// the same gain on 10000 examples resolves: SE 0.007.
	iv, _ = AccuracyDiff([]float64{0.5}, []float64{0.6}, 10000)
	if v := Directional(iv, Increase); v.Outcome != Holds || v.Text != "holds (1 seed: indicative)" {
		t.Fatalf("0.1 ± 0.0137: %+v", v)
	}
	if v := Directional(iv, Decrease); v.Outcome != DoesNotHold || v.Text != "does not hold (1 seed: indicative)" {
		t.Fatalf("claimed fall, measured rise: %+v", v)
	}
	if _, ok := AccuracyDiff([]float64{0.5}, []float64{0.6}, 0); ok {
		t.Error("one seed without an example count must not be judged")
	}
	if _, ok := AccuracyDiff([]float64{0.5, 0.4}, []float64{0.6}, 100); ok {
		t.Error("unpaired lists must not be judged")
	}
	if _, ok := AccuracyDiff([]float64{math.NaN()}, []float64{0.6}, 100); ok {
		t.Error("NaN must not be judged")
	}
}

func TestAccuracyDiffSeeds(t *testing.T) {
	// Paired differences 0.1, 0.2, 0.3: mean 0.2, sd 0.1, SE 0.1/√3,
	// interval 0.2 ± 4.303·0.0577 = [−0.0484, 0.4484]: not resolved.
	a := []float64{0.5, 0.6, 0.4}
	b := []float64{0.6, 0.8, 0.7}
	// On a test set so large that the examples add nothing, the interval
	// is Student's t over the seeds: 0.2 ± 4.303·0.1/√3 = [−0.0484, 0.4484].
	iv, ok := AccuracyDiff(a, b, 1e9)
	if !ok {
		t.Fatal("not ok")
	}
	half := 4.302652729911275 * 0.1 / math.Sqrt(3)
	if math.Abs(iv.Estimate-0.2) > 1e-12 || math.Abs(iv.Hi-iv.Lo-2*half) > 1e-3 || iv.Seeds != 3 || len(iv.PerSeed) != 3 {
		t.Fatalf("interval %+v, want 0.2 ± %g", iv, half)
	}
	if v := Directional(iv, Increase); v.Text != "not resolved with 3 seeds" {
		t.Fatalf("%+v", v)
	}
	// Identical differences in every seed: the seeds add nothing, and the
	// interval is the one-seed interval of the means.
	iv, _ = AccuracyDiff([]float64{0.5, 0.5, 0.5}, []float64{0.6, 0.6, 0.6}, 100)
	one, _ := AccuracyDiff([]float64{0.5}, []float64{0.6}, 100)
	if math.Abs(iv.Lo-one.Lo) > 1e-12 || math.Abs(iv.Hi-one.Hi) > 1e-12 {
		t.Fatalf("identical seeds %v, want the one-seed %v", iv, one)
	}
	// Unpaired, the spread of b − a over seeds would be the same numbers;
	// paired, a consistent gain of 0.05 on top of large seed-to-seed
	// variation is resolved: differences 0.05, 0.05, 0.06.
	a = []float64{0.3, 0.7, 0.5}
	b = []float64{0.35, 0.75, 0.56}
	iv, _ = AccuracyDiff(a, b, 1000000) // the test examples' share is small

	if v := Directional(iv, Increase); v.Text != "holds" {
		t.Fatalf("consistent paired gain: %+v %v", v, iv)
	}
	// Falling with five seeds: does not hold; t(0.975, 4) = 2.776.
	iv, _ = AccuracyDiff([]float64{0.9, 0.9, 0.9, 0.9, 0.9}, []float64{0.8, 0.82, 0.79, 0.81, 0.8}, 10000)
	if v := Directional(iv, Increase); v.Text != "does not hold" {
		t.Fatalf("falling: %+v", v)
	}
	if !strings.Contains(iv.Basis, "5 seeds and the test examples") {
		t.Fatalf("basis %q", iv.Basis)
	}
	// Flat: identical accuracies with 2 seeds, interval [0, 0].
	iv, _ = AccuracyDiff([]float64{0.9, 0.8}, []float64{0.9, 0.8}, 100)
	if v := Directional(iv, Increase); v.Text != "not resolved with 2 seeds" {
		t.Fatalf("flat: %+v", v)
	}
}

func TestMatchesAboveAll(t *testing.T) {
	iv, _ := Accuracy([]float64{0.97}, 10000) // SE 0.0017
	if v := Matches(iv, 0.9701, 0.01); v.Text != "holds (1 seed: indicative)" {
		t.Fatalf("%+v", v)
	}
	if v := Matches(iv, 0.8816, 0.01); v.Text != "does not hold (higher here) (1 seed: indicative)" {
		t.Fatalf("%+v", v)
	}
	iv, _ = Accuracy([]float64{0.85, 0.86, 0.84}, 10000)
	if v := Matches(iv, 0.9701, 0.01); v.Text != "does not hold (lower here)" {
		t.Fatalf("%+v", v)
	}
	iv, _ = Accuracy([]float64{0.96}, 500) // SE 0.0088, wider than the margin
	if v := Matches(iv, 0.9701, 0.01); v.Outcome != NotResolved {
		t.Fatalf("%+v", v)
	}
	r, _ := Correlation([]float64{0.9995}, 500)
	if v := Above(r, 0.99); v.Outcome != Holds {
		t.Fatalf("r 0.9995 on 500 points: %+v %v", v, r)
	}
	r, _ = Correlation([]float64{0.9}, 500)
	if v := Below(r, 0.99); v.Outcome != Holds {
		t.Fatalf("r 0.9 below 0.99: %+v %v", v, r)
	}
	h, n, d := Verdict{Outcome: Holds, Seeds: 3}, Verdict{Outcome: NotResolved, Seeds: 3}, Verdict{Outcome: DoesNotHold, Seeds: 3}
	for _, c := range []struct {
		parts []Verdict
		want  string
	}{
		{[]Verdict{h, h}, "holds"}, {[]Verdict{h, n}, "not resolved with 3 seeds"}, {[]Verdict{n, d}, "does not hold"},
		{[]Verdict{NotMeasured(), h}, "holds"}, {[]Verdict{NotMeasured()}, "not run"}, {nil, "not run"},
	} {
		if got := All(c.parts...); got.Text != c.want {
			t.Errorf("All(%v) = %q, want %q", c.parts, got.Text, c.want)
		}
	}
}
