package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
)

func init() {
	register(&command{name: "attack", summary: "accuracy under FGSM / PGD / APGD / Square attack, or the paper's sweeps", run: runAttack})
}

func runAttack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("attack", "--model DIR [--attack fgsm|pgd|pgd-paper|apgd|square] --eps E [--step A --steps T] [--sweep] [--json]", stderr)
	f := newAttackFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	cfg, s, err := f.settings()
	if err != nil {
		return err
	}
	if cfg.Norm != attack.NormL2 && cfg.Eps > 1 && !(f.sweep && f.epsSweep()) {
		fmt.Fprintf(stderr, "isonet attack: note: ε = %g under L∞ exceeds the [0, 1] pixel range, so the ball holds every image and the attack is vacuous\n", cfg.Eps)
	}
	mf := f.model
	m, d, _, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	if f.out != "" { // again, now that the model names its data set
		if err := outdir.CheckFiles("--out", f.out, []string{f.out}, modelInputs(mf, m)...); err != nil {
			return err
		}
	}
	mf.printNotes(ctx, stderr)
	cfg.Seed = mf.seed
	am, err := m.AttackModel(f.loss)
	if err != nil {
		return err
	}
	if !f.sweep {
		return f.attackOnce(ctx, am, d, cfg, stdout)
	}
	s.Seed = mf.seed
	return f.attackSweep(ctx, am, d, s, stdout)
}

// attackFlags are attack's flags.
type attackFlags struct {
	fs    *flag.FlagSet
	model *modelFlags

	name, norm, loss, out           string
	eps, step                       float64
	steps, restarts, batch, workers int
	randomStart, sweep, asJSON      bool
}

// newAttackFlags registers attack's flags on fs.
func newAttackFlags(fs *flag.FlagSet) *attackFlags {
	f := &attackFlags{fs: fs, model: newModelFlags(fs, "attacked", true, false)}
	fs.StringVar(&f.name, "attack", "fgsm", "fgsm, pgd, pgd-paper (the authors' fixed-gradient variant: FGSM with ε = min(T·a, ε)), apgd or square")
	fs.StringVar(&f.norm, "norm", "inf", "threat model: inf (L∞) or 2 (L2)")
	fs.Float64Var(&f.eps, "eps", 0.1, "radius ε of the ball (FGSM: the step)")
	fs.Float64Var(&f.step, "step", 0, "PGD / pgd-paper step size a (default ε/4)")
	fs.IntVar(&f.steps, "steps", 10, "PGD / APGD iterations (Square: queries)")
	fs.IntVar(&f.restarts, "restarts", 1, "runs per example (≥ 1); an example is broken if any run breaks it")
	fs.BoolVar(&f.randomStart, "random-start", false, "start PGD from a uniform point of the ball")
	fs.StringVar(&f.loss, "attack-loss", "ce", "loss the attack ascends: ce, or train (CE + β·iso with D_in from the clean batch, as the authors did)")
	fs.IntVar(&f.batch, "batch", 1000, "examples per attacked batch")
	fs.IntVar(&f.workers, "workers", 0, "goroutines (0 = all cores)")
	fs.BoolVar(&f.sweep, "sweep", false, "sweep 20 log-spaced values 0.01..1: with --attack fgsm, pgd or pgd-paper the paper's sweeps (FGSM ε, and PGD step size a in a ball of --eps, default 0.5, --steps steps; pgd-paper picks the authors' PGD); with apgd or square, ε. --norm, --steps, --restarts, --random-start apply; --step does not")
	fs.StringVar(&f.out, "out", "", "with --sweep: write the curves as JSON to this file")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	return f
}

// check validates the flags that need no model, --out included: it is
// checked now, not after a sweep of many minutes.
func (f *attackFlags) check() error {
	if err := f.model.required(); err != nil {
		return err
	}
	if f.loss != attack.LossCE && f.loss != attack.LossTrain {
		return fmt.Errorf("--attack-loss must be ce or train, got %q", f.loss)
	}
	if f.batch < 1 {
		return fmt.Errorf("--batch must be ≥ 1, got %d", f.batch)
	}
	if f.out != "" {
		if !f.sweep {
			return fmt.Errorf("--out is written by --sweep only (a single attack prints its result; --json gives it as JSON)")
		}
		if err := outdir.CheckFiles("--out", f.out, []string{f.out}, modelInputs(f.model, nil)...); err != nil {
			return err
		}
	}
	if f.restarts < 1 {
		return fmt.Errorf("--restarts must be ≥ 1, got %d", f.restarts)
	}
	return nil
}

// epsSweep reports whether --sweep varies ε (apgd, square) rather than
// the PGD step size.
func (f *attackFlags) epsSweep() bool {
	return f.name == attack.AttackAPGD || f.name == attack.AttackSquare
}

// stepSize returns --step, by default ε/4.
func (f *attackFlags) stepSize() float64 {
	if !isSet(f.fs, "step") {
		return f.eps / 4
	}
	return f.step
}

// settings returns the validated attack and, with --sweep, the sweep's
// settings (without the seed, which the model gives).
func (f *attackFlags) settings() (attack.Config, attack.SweepSettings, error) {
	cfg := attack.Config{Attack: f.name, Norm: f.norm, Eps: f.eps, Step: f.stepSize(), Steps: f.steps, Restarts: f.restarts,
		RandomStart: f.randomStart, BatchSize: f.batch, Workers: f.workers}
	s := attack.PaperSweep()
	if f.sweep {
		if isSet(f.fs, "step") {
			return cfg, s, fmt.Errorf("--step does not apply to --sweep: it varies the PGD step size (fgsm, pgd, pgd-paper) or ε (apgd, square)")
		}
		if f.epsSweep() && isSet(f.fs, "eps") {
			return cfg, s, fmt.Errorf("--eps does not apply to --sweep --attack %s: the sweep varies ε", f.name)
		}
		if !isSet(f.fs, "eps") {
			cfg.Eps = s.PGDEps
		}
		if f.name == attack.AttackFGSM {
			cfg.Attack = attack.AttackPGD // the paper's pair: FGSM ε and PGD step size
		}
		cfg.Step = cfg.Eps / 4
		s.PGDAttack, s.PGDEps, s.PGDSteps = cfg.Attack, cfg.Eps, cfg.Steps
		s.Norm, s.Restarts, s.RandomStart = cfg.Norm, cfg.Restarts, cfg.RandomStart
		s.Loss, s.Batch, s.Workers = f.loss, f.batch, f.workers
	}
	if err := cfg.Validate(); err != nil {
		return cfg, s, err
	}
	return cfg, s, nil
}

// attackOnce runs a single attack on the test split and prints its result.
func (f *attackFlags) attackOnce(ctx context.Context, am attack.Model, d *dataPair, cfg attack.Config, stdout io.Writer) error {
	res, err := attack.RobustAccuracyContext(ctx, am, d.test.X, d.test.Y(), cfg)
	if err != nil {
		return err
	}
	res.PerExample = nil
	if f.asJSON {
		return writeJSON(stdout, attackJSON{res, f.model.report})
	}
	fmt.Fprintf(stdout, "%s (%s, ε = %g", res.Label, f.norm, f.eps)
	if f.name != attack.AttackFGSM {
		if f.name == attack.AttackPGD || f.name == attack.AttackPGDPaper {
			fmt.Fprintf(stdout, ", step %g", f.stepSize())
		}
		fmt.Fprintf(stdout, ", %d steps", f.steps)
	}
	fmt.Fprintf(stdout, ", loss %s): robust accuracy %.4f (%d/%d), clean %.4f\n", f.loss, res.Accuracy, res.Correct, res.Total, res.Clean)
	return nil
}

// attackSweep runs the sweep on the test split, writes its curves to
// --out if given and prints them.
func (f *attackFlags) attackSweep(ctx context.Context, am attack.Model, d *dataPair, s attack.SweepSettings, stdout io.Writer) error {
	res := map[string]attack.Curve{}
	var cols []string
	if f.epsSweep() {
		c, err := attack.EpsSweep(ctx, am, d.test.X, d.test.Y(), s, f.name)
		if err != nil {
			return err
		}
		res[f.name], cols = c, []string{f.name}
	} else {
		fg, pg, err := attack.Sweeps(ctx, am, d.test.X, d.test.Y(), s)
		if err != nil {
			return err
		}
		res["fgsm"], res["pgd"], cols = fg, pg, []string{"fgsm", "pgd"}
	}
	if f.out != "" {
		if err := outdir.Record(filepath.Dir(f.out), "files", f.out); err != nil {
			return err
		}
		if err := model.WriteJSON(f.out, res); err != nil {
			return err
		}
	}
	if f.asJSON {
		return writeJSON(stdout, res)
	}
	printSweepCurves(stdout, res, cols)
	return nil
}

// printSweepCurves prints the curves cols of res as a table, one row per value.
func printSweepCurves(stdout io.Writer, res map[string]attack.Curve, cols []string) {
	fmt.Fprintf(stdout, "%-10s", "value")
	for _, c := range cols {
		head := res[c].Attack + "(ε)"
		if res[c].Param == "step" {
			head = res[c].Label + "(a)"
		}
		fmt.Fprintf(stdout, " %-10s", head)
	}
	fmt.Fprintln(stdout)
	for i, v := range res[cols[0]].Values {
		fmt.Fprintf(stdout, "%-10.4g", v)
		for _, c := range cols {
			fmt.Fprintf(stdout, " %-10.4f", res[c].Acc[i])
		}
		fmt.Fprintln(stdout)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// attackJSON is a single attack's JSON output, with the data it used.
type attackJSON struct {
	attack.Result
	Data *dataReport `json:"data"`
}
