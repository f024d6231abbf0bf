package train

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"gonum.org/v1/gonum/mat"
)

func tinyMLP(t *testing.T, sizes []int, act nn.Activation, seed uint64) *nn.MLP {
	t.Helper()
	m, err := nn.NewMLP(sizes, act, nn.InitPyTorch, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func uniformBatch(rows, cols int, seed uint64) *tensor.Mat {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := tensor.New(rows, cols)
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	return x
}

// jacPenalty is R = (λ/2)·(C/B)·Σ_i ‖J(x_i)ᵀv_i‖², computed with nn's own
// backward pass (dLogits = v, input gradient) — a path independent of
// jacobian.step's hand-written one.
func jacPenalty(m *nn.MLP, x, v *tensor.Mat, lambda float64) float64 {
	ws := m.NewWorkspace()
	m.Forward(ws, x)
	dx := &tensor.Mat{}
	m.Backward(ws, v, nil, false, dx)
	var s float64
	for _, g := range dx.Data {
		s += float64(g) * float64(g)
	}
	return lambda / 2 * float64(m.NumClasses()) / float64(x.Rows) * s
}

// finiteDiff is the central difference of f in the float32 value v[i],
// divided by the difference actually stored.
func finiteDiff(f func() float64, v []float32, i int, h float32) float64 {
	orig := v[i]
	v[i] = orig + h
	p := float64(v[i])
	fp := f()
	v[i] = orig - h
	q := float64(v[i])
	fm := f()
	v[i] = orig
	return (fp - fm) / (p - q)
}

// TestJacobianGradientFiniteDifference: the double-backprop gradient of
// CE + β·iso + Jacobian penalty equals central differences of that
// objective, for tanh and ReLU, with and without the iso term.
func TestJacobianGradientFiniteDifference(t *testing.T) {
	const lambda = 0.7
	for _, act := range []nn.Activation{nn.Tanh, nn.ReLU} {
		for _, beta := range []float64{0, 0.3} {
			m := tinyMLP(t, []int{4, 6, 5, 3}, act, 3)
			x := uniformBatch(6, 4, 4)
			y := []int{0, 1, 2, 0, 1, 2}
			isoLayer := 2
			l := iso.NewLoss(x, iso.Groups(nil, y, iso.MaskClass), 1)
			j := newJacobian(m)
			j.drawV(x.Rows, 3, 99)
			v := j.delta[len(j.delta)-1].Clone()

			objective := func() float64 {
				ws := m.NewWorkspace()
				o := nn.SoftmaxCE(nil, m.Forward(ws, x), y, 1)
				if beta > 0 {
					o += beta * l.Eval(nil, ws.H[isoLayer], 1)
				}
				return o + jacPenalty(m, x, v, lambda)
			}
			// The analytic gradient, as Trainer.Step computes it.
			ws := m.NewWorkspace()
			m.ZeroGrad()
			dl := &tensor.Mat{}
			nn.SoftmaxCE(dl, m.Forward(ws, x), y, 1)
			var extra map[int]*tensor.Mat
			if beta > 0 {
				e := tensor.New(6, 5)
				l.Eval(e, ws.H[isoLayer], beta)
				extra = map[int]*tensor.Mat{isoLayer: e}
			}
			extra = j.step(m, ws, lambda, extra)
			m.Backward(ws, dl, extra, true, nil)
			if want := jacPenalty(m, x, v, lambda); math.Abs(j.Last-want) > 1e-6*math.Abs(want) {
				t.Errorf("%s: penalty %g, nn's backward gives %g", act, j.Last, want)
			}
			if j.Last < 1e-3 {
				t.Fatalf("%s: penalty %g too small to test its gradient", act, j.Last)
			}
			for _, p := range m.Params() {
				for i := range p.Data {
					fd := finiteDiff(objective, p.Data, i, 1e-2)
					if act == nn.ReLU && math.Abs(fd-finiteDiff(objective, p.Data, i, 3e-3)) > 1e-4+1e-2*math.Abs(fd) {
						continue // a ReLU kink lies within the step
					}
					if math.Abs(fd-float64(p.Grad[i])) > 3e-4+2e-2*math.Abs(fd) {
						t.Errorf("%s β=%g %s[%d]: double backprop %g, finite difference %g", act, beta, p.Name, i, p.Grad[i], fd)
					}
				}
			}
		}
	}
}

// TestJacobianEstimatorUnbiased: C·‖Jᵀv‖² with v uniform on the unit
// sphere averages to the exact ‖J‖²_F, computed from C backward passes.
func TestJacobianEstimatorUnbiased(t *testing.T) {
	m := tinyMLP(t, []int{5, 7, 4}, nn.Tanh, 5)
	x := uniformBatch(1, 5, 6)
	C := 4
	var exact float64
	for c := range C {
		e := tensor.New(1, C)
		e.Data[c] = 1
		exact += 2 * jacPenalty(m, x, e, 1) / float64(C) // ‖row c of J‖²
	}
	j := newJacobian(m)
	const draws = 40000
	var mean float64
	for k := range draws {
		j.drawV(1, C, uint64(k))
		v := j.delta[len(j.delta)-1]
		if n := float64(v.Data[0]*v.Data[0] + v.Data[1]*v.Data[1] + v.Data[2]*v.Data[2] + v.Data[3]*v.Data[3]); math.Abs(n-1) > 1e-6 {
			t.Fatalf("‖v‖² = %g", n)
		}
		mean += 2 * jacPenalty(m, x, v, 1) / draws // C·‖Jᵀv‖²
	}
	if math.Abs(mean-exact) > 0.02*exact {
		t.Errorf("mean estimate %g, exact ‖J‖²_F %g", mean, exact)
	}
}

func svdSigma(w []float32, r, c int) float64 {
	d := make([]float64, len(w))
	for i, v := range w {
		d[i] = float64(v)
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(r, c, d), mat.SVDNone) {
		panic("SVD failed")
	}
	return svd.Values(nil)[0]
}

// TestSpecNormSigmaMatchesSVD: power iteration converges to the largest
// singular value from gonum's SVD, and the 15 initial iterations already
// come close.
func TestSpecNormSigmaMatchesSVD(t *testing.T) {
	for _, sizes := range [][]int{{7, 5, 3}, {3, 9, 9, 2}, {30, 20, 10}} {
		m := tinyMLP(t, sizes, nn.Tanh, 7)
		s := newSpecNorm(m, 1)
		for k, p := range s.raw {
			want := svdSigma(p.Data, p.Shape[0], p.Shape[1])
			if math.Abs(s.sigma[k]-want) > 0.03*want {
				t.Errorf("%v layer %d after %d iterations: σ %g, SVD %g", sizes, k, specNormInitIters, s.sigma[k], want)
			}
			// The effective weights are V/σ.
			if w := m.Layers[k].W.Data[0]; math.Abs(float64(w)-float64(p.Data[0])/s.sigma[k]) > 1e-6 {
				t.Errorf("%v layer %d: W[0] = %g, V[0]/σ = %g", sizes, k, w, float64(p.Data[0])/s.sigma[k])
			}
		}
		for range 500 {
			s.powerIteration()
		}
		for k, p := range s.raw {
			want := svdSigma(p.Data, p.Shape[0], p.Shape[1])
			if math.Abs(s.sigma[k]-want) > 1e-6*want {
				t.Errorf("%v layer %d after 515 iterations: σ %g, SVD %g", sizes, k, s.sigma[k], want)
			}
		}
	}
	// A hand case: diag(3, 1) has σ = 3.
	m := tinyMLP(t, []int{2, 2}, nn.Tanh, 1)
	copy(m.Layers[0].W.Data, []float32{3, 0, 0, 1})
	s := newSpecNorm(m, 2)
	for range 100 {
		s.powerIteration()
	}
	if math.Abs(s.sigma[0]-3) > 1e-9 {
		t.Errorf("σ(diag(3,1)) = %g", s.sigma[0])
	}
}

// TestSpecNormGradientFiniteDifference: with converged u, v, the gradient
// with respect to the raw weights V equals central differences of
// L(V/σ(V)), σ from an exact SVD at every perturbed V.
func TestSpecNormGradientFiniteDifference(t *testing.T) {
	m := tinyMLP(t, []int{4, 5, 5, 3}, nn.Tanh, 11)
	// Scale the raw weights up so that σ ≠ 1 matters.
	for _, l := range m.Layers {
		for i := range l.W.Data {
			l.W.Data[i] *= 3
		}
	}
	s := newSpecNorm(m, 3)
	for range 2000 {
		s.powerIteration()
	}
	s.apply(m)
	x := uniformBatch(8, 4, 12)
	y := []int{0, 1, 2, 0, 1, 2, 1, 0}
	ws := m.NewWorkspace()
	m.ZeroGrad()
	dl := &tensor.Mat{}
	nn.SoftmaxCE(dl, m.Forward(ws, x), y, 1)
	m.Backward(ws, dl, nil, true, nil)
	params := s.backward(m)
	if len(params) != 6 || params[0] != s.raw[0] || params[1] != m.Layers[0].B {
		t.Fatal("specnorm parameters are not V_0, b_0, V_1, …")
	}
	objective := func() float64 {
		for k, p := range s.raw {
			sig := svdSigma(p.Data, p.Shape[0], p.Shape[1])
			for i, v := range p.Data {
				m.Layers[k].W.Data[i] = float32(float64(v) / sig)
			}
		}
		return nn.SoftmaxCE(nil, m.Forward(m.NewWorkspace(), x), y, 1)
	}
	for _, p := range params {
		for i := range p.Data {
			fd := finiteDiff(objective, p.Data, i, 2e-2)
			if math.Abs(fd-float64(p.Grad[i])) > 2e-4+2e-2*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %g, finite difference %g", p.Name, i, p.Grad[i], fd)
			}
		}
	}
	// The gradient with respect to V is orthogonal to V (L is scale-invariant in V).
	for k, p := range s.raw {
		var dot, n float64
		for i, g := range p.Grad {
			dot += float64(g) * float64(p.Data[i])
			n += float64(g) * float64(g)
		}
		if math.Abs(dot) > 1e-4*math.Sqrt(n)*float64(len(p.Data)) {
			t.Errorf("layer %d: ⟨∂L/∂V, V⟩ = %g, want 0", k, dot)
		}
	}
}

// separable is a small 3-class problem in [0,1]^6.
func separable(n int, seed uint64) *data.Set {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := tensor.New(n, 6)
	y := make([]int, n)
	for i := range n {
		y[i] = i % 3
		for j := range 6 {
			v := 0.3 + 0.1*rng.NormFloat64()
			if j/2 == y[i] {
				v += 0.4
			}
			x.Set(i, j, float32(min(max(v, 0), 1)))
		}
	}
	return &data.Set{Name: "separable", X: x, Labels: [][]int{y}, Classes: []int{3}}
}

func methodConfig(t *testing.T, method string) Config {
	t.Helper()
	c := Defaults(3)
	c.Batch, c.Epochs, c.Seed, c.LR = 20, 2, 5, 1e-2
	if err := c.SetMethod(method); err != nil {
		t.Fatal(err)
	}
	return c
}

func trainWith(t *testing.T, method string, set *data.Set) *nn.MLP {
	t.Helper()
	m := tinyMLP(t, []int{6, 8, 8, 3}, nn.Tanh, 21)
	tr, err := NewTrainer(m, methodConfig(t, method))
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		if _, err := tr.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestMethodsDeterministic: the same seed gives bit-identical weights for
// every method, and each baseline trains weights different from the LIL's.
func TestMethodsDeterministic(t *testing.T) {
	set := separable(120, 1)
	lil := trainWith(t, MethodLIL, set)
	for _, method := range Methods {
		a, b := trainWith(t, method, set), trainWith(t, method, set)
		for i, p := range a.Params() {
			if !slices.Equal(p.Data, b.Params()[i].Data) {
				t.Errorf("%s: %s differs between two runs with the same seed", method, p.Name)
			}
		}
		if method != MethodLIL && slices.Equal(a.Params()[0].Data, lil.Params()[0].Data) {
			t.Errorf("%s trained the same weights as plain CE", method)
		}
		if acc := nn.Accuracy(a, set.X, set.Y()); acc < 0.8 {
			t.Errorf("%s: train accuracy %g on a separable set", method, acc)
		}
	}
}

// TestAdversarialBatch: the adversarial batch stays in the ε-ball and in
// [0,1], raises the CE, leaves the weights and gradients alone, and an adv
// step is exactly a plain step on that batch.
func TestAdversarialBatch(t *testing.T) {
	m := tinyMLP(t, []int{6, 8, 3}, nn.Tanh, 31)
	ref := tinyMLP(t, []int{6, 8, 3}, nn.Tanh, 31)
	cfg := methodConfig(t, MethodAdv)
	cfg.AdvEps, cfg.AdvStep = 0.2, 0.05
	tr, err := NewTrainer(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := uniformBatch(40, 6, 9)
	for i := 0; i < len(x.Data); i += 5 {
		x.Data[i] = float32(i % 2) // corners: the box clips
	}
	y := make([]int, 40)
	for i := range y {
		y[i] = i % 3
	}
	w0 := slices.Clone(m.Params()[0].Data)
	g0 := slices.Clone(m.Params()[0].Grad)
	rngCopy := *tr.rng
	adv := tr.adv.perturb(cfg, tr.rng, x, y).Clone()
	if !slices.Equal(w0, m.Params()[0].Data) || !slices.Equal(g0, m.Params()[0].Grad) {
		t.Fatal("generating adversarials changed the weights or their gradients")
	}
	moved := 0.0
	for i, v := range adv.Data {
		d := math.Abs(float64(v - x.Data[i]))
		if d > cfg.AdvEps+1e-6 || v < 0 || v > 1 {
			t.Fatalf("adversarial value %g (clean %g) leaves the ε-ball or [0,1]", v, x.Data[i])
		}
		moved = max(moved, d)
	}
	if moved < cfg.AdvEps/2 {
		t.Errorf("largest perturbation %g: PGD hardly moved", moved)
	}
	ws := m.NewWorkspace()
	clean := nn.SoftmaxCE(nil, m.Forward(ws, x), y, 1)
	attacked := nn.SoftmaxCE(nil, m.Forward(ws, adv), y, 1)
	if !(attacked > clean) {
		t.Errorf("CE on the adversarial batch %g ≤ clean %g", attacked, clean)
	}
	// Step = plain step on the adversarial batch drawn from the same RNG state.
	*tr.rng = rngCopy
	tr.Step(x, y, false)
	plainCfg := cfg
	plainCfg.SetMethod(MethodLIL)
	pt, _ := NewTrainer(ref, plainCfg)
	pt.Step(adv, y, false)
	for i, p := range m.Params() {
		if !slices.Equal(p.Data, ref.Params()[i].Data) {
			t.Errorf("adv step and plain step on the adversarial batch differ in %s", p.Name)
		}
	}
}

func TestAdvNeedsUnitBox(t *testing.T) {
	set := separable(30, 2)
	set.X.Data[7] = 1.5
	m := tinyMLP(t, []int{6, 4, 3}, nn.Tanh, 1)
	tr, _ := NewTrainer(m, methodConfig(t, MethodAdv))
	_, err := tr.runEpoch(context.Background(), set, Hooks{})
	if err == nil || !strings.Contains(err.Error(), "[0, 1]") {
		t.Errorf("adv training on data outside [0,1]: err = %v", err)
	}
	tr, _ = NewTrainer(m, methodConfig(t, MethodJacobian))
	if _, err := tr.runEpoch(context.Background(), set, Hooks{}); err != nil {
		t.Errorf("jacobian training refused data outside [0,1]: %v", err)
	}
}

// TestSpecNormTraining: after training the model holds W = V/σ, whose
// spectral norm (SVD) is 1 up to the one-iteration estimate's error.
func TestSpecNormTraining(t *testing.T) {
	set := separable(120, 4)
	m := tinyMLP(t, []int{6, 8, 8, 3}, nn.Tanh, 21)
	tr, err := NewTrainer(m, methodConfig(t, MethodSpecNorm))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := tr.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
	}
	sig := tr.Sigmas()
	for k, l := range m.Layers {
		got := svdSigma(l.W.Data, l.Out, l.In)
		if math.Abs(got-1) > 0.02 {
			t.Errorf("layer %d: spectral norm of the effective weights %g, want 1", k, got)
		}
		raw := svdSigma(tr.sn.raw[k].Data, l.Out, l.In)
		if math.Abs(sig[k]-raw) > 0.02*raw {
			t.Errorf("layer %d: σ estimate %g, SVD of V %g", k, sig[k], raw)
		}
	}
}

// TestBaselineStepsDoNotAllocate: after warm-up, Jacobian and spectral-norm
// steps allocate nothing, like a plain step.
func TestBaselineStepsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	for _, method := range []string{MethodJacobian, MethodSpecNorm} {
		m := tinyMLP(t, []int{20, 16, 16, 4}, nn.Tanh, 3)
		tr, _ := NewTrainer(m, methodConfig(t, method))
		x := uniformBatch(10, 20, 1)
		y := []int{0, 1, 2, 3, 0, 1, 2, 3, 0, 1}
		tr.Step(x, y, false)
		if a := testing.AllocsPerRun(10, func() { tr.Step(x, y, false) }); a != 0 {
			t.Errorf("%s: %v allocations per step", method, a)
		}
	}
}

func TestMethodValidation(t *testing.T) {
	bad := []struct {
		name string
		edit func(c *Config)
		flag string
	}{
		{"unknown", func(c *Config) { c.Method = "mixup" }, "Method"},
		{"adv eps 0", func(c *Config) { c.SetMethod(MethodAdv); c.AdvEps = 0 }, "AdvEps"},
		{"adv eps > 1", func(c *Config) { c.SetMethod(MethodAdv); c.AdvEps = 2 }, "AdvEps"},
		{"adv steps 0", func(c *Config) { c.SetMethod(MethodAdv); c.AdvSteps = 0 }, "AdvSteps"},
		{"adv step NaN", func(c *Config) { c.SetMethod(MethodAdv); c.AdvStep = math.NaN() }, "AdvStep"},
		{"jacobian λ 0", func(c *Config) { c.SetMethod(MethodJacobian); c.JacLambda = 0 }, "JacLambda"},
		{"λ without jacobian", func(c *Config) { c.JacLambda = 0.1 }, "JacLambda"},
		{"ε without adv", func(c *Config) { c.SetMethod(MethodSpecNorm); c.AdvEps = 0.1 }, "AdvEps"},
	}
	for _, tc := range bad {
		c := Defaults(3)
		tc.edit(&c)
		err := c.Validate(3)
		if err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%s: err = %v, want one naming field %s", tc.name, err, tc.flag)
		}
	}
	c := Defaults(3)
	if err := c.SetMethod("dropout"); err == nil {
		t.Error("SetMethod accepted an unknown method")
	}
	for _, method := range Methods {
		c := Defaults(3)
		if err := c.SetMethod(method); err != nil || c.Validate(3) != nil {
			t.Errorf("%s with defaults: %v, %v", method, err, c.Validate(3))
		}
	}
	c.SetMethod(MethodAdv)
	if c.AdvEps != 0.1 || c.AdvStep != 0.025 || c.AdvSteps != 10 {
		t.Errorf("adv defaults ε %g step %g steps %d", c.AdvEps, c.AdvStep, c.AdvSteps)
	}
	// The paper's method keeps its config JSON as it was: stored phases and
	// models of LILs stay valid.
	c = Defaults(3)
	c.SetMethod(MethodLIL)
	b, _ := json.Marshal(c)
	for _, key := range []string{"method", "adv_", "jacobian"} {
		if strings.Contains(string(b), key) {
			t.Errorf("LIL config JSON mentions %q: %s", key, b)
		}
	}
}

// TestInputGradMatchesAttackContract: the adversarial generator's model
// reports CE and its input gradient like attack.Model requires.
func TestInputGradMatchesAttackContract(t *testing.T) {
	m := tinyMLP(t, []int{3, 4, 2}, nn.Tanh, 2)
	var am attack.Model = NewAttackModel(m, CrossEntropy())
	x := uniformBatch(2, 3, 3)
	y := []int{1, 0}
	dx := tensor.New(2, 3)
	loss := am.LossGrad(dx, x, y)
	f := func() float64 { return am.Fork().LossGrad(tensor.New(2, 3), x, y) }
	if got := f(); got != loss {
		t.Errorf("fork's loss %g, original's %g", got, loss)
	}
	for i := range x.Data {
		fd := finiteDiff(f, x.Data, i, 1e-2)
		if math.Abs(fd-float64(dx.Data[i])) > 1e-4+1e-2*math.Abs(fd) {
			t.Errorf("∂CE/∂x[%d] = %g, finite difference %g", i, dx.Data[i], fd)
		}
	}
}

// TestMethodsResume: a trainer rebuilt from the state a checkpoint keeps
// (weights, Adam moments and step count, RNG, epoch) continues adversarial
// and Jacobian training bit-identically — their randomness comes from the
// checkpointed RNG — while spectral normalisation, whose raw weights and u
// live only in the trainer, continues close to but not exactly on the
// uninterrupted run (as MethodSpecNorm documents).
func TestMethodsResume(t *testing.T) {
	set := separable(90, 6)
	for _, method := range []string{MethodAdv, MethodJacobian, MethodSpecNorm} {
		cfg := methodConfig(t, method)
		straight := tinyMLP(t, []int{6, 8, 3}, nn.Tanh, 4)
		st, _ := NewTrainer(straight, cfg)
		for range 2 {
			if _, err := st.runEpoch(context.Background(), set, Hooks{}); err != nil {
				t.Fatal(err)
			}
		}
		first := tinyMLP(t, []int{6, 8, 3}, nn.Tanh, 4)
		ft, _ := NewTrainer(first, cfg)
		if _, err := ft.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
		// What LoadCheckpoint restores: weights, then a new trainer, then its state.
		resumed := tinyMLP(t, []int{6, 8, 3}, nn.Tanh, 99)
		for i, p := range resumed.Params() {
			copy(p.Data, first.Params()[i].Data)
		}
		rt, _ := NewTrainer(resumed, cfg)
		rng, _ := ft.rng.MarshalBinary()
		if err := rt.rng.UnmarshalBinary(rng); err != nil {
			t.Fatal(err)
		}
		rt.epoch = ft.epoch
		fa, ra := ft.opt.(*nn.Adam), rt.opt.(*nn.Adam)
		ra.T, ra.M, ra.V = fa.T, fa.M, fa.V
		if _, err := rt.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
		var maxDiff float64
		for i, p := range resumed.Params() {
			for j, v := range p.Data {
				maxDiff = max(maxDiff, math.Abs(float64(v-straight.Params()[i].Data[j])))
			}
		}
		switch {
		case method != MethodSpecNorm && maxDiff != 0:
			t.Errorf("%s: resumed run differs from the straight one by %g", method, maxDiff)
		case method == MethodSpecNorm && (maxDiff == 0 || maxDiff > 0.2):
			t.Errorf("%s: resumed run differs from the straight one by %g, want small but not 0", method, maxDiff)
		}
	}
}
