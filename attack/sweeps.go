package attack

import (
	"context"
	"math"
	"slices"

	"github.com/isonet/isonet/tensor"
)

// Attack losses: what the attacked model's LossGrad computes. Sweep
// settings and results record it; the model adapter (train.AttackModel)
// computes it.
const (
	LossCE    = "ce"    // cross-entropy of the logits (the field's standard)
	LossTrain = "train" // the training loss α·CE + β·iso, D_in from the clean batch (the authors')
)

// Curve is robust accuracy as a function of one attack parameter.
type Curve struct {
	Attack string    `json:"attack"` // fgsm, pgd, pgd-paper
	Label  string    `json:"label"`
	Param  string    `json:"param"` // eps or step
	Loss   string    `json:"attack_loss"`
	Values []float64 `json:"values"`
	Acc    []float64 `json:"accuracy"`
	Runs   []Result  `json:"-"`
}

// SweepSettings are the paper's sweeps: FGSM over ε and PGD over the step
// size a, both log-spaced from Lo to Hi in N points, PGD in an L∞ ball of
// PGDEps with PGDSteps steps.
type SweepSettings struct {
	Lo, Hi   float64
	N        int
	PGDEps   float64
	PGDSteps int
	// PGDAttack is pgd (correct) or pgd-paper (the authors' fixed gradient).
	PGDAttack string
	Loss      string // LossCE or LossTrain: the model attacked must use it
	Batch     int
	Workers   int
	// Widen is Config.Widen for every attack of the sweep.
	Widen <-chan struct{} `json:"-"`
	Seed  uint64
	// Norm, Restarts and RandomStart apply to every attack of the sweep
	// (zero: L∞, one run, clean start); omitted from JSON when zero, so
	// that stored phase settings keep their hash.
	Norm        string `json:",omitempty"`
	Restarts    int    `json:",omitempty"`
	RandomStart bool   `json:",omitempty"`
}

// PaperSweep returns the paper's sweep settings (SPEC §4) with the
// standard protocol's attack (correct PGD on CE).
func PaperSweep() SweepSettings {
	return SweepSettings{Lo: 0.01, Hi: 1, N: 20, PGDEps: 0.5, PGDSteps: 10, PGDAttack: AttackPGD, Loss: LossCE}
}

// Sweeps runs the FGSM ε sweep and the PGD step-size sweep of s on the
// examples (x, y) against m, which must compute s.Loss (the settings only
// record it).
func Sweeps(ctx context.Context, m Model, x *tensor.Mat, y []int, s SweepSettings) (fgsm, pgd Curve, err error) {
	vals := SweepValues(s)
	base := s.base(AttackFGSM)
	fgsm, err = curve(ctx, m, x, y, base, vals, "eps", s.Loss)
	if err != nil {
		return fgsm, pgd, err
	}
	base.Attack, base.Eps, base.Steps = s.PGDAttack, s.PGDEps, s.PGDSteps
	pgd, err = curve(ctx, m, x, y, base, vals, "step", s.Loss)
	return fgsm, pgd, err
}

func (s SweepSettings) base(name string) Config {
	norm := s.Norm
	if norm == "" {
		norm = NormInf
	}
	return Config{Attack: name, Norm: norm, BatchSize: s.Batch, Workers: s.Workers, Widen: s.Widen, Seed: s.Seed,
		Restarts: s.Restarts, RandomStart: s.RandomStart}
}

// EpsSweep runs the ε sweep of one attack (fgsm, apgd or square: the
// attacks without a step size to sweep) with s.PGDSteps iterations
// (Square: queries) on the examples (x, y) against m.
func EpsSweep(ctx context.Context, m Model, x *tensor.Mat, y []int, s SweepSettings, name string) (Curve, error) {
	base := s.base(name)
	base.Steps = s.PGDSteps
	return curve(ctx, m, x, y, base, SweepValues(s), "eps", s.Loss)
}

// KeyPoints are sweep values always included, so that tables can quote
// them exactly.
var KeyPoints = []float64{0.01, 0.1, 0.3, 1}

// SweepValues returns the log-spaced sweep values of s merged with the
// KeyPoints inside [Lo, Hi], sorted and without duplicates.
func SweepValues(s SweepSettings) []float64 {
	vals := LogSpace(s.Lo, s.Hi, s.N)
	for _, k := range KeyPoints {
		if k >= s.Lo && k <= s.Hi {
			vals = append(vals, k)
		}
	}
	slices.Sort(vals)
	out := vals[:0]
	for _, v := range vals {
		if len(out) == 0 || math.Abs(v-out[len(out)-1]) > 1e-9*v {
			out = append(out, v)
		}
	}
	return out
}

func curve(ctx context.Context, m Model, x *tensor.Mat, y []int, base Config, vals []float64, param, loss string) (Curve, error) {
	runs, err := SweepContext(ctx, m, x, y, base, vals, param)
	if err != nil {
		return Curve{}, err
	}
	c := Curve{Attack: base.Attack, Label: base.Label(), Param: param, Loss: loss, Values: vals, Runs: runs}
	for _, r := range runs {
		c.Acc = append(c.Acc, r.Accuracy)
	}
	return c, nil
}

// At returns the accuracy at the sweep value closest to v.
func (c Curve) At(v float64) float64 {
	best := 0
	for i, x := range c.Values {
		if abs(x-v) < abs(c.Values[best]-v) {
			best = i
		}
	}
	if len(c.Acc) == 0 {
		return 0
	}
	return c.Acc[best]
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
