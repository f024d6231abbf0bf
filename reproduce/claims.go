package reproduce

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/isonet/isonet/train"
	"github.com/isonet/isonet/verdict"
)

// This file turns measurements into the claims table. Every verdict comes
// from package verdict, by the rule for its kind of claim (verdict's package
// doc states them):
//
//   - a number matching the paper's (Table 1's clean accuracy):
//     verdict.Matches within ± TableMargin;
//   - robustness rising with β: verdict.Trend, the least-squares slope over
//     every β (log β, β = 0 one decade below the smallest), judged by
//     verdict.Directional, per instrument (the paper's FGSM and 10-step PGD;
//     the worst of PGD, APGD-CE and Square where the baselines ran), each
//     named in the claim;
//   - LILs beating plain CE: the family "every β > 0 against β = 0" with
//     Holm's correction (verdict.JudgeFamily), the best LIL chosen only
//     among those that hold;
//   - a LIL matching adversarial training: equivalence within ± verdict.Margin
//     (verdict.Equivalent) at the Bonferroni level over the β values;
//   - a threshold (ring distances preserved: r above RingR with β > 0,
//     below it with β = 0; torus accuracy above TorusAcc; the β = 0 MLP at
//     least the published floor): verdict.Above and verdict.Below.
//
// A claim made of several parts holds when every part holds (verdict.All:
// an intersection–union test, which needs no correction). Every robustness
// claim names its instrument, its family and its correction; the report
// states the rules once, each with its tests, in its section "How the
// verdicts are reached" (VerdictsMarkdown).

// TableMargin is how close (in accuracy) a clean accuracy must be to the
// paper's Table 1 to match it: one point.
const TableMargin = 0.01

// RingR is the Pearson r of within-ring distances above which the paper's
// "near-perfect preservation" (Fig. 2B) is taken to hold.
const RingR = 0.99

// TorusAcc is the paper's torus accuracy at every level (Fig. 4).
const TorusAcc = 0.99

// claims sets the paper's claims beside the measurements that exist.
func (r *Results) claims() []Claim {
	var c []Claim
	if r.Rings != nil {
		c = append(c, ringsClaim(r.Rings))
	}
	if r.Torus != nil {
		c = append(c, r.Torus.Claim())
	}
	for _, st := range []struct {
		s *MNISTSummary
		b *BaselineResults
	}{{r.MNISTSummary, r.Baselines}, {r.FashionSummary, r.FashionBaselines}} {
		if st.s != nil {
			c = append(c, SummaryClaims(st.s)...)
		}
		if st.b != nil {
			c = append(c, st.b.claims()...)
		}
	}
	return c
}

// studyPrefix starts the claims of a study other than MNIST with its data
// set's name.
func studyPrefix(st Study) string {
	if st.Name == "mnist" || st.Name == "" {
		return ""
	}
	return st.Title + ": "
}

func judged(c Claim, v verdict.Verdict, effects ...Effect) Claim {
	c.Holds, c.Outcome, c.Effects = v.Text, v.Outcome, effects
	return c
}

func notRun(c Claim, why string) Claim {
	v := verdict.NotMeasured()
	c.Holds, c.Outcome = v.Text, v.Outcome
	if why != "" {
		c.Measured = why
	}
	return c
}

// SummaryClaims returns the claims of one data set's β sweep (MNIST, or
// another image set run the same way, s.Study): clean accuracy against the
// paper's Table 1 at β = 0 and 10 under each protocol (the authors'
// protocol is the setup the paper's numbers come from); where the paper
// has no numbers for the data set, the β = 0 network against the floor of
// published MLPs of this size (verdict.Above: one-sided) and, labelled as
// ours, the clean accuracy cost of β = 10 against the paper's MNIST cost
// (verdict.Matches within CostMargin); and whether robustness rises with β
// under each protocol by the paper's instruments (trend). Rows of a
// protocol that was not run say so.
func SummaryClaims(s *MNISTSummary) []Claim {
	st := s.Study
	if st.Title == "" {
		st = Studies["mnist"]
	}
	prefix := studyPrefix(st)
	out := s.table1Claims(st.Title)
	if st.Paper == nil {
		out = append(out, s.fairnessClaims(st, prefix)...)
	}
	out = append(out, s.trendClaims(st, prefix)...)
	if s.Instruments != nil { // the field's instruments (instrument_claims.go)
		out = append(out, s.Instruments.Claims...)
	}
	return out
}

// table1Claims judges the clean accuracy at β = 0 and 10 against the
// paper's Table 1, under each protocol, where the paper has a number.
func (s *MNISTSummary) table1Claims(dataset string) []Claim {
	var out []Claim
	for _, beta := range []float64{0, 10} {
		i := slices.IndexFunc(s.Table1, func(r Table1Row) bool { return r.Beta == beta })
		if i < 0 || s.Table1[i].Paper == nil {
			continue
		}
		row := s.Table1[i]
		paper := *row.Paper
		for _, proto := range []string{Authors, Standard} {
			st, note := row.Authors, " (the setup of the paper's numbers)"
			if proto == Standard {
				st, note = row.Standard, ""
			}
			c := Claim{Claim: fmt.Sprintf("%s clean accuracy at β = %s (Table 1), %s protocol%s", dataset, num(beta), proto, note), Paper: num(paper)}
			iv, ok := verdict.Accuracy(st.perSeed(), s.TestExamples)
			if st.N == 0 || !ok {
				out = append(out, notRun(c, "not run"))
				continue
			}
			c.Measured = fmt.Sprintf("%s (95 %% interval [%s, %s]; match: within ± %s)", st.String(), num(r4(iv.Lo)), num(r4(iv.Hi)), num(TableMargin))
			out = append(out, judged(c, verdict.Matches(iv, paper, TableMargin), Effect{Name: "clean accuracy", Interval: iv}))
		}
	}
	return out
}

// trendClaims judges, under each protocol, whether robustness rises with β
// by the paper's instruments (see trend).
func (s *MNISTSummary) trendClaims(st Study, prefix string) []Claim {
	var out []Claim
	for _, proto := range []string{Standard, Authors} {
		t := s.trend(proto)
		c := Claim{Claim: fmt.Sprintf("%srobustness rises with β, by the paper's instruments (FGSM at ε = 0.1, 10-step PGD at ε = %s; slope over every β; family: the two instruments, both must hold, an intersection–union test without correction), %s protocol",
			prefix, num(st.KeyEps), proto), Paper: "yes (Fig. 3)"}
		switch {
		case !t.ran:
			out = append(out, notRun(c, "not run"))
		case !t.ok:
			out = append(out, notRun(c, "needs two β values with the same seeds"))
		default:
			out = append(out, t.claim(c))
		}
	}
	return out
}

// trend is robust accuracy over every β under one protocol, by the
// paper's instruments: FGSM at ε = 0.1 and PGD at the study's key budget.
// Each is a slope per β step over every β (verdict.Trend; the β grid is
// log-spaced, β = 0 a step below the smallest), judged by
// verdict.Directional; the claim needs both (verdict.All). The same slopes
// among the clean-correct examples (robust / clean accuracy, per seed)
// are reported beside them, so that a clean-accuracy cost is not read as
// lost robustness.
type trend struct {
	ran, ok    bool     // the protocol was run; it has two β values with the same seeds
	rows       []KeyRow // by increasing β
	lo, hi     KeyRow   // the smallest and the largest β
	fgsm, pgd  verdict.Interval
	okF, okP   bool
	condF      verdict.Interval // FGSM slope among the clean-correct examples
	condP      verdict.Interval
	okCF, okCP bool
	vF, vP, vA verdict.Verdict // FGSM, PGD, both
	fg         int             // index of ε = 0.1 in the key points
	budget     float64         // the PGD budget compared
	kb         int             // its index among the budgets
}

func (s *MNISTSummary) trend(proto string) trend {
	var t trend
	for _, k := range s.Keys {
		if k.Protocol == proto {
			t.rows = append(t.rows, k)
		}
	}
	t.ran = len(t.rows) > 0
	if !t.ran {
		return t
	}
	slices.SortStableFunc(t.rows, func(a, b KeyRow) int { return cmpFloat(a.Beta, b.Beta) })
	t.rows = slices.CompactFunc(t.rows, func(a, b KeyRow) bool { return a.Beta == b.Beta })
	t.lo, t.hi = t.rows[0], t.rows[len(t.rows)-1]
	t.ok = len(t.rows) >= 2
	for _, k := range t.rows {
		t.ok = t.ok && slices.Equal(k.Seeds, t.lo.Seeds)
	}
	if !t.ok {
		return t
	}
	t.vF, t.vP = verdict.NotMeasured(), verdict.NotMeasured()
	clean := make([][]float64, len(t.rows))
	for i, k := range t.rows {
		clean[i] = k.Clean.perSeed()
	}
	t.fg = slices.Index(s.KeyPoints, 0.1)
	if acc, ok := column(t.rows, func(k KeyRow) []Stat { return k.FGSM }, t.fg); ok {
		t.fgsm, t.okF = slope(acc, s.TestExamples)
		t.condF, t.okCF = condSlope(acc, clean, s.TestExamples)
		if t.okF {
			t.vF = verdict.Directional(t.fgsm, verdict.Increase)
		}
	}
	t.kb = s.keyBudget()
	if t.kb < len(s.Budgets) {
		t.budget = s.Budgets[t.kb]
		if acc, ok := column(t.rows, func(k KeyRow) []Stat { return k.Budgets }, t.kb); ok {
			t.pgd, t.okP = slope(acc, s.TestExamples)
			t.condP, t.okCP = condSlope(acc, clean, s.TestExamples)
			if t.okP {
				t.vP = verdict.Directional(t.pgd, verdict.Increase)
			}
		}
	}
	t.vA = verdict.All(t.vF, t.vP)
	return t
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// column returns the per-seed values of the i-th Stat of each row (ok =
// false when a row lacks it or it was not measured).
func column(rows []KeyRow, f func(KeyRow) []Stat, i int) ([][]float64, bool) {
	out := make([][]float64, len(rows))
	for r, k := range rows {
		st := f(k)
		if i < 0 || i >= len(st) || st[i].N == 0 {
			return nil, false
		}
		out[r] = st[i].perSeed()
	}
	return out, true
}

// slope is verdict.Trend at 95 % over acc[β][seed].
func slope(acc [][]float64, examples int) (verdict.Interval, bool) {
	iv, err := verdict.Trend(acc, examples, verdict.Level)
	return iv, err == nil
}

// condSlope is the slope of robust accuracy among the clean-correct
// examples (robust / clean per β and seed), over the fewest clean-correct
// examples of any β.
func condSlope(robust, clean [][]float64, examples int) (verdict.Interval, bool) {
	r := make([][]float64, len(robust))
	n := examples
	for k := range robust {
		if len(clean[k]) != len(robust[k]) {
			return verdict.Interval{}, false
		}
		for i, c := range clean[k] {
			if !(c > 0) {
				return verdict.Interval{}, false
			}
			r[k] = append(r[k], min(1, robust[k][i]/c))
			n = min(n, int(math.Round(c*float64(examples))))
		}
	}
	iv, err := verdict.Trend(r, max(1, n), verdict.Level)
	if err != nil {
		return iv, false
	}
	iv.Basis = "among the clean-correct examples (robust / clean accuracy): " + iv.Basis
	return iv, true
}

func (t trend) claim(c Claim) Claim {
	var parts []string
	var eff []Effect
	if t.okF {
		parts = append(parts, fmt.Sprintf("FGSM ε = 0.1: %s at β = %s … %s at β = %s, slope per β step %s%s", t.lo.FGSM[t.fg].String(), num(t.lo.Beta),
			t.hi.FGSM[t.fg].String(), num(t.hi.Beta), t.fgsm.String(), t.condText(t.okCF, t.condF)))
		eff = append(eff, Effect{Name: "FGSM ε = 0.1, slope per β step over every β", Interval: t.fgsm})
		if t.okCF {
			eff = append(eff, Effect{Name: "FGSM ε = 0.1 among clean-correct examples, slope per β step", Interval: t.condF})
		}
	}
	if t.okP {
		parts = append(parts, fmt.Sprintf("%s ε = %s: %s … %s, slope %s%s", t.lo.PGDLabel, num(t.budget), t.lo.Budgets[t.kb].String(), t.hi.Budgets[t.kb].String(), t.pgd.String(), t.condText(t.okCP, t.condP)))
		eff = append(eff, Effect{Name: "PGD at the key budget, slope per β step over every β", Interval: t.pgd})
		if t.okCP {
			eff = append(eff, Effect{Name: "PGD at the key budget among clean-correct examples, slope per β step", Interval: t.condP})
		}
	}
	c.Measured = strings.Join(parts, "; ") + "; both must hold (no correction needed)"
	c = judged(c, t.vA, eff...)
	if t.vF.Outcome != t.vP.Outcome {
		c.Holds += fmt.Sprintf(" (FGSM: %s; PGD: %s)", t.vF.Outcome, t.vP.Outcome)
	}
	return c
}

// condText is the slope among the clean-correct examples, for the
// measured column.
func (t trend) condText(ok bool, iv verdict.Interval) string {
	if !ok {
		return ""
	}
	return " (among clean-correct examples " + iv.String() + ")"
}

// ringsClaim sets the paper's ring claim (Fig. 2B: near-perfect
// within-ring distance preservation with β > 0, lost with β = 0) beside
// the worst per-ring Pearson r of each β: above RingR for every β > 0 and
// below it at β = 0, each judged on its interval.
func ringsClaim(r *RingsResults) Claim {
	c := Claim{Claim: "LIL preserves within-ring distances on the entangled rings (Fig. 2B)",
		Paper: fmt.Sprintf("near-perfect with β > 0, lost with β = 0 (here: worst per-ring r above %s, resp. below)", num(RingR))}
	betas := slices.Clone(r.Options.Betas)
	slices.Sort(betas)
	betas = slices.Compact(betas)
	var parts []string
	var vs []verdict.Verdict
	var eff []Effect
	for _, b := range betas {
		var worst []float64
		points := 0
		for _, run := range r.Runs {
			if run.Beta != b {
				continue
			}
			worst = append(worst, run.worstRing())
			for _, g := range run.Rings {
				if n := pairsToPoints(g.Pairs); points == 0 || n < points {
					points = n
				}
			}
		}
		iv, ok := verdict.Correlation(worst, points)
		if !ok {
			continue
		}
		v := verdict.Above(iv, RingR)
		if b == 0 {
			v = verdict.Below(iv, RingR)
		}
		vs = append(vs, v)
		eff = append(eff, Effect{Name: "worst per-ring Pearson r at β = " + num(b), Interval: iv})
		parts = append(parts, fmt.Sprintf("worst per-ring Pearson r %s [%s, %s] at β = %s", num(r4(iv.Estimate)), num(r4(iv.Lo)), num(r4(iv.Hi)), num(b)))
	}
	if len(parts) == 0 {
		return notRun(c, "")
	}
	c.Measured = strings.Join(parts, "; ")
	return judged(c, verdict.All(vs...), eff...)
}

// pairsToPoints returns n with n(n−1)/2 = pairs.
func pairsToPoints(pairs int) int {
	return int(math.Round((1 + math.Sqrt(1+8*float64(pairs))) / 2))
}

// Claim sets the paper's torus claim beside the measurement: the test
// accuracy of every level, with each block's own classifier, above
// TorusAcc, each level judged on its interval.
func (r *TorusResults) Claim() Claim {
	c := Claim{Claim: "stacked LILs classify the torus at every level (Fig. 4)", Paper: "> " + num(TorusAcc) + " at every level"}
	if len(r.Runs) == 0 {
		return notRun(c, "")
	}
	var parts []string
	var vs []verdict.Verdict
	var eff []Effect
	for k, blk := range r.Runs[0].Blocks {
		var v []float64
		for _, run := range r.Runs {
			if k < len(run.Blocks) {
				v = append(v, run.Blocks[k].TestAccuracy)
			}
		}
		iv, ok := verdict.Accuracy(v, r.Points)
		if !ok {
			continue
		}
		vs = append(vs, verdict.Above(iv, TorusAcc))
		eff = append(eff, Effect{Name: fmt.Sprintf("test accuracy, level %d", blk.Level), Interval: iv})
		parts = append(parts, fmt.Sprintf("level %d: %s [%s, %s]", blk.Level, r.levelStat(k, func(b TorusBlock) float64 { return b.TestAccuracy }).String(), num(r4(iv.Lo)), num(r4(iv.Hi))))
	}
	c.Measured = "test accuracy per level, " + strings.Join(parts, "; ")
	return judged(c, verdict.All(vs...), eff...)
}

// Alpha is the family-wise error rate of every family of comparisons.
const Alpha = 0.05

// lilFamily judges every LIL with β > 0 against plain CE (β = 0) by the
// worst-of-all accuracy at the study's key ε: the family "LIL β > 0 against
// plain CE", Holm-corrected at family-wise Alpha (verdict.JudgeFamily), each
// member's interval that of the paired per-seed difference. It returns the
// rows the members compare (in the family's order) and plain CE's row.
func (r *BaselineResults) lilFamily(rows []BaselineRow) (ce *BaselineRow, lils []*BaselineRow, f verdict.Family) {
	k := r.Options.keyIndex()
	for i := range rows {
		row := &rows[i]
		if row.Method != train.MethodLIL || len(row.Worst) <= k || row.Worst[k].N == 0 {
			continue
		}
		if row.Beta == 0 {
			ce = row
		} else {
			lils = append(lils, row)
		}
	}
	if ce == nil {
		return nil, lils, f
	}
	var members []verdict.Member
	var kept []*BaselineRow
	for _, row := range lils {
		a, b, m := ce.Worst[k].perSeed(), row.Worst[k].perSeed(), r.examples()
		if _, ok := verdict.AccuracyDiff(a, b, m); !ok {
			continue
		}
		kept = append(kept, row)
		members = append(members, verdict.Member{Name: "β = " + num(row.Beta), Interval: func(conf float64) verdict.Interval {
			iv, _ := verdict.AccuracyDiffLevel(a, b, m, conf)
			return iv
		}})
	}
	return ce, kept, verdict.JudgeFamily("LIL β > 0 against plain CE, worst-of-all accuracy at ε = "+num(r.Options.Eps[k]), members, verdict.Increase, Alpha)
}

// lilGain compares the most robust LIL (β > 0) with plain CE: every β is
// tested in the family of lilFamily, and the best is the one of largest
// gain among those that hold after Holm's correction (or, when none holds,
// the one of largest estimated gain, for the record). iv is its interval
// at the family's Bonferroni level, v the family's verdict with the
// correction disclosed. ok is false without both.
func (r *BaselineResults) lilGain(rows []BaselineRow) (ce, best *BaselineRow, iv verdict.Interval, v verdict.Verdict, ok bool) {
	ce, lils, f := r.lilFamily(rows)
	if len(lils) == 0 {
		return ce, nil, iv, verdict.NotMeasured(), false
	}
	if ce == nil {
		return ce, lils[0], iv, verdict.NotMeasured(), false
	}
	i := f.Best()
	if i < 0 {
		i = 0
		for j, m := range f.Judged {
			if m.Interval.Estimate > f.Judged[i].Interval.Estimate {
				i = j
			}
		}
	}
	v = f.Verdict()
	if n := len(f.Judged); n > 1 {
		note := " (1 seed: indicative)"
		v.Text = strings.TrimSuffix(v.Text, note) + fmt.Sprintf(" (best of %d β values, Holm-corrected)", n)
		if v.Seeds == 1 && v.Outcome != verdict.NotResolved {
			v.Text += note
		}
	}
	return ce, lils[i], f.Judged[i].Interval, v, true
}

// examples is the number of attacked test examples.
func (r *BaselineResults) examples() int {
	if len(r.Runs) == 0 {
		return 0
	}
	return r.Runs[0].Examples
}

// claims are the baselines' rows of the claims table: LILs more robust
// than plain CE (claim), a LIL matching adversarial training (matchClaim)
// and robustness rising with β under the strongest attacks (trendClaim).
func (r *BaselineResults) claims() []Claim {
	var out []Claim
	if c, ok := r.claim(); ok {
		out = append(out, c)
	}
	if c, ok := r.matchClaim(); ok {
		out = append(out, c)
	}
	if c, ok := r.trendClaim(); ok {
		out = append(out, c)
	}
	return append(out, r.frontClaims()...) // fronts.go
}

// claim is the claims-table row "LILs are more robust than plain CE",
// decided by the same rule as the section's closing sentence (Verdict).
func (r *BaselineResults) claim() (Claim, bool) {
	if len(r.Table) == 0 || len(r.Options.Eps) == 0 {
		return Claim{}, false
	}
	ce, best, iv, v, ok := r.lilGain(r.Table)
	if !ok {
		return Claim{}, false
	}
	_, lils, f := r.lilFamily(r.Table)
	k := r.Options.keyIndex()
	c := Claim{Claim: fmt.Sprintf("%sLILs are more robust than plain CE under the strongest attacks (worst of PGD, APGD-CE, Square at ε = %s; family: every β > 0 against β = 0, %s)",
		studyPrefix(r.Options.MNIST.Info()), num(r.Options.Eps[k]), f.Correct),
		Paper: "implied (Fig. 3)",
		Measured: fmt.Sprintf("best LIL (β = %s) %s vs plain CE %s, change %s (%s); %s", num(best.Beta), best.Worst[k].String(), ce.Worst[k].String(), iv.String(),
			levelOf(iv), familyText(lils, f))}
	return judged(c, v, Effect{Name: "worst-of-all accuracy, best LIL minus plain CE (Bonferroni-level interval)", Interval: iv}), true
}

// levelOf names an interval's confidence level, from its basis.
func levelOf(iv verdict.Interval) string {
	if i := strings.Index(iv.Basis, " interval"); i > 0 {
		return iv.Basis[:i] + " interval"
	}
	return iv.Basis
}

// familyText lists a family's members with their Holm-adjusted p-values
// and verdicts.
func familyText(rows []*BaselineRow, f verdict.Family) string {
	var parts []string
	for i, j := range f.Judged {
		parts = append(parts, fmt.Sprintf("β = %s: %s, Holm p %s, %s", num(rows[i].Beta), j.Interval.String(), num(r4(j.Adjusted)), j.Verdict.Outcome))
	}
	return strings.Join(parts, "; ")
}

// advMatch compares PGD adversarial training at the key ε with every LIL
// of β > 0 by the worst-of-all accuracy at that ε. A LIL matches only when
// the whole interval of its difference lies within ± verdict.Margin
// (verdict.Equivalent) and its clean accuracy is not lower by more than the
// margin (verdict.NonInferior: "at equal clean accuracy" as a test, not a
// sort), both at the Bonferroni level over the β values (any of them may
// be the one that matches); v is the verdict on "some LIL matches". The
// section's closing sentence and the claims table share it (Words says it
// in words).
type advMatch struct {
	adv   *BaselineRow
	lils  []*BaselineRow
	diffs []verdict.Interval // LIL minus adversarial training, per LIL
	clean []verdict.Interval // the same for clean accuracy (Estimate NaN when not compared)
	vs    []verdict.Verdict
	v     verdict.Verdict
	conf  float64
}

func (r *BaselineResults) advMatch(rows []BaselineRow) (advMatch, bool) {
	var m advMatch
	if len(rows) == 0 || len(r.Options.Eps) == 0 {
		return m, false
	}
	k := r.Options.keyIndex()
	for i := range rows {
		if row := &rows[i]; row.Method == train.MethodAdv && row.AdvEps == r.Options.Eps[k] && len(row.Worst) > k && row.Worst[k].N > 0 {
			m.adv = row
		}
	}
	_, lils, _ := r.lilFamily(rows)
	if m.adv == nil || len(lils) == 0 {
		return m, false
	}
	m.conf = 1 - Alpha/float64(len(lils))
	for _, row := range lils {
		d, ok := verdict.AccuracyDiffLevel(m.adv.Worst[k].perSeed(), row.Worst[k].perSeed(), r.examples(), m.conf)
		if !ok {
			continue
		}
		v := verdict.Equivalent(d, verdict.Margin)
		dc, ok := verdict.AccuracyDiffLevel(m.adv.Clean.perSeed(), row.Clean.perSeed(), r.examples(), m.conf)
		if ok {
			v = verdict.All(v, verdict.NonInferior(dc, verdict.Margin))
		} else {
			dc.Estimate = math.NaN()
		}
		m.lils, m.diffs, m.clean = append(m.lils, row), append(m.diffs, d), append(m.clean, dc)
		m.vs = append(m.vs, v)
	}
	if len(m.vs) == 0 {
		return m, false
	}
	m.v = anyHolds(m.vs)
	return m, true
}

// Words says the verdict of m in words, for the section's closing
// sentence: whether a LIL matches adversarial training within the margin.
func (m advMatch) Words() string {
	pts := num(100 * verdict.Margin)
	switch m.v.Outcome {
	case verdict.Holds:
		return fmt.Sprintf("a LIL matches it within ± %s points at a clean accuracy at most %s points lower (the whole %s intervals inside the margins)", pts, pts, pctLevel(m.conf))
	case verdict.DoesNotHold:
		return fmt.Sprintf("no LIL matches it: every LIL differs by more than %s points or loses more than %s points of clean accuracy", pts, pts)
	}
	return fmt.Sprintf("no LIL is shown to match it within ± %s points at equal clean accuracy (an interval that reaches past the margin is not a match)", pts)
}

// matchClaim is the claims-table row "a LIL matches PGD adversarial
// training" (advMatch); the clean accuracies are compared the same way and
// printed beside it, so that "at equal clean accuracy" is a comparison,
// not a sort.
func (r *BaselineResults) matchClaim() (Claim, bool) {
	m, ok := r.advMatch(r.Table)
	if !ok {
		return Claim{}, false
	}
	k := r.Options.keyIndex()
	c := Claim{Claim: fmt.Sprintf("%sa LIL matches PGD adversarial training at ε = %s (worst-of-all accuracy within ± %s, clean accuracy not lower by more than %s; family: every β > 0, Bonferroni over %d)",
		studyPrefix(r.Options.MNIST.Info()), num(r.Options.Eps[k]), num(verdict.Margin), num(verdict.Margin), len(m.lils)),
		Paper: "implied (\"comparable to adversarial training\")"}
	var parts []string
	var eff []Effect
	for i, row := range m.lils {
		d := m.diffs[i]
		eff = append(eff, Effect{Name: "worst-of-all accuracy, LIL β = " + num(row.Beta) + " minus adversarial training", Interval: d})
		clean := "clean –"
		if dc := m.clean[i]; !math.IsNaN(dc.Estimate) {
			clean = fmt.Sprintf("clean %s, %s", dc.String(), verdict.Compare(dc, verdict.Margin))
		}
		parts = append(parts, fmt.Sprintf("β = %s: %s, %s (%s)", num(row.Beta), d.String(), verdict.Compare(d, verdict.Margin), clean))
	}
	c.Measured = fmt.Sprintf("LIL minus adversarial training (%s keeps %s), %s intervals: %s", m.adv.Label, m.adv.Worst[k].String(), pctLevel(m.conf), strings.Join(parts, "; "))
	return judged(c, m.v, eff...), true
}

// pctLevel prints a confidence level as a percentage.
func pctLevel(conf float64) string { return num(r4(100*conf)) + " %" }

// anyHolds is the verdict on "some member holds": holds when one does,
// does not hold when every one does not, otherwise not resolved.
func anyHolds(vs []verdict.Verdict) verdict.Verdict {
	f := verdict.Family{}
	for _, v := range vs {
		f.Judged = append(f.Judged, verdict.Judged{Verdict: v})
	}
	return f.Verdict()
}

// trendClaim is the claims-table row "robustness rises with β" by the
// strongest attacks run (the worst of PGD, APGD-CE and Square per
// example) at the key ε, over the standard protocol's LILs: the slope over
// every β (verdict.Trend), with the slope among the clean-correct examples
// beside it.
func (r *BaselineResults) trendClaim() (Claim, bool) {
	if len(r.Table) == 0 || len(r.Options.Eps) == 0 {
		return Claim{}, false
	}
	k := r.Options.keyIndex()
	var rows []*BaselineRow
	for i := range r.Table {
		if row := &r.Table[i]; row.Method == train.MethodLIL && len(row.Worst) > k && row.Worst[k].N > 0 {
			rows = append(rows, row)
		}
	}
	slices.SortStableFunc(rows, func(a, b *BaselineRow) int { return cmpFloat(a.Beta, b.Beta) })
	if len(rows) < 2 {
		return Claim{}, false
	}
	acc, clean := make([][]float64, len(rows)), make([][]float64, len(rows))
	for i, row := range rows {
		acc[i], clean[i] = row.Worst[k].perSeed(), row.Clean.perSeed()
	}
	iv, ok := slope(acc, r.examples())
	if !ok {
		return Claim{}, false
	}
	c := Claim{Claim: fmt.Sprintf("%srobustness rises with β under the strongest attacks (worst of PGD, APGD-CE, Square at ε = %s; slope over every β; a single pre-declared comparison, no correction), standard protocol",
		studyPrefix(r.Options.MNIST.Info()), num(r.Options.Eps[k])), Paper: "yes (Fig. 3)"}
	c.Measured = fmt.Sprintf("%s at β = %s … %s at β = %s, slope per β step %s", rows[0].Worst[k].String(), num(rows[0].Beta), rows[len(rows)-1].Worst[k].String(), num(rows[len(rows)-1].Beta), iv.String())
	eff := []Effect{{Name: "worst-of-all accuracy, slope per β step over every β", Interval: iv}}
	if cond, ok := condSlope(acc, clean, r.examples()); ok {
		c.Measured += " (among clean-correct examples " + cond.String() + ")"
		eff = append(eff, Effect{Name: "worst-of-all accuracy among clean-correct examples, slope per β step", Interval: cond})
	}
	return judged(c, verdict.Directional(iv, verdict.Increase), eff...), true
}

// CostMargin is how close (in accuracy) the clean accuracy cost of β = 10
// on another data set must be to the paper's MNIST cost to match it.
const CostMargin = 0.02

// fairnessClaims are the claims of a study the paper gives no numbers
// for: the β = 0 network's clean accuracy (standard protocol) reaches at
// least the floor of the published MLPs of this size (one-sided: a
// baseline better than published is not unfair to the LILs), and our own
// comparison, labelled as ours, of the clean accuracy cost of β = 10 with
// the paper's cost on MNIST, within CostMargin.
func (s *MNISTSummary) fairnessClaims(st Study, prefix string) []Claim {
	var out []Claim
	var zero, ten *Table1Row
	for i := range s.Table1 {
		switch s.Table1[i].Beta {
		case 0:
			zero = &s.Table1[i]
		case 10:
			ten = &s.Table1[i]
		}
	}
	if st.RefLo > 0 {
		c := Claim{Claim: prefix + "β = 0 clean accuracy at least the floor of published MLPs of this size (a fair starting point; better is not unfair), standard protocol",
			Paper: fmt.Sprintf("at least %s (published MLPs reach %s to %s, see the %s section)", num(st.RefLo), num(st.RefLo), num(st.RefHi), st.Title)}
		iv, ok := verdict.Interval{}, false
		if zero != nil && zero.Standard.N > 0 {
			iv, ok = verdict.Accuracy(zero.Standard.perSeed(), s.TestExamples)
		}
		if !ok {
			out = append(out, notRun(c, "not run"))
		} else {
			c.Measured = fmt.Sprintf("%s (95 %% interval [%s, %s])", zero.Standard.String(), num(r4(iv.Lo)), num(r4(iv.Hi)))
			out = append(out, judged(c, verdict.Above(iv, st.RefLo), Effect{Name: "clean accuracy at β = 0", Interval: iv}))
		}
	}
	c := Claim{Claim: prefix + "ours, not the paper's claim: the clean accuracy cost of β = 10 against β = 0 is MNIST's, standard protocol",
		Paper: fmt.Sprintf("%s on MNIST (Table 1; match: within ± %s)", num(r4(PaperTable1[0]-PaperTable1[10])), num(CostMargin))}
	if zero == nil || ten == nil || zero.Standard.N == 0 || ten.Standard.N == 0 {
		return append(out, notRun(c, "not run"))
	}
	iv, ok := verdict.AccuracyDiff(ten.Standard.perSeed(), zero.Standard.perSeed(), s.TestExamples)
	if !ok {
		return append(out, notRun(c, "not run"))
	}
	c.Measured = fmt.Sprintf("%s → %s, cost %s", zero.Standard.String(), ten.Standard.String(), iv.String())
	return append(out, judged(c, verdict.Matches(iv, r4(PaperTable1[0]-PaperTable1[10]), CostMargin), Effect{Name: "clean accuracy, β = 0 minus β = 10", Interval: iv}))
}

// reportRule is a rule of this report beside verdict.Rules: which
// instruments, budgets and families its claims use. tests names the tests
// that check it: "TestX" in this package, "cmd/isonet.TestY" in the CLI's.
type reportRule struct {
	name, text string
	tests      []string
}

// reportRules are the report's rules beside verdict.Rules.
func reportRules() []reportRule {
	st := Studies["mnist"]
	seeds := DefaultSeeds(false)
	return []reportRule{
		{"Instruments, families and corrections", fmt.Sprintf("Every robustness claim names its instrument, its family and its correction. The strongest instruments judge: the AutoAttack ensemble's per-example worst case at the key budgets L∞ %s and L2 %s (one family, Holm), CROWN certificates at the radii declared before any run, L∞ %s and L2 %s (one family, Holm), and each β > 0 against β = 0 under AutoAttack (one family per budget, Holm). "+
			"The L2 threat model stands beside L∞ because isometry is a Euclidean property. The paper's FGSM and 10-step PGD keep their own rows, labelled as the paper's instruments; the two are one claim that needs both (an intersection–union test, no correction).",
			num(st.KeyEps), num(st.KeyL2Eps), num(CertKeyLinf), num(CertKeyL2)),
			[]string{"TestInstrumentClaims", "TestDefaultInstrumentsL2", "TestClaimsRobustnessTrend"}},
		{"Robustness among the clean-correct examples", "Beside each robustness trend stand the slope among the clean-correct examples (robust / clean accuracy) and, for AutoAttack, the attack success rate (broken / clean-correct), so that β's clean-accuracy cost is not counted as robustness.",
			[]string{"TestIssue30Defects", "TestInstrumentClaims"}},
		{"Against adversarial training", fmt.Sprintf("A LIL matches PGD adversarial training only when its worst-of-all accuracy is within ± %s points of it and its clean accuracy is not lower by more than %s points, both at the Bonferroni level over the β values: \"at equal clean accuracy\" is a test, not a sort.", num(100*verdict.Margin), num(100*verdict.Margin)),
			[]string{"TestIssue30Defects", "TestBaselineVerdict"}},
		{"Where the paper gives no numbers", "On Fashion-MNIST the β = 0 MLP must reach at least the lowest clean accuracy published for MLPs of its size (one-sided: a baseline better than published is not unfair to the LILs); the clean-accuracy cost of β = 10 against the paper's MNIST cost is our comparison, labelled ours, not the paper's claim.",
			[]string{"TestFashionFloorOneSided", "TestFashionPipelineSynthetic"}},
		{"Seeds", fmt.Sprintf("The default run trains every model with seeds %s, so its intervals carry the spread over seeds; --quick trains one seed, and its verdicts say \"(1 seed: indicative)\".", seedWords(seeds)),
			[]string{"cmd/isonet.TestDefaultSeeds", "TestClaimsSeeds"}},
	}
}

// seedWords writes seeds as "0, 1 and 2".
func seedWords(seeds []uint64) string {
	var s []string
	for _, x := range seeds {
		s = append(s, fmt.Sprint(x))
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// VerdictsMarkdown is the report's section "How the verdicts are reached":
// the rules of package verdict (verdict.Rules) and this report's own, each
// stated once with the tests that check it.
func VerdictsMarkdown() string {
	var b strings.Builder
	b.WriteString("\n## How the verdicts are reached\n\n")
	b.WriteString("Every verdict of the claims table follows these rules, each checked by the tests named after it (in package verdict unless another is named).\n\n")
	tests := func(names []string, pkg string) string {
		var q []string
		for _, n := range names {
			p, name := pkg, n
			if i := strings.LastIndex(n, "."); i >= 0 {
				p, name = n[:i], n[i+1:]
			}
			if p == "verdict" {
				q = append(q, "`"+name+"`")
			} else {
				q = append(q, "`"+name+"` ("+p+")")
			}
		}
		return strings.Join(q, ", ")
	}
	for _, r := range verdict.Rules {
		fmt.Fprintf(&b, "- **%s.** %s Tests: %s.\n", r.Name, r.Text, tests(r.Tests, "verdict"))
	}
	for _, r := range reportRules() {
		fmt.Fprintf(&b, "- **%s.** %s Tests: %s.\n", r.name, r.text, tests(r.tests, "reproduce"))
	}
	return b.String()
}
