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
	if s := r.MNISTSummary; s != nil {
		c = append(c, SummaryClaims("MNIST", s)...)
	}
	if b := r.Baselines; b != nil {
		if cl, ok := b.claim(); ok {
			c = append(c, cl)
		}
	}
	return c
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
// another image set run the same way): clean accuracy against the paper's
// Table 1 at β = 0 and 10 under each protocol (the authors' protocol is the
// setup the paper's numbers come from), and whether robustness rises with
// β under each protocol. Rows of a protocol that was not run say so.
func SummaryClaims(dataset string, s *MNISTSummary) []Claim {
	var out []Claim
	for _, beta := range []float64{0, 10} {
		i := slices.IndexFunc(s.Table1, func(r Table1Row) bool { return r.Beta == beta })
		if i < 0 || s.Table1[i].Paper == 0 {
			continue
		}
		row := s.Table1[i]
		for _, proto := range []string{Authors, Standard} {
			st, note := row.Authors, " (the setup of the paper's numbers)"
			if proto == Standard {
				st, note = row.Standard, ""
			}
			c := Claim{Claim: fmt.Sprintf("%s clean accuracy at β = %s (Table 1), %s protocol%s", dataset, Num(beta), proto, note), Paper: Num(row.Paper)}
			iv, ok := verdict.Accuracy(st.perSeed(), s.TestExamples)
			if st.N == 0 || !ok {
				out = append(out, notRun(c, "not run"))
				continue
			}
			c.Measured = fmt.Sprintf("%s (95 %% interval [%s, %s]; match: within ± %s)", st.String(), Num(R4(iv.Lo)), Num(R4(iv.Hi)), Num(TableMargin))
			out = append(out, judged(c, verdict.Matches(iv, row.Paper, TableMargin), Effect{Name: "clean accuracy", Interval: iv}))
		}
	}
	for _, proto := range []string{Standard, Authors} {
		c := Claim{Claim: "robustness rises with β (FGSM and PGD), " + proto + " protocol", Paper: "yes (Fig. 3)"}
		t := s.trend(proto)
		switch {
		case !t.ran:
			out = append(out, notRun(c, "not run"))
			continue
		case !t.ok:
			out = append(out, notRun(c, "needs two β values"))
			continue
		}
		out = append(out, t.claim(c))
	}
	return out
}

// trend is robust accuracy at the largest β against the smallest, under
// one protocol: FGSM at ε = 0.1 and PGD at the first budget, as paired
// per-seed differences.
type trend struct {
	ran, ok    bool // the protocol was run; it has two β values to compare
	lo, hi     KeyRow
	fgsm, pgd  verdict.Interval
	okF, okP   bool
	vF, vP, vA verdict.Verdict // FGSM, PGD, both
	fg         int             // index of ε = 0.1 in the key points
	budget     float64         // the PGD budget compared
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
	if len(s.Budgets) > 0 && len(t.lo.Budgets) > 0 && len(t.hi.Budgets) > 0 {
		t.budget = s.Budgets[0]
		t.pgd, t.okP = verdict.AccuracyDiff(t.lo.Budgets[0].perSeed(), t.hi.Budgets[0].perSeed(), s.TestExamples)
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
		parts = append(parts, fmt.Sprintf("FGSM ε = 0.1: %s at β = %s → %s at β = %s, change %s", t.lo.FGSM[t.fg].String(), Num(t.lo.Beta),
			t.hi.FGSM[t.fg].String(), Num(t.hi.Beta), t.fgsm.String()))
		eff = append(eff, Effect{Name: "FGSM ε = 0.1, largest minus smallest β", Interval: t.fgsm})
	}
	if t.okP {
		parts = append(parts, fmt.Sprintf("%s ε = %s: %s → %s, change %s", t.lo.PGDLabel, Num(t.budget), t.lo.Budgets[0].String(), t.hi.Budgets[0].String(), t.pgd.String()))
		eff = append(eff, Effect{Name: "PGD at the first budget, largest minus smallest β", Interval: t.pgd})
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
		Paper: fmt.Sprintf("near-perfect with β > 0, lost with β = 0 (here: worst per-ring r above %s, resp. below)", Num(RingR))}
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
		eff = append(eff, Effect{Name: "worst per-ring Pearson r at β = " + Num(b), Interval: iv})
		parts = append(parts, fmt.Sprintf("worst per-ring Pearson r %s [%s, %s] at β = %s", Num(R4(iv.Estimate)), Num(R4(iv.Lo)), Num(R4(iv.Hi)), Num(b)))
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
	c := Claim{Claim: "stacked LILs classify the torus at every level (Fig. 4)", Paper: "> " + Num(TorusAcc) + " at every level"}
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
		parts = append(parts, fmt.Sprintf("level %d: %s [%s, %s]", blk.Level, r.levelStat(k, func(b TorusBlock) float64 { return b.TestAccuracy }).String(), Num(R4(iv.Lo)), Num(R4(iv.Hi))))
	}
	c.Measured = "test accuracy per level, " + strings.Join(parts, "; ")
	return judged(c, verdict.All(vs...), eff...)
}

// lilGain compares the most robust LIL (β > 0, by mean worst-of-all
// accuracy at the first ε) with plain CE: the paired per-seed difference,
// judged by verdict.Directional. ok is false without both.
func (r *BaselineResults) lilGain(rows []BaselineRow) (ce, best *BaselineRow, iv verdict.Interval, v verdict.Verdict, ok bool) {
	for i := range rows {
		row := &rows[i]
		if row.Method != train.MethodLIL || len(row.Worst) == 0 {
			continue
		}
		if row.Beta == 0 {
			ce = row
		} else if best == nil || row.Worst[0].Mean > best.Worst[0].Mean {
			best = row
		}
	}
	if ce == nil || best == nil {
		return ce, best, iv, verdict.NotMeasured(), false
	}
	iv, ok = verdict.AccuracyDiff(ce.Worst[0].perSeed(), best.Worst[0].perSeed(), r.examples())
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
	c := Claim{Claim: fmt.Sprintf("LILs are more robust than plain CE under the strongest attacks (worst of PGD, APGD-CE, Square at ε = %s)", Num(r.Options.Eps[0])),
		Paper:    "implied (Fig. 3)",
		Measured: fmt.Sprintf("best LIL (β = %s) %s vs plain CE %s, change %s", Num(best.Beta), best.Worst[0].String(), ce.Worst[0].String(), iv.String())}
	return judged(c, v, Effect{Name: "worst-of-all accuracy, best LIL minus plain CE", Interval: iv}), true
}
