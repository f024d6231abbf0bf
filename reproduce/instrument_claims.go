package reproduce

import (
	"fmt"
	"slices"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/verdict"
)

// The claims the field's instruments judge, on the standard protocol's
// models (the authors' protocol when the standard one was not run), each
// from per-example outcomes on the instruments' test examples:
//
//   - "robustness rises with β" by the AutoAttack ensemble's per-example
//     worst case at the key L∞ budget and the key L2 budget: the slope over
//     every β (verdict.TrendOutcomes, paired per example), the two budgets
//     one family with Holm's correction (verdict.JudgeFamily); the attack
//     success rate among the clean-correct examples and the slope among them
//     beside it;
//   - "certified robustness rises with β": the same from CROWN's per-example
//     certificates at the pre-declared radii CertKeyLinf and CertKeyL2, the
//     two one family with Holm's correction;
//   - "LILs are more robust than β = 0 under AutoAttack": each β > 0 against
//     β = 0 by Newcombe's paired interval (one seed; verdict.Paired with
//     several), the family "every β > 0 against β = 0" with Holm's
//     correction (verdict.FamilyOutcomes), at each of the two budgets.

// CertKeyLinf and CertKeyL2 are the radii the certified trend is judged at,
// declared before any run: the middle of each certificate grid.
const (
	CertKeyLinf = 0.01
	CertKeyL2   = 0.1
)

// familyAlpha is the family-wise error rate of every family.
const familyAlpha = 0.05

// outcomeCube returns per-example outcomes [β][seed][example] of runs by
// bits, or false when the β values do not share their seeds or the outcome
// is missing.
func outcomeCube(runs []betaRuns, bits func(br betaRuns, i int) ([]bool, bool)) ([][][]bool, bool) {
	y := make([][][]bool, len(runs))
	for k, br := range runs {
		if !slices.Equal(br.seeds, runs[0].seeds) {
			return nil, false
		}
		for i := range br.aa {
			b, ok := bits(br, i)
			if !ok {
				return nil, false
			}
			y[k] = append(y[k], b)
		}
	}
	return y, true
}

// aaBits returns the outcomes of the ensemble at budget bu: robust, or clean
// when clean is set.
func aaBits(bu EpsAcc, clean bool) func(br betaRuns, i int) ([]bool, bool) {
	return func(br betaRuns, i int) ([]bool, bool) {
		j := slices.IndexFunc(br.aa[i].Runs, func(r InstrumentRun) bool { return r.Norm == bu.Norm && r.Eps == bu.Eps })
		if j < 0 {
			return nil, false
		}
		if clean {
			return outcomeBits(br.aa[i].Runs[j].Outcomes, '1'), true
		}
		return outcomeBits(br.aa[i].Runs[j].Outcomes, '2'), true
	}
}

// certBits returns the certified outcomes at radius ra.
func certBits(ra EpsAcc) func(br betaRuns, i int) ([]bool, bool) {
	return func(br betaRuns, i int) ([]bool, bool) {
		j := slices.IndexFunc(br.cert[i].Results, func(c CertifiedEps) bool { return c.Norm == ra.Norm && c.Eps == ra.Eps })
		if j < 0 {
			return nil, false
		}
		return outcomeBits(br.cert[i].Results[j].Outcomes, '1'), true
	}
}

// keyBudgets are the ensemble's budgets the claims judge: the study's key
// L∞ budget and its key L2 budget (the first L2 budget when the key one
// was not run).
func (s *InstrumentSummary) keyBudgets() []EpsAcc {
	var out []EpsAcc
	if i := slices.IndexFunc(s.Budgets, func(b EpsAcc) bool { return b.Norm == attack.NormInf && b.Eps == s.study.KeyEps }); i >= 0 {
		out = append(out, s.Budgets[i])
	}
	i := slices.IndexFunc(s.Budgets, func(b EpsAcc) bool { return b.Norm == attack.NormL2 && b.Eps == s.study.KeyL2Eps })
	if i < 0 {
		i = slices.IndexFunc(s.Budgets, func(b EpsAcc) bool { return b.Norm == attack.NormL2 })
	}
	if i >= 0 {
		out = append(out, s.Budgets[i])
	}
	return out
}

// keyRadii are the certificates' radii the certified trend is judged at.
func (s *InstrumentSummary) keyRadii() []EpsAcc {
	var out []EpsAcc
	for _, ra := range []EpsAcc{{Norm: attack.NormInf, Eps: CertKeyLinf}, {Norm: attack.NormL2, Eps: CertKeyL2}} {
		if slices.Contains(s.Radii, ra) {
			out = append(out, ra)
		}
	}
	return out
}

// proto is the protocol the claims judge.
func (s *InstrumentSummary) proto() string {
	if len(s.runs[Standard]) > 0 {
		return Standard
	}
	return Authors
}

// claims judges the instruments' claims.
func (s *InstrumentSummary) claims() []Claim {
	proto := s.proto()
	runs := s.runs[proto]
	prefix := studyPrefix(s.study)
	var out []Claim
	out = append(out, s.trendFamily(prefix, proto, runs, "AutoAttack", s.keyBudgets(), func(p EpsAcc) func(betaRuns, int) ([]bool, bool) { return aaBits(p, false) })...)
	out = append(out, s.trendFamily(prefix, proto, runs, "certified", s.keyRadii(), certBits)...)
	for _, bu := range s.keyBudgets() {
		out = append(out, s.lilFamily(prefix, proto, runs, bu))
	}
	return out
}

// trendFamily judges "robustness rises with β" by one instrument at each
// of points, the points one family with Holm's correction.
func (s *InstrumentSummary) trendFamily(prefix, proto string, runs []betaRuns, which string, points []EpsAcc, bits func(EpsAcc) func(betaRuns, int) ([]bool, bool)) []Claim {
	var names []string
	for _, p := range points {
		names = append(names, p.String())
	}
	family := fmt.Sprintf("family: the %s, Holm at family-wise %s", strings.Join(names, " and "), pctLevel(familyAlpha))
	instrument := fmt.Sprintf("instrument: the AutoAttack ensemble (%s), per-example worst case", s.Settings.Version)
	title := "robustness rises with β under AutoAttack"
	if which == "certified" {
		instrument = fmt.Sprintf("instrument: %s certificates, per example", strings.ToUpper(s.Settings.CertMethod))
		title = "certified robustness rises with β"
	}
	var members []verdict.Member
	var cubes [][][][]bool
	for _, p := range points {
		y, ok := outcomeCube(runs, bits(p))
		if !ok || len(runs) < 2 {
			cubes = append(cubes, nil)
			continue
		}
		if _, err := verdict.TrendOutcomes(y, verdict.Level); err != nil {
			cubes = append(cubes, nil)
			continue
		}
		cubes = append(cubes, y)
		members = append(members, verdict.Member{Name: p.String(), Interval: func(conf float64) verdict.Interval {
			iv, _ := verdict.TrendOutcomes(y, conf)
			return iv
		}})
	}
	f := verdict.JudgeFamily(family, members, verdict.Increase, familyAlpha)
	var out []Claim
	m := 0
	for k, p := range points {
		c := Claim{Claim: fmt.Sprintf("%s%s (%s; %s; slope over every β, paired per example; %s), %s protocol", prefix, title, p, instrument, family, proto), Paper: "yes (Fig. 3)"}
		if which == "certified" {
			c.Paper = "not claimed (the paper certifies nothing); ours"
		}
		if cubes[k] == nil {
			out = append(out, notRun(c, "needs two β values with the same seeds"))
			continue
		}
		j := f.Judged[m]
		m++
		lo, hi := runs[0], runs[len(runs)-1]
		acc := func(br betaRuns) string {
			v := mapSeeds(br.aa, func(MNISTAutoAttack) float64 { return 0 })
			for i := range br.aa {
				b, _ := bits(p)(br, i)
				v[i] = fraction(b)
			}
			return newStat(v).String()
		}
		c.Measured = fmt.Sprintf("%s at β = %s … %s at β = %s on %d test examples; slope per β step %s (%s interval)", acc(lo), num(lo.beta), acc(hi), num(hi.beta), len(cubes[k][0][0]), j.Interval.String(), pctLevel(1-familyAlpha/float64(len(f.Judged))))
		eff := []Effect{{Name: which + " " + p.String() + ", slope per β step over every β", Interval: j.Interval}}
		if which != "certified" {
			if cond, txt, ok := s.successBeside(runs, p); ok {
				c.Measured += txt
				eff = append(eff, Effect{Name: "AutoAttack " + p.String() + " among clean-correct examples, slope per β step", Interval: cond})
			}
		}
		out = append(out, judged(c, j.Verdict, eff...))
	}
	return out
}

// successBeside is the attack success rate among the clean-correct
// examples at the smallest and largest β and the slope of the robust
// accuracy among them, for the measured column.
func (s *InstrumentSummary) successBeside(runs []betaRuns, p EpsAcc) (verdict.Interval, string, bool) {
	i := slices.Index(s.Budgets, p)
	if i < 0 {
		return verdict.Interval{}, "", false
	}
	acc, clean := make([][]float64, len(runs)), make([][]float64, len(runs))
	for k, br := range runs {
		for _, a := range br.aa {
			acc[k] = append(acc[k], a.Runs[i].RobustAccuracy)
			clean[k] = append(clean[k], a.Runs[i].Clean)
		}
	}
	rate := func(br betaRuns) string {
		return newStat(mapSeeds(br.aa, func(a MNISTAutoAttack) float64 { return successRate(a.Runs[i].Outcomes) })).String()
	}
	lo, hi := runs[0], runs[len(runs)-1]
	txt := fmt.Sprintf("; attack success rate among clean-correct examples %s at β = %s … %s at β = %s", rate(lo), num(lo.beta), rate(hi), num(hi.beta))
	cond, ok := condSlope(acc, clean, len(runs[0].aa[0].Runs[i].Outcomes))
	if ok {
		txt += ", robust among them: slope " + cond.String()
	}
	return cond, txt, ok
}

// lilFamily judges "LILs are more robust than β = 0 under AutoAttack" at
// budget bu: each β > 0 against β = 0 by the paired interval of the
// per-example outcomes, the family every β > 0 against β = 0 with Holm's
// correction; it holds when some member holds.
func (s *InstrumentSummary) lilFamily(prefix, proto string, runs []betaRuns, bu EpsAcc) Claim {
	family := fmt.Sprintf("family: every β > 0 against β = 0, Holm at family-wise %s", pctLevel(familyAlpha))
	c := Claim{Claim: fmt.Sprintf("%sLILs are more robust than plain CE under AutoAttack (%s; instrument: the AutoAttack ensemble (%s), per-example worst case; paired per example (Newcombe); %s), %s protocol",
		prefix, bu, s.Settings.Version, family, proto), Paper: "yes (Fig. 3)"}
	if len(runs) < 2 || runs[0].beta != 0 {
		return notRun(c, "needs β = 0 and a β > 0")
	}
	y, ok := outcomeCube(runs, aaBits(bu, false))
	if !ok {
		return notRun(c, "needs the same seeds at every β")
	}
	var names []string
	for _, br := range runs[1:] {
		names = append(names, "β = "+num(br.beta))
	}
	f, err := verdict.FamilyOutcomes(family, names, y[0], y[1:], verdict.Increase, familyAlpha)
	if err != nil {
		return notRun(c, err.Error())
	}
	var parts []string
	var eff []Effect
	for _, j := range f.Judged {
		parts = append(parts, fmt.Sprintf("%s: %s (%s)", j.Name, j.Interval.String(), j.Verdict.Outcome))
		eff = append(eff, Effect{Name: fmt.Sprintf("AutoAttack %s, %s minus β = 0", bu, j.Name), Interval: j.Interval})
	}
	c.Measured = fmt.Sprintf("robust accuracy difference against β = 0 on %d test examples, %s intervals: %s", len(y[0][0]), pctLevel(1-familyAlpha/float64(max(1, len(f.Judged)))), strings.Join(parts, "; "))
	if b := f.Best(); b >= 0 {
		c.Measured += "; the best that holds: " + f.Judged[b].Name
	}
	return judged(c, f.Verdict(), eff...)
}

// fraction is the fraction of true values.
func fraction(b []bool) float64 {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return r4(float64(n) / float64(max(1, len(b))))
}
