package reproduce

import (
	"context"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/train"
	"github.com/isonet/isonet/verdict"
)

// This file places every model of the baselines' sweeps (the LILs along β,
// each baseline along its own knob) on the Pareto fronts of clean accuracy
// against robust accuracy (the AutoAttack ensemble at the study's key L∞
// and L2 budgets) and against certified accuracy (at
// CertKeyLinf and CertKeyL2), and judges from the per-example outcomes
// whether a LIL lies on each front (issue 30's fronts, issue 31's
// comparison of soft and hard isometry).
//
// Every model is judged by the study's instruments on the same first
// Instruments.Subset test examples, so two models' accuracies pair example
// by example. The rule of the dominance verdicts (frontVerdict):
//
//   - another model D dominates a LIL L "at equal clean accuracy" when
//     D's value (robust or certified accuracy) is higher (the paired
//     interval of D − L above 0) and D's clean accuracy is not lower by
//     more than verdict.Margin (that interval's lower end above −Margin),
//     or the same with clean and value swapped;
//   - D is shown not to dominate L when both of those are refuted: D's
//     value is lower (interval below 0) or its clean accuracy lower by
//     more than the margin (interval below −Margin), and D's clean
//     accuracy is lower or its value lower by more than the margin — a
//     model lower in both, or one that buys value with more than the
//     margin of clean accuracy (a trade-off: both may be on the front);
//   - otherwise the pair is not resolved;
//   - L lies on the front when every other model is shown not to dominate
//     it; it is off the front when some model dominates it; otherwise not
//     resolved. The claim "a LIL lies on the front" holds when one LIL
//     does, does not hold when every LIL is off it.
//
// The family is every (LIL β > 0, other model) pair of the front, each
// with two intervals (clean and value); Bonferroni's correction at
// family-wise Alpha sets every interval's level to 1 − Alpha/(2·pairs).
// The intervals are verdict.Paired's: Newcombe's paired method with one
// seed, with the spread over seeds added with several.

// Instrumented is the study's instruments on one model of the sweeps.
type Instrumented struct {
	Method string `json:"method"` // train.MethodLIL or a baseline
	// Protocol is a LIL's protocol when it is not Standard (the default
	// report's fronts draw both protocols' LILs); empty otherwise.
	Protocol   string          `json:"protocol,omitempty"`
	Knob       float64         `json:"knob"` // β for a LIL, the method's knob otherwise
	Seed       uint64          `json:"seed"`
	AutoAttack MNISTAutoAttack `json:"autoattack"`
	Certified  MNISTCertified  `json:"certified"`
}

// CertLipschitz names the certificate of a 1-Lipschitz (MaxMin) network:
// its Lipschitz bound (model.LipschitzL2), not CROWN, which does not take
// MaxMin.
const CertLipschitz = "lipschitz"

// baselineInstrumentPhases declares the instruments of one model of the
// sweeps: a LIL's are the study's own phases (same names and settings);
// a baseline's are the AutoAttack ensemble and CROWN, or for a MaxMin
// network the ensemble and its Lipschitz certificate.
func baselineInstrumentPhases(e *Env, j baselineJob, o MNISTOptions, in Instruments) []phase.Phase {
	sm := j.model()
	if j.method == train.MethodLIL {
		return instrumentPhases(e, sm, o)
	}
	cert := certifyPhase(e, sm.name+"/certify", sm, in)
	if sm.spec.Act == nn.MaxMin {
		cert = lipschitzCertifyPhase(e, sm.name+"/certify", sm, in)
	}
	return []phase.Phase{autoAttackPhase(e, sm.name+"/autoattack", sm, o.Info(), in), cert}
}

// lipschitzCertifyPhase declares the certified accuracy of a flat model
// from its Lipschitz bound (model.LipschitzL2) at every radius of in: at
// L2 radius ε an example is certified when its radius exceeds ε; at L∞
// radius ε when its L2 radius exceeds ε·√n (the L∞ ball of radius ε lies
// in the L2 ball of radius ε·√n, n the input's size), a sound but loose
// certificate. MeanBound is 0: the bound gives radii, not margins.
func lipschitzCertifyPhase(e *Env, name string, sm studyModel, in Instruments) phase.Phase {
	settings := struct {
		Spec   train.Spec
		Method string
		Subset int
		Linf   []float64
		L2     []float64
	}{sm.spec, CertLipschitz, in.Subset, in.CertLinf, in.CertL2}
	trainName := path.Dir(name) + "/train"
	return phase.Of(name, settings, []string{trainName}, nil, func(ctx context.Context, pin *phase.Inputs) (MNISTCertified, error) {
		res := MNISTCertified{Protocol: sm.proto, Beta: sm.beta, Seed: sm.seed, Method: CertLipschitz}
		m, x, y, err := e.instrumentInputs(pin, trainName, sm.spec, in)
		if err != nil {
			return res, err
		}
		res.Examples = x.Rows
		radii, _, err := model.LipschitzL2(m, x, y)
		if err != nil {
			return res, err
		}
		res.Clean = r4(model.CertifiedAccuracy(radii, 0))
		root := math.Sqrt(float64(x.Cols))
		for _, g := range []struct {
			norm  string
			eps   []float64
			scale float64
		}{{certify.NormInf, in.CertLinf, root}, {certify.Norm2, in.CertL2, 1}} {
			for _, eps := range g.eps {
				var b strings.Builder
				for _, r := range radii {
					b.WriteByte("01"[btoi(r > eps*g.scale)])
				}
				res.Results = append(res.Results, CertifiedEps{Norm: g.norm, Eps: eps, Accuracy: r4(model.CertifiedAccuracy(radii, eps*g.scale)), Outcomes: b.String()})
			}
		}
		return res, ctx.Err()
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FrontPoint is one model of the sweeps (a method at one knob value) on a
// front, its accuracies the means over seeds.
type FrontPoint struct {
	Method   string  `json:"method"`
	Protocol string  `json:"protocol,omitempty"`
	Knob     float64 `json:"knob"`
	Label    string  `json:"label"`
	Clean    Stat    `json:"clean_accuracy"`
	// Value is the robust or the certified accuracy.
	Value   Stat `json:"value"`
	OnFront bool `json:"on_front"`
	// DominatedBy labels the points that dominate it (point estimates).
	DominatedBy []string `json:"dominated_by,omitempty"`
	// clean and value are the per-example outcomes, seed by seed.
	clean, value [][]bool
}

// Dominance is one LIL compared with one other model on a front: the
// paired intervals of the other's accuracies minus the LIL's, at the
// family's Bonferroni level, and the relation they resolve.
type Dominance struct {
	LIL   string           `json:"lil"`
	Other string           `json:"other"`
	Clean verdict.Interval `json:"clean_difference"`
	Value verdict.Interval `json:"value_difference"`
	// Relation is "dominates", "does not dominate" or "not resolved".
	Relation string `json:"relation"`
}

// Front is one Pareto front of the sweeps.
type Front struct {
	// Kind is "robust" (the AutoAttack ensemble) or "certified".
	Kind       string       `json:"kind"`
	Norm       string       `json:"norm"`
	Eps        float64      `json:"eps"`
	Instrument string       `json:"instrument"`
	Examples   int          `json:"test_examples"`
	Points     []FrontPoint `json:"points"`
	// Dominance compares every LIL with β > 0 with every other model;
	// Verdict judges "a LIL lies on the front" (the file's rule), with the
	// family and its correction named.
	Dominance  []Dominance     `json:"dominance,omitempty"`
	Family     string          `json:"family"`
	Correction string          `json:"correction"`
	Verdict    verdict.Verdict `json:"verdict"`
	// LILs is each LIL's own verdict, in the order of the points.
	LILs []verdict.Verdict `json:"lil_verdicts,omitempty"`
	// Figure is the front's figure (path relative to the output folder,
	// without .png/.svg).
	Figure string `json:"figure,omitempty"`
}

// name says what the front plots, for titles and claims.
func (f Front) name() string {
	if f.Kind == "certified" {
		return "certified accuracy at " + normEps(f.Norm, f.Eps)
	}
	return "AutoAttack robust accuracy at " + normEps(f.Norm, f.Eps)
}

// frontSpec is a front to draw: the kind and the budget.
type frontSpec struct {
	kind, norm string
	eps        float64
	slug       string
}

// frontSpecs are the fronts of ins (study st): robust at the study's key
// L∞ and L2 budgets (the first L2 budget when the key one was not run),
// certified at CertKeyLinf and
// CertKeyL2, each only where the first model has it.
func frontSpecs(ins []Instrumented, st Study) []frontSpec {
	if len(ins) == 0 {
		return nil
	}
	var out []frontSpec
	a0, c0 := ins[0].AutoAttack, ins[0].Certified
	if slices.ContainsFunc(a0.Runs, func(x InstrumentRun) bool { return x.Norm == attack.NormInf && x.Eps == st.KeyEps }) {
		out = append(out, frontSpec{"robust", attack.NormInf, st.KeyEps, "robust-linf"})
	}
	i := slices.IndexFunc(a0.Runs, func(x InstrumentRun) bool { return x.Norm == attack.NormL2 && x.Eps == st.KeyL2Eps })
	if i < 0 {
		i = slices.IndexFunc(a0.Runs, func(x InstrumentRun) bool { return x.Norm == attack.NormL2 })
	}
	if i >= 0 {
		out = append(out, frontSpec{"robust", attack.NormL2, a0.Runs[i].Eps, "robust-l2"})
	}
	for _, c := range []struct {
		norm string
		eps  float64
		slug string
	}{{certify.NormInf, CertKeyLinf, "certified-linf"}, {certify.Norm2, CertKeyL2, "certified-l2"}} {
		if slices.ContainsFunc(c0.Results, func(x CertifiedEps) bool { return x.Norm == c.norm && x.Eps == c.eps }) {
			out = append(out, frontSpec{"certified", c.norm, c.eps, c.slug})
		}
	}
	return out
}

// outcomesAt returns one model's clean and value outcomes on the front fs
// (ok false when the model lacks the budget).
func (in Instrumented) outcomesAt(fs frontSpec) (clean, value []bool, ok bool) {
	if len(in.AutoAttack.Runs) == 0 {
		return nil, nil, false
	}
	clean = outcomeBits(in.AutoAttack.Runs[0].Outcomes, '1')
	if fs.kind == "robust" {
		for _, run := range in.AutoAttack.Runs {
			if run.Norm == fs.norm && run.Eps == fs.eps {
				return clean, outcomeBits(run.Outcomes, '2'), len(run.Outcomes) == len(clean)
			}
		}
		return nil, nil, false
	}
	for _, c := range in.Certified.Results {
		if c.Norm == fs.norm && c.Eps == fs.eps {
			return clean, outcomeBits(c.Outcomes, '1'), len(c.Outcomes) == len(clean)
		}
	}
	return nil, nil, false
}

// frontOf gathers the points of the front fs from ins: one per method,
// protocol and knob, in the order of ins, their outcomes seed by seed, and
// marks the empirical front (report.Pareto on the means over seeds).
func frontOf(ins []Instrumented, fs frontSpec) Front {
	f := Front{Kind: fs.kind, Norm: fs.norm, Eps: fs.eps}
	type key struct {
		method, protocol string
		knob             float64
	}
	idx := map[key]int{}
	certifiers := map[string]bool{}
	for _, in := range ins {
		clean, value, ok := in.outcomesAt(fs)
		if !ok {
			continue
		}
		k := key{in.Method, in.Protocol, in.Knob}
		i, seen := idx[k]
		if !seen {
			i = len(f.Points)
			idx[k] = i
			f.Points = append(f.Points, FrontPoint{Method: in.Method, Protocol: in.Protocol, Knob: in.Knob, Label: pointLabel(in.Method, in.Protocol, in.Knob)})
		}
		p := &f.Points[i]
		p.clean, p.value = append(p.clean, clean), append(p.value, value)
		f.Examples = len(clean)
		certifiers[in.Certified.Method] = true
		if fs.kind == "robust" {
			a := in.AutoAttack
			f.Instrument = fmt.Sprintf("AutoAttack (%s: %d iterations, Square %d queries) at %s on %d test examples", a.Version, a.Steps, a.SquareQueries, normEps(fs.norm, fs.eps), len(clean))
		}
	}
	if fs.kind == "certified" {
		what := "CROWN"
		if certifiers[CertLipschitz] {
			what = "CROWN; the Lipschitz bound for the 1-Lipschitz networks"
		}
		f.Instrument = fmt.Sprintf("certified accuracy (%s) at %s on %d test examples", what, normEps(fs.norm, fs.eps), f.Examples)
	}
	var xs, ys []float64
	for i := range f.Points {
		p := &f.Points[i]
		p.Clean, p.Value = newStat(fracs(p.clean)), newStat(fracs(p.value))
		xs, ys = append(xs, p.Clean.Mean), append(ys, p.Value.Mean)
	}
	on := report.Pareto(xs, ys)
	for i := range f.Points {
		f.Points[i].OnFront = on[i]
		for j := range f.Points {
			if report.Dominates(xs[j], ys[j], xs[i], ys[i]) {
				f.Points[i].DominatedBy = append(f.Points[i].DominatedBy, f.Points[j].Label)
			}
		}
	}
	return f
}

// fracs returns each seed's fraction of true outcomes, rounded as the
// instruments' accuracies are.
func fracs(v [][]bool) []float64 {
	out := make([]float64, len(v))
	for i, s := range v {
		out[i] = r4(float64(count(s)) / float64(max(1, len(s))))
	}
	return out
}

func count(v []bool) int {
	n := 0
	for _, b := range v {
		if b {
			n++
		}
	}
	return n
}

// pointLabel names a model of the sweeps: "LIL β = 1", "TRADES β = 6".
// A LIL of a protocol other than Standard has it named: "LIL β = 1
// (authors protocol)".
func pointLabel(method, protocol string, knob float64) string {
	if method == train.MethodLIL {
		s := "LIL β = " + num(knob)
		if knob == 0 {
			s = "plain CE (LIL β = 0)"
		}
		if protocol != "" {
			s += " (" + protocol + " protocol)"
		}
		return s
	}
	return methodName(method) + " " + knobName(method) + " = " + num(knob)
}

// isLIL reports whether p is a LIL with β > 0.
func (p FrontPoint) isLIL() bool { return p.Method == train.MethodLIL && p.Knob > 0 }

// line names the line p is drawn on: its method, and a LIL's protocol
// when it is not Standard.
func (p FrontPoint) line() string {
	if p.Protocol != "" {
		return "LIL, " + p.Protocol + " protocol (β)"
	}
	return shortName(p.Method) + " (" + knobName(p.Method) + ")"
}

// shortName names a method in the fronts' legends.
func shortName(method string) string {
	return map[string]string{train.MethodLIL: "LIL", train.MethodAdv: "PGD-AT", train.MethodJacobian: "Jacobian reg.", train.MethodSpecNorm: "spectral norm.",
		train.MethodLipschitz: "1-Lipschitz MaxMin", train.MethodTrades: "TRADES"}[method]
}

// judge sets the front's dominance comparisons and verdicts (the file's
// rule).
func (f *Front) judge() {
	var lils, others []int
	for i, p := range f.Points {
		if p.isLIL() {
			lils = append(lils, i)
		} else {
			others = append(others, i)
		}
	}
	pairs := len(lils) * len(others)
	f.Family = "every LIL β > 0 against every other model of the sweeps on this front (" + fmt.Sprint(pairs) + " pairs, clean and value each)"
	if pairs == 0 {
		f.Verdict, f.Correction = verdict.NotMeasured(), "none (no comparison)"
		return
	}
	conf := 1 - Alpha/float64(2*pairs)
	f.Correction = fmt.Sprintf("Bonferroni at family-wise %s over %d intervals (each at %s)", pctLevel(Alpha), 2*pairs, pctLevel(conf))
	for _, i := range lils {
		L := f.Points[i]
		dominated, shown := false, 0
		seeds := len(L.clean)
		for _, j := range others {
			D := f.Points[j]
			d := Dominance{LIL: L.Label, Other: D.Label, Relation: "not resolved"}
			dc, err1 := verdict.Paired([]float64{-1, 1}, [][][]bool{L.clean, D.clean}, conf)
			dv, err2 := verdict.Paired([]float64{-1, 1}, [][][]bool{L.value, D.value}, conf)
			if err1 == nil && err2 == nil {
				d.Clean, d.Value = dc, dv
				d.Relation = dominance(dc, dv)
			}
			switch d.Relation {
			case "dominates":
				dominated = true
			case "does not dominate":
				shown++
			}
			f.Dominance = append(f.Dominance, d)
		}
		var v verdict.Verdict
		switch {
		case dominated:
			v = verdict.Directional(verdict.Interval{Lo: -1, Hi: -1, Seeds: seeds}, verdict.Increase)
		case shown == len(others):
			v = verdict.Directional(verdict.Interval{Lo: 1, Hi: 1, Seeds: seeds}, verdict.Increase)
		default:
			v = verdict.Directional(verdict.Interval{Lo: -1, Hi: 1, Seeds: seeds}, verdict.Increase)
		}
		f.LILs = append(f.LILs, v)
	}
	f.Verdict = anyHolds(f.LILs)
}

// dominance decides the relation of another model to a LIL from the
// paired intervals of their clean (dc) and value (dv) differences, other
// minus LIL (the file's rule).
func dominance(dc, dv verdict.Interval) string {
	m := verdict.Margin
	switch {
	case dv.Lo > 0 && dc.Lo > -m, dc.Lo > 0 && dv.Lo > -m:
		return "dominates"
	case (dv.Hi < 0 || dc.Hi < -m) && (dc.Hi < 0 || dv.Hi < -m):
		return "does not dominate"
	}
	return "not resolved"
}

// computeFronts computes the fronts of ins (study st), judging each
// (Front.judge) when judge is set, and, when dir is not empty, draws each
// into dir/st.Name/prefix+slug; figures maps "front SLUG" to the figure's
// path relative to dir, without .png/.svg.
func computeFronts(ins []Instrumented, st Study, dir, prefix string, judge bool) (fronts []Front, figures map[string]string, err error) {
	for _, fs := range frontSpecs(ins, st) {
		f := frontOf(ins, fs)
		if len(f.Points) == 0 {
			continue
		}
		if judge {
			f.judge()
		} else {
			f.Verdict, f.Family, f.Correction = verdict.NotMeasured(), "none: not judged (--baselines judges the LILs against the other methods)", "none"
		}
		if dir != "" {
			rel := filepath.Join(st.Name, prefix+fs.slug)
			if err := os.MkdirAll(filepath.Join(dir, st.Name), 0o755); err != nil {
				return nil, nil, err
			}
			if err := f.draw(filepath.Join(dir, rel), st.Title); err != nil {
				return nil, nil, err
			}
			f.Figure = rel
			if figures == nil {
				figures = map[string]string{}
			}
			figures["front "+fs.slug] = rel
		}
		fronts = append(fronts, f)
	}
	return fronts, figures, nil
}

// computeFronts computes the fronts of r's instruments, judged, draws each
// into dir (r.Figures) and writes the plain-words paragraph (r.Where).
func (r *BaselineResults) computeFronts(dir string) error {
	var err error
	r.Fronts, r.Figures, err = computeFronts(r.Instrumented, r.Options.MNIST.Info(), dir, "front-", true)
	if err != nil {
		return err
	}
	r.Where = r.where()
	return nil
}

// draw draws the front: every method (a LIL per protocol) a line along its
// knob.
func (f Front) draw(base, title string) error {
	var lines []report.FrontLine
	at := map[string]int{}
	for _, p := range f.Points {
		name := p.line()
		i, ok := at[name]
		if !ok {
			i = len(lines)
			at[name] = i
			lines = append(lines, report.FrontLine{Name: name})
		}
		l := &lines[i]
		l.X, l.Y = append(l.X, p.Clean.Mean), append(l.Y, p.Value.Mean)
		l.Labels, l.OnFront = append(l.Labels, num(p.Knob)), append(l.OnFront, p.OnFront)
	}
	what := "robust (AutoAttack)"
	if f.Kind == "certified" {
		what = "certified"
	}
	return report.FrontPlot(base, fmt.Sprintf("%s: clean vs %s, %s", title, what, normEps(f.Norm, f.Eps)),
		fmt.Sprintf("clean accuracy (%d test examples)", f.Examples), what+" accuracy at "+normEps(f.Norm, f.Eps), lines,
		report.WithLegendTitle("method (knob)"), report.WithSize(8, 4.8))
}

// frontClaims are the claims-table rows of the fronts: "a LIL lies on the
// front", one per front.
func (r *BaselineResults) frontClaims() []Claim {
	var out []Claim
	prefix := studyPrefix(r.Options.MNIST.Info())
	for _, f := range r.Fronts {
		if len(f.LILs) == 0 {
			continue
		}
		c := Claim{Claim: fmt.Sprintf("%sa LIL (β > 0) lies on the Pareto front of clean accuracy against %s (instrument: %s; family: %s; correction: %s; dominance at equal clean accuracy: within ± %s)",
			prefix, f.name(), f.Instrument, f.Family, f.Correction, num(verdict.Margin)),
			Paper: "implied (\"comparable to adversarial training\")"}
		if f.Kind == "certified" {
			c.Paper = "not claimed"
		}
		var parts []string
		var eff []Effect
		k := 0
		for _, p := range f.Points {
			if !p.isLIL() {
				continue
			}
			s := fmt.Sprintf("%s (clean %s, %s %s) %s", p.Label, p.Clean.String(), f.Kind, p.Value.String(), f.LILs[k].Outcome)
			var by []string
			for _, d := range f.Dominance {
				if d.LIL == p.Label && d.Relation == "dominates" {
					by = append(by, fmt.Sprintf("%s: %s %s, clean %s", d.Other, f.Kind, d.Value.String(), d.Clean.String()))
					eff = append(eff, Effect{Name: fmt.Sprintf("%s minus %s, %s accuracy", d.Other, p.Label, f.Kind), Interval: d.Value})
				}
			}
			if len(by) > 0 {
				s += "; dominated by " + strings.Join(by, "; ")
			}
			parts = append(parts, s)
			k++
		}
		var front []string
		for _, p := range f.Points {
			if p.OnFront {
				front = append(front, p.Label)
			}
		}
		c.Measured = "on the empirical front: " + strings.Join(front, ", ") + ". " + strings.Join(parts, ". ")
		out = append(out, judged(c, f.Verdict, eff...))
	}
	return out
}

// where writes the plain-words paragraph: per front, the models on it and
// where the LILs sit, beside the hard-isometry networks and adversarial
// training nearest to the best LIL in clean accuracy.
func (r *BaselineResults) where() string {
	var b strings.Builder
	for _, f := range r.Fronts {
		var front []string
		best := -1
		for i, p := range f.Points {
			if p.OnFront {
				front = append(front, fmt.Sprintf("%s (%s / %s)", p.Label, pct(p.Clean), pct(p.Value)))
			}
			if p.isLIL() && (best < 0 || p.Value.Mean > f.Points[best].Value.Mean) {
				best = i
			}
		}
		fmt.Fprintf(&b, "On the front of clean accuracy against %s, the models no other beats in both (clean / %s) are %s. ", f.name(), f.Kind, strings.Join(front, ", "))
		if best < 0 {
			b.WriteString("No LIL with β > 0 was measured.\n\n")
			continue
		}
		L := f.Points[best]
		var lilsOn []string
		for _, p := range f.Points {
			if p.isLIL() && p.OnFront {
				lilsOn = append(lilsOn, p.Label)
			}
		}
		if len(lilsOn) > 0 {
			fmt.Fprintf(&b, "The LILs on it by point estimates are %s; by the paired intervals, \"a LIL lies on the front\" %s. ", strings.Join(lilsOn, ", "), f.Verdict.Text)
		} else {
			fmt.Fprintf(&b, "No LIL with β > 0 is on it by point estimates (by the paired intervals, \"a LIL lies on the front\" %s); the most %s LIL, %s (%s / %s), is beaten in both accuracies (point estimates) by %s. ", f.Verdict.Text, f.Kind, L.Label, pct(L.Clean), pct(L.Value), strings.Join(L.DominatedBy, ", "))
		}
		var near []string
		for _, g := range []struct {
			what    string
			methods []string
		}{{"the hard-isometry network", []string{train.MethodLipschitz}}, {"adversarial training", []string{train.MethodAdv, train.MethodTrades}}} {
			j := -1
			for i, p := range f.Points {
				if slices.Contains(g.methods, p.Method) && (j < 0 || math.Abs(p.Clean.Mean-L.Clean.Mean) < math.Abs(f.Points[j].Clean.Mean-L.Clean.Mean)) {
					j = i
				}
			}
			if j >= 0 {
				p := f.Points[j]
				near = append(near, fmt.Sprintf("%s nearest in clean accuracy, %s, has %s / %s", g.what, p.Label, pct(p.Clean), pct(p.Value)))
			}
		}
		if len(near) > 0 {
			fmt.Fprintf(&b, "Against %s: %s.", L.Label, strings.Join(near, "; "))
		}
		b.WriteString("\n\n")
	}
	return strings.TrimSpace(b.String())
}

// frontsMarkdown renders the instruments on every model of the sweeps, the
// fronts' figures and dominance verdicts, and the plain-words paragraph.
func (r *BaselineResults) frontsMarkdown() string {
	if len(r.Instrumented) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Every method along its knob: the clean, robust and certified fronts\n\n")
	o := r.Options
	fmt.Fprintf(&b, "Each method swept along its own knob: LIL β %s; PGD adversarial training's ε %s; ", joinNums(o.MNIST.Betas), joinNums(o.Eps))
	var ks []string
	for _, m := range o.Methods {
		if m != train.MethodAdv {
			ks = append(ks, fmt.Sprintf("%s's %s %s", methodName(m), knobName(m), joinNums(o.knobs(m))))
		}
	}
	b.WriteString(strings.Join(ks, "; "))
	b.WriteString(". Every model is judged by the study's instruments on the same test examples: the AutoAttack ensemble and a certificate — CROWN for the tanh networks, the Lipschitz bound (margin over the product of spectral norms, model.LipschitzL2) for the 1-Lipschitz MaxMin networks, which CROWN does not take; their L∞ certificates use the L2 radius over √n, sound but loose.\n\n")
	if len(r.Fronts) > 0 {
		certifier := func(p FrontPoint) string {
			for _, in := range r.Instrumented {
				if in.Method == p.Method && in.Knob == p.Knob && in.Certified.Method == CertLipschitz {
					return "Lipschitz bound (CROWN skipped)"
				}
			}
			return certify.MethodCROWN
		}
		header, rows := frontTable(r.Fronts, "certifier", certifier)
		b.WriteString(report.MarkdownTable(header, rows))
		b.WriteString("\n")
	}
	for _, f := range r.Fronts {
		if f.Figure != "" {
			fmt.Fprintf(&b, "![front: clean vs %s](%s.png)\n\n", f.name(), f.Figure)
		}
	}
	if rows := dominanceRows(r.Fronts); len(rows) > 0 {
		fmt.Fprintf(&b, "Is each LIL on the front? Every other model compared with it by paired intervals of the differences (other minus LIL) at the family's Bonferroni level (the claims table names it): \"dominates\" when the other is higher in one accuracy and not lower by more than %s points in the other; \"not dominating\" when that is refuted both ways (lower in both, or a trade-off of more than %s points). Every pair's intervals are in results.json.\n\n", num(100*verdict.Margin), num(100*verdict.Margin))
		b.WriteString(report.MarkdownTable([]string{"front", "LIL", "clean", "value", "dominated by (resolved)", "not resolved against", "on the front?"}, rows))
		b.WriteString("\n")
	}
	if r.Where != "" {
		b.WriteString("**Where the LILs sit.** ")
		b.WriteString(r.Where)
		b.WriteString("\n\n")
	}
	return b.String()
}

func joinNums(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, num(x))
	}
	return strings.Join(s, ", ")
}

// dominanceRows are the fronts' dominance verdicts, one row per front and
// LIL: its accuracies, the models that dominate it (resolved), how many
// are not resolved, and its verdict.
func dominanceRows(fronts []Front) [][]string {
	var rows [][]string
	for _, f := range fronts {
		k := 0
		for _, p := range f.Points {
			if !p.isLIL() || k >= len(f.LILs) {
				continue
			}
			var by []string
			unresolved, others := 0, 0
			for _, d := range f.Dominance {
				if d.LIL != p.Label {
					continue
				}
				others++
				switch d.Relation {
				case "dominates":
					by = append(by, fmt.Sprintf("%s (%s %s)", d.Other, f.Kind, signed(d.Value.Estimate)))
				case "not resolved":
					unresolved++
				}
			}
			dom := strings.Join(by, "; ")
			if dom == "" {
				dom = "none"
			}
			rows = append(rows, []string{f.Kind + " " + normEps(f.Norm, f.Eps), p.Label, frac(p.Clean), frac(p.Value), dom,
				fmt.Sprintf("%d of %d", unresolved, others), f.LILs[k].Text})
			k++
		}
	}
	return rows
}

// signed writes a difference with its sign: "+0.12", "-0.03".
func signed(x float64) string {
	if x >= 0 {
		return "+" + num(r4(x))
	}
	return num(r4(x))
}

// frontTable tabulates the fronts: a row per point of the first front
// (its label, the column extra when given, its clean accuracy), a column
// per front with the point's value, "(front)" when it is on that front.
func frontTable(fronts []Front, extraName string, extra func(FrontPoint) string) (header []string, rows [][]string) {
	header = []string{"model"}
	if extra != nil {
		header = append(header, extraName)
	}
	header = append(header, "clean")
	for _, f := range fronts {
		header = append(header, f.Kind+" "+normEps(f.Norm, f.Eps))
	}
	for _, p := range fronts[0].Points {
		row := []string{p.Label}
		if extra != nil {
			row = append(row, extra(p))
		}
		row = append(row, frac(p.Clean))
		for _, f := range fronts {
			v := "–"
			if i := slices.IndexFunc(f.Points, func(q FrontPoint) bool { return q.Label == p.Label }); i >= 0 {
				v = frac(f.Points[i].Value)
				if f.Points[i].OnFront {
					v += " (front)"
				}
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return header, rows
}

// lilInstrumented returns the study's instruments on its LILs (every
// protocol; β = 0 the plain network) as the fronts take them.
func (r *MNISTResults) lilInstrumented() []Instrumented {
	var out []Instrumented
	for i, a := range r.AutoAttack {
		if i >= len(r.Certified) {
			break
		}
		in := Instrumented{Method: train.MethodLIL, Knob: a.Beta, Seed: a.Seed, AutoAttack: a, Certified: r.Certified[i]}
		if a.Protocol != Standard {
			in.Protocol = a.Protocol
		}
		out = append(out, in)
	}
	return out
}

// lilFronts computes the study's own fronts from the instruments it ran
// (no phase of its own): the LILs along β, per protocol, on clean accuracy
// against AutoAttack robust accuracy (the key L∞ and L2 budgets) and against certified accuracy (CertKeyLinf, CertKeyL2). Each is
// drawn into dir/STUDY/lil-front-SLUG and named in figures as "LIL front
// SLUG". They are not judged: the baselines' fronts (--baselines) judge
// the LILs against the other methods.
func (r *MNISTResults) lilFronts(dir string, figures map[string]string) ([]Front, error) {
	fronts, figs, err := computeFronts(r.lilInstrumented(), r.Options.Info(), dir, "lil-front-", false)
	for k, v := range figs {
		figures["LIL "+k] = v
	}
	return fronts, err
}

// lilFrontsMarkdown renders the study's own fronts: the table of every
// LIL's accuracies, "(front)" where it is on the front; the figures follow
// with the study's others.
func lilFrontsMarkdown(fronts []Front) string {
	if len(fronts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n### Clean accuracy against robust and certified accuracy along β (Pareto fronts)\n\n")
	fmt.Fprintf(&b, "Every LIL of the study (β = 0 the plain network), per protocol, placed by the instruments above on the same %d test examples: the figures \"LIL front …\" below draw each protocol as a line along β and ring the models no other beats in both coordinates (means over seeds). With `--baselines` the same fronts hold every other method along its knob, with dominance verdicts.\n\n", fronts[0].Examples)
	header, rows := frontTable(fronts, "", nil)
	b.WriteString(report.MarkdownTable(header, rows))
	return b.String()
}
