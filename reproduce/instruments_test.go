package reproduce

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/verdict"
)

// TestInstruments: every study model gets the AutoAttack ensemble at each
// budget and CROWN at each radius, on the same test examples; the stored
// per-example outcome strings agree with the stored accuracies, each stage
// never raises the robust accuracy, and the instruments agree with each
// other: no example CROWN certifies at a radius is broken by an adversarial
// of the ensemble within that radius (the certified accuracy is at most the
// upper bound Within), and no certified example is misclassified clean.
func TestInstruments(t *testing.T) {
	o := tinyStudy(t)
	e := &Env{Dir: t.TempDir(), Quick: true, Seeds: []uint64{0}}
	r, err := MNIST(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	in := DefaultInstruments(o.Info(), true)
	sum, err := r.Summarize(e.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Instruments == nil || len(sum.Instruments.Claims) != 6 || sum.Figures["robustness bracket L∞"] == "" {
		t.Errorf("summary: instruments %v, figures %v", sum.Instruments, sum.Figures)
	}
	if len(r.AutoAttack) != len(r.Models) || len(r.Certified) != len(r.Models) {
		t.Fatalf("%d models, %d AutoAttack results, %d certificates", len(r.Models), len(r.AutoAttack), len(r.Certified))
	}
	n := min(in.Subset, o.TestSubset)
	for i, aa := range r.AutoAttack {
		c := r.Certified[i]
		if aa.Beta != r.Models[i].Beta || c.Beta != aa.Beta || aa.Examples != n || c.Examples != n {
			t.Fatalf("model %d: β %g/%g/%g, %d and %d examples, want %d", i, r.Models[i].Beta, aa.Beta, c.Beta, aa.Examples, c.Examples, n)
		}
		if want := len(in.LinfEps) + len(in.L2Eps); len(aa.Runs) != want {
			t.Fatalf("β = %g: %d ensemble runs, want %d", aa.Beta, len(aa.Runs), want)
		}
		for _, run := range aa.Runs {
			if len(run.Outcomes) != n {
				t.Fatalf("β = %g %s: %d outcomes for %d examples", aa.Beta, normEps(run.Norm, run.Eps), len(run.Outcomes), n)
			}
			if got := r4(float64(strings.Count(run.Outcomes, "2")) / float64(n)); got != run.RobustAccuracy {
				t.Errorf("β = %g %s: outcomes say robust %g, stored %g", aa.Beta, normEps(run.Norm, run.Eps), got, run.RobustAccuracy)
			}
			if got := r4(float64(n-strings.Count(run.Outcomes, "0")) / float64(n)); got != run.Clean {
				t.Errorf("β = %g %s: outcomes say clean %g, stored %g", aa.Beta, normEps(run.Norm, run.Eps), got, run.Clean)
			}
			prev := run.Clean
			for _, st := range run.Stages {
				if st.Skipped == "" && st.RobustAccuracy > prev {
					t.Errorf("β = %g %s: stage %s raises robust accuracy %g → %g", aa.Beta, normEps(run.Norm, run.Eps), st.Attack, prev, st.RobustAccuracy)
				}
				prev = st.RobustAccuracy
			}
			if len(run.Stages) != 4 || run.Stages[len(run.Stages)-1].RobustAccuracy != run.RobustAccuracy {
				t.Errorf("β = %g %s: %d stages ending at %v, want the standard 4 ending at %g", aa.Beta, normEps(run.Norm, run.Eps), len(run.Stages), run.Stages, run.RobustAccuracy)
			}
		}
		clean := aa.Runs[0].Outcomes
		if len(c.Results) != len(in.CertLinf)+len(in.CertL2) || len(aa.Within) != len(c.Results) {
			t.Fatalf("β = %g: %d certificates, %d upper bounds", aa.Beta, len(c.Results), len(aa.Within))
		}
		certifiedSome := false
		for k, ce := range c.Results {
			w := aa.Within[k]
			if w.Norm != ce.Norm || w.Eps != ce.Eps {
				t.Fatalf("β = %g: certificate %d at %s, upper bound at %s", aa.Beta, k, normEps(ce.Norm, ce.Eps), w)
			}
			if ce.Accuracy > w.Accuracy {
				t.Errorf("β = %g %s: certified %g above the attack's upper bound %g", aa.Beta, w, ce.Accuracy, w.Accuracy)
			}
			if got := r4(float64(strings.Count(ce.Outcomes, "1")) / float64(n)); got != ce.Accuracy || len(ce.Outcomes) != n {
				t.Errorf("β = %g %s: outcomes say certified %g of %d, stored %g", aa.Beta, w, got, len(ce.Outcomes), ce.Accuracy)
			}
			for j := range ce.Outcomes {
				if ce.Outcomes[j] == '1' && clean[j] == '0' {
					t.Errorf("β = %g %s: example %d certified but misclassified clean", aa.Beta, w, j)
				}
			}
			certifiedSome = certifiedSome || ce.Accuracy > 0
		}
		if !certifiedSome {
			t.Errorf("β = %g: CROWN certified nothing at any radius", aa.Beta)
		}
		for _, k := range []int{in.key(o.Info()), len(in.LinfEps) + in.keyL2(o.Info())} {
			ran := false
			for _, ch := range aa.Runs[k].Checks {
				ran = ran || ch.Name == attack.CheckLargeBudget && ch.Ran
			}
			if !ran {
				t.Errorf("β = %g: the large-budget check did not run at the key budget %s", aa.Beta, normEps(aa.Runs[k].Norm, aa.Runs[k].Eps))
			}
		}
		if r := aa.Runs[len(in.LinfEps)+in.keyL2(o.Info())]; r.Norm != attack.NormL2 || r.Eps != 1 {
			t.Errorf("β = %g: the key L2 run is at %s, want L2 1", aa.Beta, normEps(r.Norm, r.Eps))
		}
		if !aa.EpsMonotone.Ran || !aa.EpsMonotoneL2.Ran {
			t.Errorf("β = %g: ε-monotonicity checks ran L∞ %v, L2 %v (want both over %v and %v)", aa.Beta, aa.EpsMonotone.Ran, aa.EpsMonotoneL2.Ran, in.LinfEps, in.L2Eps)
		}
	}
}

// TestDefaultInstrumentsL2: the L2 threat model stands beside L∞ — the
// ensemble at L2 1 and 1.5 (--quick: 0.5 and 1), the key L2 budget 1
// among them, and CROWN at L2 radii up to the smallest budget.
func TestDefaultInstrumentsL2(t *testing.T) {
	for _, name := range []string{"mnist", "fashion"} {
		st := Studies[name]
		for _, c := range []struct {
			quick      bool
			l2, certL2 []float64
		}{
			{false, []float64{1, 1.5}, []float64{0.05, 0.1, 0.2, 0.5}},
			{true, []float64{0.5, 1}, []float64{CertKeyL2, 0.5}},
		} {
			in := DefaultInstruments(st, c.quick)
			if !slices.Equal(in.L2Eps, c.l2) || !slices.Equal(in.CertL2, c.certL2) || in.L2Eps[in.keyL2(st)] != 1 {
				t.Errorf("%s quick %v: L2 budgets %v, radii %v, key %d; want %v, %v, key L2 1", name, c.quick, in.L2Eps, in.CertL2, in.keyL2(st), c.l2, c.certL2)
			}
		}
	}
}

// synthRecords builds the instrument records of one seed's models at betas:
// model k is robust on the first robust[k] of n examples, clean-correct on
// the first clean[k], and certified at every radius on the first cert[k].
func synthRecords(betas []float64, n int, clean, robust, cert []int) *MNISTResults {
	st := Studies["mnist"]
	in := DefaultInstruments(st, true)
	r := &MNISTResults{Options: DefaultMNIST(true)}
	r.Options.Betas, r.Options.Protocols = betas, []string{Standard}
	for k, b := range betas {
		out := strings.Repeat("2", robust[k]) + strings.Repeat("1", clean[k]-robust[k]) + strings.Repeat("0", n-clean[k])
		aa := MNISTAutoAttack{Protocol: Standard, Beta: b, Examples: n, Version: in.Version, Steps: in.Steps, SquareQueries: in.SquareQueries}
		for _, bu := range []EpsAcc{{Norm: attack.NormInf, Eps: 0.05}, {Norm: attack.NormInf, Eps: 0.1}, {Norm: attack.NormL2, Eps: 0.5}, {Norm: attack.NormL2, Eps: 1}} {
			aa.Runs = append(aa.Runs, InstrumentRun{Norm: bu.Norm, Eps: bu.Eps, Clean: float64(clean[k]) / float64(n), RobustAccuracy: float64(robust[k]) / float64(n), Outcomes: out})
		}
		c := MNISTCertified{Protocol: Standard, Beta: b, Method: in.CertMethod, Examples: n}
		for _, g := range []struct {
			norm string
			eps  []float64
		}{{attack.NormInf, in.CertLinf}, {attack.NormL2, in.CertL2}} {
			for _, eps := range g.eps {
				c.Results = append(c.Results, CertifiedEps{Norm: g.norm, Eps: eps, Accuracy: float64(cert[k]) / float64(n), Outcomes: strings.Repeat("1", cert[k]) + strings.Repeat("0", n-cert[k])})
				aa.Within = append(aa.Within, EpsAcc{Norm: g.norm, Eps: eps, Accuracy: float64(clean[k]) / float64(n)})
			}
		}
		r.AutoAttack, r.Certified = append(r.AutoAttack, aa), append(r.Certified, c)
	}
	return r
}

// TestInstrumentClaims: on records of known outcomes the instruments'
// claims say what the numbers say — robustness under AutoAttack rising
// steeply with β holds at both budgets, certified robustness falling with
// β does not hold, LILs beat β = 0 (the best that holds is the largest β)
// — and each names its instrument, family and correction. The brackets
// are drawn, and the report section shows the numbers.
func TestInstrumentClaims(t *testing.T) {
	r := synthRecords([]float64{0, 1, 10}, 400, []int{390, 380, 370}, []int{80, 160, 240}, []int{300, 200, 100})
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mnist"), 0o755)
	figs := map[string]string{}
	s, err := r.summarizeInstruments(dir, figs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		has     []string
		outcome verdict.Outcome
	}{
		{[]string{"robustness rises with β under AutoAttack", "L∞ 0.1", "Holm"}, verdict.Holds},
		{[]string{"robustness rises with β under AutoAttack", "L2 1", "Holm"}, verdict.Holds},
		{[]string{"certified robustness rises with β", "L∞ 0.01", "CROWN", "Holm"}, verdict.DoesNotHold},
		{[]string{"certified robustness rises with β", "L2 0.1", "CROWN"}, verdict.DoesNotHold},
		{[]string{"LILs are more robust than plain CE under AutoAttack", "L∞ 0.1", "every β > 0 against β = 0", "Newcombe"}, verdict.Holds},
		{[]string{"LILs are more robust than plain CE under AutoAttack", "L2 1"}, verdict.Holds},
	}
	if len(s.Claims) != len(want) {
		t.Fatalf("%d claims, want %d: %+v", len(s.Claims), len(want), s.Claims)
	}
	for i, w := range want {
		c := s.Claims[i]
		for _, h := range w.has {
			if !strings.Contains(c.Claim, h) {
				t.Errorf("claim %d %q lacks %q", i, c.Claim, h)
			}
		}
		if c.Outcome != w.outcome {
			t.Errorf("claim %d %q: %s (%s), want %s", i, c.Claim, c.Outcome, c.Measured, w.outcome)
		}
	}
	if !strings.Contains(s.Claims[4].Measured, "the best that holds: β = 10") {
		t.Errorf("LIL family: %s", s.Claims[4].Measured)
	}
	// The L2 claims judge the key L2 budget 1, not the first one run (0.5).
	for _, c := range s.Claims {
		if strings.Contains(c.Claim, "L2 0.5") {
			t.Errorf("a claim at L2 0.5, not the key L2 budget 1: %s", c.Claim)
		}
	}
	// Success rate among clean-correct: β = 0 breaks 310 of 390.
	if !strings.Contains(s.Claims[0].Measured, "attack success rate among clean-correct examples "+num(r4(310.0/390))) {
		t.Errorf("success rate missing: %s", s.Claims[0].Measured)
	}
	for _, name := range []string{"robustness bracket L∞", "robustness bracket L2"} {
		rel, ok := figs[name]
		if !ok {
			t.Fatalf("no figure %q in %v", name, figs)
		}
		if _, err := os.Stat(filepath.Join(dir, rel+".png")); err != nil {
			t.Error(err)
		}
	}
	md := s.Markdown()
	for _, h := range []string{"AutoAttack L∞ 0.1", "AutoAttack L2 0.5", "AutoAttack L2 1", "Two threat models: L∞ (ε = 0.05, 0.1) and L2 (ε = 0.5, 1,", "the claims judge the key budgets L∞ 0.1 and L2 1", "| standard |  10 | 0.925 |", "0.3514", "25 iterations, Square with 100 queries", "0.75 (≤ 0.975)"} {
		if !strings.Contains(md, h) {
			t.Errorf("report section lacks %q:\n%s", h, md)
		}
	}
}

// TestBracketOf: the bracket of one model by hand — the upper bound the
// running minimum of clean, the attack's bounds within the certificates'
// radii and the ensemble's robust accuracy; the lower bound the running
// maximum from the right of the certified accuracy, 0 past the certificates.
func TestBracketOf(t *testing.T) {
	a := MNISTAutoAttack{Runs: []InstrumentRun{
		{Norm: attack.NormInf, Eps: 0.05, Clean: 0.9, RobustAccuracy: 0.5},
		{Norm: attack.NormInf, Eps: 0.1, Clean: 0.9, RobustAccuracy: 0.6}, // above 0.05's: carried down to 0.5
		{Norm: attack.NormL2, Eps: 1, Clean: 0.9, RobustAccuracy: 0.4},
	}, Within: []EpsAcc{{attack.NormInf, 0.01, 0.85}, {attack.NormInf, 0.02, 0.88}, {attack.NormL2, 0.5, 0.8}}}
	c := MNISTCertified{Results: []CertifiedEps{{Norm: attack.NormInf, Eps: 0.01, Accuracy: 0.3}, {Norm: attack.NormInf, Eps: 0.02, Accuracy: 0.4}, {Norm: attack.NormL2, Eps: 0.5, Accuracy: 0.2}}}
	x, lo, hi, crossed := bracketOf(a, c, attack.NormInf)
	wantX, wantLo, wantHi := []float64{0, 0.01, 0.02, 0.05, 0.1}, []float64{0.9, 0.4, 0.4, 0, 0}, []float64{0.9, 0.85, 0.85, 0.5, 0.5}
	if !slices.Equal(x, wantX) || !slices.Equal(lo, wantLo) || !slices.Equal(hi, wantHi) || crossed {
		t.Errorf("L∞ bracket x %v lo %v hi %v crossed %v, want %v %v %v", x, lo, hi, crossed, wantX, wantLo, wantHi)
	}
	x, lo, hi, _ = bracketOf(a, c, attack.NormL2)
	if !slices.Equal(x, []float64{0, 0.5, 1}) || !slices.Equal(lo, []float64{0.9, 0.2, 0}) || !slices.Equal(hi, []float64{0.9, 0.8, 0.4}) {
		t.Errorf("L2 bracket x %v lo %v hi %v", x, lo, hi)
	}
	c.Results[0].Accuracy = 0.95 // certified above clean: unsound, clamped and said
	if _, lo, _, crossed = bracketOf(a, c, attack.NormInf); !crossed || lo[1] != 0.85 {
		t.Errorf("a crossed bracket: lo %v crossed %v", lo, crossed)
	}
}

// TestInstrumentsValidate: settings a library user can get wrong are
// refused by their field's name; the defaults pass.
func TestInstrumentsValidate(t *testing.T) {
	st := Studies["mnist"]
	for _, quick := range []bool{false, true} {
		if err := DefaultInstruments(st, quick).Validate(); err != nil {
			t.Errorf("defaults (quick %v): %v", quick, err)
		}
	}
	for _, c := range []struct {
		change func(*Instruments)
		want   string
	}{
		{func(in *Instruments) { in.Subset = -1 }, "Subset"},
		{func(in *Instruments) { in.LinfEps = nil }, "LinfEps"},
		{func(in *Instruments) { in.SquareQueries = 0 }, "SquareQueries"},
		{func(in *Instruments) { in.L2Eps = []float64{-1} }, "Eps"},
		{func(in *Instruments) { in.Version = "best" }, "Version"},
		{func(in *Instruments) { in.L2Eps = []float64{1, 0.5} }, "L2Eps"},
		{func(in *Instruments) { in.LinfEps = []float64{0.1, 0.1} }, "LinfEps"},
		{func(in *Instruments) { in.CertMethod = "exact" }, "Method"},
	} {
		in := DefaultInstruments(st, true)
		c.change(&in)
		o := DefaultMNIST(true)
		o.Instruments = &in
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error naming %s", in, err, c.want)
		}
	}
}

// TestInstrumentClaimsSeeds: with three seeds the instruments' claims use
// the interval over the seeds and the test examples (verdict.Paired's seed
// part) and say so, and their verdicts are not marked "(1 seed:
// indicative)"; with one seed they are.
func TestInstrumentClaimsSeeds(t *testing.T) {
	betas := []float64{0, 1, 10}
	var r *MNISTResults
	for seed := range uint64(3) {
		d := int(seed) * 4 // the seeds differ a little; the rise is the same
		one := synthRecords(betas, 400, []int{390, 380, 370}, []int{80 + d, 160 + d, 240 + d}, []int{300, 200, 100})
		for i := range one.AutoAttack {
			one.AutoAttack[i].Seed, one.Certified[i].Seed = seed, seed
		}
		if r == nil {
			r = one
			continue
		}
		r.AutoAttack, r.Certified = append(r.AutoAttack, one.AutoAttack...), append(r.Certified, one.Certified...)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mnist"), 0o755)
	s, err := r.summarizeInstruments(dir, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Claims) != 6 {
		t.Fatalf("%d claims", len(s.Claims))
	}
	for _, c := range s.Claims {
		if strings.Contains(c.Holds, "1 seed") || len(c.Effects) == 0 {
			t.Errorf("%s: %q with %d effects", c.Claim, c.Holds, len(c.Effects))
			continue
		}
		if iv := c.Effects[0].Interval; iv.Seeds != 3 || !strings.Contains(iv.Basis, "over 3 seeds and the test examples") {
			t.Errorf("%s: %d seeds, basis %q", c.Claim, iv.Seeds, iv.Basis)
		}
	}
	if c := s.Claims[0]; c.Outcome != verdict.Holds {
		t.Errorf("%s: %s (%s), want holds", c.Claim, c.Outcome, c.Measured)
	}
}
