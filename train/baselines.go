package train

import (
	"github.com/isonet/isonet/internal/field"
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// Training methods accepted in Config.Method. The baselines are trained by
// the same loop as a LIL (Trainer.Step): only the batch, the loss or the
// weights' parametrisation change, so the comparison with a LIL is fair.
// Each may be combined with β > 0, which adds the isometric term.
const (
	// MethodLIL is α·CE + β·iso, the paper's method ("" means the same).
	MethodLIL = "lil"
	// MethodAdv is PGD adversarial training (Madry et al. 2018): every batch
	// is replaced by L∞ PGD adversarials of the current model (random start,
	// AdvSteps steps of AdvStep in the ball of radius AdvEps, clipped to
	// [0,1]), generated without changing the weights; CE is then minimised on
	// them. The CE that Step returns is measured on the adversarial batch.
	MethodAdv = "adv"
	// MethodJacobian adds Hoffman et al.'s (2019) Jacobian regulariser
	// (JacLambda/2)·‖J‖²_F, J = ∂logits/∂x, averaged over the batch and
	// estimated with one random projection per example:
	// ‖J‖²_F ≈ C·‖Jᵀv‖², v uniform on the unit sphere of the C logits. Its
	// parameter gradient is computed exactly by double backpropagation,
	// written by hand for the MLP (see jacobian.step).
	MethodJacobian = "jacobian"
	// MethodSpecNorm is spectral normalisation of every Linear layer
	// (Miyato et al. 2018): the trainer keeps raw weights V and the forward
	// pass uses W = V/σ(V), σ estimated by one power iteration per step from
	// a persistent vector u, with the gradient through σ (∂σ/∂V = u vᵀ). The
	// model's own weights always hold the effective W = V/σ, so evaluation,
	// attacks and saved model files see the normalised network and a loaded
	// model predicts exactly as the trained one. V and u live only in the
	// trainer: a run resumed from a checkpoint restarts them from the saved
	// effective weights (σ ≈ 1), so it continues approximately, not
	// bit-identically as the other methods do.
	MethodSpecNorm = "specnorm"
)

// Methods lists the accepted training methods.
var Methods = []string{MethodLIL, MethodAdv, MethodJacobian, MethodSpecNorm, MethodLipschitz, MethodTrades}

// Defaults of the baselines' settings (SetMethod fills them in).
const (
	DefaultAdvEps    = 0.1  // L∞ radius of adversarial training (MNIST)
	DefaultAdvSteps  = 10   // PGD steps per batch; the step is ε/4
	DefaultJacLambda = 0.01 // λ_JR Hoffman et al. used on MNIST
	// specNormInitIters is the number of power iterations when a trainer is
	// made, before the first step (PyTorch's spectral_norm does 15 as well).
	specNormInitIters = 15
)

// SetMethod sets c.Method and fills in the method's settings with their
// defaults (adv: ε = 0.1, step ε/4, 10 steps; jacobian: λ = 0.01), clearing
// the settings of the other methods. It returns an error for an unknown
// method.
func (c *Config) SetMethod(method string) error {
	if method == "" {
		method = MethodLIL
	}
	c.AdvEps, c.AdvStep, c.AdvSteps, c.JacLambda = 0, 0, 0, 0
	c.LipParam, c.LipIters, c.LipMargin, c.LipTemp, c.TradesBeta, c.SpecScale = "", 0, 0, 0, 0, 0
	switch method {
	case MethodLIL, MethodSpecNorm:
	case MethodLipschitz:
		c.lipschitzDefaults()
	case MethodTrades:
		c.tradesDefaults()
	case MethodAdv:
		c.AdvEps, c.AdvStep, c.AdvSteps = DefaultAdvEps, DefaultAdvEps/4, DefaultAdvSteps
	case MethodJacobian:
		c.JacLambda = DefaultJacLambda
	default:
		return field.Errorf("{Method} must be one of lil, adv, jacobian, specnorm, lipschitz, trades, got %q", method)
	}
	if method == MethodLIL {
		method = "" // the paper's method is the zero value: its config JSON stays as before
	}
	c.Method = method
	return nil
}

// methodName returns c.Method with "" read as MethodLIL.
func (c *Config) methodName() string {
	if c.Method == "" {
		return MethodLIL
	}
	return c.Method
}

// validateMethod checks Method and its settings; a setting of another
// method must be zero, so that a config says exactly what was trained.
func (c *Config) validateMethod() error {
	m := c.methodName()
	switch m {
	case MethodLIL, MethodAdv, MethodJacobian, MethodSpecNorm, MethodLipschitz, MethodTrades:
	default:
		return field.Errorf("{Method} must be one of lil, adv, jacobian, specnorm, lipschitz, trades, got %q", c.Method)
	}
	if err := c.validateLipschitz(m); err != nil {
		return err
	}
	if err := c.validateTrades(m); err != nil {
		return err
	}
	if m == MethodSpecNorm {
		if !(c.SpecScale >= 0) || math.IsInf(c.SpecScale, 0) {
			return field.Errorf("{SpecScale} must be a finite number ≥ 0 (0 means 1), got %g", c.SpecScale)
		}
	} else if c.SpecScale != 0 {
		return field.Errorf("{SpecScale} needs {Method} specnorm (method is %s)", m)
	}
	if m == MethodAdv || m == MethodTrades {
		switch {
		case !(c.AdvEps > 0 && c.AdvEps <= 1):
			return field.Errorf("{AdvEps} must be in (0, 1], got %g", c.AdvEps)
		case !(c.AdvStep > 0) || math.IsInf(c.AdvStep, 0):
			return field.Errorf("{AdvStep} must be a finite number > 0, got %g", c.AdvStep)
		case c.AdvSteps < 1:
			return field.Errorf("{AdvSteps} must be ≥ 1, got %d", c.AdvSteps)
		}
	} else if c.AdvEps != 0 || c.AdvStep != 0 || c.AdvSteps != 0 {
		return field.Errorf("{AdvEps}, {AdvStep} and {AdvSteps} need {Method} adv or trades (method is %s)", m)
	}
	if m == MethodJacobian {
		if !(c.JacLambda > 0) || math.IsInf(c.JacLambda, 0) {
			return field.Errorf("{JacLambda} must be a finite number > 0, got %g", c.JacLambda)
		}
	} else if c.JacLambda != 0 {
		return field.Errorf("{JacLambda} needs {Method} jacobian (method is %s)", m)
	}
	return nil
}

// initMethod prepares the state of cfg's method for t (called by NewTrainer).
func (t *Trainer) initMethod() {
	switch t.cfg.Method {
	case MethodAdv:
		t.adv = newAdvTrainer(t.net)
	case MethodJacobian:
		t.jac = newJacobian(t.net)
	case MethodSpecNorm:
		t.sn = newSpecNorm(t.net, t.cfg.Seed)
		if sc := t.cfg.SpecScale; sc != 0 {
			t.sn.scale = sc
			t.sn.apply(t.net)
		}
	case MethodLipschitz:
		t.lip = newLipTrainer(t.net, t.cfg)
	case MethodTrades:
		t.trades = newTradesTrainer(t.net)
	}
}

// checkSet returns an error when set does not suit the method: adversarial
// training clips to [0,1] and so needs inputs there.
func (t *Trainer) checkSet(set *data.Set) error {
	if t.trades != nil {
		return t.trades.checkSet(set)
	}
	if t.adv == nil || t.adv.checked == set {
		return nil
	}
	for k, v := range set.X.Data {
		if !(v >= 0 && v <= 1) {
			return field.Errorf("{Method} adv needs inputs in [0, 1] (PGD keeps its points in that box), example %d has %g", k/set.X.Cols, v)
		}
	}
	t.adv.checked = set
	return nil
}

// ---- PGD adversarial training ----

// advTrainer generates the adversarial batches of MethodAdv.
type advTrainer struct {
	m       *AttackModel // the network under cross-entropy
	x       tensor.Mat   // the adversarial batch
	checked *data.Set    // the last set found inside [0,1]
}

func newAdvTrainer(net *nn.MLP) *advTrainer {
	return &advTrainer{m: NewAttackModel(net, CrossEntropy())}
}

// perturb returns the PGD adversarials of (x, y) for the current weights.
// The seed of the random start is drawn from rng, whose state is part of a
// checkpoint, so that a resumed run draws the same starts.
func (a *advTrainer) perturb(c Config, rng *rand.PCG, x *tensor.Mat, y []int) *tensor.Mat {
	cfg := attack.Config{Attack: attack.AttackPGD, Norm: attack.NormInf, Eps: c.AdvEps, Step: c.AdvStep,
		Steps: c.AdvSteps, RandomStart: true, Seed: rng.Uint64()}
	attack.PGD(&a.x, a.m, x, y, cfg)
	return &a.x
}

// ---- Jacobian regularisation (double backpropagation) ----

// jacobian computes Hoffman et al.'s penalty and its parameter gradient.
//
// With layers k = 0..L−1 (W_k: out_k×in_k), representations H_0 = x, …,
// H_L = logits z, and per-example random unit v ∈ R^C, the backward pass of
// vᵀz is
//
//	δ_L = v,  g_k = δ_{k+1}·W_k  (= ∂(vᵀz)/∂H_k),  δ_k = g_k ⊙ s_k  (k ≥ 1),
//
// with s_k = act'(H_k) (tanh: 1 − H_k²; ReLU: [H_k > 0]), so g_0 = Jᵀv. The
// penalty is R = (λ/2)·(C/B)·Σ_i ‖g_0,i‖². Its adjoint runs forward through
// that backward pass, starting from ḡ_0 = λ·(C/B)·g_0:
//
//	W̄_k += δ_{k+1}ᵀ·ḡ_k,   δ̄_{k+1} = ḡ_k·W_kᵀ,
//	ḡ_{k+1} = δ̄_{k+1} ⊙ s_{k+1},   H̄_{k+1} = −2·H_{k+1} ⊙ g_{k+1} ⊙ δ̄_{k+1} (tanh; 0 for ReLU),
//
// for k+1 < L (δ_L = v is a constant). The H̄_k are added to the ordinary
// backward pass as extra gradients on the representations, which carries
// them (and CE) to every weight and bias through the forward graph.
type jacobian struct {
	delta []*tensor.Mat // delta[k] = δ_k, k = 1..L (delta[L] = v)
	g     []*tensor.Mat // g[k], k = 0..L−1
	gbar  []*tensor.Mat // ḡ_k
	dbar  tensor.Mat    // δ̄ of the current layer
	hbar  []*tensor.Mat // H̄_k, the extra gradients, k = 1..L−1
	extra map[int]*tensor.Mat
	gw    tensor.Mat
	src   *rand.PCG
	rng   *rand.Rand
	// Last is the penalty R of the last step (with λ).
	Last float64
}

func newJacobian(net *nn.MLP) *jacobian {
	L := len(net.Layers)
	j := &jacobian{delta: make([]*tensor.Mat, L+1), g: make([]*tensor.Mat, L), gbar: make([]*tensor.Mat, L),
		hbar: make([]*tensor.Mat, L), extra: map[int]*tensor.Mat{}, src: rand.NewPCG(0, 0)}
	for k := range j.delta {
		j.delta[k] = &tensor.Mat{}
	}
	for k := range L {
		j.g[k], j.gbar[k], j.hbar[k] = &tensor.Mat{}, &tensor.Mat{}, &tensor.Mat{}
	}
	j.rng = rand.New(j.src)
	return j
}

// drawV fills delta[L] with one random unit vector per row, drawn from a
// generator seeded from seed.
func (j *jacobian) drawV(rows, classes int, seed uint64) {
	j.src.Seed(seed, 0x4a61636f)
	v := j.delta[len(j.delta)-1]
	v.Resize(rows, classes)
	for i := range rows {
		r := v.Row(i)
		var s float64
		for c := range r {
			x := j.rng.NormFloat64()
			r[c] = float32(x)
			s += x * x
		}
		inv := float32(1 / math.Sqrt(s))
		for c := range r {
			r[c] *= inv
		}
	}
}

// step evaluates the penalty for the forward pass stored in ws (v already
// drawn), accumulates the backward graph's weight gradients W̄_k into the
// weights' Grad and returns the extra representation gradients H̄_k, merged
// with the iso term's extra (which it may modify), for Backward.
func (j *jacobian) step(net *nn.MLP, ws *nn.Workspace, lambda float64, isoExtra map[int]*tensor.Mat) map[int]*tensor.Mat {
	L := len(net.Layers)
	B := ws.H[0].Rows
	C := net.NumClasses()
	relu := net.Act == nn.ReLU
	// The backward pass of vᵀz, keeping g_k and δ_k.
	for k := L - 1; k >= 0; k-- {
		layer := net.Layers[k]
		g := j.g[k]
		g.Resize(B, layer.In)
		tensor.Gemm(false, false, 1, j.delta[k+1], layer.Weight(), 0, g)
		if k == 0 {
			break
		}
		d, h := j.delta[k], ws.H[k]
		d.Resize(B, layer.In)
		if relu {
			for i, y := range h.Data {
				d.Data[i] = g.Data[i]
				if y <= 0 {
					d.Data[i] = 0
				}
			}
		} else {
			tensor.TanhBackward(d, g, h)
		}
	}
	var sum float64
	for _, x := range j.g[0].Data {
		sum += float64(x) * float64(x)
	}
	kappa := lambda * float64(C) / float64(B)
	j.Last = kappa / 2 * sum
	// The adjoint, forward through the layers.
	gb := j.gbar[0]
	gb.Resize(B, net.Layers[0].In)
	for i, x := range j.g[0].Data {
		gb.Data[i] = float32(kappa) * x
	}
	clear(j.extra)
	for k := 0; k < L; k++ {
		layer := net.Layers[k]
		j.gw = tensor.Mat{Rows: layer.Out, Cols: layer.In, Data: layer.W.Grad}
		tensor.Gemm(true, false, 1, j.delta[k+1], j.gbar[k], 1, &j.gw) // W̄_k += δ_{k+1}ᵀ·ḡ_k
		if k+1 == L {
			break
		}
		j.dbar.Resize(B, layer.Out)
		tensor.Gemm(false, true, 1, j.gbar[k], layer.Weight(), 0, &j.dbar) // δ̄_{k+1} = ḡ_k·W_kᵀ
		h, g := ws.H[k+1], j.g[k+1]
		next, hb := j.gbar[k+1], j.hbar[k+1]
		next.Resize(B, layer.Out)
		if relu {
			for i, y := range h.Data {
				next.Data[i] = j.dbar.Data[i]
				if y <= 0 {
					next.Data[i] = 0
				}
			}
			continue // s is piecewise constant: no gradient through it
		}
		tensor.TanhBackward(next, &j.dbar, h) // ḡ_{k+1} = δ̄ ⊙ (1 − H²)
		hb.Resize(B, layer.Out)
		for i, y := range h.Data {
			hb.Data[i] = -2 * y * g.Data[i] * j.dbar.Data[i]
		}
		if e, ok := isoExtra[k+1]; ok {
			for i, v := range e.Data {
				hb.Data[i] += v
			}
		}
		j.extra[k+1] = hb
	}
	for l, e := range isoExtra {
		if _, ok := j.extra[l]; !ok {
			j.extra[l] = e
		}
	}
	return j.extra
}

// ---- Spectral normalisation ----

// specNorm holds the raw weights V_k, the power-iteration vectors and σ_k of
// MethodSpecNorm; the model's W_k hold V_k/σ_k.
type specNorm struct {
	raw    []*nn.Param // V_k with their gradients
	params []*nn.Param // V_0, b_0, V_1, b_1, …: what the optimizer updates
	u, v   [][]float64
	sigma  []float64
	scale  float64 // the logits' scale s: the last layer is s·V/σ
}

func newSpecNorm(net *nn.MLP, seed uint64) *specNorm {
	rng := rand.New(rand.NewPCG(seed, seed^0x5bec7a1))
	s := &specNorm{scale: 1}
	for _, l := range net.Layers {
		p := &nn.Param{Name: l.W.Name, Shape: l.W.Shape, Data: append([]float32(nil), l.W.Data...), Grad: make([]float32, len(l.W.Data))}
		s.raw = append(s.raw, p)
		s.params = append(s.params, p, l.B)
		u := make([]float64, l.Out)
		for i := range u {
			u[i] = rng.NormFloat64()
		}
		normalize(u)
		s.u = append(s.u, u)
		s.v = append(s.v, make([]float64, l.In))
	}
	s.sigma = make([]float64, len(net.Layers))
	for range specNormInitIters {
		s.powerIteration()
	}
	s.apply(net)
	return s
}

// powerIteration takes one step on every layer: v = Vᵀu/‖Vᵀu‖,
// u = Vv/‖Vv‖, σ = uᵀVv (= ‖Vv‖).
func (s *specNorm) powerIteration() {
	for k, p := range s.raw {
		u, v := s.u[k], s.v[k]
		out, in := len(u), len(v)
		clear(v)
		for i := range out {
			row, ui := p.Data[i*in:(i+1)*in], u[i]
			for j, w := range row {
				v[j] += ui * float64(w)
			}
		}
		normalize(v)
		for i := range out {
			var d float64
			for j, w := range p.Data[i*in : (i+1)*in] {
				d += float64(w) * v[j]
			}
			u[i] = d
		}
		s.sigma[k] = normalize(u)
	}
}

// measure sets σ_k = u_kᵀ V_k v_k with the current u, v (no iteration).
func (s *specNorm) measure() {
	for k, p := range s.raw {
		u, v := s.u[k], s.v[k]
		in := len(v)
		var sig float64
		for i, ui := range u {
			var d float64
			for j, w := range p.Data[i*in : (i+1)*in] {
				d += float64(w) * v[j]
			}
			sig += ui * d
		}
		s.sigma[k] = sig
	}
}

// apply writes W_k = V_k/σ_k into the model (s·V_k/σ_k for the last).
func (s *specNorm) apply(net *nn.MLP) {
	for k, p := range s.raw {
		inv := s.layerScale(k) / s.sigma[k]
		w := net.Layers[k].W.Data
		for i, x := range p.Data {
			w[i] = float32(float64(x) * inv)
		}
	}
}

// layerScale returns the factor of layer k's V_k/σ_k: the logit scale s
// for the last layer, 1 for the others.
func (s *specNorm) layerScale(k int) float64 {
	if k == len(s.raw)-1 {
		return s.scale
	}
	return 1
}

// backward turns the gradients G_k = ∂L/∂W_k in the model into the raw
// weights' gradients ∂L/∂V_k = (s_k·G_k − ⟨G_k, W_k⟩·u_k v_kᵀ)/σ_k (from
// W = s_k·V/σ and ∂σ/∂V = u vᵀ; s_k the layer's scale) and returns the
// parameters to update.
func (s *specNorm) backward(net *nn.MLP) []*nn.Param {
	for k, p := range s.raw {
		sk := s.layerScale(k)
		l := net.Layers[k]
		var dot float64
		for i, g := range l.W.Grad {
			dot += float64(g) * float64(l.W.Data[i])
		}
		u, v := s.u[k], s.v[k]
		inv := 1 / s.sigma[k]
		for i, ui := range u {
			c := dot * ui
			row := p.Grad[i*l.In : (i+1)*l.In]
			for j, g := range l.W.Grad[i*l.In : (i+1)*l.In] {
				row[j] = float32((sk*float64(g) - c*v[j]) * inv)
			}
		}
	}
	return s.params
}

// normalize scales x to unit length and returns its former length; a zero
// vector is left as it is.
func normalize(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	n := math.Sqrt(s)
	if n > 0 {
		for i := range x {
			x[i] /= n
		}
	}
	return n
}

// Sigmas returns the spectral norm estimates σ_k of the raw weights of a
// MethodSpecNorm trainer (nil for other methods), one per Linear layer.
func (t *Trainer) Sigmas() []float64 {
	if t.sn == nil {
		return nil
	}
	return append([]float64(nil), t.sn.sigma...)
}
