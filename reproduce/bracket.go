package reproduce

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/report"
)

// InstrumentRow is one protocol's instruments at one β over seeds, on the
// instruments' test examples.
type InstrumentRow struct {
	Protocol string   `json:"protocol"`
	Beta     float64  `json:"beta"`
	Seeds    []uint64 `json:"seeds"`
	Clean    Stat     `json:"clean"`
	// AutoAttack is the ensemble's robust accuracy per budget (the order of
	// InstrumentSummary.Budgets); Success the attack success rate among the
	// clean-correct examples (broken / clean-correct).
	AutoAttack []Stat `json:"autoattack"`
	Success    []Stat `json:"attack_success_rate"`
	// Stages is the robust accuracy after each stage at the key L∞ budget.
	Stages []Stat `json:"key_stages"`
	// Certified is the certified accuracy per radius (InstrumentSummary.Radii)
	// and Within the attack's upper bound there.
	Certified []Stat `json:"certified"`
	Within    []Stat `json:"upper_bound_within"`
}

// InstrumentSummary is what the report shows of the instruments of a study.
type InstrumentSummary struct {
	Settings Instruments `json:"settings"`
	// Budgets are the ensemble's budgets and Radii the certificates'.
	Budgets []EpsAcc `json:"budgets"`
	Radii   []EpsAcc `json:"radii"`
	// StageNames names the stages of Rows[i].Stages.
	StageNames []string        `json:"stage_names"`
	Rows       []InstrumentRow `json:"rows"`
	// Warnings are the gradient-masking checks that found their symptom,
	// and any certified example the ensemble broke.
	Warnings []string `json:"warnings"`
	// Claims are the claims the instruments judge (instrument_claims.go).
	Claims []Claim `json:"-"`

	study Study
	// runs holds each protocol's per-β, per-seed records for the claims.
	runs map[string][]betaRuns
}

// betaRuns are one β's instrument records of one protocol, one per seed in
// seed order.
type betaRuns struct {
	beta  float64
	seeds []uint64
	aa    []MNISTAutoAttack
	cert  []MNISTCertified
}

// instrumentRuns groups the instrument records of protocol proto by β (in
// increasing order), one per seed; records missing their certificate are
// left out.
func (r *MNISTResults) instrumentRuns(proto string) []betaRuns {
	var out []betaRuns
	for _, b := range sortedUnique(r.Options.Betas) {
		br := betaRuns{beta: b}
		for i, aa := range r.AutoAttack {
			if aa.Protocol != proto || aa.Beta != b || len(aa.Runs) == 0 || i >= len(r.Certified) || slices.Contains(br.seeds, aa.Seed) {
				continue
			}
			br.seeds = append(br.seeds, aa.Seed)
			br.aa = append(br.aa, aa)
			br.cert = append(br.cert, r.Certified[i])
		}
		if len(br.aa) > 0 {
			out = append(out, br)
		}
	}
	return out
}

// summarizeInstruments summarises the instruments of the study, draws the
// robustness brackets into dir (adding them to figures) and judges the
// instruments' claims. It returns nil when the study ran no instruments.
func (r *MNISTResults) summarizeInstruments(dir string, figures map[string]string) (*InstrumentSummary, error) {
	if len(r.AutoAttack) == 0 || len(r.AutoAttack[0].Runs) == 0 {
		return nil, nil
	}
	st := r.Options.Info()
	a0, c0 := r.AutoAttack[0], r.Certified[0]
	in := Instruments{Subset: a0.Examples, Version: a0.Version, Steps: a0.Steps, SquareQueries: a0.SquareQueries, CertMethod: c0.Method}
	s := &InstrumentSummary{study: st, runs: map[string][]betaRuns{}}
	for _, run := range a0.Runs {
		s.Budgets = append(s.Budgets, EpsAcc{Norm: run.Norm, Eps: run.Eps})
		if run.Norm == attack.NormInf {
			in.LinfEps = append(in.LinfEps, run.Eps)
		} else {
			in.L2Eps = append(in.L2Eps, run.Eps)
		}
	}
	for _, c := range c0.Results {
		s.Radii = append(s.Radii, EpsAcc{Norm: c.Norm, Eps: c.Eps})
		if c.Norm == attack.NormInf {
			in.CertLinf = append(in.CertLinf, c.Eps)
		} else {
			in.CertL2 = append(in.CertL2, c.Eps)
		}
	}
	s.Settings = in
	key := slices.IndexFunc(s.Budgets, func(b EpsAcc) bool { return b.Norm == attack.NormInf && b.Eps == st.KeyEps })
	if key >= 0 {
		for _, sr := range r.AutoAttack[0].Runs[key].Stages {
			s.StageNames = append(s.StageNames, sr.Attack)
		}
	}
	for _, proto := range r.Options.Protocols {
		runs := r.instrumentRuns(proto)
		s.runs[proto] = runs
		for _, br := range runs {
			row := InstrumentRow{Protocol: proto, Beta: br.beta, Seeds: br.seeds}
			row.Clean = newStat(mapSeeds(br.aa, func(a MNISTAutoAttack) float64 { return a.Runs[0].Clean }))
			for i := range s.Budgets {
				row.AutoAttack = append(row.AutoAttack, newStat(mapSeeds(br.aa, func(a MNISTAutoAttack) float64 { return a.Runs[i].RobustAccuracy })))
				row.Success = append(row.Success, newStat(mapSeeds(br.aa, func(a MNISTAutoAttack) float64 { return successRate(a.Runs[i].Outcomes) })))
			}
			for j := range s.StageNames {
				row.Stages = append(row.Stages, newStat(mapSeeds(br.aa, func(a MNISTAutoAttack) float64 { return a.Runs[key].Stages[j].RobustAccuracy })))
			}
			for k := range s.Radii {
				row.Certified = append(row.Certified, newStat(mapSeeds(br.cert, func(c MNISTCertified) float64 { return c.Results[k].Accuracy })))
				row.Within = append(row.Within, newStat(mapSeeds(br.aa, func(a MNISTAutoAttack) float64 { return a.Within[k].Accuracy })))
			}
			s.Rows = append(s.Rows, row)
			for i, a := range br.aa {
				s.Warnings = append(s.Warnings, checkWarnings(proto, br.beta, a, br.cert[i])...)
			}
		}
	}
	for _, g := range []struct{ norm, slug, name string }{{attack.NormInf, "linf", "L∞"}, {attack.NormL2, "l2", "L2"}} {
		rel := filepath.Join(st.Name, "bracket-"+g.slug)
		ok, err := s.drawBracket(filepath.Join(dir, rel), g.norm)
		if err != nil {
			return nil, err
		}
		if ok {
			figures["robustness bracket "+g.name] = rel
		}
	}
	s.Claims = s.claims()
	return s, nil
}

func mapSeeds[T any](v []T, f func(T) float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

// successRate is the fraction of the clean-correct examples the ensemble
// broke (0 when none is clean-correct).
func successRate(outcomes string) float64 {
	clean := len(outcomes) - strings.Count(outcomes, "0")
	if clean == 0 {
		return 0
	}
	return r4(float64(strings.Count(outcomes, "1")) / float64(clean))
}

// checkWarnings lists the masking checks of one model's ensemble that found
// their symptom, and every example certified at a radius but broken by an
// adversarial of the ensemble within it (a soundness failure of one of the
// instruments).
func checkWarnings(proto string, beta float64, a MNISTAutoAttack, c MNISTCertified) []string {
	var out []string
	who := fmt.Sprintf("%s protocol, β = %s, seed %d", proto, num(beta), a.Seed)
	for _, run := range a.Runs {
		for _, ch := range run.Checks {
			if ch.Warning {
				out = append(out, fmt.Sprintf("%s, %s: %s: %s", who, normEps(run.Norm, run.Eps), ch.Name, ch.Detail))
			}
		}
	}
	for _, ch := range []struct {
		norm string
		c    attack.Check
	}{{"L∞", a.EpsMonotone}, {"L2", a.EpsMonotoneL2}} {
		if ch.c.Warning {
			out = append(out, fmt.Sprintf("%s, %s: %s: %s", who, ch.norm, ch.c.Name, ch.c.Detail))
		}
	}
	for k, ce := range c.Results {
		if k < len(a.Within) && ce.Accuracy > a.Within[k].Accuracy {
			out = append(out, fmt.Sprintf("%s, %s: certified %s above the attack's upper bound %s (a certified example was broken)", who, normEps(ce.Norm, ce.Eps), num(ce.Accuracy), num(a.Within[k].Accuracy)))
		}
	}
	return out
}

// bracketOf returns one model's bracket in the norm: the radii 0, the
// certificates' and the ensemble's, in increasing order; the upper bound
// is the clean accuracy at 0, the attack's upper bound within each
// certificate radius and the ensemble's robust accuracy at its budgets,
// the lower bound the clean accuracy at 0, the certified accuracy at the
// certificates' radii and 0 beyond them. Robust accuracy cannot rise with
// the radius, so the upper bound is the running minimum from 0 and the
// lower bound the running maximum from the largest radius. crossed says a
// lower bound was above the upper bound (then clamped to it).
func bracketOf(a MNISTAutoAttack, c MNISTCertified, norm string) (x, lo, hi []float64, crossed bool) {
	type pt struct{ x, lo, hi float64 }
	clean := a.Runs[0].Clean
	pts := []pt{{0, clean, clean}}
	for k, ce := range c.Results {
		if ce.Norm == norm && k < len(a.Within) {
			pts = append(pts, pt{ce.Eps, ce.Accuracy, a.Within[k].Accuracy})
		}
	}
	for _, run := range a.Runs {
		if run.Norm == norm {
			pts = append(pts, pt{run.Eps, 0, run.RobustAccuracy})
		}
	}
	slices.SortStableFunc(pts, func(p, q pt) int { return cmpFloat(p.x, q.x) })
	// Merge equal radii: the tightest bounds of each.
	var m []pt
	for _, p := range pts {
		if n := len(m); n > 0 && m[n-1].x == p.x {
			m[n-1].lo, m[n-1].hi = max(m[n-1].lo, p.lo), min(m[n-1].hi, p.hi)
			continue
		}
		m = append(m, p)
	}
	for i := 1; i < len(m); i++ {
		m[i].hi = min(m[i].hi, m[i-1].hi)
	}
	for i := len(m) - 2; i >= 0; i-- {
		m[i].lo = max(m[i].lo, m[i+1].lo)
	}
	for _, p := range m {
		if p.lo > p.hi {
			crossed, p.lo = true, p.hi
		}
		x, lo, hi = append(x, p.x), append(lo, p.lo), append(hi, p.hi)
	}
	return x, lo, hi, crossed
}

// drawBracket draws the standard protocol's bracket in the norm (the
// authors' when the standard protocol was not run), one band per β, each
// bound the mean over seeds of the seeds' brackets. It returns false when
// there is nothing to draw.
func (s *InstrumentSummary) drawBracket(base, norm string) (bool, error) {
	proto := Standard
	if len(s.runs[proto]) == 0 {
		proto = Authors
	}
	var bs []report.Bracket
	for _, br := range s.runs[proto] {
		var b report.Bracket
		for i, a := range br.aa {
			x, lo, hi, _ := bracketOf(a, br.cert[i], norm)
			if i == 0 {
				b = report.Bracket{Name: "β = " + num(br.beta), X: x, Lo: make([]float64, len(x)), Hi: make([]float64, len(x))}
			}
			if !slices.Equal(x, b.X) {
				return false, fmt.Errorf("β = %s: the seeds' brackets are at different radii", num(br.beta))
			}
			for j := range x {
				b.Lo[j] += lo[j] / float64(len(br.aa))
				b.Hi[j] += hi[j] / float64(len(br.aa))
			}
		}
		if len(b.X) < 2 {
			continue
		}
		for j := range b.Lo {
			b.Lo[j] = min(b.Lo[j], b.Hi[j]) // the mean of clamped brackets, up to rounding
		}
		bs = append(bs, b)
	}
	if len(bs) == 0 {
		return false, nil
	}
	what := map[string]string{attack.NormInf: "L∞", attack.NormL2: "L2"}[norm]
	title := fmt.Sprintf("%s robustness bracket (%s), %s protocol", s.study.Title, what, proto)
	xlabel := fmt.Sprintf("ε (%s radius, pixel scale 0–1; square-root axis)", what)
	return true, report.BracketPlot(base, title, xlabel, "accuracy: CROWN certified … AutoAttack", bs, report.WithLegendTitle("β"))
}

// Markdown renders the instruments' section of a study.
func (s *InstrumentSummary) Markdown() string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	in := s.Settings
	b.WriteString("\n### The field's instruments: AutoAttack and CROWN\n\n")
	fmt.Fprintf(&b, "Beside the paper's instruments (FGSM and 10-step PGD above), every model is evaluated on the first %d test examples by the AutoAttack ensemble (version %s: APGD-CE, APGD-T, FAB-T, Square; %d iterations, Square with %d queries; each stage on the examples still robust, every adversarial re-checked; Croce & Hein 2020), an upper bound on the robust accuracy, and by %s certificates (Zhang et al. 2018), a lower bound. ",
		in.Subset, in.Version, in.Steps, in.SquareQueries, strings.ToUpper(in.CertMethod))
	var linf, l2 []string
	for _, bu := range s.Budgets {
		if bu.Norm == attack.NormL2 {
			l2 = append(l2, num(bu.Eps))
		} else {
			linf = append(linf, num(bu.Eps))
		}
	}
	if len(l2) > 0 {
		var keys []string
		for _, k := range s.keyBudgets() {
			keys = append(keys, k.String())
		}
		fmt.Fprintf(&b, "Two threat models: L∞ (ε = %s) and L2 (ε = %s, on pixels scaled to [0, 1]), since isometry is a Euclidean property; the claims judge the key budgets %s. ",
			strings.Join(linf, ", "), strings.Join(l2, ", "), strings.Join(keys, " and "))
	}
	b.WriteString("The attack success rate is the fraction of the clean-correct examples the ensemble broke, so a clean-accuracy cost is not counted as lost robustness. results.json holds every example's outcome (`autoattack[].runs[].outcomes`: one character per example, 0 wrong clean, 1 broken, 2 robust; `certified[].results[].outcomes`: 1 certified, 0 not).\n\n")
	h := []string{"protocol", "β", "clean"}
	for _, bu := range s.Budgets {
		h = append(h, "AutoAttack "+bu.String())
	}
	for _, bu := range s.Budgets {
		h = append(h, "success rate "+bu.String())
	}
	var rows [][]string
	for _, r := range s.Rows {
		row := []string{r.Protocol, num(r.Beta), r.Clean.String()}
		for _, v := range r.AutoAttack {
			row = append(row, v.String())
		}
		for _, v := range r.Success {
			row = append(row, v.String())
		}
		rows = append(rows, row)
	}
	b.WriteString(report.MarkdownTable(h, rows))
	if len(s.StageNames) > 0 {
		fmt.Fprintf(&b, "\nRobust accuracy after each stage of the ensemble at L∞ ε = %s:\n\n", num(s.study.KeyEps))
		h = append([]string{"protocol", "β", "clean"}, s.StageNames...)
		rows = nil
		for _, r := range s.Rows {
			row := []string{r.Protocol, num(r.Beta), r.Clean.String()}
			for _, v := range r.Stages {
				row = append(row, v.String())
			}
			rows = append(rows, row)
		}
		b.WriteString(report.MarkdownTable(h, rows))
	}
	fmt.Fprintf(&b, "\n%s certified accuracy (every margin's lower bound above 0 over the ball ∩ [0, 1]ⁿ), with the ensemble's upper bound at the same radius in brackets (the examples not broken by an adversarial it found within the radius):\n\n", strings.ToUpper(in.CertMethod))
	h = []string{"protocol", "β"}
	for _, ra := range s.Radii {
		h = append(h, ra.String())
	}
	rows = nil
	for _, r := range s.Rows {
		row := []string{r.Protocol, num(r.Beta)}
		for k, v := range r.Certified {
			row = append(row, fmt.Sprintf("%s (≤ %s)", v.String(), r.Within[k].String()))
		}
		rows = append(rows, row)
	}
	b.WriteString(report.MarkdownTable(h, rows))
	b.WriteString("\nThe robustness brackets below draw, for each β, the true robust accuracy's range: the certified accuracy (dashed) below, the ensemble's robust accuracy (solid) above, the clean accuracy at ε = 0. Robust accuracy cannot rise with ε, so each bound is carried across the radii where the other instrument ran.\n")
	if len(s.Warnings) == 0 {
		b.WriteString("\nGradient-masking checks: none found its symptom.\n")
	} else {
		b.WriteString("\nGradient-masking checks that found their symptom:\n\n")
		for _, w := range s.Warnings {
			b.WriteString("- " + w + "\n")
		}
	}
	return b.String()
}
