package attack

import (
	"context"
	"fmt"

	"github.com/isonet/isonet/tensor"
)

// Names of the gradient-masking checks (Check.Name).
const (
	CheckBlackBox    = "black-box-beats-white-box"
	CheckLargeBudget = "large-budget"
	CheckEpsMonotone = "accuracy-falls-with-eps"
	CheckFGSMvsPGD   = "fgsm-beats-pgd"
)

// Thresholds of the checks.
const (
	// BlackBoxWarn is the fraction of the examples that Square may break
	// after the white-box stages missed them before the check warns.
	BlackBoxWarn = 0.005
	// LargeBudgetWarn is the robust accuracy (over the examples classified
	// correctly) above which a large budget (L∞ ε = 0.5, L2 ε = 5 on the
	// unit box) counts as not breaking the model.
	LargeBudgetWarn = 0.01
	// LargeBudgetInf and LargeBudgetL2 are those budgets, as fractions of
	// the input box's width.
	LargeBudgetInf = 0.5
	LargeBudgetL2  = 5.0
)

// Check is one gradient-masking check: a symptom that the gradient attacks
// are misled (Athalye et al. 2018; Croce & Hein 2020) rather than the model
// robust. Each names the numbers it compared.
type Check struct {
	Name string `json:"name"`
	// Ran is false when the check was not computed (Detail says why).
	Ran bool `json:"ran"`
	// Warning is true when the check found the symptom.
	Warning bool   `json:"warning"`
	Detail  string `json:"detail"`
	// Values are the numbers the check compared, by name.
	Values map[string]float64 `json:"values,omitempty"`
}

// String returns the check as one line.
func (c Check) String() string {
	switch {
	case !c.Ran:
		return fmt.Sprintf("check %s: not computed: %s", c.Name, c.Detail)
	case c.Warning:
		return fmt.Sprintf("WARNING %s: %s", c.Name, c.Detail)
	}
	return fmt.Sprintf("ok %s: %s", c.Name, c.Detail)
}

// checks computes the masking checks of one ensemble result.
func (e *evaluator) checks(ctx context.Context, res *AutoAttackResult, clean []int, cfg AutoAttackConfig) []Check {
	out := []Check{blackBoxCheck(res)}
	nc := float64(len(clean))
	if cfg.SkipChecks || len(clean) == 0 {
		why := "skipped (SkipChecks)"
		if len(clean) == 0 {
			why = "no example is classified correctly"
		}
		out = append(out, Check{Name: CheckLargeBudget, Detail: why}, Check{Name: CheckFGSMvsPGD, Detail: why})
	} else {
		// A large budget: APGD-CE must break (almost) everything.
		big := e.cfg
		big.Attack, big.RandomStart, big.Restarts, big.Steps = AttackAPGD, true, 1, 100
		big.Eps, big.Seed = LargeBudgetInf, splitmix64(cfg.Seed^0x1a)
		if big.Norm == NormL2 {
			big.Eps = LargeBudgetL2
		}
		left := e.robustCount(clean, big)
		acc := float64(left) / nc
		c := Check{Name: CheckLargeBudget, Ran: true, Warning: acc > LargeBudgetWarn,
			Values: map[string]float64{"eps": big.Eps * e.scale, "robust_accuracy": acc, "robust": float64(left), "attacked": nc}}
		c.Detail = fmt.Sprintf("APGD-CE at ε = %g leaves %d of %d correctly classified examples robust (%.2f%%; warn above %.0f%%)",
			big.Eps*e.scale, left, len(clean), 100*acc, 100*LargeBudgetWarn)
		out = append(out, c)
		if ctx.Err() != nil {
			return out
		}
		// One FGSM step against 10 PGD steps of ε/4 at the same ε.
		f := e.cfg
		f.Attack, f.Seed = AttackFGSM, cfg.Seed
		fr := e.robustCount(clean, f)
		p := e.cfg
		p.Attack, p.Steps, p.Step, p.RandomStart, p.Restarts, p.Seed = AttackPGD, 10, e.cfg.Eps/4, false, 1, cfg.Seed
		pr := e.robustCount(clean, p)
		c = Check{Name: CheckFGSMvsPGD, Ran: true, Warning: fr < pr,
			Values: map[string]float64{"fgsm_robust_accuracy": float64(fr) / nc, "pgd_robust_accuracy": float64(pr) / nc}}
		c.Detail = fmt.Sprintf("at ε = %g on the %d correctly classified examples, FGSM leaves %d robust, PGD-10 (step ε/4) %d",
			cfg.Eps, len(clean), fr, pr)
		if c.Warning {
			c.Detail += ": the single step beats the iterated attack"
		}
		out = append(out, c)
	}
	out = append(out, Check{Name: CheckEpsMonotone, Detail: "needs several ε (AutoAttackSweep, isonet attack --sweep)"})
	return out
}

// blackBoxCheck counts the examples Square broke after every white-box
// stage before it missed them.
func blackBoxCheck(res *AutoAttackResult) Check {
	c := Check{Name: CheckBlackBox}
	var before []string
	for _, s := range res.Stages {
		if s.Attack != StageSquare {
			before = append(before, s.Attack)
			continue
		}
		if s.Skipped != "" {
			c.Detail = "Square did not run: " + s.Skipped
			return c
		}
		if len(before) == 0 {
			c.Detail = "no white-box stage runs before Square"
			return c
		}
		frac := float64(s.Broken) / float64(res.Total)
		c.Ran, c.Warning = true, frac > BlackBoxWarn
		c.Values = map[string]float64{"square_broken": float64(s.Broken), "attacked": float64(s.Attacked), "fraction": frac}
		c.Detail = fmt.Sprintf("Square broke %d of the %d examples that %v left robust (%.2f%% of %d; warn above %.1f%%)",
			s.Broken, s.Attacked, before, 100*frac, res.Total, 100*BlackBoxWarn)
		return c
	}
	c.Detail = "Square is not a stage of this ensemble"
	return c
}

// EpsMonotoneCheck checks that the robust accuracy of results computed at
// increasing ε never rises by more than one example: a rise means the
// attack fails where a smaller budget succeeded, a symptom of masked
// gradients. The results must be in increasing order of ε.
func EpsMonotoneCheck(results []*AutoAttackResult) Check {
	c := Check{Name: CheckEpsMonotone, Ran: len(results) > 1, Values: map[string]float64{}}
	if !c.Ran {
		c.Detail = "needs at least two ε"
		return c
	}
	var rises []string
	for k, r := range results {
		c.Values[fmt.Sprintf("eps=%g", r.Config.Eps)] = r.RobustAccuracy
		if k > 0 && r.Robust > results[k-1].Robust+1 {
			rises = append(rises, fmt.Sprintf("%.4f at ε = %g to %.4f at ε = %g", results[k-1].RobustAccuracy, results[k-1].Config.Eps, r.RobustAccuracy, r.Config.Eps))
		}
	}
	c.Warning = len(rises) > 0
	if c.Warning {
		c.Detail = fmt.Sprintf("robust accuracy rises with ε: %v", rises)
	} else {
		c.Detail = fmt.Sprintf("robust accuracy never rises over %d values of ε", len(results))
	}
	return c
}

// AutoAttackSweep runs AutoAttack at each ε of epsValues (in increasing
// order) and sets every result's accuracy-falls-with-eps check from all of
// them.
func AutoAttackSweep(ctx context.Context, m Model, x *tensor.Mat, y []int, cfg AutoAttackConfig, epsValues []float64) ([]*AutoAttackResult, error) {
	var out []*AutoAttackResult
	for k, eps := range epsValues {
		if k > 0 && !(eps > epsValues[k-1]) {
			return nil, fmt.Errorf("attack: sweep values must increase, got %g after %g", eps, epsValues[k-1])
		}
		c := cfg
		c.Eps = eps
		r, err := AutoAttack(ctx, m, x, y, c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	chk := EpsMonotoneCheck(out)
	for _, r := range out {
		for k := range r.Checks {
			if r.Checks[k].Name == CheckEpsMonotone {
				r.Checks[k] = chk
			}
		}
	}
	return out, nil
}

// boxed returns m seen in the unit box's coordinates u = (x − lo)/scale: its
// logits at u are m's at lo + scale·u and its gradients are scaled by scale.
func boxed(m Model, lo, scale float64) Model {
	b := boxModel{m: m, lo: lo, scale: scale}
	if _, ok := m.(LogitsGrader); ok {
		return &boxGradModel{b}
	}
	return &b
}

type boxModel struct {
	m         Model
	lo, scale float64
	buf       tensor.Mat
}

func (b *boxModel) to(x *tensor.Mat) *tensor.Mat {
	b.buf.Resize(x.Rows, x.Cols)
	for k, v := range x.Data {
		b.buf.Data[k] = float32(b.lo + b.scale*float64(v))
	}
	return &b.buf
}

func (b *boxModel) scaleGrad(dx *tensor.Mat) {
	for k := range dx.Data {
		dx.Data[k] *= float32(b.scale)
	}
}

func (b *boxModel) InputDim() int   { return b.m.InputDim() }
func (b *boxModel) NumClasses() int { return b.m.NumClasses() }
func (b *boxModel) Logits(dst, x *tensor.Mat) {
	b.m.Logits(dst, b.to(x))
}
func (b *boxModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	l := b.m.LossGrad(dx, b.to(x), y)
	b.scaleGrad(dx)
	return l
}
func (b *boxModel) SetClean(x *tensor.Mat, y []int) {
	if cs, ok := b.m.(CleanSetter); ok {
		var c tensor.Mat
		c.CopyFrom(b.to(x))
		cs.SetClean(&c, y)
	}
}
func (b *boxModel) Fork() Model { return boxed(b.m.Fork(), b.lo, b.scale) }

type boxGradModel struct{ boxModel }

func (b *boxGradModel) LogitsGrad(dx, z, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	b.m.(LogitsGrader).LogitsGrad(dx, z, b.to(x), fill)
	b.scaleGrad(dx)
}
