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
// from package verdict, by the rule for its kind of claim:
//
//   - a number matching the paper's (Table 1's clean accuracy):
//     verdict.Matches within ± TableMargin;
//   - an effect with a sign (robustness rises with β; LILs beat plain CE):
//     verdict.Directional on the paired difference (larger β minus smaller
//     β, best LIL minus plain CE, the same seeds on both sides);
//   - a threshold (ring distances preserved: r above RingR with β > 0,
//     below it with β = 0; torus accuracy above TorusAcc): verdict.Above
//     and verdict.Below.
//
// A claim made of several parts holds when every part holds (verdict.All).

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
			if cl, ok := st.b.claim(); ok {
				c = append(c, cl)
			}
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
// has no numbers for the data set, the β = 0 network against the range an
// MLP of this size reaches (verdict.Within) and the clean accuracy cost of
// β = 10 against the paper's MNIST cost (verdict.Matches within
// CostMargin); and whether robustness rises with β under each protocol.
// Rows of a protocol that was not run say so.
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
	return append(out, s.trendClaims(prefix)...)
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
// (see trend).
func (s *MNISTSummary) trendClaims(prefix string) []Claim {
	var out []Claim
	for _, proto := range []string{Standard, Authors} {
		c := Claim{Claim: prefix + "robustness rises with β (FGSM and PGD), " + proto + " protocol", Paper: "yes (Fig. 3)"}
		t := s.trend(proto)
		switch {
		case !t.ran:
			out = append(out, notRun(c, "not run"))
		case !t.ok:
			out = append(out, notRun(c, "needs two β values"))
		default:
			out = append(out, t.claim(c))
		}
	}
	return out
}

// trend is robust accuracy at the largest β against the smallest, under
// one protocol: FGSM at ε = 0.1 and PGD at the study's key budget, as paired
// per-seed differences.
type trend struct {
	ran, ok    bool // the protocol was run; it has two β values to compare
	lo, hi     KeyRow
	fgsm, pgd  verdict.Interval
	okF, okP   bool
	vF, vP, vA verdict.Verdict // FGSM, PGD, both
	fg         int             // index of ε = 0.1 in the key points
	budget     float64         // the PGD budget compared
	kb         int             // its index among the budgets
}

func (s *MNISTSummary) trend(proto string) trend {
	var t trend
	var rows []KeyRow
	for _, k := range s.Keys {
		if k.Protocol == proto {
			rows = append(rows, k)
		}
	}
	t.ran = len(rows) > 0
	if !t.ran {
		return t
	}
	t.lo, t.hi = rows[0], rows[0]
	for _, k := range rows {
		if k.Beta < t.lo.Beta {
			t.lo = k
		}
		if k.Beta > t.hi.Beta {
			t.hi = k
		}
	}
	t.ok = t.lo.Beta != t.hi.Beta && slices.Equal(t.lo.Seeds, t.hi.Seeds)
	if !t.ok {
		return t
	}
	t.vF, t.vP = verdict.NotMeasured(), verdict.NotMeasured()
	t.fg = slices.Index(s.KeyPoints, 0.1)
	if fg := t.fg; fg >= 0 && fg < len(t.lo.FGSM) && fg < len(t.hi.FGSM) {
		t.fgsm, t.okF = verdict.AccuracyDiff(t.lo.FGSM[fg].perSeed(), t.hi.FGSM[fg].perSeed(), s.TestExamples)
		if t.okF {
			t.vF = verdict.Directional(t.fgsm, verdict.Increase)
		}
	}
	if kb := s.keyBudget(); kb < len(s.Budgets) && kb < len(t.lo.Budgets) && kb < len(t.hi.Budgets) {
		t.kb, t.budget = kb, s.Budgets[kb]
		t.pgd, t.okP = verdict.AccuracyDiff(t.lo.Budgets[kb].perSeed(), t.hi.Budgets[kb].perSeed(), s.TestExamples)
		if t.okP {
			t.vP = verdict.Directional(t.pgd, verdict.Increase)
		}
	}
	t.vA = verdict.All(t.vF, t.vP)
	return t
}

func (t trend) claim(c Claim) Claim {
	var parts []string
	var eff []Effect
	if t.okF {
		parts = append(parts, fmt.Sprintf("FGSM ε = 0.1: %s at β = %s → %s at β = %s, change %s", t.lo.FGSM[t.fg].String(), num(t.lo.Beta),
			t.hi.FGSM[t.fg].String(), num(t.hi.Beta), t.fgsm.String()))
		eff = append(eff, Effect{Name: "FGSM ε = 0.1, largest minus smallest β", Interval: t.fgsm})
	}
	if t.okP {
		parts = append(parts, fmt.Sprintf("%s ε = %s: %s → %s, change %s", t.lo.PGDLabel, num(t.budget), t.lo.Budgets[t.kb].String(), t.hi.Budgets[t.kb].String(), t.pgd.String()))
		eff = append(eff, Effect{Name: "PGD at the key budget, largest minus smallest β", Interval: t.pgd})
	}
	c.Measured = strings.Join(parts, "; ")
	c = judged(c, t.vA, eff...)
	if t.vF.Outcome != t.vP.Outcome {
		c.Holds += fmt.Sprintf(" (FGSM: %s; PGD: %s)", t.vF.Outcome, t.vP.Outcome)
	}
	return c
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

// lilGain compares the most robust LIL (β > 0, by mean worst-of-all
// accuracy at the study's key ε) with plain CE: the paired per-seed
// difference, judged by verdict.Directional. ok is false without both.
func (r *BaselineResults) lilGain(rows []BaselineRow) (ce, best *BaselineRow, iv verdict.Interval, v verdict.Verdict, ok bool) {
	k := r.Options.keyIndex()
	for i := range rows {
		row := &rows[i]
		if row.Method != train.MethodLIL || len(row.Worst) <= k {
			continue
		}
		if row.Beta == 0 {
			ce = row
		} else if best == nil || row.Worst[k].Mean > best.Worst[k].Mean {
			best = row
		}
	}
	if ce == nil || best == nil {
		return ce, best, iv, verdict.NotMeasured(), false
	}
	iv, ok = verdict.AccuracyDiff(ce.Worst[k].perSeed(), best.Worst[k].perSeed(), r.examples())
	if !ok {
		return ce, best, iv, verdict.NotMeasured(), false
	}
	return ce, best, iv, verdict.Directional(iv, verdict.Increase), true
}

// examples is the number of attacked test examples.
func (r *BaselineResults) examples() int {
	if len(r.Runs) == 0 {
		return 0
	}
	return r.Runs[0].Examples
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
	k := r.Options.keyIndex()
	c := Claim{Claim: fmt.Sprintf("%sLILs are more robust than plain CE under the strongest attacks (worst of PGD, APGD-CE, Square at ε = %s)", studyPrefix(r.Options.MNIST.Info()), num(r.Options.Eps[k])),
		Paper:    "implied (Fig. 3)",
		Measured: fmt.Sprintf("best LIL (β = %s) %s vs plain CE %s, change %s", num(best.Beta), best.Worst[k].String(), ce.Worst[k].String(), iv.String())}
	return judged(c, v, Effect{Name: "worst-of-all accuracy, best LIL minus plain CE", Interval: iv}), true
}

// CostMargin is how close (in accuracy) the clean accuracy cost of β = 10
// on another data set must be to the paper's MNIST cost to match it.
const CostMargin = 0.02

// fairnessClaims are the claims of a study the paper gives no numbers
// for: the β = 0 network's clean accuracy (standard protocol) lies in the
// range an MLP of this size reaches on the data set (a fair starting
// point), and the clean accuracy cost of β = 10 matches the paper's cost on
// MNIST within CostMargin.
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
	if st.RefHi > 0 {
		c := Claim{Claim: prefix + "β = 0 clean accuracy in the range an MLP of this size reaches (fair starting point), standard protocol",
			Paper: fmt.Sprintf("%s to %s (published MLPs, see the %s section)", num(st.RefLo), num(st.RefHi), st.Title)}
		iv, ok := verdict.Interval{}, false
		if zero != nil && zero.Standard.N > 0 {
			iv, ok = verdict.Accuracy(zero.Standard.perSeed(), s.TestExamples)
		}
		if !ok {
			out = append(out, notRun(c, "not run"))
		} else {
			c.Measured = fmt.Sprintf("%s (95 %% interval [%s, %s])", zero.Standard.String(), num(r4(iv.Lo)), num(r4(iv.Hi)))
			out = append(out, judged(c, verdict.All(verdict.Above(iv, st.RefLo), verdict.Below(iv, st.RefHi)), Effect{Name: "clean accuracy at β = 0", Interval: iv}))
		}
	}
	c := Claim{Claim: prefix + "clean accuracy cost of β = 10 against β = 0, standard protocol",
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
