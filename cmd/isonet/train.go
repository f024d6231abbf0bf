package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"golang.org/x/term"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/train"
	"github.com/schollz/progressbar/v3"
)

func init() {
	register(&command{name: "train", summary: "train a model (LIL: CE + β·isometric loss)", run: runTrain})
}

// specFlags binds the flags that define a training run to a Spec. The
// defaults depend on the data set, so they are applied after parsing for
// the flags the user did not set.
type specFlags struct {
	dataset, dataDir, mask, act, init, optimizer, labelCols string
	header                                                  string
	beta, alpha, k, lr, testFrac                            float64
	epochs, batch, width, depth, isoLayer, subset           int
	testSubset, logEvery                                    int
	seed                                                    uint64

	// The training method and the baselines' settings (train.Methods).
	method                     string
	advEps, advStep, jacLambda float64
	advSteps                   int
	lipParam                   string
	lipIters                   int
	lipMargin, lipTemp         float64
	tradesBeta, specScale      float64
}

func (f *specFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataset, "dataset", "mnist", "data set: mnist, fashion-mnist (Debian's dataset-fashion-mnist), rings, torus or csv:PATH")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder of IDX files for mnist (default: the bundled MNIST) or fashion-mnist (default: /usr/share/datasets/fashion-mnist)")
	fs.StringVar(&f.labelCols, "label-cols", "", "CSV label columns, coarsest first, comma-separated (default: the last column)")
	fs.Float64Var(&f.testFrac, "test-frac", 0.2, "held-out fraction of a CSV data set")
	fs.StringVar(&f.header, "header", "", "whether a CSV file's first row is a header: yes or no (default: detected, and said when a row of numbers is taken as one)")
	fs.Float64Var(&f.beta, "beta", 0, "weight β of the isometric loss (0 = plain cross-entropy; torus default 100)")
	fs.Float64Var(&f.alpha, "alpha", 1, "weight α of the cross-entropy loss")
	fs.StringVar(&f.mask, "mask", "class", "isometry mask: class (local), global or none")
	fs.Float64Var(&f.k, "iso-scale", 1, "scale K of representation distances in the isometric loss")
	fs.IntVar(&f.isoLayer, "iso-layer", 0, "representation the isometric loss acts on: 1..depth hidden, depth+1 = logits (default: last hidden)")
	fs.IntVar(&f.epochs, "epochs", 0, "training epochs (default: mnist and fashion-mnist 5, toys 10000, csv 100)")
	fs.IntVar(&f.batch, "batch", 0, "batch size (default: mnist 100, toys the whole set, csv 100)")
	fs.Float64Var(&f.lr, "lr", 1e-3, "learning rate")
	fs.StringVar(&f.optimizer, "optimizer", "adam", "optimizer: adam or sgd")
	fs.IntVar(&f.width, "width", 0, "hidden width (default: mnist 100, others 20)")
	fs.IntVar(&f.depth, "depth", 4, "hidden layers in the LIL")
	fs.StringVar(&f.act, "act", "tanh", "activation: tanh, relu or maxmin (pairs' max and min: with --method lipschitz)")
	fs.StringVar(&f.init, "init", "pytorch", "weight init: pytorch, xavier or orthogonal")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed (weights, shuffling, toy data)")
	fs.IntVar(&f.subset, "subset", 0, "train on the first N training examples only (0 = all)")
	fs.IntVar(&f.testSubset, "test-subset", 0, "evaluate on the first N test examples only (0 = all)")
	fs.IntVar(&f.logEvery, "log-every", 0, "epochs between accuracy measurements (0 = about 100 per run)")
	fs.StringVar(&f.method, "method", train.MethodLIL, "training method: lil (CE + β·iso), or a baseline: adv (PGD adversarial training), jacobian (Jacobian regularisation), specnorm (spectral normalisation), lipschitz (1-Lipschitz network), trades (TRADES)")
	fs.Float64Var(&f.advEps, "adv-eps", train.DefaultAdvEps, "--method adv: L∞ radius ε of the training adversarials")
	fs.Float64Var(&f.advStep, "adv-step", 0, "--method adv: PGD step size (default ε/4)")
	fs.IntVar(&f.advSteps, "adv-steps", train.DefaultAdvSteps, "--method adv: PGD steps per batch (random start)")
	fs.Float64Var(&f.jacLambda, "jacobian-lambda", train.DefaultJacLambda, "--method jacobian: weight λ of the Jacobian penalty (λ/2)·‖J‖²_F")
	fs.StringVar(&f.lipParam, "lipschitz", train.DefaultLipParam, "--method lipschitz: 1-Lipschitz weights, aol or orthogonal (Björck–Bowie); use with --act maxmin")
	fs.IntVar(&f.lipIters, "bjorck-iters", nn.DefaultBjorckIters, "--method lipschitz --lipschitz orthogonal: Björck–Bowie steps")
	fs.Float64Var(&f.lipMargin, "lipschitz-margin", train.DefaultLipMargin, "--method lipschitz: L2 radius the loss's offset √2·margin aims at")
	fs.Float64Var(&f.lipTemp, "lipschitz-temperature", train.DefaultLipTemp, "--method lipschitz: temperature τ of the offset cross-entropy")
	fs.Float64Var(&f.tradesBeta, "trades-beta", train.DefaultTradesBeta, "--method trades: weight β of KL(p(x)‖p(x')) (PGD on the KL: --adv-eps, --adv-step, default 0.01, --adv-steps, default 40)")
	fs.Float64Var(&f.specScale, "specnorm-scale", 1, "--method specnorm: scale s of the logits (the last layer is s·V/σ)")
}

// applyMethod sets the training method and its settings from the flags; a
// baseline's flag given without its method is an error (from Validate).
func (f *specFlags) applyMethod(fs *flag.FlagSet, t *train.Config) error {
	if err := t.SetMethod(f.method); err != nil {
		return err
	}
	if isSet(fs, "adv-eps") {
		t.AdvEps = f.advEps
		if t.Method == train.MethodAdv {
			t.AdvStep = f.advEps / 4
		}
	}
	if isSet(fs, "adv-step") {
		t.AdvStep = f.advStep
	}
	if isSet(fs, "adv-steps") {
		t.AdvSteps = f.advSteps
	}
	if isSet(fs, "jacobian-lambda") {
		t.JacLambda = f.jacLambda
	}
	if isSet(fs, "lipschitz") {
		t.LipParam = f.lipParam
		if t.Method == train.MethodLipschitz {
			t.LipIters = 0
			if f.lipParam == nn.Orthogonal {
				t.LipIters = nn.DefaultBjorckIters
			}
		}
	}
	if isSet(fs, "bjorck-iters") {
		t.LipIters = f.lipIters
	}
	if isSet(fs, "lipschitz-margin") {
		t.LipMargin = f.lipMargin
	}
	if isSet(fs, "lipschitz-temperature") {
		t.LipTemp = f.lipTemp
	}
	if isSet(fs, "trades-beta") {
		t.TradesBeta = f.tradesBeta
	}
	if isSet(fs, "specnorm-scale") {
		t.SpecScale = f.specScale
	}
	return nil
}

// spec turns the parsed flags into a validated Spec.
func (f *specFlags) spec(fs *flag.FlagSet) (train.Spec, error) {
	s := datasetSpec(f.dataset)
	if isSet(fs, "test-frac") && f.testFrac == 0 {
		// The spec's zero means "the default 0.2"; refused rather than replaced.
		return s, fmt.Errorf("--test-frac 0 would leave no test set (want a fraction in (0, 1), default 0.2)")
	}
	if err := checkFloat32("--lr", f.lr); err != nil {
		return s, err
	}
	for _, w := range []struct {
		flag, precision string
		v               float64
	}{
		{"--jacobian-lambda", "the precision of the gradients it weighs", f.jacLambda},
		{"--trades-beta", "the precision of the gradients it weighs", f.tradesBeta},
		{"--specnorm-scale", "the precision of the logits it scales", f.specScale},
		{"--adv-eps", "the precision the attacks move the inputs in", f.advEps},
		{"--adv-step", "the precision the attacks move the inputs in", f.advStep},
	} {
		if err := checkPositive32(w.flag, w.v, w.precision); err != nil {
			return s, err
		}
	}
	for _, w := range []struct {
		flag string
		v    float64
	}{{"--beta", f.beta}, {"--alpha", f.alpha}} {
		if err := checkWeight32(w.flag, w.v); err != nil {
			return s, err
		}
	}
	s.Data.Dir, s.Data.Seed, s.Data.TestFrac = f.dataDir, f.seed, f.testFrac
	s.Data.TrainSubset, s.Data.TestSubset = f.subset, f.testSubset
	s.Data.CSVHeader = f.header
	cols, err := parseLabelCols(f.labelCols)
	if err != nil {
		return s, err
	}
	s.Data.LabelCols = append(s.Data.LabelCols, cols...)
	s.Seed, s.LogEvery = f.seed, f.logEvery
	s.Act, s.Init = nn.Activation(f.act), nn.Init(f.init)
	if isSet(fs, "width") {
		s.Width = f.width
	}
	s.Depth = f.depth
	t := &s.Train
	if isSet(fs, "beta") {
		t.Beta = f.beta
	}
	t.Alpha, t.K, t.LR, t.Optimizer = f.alpha, f.k, f.lr, f.optimizer
	t.Mask = iso.Mask(f.mask)
	if isSet(fs, "epochs") {
		t.Epochs = f.epochs
	}
	if isSet(fs, "batch") {
		t.Batch = f.batch
	}
	t.IsoLayer = s.Depth
	if isSet(fs, "iso-layer") {
		t.IsoLayer = f.isoLayer
	}
	if err := f.applyMethod(fs, t); err != nil {
		return s, err
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, nil
}

// checkFloat32 refuses a positive finite value of flag that float32, the
// precision the optimizer steps in, rounds to 0 or to infinity: --lr 1e-50
// passes "> 0" as a float64 but trains nothing. Other values are left to
// the spec's own checks.
func checkFloat32(flag string, v float64) error {
	return checkPositive32(flag, v, "the optimizer's precision")
}

// checkPositive32 refuses a positive finite value of flag that float32
// rounds to 0 or to infinity; precision says where the value is used in
// float32 ("the optimizer's precision").
func checkPositive32(flag string, v float64, precision string) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return nil
	}
	if f := float32(v); f == 0 || math.IsInf(float64(f), 0) {
		return fmt.Errorf("%s must be a finite number > 0 in float32, %s (1.4e-45 to 3.4e+38), got %g", flag, precision, v)
	}
	return nil
}

// checkWeight32 refuses a loss weight (β, α) that float32, the precision
// of the gradients it scales, rounds to 0 (--beta 1e-50 would silently be
// β = 0) or to infinity. 0 itself is allowed; other values are left to the
// spec's own checks.
func checkWeight32(flag string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return nil
	}
	if f := float32(v); f == 0 || math.IsInf(float64(f), 0) {
		return fmt.Errorf("%s %g rounds to %g in float32, the precision of the gradients it weighs; give 0, or a value from 1.4e-45 to 3.4e+38", flag, v, f)
	}
	return nil
}

// parseLabelCols reads --label-cols: column indices, comma-separated
// (none when s is empty).
func parseLabelCols(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var cols []int
	for _, c := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("--label-cols: %q is not a column index ≥ 0", c)
		}
		cols = append(cols, v)
	}
	return cols, nil
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "--dataset D [--beta B] --out DIR [flags]  |  --resume DIR", stderr)
	f := newTrainFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if f.stacked.used() {
		return f.trainStacked(ctx, stdout, stderr)
	}
	if f.every < -1 {
		return fmt.Errorf("--checkpoint-every must be ≥ -1, got %d", f.every)
	}
	spec, t, err := f.begin()
	if err != nil {
		return err
	}
	lock, err := f.lockOut(spec)
	if err != nil {
		return err
	}
	defer lock.Release()
	loaded, t, err := openTrainData(spec, t)
	if err != nil {
		return err
	}
	if _, err := model.New(t.Spec(), t.Net()); err != nil { // refused before anything is printed
		return err
	}
	f.printStart(stderr, spec, t, loaded)
	res, err := f.fit(ctx, spec, t, loaded, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "train accuracy %.4f, test accuracy %.4f, %.1f s (%.0f examples/s); model in %s\n",
		res.TrainAcc, res.TestAcc, res.Seconds, float64(loaded.Train.Len()*spec.Train.Epochs)/res.Seconds, f.out)
	return nil
}

// trainFlags are train's flags.
type trainFlags struct {
	fs          *flag.FlagSet
	spec        specFlags
	out, resume string
	force       bool
	quiet       bool
	every       int
	stacked     *stackedFlags
}

// newTrainFlags registers train's flags on fs.
func newTrainFlags(fs *flag.FlagSet) *trainFlags {
	f := &trainFlags{fs: fs}
	f.spec.register(fs)
	fs.StringVar(&f.out, "out", "", "model folder to write (config.json, model.safetensors, metrics.json)")
	fs.BoolVar(&f.force, "force", false, "replace an existing --out folder that isonet wrote (never a folder holding other files), and discard an interrupted run's checkpoint")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress display")
	fs.StringVar(&f.resume, "resume", "", "continue the interrupted run whose --out was DIR (from DIR.checkpoint)")
	fs.IntVar(&f.every, "checkpoint-every", 0, "save a checkpoint every N epochs (0 = every minute; -1 = never)")
	f.stacked = registerStackedTrainFlags(fs)
	return f
}

// trainStacked trains a stacked model (--stacked), which only LIL trains.
func (f *trainFlags) trainStacked(ctx context.Context, stdout, stderr io.Writer) error {
	if isSet(f.fs, "method") && f.spec.method != train.MethodLIL {
		return errors.New("--method must be lil with --stacked (the baselines train flat models)")
	}
	return trainStacked(ctx, &f.spec, f.stacked, f.out, f.force, f.quiet, f.resume, stdout, stderr)
}

// replace reports whether an existing --out folder may be replaced.
func (f *trainFlags) replace() bool { return f.force || f.resume != "" }

// begin returns the run's spec and, with --resume, the trainer restored
// from the checkpoint (nil for a fresh start); --resume DIR sets --out.
func (f *trainFlags) begin() (train.Spec, *train.Trainer, error) {
	if f.resume != "" {
		if err := checkResumeFlags(f.fs, f.resume); err != nil {
			return train.Spec{}, nil, err
		}
		f.out = f.resume
		t, err := train.Resume(train.CheckpointDir(f.resume))
		if err != nil {
			return train.Spec{}, nil, err
		}
		return t.Spec(), t, nil
	}
	spec, err := f.spec.spec(f.fs)
	if err != nil {
		return spec, nil, err
	}
	if f.out == "" {
		return spec, nil, errors.New("--out DIR is required")
	}
	return spec, nil, nil
}

// lockOut refuses an output that must not be written (a file, a folder
// isonet did not write, the input, an interrupted run's checkpoint) and
// returns the output's lock, to hold until the model is in place.
func (f *trainFlags) lockOut(spec train.Spec) (*outdir.Lock, error) {
	inputs := dataInputs(spec.Data.Name, spec.Data.Dir)
	if _, err := outdir.CheckDir("--out", f.out, f.replace(), inputs...); err != nil {
		return nil, err
	}
	lock, err := lockOut(f.out, f.replace(), inputs)
	if err != nil {
		return nil, err
	}
	if f.resume == "" { // under the lock: a running run's checkpoint is not an interrupted one
		if _, err := checkCheckpoint(f.out, f.force); err != nil {
			lock.Release()
			return nil, err
		}
	}
	return lock, nil
}

// openTrainData opens the spec's data and returns it with the trainer: a
// new one when t is nil, else t, checked against the data.
func openTrainData(spec train.Spec, t *train.Trainer) (*data.Loaded, *train.Trainer, error) {
	loaded, err := spec.Data.Open(data.OpenOptions{})
	if err != nil {
		return nil, nil, err
	}
	trainSet := loaded.Train
	if t == nil {
		if t, err = train.Start(spec, trainSet.Dim(), trainSet.NumClasses()); err != nil {
			return nil, nil, err
		}
	} else if in := t.Net().InputDim(); in != trainSet.Dim() {
		return nil, nil, fmt.Errorf("checkpoint model takes %d inputs but the data set has %d", in, trainSet.Dim())
	} else if c := t.Net().NumClasses(); c < trainSet.NumClasses() {
		return nil, nil, fmt.Errorf("checkpoint model has %d outputs but the data set has %d classes", c, trainSet.NumClasses())
	}
	if err := checkTwoClasses(trainSet); err != nil {
		return nil, nil, err
	}
	return loaded, t, nil
}

// printStart says on stderr what the run trains on, after its warnings.
func (f *trainFlags) printStart(stderr io.Writer, spec train.Spec, t *train.Trainer, loaded *data.Loaded) {
	trainSet, testSet := loaded.Train, loaded.Test
	if f.resume != "" {
		fmt.Fprintf(stderr, "resuming %s at epoch %d, step %d\n", f.resume, t.Epoch()+1, t.StepInEpoch()+1)
	}
	for _, w := range append(loaded.Warnings, spec.Warnings(trainSet)...) {
		fmt.Fprintln(stderr, "isonet train: warning:", message(w))
	}
	fmt.Fprintf(stderr, "training on %s: %d examples × %d features, %d classes; %d test examples\n",
		trainSet.Name, trainSet.Len(), trainSet.Dim(), trainSet.NumClasses(), testSet.Len())
}

// checkpointing returns the periodic checkpoints' settings and the count
// of saves that failed; the first failure is a warning on stderr.
func (f *trainFlags) checkpointing(stderr io.Writer) (*train.Checkpointing, *int) {
	failed := new(int)
	ck := &train.Checkpointing{Dir: train.CheckpointDir(f.out), Every: f.every, Interval: time.Minute,
		Warn: func(err error) {
			*failed++
			if *failed == 1 { // once, not every epoch of a long run on a full disk
				fmt.Fprintf(stderr, "isonet train: warning: checkpoint not saved (training goes on): %v\n", err)
			}
		}}
	if f.every < 0 {
		ck.Dir = ""
	}
	return ck, failed
}

// fit trains t into the model folder --out (model.Train: fit, save with
// the data's provenance, remove the checkpoint) with progress and periodic
// checkpoints.
func (f *trainFlags) fit(ctx context.Context, spec train.Spec, t *train.Trainer, loaded *data.Loaded, stderr io.Writer) (*train.Result, error) {
	trainSet, testSet := loaded.Train, loaded.Test
	ck, failed := f.checkpointing(stderr)
	prog := newProgress(stderr, spec, trainSet.Len(), f.quiet)
	prog.done = (t.Epoch()*prog.total/spec.Train.Epochs + t.StepInEpoch())
	o := model.TrainOptions{Data: &loaded.Prov, Trainer: t, Hooks: prog.hooks(), Replace: f.replace()}
	if ck.Dir != "" {
		o.Checkpoint = ck
	}
	_, res, err := model.Train(ctx, f.out, spec, trainSet, testSet, o)
	prog.finish()
	if *failed > 1 {
		fmt.Fprintf(stderr, "isonet train: warning: %d periodic checkpoints could not be saved\n", *failed)
	}
	if err != nil {
		return nil, f.fitFailed(err, t, ck.Dir, stderr)
	}
	return res, nil
}

// fitFailed returns Fit's error err, saying where the checkpoint ckDir
// (if any) is to resume from or to go back to.
func (f *trainFlags) fitFailed(err error, t *train.Trainer, ckDir string, stderr io.Writer) error {
	if errors.Is(err, train.ErrInterrupted) && ckDir != "" {
		fmt.Fprintf(stderr, "isonet train: interrupted at epoch %d, step %d; checkpoint saved in %s\nresume with: isonet train --resume %s\n",
			t.Epoch()+1, t.StepInEpoch()+1, ckDir, f.out)
	}
	if errors.Is(err, train.ErrDiverged) && ckDir != "" {
		if _, serr := os.Stat(ckDir); serr == nil {
			err = fmt.Errorf("%w; the last good checkpoint is in %s", err, ckDir)
		}
	}
	return err
}

// checkResumeFlags refuses flags that would change a resumed run (its
// settings come from the checkpoint) and a folder without a checkpoint.
func checkResumeFlags(fs *flag.FlagSet, dir string) error {
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "resume", "quiet", "force", "checkpoint-every":
		default:
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return fmt.Errorf("%s cannot be used with --resume: the run continues with the settings in its checkpoint", strings.Join(bad, ", "))
	}
	ck := train.CheckpointDir(dir)
	if _, err := os.Stat(ck); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--resume %s: there is no checkpoint %s (a run saves one every --checkpoint-every epochs and on Ctrl-C; a finished run removes it)", dir, ck)
	}
	return nil
}

// checkTwoClasses refuses a training set whose examples all have one
// class: there is nothing to classify.
func checkTwoClasses(set *data.Set) error {
	y := set.Y()
	for _, c := range y {
		if c != y[0] {
			return nil
		}
	}
	name := "none"
	if len(y) > 0 {
		name = fmt.Sprintf("%q", set.ClassName(set.Levels()-1, y[0]))
	}
	return fmt.Errorf("the training set of %s has a single class (%s) in %d examples; a classifier needs at least 2", set.Name, name, len(y))
}

// progress shows a progress bar with the loss terms and throughput on a
// terminal, and a line every few seconds otherwise.
type progress struct {
	bar     *progressbar.ProgressBar
	w       io.Writer
	quiet   bool
	start   time.Time
	last    time.Time
	done    int
	total   int
	perStep int
	beta    float64
}

func newProgress(w io.Writer, s train.Spec, n int, quiet bool) *progress {
	bs := min(s.Train.Batch, n)
	steps := (n + bs - 1) / bs
	p := &progress{w: w, quiet: quiet, start: time.Now(), last: time.Now(), total: steps * s.Train.Epochs, perStep: bs, beta: s.Train.Beta}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !quiet {
		p.bar = progressbar.NewOptions(p.total, progressbar.OptionSetWriter(w), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) hooks() train.Hooks {
	return train.Hooks{Step: func(epoch, step, steps int, ce, isoLoss float64) {
		p.done++
		if p.quiet {
			return
		}
		rate := float64(p.done*p.perStep) / time.Since(p.start).Seconds()
		desc := fmt.Sprintf("epoch %d  CE %.4f  iso %.4g (β·iso %.4g)  %.0f ex/s", epoch, ce, isoLoss, p.beta*isoLoss, rate)
		if p.bar != nil {
			p.bar.Describe(desc)
			p.bar.Add(1)
		} else if time.Since(p.last) > 5*time.Second || p.done == p.total {
			p.last = time.Now()
			fmt.Fprintf(p.w, "[%d/%d] %s\n", p.done, p.total, desc)
		}
	}}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
