package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/experiment"
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
	step := fs.Float64("step", 0.025, "PGD step size a")
	steps := fs.Int("steps", 10, "PGD / APGD iterations (Square: queries)")
	restarts := fs.Int("restarts", 1, "restarts; an example is broken if any restart breaks it")
	randomStart := fs.Bool("random-start", false, "start PGD from a uniform point of the ball")
	loss := fs.String("attack-loss", "ce", "loss the attack ascends: ce, or train (CE + β·iso with D_in from the clean batch, as the authors did)")
	batch := fs.Int("batch", 1000, "examples per attacked batch")
	workers := fs.Int("workers", 0, "goroutines (0 = all cores)")
	sweep := fs.Bool("sweep", false, "run the paper's sweeps: FGSM ε and PGD step size, 20 log-spaced values 0.01..1, PGD ball 0.5, 10 steps (--attack pgd or pgd-paper picks the PGD)")
	out := fs.String("out", "", "with --sweep: write the curves as JSON to this file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := mf.required(); err != nil {
		return err
	}
	if *loss != experiment.LossCE && *loss != experiment.LossTrain {
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
	cfg := attack.Config{Attack: *name, Norm: *norm, Eps: *eps, Step: *step, Steps: *steps, Restarts: *restarts,
		RandomStart: *randomStart, BatchSize: *batch, Workers: *workers}
	if *sweep {
		if *name != attack.AttackPGD && *name != attack.AttackPGDPaper {
			cfg.Attack = attack.AttackPGD
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	m, d, _, err := mf.load()
	if err != nil {
		return err
	}
	if *out != "" { // again, now that the model names its data set
		if err := outdir.CheckFiles("--out", *out, []string{*out}, modelInputs(mf, m)...); err != nil {
			return err
		}
	}
	cfg.Seed = mf.seed
	if !*sweep {
		res, err := experiment.Attack(m, d.test, cfg, *loss)
		if err != nil {
			return err
		}
		res.PerExample = nil
		if *asJSON {
			return writeJSON(stdout, res)
		}
		fmt.Fprintf(stdout, "%s (%s, ε = %g", res.Label, *norm, *eps)
		if *name != attack.AttackFGSM {
			fmt.Fprintf(stdout, ", step %g, %d steps", *step, *steps)
		}
		fmt.Fprintf(stdout, ", loss %s): robust accuracy %.4f (%d/%d), clean %.4f\n", *loss, res.Accuracy, res.Correct, res.Total, res.Clean)
		return nil
	}
	s := experiment.PaperSweep()
	s.PGDAttack, s.Loss, s.Batch, s.Workers, s.Seed = cfg.Attack, *loss, *batch, *workers, mf.seed
	fg, pg, err := experiment.Sweeps(m, d.test, s)
	if err != nil {
		return err
	}
	res := map[string]experiment.Curve{"fgsm": fg, "pgd": pg}
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
	fmt.Fprintf(stdout, "%-10s %-10s %-10s\n", "value", "fgsm(ε)", pg.Label+"(a)")
	for i, v := range fg.Values {
		fmt.Fprintf(stdout, "%-10.4g %-10.4f %-10.4f\n", v, fg.Acc[i], pg.Acc[i])
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
