package main

import (
	"context"
	"encoding/json"
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
	mf := newModelFlags(fs, "attacked", true, false)
	name := fs.String("attack", "fgsm", "fgsm, pgd, pgd-paper (the authors' fixed-gradient variant: FGSM with ε = min(T·a, ε)), apgd or square")
	norm := fs.String("norm", "inf", "threat model: inf (L∞) or 2 (L2)")
	eps := fs.Float64("eps", 0.1, "radius ε of the ball (FGSM: the step)")
	step := fs.Float64("step", 0, "PGD / pgd-paper step size a (default ε/4)")
	steps := fs.Int("steps", 10, "PGD / APGD iterations (Square: queries)")
	restarts := fs.Int("restarts", 1, "runs per example (≥ 1); an example is broken if any run breaks it")
	randomStart := fs.Bool("random-start", false, "start PGD from a uniform point of the ball")
	loss := fs.String("attack-loss", "ce", "loss the attack ascends: ce, or train (CE + β·iso with D_in from the clean batch, as the authors did)")
	batch := fs.Int("batch", 1000, "examples per attacked batch")
	workers := fs.Int("workers", 0, "goroutines (0 = all cores)")
	sweep := fs.Bool("sweep", false, "sweep 20 log-spaced values 0.01..1: with --attack fgsm, pgd or pgd-paper the paper's sweeps (FGSM ε, and PGD step size a in a ball of --eps, default 0.5, --steps steps; pgd-paper picks the authors' PGD); with apgd or square, ε. --norm, --steps, --restarts, --random-start apply; --step does not")
	out := fs.String("out", "", "with --sweep: write the curves as JSON to this file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := mf.required(); err != nil {
		return err
	}
	if *loss != attack.LossCE && *loss != attack.LossTrain {
		return fmt.Errorf("--attack-loss must be ce or train, got %q", *loss)
	}
	if *batch < 1 {
		return fmt.Errorf("--batch must be ≥ 1, got %d", *batch)
	}
	if *out != "" {
		// Checked now, not after a sweep of many minutes.
		if !*sweep {
			return fmt.Errorf("--out is written by --sweep only (a single attack prints its result; --json gives it as JSON)")
		}
		if err := outdir.CheckFiles("--out", *out, []string{*out}, modelInputs(mf, nil)...); err != nil {
			return err
		}
	}
	if *restarts < 1 {
		return fmt.Errorf("--restarts must be ≥ 1, got %d", *restarts)
	}
	stepSize := *step
	if !isSet(fs, "step") {
		stepSize = *eps / 4
	}
	cfg := attack.Config{Attack: *name, Norm: *norm, Eps: *eps, Step: stepSize, Steps: *steps, Restarts: *restarts,
		RandomStart: *randomStart, BatchSize: *batch, Workers: *workers}
	s := attack.PaperSweep()
	epsSweep := *name == attack.AttackAPGD || *name == attack.AttackSquare
	if *sweep {
		if isSet(fs, "step") {
			return fmt.Errorf("--step does not apply to --sweep: it varies the PGD step size (fgsm, pgd, pgd-paper) or ε (apgd, square)")
		}
		if epsSweep && isSet(fs, "eps") {
			return fmt.Errorf("--eps does not apply to --sweep --attack %s: the sweep varies ε", *name)
		}
		if !isSet(fs, "eps") {
			cfg.Eps = s.PGDEps
		}
		if *name == attack.AttackFGSM {
			cfg.Attack = attack.AttackPGD // the paper's pair: FGSM ε and PGD step size
		}
		cfg.Step = cfg.Eps / 4
		s.PGDAttack, s.PGDEps, s.PGDSteps = cfg.Attack, cfg.Eps, cfg.Steps
		s.Norm, s.Restarts, s.RandomStart = cfg.Norm, cfg.Restarts, cfg.RandomStart
		s.Loss, s.Batch, s.Workers = *loss, *batch, *workers
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Norm != attack.NormL2 && cfg.Eps > 1 && !(*sweep && epsSweep) {
		fmt.Fprintf(stderr, "isonet attack: note: ε = %g under L∞ exceeds the [0, 1] pixel range, so the ball holds every image and the attack is vacuous\n", cfg.Eps)
	}
	m, d, _, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	if *out != "" { // again, now that the model names its data set
		if err := outdir.CheckFiles("--out", *out, []string{*out}, modelInputs(mf, m)...); err != nil {
			return err
		}
	}
	mf.printNotes(ctx, stderr)
	cfg.Seed = mf.seed
	am, err := m.AttackModel(*loss)
	if err != nil {
		return err
	}
	if !*sweep {
		res, err := attack.RobustAccuracyContext(ctx, am, d.test.X, d.test.Y(), cfg)
		if err != nil {
			return err
		}
		res.PerExample = nil
		if *asJSON {
			return writeJSON(stdout, attackJSON{res, mf.report})
		}
		fmt.Fprintf(stdout, "%s (%s, ε = %g", res.Label, *norm, *eps)
		if *name != attack.AttackFGSM {
			if *name == attack.AttackPGD || *name == attack.AttackPGDPaper {
				fmt.Fprintf(stdout, ", step %g", stepSize)
			}
			fmt.Fprintf(stdout, ", %d steps", *steps)
		}
		fmt.Fprintf(stdout, ", loss %s): robust accuracy %.4f (%d/%d), clean %.4f\n", *loss, res.Accuracy, res.Correct, res.Total, res.Clean)
		return nil
	}
	s.Seed = mf.seed
	res := map[string]attack.Curve{}
	var cols []string
	if epsSweep {
		c, err := attack.EpsSweep(ctx, am, d.test.X, d.test.Y(), s, *name)
		if err != nil {
			return err
		}
		res[*name], cols = c, []string{*name}
	} else {
		fg, pg, err := attack.Sweeps(ctx, am, d.test.X, d.test.Y(), s)
		if err != nil {
			return err
		}
		res["fgsm"], res["pgd"], cols = fg, pg, []string{"fgsm", "pgd"}
	}
	if *out != "" {
		if err := outdir.Record(filepath.Dir(*out), "files", *out); err != nil {
			return err
		}
		if err := model.WriteJSON(*out, res); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
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
	return nil
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
