package verdict

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Holm's adjusted p-values by hand: sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
// 0.03·2 = 0.06, 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06.
func TestHolm(t *testing.T) {
	rej, adj := Holm([]float64{0.01, 0.04, 0.03, 0.005}, 0.05)
	want := []float64{0.03, 0.06, 0.06, 0.02}
	wantRej := []bool{true, false, false, true}
	for i := range want {
		if math.Abs(adj[i]-want[i]) > 1e-15 || rej[i] != wantRej[i] {
			t.Fatalf("Holm: %v %v, want %v %v", rej, adj, wantRej, want)
		}
	}
	// Holm stops at the first hypothesis it keeps: 0.02·2 = 0.04 is
	// rejected at 5 %, 0.049 is not (0.049 > 0.05/1 is false, but the
	// order is 0.02, 0.049 → 0.04, 0.049: both rejected).
	rej, _ = Holm([]float64{0.049, 0.02}, 0.05)
	if !rej[0] || !rej[1] {
		t.Errorf("0.02, 0.049: %v", rej)
	}
	rej, _ = Holm([]float64{0.03, 0.04}, 0.05) // 0.03·2 = 0.06: stop
	if rej[0] || rej[1] {
		t.Errorf("0.03, 0.04: %v", rej)
	}
}

// PValue is dual to the interval: at level 1 − p the interval touches 0.
func TestPValue(t *testing.T) {
	f := func(conf float64) Interval {
		iv, _ := AccuracyDiffLevel([]float64{0.5}, []float64{0.56}, 1000, conf)
		return iv
	}
	p := PValue(f, 0)
	if !(p > 0.005 && p < 0.05) {
		t.Fatalf("p = %g", p)
	}
	if lo := f(1 - p).Lo; math.Abs(lo) > 1e-5 {
		t.Errorf("the level 1 − p interval's lower end %g is not at 0", lo)
	}
	if q := PValue(f, 0.06); q != 1 {
		t.Errorf("p of the estimate itself: %g, want 1", q)
	}
	pair := Pair{Both: 870, OnlyA: 5, OnlyB: 25, Neither: 100}
	// McNemar's exact two-sided p for 25 against 5 discordant pairs is
	// 0.00033; the score method's dual p is of that order.
	if q := PValue(pair.Diff, 0); q > 0.002 {
		t.Errorf("paired p = %g", q)
	}
}

// Issue 30 defect 1: an interval that straddles 0 but reaches past the
// margin is not a match. Each row: the interval of LIL minus adversarial
// training, margin 2 points.
func TestEquivalent(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		rel    Relation
		text   string
	}{
		{-0.073, 0.013, Unresolved, "not resolved with 1 seed"},
		{-0.015, 0.01, Same, "holds (within ± 0.02) (1 seed: indicative)"},
		{-0.05, -0.03, Worse, "does not hold (worse by more than the margin) (1 seed: indicative)"},
		{-0.03, -0.005, Worse, "not resolved with 1 seed (worse, but not beyond the margin)"},
		{0.03, 0.05, Better, "does not hold (better by more than the margin) (1 seed: indicative)"},
		{0.005, 0.015, Same, "holds (within ± 0.02) (1 seed: indicative)"},
	} {
		iv := Interval{Estimate: (c.lo + c.hi) / 2, Lo: c.lo, Hi: c.hi, Seeds: 1}
		if r := Compare(iv, Margin); r != c.rel {
			t.Errorf("[%g, %g]: %q, want %q", c.lo, c.hi, r, c.rel)
		}
		if v := Equivalent(iv, Margin); v.Text != c.text {
			t.Errorf("[%g, %g]: %q, want %q", c.lo, c.hi, v.Text, c.text)
		}
	}
	iv := Interval{Lo: -0.015, Hi: 0.04, Seeds: 3}
	if v := NonInferior(iv, Margin); v.Text != "holds" {
		t.Errorf("non-inferior [−0.015, 0.04]: %q", v.Text)
	}
	iv = Interval{Lo: -0.03, Hi: 0.04, Seeds: 3}
	if v := NonInferior(iv, Margin); v.Text != "not resolved with 3 seeds" {
		t.Errorf("non-inferior [−0.03, 0.04]: %q", v.Text)
	}
}

// TestTrend: the slope uses every level. A sweep that rises over five
// levels and falls back at the last has a positive slope though its
// extremes are equal; a linear rise of 0.01 per step has slope 0.01.
func TestTrend(t *testing.T) {
	w := TrendWeights(6) // (k − 2.5)/17.5
	for k, x := range w {
		if math.Abs(x-(float64(k)-2.5)/17.5) > 1e-15 {
			t.Fatalf("weights %v", w)
		}
	}
	one := func(v ...float64) [][]float64 {
		out := make([][]float64, len(v))
		for i, x := range v {
			out[i] = []float64{x}
		}
		return out
	}
	iv, err := Trend(one(0.2, 0.21, 0.22, 0.23, 0.24, 0.25), 10000, 0.95)
	if err != nil || math.Abs(iv.Estimate-0.01) > 1e-12 {
		t.Fatalf("linear: %v %v", iv, err)
	}
	if v := Directional(iv, Increase); v.Outcome != Holds {
		t.Errorf("linear rise: %q %v", v.Text, iv)
	}
	iv, _ = Trend(one(0.2, 0.24, 0.28, 0.32, 0.36, 0.2), 10000, 0.95)
	ext, _ := AccuracyDiff([]float64{0.2}, []float64{0.2}, 10000)
	if Directional(iv, Increase).Outcome != Holds || Directional(ext, Increase).Outcome != NotResolved {
		t.Errorf("rise then fall: slope %v, extremes %v", iv, ext)
	}
	if !strings.Contains(iv.Basis, "slope per step over 6 ordered groups") {
		t.Errorf("basis %q", iv.Basis)
	}
	if _, err := Trend(one(0.2), 100, 0.95); err == nil {
		t.Error("one group has no trend")
	}
}

// TestConditional: robust accuracy among the clean-correct examples.
func TestConditional(t *testing.T) {
	iv, err := Conditional([]float64{0.45}, []float64{0.9}, 1000, 0.95)
	if err != nil || math.Abs(iv.Estimate-0.5) > 1e-12 || iv.Examples != 900 {
		t.Fatalf("%+v %v", iv, err)
	}
	w := Wilson(450, 900, 0.95)
	if math.Abs(iv.Lo-w.Lo) > 1e-12 || math.Abs(iv.Hi-w.Hi) > 1e-12 {
		t.Errorf("%v, want Wilson 450/900 %v", iv, w)
	}
	if _, err := Conditional([]float64{0.5}, []float64{0.4}, 1000, 0.95); err == nil {
		t.Error("robust above clean must be refused")
	}
	iv, err = ConditionalOutcomes([]bool{true, false, false, true}, []bool{true, true, false, true}, 0.95)
	if err != nil || math.Abs(iv.Estimate-2.0/3) > 1e-12 {
		t.Errorf("2 of 3 clean-correct: %v %v", iv, err)
	}
	if _, err := ConditionalOutcomes([]bool{true}, []bool{false}, 0.95); err == nil {
		t.Error("robust but not clean-correct must be refused")
	}
}

// TestSelectionFalsePositives: when no β differs from plain CE (six
// models of the same true accuracy, correlated on one test set of 1000
// examples, one seed), "the best LIL beats plain CE" must hold in at most
// 5 % of 2000 replicates, whether the selection is folded into Holm's
// correction (JudgeFamily, Best) or made on one half and judged on the
// other (SplitSelect). Choosing the best on all examples and testing it
// at the nominal one-sided 2.5 % does not keep that rate.
func TestSelectionFalsePositives(t *testing.T) {
	const reps, examples, betas = 2000, 1000, 5
	s := simulation{rng: rand.New(rand.NewPCG(30, 2)), examples: examples, mix: 0.15}
	p := make([]float64, betas+1)
	for i := range p {
		p[i] = 0.6
	}
	var folded, split, naive, unpaired int
	for range reps {
		y := s.draw(p, 1)
		ref := y[0][0]
		var members, accOnly []Member
		bestK, bestN := 0, -1
		for k := 1; k <= betas; k++ {
			pair, _ := CountPair(ref, y[k][0])
			members = append(members, Member{Name: "β", Interval: pair.Diff})
			a, b := float64(count(ref))/examples, float64(count(y[k][0]))/examples
			accOnly = append(accOnly, Member{Name: "β", Interval: func(conf float64) Interval {
				iv, _ := AccuracyDiffLevel([]float64{a}, []float64{b}, examples, conf)
				return iv
			}})
			if n := count(y[k][0]); n > bestN {
				bestK, bestN = k, n
			}
		}
		f := JudgeFamily("β against β = 0", members, Increase, 0.05)
		if f.Verdict().Outcome == Holds && f.Best() >= 0 {
			folded++
		}
		if JudgeFamily("β against β = 0", accOnly, Increase, 0.05).Verdict().Outcome == Holds {
			unpaired++
		}
		var cand [][]bool
		for _, g := range y[1:] {
			cand = append(cand, g[0])
		}
		_, _, v, err := SplitSelect(cand, ref, Increase, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if v.Outcome == Holds {
			split++
		}
		iv, _ := PairedDiff(ref, y[bestK][0], 0.95)
		if Directional(iv, Increase).Outcome == Holds {
			naive++
		}
	}
	rate := func(n int) float64 { return float64(n) / reps }
	t.Logf("false positives: Holm-folded %.4f, accuracies only %.4f, split halves %.4f, naive best-then-test %.4f",
		rate(folded), rate(unpaired), rate(split), rate(naive))
	for _, c := range []struct {
		name string
		n    int
	}{{"Holm-folded", folded}, {"accuracies only", unpaired}, {"split halves", split}} {
		if rate(c.n) > 0.05 {
			t.Errorf("%s selection: false-positive rate %.4f > 5 %%", c.name, rate(c.n))
		}
	}
	if rate(naive) <= 0.05 {
		t.Errorf("naive best-then-test: %.4f; the simulation does not show the problem it guards", rate(naive))
	}
}

// TestFamily: a member holds only through Holm; the best is chosen among
// those that hold; the family's interval is at the Bonferroni level.
func TestFamily(t *testing.T) {
	mk := func(a, b float64) Member {
		return Member{Name: "x", Interval: func(conf float64) Interval {
			iv, _ := AccuracyDiffLevel([]float64{a}, []float64{b}, 10000, conf)
			return iv
		}}
	}
	// 0.500 → 0.515: p ≈ 0.03 alone, 0.07 after Holm over four (third
	// smallest, times 2); 0.500 → 0.560 holds; 0.500 → 0.440 does not hold.
	f := JudgeFamily("β against β = 0", []Member{mk(0.5, 0.515), mk(0.5, 0.56), mk(0.5, 0.44), mk(0.5, 0.505)}, Increase, 0.05)
	got := []Outcome{f.Judged[0].Verdict.Outcome, f.Judged[1].Verdict.Outcome, f.Judged[2].Verdict.Outcome}
	if got[0] != NotResolved || got[1] != Holds || got[2] != DoesNotHold {
		t.Fatalf("outcomes %v", got)
	}
	if alone := PValue(mk(0.5, 0.515).Interval, 0); !(alone < 0.05) || f.Judged[0].Adjusted < 0.05 {
		t.Errorf("p %g alone, %g after Holm", alone, f.Judged[0].Adjusted)
	}
	if f.Best() != 1 || f.Verdict().Outcome != Holds {
		t.Errorf("best %d, verdict %+v", f.Best(), f.Verdict())
	}
	bonf, _ := AccuracyDiffLevel([]float64{0.5}, []float64{0.56}, 10000, 1-0.05/4)
	if f.Judged[1].Interval.Lo != bonf.Lo || !strings.Contains(f.Correct, "Holm at family-wise 5 % over 4 comparisons") {
		t.Errorf("interval %v, want %v; correction %q", f.Judged[1].Interval, bonf, f.Correct)
	}
	if v := (Family{}).Verdict(); v.Outcome != NotRun {
		t.Errorf("empty family: %+v", v)
	}
}

// TestOutcomeAPI: a caller with per-example outcomes gets the paired slope
// and a Holm family; a real gain on 3 seeds is found, a null one is not.
func TestOutcomeAPI(t *testing.T) {
	s := simulation{rng: rand.New(rand.NewPCG(30, 3)), examples: 2000, seedSD: 0.005, mix: 0.1}
	y := s.draw([]float64{0.3, 0.3, 0.36, 0.3}, 3)
	iv, err := TrendOutcomes(y, 0.95)
	want, _ := Paired(TrendWeights(4), y, 0.95)
	if err != nil || iv.Lo != want.Lo || iv.Hi != want.Hi || !strings.Contains(iv.Basis, "slope per step over 4 ordered groups") {
		t.Fatalf("TrendOutcomes %v %v, want %v", iv, err, want)
	}
	f, err := FamilyOutcomes("β against β = 0", []string{"β = 0.1", "β = 1", "β = 10"}, y[0], y[1:], Increase, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	got := []Outcome{f.Judged[0].Verdict.Outcome, f.Judged[1].Verdict.Outcome, f.Judged[2].Verdict.Outcome}
	if got[0] != NotResolved || got[1] != Holds || got[2] != NotResolved || f.Best() != 1 || f.Judged[1].Name != "β = 1" {
		t.Errorf("outcomes %v, best %d: %+v", got, f.Best(), f.Judged)
	}
	if _, err := FamilyOutcomes("x", []string{"a"}, y[0], [][][]bool{y[1][:2]}, Increase, 0.05); err == nil {
		t.Error("a candidate with fewer seeds must be refused")
	}
}
