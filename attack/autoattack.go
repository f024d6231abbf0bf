package attack

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/tensor"
)

// The stages of the AutoAttack ensemble (Croce & Hein, ICML 2020), by the
// names of its reference implementation.
const (
	StageAPGDCE  = "apgd-ce"
	StageAPGDDLR = "apgd-dlr"
	StageAPGDT   = "apgd-t"
	StageFAB     = "fab"
	StageFABT    = "fab-t"
	StageSquare  = "square"
)

// Versions of the ensemble accepted in AutoAttackConfig.Version.
const (
	// VersionStandard is APGD-CE, APGD-T, FAB-T and Square (5000 queries),
	// one restart each: the ensemble of the robustness leaderboards.
	VersionStandard = "standard"
	// VersionPlus is APGD-CE, APGD-DLR, FAB, Square, APGD-T and FAB-T, with
	// 5 restarts for APGD-CE, APGD-DLR and FAB.
	VersionPlus = "plus"
	// VersionCustom runs the stages listed in AutoAttackConfig.Attacks.
	VersionCustom = "custom"
)

// AdvTolerance is the slack, in the norm of the threat model, that the
// independent check of an adversarial example allows beyond ε: the attacks
// compute their points in float64 and store them in float32, which moves a
// coordinate by at most 2⁻²⁴ (about 6·10⁻⁸ on [0,1]; 1.7·10⁻⁶ in L2 over
// 784 coordinates). It is relative to the box's width Hi − Lo.
const AdvTolerance = 1e-5

// AutoAttackConfig chooses the ensemble's version, threat model and budget.
// The zero values of Version, Norm, Steps, SquareQueries, TargetClasses,
// BatchSize and Workers mean "standard", "inf", 100, 5000, min(9, C−1),
// DefaultBatchSize and runtime.GOMAXPROCS(0); Restarts 0 means the
// version's (1 for standard, 5 for plus's APGD-CE, APGD-DLR and FAB).
type AutoAttackConfig struct {
	// Version is "standard", "plus" or "custom".
	Version string `json:"version"`
	// Attacks lists the stages of the custom version, in order (apgd-ce,
	// apgd-dlr, apgd-t, fab, fab-t, square); other versions ignore it.
	Attacks []string `json:"attacks,omitempty"`
	Norm    string   `json:"norm"`
	// Eps is the radius ε of the threat model's ball.
	Eps float64 `json:"eps"`
	// Steps is the number of iterations of APGD and FAB.
	Steps int `json:"steps,omitempty"`
	// SquareQueries is Square's number of queries.
	SquareQueries int `json:"square_queries,omitempty"`
	// Restarts overrides the restarts of the untargeted stages.
	Restarts      int `json:"restarts,omitempty"`
	TargetClasses int `json:"target_classes,omitempty"`
	// FallbackCE replaces a DLR stage by APGD-CE when the model has too
	// few classes for DLR; without it such a model is an error.
	FallbackCE bool   `json:"fallback_ce,omitempty"`
	Seed       uint64 `json:"seed"`
	BatchSize  int    `json:"-"`
	Workers    int    `json:"-"`
	// Lo and Hi are the input box, as in Config (both 0: [0, 1]).
	Lo float64 `json:"lo,omitempty"`
	Hi float64 `json:"hi,omitempty"`
	// KeepAdv keeps the adversarial examples in AutoAttackResult.Adv.
	KeepAdv bool `json:"-"`
	// SkipChecks skips the extra attacks of the gradient-masking checks
	// (the large budget, FGSM against PGD); the checks computed from the
	// stages themselves are always made.
	SkipChecks bool `json:"skip_checks,omitempty"`

	done <-chan struct{}
}

// Stages returns the stages the configuration runs, in order.
func (c AutoAttackConfig) Stages() []string {
	switch c.Version {
	case "", VersionStandard:
		return []string{StageAPGDCE, StageAPGDT, StageFABT, StageSquare}
	case VersionPlus:
		return []string{StageAPGDCE, StageAPGDDLR, StageFAB, StageSquare, StageAPGDT, StageFABT}
	}
	return c.Attacks
}

// Validate reports the first problem with c as a one-line error naming the
// field.
func (c AutoAttackConfig) Validate() error {
	switch c.Version {
	case "", VersionStandard, VersionPlus:
	case VersionCustom:
		if len(c.Attacks) == 0 {
			return field.Errorf("{Attacks} must list the stages of the custom version")
		}
		for _, a := range c.Attacks {
			if !slices.Contains([]string{StageAPGDCE, StageAPGDDLR, StageAPGDT, StageFAB, StageFABT, StageSquare}, a) {
				return field.Errorf("{Attacks} must hold apgd-ce, apgd-dlr, apgd-t, fab, fab-t or square, got %q", a)
			}
		}
	default:
		return field.Errorf("{Version} must be standard, plus or custom, got %q", c.Version)
	}
	switch c.Norm {
	case "", NormInf, NormL2:
	default:
		return field.Errorf("{Norm} must be inf or 2, got %q", c.Norm)
	}
	if !(c.Eps > 0) || math.IsInf(c.Eps, 0) {
		return field.Errorf("{Eps} must be a finite number > 0, got %g", c.Eps)
	}
	if c.Norm != NormL2 && c.Eps > c.width() {
		return field.Errorf("{Eps} must be ≤ %g under L∞ (the width of the input box: a larger ball holds every input), got %g", c.width(), c.Eps)
	}
	if c.Steps < 0 || c.SquareQueries < 0 || c.Restarts < 0 || c.TargetClasses < 0 || c.BatchSize < 0 || c.Workers < 0 {
		return field.Errorf("{Steps}, {SquareQueries}, {Restarts}, {TargetClasses}, {BatchSize} and {Workers} must be ≥ 0")
	}
	return c.base(StageAPGDCE).Validate()
}

// width returns Hi − Lo of the input box.
func (c AutoAttackConfig) width() float64 {
	if c.Lo == 0 && c.Hi == 0 {
		return 1
	}
	return c.Hi - c.Lo
}

// base returns the Config of one stage, in the box's coordinates.
func (c AutoAttackConfig) base(stage string) Config {
	steps := c.Steps
	if steps == 0 {
		steps = 100
	}
	restarts := 1
	if c.Version == VersionPlus && (stage == StageAPGDCE || stage == StageAPGDDLR || stage == StageFAB) {
		restarts = 5
	}
	if c.Restarts > 0 && stage != StageAPGDT && stage != StageFABT {
		restarts = c.Restarts
	}
	cfg := Config{Norm: c.Norm, Eps: c.Eps, Steps: steps, Restarts: restarts, RandomStart: true,
		TargetClasses: c.TargetClasses, FallbackCE: c.FallbackCE, Seed: c.Seed, BatchSize: c.BatchSize,
		Workers: c.Workers, Lo: c.Lo, Hi: c.Hi, done: c.done}
	switch stage {
	case StageAPGDCE:
		cfg.Attack = AttackAPGD
	case StageSquare:
		cfg.Attack = AttackSquare
		cfg.Steps = c.SquareQueries
		if cfg.Steps == 0 {
			cfg.Steps = 5000
		}
	default:
		cfg.Attack = stage
	}
	if cfg.Norm == "" {
		cfg.Norm = NormInf
	}
	return cfg
}

// AutoAttackResult is the ensemble's outcome on a data set.
type AutoAttackResult struct {
	Config AutoAttackConfig `json:"config"`
	// Total is the number of examples; CleanCorrect of them are classified
	// correctly without attack, and Robust of those resist every stage.
	Total        int     `json:"total"`
	CleanCorrect int     `json:"clean_correct"`
	Clean        float64 `json:"clean_accuracy"`
	Robust       int     `json:"robust"`
	// RobustAccuracy is Robust/Total.
	RobustAccuracy float64 `json:"robust_accuracy"`
	// Stages holds, in order, the robust accuracy after each stage.
	Stages []StageResult `json:"stages"`
	// Examples holds each example's outcome.
	Examples []ExampleOutcome `json:"examples"`
	// Checks are the gradient-masking checks (see MaskingChecks).
	Checks []Check `json:"checks"`
	// Seconds is the wall time of the whole evaluation, checks included.
	Seconds float64 `json:"seconds"`
	// Adv, with KeepAdv, holds each example's adversarial (in the input's
	// coordinates), or the example itself where none was found.
	Adv *tensor.Mat `json:"-"`
}

// StageResult is one stage of the cascade.
type StageResult struct {
	Attack string `json:"attack"`
	Label  string `json:"label"`
	// Attacked is the number of examples the stage attacked (those robust
	// before it); Broken of them were broken by an adversarial that passed
	// the independent check; Rejected are points the attack returned that
	// the model misclassifies but that leave the ball or the box (a bug if
	// not 0).
	Attacked int `json:"attacked"`
	Broken   int `json:"broken"`
	Rejected int `json:"rejected"`
	// Robust and RobustAccuracy are counted over all examples after the stage.
	Robust         int     `json:"robust"`
	RobustAccuracy float64 `json:"robust_accuracy"`
	Seconds        float64 `json:"seconds"`
	// Skipped says why the stage did not run ("" when it ran).
	Skipped string `json:"skipped,omitempty"`
}

// ExampleOutcome is one example's fate.
type ExampleOutcome struct {
	// Clean says the example is classified correctly without attack.
	Clean bool `json:"clean"`
	// Robust says it resisted every stage.
	Robust bool `json:"robust"`
	// BrokenBy names the stage whose adversarial broke it.
	BrokenBy string `json:"broken_by,omitempty"`
	// Norm is the norm of that adversarial's perturbation (0 otherwise).
	Norm float64 `json:"norm,omitempty"`
}

// AutoAttack evaluates m on (x, y) with the AutoAttack ensemble of
// Croce & Hein (2020): each stage of cfg's version attacks only the
// examples still robust, and an example counts as broken only when the
// stage's point passes an independent check — inside the ε-ball (up to
// AdvTolerance), inside the input box, and misclassified by a fresh
// forward pass. The result gives each stage's robust accuracy and seconds,
// each example's outcome and the gradient-masking checks. Batches of
// cfg.BatchSize examples run on cfg.Workers forks of m; batch b of stage s
// draws from a seed derived from cfg.Seed, s and b alone, so the result does
// not depend on the number of workers. Errors: an invalid cfg, data that
// does not fit m or leaves the box, a model without LogitsGrad for the
// DLR and FAB stages, or with too few classes for DLR (unless FallbackCE).
func AutoAttack(ctx context.Context, m Model, x *tensor.Mat, y []int, cfg AutoAttackConfig) (*AutoAttackResult, error) {
	start := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Version == "" {
		cfg.Version = VersionStandard
	}
	if cfg.Norm == "" {
		cfg.Norm = NormInf
	}
	cfg.done = ctx.Done()
	stages := cfg.Stages()
	run := make([]Config, len(stages))
	for s, st := range stages {
		c, err := checkModel(m, cfg.base(st))
		if err != nil {
			return nil, err
		}
		c = c.withDefaults()
		c.Eps /= cfg.width() // every attack works in the unit box's coordinates
		run[s] = c
	}
	base := cfg.base(StageAPGDCE).withDefaults()
	if err := checkDataBox(m, x, y, base); err != nil {
		return nil, err
	}
	base.Eps /= cfg.width()
	e := newEvaluator(m, x, y, base)
	res := &AutoAttackResult{Config: cfg, Total: x.Rows, Examples: make([]ExampleOutcome, x.Rows)}
	cleanRows := e.clean(res.Examples)
	robust := 0
	for _, o := range res.Examples {
		if o.Clean {
			robust++
		}
	}
	res.CleanCorrect = robust
	res.Clean = float64(robust) / float64(x.Rows)
	var adv *tensor.Mat
	if cfg.KeepAdv {
		adv = tensor.New(x.Rows, x.Cols)
		adv.CopyFrom(e.x)
	}
	for s, st := range stages {
		sr := StageResult{Attack: st, Label: run[s].Label()}
		if run[s].Attack != cfg.base(st).Attack {
			sr.Label += fmt.Sprintf(" [fallback: apgd-ce, the model has %d classes]", m.NumClasses())
		}
		t0 := time.Now()
		var idx []int
		for i, o := range res.Examples {
			if o.Robust {
				idx = append(idx, i)
			}
		}
		sr.Attacked = len(idx)
		if st == StageSquare && run[s].Norm == NormL2 {
			sr.Skipped = "square is L∞ only in isonet"
		} else if len(idx) > 0 {
			sc := run[s]
			sc.Seed = splitmix64(cfg.Seed ^ splitmix64(uint64(s)+0x5a))
			sr.Broken, sr.Rejected = e.stage(res.Examples, adv, idx, sc, st)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		robust -= sr.Broken
		sr.Robust = robust
		sr.RobustAccuracy = float64(robust) / float64(x.Rows)
		sr.Seconds = time.Since(t0).Seconds()
		res.Stages = append(res.Stages, sr)
	}
	res.Robust = robust
	res.RobustAccuracy = float64(robust) / float64(x.Rows)
	res.Checks = e.checks(ctx, res, cleanRows, cfg)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if adv != nil {
		res.Adv = e.unbox(adv)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// evaluator runs attacks over subsets of a data set in parallel batches,
// in the unit box's coordinates.
type evaluator struct {
	m     Model // the model in the unit box's coordinates
	forks []Model
	x     *tensor.Mat // the data in the unit box's coordinates
	y     []int
	cfg   Config // in the unit box's coordinates
	lo    float64
	scale float64
}

func newEvaluator(m Model, x *tensor.Mat, y []int, cfg Config) *evaluator {
	e := &evaluator{m: m, x: x, y: y, cfg: cfg, scale: 1}
	if !(cfg.Lo == 0 && cfg.Hi == 0) {
		e.lo, e.scale = cfg.Lo, cfg.Hi-cfg.Lo
		e.m = boxed(m, e.lo, e.scale)
		e.x = tensor.New(x.Rows, x.Cols)
		for k, v := range x.Data {
			e.x.Data[k] = float32(min(max((float64(v)-e.lo)/e.scale, 0), 1))
		}
	}
	e.forks = make([]Model, cfg.Workers)
	for w := range e.forks {
		e.forks[w] = e.m.Fork()
	}
	return e
}

// unbox returns a matrix of unit-box points in the input's coordinates.
func (e *evaluator) unbox(u *tensor.Mat) *tensor.Mat {
	if e.scale == 1 && e.lo == 0 {
		return u
	}
	out := tensor.New(u.Rows, u.Cols)
	for k, v := range u.Data {
		out.Data[k] = float32(e.lo + e.scale*float64(v))
	}
	return out
}

// parallel calls fn(fork, b) for b = 0 … nb−1 on the evaluator's workers.
func (e *evaluator) parallel(nb int, fn func(fm Model, b int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, fm := range e.forks[:min(len(e.forks), nb)] {
		wg.Go(func() {
			for {
				b := int(next.Add(1) - 1)
				if b >= nb || e.cfg.stopped() {
					return
				}
				fn(fm, b)
			}
		})
	}
	wg.Wait()
}

// clean sets every outcome's Clean and Robust from a clean forward pass and
// returns the rows classified correctly.
func (e *evaluator) clean(out []ExampleOutcome) []int {
	n, bs := e.x.Rows, e.cfg.BatchSize
	e.parallel((n+bs-1)/bs, func(fm Model, b int) {
		lo, hi := b*bs, min((b+1)*bs, n)
		var z tensor.Mat
		fm.Logits(&z, tensor.FromSlice(hi-lo, e.x.Cols, e.x.Data[lo*e.x.Cols:hi*e.x.Cols]))
		for i := lo; i < hi; i++ {
			ok := argmax(z.Row(i-lo)) == e.y[i]
			out[i] = ExampleOutcome{Clean: ok, Robust: ok}
		}
	})
	var rows []int
	for i, o := range out {
		if o.Clean {
			rows = append(rows, i)
		}
	}
	return rows
}

// stageAttack runs a stage's attack on a batch; tests replace it.
var stageAttack = attackBatch

// stage attacks the rows idx with cfg and marks in out (and adv, when not
// nil) the rows whose adversarial passes the independent check. It returns
// the rows broken and the misclassified points rejected for leaving the
// ball or the box.
func (e *evaluator) stage(out []ExampleOutcome, adv *tensor.Mat, idx []int, cfg Config, name string) (broken, rejected int) {
	bs := cfg.BatchSize
	nb := (len(idx) + bs - 1) / bs
	var nBroken, nRejected atomic.Int64
	e.parallel(nb, func(fm Model, b int) {
		rows := idx[b*bs : min((b+1)*bs, len(idx))]
		var xb, a, z tensor.Mat
		tensor.Gather(&xb, e.x, rows)
		yb := make([]int, len(rows))
		for k, i := range rows {
			yb[k] = e.y[i]
		}
		bc := cfg
		bc.Seed = batchSeed(cfg.Seed, b)
		stageAttack(&a, fm, &xb, yb, bc)
		if bc.stopped() {
			return
		}
		// The independent check: a fresh forward pass, the ball, the box.
		fm.Logits(&z, &a)
		for k, i := range rows {
			if argmax(z.Row(k)) == yb[k] {
				continue
			}
			p := a.Row(k)
			norm := rowDist(p, xb.Row(k), cfg.Norm)
			inBox := !slices.ContainsFunc(p, func(v float32) bool { return !(v >= 0 && v <= 1) })
			if !(norm <= cfg.Eps+AdvTolerance) || !inBox {
				nRejected.Add(1)
				continue
			}
			out[i].Robust, out[i].BrokenBy, out[i].Norm = false, name, norm*e.scale
			if adv != nil {
				copy(adv.Row(i), p)
			}
			nBroken.Add(1)
		}
	})
	return int(nBroken.Load()), int(nRejected.Load())
}

// robustCount attacks the rows idx with cfg and returns how many resist
// (a point counts as broken under the same check as the stages').
func (e *evaluator) robustCount(idx []int, cfg Config) int {
	out := make([]ExampleOutcome, len(e.y))
	for _, i := range idx {
		out[i].Robust = true
	}
	broken, _ := e.stage(out, nil, idx, cfg, cfg.Attack)
	return len(idx) - broken
}

// checkDataBox is checkData for the box of cfg.
func checkDataBox(m Model, x *tensor.Mat, y []int, cfg Config) error {
	lo, hi := 0.0, 1.0
	if !(cfg.Lo == 0 && cfg.Hi == 0) {
		lo, hi = cfg.Lo, cfg.Hi
	}
	return checkDataIn(m, x, y, lo, hi)
}
