package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/internal/atomicfile"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/tensor"
)

func init() {
	register(&command{name: "attack", summary: "accuracy under FGSM / PGD / APGD / Square / FAB attack or the AutoAttack ensemble, or the paper's sweeps", run: runAttack})
}

// attackAutoAttack is --attack's name for the AutoAttack ensemble.
const attackAutoAttack = "autoattack"

// attackNames are --attack's values.
var attackNames = []string{attack.AttackFGSM, attack.AttackPGD, attack.AttackPGDPaper, attack.AttackAPGD, attack.AttackSquare,
	attack.AttackAPGDDLR, attack.AttackAPGDT, attack.AttackFAB, attack.AttackFABT, attackAutoAttack}

func runAttack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("attack", "--model DIR [--attack fgsm|pgd|pgd-paper|apgd|square|apgd-dlr|apgd-t|fab|fab-t] --eps E [--step A --steps T] [--sweep] [--json]\n       isonet attack --model DIR --attack autoattack [--version standard|plus] [--norm inf|2] --eps E [--test-subset N] [--sweep] [--save-adv FILE.npy] [--json]", stderr)
	f := newAttackFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.name == attackAutoAttack {
		return f.runAutoAttack(ctx, stdout, stderr)
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

	version, saveAdv, box  string
	fallbackCE, skipChecks bool
}

// newAttackFlags registers attack's flags on fs.
func newAttackFlags(fs *flag.FlagSet) *attackFlags {
	f := &attackFlags{fs: fs, model: newModelFlags(fs, "attacked", true, false)}
	fs.StringVar(&f.name, "attack", "fgsm", "fgsm, pgd, pgd-paper (the authors' fixed-gradient variant: FGSM with ε = min(T·a, ε)), apgd (APGD-CE), square, apgd-dlr, apgd-t (targeted DLR), fab, fab-t (targeted FAB), or autoattack (the ensemble: --version)")
	fs.StringVar(&f.version, "version", attack.VersionStandard, "with --attack autoattack: standard (APGD-CE, APGD-T, FAB-T, Square 5000) or plus (APGD-CE, APGD-DLR, FAB, Square, APGD-T, FAB-T; 5 restarts)")
	fs.StringVar(&f.saveAdv, "save-adv", "", "with --attack autoattack: write each test example's adversarial (the example itself where none was found) to this file, NPY float32 [n, inputs]")
	fs.BoolVar(&f.fallbackCE, "fallback-ce", false, "on a model with too few classes for the DLR loss (apgd-dlr, autoattack's DLR stages: 3; apgd-t: 4), attack cross-entropy instead")
	fs.BoolVar(&f.skipChecks, "skip-checks", false, "with --attack autoattack: skip the extra attacks of the gradient-masking checks (large budget, FGSM against PGD)")
	fs.StringVar(&f.box, "box", "", "LO,HI: the inputs' range, kept by every attack (default 0,1)")
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
	if !slices.Contains(attackNames, f.name) {
		return fmt.Errorf("--attack must be one of %s, got %q", strings.Join(attackNames, ", "), f.name)
	}
	if f.name != attackAutoAttack {
		for _, fl := range []string{"version", "save-adv", "skip-checks"} {
			if isSet(f.fs, fl) {
				return fmt.Errorf("--%s applies to --attack autoattack only", fl)
			}
		}
	}
	if _, _, err := f.boxRange(); err != nil {
		return err
	}
	return nil
}

// boxRange returns --box's bounds (0, 0 when not given: [0, 1]).
func (f *attackFlags) boxRange() (lo, hi float64, err error) {
	if f.box == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(f.box, ",")
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil || !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return 0, 0, fmt.Errorf("--box must be LO,HI with finite LO < HI, got %q", f.box)
	}
	return lo, hi, nil
}

// epsSweep reports whether --sweep varies ε (apgd, square) rather than
// the PGD step size.
func (f *attackFlags) epsSweep() bool {
	switch f.name {
	case attack.AttackAPGD, attack.AttackSquare, attack.AttackAPGDDLR, attack.AttackAPGDT, attack.AttackFAB, attack.AttackFABT:
		return true
	}
	return false
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
		RandomStart: f.randomStart, BatchSize: f.batch, Workers: f.workers, FallbackCE: f.fallbackCE}
	cfg.Lo, cfg.Hi, _ = f.boxRange()
	s := attack.PaperSweep()
	if f.sweep {
		if isSet(f.fs, "step") {
			return cfg, s, fmt.Errorf("--step does not apply to --sweep: it varies the PGD step size (fgsm, pgd, pgd-paper) or ε (apgd, square, apgd-dlr, apgd-t, fab, fab-t)")
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
		defer outdir.Forget(filepath.Dir(f.out), f.out) // when not written
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

// autoAttackConfig returns the ensemble's settings from the flags, checked
// (without the seed, which the model gives).
func (f *attackFlags) autoAttackConfig() (attack.AutoAttackConfig, error) {
	if f.version != attack.VersionStandard && f.version != attack.VersionPlus {
		return attack.AutoAttackConfig{}, fmt.Errorf("--version must be standard or plus, got %q", f.version)
	}
	if f.loss != attack.LossCE {
		return attack.AutoAttackConfig{}, fmt.Errorf("--attack-loss %s does not apply to --attack autoattack: its losses are cross-entropy and DLR", f.loss)
	}
	for _, fl := range []string{"step", "random-start", "out"} {
		if isSet(f.fs, fl) {
			return attack.AutoAttackConfig{}, fmt.Errorf("--%s does not apply to --attack autoattack", fl)
		}
	}
	if f.sweep && f.saveAdv != "" {
		return attack.AutoAttackConfig{}, fmt.Errorf("--save-adv does not apply to --sweep: it saves one ε's adversarials")
	}
	if f.sweep && isSet(f.fs, "eps") {
		return attack.AutoAttackConfig{}, fmt.Errorf("--eps does not apply to --sweep --attack autoattack: the sweep varies ε")
	}
	c := attack.AutoAttackConfig{Version: f.version, Norm: f.norm, Eps: f.eps, FallbackCE: f.fallbackCE,
		BatchSize: f.batch, Workers: f.workers, SkipChecks: f.skipChecks, KeepAdv: f.saveAdv != ""}
	if isSet(f.fs, "steps") {
		c.Steps = f.steps
	}
	if isSet(f.fs, "restarts") {
		c.Restarts = f.restarts
	}
	c.Lo, c.Hi, _ = f.boxRange()
	if f.sweep {
		c.Eps = 0.01 // validated here; the sweep sets each ε
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// sweepEps returns the ε of --sweep --attack autoattack: the paper's sweep
// values, those beyond the box's width dropped under L∞.
func (f *attackFlags) sweepEps(c attack.AutoAttackConfig) []float64 {
	var out []float64
	for _, v := range attack.SweepValues(attack.PaperSweep()) {
		w := 1.0
		if c.Lo != 0 || c.Hi != 0 {
			w = c.Hi - c.Lo
		}
		if c.Norm == attack.NormL2 || v <= w {
			out = append(out, v*w)
		}
	}
	return out
}

// runAutoAttack is isonet attack --attack autoattack.
func (f *attackFlags) runAutoAttack(ctx context.Context, stdout, stderr io.Writer) error {
	c, err := f.autoAttackConfig()
	if err != nil {
		return err
	}
	mf := f.model
	if f.saveAdv != "" {
		if err := outdir.CheckFiles("--save-adv", f.saveAdv, []string{f.saveAdv}, modelInputs(mf, nil)...); err != nil {
			return err
		}
	}
	m, d, _, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	if f.saveAdv != "" { // again, now that the model names its data set
		if err := outdir.CheckFiles("--save-adv", f.saveAdv, []string{f.saveAdv}, modelInputs(mf, m)...); err != nil {
			return err
		}
	}
	mf.printNotes(ctx, stderr)
	c.Seed = mf.seed
	am, err := m.AttackModel(attack.LossCE)
	if err != nil {
		return err
	}
	x, y := d.test.X, d.test.Y()
	if f.sweep {
		rs, err := attack.AutoAttackSweep(ctx, am, x, y, c, f.sweepEps(c))
		if err != nil {
			return err
		}
		if f.asJSON {
			return writeJSON(stdout, autoAttackJSON{Results: rs, Data: mf.report})
		}
		fmt.Fprintf(stdout, "%-10s %-9s", "ε", "clean")
		for _, s := range rs[0].Stages {
			fmt.Fprintf(stdout, " %-9s", s.Attack)
		}
		fmt.Fprintf(stdout, " %s\n", "seconds")
		for _, r := range rs {
			fmt.Fprintf(stdout, "%-10.4g %-9.4f", r.Config.Eps, r.Clean)
			for _, s := range r.Stages {
				fmt.Fprintf(stdout, " %-9.4f", s.RobustAccuracy)
			}
			fmt.Fprintf(stdout, " %.2f\n", r.Seconds)
		}
		printChecks(stdout, rs[len(rs)-1].Checks)
		return nil
	}
	r, err := attack.AutoAttack(ctx, am, x, y, c)
	if err != nil {
		return err
	}
	if f.saveAdv != "" {
		if err := outdir.Record(filepath.Dir(f.saveAdv), "files", f.saveAdv); err != nil {
			return err
		}
		defer outdir.Forget(filepath.Dir(f.saveAdv), f.saveAdv) // when not written
		if err := atomicfile.Write(f.saveAdv, func(w io.Writer) error { return writeNPY(w, r.Adv) }); err != nil {
			return err
		}
	}
	if f.asJSON {
		return writeJSON(stdout, autoAttackJSON{Results: []*attack.AutoAttackResult{r}, Data: mf.report})
	}
	fmt.Fprintf(stdout, "AutoAttack %s (%s, ε = %g) on %d examples: clean accuracy %.4f (%d)\n", r.Config.Version, r.Config.Norm, r.Config.Eps, r.Total, r.Clean, r.CleanCorrect)
	for _, s := range r.Stages {
		if s.Skipped != "" {
			fmt.Fprintf(stdout, "  %-9s skipped: %s\n", s.Attack, s.Skipped)
			continue
		}
		fmt.Fprintf(stdout, "  %-9s robust accuracy %.4f (%d), broke %d of %d, %.2f s\n", s.Attack, s.RobustAccuracy, s.Robust, s.Broken, s.Attacked, s.Seconds)
	}
	fmt.Fprintf(stdout, "robust accuracy %.4f (%d/%d), %.2f s\n", r.RobustAccuracy, r.Robust, r.Total, r.Seconds)
	printChecks(stdout, r.Checks)
	return nil
}

// printChecks prints the gradient-masking checks, one a line.
func printChecks(w io.Writer, checks []attack.Check) {
	for _, c := range checks {
		fmt.Fprintln(w, c)
	}
}

// autoAttackJSON is --attack autoattack's JSON output: one result per ε.
type autoAttackJSON struct {
	Results []*attack.AutoAttackResult `json:"results"`
	Data    *dataReport                `json:"data"`
}

// writeNPY writes m as a NumPy .npy array of little-endian float32 of shape
// [rows, cols] (format version 1.0, header padded to 64 bytes).
func writeNPY(w io.Writer, m *tensor.Mat) error {
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", m.Rows, m.Cols)
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	var b [4]byte
	for _, v := range m.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}
