package attack

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// checkOutcomes verifies every example the ensemble reports broken against
// its stored adversarial, independently of the evaluator: inside the ball,
// inside [0,1], misclassified; and that robust examples keep x.
func checkOutcomes(t *testing.T, m Model, x *tensor.Mat, y []int, r *AutoAttackResult) {
	t.Helper()
	pred := predict(m, r.Adv)
	for i, o := range r.Examples {
		if o.BrokenBy == "" {
			if !reflect.DeepEqual(r.Adv.Row(i), x.Row(i)) {
				t.Errorf("example %d is not broken but its stored point moved", i)
			}
			if o.Robust != o.Clean {
				t.Errorf("example %d: robust %v, clean %v, broken by nothing", i, o.Robust, o.Clean)
			}
			continue
		}
		if o.Robust || !o.Clean {
			t.Errorf("example %d broken by %s but robust=%v clean=%v", i, o.BrokenBy, o.Robust, o.Clean)
		}
		d := rowDist(r.Adv.Row(i), x.Row(i), r.Config.Norm)
		if d > r.Config.Eps+AdvTolerance || math.Abs(d-o.Norm) > 1e-12 {
			t.Errorf("example %d (%s): perturbation %g, ε %g, reported %g", i, o.BrokenBy, d, r.Config.Eps, o.Norm)
		}
		for _, v := range r.Adv.Row(i) {
			if !(v >= 0 && v <= 1) {
				t.Errorf("example %d (%s): coordinate %g outside [0,1]", i, o.BrokenBy, v)
			}
		}
		if pred[i] == y[i] {
			t.Errorf("example %d reported broken by %s but its stored point is classified correctly", i, o.BrokenBy)
		}
	}
}

func TestAutoAttackCascade(t *testing.T) {
	m, x, y := testSet(120)
	for _, c := range []AutoAttackConfig{
		{Version: VersionStandard, Eps: 0.08},
		{Version: VersionStandard, Norm: NormL2, Eps: 0.3},
		{Version: VersionPlus, Eps: 0.05, Restarts: 2},
		{Version: VersionCustom, Attacks: []string{StageSquare, StageFAB, StageAPGDDLR}, Eps: 0.08},
	} {
		c.Steps, c.SquareQueries, c.Seed, c.BatchSize, c.KeepAdv = 20, 200, 7, 32, true
		r, err := AutoAttack(context.Background(), m, x, y, c)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, m, x, y, r)
		prev := r.CleanCorrect
		for _, s := range r.Stages {
			if s.Attacked != prev || s.Robust != prev-s.Broken || s.Rejected != 0 {
				t.Errorf("%s %s: stage %+v after %d robust", c.Version, s.Attack, s, prev)
			}
			prev = s.Robust
		}
		if prev != r.Robust {
			t.Errorf("last stage %d robust, result %d", prev, r.Robust)
		}
		// The ensemble is at least as strong as its first stage alone.
		first := c.base(c.Stages()[0])
		alone, err := RobustAccuracy(m, x, y, first)
		if err != nil {
			t.Fatal(err)
		}
		if r.RobustAccuracy > alone.Accuracy {
			t.Errorf("%s: ensemble %g above its first stage alone %g", c.Version, r.RobustAccuracy, alone.Accuracy)
		}
		t.Logf("%s %s ε=%g: clean %.3f, stages %v", c.Version, c.Norm, c.Eps, r.Clean, stageAccs(r))
	}
}

func stageAccs(r *AutoAttackResult) []float64 {
	var a []float64
	for _, s := range r.Stages {
		a = append(a, s.RobustAccuracy)
	}
	return a
}

// TestAutoAttackRejects replaces the stages' attack by one returning
// misclassified points outside the ball, then outside the box: the
// independent check must reject all of them.
func TestAutoAttackRejects(t *testing.T) {
	m, x, y := testSet(40)
	defer func(f func(*tensor.Mat, Model, *tensor.Mat, []int, Config)) { stageAttack = f }(stageAttack)
	for _, outside := range []string{"ball", "box"} {
		stageAttack = func(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) {
			APGD(dst, m, x, y, Config{Eps: 0.5, Steps: 20}) // a much larger ball
			if outside == "box" {
				for i := 0; i < dst.Rows; i++ {
					dst.Row(i)[0] = 1.5 // changes nothing the check does not see
				}
			}
		}
		eps := 0.01
		if outside == "box" {
			eps = 1
		}
		r, err := AutoAttack(context.Background(), m, x, y, AutoAttackConfig{Version: VersionCustom, Attacks: []string{StageAPGDCE}, Eps: eps, KeepAdv: true, SkipChecks: true})
		if err != nil {
			t.Fatal(err)
		}
		s := r.Stages[0]
		if s.Broken != 0 || s.Rejected == 0 || r.Robust != r.CleanCorrect {
			t.Errorf("points outside the %s: stage %+v", outside, s)
		}
	}
}

func TestAutoAttackWorkers(t *testing.T) {
	m, x, y := testSet(70)
	var first *AutoAttackResult
	for _, w := range []int{1, 2} {
		r, err := AutoAttack(context.Background(), m, x, y, AutoAttackConfig{Eps: 0.08, Steps: 10, SquareQueries: 100, Seed: 3, BatchSize: 16, Workers: w, KeepAdv: true})
		if err != nil {
			t.Fatal(err)
		}
		r.Seconds = 0
		for k := range r.Stages {
			r.Stages[k].Seconds = 0
		}
		r.Config.Workers = 0
		if first == nil {
			first = r
		} else if !reflect.DeepEqual(first, r) {
			t.Errorf("2 workers: %+v\n1 worker: %+v", r.Stages, first.Stages)
		}
	}
}

// TestAutoAttackMasking runs the ensemble on a model whose tanh units
// saturate (zero input gradients): the large-budget and black-box checks
// must warn, naming their numbers; on the ordinary model they must not.
func TestAutoAttackMasking(t *testing.T) {
	x := uniformData(22, 100, 16)
	for _, saturated := range []bool{true, false} {
		gain := float32(1)
		if saturated {
			gain = 1e6
		}
		m := newMLP(21, 16, 32, 4, gain)
		y := predict(m, x)
		r, err := AutoAttack(context.Background(), m, x, y, AutoAttackConfig{Eps: 0.1, Steps: 10, SquareQueries: 300, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		warn := map[string]bool{}
		for _, c := range r.Checks {
			warn[c.Name] = c.Warning
			t.Logf("saturated=%v: %s", saturated, c)
		}
		if warn[CheckLargeBudget] != saturated || warn[CheckBlackBox] != saturated {
			t.Errorf("saturated=%v: warnings %v", saturated, warn)
		}
	}
}

// TestAutoAttackBox attacks a model on inputs in [−3, 3] through Lo/Hi:
// the same model seen on [0,1] with ε/6 gives the same outcomes.
func TestAutoAttackBox(t *testing.T) {
	m, x, y := testSet(60)
	wide := tensor.New(x.Rows, x.Cols)
	for k, v := range x.Data {
		wide.Data[k] = -3 + 6*v
	}
	mw := &unboxed{m: m}
	cfg := AutoAttackConfig{Eps: 0.08, Steps: 10, SquareQueries: 100, Seed: 3, KeepAdv: true}
	want, err := AutoAttack(context.Background(), m, x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Lo, cfg.Hi, cfg.Eps = -3, 3, 0.48
	got, err := AutoAttack(context.Background(), mw, wide, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Robust - want.Robust; d < -2 || d > 2 || got.CleanCorrect != want.CleanCorrect {
		t.Errorf("on [−3,3]: %d robust of %d, on [0,1]: %d of %d", got.Robust, got.CleanCorrect, want.Robust, want.CleanCorrect)
	}
	for i, o := range got.Examples {
		if o.BrokenBy == "" {
			continue
		}
		if o.Norm > 0.48+6*AdvTolerance {
			t.Errorf("example %d: norm %g in the wide box, ε 0.48", i, o.Norm)
		}
		for _, v := range got.Adv.Row(i) {
			if v < -3-1e-6 || v > 3+1e-6 {
				t.Fatalf("adversarial coordinate %g outside [−3, 3]", v)
			}
		}
	}
	if _, err := AutoAttack(context.Background(), mw, wide, y, AutoAttackConfig{Eps: 0.1}); err == nil || !strings.Contains(err.Error(), "outside [0, 1]") {
		t.Errorf("wide data without a box: error %v", err)
	}
	r, err := RobustAccuracy(mw, wide, y, Config{Attack: AttackAPGD, Eps: 0.48, Steps: 10, Lo: -3, Hi: 3})
	if err != nil {
		t.Fatal(err)
	}
	r0, _ := RobustAccuracy(m, x, y, Config{Attack: AttackAPGD, Eps: 0.08, Steps: 10})
	if d := r.Correct - r0.Correct; d < -2 || d > 2 || r.Eps != 0.48 {
		t.Errorf("RobustAccuracy on [−3,3]: %d correct (ε %g), on [0,1]: %d", r.Correct, r.Eps, r0.Correct)
	}
}

// unboxed is m on inputs −3 + 6u.
type unboxed struct {
	m   *mlpModel
	buf tensor.Mat
}

func (u *unboxed) to(x *tensor.Mat) *tensor.Mat {
	u.buf.Resize(x.Rows, x.Cols)
	for k, v := range x.Data {
		u.buf.Data[k] = (v + 3) / 6
	}
	return &u.buf
}
func (u *unboxed) InputDim() int             { return u.m.InputDim() }
func (u *unboxed) NumClasses() int           { return u.m.NumClasses() }
func (u *unboxed) Fork() Model               { return &unboxed{m: u.m.Fork().(*mlpModel)} }
func (u *unboxed) Logits(dst, x *tensor.Mat) { u.m.Logits(dst, u.to(x)) }
func (u *unboxed) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	l := u.m.LossGrad(dx, u.to(x), y)
	for k := range dx.Data {
		dx.Data[k] /= 6
	}
	return l
}
func (u *unboxed) LogitsGrad(dx, z, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	u.m.LogitsGrad(dx, z, u.to(x), fill)
	for k := range dx.Data {
		dx.Data[k] /= 6
	}
}

func TestAutoAttackErrors(t *testing.T) {
	m, x, y := testSet(10)
	for _, c := range []struct {
		cfg  AutoAttackConfig
		m    Model
		want string
	}{
		{AutoAttackConfig{Eps: 0}, m, "Eps must be a finite number > 0"},
		{AutoAttackConfig{Eps: 1.5}, m, "Eps must be ≤ 1 under L∞"},
		{AutoAttackConfig{Eps: 0.1, Version: "fast"}, m, `Version must be standard, plus or custom, got "fast"`},
		{AutoAttackConfig{Eps: 0.1, Version: VersionCustom, Attacks: []string{"cw"}}, m, `got "cw"`},
		{AutoAttackConfig{Eps: 0.1}, helpfulModel{m}, "LogitsGrader"},
		{AutoAttackConfig{Eps: 0.1}, newMLP(1, 16, 4, 3, 1), "apgd-t needs a model with ≥ 4 classes"},
	} {
		_, err := AutoAttack(context.Background(), c.m, x, predict(c.m, x), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
	// FallbackCE: a 3-class model runs, APGD-T replaced by APGD-CE.
	m3 := newMLP(1, 16, 4, 3, 1)
	r, err := AutoAttack(context.Background(), m3, x, predict(m3, x), AutoAttackConfig{Eps: 0.1, Steps: 5, SquareQueries: 10, FallbackCE: true, SkipChecks: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Stages[1].Label, "fallback") {
		t.Errorf("stage 2 label %q does not say it fell back", r.Stages[1].Label)
	}
	_ = y
}

func TestEpsMonotoneCheck(t *testing.T) {
	mk := func(eps float64, robust int) *AutoAttackResult {
		return &AutoAttackResult{Config: AutoAttackConfig{Eps: eps}, Robust: robust, RobustAccuracy: float64(robust) / 100}
	}
	if c := EpsMonotoneCheck([]*AutoAttackResult{mk(0.1, 50), mk(0.2, 30), mk(0.3, 31)}); !c.Ran || c.Warning {
		t.Errorf("a rise of one example: %s", c)
	}
	c := EpsMonotoneCheck([]*AutoAttackResult{mk(0.1, 50), mk(0.2, 30), mk(0.3, 40)})
	if !c.Warning || !strings.Contains(c.Detail, "0.3000 at ε = 0.2 to 0.4000 at ε = 0.3") {
		t.Errorf("a rise of ten examples: %s", c)
	}
	m, x, y := testSet(40)
	rs, err := AutoAttackSweep(context.Background(), m, x, y, AutoAttackConfig{Steps: 5, SquareQueries: 20, SkipChecks: true}, []float64{0.02, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, c := range r.Checks {
			if c.Name == CheckEpsMonotone && (!c.Ran || c.Warning) {
				t.Errorf("sweep check: %s", c)
			}
		}
	}
	if rs[1].Robust > rs[0].Robust {
		t.Errorf("robust %d at ε = 0.1 above %d at 0.02", rs[1].Robust, rs[0].Robust)
	}
}
