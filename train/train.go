// Package train trains Locally Isometric Layer networks: a run's Spec
// (data, width, depth, settings), the loop batch → forward → Objective
// (α·CE + β·iso) → backward → Adam step ((*Trainer).Fit), its checkpoints
// and exact resume (SaveCheckpoint, Resume), and the attack view of a
// network under the same Objective (AttackModel). The same loop trains the
// robustness baselines (Config.Method): PGD adversarial training, Jacobian
// regularisation and spectral normalisation.
package train

import (
	"context"
	"errors"
	"fmt"
	"github.com/isonet/isonet/internal/field"
	"math"
	"math/rand/v2"
	"time"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// Config holds the training settings. A zero setting means its default
// (see WithDefaults), so the zero Config trains plain cross-entropy with the
// paper's settings (Defaults); a Trainer fills them in. Validate checks the
// settings as given, where a zero is refused, so that a command line can
// refuse a zero its user typed.
type Config struct {
	// Alpha weighs the cross-entropy term. Its zero means 1 only beside a
	// zero Beta (no loss at all otherwise); beside β > 0 it is taken as
	// given, β·iso alone, so a config that sets Beta sets Alpha too.
	Alpha     float64  `json:"alpha"`
	Beta      float64  `json:"beta"`      // weight of the isometric term (0: plain CE)
	Mask      iso.Mask `json:"mask"`      // class, global or none
	K         float64  `json:"iso_scale"` // representation distance scale K
	IsoLayer  int      `json:"iso_layer"` // representation index H[l] the iso term acts on
	Epochs    int      `json:"epochs"`    // passes over the training set
	Batch     int      `json:"batch"`     // examples per step; ≥ the set size means full batch
	LR        float64  `json:"lr"`        // learning rate
	Optimizer string   `json:"optimizer"` // adam or sgd
	Seed      uint64   `json:"seed"`      // shuffling seed
	// Method is the training method: "" (or "lil") for the paper's
	// α·CE + β·iso, or a baseline: "adv", "jacobian", "specnorm" (see
	// MethodAdv, MethodJacobian, MethodSpecNorm). The settings below belong
	// to one method each and are zero for the others; SetMethod fills in
	// their defaults.
	Method    string  `json:"method,omitempty"`
	AdvEps    float64 `json:"adv_eps,omitempty"`         // adv: L∞ radius ε
	AdvStep   float64 `json:"adv_step,omitempty"`        // adv: PGD step size
	AdvSteps  int     `json:"adv_steps,omitempty"`       // adv: PGD steps per batch
	JacLambda float64 `json:"jacobian_lambda,omitempty"` // jacobian: weight λ_JR
	// The 1-Lipschitz network (MethodLipschitz), TRADES (MethodTrades, with
	// AdvEps, AdvStep, AdvSteps for its PGD) and spectral normalisation's
	// logit scale (MethodSpecNorm; 0 means 1), in lipschitz.go, trades.go
	// and baselines.go.
	LipParam   string  `json:"lipschitz,omitempty"`             // lipschitz: aol or orthogonal
	LipIters   int     `json:"bjorck_iters,omitempty"`          // lipschitz orthogonal: Björck–Bowie steps
	LipMargin  float64 `json:"lipschitz_margin,omitempty"`      // lipschitz: L2 radius the loss's offset aims at
	LipTemp    float64 `json:"lipschitz_temperature,omitempty"` // lipschitz: the loss's temperature τ
	TradesBeta float64 `json:"trades_beta,omitempty"`           // trades: weight β of the KL term
	SpecScale  float64 `json:"specnorm_scale,omitempty"`        // specnorm: the logits' scale s (last layer s·V/σ)
}

// Defaults returns the paper's training settings for a model with the given
// number of Linear layers: Adam 1e-3, α = 1, class mask, K = 1, iso on the
// last hidden layer, batch 100, one epoch (Config{}.WithDefaults(layers)).
func Defaults(layers int) Config {
	return Config{Alpha: 1, Mask: iso.MaskClass, K: 1, IsoLayer: layers - 1, Epochs: 1, Batch: 100, LR: 1e-3, Optimizer: "adam"}
}

// WithDefaults returns c with each zero setting replaced by its default
// (Defaults) for a model with the given number of Linear layers, and the
// zero settings of c's method by the method's (SetMethod). Alpha is the one
// setting whose zero is a choice (β·iso alone): it becomes 1 only when Beta
// is 0 too, which would leave no loss at all. Beta and Seed have zero
// defaults.
func (c Config) WithDefaults(layers int) Config {
	d := Defaults(layers)
	if c.Alpha == 0 && c.Beta == 0 {
		c.Alpha = d.Alpha
	}
	if c.Mask == "" {
		c.Mask = d.Mask
	}
	if c.K == 0 {
		c.K = d.K
	}
	if c.IsoLayer == 0 {
		c.IsoLayer = d.IsoLayer
	}
	if c.Epochs == 0 {
		c.Epochs = d.Epochs
	}
	if c.Batch == 0 {
		c.Batch = d.Batch
	}
	if c.LR == 0 {
		c.LR = d.LR
	}
	if c.Optimizer == "" {
		c.Optimizer = d.Optimizer
	}
	if c.Method != "" {
		bare := c
		bare.SetMethod(MethodLIL) // clears every method's settings
		bare.Method = c.Method
		if bare == c { // none of the method's settings given: all its defaults
			c.SetMethod(c.Method) // (an unknown method is left to Validate)
		}
	}
	switch c.Method { // some given: the others' defaults may follow them
	case MethodAdv:
		if c.AdvEps == 0 {
			c.AdvEps = DefaultAdvEps
		}
		if c.AdvStep == 0 {
			c.AdvStep = c.AdvEps / 4
		}
		if c.AdvSteps == 0 {
			c.AdvSteps = DefaultAdvSteps
		}
	case MethodJacobian:
		if c.JacLambda == 0 {
			c.JacLambda = DefaultJacLambda
		}
	case MethodLipschitz:
		c.lipschitzDefaults()
	case MethodTrades:
		c.tradesDefaults()
	}
	return c
}

// Validate checks every setting as given (a zero is refused: see
// WithDefaults) and names the field (internal/field) and its allowed range.
func (c *Config) Validate(layers int) error {
	switch {
	case !(c.Beta >= 0) || math.IsInf(c.Beta, 0):
		return field.Errorf("{Beta} must be a finite number ≥ 0, got %g", c.Beta)
	case !(c.Alpha >= 0) || math.IsInf(c.Alpha, 0):
		return field.Errorf("{Alpha} must be a finite number ≥ 0, got %g", c.Alpha)
	case c.Alpha == 0 && c.Beta == 0:
		return field.Errorf("{Alpha} and {Beta} are both 0: the loss would be 0 and training would change nothing")
	case !(c.K > 0) || math.IsInf(c.K, 0):
		return field.Errorf("{K} must be a finite number > 0, got %g", c.K)
	case c.Epochs < 1:
		return field.Errorf("{Epochs} must be ≥ 1, got %d", c.Epochs)
	case c.Batch < 1:
		return field.Errorf("{Batch} must be ≥ 1, got %d", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return field.Errorf("{LR} must be a finite number > 0, got %g", c.LR)
	case c.IsoLayer < 1 || c.IsoLayer > layers:
		return field.Errorf("{IsoLayer} must be in 1..%d (1..%d hidden, %d = logits), got %d", layers, layers-1, layers, c.IsoLayer)
	case c.Optimizer != "adam" && c.Optimizer != "sgd":
		return field.Errorf("{Optimizer} must be adam or sgd, got %q", c.Optimizer)
	}
	if _, err := iso.ParseMask(string(c.Mask)); err != nil {
		return field.Errorf("{Mask}: %v", err)
	}
	return c.validateMethod()
}

// EpochStats is what one epoch measured.
type EpochStats struct {
	Epoch    int     `json:"epoch"`
	CE       float64 `json:"ce"`  // mean over the epoch's steps
	Iso      float64 `json:"iso"` // mean over the epoch's steps, before β
	Loss     float64 `json:"loss"`
	TrainAcc float64 `json:"train_acc"`
	TestAcc  float64 `json:"test_acc,omitempty"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"examples_per_second"`
}

// Hooks lets a caller watch the loop; any field may be nil.
type Hooks struct {
	// Step is called after every optimizer step.
	Step func(epoch, step, steps int, ce, iso float64)
	// Epoch is called after every epoch; an error stops training.
	Epoch func(s EpochStats) error
}

// ErrDiverged is wrapped by the error Train returns when the loss stops
// being a finite number.
var ErrDiverged = errors.New("training diverged")

// Trainer holds everything that changes during training — the network,
// the optimizer, the epoch and step, the shuffling generator, the result so
// far — so that a run can be checkpointed and resumed exactly (see
// SaveCheckpoint and Resume).
type Trainer struct {
	net  *nn.MLP
	cfg  Config
	spec Spec       // the run: LogEvery, and the Result's and checkpoint's spec
	obj  *Objective // α·CE + β·iso
	opt  nn.Optimizer
	// epoch is the number of finished epochs.
	epoch int
	// rng drives shuffling; its state is part of a checkpoint.
	rng *rand.PCG
	// pos is the number of steps done in the unfinished epoch, perm that
	// epoch's example order, and sumCE, sumIso, elapsed its running sums.
	pos           int
	perm          []int
	sumCE, sumIso float64
	elapsed       float64
	res           *Result // what Fit measured so far (nil before it starts)

	ws    *nn.Workspace
	xb    *tensor.Mat
	yb    []int
	fixed *data.Set // full batch of this set in fixed order: the iso loss's input distances are reused

	// The baselines' state (nil unless cfg.Method names them).
	adv    *advTrainer
	jac    *jacobian
	sn     *specNorm
	lip    *lipTrainer
	trades *tradesTrainer
}

// NewTrainer returns a trainer for m with cfg, its zero settings replaced
// by their defaults (WithDefaults); cfg.Seed seeds the shuffling.
func NewTrainer(m *nn.MLP, cfg Config) (*Trainer, error) {
	return New(m, Spec{Train: cfg, Seed: cfg.Seed})
}

// New returns a trainer that trains net as s says: with s.Train's settings,
// their zeros replaced by their defaults for net (WithDefaults), s.Seed
// seeding the shuffling. Its Fit measures accuracy every s.LogEvery epochs
// and reports s, with those settings, as its result's spec.
func New(net *nn.MLP, s Spec) (*Trainer, error) {
	s.Train = s.Train.WithDefaults(len(net.Layers))
	cfg := s.Train
	cfg.Seed = s.Seed
	if err := cfg.Validate(len(net.Layers)); err != nil {
		return nil, err
	}
	if net.Act == nn.MaxMin && cfg.Method == MethodJacobian {
		return nil, field.Errorf("{Method} jacobian needs a tanh or ReLU network, this one has maxmin")
	}
	t := &Trainer{net: net, cfg: cfg, spec: s, obj: cfg.Objective(), rng: rand.NewPCG(cfg.Seed, cfg.Seed^0x15e7e7),
		ws: net.NewWorkspace(), xb: &tensor.Mat{}}
	if cfg.Optimizer == "sgd" {
		t.opt = &nn.SGD{LR: cfg.LR}
	} else {
		t.opt = nn.NewAdam(cfg.LR)
	}
	t.initMethod()
	return t, nil
}

// Start returns a trainer for a freshly initialised network (Spec.NewNet)
// for d inputs and c classes, as s says, its zero settings replaced by
// their defaults (Spec.WithDefaults).
func Start(s Spec, d, c int) (*Trainer, error) {
	s = s.WithDefaults()
	net, err := s.NewNet(d, c)
	if err != nil {
		return nil, err
	}
	return New(net, s)
}

// Net returns the network being trained.
func (t *Trainer) Net() *nn.MLP { return t.net }

// Config returns the training settings (the spec's, with its seed).
func (t *Trainer) Config() Config { return t.cfg }

// Spec returns the run's spec.
func (t *Trainer) Spec() Spec { return t.spec }

// Epoch returns the number of finished epochs.
func (t *Trainer) Epoch() int { return t.epoch }

// StepInEpoch returns the number of steps done in the unfinished epoch (0
// between epochs).
func (t *Trainer) StepInEpoch() int { return t.pos }

// Optimizer returns the optimizer, whose moments are part of the state.
func (t *Trainer) Optimizer() nn.Optimizer { return t.opt }

// Done reports whether every epoch is finished.
func (t *Trainer) Done() bool { return t.epoch >= t.cfg.Epochs }

// Step takes one optimizer step on the batch (x, y) and returns the mean CE
// and the isometric loss (before β). The labels y also define the partition
// of the class mask; with reuseIso the input distances of the previous step
// are kept (the same batch in the same order). A baseline method
// (Config.Method) changes the step as baselines.go describes: adversarial
// training replaces the batch, the Jacobian regulariser adds its gradient,
// spectral normalisation updates the raw weights and renormalises.
func (t *Trainer) Step(x *tensor.Mat, y []int, reuseIso bool) (ce, isoLoss float64) {
	switch {
	case t.lip != nil:
		return t.lipStep(x, y, reuseIso)
	case t.trades != nil:
		return t.tradesStep(x, y, reuseIso)
	}
	m, c := t.net, t.cfg
	if t.sn != nil {
		t.sn.powerIteration() // one step per training step; W = V/σ
		t.sn.apply(m)
	}
	if t.adv != nil {
		x = t.adv.perturb(c, t.rng, x, y) // the weights do not change
		reuseIso = false
	}
	m.ZeroGrad()
	logits := m.Forward(t.ws, x)
	if !reuseIso {
		t.obj.SetInputs(x, y)
	}
	ce, isoLoss, dl, extra := t.obj.Eval(t.ws, logits, y)
	if t.jac != nil {
		t.jac.drawV(x.Rows, m.NumClasses(), t.rng.Uint64())
		extra = t.jac.step(m, t.ws, c.JacLambda, extra) // adds the backward graph's W̄ to the gradients
	}
	m.Backward(t.ws, dl, extra, true, nil)
	if t.sn != nil {
		t.opt.Step(t.sn.backward(m)) // the optimizer updates V
		t.sn.measure()
		t.sn.apply(m)
		return ce, isoLoss
	}
	t.opt.Step(m.Params())
	return ce, isoLoss
}

// ErrInterrupted is wrapped by Fit's error when ctx was cancelled
// between two steps; the trainer's state is then consistent (see State) and
// the run can be continued by calling Fit again or saved with SaveCheckpoint.
var ErrInterrupted = errors.New("training interrupted")

// runEpoch trains one epoch over set and returns its statistics (without
// accuracies). It continues an epoch left unfinished by an interruption. ctx
// is checked between steps.
func (t *Trainer) runEpoch(ctx context.Context, set *data.Set, hooks Hooks) (EpochStats, error) {
	if err := t.checkSet(set); err != nil {
		return EpochStats{}, err
	}
	start := time.Now()
	n := set.Len()
	bs := min(t.cfg.Batch, n)
	full := bs == n
	fresh := t.pos == 0 // a new epoch: its order is drawn below
	if fresh {
		// Stop before drawing the order: a checkpoint at step 0 keeps no
		// order, so the RNG must not have moved.
		if err := ctx.Err(); err != nil {
			return EpochStats{}, fmt.Errorf("%w at epoch %d, step 1: %w", ErrInterrupted, t.epoch+1, err)
		}
		if len(t.perm) != n {
			t.perm = make([]int, n)
		}
		for i := range t.perm {
			t.perm[i] = i
		}
		if !full {
			rng := rand.New(t.rng)
			rng.Shuffle(n, func(i, j int) { t.perm[i], t.perm[j] = t.perm[j], t.perm[i] })
		}
		t.sumCE, t.sumIso, t.elapsed = 0, 0, 0
	} else if len(t.perm) != n {
		return EpochStats{}, fmt.Errorf("train: resumed epoch was over %d examples, the data set has %d", len(t.perm), n)
	}
	steps := (n + bs - 1) / bs
	for ; t.pos < steps; t.pos++ {
		if err := ctx.Err(); err != nil && !(fresh && t.pos == 0) { // once drawn, the order is kept by taking step 1
			t.elapsed += time.Since(start).Seconds()
			return EpochStats{}, fmt.Errorf("%w at epoch %d, step %d: %w", ErrInterrupted, t.epoch+1, t.pos+1, err)
		}
		s := t.pos
		lo, hi := s*bs, min((s+1)*bs, n)
		var x *tensor.Mat
		var y []int
		reuse := false
		if full {
			x, y = set.X, set.Y()
			reuse = t.fixed == set
			t.fixed = set
		} else {
			idx := t.perm[lo:hi]
			x = tensor.Gather(t.xb, set.X, idx)
			t.yb = t.yb[:0]
			for _, i := range idx {
				t.yb = append(t.yb, set.Y()[i])
			}
			y = t.yb
		}
		ce, il := t.Step(x, y, reuse)
		loss := t.cfg.Alpha*ce + t.cfg.Beta*il
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return EpochStats{}, field.Errorf("%w at epoch %d, step %d (loss %g): "+t.cfg.divergedAdvice(), ErrDiverged, t.epoch+1, s+1, loss)
		}
		if what := overflow(t.net); what != "" {
			return EpochStats{}, field.Errorf("%w at epoch %d, step %d (%s): "+t.cfg.divergedAdvice(), ErrDiverged, t.epoch+1, s+1, what)
		}
		t.sumCE += ce
		t.sumIso += il
		if hooks.Step != nil {
			hooks.Step(t.epoch+1, s+1, steps, ce, il)
		}
	}
	t.epoch++
	t.pos = 0
	st := EpochStats{Epoch: t.epoch, CE: t.sumCE / float64(steps), Iso: t.sumIso / float64(steps)}
	st.Loss = t.cfg.Alpha*st.CE + t.cfg.Beta*st.Iso
	st.Seconds = t.elapsed + time.Since(start).Seconds()
	st.Rate = float64(n) / st.Seconds
	return st, nil
}

// MaxMagnitude bounds every weight and gradient of a training run that has
// not diverged: beyond it a float32 overflows when squared (√3.4e38 ≈
// 1.8e19), as Adam squares gradients and distances square activations, so
// the numbers no longer mean anything even while the loss stays finite
// (an --lr of 1e30 sends every weight to about 1e30 in one Adam step; a
// --beta of 1e30 gives gradients near 1e24 whose squares are Inf).
const MaxMagnitude = 1e18

// overflow describes the first weight or gradient of m that is NaN, Inf
// or larger in magnitude than MaxMagnitude, or returns "".
func overflow(m *nn.MLP) string {
	for _, p := range m.Params() {
		for _, v := range p.Data {
			if !(v >= -MaxMagnitude && v <= MaxMagnitude) {
				return fmt.Sprintf("weight %g in %s", v, p.Name)
			}
		}
		for _, v := range p.Grad {
			if !(v >= -MaxMagnitude && v <= MaxMagnitude) {
				return fmt.Sprintf("gradient %g in %s", v, p.Name)
			}
		}
	}
	return ""
}
