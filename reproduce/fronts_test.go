package reproduce

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/train"
	"github.com/isonet/isonet/verdict"
)

// outcomes writes an AutoAttack outcome string of n examples: the first
// clean ones classified correctly, the first robust of those robust.
func outcomes(n, clean, robust int) string {
	b := []byte(strings.Repeat("0", n))
	for j := range clean {
		b[j] = '1'
		if j < robust {
			b[j] = '2'
		}
	}
	return string(b)
}

// certOutcomes writes a certificate's outcome string: the first k
// certified.
func certOutcomes(n, k int) string {
	return strings.Repeat("1", k) + strings.Repeat("0", n-k)
}

// instrumented is a model with AutoAttack at L∞ 0.1 and L2 1 and a
// certificate at CertKeyLinf, from counts over n examples.
func instrumented(method string, knob float64, n, clean, robust, robustL2, cert int) Instrumented {
	return Instrumented{Method: method, Knob: knob,
		AutoAttack: MNISTAutoAttack{Version: attack.VersionStandard, Steps: 10, SquareQueries: 10, Runs: []InstrumentRun{
			{Norm: attack.NormInf, Eps: 0.1, Outcomes: outcomes(n, clean, robust)},
			{Norm: attack.NormL2, Eps: 1, Outcomes: outcomes(n, clean, robustL2)},
		}},
		Certified: MNISTCertified{Method: certify.MethodCROWN, Results: []CertifiedEps{{Norm: certify.NormInf, Eps: CertKeyLinf, Outcomes: certOutcomes(n, cert)}}},
	}
}

// shifted makes in robust at L∞ on examples lo..hi−1 exactly (they must
// be among its clean ones).
func shifted(in Instrumented, lo, hi int) Instrumented {
	b := []byte(in.AutoAttack.Runs[0].Outcomes)
	for j := range b {
		if b[j] != '0' {
			b[j] = '1'
			if j >= lo && j < hi {
				b[j] = '2'
			}
		}
	}
	in.AutoAttack.Runs[0].Outcomes = string(b)
	return in
}

// TestFrontOf: the fronts of hand-made points — which fronts exist, each
// point's means, who is on the front and who dominates whom.
func TestFrontOf(t *testing.T) {
	st := Study{Name: "mnist", Title: "MNIST", KeyEps: 0.1}
	const n = 100
	ins := []Instrumented{
		instrumented(train.MethodLIL, 0, n, 95, 5, 30, 80),    // plain CE
		instrumented(train.MethodLIL, 1, n, 90, 20, 40, 85),   // trade-off with plain CE: on the robust fronts
		instrumented(train.MethodLIL, 10, n, 70, 10, 20, 60),  // dominated by β = 1 everywhere
		instrumented(train.MethodAdv, 0.1, n, 80, 60, 40, 70), // ties β = 1 at L2 with lower clean: off that front
	}
	specs := frontSpecs(ins, st)
	var slugs []string
	for _, fs := range specs {
		slugs = append(slugs, fs.slug)
	}
	if want := []string{"robust-linf", "robust-l2", "certified-linf"}; !slices.Equal(slugs, want) {
		t.Fatalf("fronts %v, want %v (no L2 certificate was computed)", slugs, want)
	}
	for _, c := range []struct {
		spec    int
		clean   []float64
		value   []float64
		on      []bool
		domBeta string // who dominates LIL β = 10
	}{
		{0, []float64{0.95, 0.9, 0.7, 0.8}, []float64{0.05, 0.2, 0.1, 0.6}, []bool{true, true, false, true}, "LIL β = 1, PGD adversarial training ε = 0.1"},
		{1, []float64{0.95, 0.9, 0.7, 0.8}, []float64{0.3, 0.4, 0.2, 0.4}, []bool{true, true, false, false}, "plain CE (LIL β = 0), LIL β = 1, PGD adversarial training ε = 0.1"},
		{2, []float64{0.95, 0.9, 0.7, 0.8}, []float64{0.8, 0.85, 0.6, 0.7}, []bool{true, true, false, false}, "plain CE (LIL β = 0), LIL β = 1, PGD adversarial training ε = 0.1"},
	} {
		f := frontOf(ins, specs[c.spec])
		if len(f.Points) != 4 || f.Examples != n {
			t.Fatalf("%s: %d points on %d examples", specs[c.spec].slug, len(f.Points), f.Examples)
		}
		for i, p := range f.Points {
			if p.Clean.Mean != c.clean[i] || p.Value.Mean != c.value[i] || p.OnFront != c.on[i] {
				t.Errorf("%s %s: clean %g value %g on front %v, want %g %g %v", specs[c.spec].slug, p.Label, p.Clean.Mean, p.Value.Mean, p.OnFront, c.clean[i], c.value[i], c.on[i])
			}
		}
		if got := strings.Join(f.Points[2].DominatedBy, ", "); got != c.domBeta {
			t.Errorf("%s: LIL β = 10 dominated by %q, want %q", specs[c.spec].slug, got, c.domBeta)
		}
	}
	// Two seeds of one model are one point, its value their mean.
	two := append(slices.Clone(ins), instrumented(train.MethodLIL, 1, n, 80, 10, 40, 75))
	two[len(two)-1].Seed = 1
	f := frontOf(two, specs[0])
	if len(f.Points) != 4 || f.Points[1].Clean.Mean != 0.85 || f.Points[1].Value.Mean != 0.15 || len(f.Points[1].clean) != 2 {
		t.Errorf("two seeds of LIL β = 1: %d points, clean %g, robust %g, %d seeds", len(f.Points), f.Points[1].Clean.Mean, f.Points[1].Value.Mean, len(f.Points[1].clean))
	}
}

// TestDominanceRule: the rule of the file's doc on intervals chosen to
// sit on each side of 0 and of the margin.
func TestDominanceRule(t *testing.T) {
	iv := func(lo, hi float64) verdict.Interval {
		return verdict.Interval{Lo: lo, Hi: hi, Estimate: (lo + hi) / 2}
	}
	for _, c := range []struct {
		name   string
		dc, dv verdict.Interval
		want   string
	}{
		{"higher value, same clean", iv(-0.01, 0.01), iv(0.1, 0.3), "dominates"},
		{"higher clean, value within the margin", iv(0.05, 0.1), iv(-0.015, 0.01), "dominates"},
		{"lower in both", iv(-0.1, -0.05), iv(-0.2, -0.1), "does not dominate"},
		{"trade-off beyond the margin", iv(-0.2, -0.1), iv(0.3, 0.5), "does not dominate"},
		{"higher value, clean lower but maybe within the margin", iv(-0.05, -0.01), iv(0.3, 0.5), "not resolved"},
		{"lower value, same clean", iv(-0.01, 0.01), iv(-0.3, -0.1), "does not dominate"},
		{"lower value within the margin, higher clean unresolved", iv(-0.01, 0.03), iv(-0.015, -0.005), "not resolved"},
		{"straddles", iv(-0.01, 0.01), iv(-0.02, 0.05), "not resolved"},
	} {
		if got := dominance(c.dc, c.dv); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestFrontVerdicts: per-example outcomes on 1000 examples, where a LIL is
// dominated (off the front), one where it is on the front (every other
// model shown not to dominate it) and one not resolved; and the claims
// rows and the report's table say so.
func TestFrontVerdicts(t *testing.T) {
	const n = 1000
	st := Study{Name: "mnist", Title: "MNIST", KeyEps: 0.1}
	ce := instrumented(train.MethodLIL, 0, n, 950, 50, 300, 800)
	for _, c := range []struct {
		name    string
		lil     Instrumented
		others  []Instrumented
		want    verdict.Outcome
		dom     string // the relation to the last other model
		measure string
	}{
		// TRADES keeps the LIL's clean examples and breaks fewer.
		{"dominated", instrumented(train.MethodLIL, 1, n, 900, 100, 350, 800),
			[]Instrumented{instrumented(train.MethodTrades, 6, n, 900, 400, 500, 800)}, verdict.DoesNotHold, "dominates", "dominated by TRADES β = 6"},
		// The LIL trades robustness for clean accuracy with PGD-AT (15
		// points of clean accuracy), and beats plain CE's robustness at
		// equal clean accuracy.
		{"on the front", instrumented(train.MethodLIL, 1, n, 950, 400, 450, 800),
			[]Instrumented{instrumented(train.MethodAdv, 0.1, n, 800, 600, 500, 700)}, verdict.Holds, "does not dominate", "LIL β = 1 (clean"},
		// One point more robust on the same clean examples, 5 examples
		// robust only under the LIL and 15 only under the other: not
		// resolved.
		{"not resolved", instrumented(train.MethodLIL, 1, n, 900, 300, 350, 800),
			[]Instrumented{shifted(instrumented(train.MethodJacobian, 0.01, n, 900, 0, 350, 800), 5, 315)}, verdict.NotResolved, "not resolved", "not resolved"},
	} {
		ins := append([]Instrumented{ce, c.lil}, c.others...)
		fronts, figs, err := computeFronts(ins, st, "", "front-", true)
		if err != nil {
			t.Fatal(err)
		}
		if figs != nil {
			t.Errorf("%s: figures %v drawn without a folder", c.name, figs)
		}
		f := fronts[0] // robust L∞ 0.1
		if f.Kind != "robust" || f.Norm != attack.NormInf || len(f.LILs) != 1 || len(f.Dominance) != len(ins)-1 {
			t.Fatalf("%s: front %s %s, %d LIL verdicts, %d comparisons", c.name, f.Kind, f.Norm, len(f.LILs), len(f.Dominance))
		}
		if f.LILs[0].Outcome != c.want || f.Verdict.Outcome != c.want {
			t.Errorf("%s: LIL %s, front %s, want %s (%+v)", c.name, f.LILs[0].Outcome, f.Verdict.Outcome, c.want, f.Dominance)
		}
		if d := f.Dominance[len(f.Dominance)-1]; d.Relation != c.dom {
			t.Errorf("%s: %s against %s: %s, want %s (clean %s, value %s)", c.name, d.Other, d.LIL, d.Relation, c.dom, d.Clean, d.Value)
		}
		// Two pairs of intervals, Bonferroni over 2·2 intervals.
		if !strings.Contains(f.Correction, "over 4 intervals (each at 98.75 %)") {
			t.Errorf("%s: correction %q", c.name, f.Correction)
		}
		r := &BaselineResults{Options: BaselineOptions{MNIST: DefaultMNIST(true)}, Instrumented: ins, Fronts: fronts}
		claims := r.frontClaims()
		if len(claims) != len(fronts) || claims[0].Outcome != c.want || !strings.Contains(claims[0].Measured, c.measure) {
			t.Errorf("%s: claims %+v", c.name, claims)
		}
		// The paragraph names the verdict and, where measured, adversarial
		// training nearest to the LIL in clean accuracy.
		w := r.where()
		if !strings.Contains(w, "\"a LIL lies on the front\" "+f.Verdict.Text) {
			t.Errorf("%s: paragraph lacks the verdict %q:\n%s", c.name, f.Verdict.Text, w)
		}
		if c.name == "on the front" && !strings.Contains(w, "adversarial training nearest in clean accuracy, PGD adversarial training ε = 0.1, has 80.0 % / 60.0 %") {
			t.Errorf("%s: paragraph lacks adversarial training:\n%s", c.name, w)
		}
		rows := dominanceRows(fronts)
		if len(rows) != len(fronts) || rows[0][len(rows[0])-1] != f.LILs[0].Text {
			t.Errorf("%s: dominance rows %v", c.name, rows)
		}
	}
}

// TestLILFronts: the default report's fronts come from the study's own
// instruments, every protocol a line along β, drawn into the study's
// folder and named in its figures; they are not judged.
func TestLILFronts(t *testing.T) {
	const n = 50
	mk := func(proto string, beta float64, clean, robust int) (MNISTAutoAttack, MNISTCertified) {
		in := instrumented(train.MethodLIL, beta, n, clean, robust, robust, robust)
		in.AutoAttack.Protocol, in.AutoAttack.Beta = proto, beta
		return in.AutoAttack, in.Certified
	}
	r := &MNISTResults{Options: DefaultMNIST(true)}
	for _, m := range []struct {
		proto         string
		beta          float64
		clean, robust int
	}{{Standard, 0, 48, 1}, {Standard, 1, 45, 6}, {Authors, 0, 47, 2}, {Authors, 1, 40, 4}} {
		a, c := mk(m.proto, m.beta, m.clean, m.robust)
		r.AutoAttack, r.Certified = append(r.AutoAttack, a), append(r.Certified, c)
	}
	dir := t.TempDir()
	figs := map[string]string{}
	fronts, err := r.lilFronts(dir, figs)
	if err != nil {
		t.Fatal(err)
	}
	if len(fronts) != 3 || figs["LIL front robust-linf"] != filepath.Join("mnist", "lil-front-robust-linf") {
		t.Fatalf("%d fronts, figures %v", len(fronts), figs)
	}
	for _, name := range figs {
		for _, ext := range []string{".png", ".svg"} {
			if fi, err := os.Stat(filepath.Join(dir, name+ext)); err != nil || fi.Size() == 0 {
				t.Errorf("figure %s%s: %v", name, ext, err)
			}
		}
	}
	f := fronts[0]
	var labels []string
	for _, p := range f.Points {
		labels = append(labels, p.Label)
	}
	if want := []string{"plain CE (LIL β = 0)", "LIL β = 1", "plain CE (LIL β = 0) (authors protocol)", "LIL β = 1 (authors protocol)"}; !slices.Equal(labels, want) {
		t.Errorf("points %q, want %q", labels, want)
	}
	if f.Points[3].OnFront || !f.Points[0].OnFront || !f.Points[1].OnFront || len(f.Dominance) != 0 || f.Verdict.Outcome != verdict.NotRun || len(f.LILs) != 0 {
		t.Errorf("front: %+v", f)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, figs["LIL front robust-linf"]+".svg"))
	if !strings.Contains(string(svg), "LIL, authors protocol (β)") {
		t.Error("the figure does not name the authors protocol's line")
	}
	md := lilFrontsMarkdown(fronts)
	if !strings.Contains(md, "| LIL β = 1 (authors protocol) ") || !strings.Contains(md, "(front)") {
		t.Errorf("markdown:\n%s", md)
	}
}

// TestLipschitzCertifyPhase: a 1-Lipschitz (MaxMin) network of the sweeps
// is certified by its Lipschitz bound, and the phase's outcomes agree
// example by example with model.LipschitzL2 on the same test examples (at
// L∞ through the L2 ball of radius ε·√n).
func TestLipschitzCertifyPhase(t *testing.T) {
	mo := tinyIdentityStudy(t)
	mo.Betas = []float64{0}
	e := &Env{Dir: t.TempDir(), Quick: true, Seeds: []uint64{0}}
	o := DefaultBaselines(true)
	o.MNIST, o.Methods, o.Knobs, o.Eps, o.AttackSubset = mo, []string{train.MethodLipschitz}, map[string][]float64{train.MethodLipschitz: {2}}, []float64{0.1}, 20
	res, err := Baselines(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	var lip *Instrumented
	for i := range res.Instrumented {
		if res.Instrumented[i].Method == train.MethodLipschitz {
			lip = &res.Instrumented[i]
		}
	}
	if lip == nil || lip.Knob != 2 || lip.Certified.Method != CertLipschitz {
		t.Fatalf("instrumented %+v", res.Instrumented)
	}
	// The training phase is stored: TrainPhase reads it back.
	tr, err := TrainPhase(context.Background(), e, "mnist/baseline/lipschitz-margin=2/seed=0/train", mustKnobSpec(t, e, o, train.MethodLipschitz, 2))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(filepath.Join(e.Dir, tr.Dir))
	if err != nil {
		t.Fatal(err)
	}
	in := mo.instruments(true)
	x, y, err := e.instrumentSubset(mustKnobSpec(t, e, o, train.MethodLipschitz, 2), in)
	if err != nil {
		t.Fatal(err)
	}
	radii, _, err := model.LipschitzL2(m, x, y)
	if err != nil {
		t.Fatal(err)
	}
	c := lip.Certified
	if c.Examples != x.Rows || len(c.Results) != len(in.CertLinf)+len(in.CertL2) {
		t.Fatalf("%d examples, %d results", c.Examples, len(c.Results))
	}
	root := 28.0 // √784
	for _, ce := range c.Results {
		r := ce.Eps
		if ce.Norm == certify.NormInf {
			r *= root
		}
		if ce.Accuracy != r4(model.CertifiedAccuracy(radii, r)) {
			t.Errorf("%s: certified %g, LipschitzL2 gives %g", normEps(ce.Norm, ce.Eps), ce.Accuracy, model.CertifiedAccuracy(radii, r))
		}
		for j, ch := range ce.Outcomes {
			if want := radii[j] > r; (ch == '1') != want {
				t.Errorf("%s example %d: outcome %c, radius %g", normEps(ce.Norm, ce.Eps), j, ch, radii[j])
			}
		}
	}
	// The bound is sound against the attack: nothing certified at L2 is
	// broken by the ensemble at a larger radius.
	for _, ce := range c.Results {
		for _, run := range lip.AutoAttack.Runs {
			if ce.Norm != certify.Norm2 || run.Norm != attack.NormL2 || run.Eps > ce.Eps {
				continue
			}
			for j := range ce.Outcomes {
				if ce.Outcomes[j] == '1' && run.Outcomes[j] != '2' {
					t.Errorf("example %d certified at L2 %g but broken at L2 %g", j, ce.Eps, run.Eps)
				}
			}
		}
	}
	if certifiedSome := slices.ContainsFunc(c.Results, func(ce CertifiedEps) bool { return ce.Accuracy > 0 }); !certifiedSome {
		t.Error("the Lipschitz bound certified nothing at any radius")
	}
}

func mustKnobSpec(t *testing.T, e *Env, o BaselineOptions, method string, knob float64) train.Spec {
	t.Helper()
	s, err := BaselineSpec(e, o, method, knob, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBaselinesPlanKnobs: a --baselines plan lists every method at each of
// its knob values (train, the AutoAttack ensemble, the certificate), the
// strong attacks only at the default knob (adversarial training: at each
// budget), and the LILs' instruments once.
func TestBaselinesPlanKnobs(t *testing.T) {
	o := DefaultOptions(true)
	o.Experiments, o.Baselines = []string{"mnist"}, true
	p, err := MakePlan(context.Background(), &Env{Dir: t.TempDir(), Quick: true, Seeds: []uint64{0}}, o, 1)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, ph := range p.Phases {
		if names[ph.Name] {
			t.Errorf("phase %s listed twice", ph.Name)
		}
		names[ph.Name] = true
	}
	b := DefaultBaselines(true)
	for _, m := range b.Methods {
		ks := b.knobs(m)
		if m != train.MethodAdv && len(ks) < 2 {
			t.Errorf("%s: swept over %v, want two values or more", m, ks)
		}
		for _, k := range ks {
			prefix := "mnist/baseline/" + m + "-" + knobSlug(m) + "=" + num(k) + "/seed=0/"
			for _, ph := range []string{"train", "autoattack", "certify"} {
				if !names[prefix+ph] {
					t.Errorf("plan lacks %s%s", prefix, ph)
				}
			}
			if strong := m == train.MethodAdv || k == b.DefaultKnob(m); names[prefix+"strong-attacks"] != strong {
				t.Errorf("%s at %g: strong attacks planned %v, want %v", m, k, names[prefix+"strong-attacks"], strong)
			}
		}
	}
	for _, m := range []string{train.MethodJacobian, train.MethodSpecNorm, train.MethodLipschitz, train.MethodTrades} {
		if !slices.Contains(b.Methods, m) {
			t.Errorf("method %s is not swept", m)
		}
	}
}
