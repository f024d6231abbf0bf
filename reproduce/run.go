package reproduce

import (
	"context"
	"fmt"
	"github.com/isonet/isonet/train"
	"math"
	"slices"
	"strings"
	"time"
)

// Experiments lists what `reproduce all` runs, in order; ExtendedExperiments
// what `reproduce all --extended` adds.
var (
	Experiments         = []string{"rings", "torus", "mnist"}
	ExtendedExperiments = []string{"fashion"}
)

// Options chooses what a reproduce run does.
type Options struct {
	Experiments []string
	MNIST       MNISTOptions
	// Fashion is the MNIST study on Fashion-MNIST (experiment "fashion"); it
	// always runs with its baselines.
	Fashion MNISTOptions
	Rings   RingsOptions
	Torus   TorusOptions
	// Extended adds the checks beyond the paper: persistent homology of the
	// rings (and, with Baselines, the MNIST baselines under strong attacks).
	Extended bool
	// Baselines adds PGD adversarial training, Jacobian regularisation and
	// spectral normalisation to MNIST, all attacked (with the LILs) by
	// PGD, APGD-CE and Square.
	Baselines bool
	Command   string
}

// DefaultOptions returns the paper's settings for every experiment (quick:
// the reduced ones).
func DefaultOptions(quick bool) Options {
	return Options{Experiments: Experiments, MNIST: DefaultMNIST(quick), Fashion: DefaultFashion(quick), Rings: DefaultRings(quick), Torus: DefaultTorus(quick)}
}

// Run runs the chosen experiments into e.Dir and, when every phase is
// done, writes the report (results.json, report.md, index.html, each
// replaced atomically). When a phase fails or the run is interrupted the
// finished phases stay stored and the previous report stays as it was.
// With e.Owns set (one shard of a run) only that shard's phases are
// computed and no report is written; with e.Mode == ModeMerge nothing is
// computed and the report is made from the stored phases.
func Run(ctx context.Context, e *Env, o Options) (*Results, error) {
	r, err := runExperiments(ctx, e, o)
	if err != nil || e.Owns != nil {
		return r, err
	}
	if err := r.Write(e.Dir); err != nil {
		return r, err
	}
	return r, nil
}

// runExperiments runs (or, as e.Mode says, plans or reads) the chosen experiments
// and gathers their results.
func runExperiments(ctx context.Context, e *Env, o Options) (*Results, error) {
	start := time.Now()
	r := &Results{Command: o.Command, Quick: e.Quick, Seeds: e.Seeds, Started: start.UTC().Format(time.RFC3339), Machine: ThisMachine()}
	// Only a run that writes the report needs what lies between phases
	// (the MNIST summary draws figures).
	partial := e.Partial()
	e.mu.Lock()
	planned := e.planned
	e.mu.Unlock()
	if planned == 0 { // not told by the caller (a shard knows its count)
		e.Plan(o.phaseCount(len(e.Seeds)))
	}
	var runErr error
	for _, ex := range o.Experiments {
		t0 := time.Now()
		var err error
		switch ex {
		case "mnist":
			r.MNIST, r.MNISTSummary, err = runStudy(ctx, e, o.MNIST)
			if err == nil && o.Baselines {
				bo := DefaultBaselines(e.Quick)
				bo.MNIST = o.MNIST
				r.Baselines, err = Baselines(ctx, e, bo)
			}
		case "fashion":
			r.Fashion, r.FashionSummary, err = runStudy(ctx, e, o.Fashion)
			if err == nil && !partial {
				r.FashionGrid, err = DrawGrid(e, o.Fashion, r.Fashion, r.FashionSummary)
			}
			if err == nil {
				bo := DefaultFashionBaselines(e.Quick)
				bo.MNIST = o.Fashion
				r.FashionBaselines, err = Baselines(ctx, e, bo)
			}
		case "rings":
			r.Rings, err = Rings(ctx, e, o.Rings)
			if err == nil && o.Extended {
				r.RingsTopology, err = RingsTopology(ctx, e, o.Rings)
			}
		case "torus":
			r.Torus, err = Torus(ctx, e, o.Torus)
		default:
			err = fmt.Errorf("unknown experiment %q (want %v)", ex, Experiments)
		}
		if err != nil {
			runErr = err
			break
		}
		r.Sections = append(r.Sections, ex)
		r.PhaseSeconds = append(r.PhaseSeconds, PhaseTotal{Experiment: ex, Seconds: R4(time.Since(t0).Seconds())})
	}
	r.TotalSeconds = R4(time.Since(start).Seconds())
	if e.Mode == ModeMerge {
		// The time is the shards': the sum of the stored phases' times.
		r.TotalSeconds = 0
		for i, p := range r.PhaseSeconds {
			sum := 0.0
			for _, t := range e.Timings {
				if strings.HasPrefix(t.Phase, p.Experiment+"/") {
					sum += t.Seconds
				}
			}
			r.PhaseSeconds[i].Seconds = R4(sum)
			r.TotalSeconds += sum
		}
		r.TotalSeconds = R4(r.TotalSeconds)
	}
	r.Timings = e.Timings
	for i := range r.Timings {
		r.Timings[i].Seconds = R4(r.Timings[i].Seconds)
	}
	if !partial {
		r.Claims = r.claims()
	}
	return r, runErr
}

// runStudy runs an IDX image study (MNIST or Fashion-MNIST) and
// summarises it; a plan or a shard (e.Partial) only runs its phases.
func runStudy(ctx context.Context, e *Env, o MNISTOptions) (*MNISTResults, *MNISTSummary, error) {
	res, err := MNIST(ctx, e, o)
	if err != nil || e.Partial() {
		return res, nil, err
	}
	sum, err := res.Summarize(e.Dir)
	if err != nil {
		return nil, nil, err
	}
	return res, sum, nil
}

// studyPhases counts an IDX study's phases: per model a training, an
// isometry and an attack phase (two for the authors' models, attacked
// also under the standard protocol); with baselines one strong-attack
// phase per LIL and a training and an attack phase per baseline model
// (adversarial training once per ε).
func studyPhases(o MNISTOptions, baselines bool, bo BaselineOptions, seeds int) int {
	n := 0
	for _, p := range o.Protocols {
		per := 3
		if p == Authors {
			per = 4
		}
		n += per * len(o.Betas) * seeds
	}
	if baselines {
		n += len(o.Betas) * seeds
		for _, m := range bo.Methods {
			if m == train.MethodAdv {
				n += 2 * len(bo.Eps) * seeds
			} else {
				n += 2 * seeds
			}
		}
	}
	return n
}

// phaseCount estimates the number of phases the run will take, for the
// progress display's time estimate.
func (o Options) phaseCount(seeds int) int {
	n := 0
	for _, ex := range o.Experiments {
		switch ex {
		case "rings":
			n += 1 + 2*len(o.Rings.Betas)*seeds
			if o.Extended {
				n += len(o.Rings.Betas) * seeds
			}
		case "torus":
			n += 1 + 2*seeds
		case "mnist":
			n += studyPhases(o.MNIST, o.Baselines, DefaultBaselines(false), seeds)
		case "fashion":
			n += studyPhases(o.Fashion, true, DefaultFashionBaselines(false), seeds) + 1
		}
	}
	return n
}

// claims sets the paper's claims beside the measurements that exist.
func (r *Results) claims() []Claim {
	var c []Claim
	if r.Rings != nil {
		c = append(c, ringsClaim(r.Rings))
	}
	if r.Torus != nil {
		c = append(c, r.Torus.Claim())
	}
	c = append(c, studyClaims(r.MNISTSummary, r.Baselines)...)
	c = append(c, studyClaims(r.FashionSummary, r.FashionBaselines)...)
	return c
}

// studyClaims sets the paper's MNIST claims beside the measurements of an
// IDX image study: clean accuracy per β (against the paper's Table 1, or,
// where the paper has no numbers, the β = 0 network against the range an
// MLP of this size reaches and the cost of β = 10 against the paper's
// MNIST cost), the robustness trend per protocol, and LILs against plain
// CE under the strongest attacks.
func studyClaims(s *MNISTSummary, b *BaselineResults) []Claim {
	var c []Claim
	if s != nil {
		st := s.Study
		prefix := ""
		if st.Name != "mnist" {
			prefix = st.Title + ": "
		}
		var zero, ten *Table1Row
		for i, row := range s.Table1 {
			switch row.Beta {
			case 0:
				zero = &s.Table1[i]
			case 10:
				ten = &s.Table1[i]
			}
			if (row.Beta != 0 && row.Beta != 10) || row.Paper == nil {
				continue
			}
			m := row.Standard
			holds := "no (lower)"
			switch {
			case m.N == 0:
				holds = "not run"
			case math.Abs(m.Mean-*row.Paper) <= 0.01:
				holds = "yes"
			case m.Mean > *row.Paper:
				holds = "no (higher here)"
			}
			c = append(c, Claim{Claim: fmt.Sprintf("%s clean accuracy at β = %s (Table 1)", st.Title, Num(row.Beta)), Paper: Num(*row.Paper),
				Measured: m.String() + " (standard) / " + row.Authors.String() + " (authors)", Holds: holds})
		}
		if st.Paper == nil && zero != nil && zero.Standard.N > 0 && st.RefHi > 0 {
			m := zero.Standard.Mean
			holds := "yes"
			switch {
			case m < st.RefLo:
				holds = "no (lower: the comparison starts from a weak network)"
			case m > st.RefHi:
				holds = "no (higher)"
			}
			c = append(c, Claim{Claim: fmt.Sprintf("%sβ = 0 clean accuracy in the range an MLP of this size reaches (fair starting point)", prefix),
				Paper:    fmt.Sprintf("%s to %s (published MLPs, see the %s section)", Num(st.RefLo), Num(st.RefHi), st.Title),
				Measured: zero.Standard.String() + " (standard) / " + zero.Authors.String() + " (authors)", Holds: holds})
		}
		if st.Paper == nil && zero != nil && ten != nil && zero.Standard.N > 0 && ten.Standard.N > 0 {
			paperCost := R4(PaperTable1[0] - PaperTable1[10])
			cost := R4(zero.Standard.Mean - ten.Standard.Mean)
			holds := "yes (within 2 points)"
			switch {
			case cost < paperCost-0.02:
				holds = "no (smaller cost here)"
			case cost > paperCost+0.02:
				holds = "no (larger cost here)"
			}
			c = append(c, Claim{Claim: prefix + "clean accuracy cost of β = 10 against β = 0, standard protocol", Paper: Num(paperCost) + " on MNIST (Table 1)",
				Measured: fmt.Sprintf("%s → %s (cost %s)", Num(zero.Standard.Mean), Num(ten.Standard.Mean), Num(cost)), Holds: holds})
		}
		fg := slices.Index(s.KeyPoints, 0.1)
		kb := s.keyBudget()
		for _, proto := range []string{Standard, Authors} {
			var first, last *KeyRow
			for i := range s.Keys {
				if s.Keys[i].Protocol == proto {
					if first == nil {
						first = &s.Keys[i]
					}
					last = &s.Keys[i]
				}
			}
			if first == nil || first == last || fg < 0 {
				continue
			}
			d := R4(last.FGSM[fg].Mean - first.FGSM[fg].Mean)
			measured := fmt.Sprintf("FGSM ε = 0.1: %s at β = %s → %s at β = %s", Num(first.FGSM[fg].Mean), Num(first.Beta), Num(last.FGSM[fg].Mean), Num(last.Beta))
			dp := 0.0
			if kb < len(first.Budgets) && kb < len(s.Budgets) {
				dp = R4(last.Budgets[kb].Mean - first.Budgets[kb].Mean)
				measured += fmt.Sprintf("; %s ε = %s: %s → %s", first.PGDLabel, Num(s.Budgets[kb]), Num(first.Budgets[kb].Mean), Num(last.Budgets[kb].Mean))
			}
			holds := "no"
			switch {
			case d > 0.01 && dp > 0.01:
				holds = "yes"
			case d > 0.01:
				holds = "partly (FGSM only)"
			}
			c = append(c, Claim{Claim: prefix + "robustness rises with β (FGSM and PGD), " + proto + " protocol", Paper: "yes (Fig. 3)",
				Measured: measured, Holds: holds})
		}
	}
	if b != nil && len(b.Table) > 0 && len(b.Options.Eps) > 0 {
		prefix := ""
		if st := b.Options.MNIST.Info(); st.Name != "mnist" {
			prefix = st.Title + ": "
		}
		k := b.Options.keyIndex()
		var ce, best *BaselineRow
		for i := range b.Table {
			row := &b.Table[i]
			if row.Method != train.MethodLIL {
				continue
			}
			if row.Beta == 0 {
				ce = row
			} else if best == nil || row.Worst[k].Mean > best.Worst[k].Mean {
				best = row
			}
		}
		if ce != nil && best != nil {
			holds := "no"
			if best.Worst[k].Mean-ce.Worst[k].Mean > 0.01 {
				holds = "yes"
			}
			c = append(c, Claim{Claim: fmt.Sprintf("%sLILs are more robust than plain CE under the strongest attacks (worst of PGD, APGD-CE, Square at ε = %s)", prefix, Num(b.Options.Eps[k])),
				Paper: "implied (Fig. 3)", Holds: holds,
				Measured: fmt.Sprintf("best LIL (β = %s) %s vs plain CE %s", Num(best.Beta), best.Worst[k].String(), ce.Worst[k].String())})
		}
	}
	return c
}

// ringsClaim sets the paper's ring claim (Fig. 2B: near-perfect
// within-ring distance preservation with β > 0) beside the worst per-ring
// Pearson r measured for each β.
func ringsClaim(r *RingsResults) Claim {
	c := Claim{Claim: "LIL preserves within-ring distances on the entangled rings (Fig. 2B)", Paper: "near-perfect with β > 0, lost with β = 0", Holds: "not run"}
	worst := map[float64]float64{}
	for _, run := range r.Runs {
		w, ok := worst[run.Beta]
		if !ok {
			w = 1
		}
		for _, g := range run.Rings {
			w = min(w, g.Pearson)
		}
		worst[run.Beta] = w
	}
	var parts []string
	holds := len(worst) > 0
	for _, b := range r.Options.Betas {
		w, ok := worst[b]
		if !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("worst per-ring Pearson r %s at β = %s", Num(w), Num(b)))
		if (b > 0 && w < 0.99) || (b == 0 && w >= 0.99) {
			holds = false
		}
	}
	if len(parts) == 0 {
		return c
	}
	c.Measured = strings.Join(parts, "; ")
	c.Holds = "no"
	if holds {
		c.Holds = "yes"
	}
	return c
}
