package train

import (
	"math"

	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/safetensors"
	"github.com/isonet/isonet/tensor"
)

// MethodLipschitz trains a 1-Lipschitz network: every Linear layer's weight
// is the image W = Φ(V) of a raw weight V under a parametrisation whose
// spectral norm is at most 1 (Config.LipParam: nn.AOL or nn.Orthogonal),
// and the loss is the offset cross-entropy MarginCE. With a 1-Lipschitz
// activation (nn.MaxMin, the one that also keeps gradient norms; tanh and
// ReLU are 1-Lipschitz too) the whole network is 1-Lipschitz in L2, so a
// margin z_y − z_j certifies the L2 radius (z_y − z_j)/√2.
//
// As with spectral normalisation the trainer keeps V, the model's weights
// always hold the effective W (what evaluation, attacks, certify and saved
// model files see, in PyTorch's nn.Linear layout). A checkpoint keeps V
// too, so a resumed run continues bit-identically; a model folder keeps
// only W (V is not needed to predict, attack or certify).
const MethodLipschitz = "lipschitz"

// Defaults of MethodLipschitz's settings (SetMethod fills them in).
//
// On MNIST (784-100x4-10, MaxMin, 5 epochs, Adam 1e-3, batch 100, seed 1;
// certified L2 accuracy at 1.58 on the 10,000 test images):
//
//	aol        margin 0.5: clean 95.9 %, certified 23.3 %   (15 s/epoch)
//	aol        margin 1:   clean 94.9 %, certified 34.9 %
//	aol        margin 2:   clean 91.9 %, certified 43.7 %
//	orthogonal margin 1:   clean 96.8 %, certified 42.2 %   (42 s/epoch)
//
// Orthogonal layers use the whole Lipschitz budget (AOL's products of
// spectral norms came out 0.85–0.91, Björck's 1.000), so they are the
// default; AOL is three times faster per epoch.
const (
	DefaultLipParam = nn.Orthogonal
	// DefaultLipMargin is the L2 radius the loss's offset aims at: the
	// true logit must beat every other by √2·margin for the loss to vanish
	// in the hinge limit.
	DefaultLipMargin = 1.0
	// DefaultLipTemp is the loss's temperature τ (16 instead of 4 moved
	// MNIST's numbers by about a point).
	DefaultLipTemp = 4.0
)

// MarginCE returns the batch mean of the offset cross-entropy
//
//	ℓ(z, y) = CE(τ·(z − o·e_y), y)/τ
//
// (o = offset, τ = temp), and, when dLogits is not nil, writes
// scale·∂ℓ/∂z = scale·(softmax(τ·(z − o·e_y)) − e_y)/N into it. The offset
// asks the true logit to beat the others by o; the temperature sets how
// sharply: as τ grows ℓ tends to the multi-class hinge max(0, max_{j≠y}
// z_j − z_y + o) (for margins bounded away from zero), and dividing by τ
// keeps the gradient's scale that of plain cross-entropy whatever τ. Unlike
// the hinge every example keeps a gradient, which 1-Lipschitz networks,
// whose logits cannot grow to saturate a softmax, need to keep learning.
// Prach & Lampert (2022) train AOL networks with this kind of loss.
func MarginCE(dLogits, logits *tensor.Mat, y []int, offset, temp, scale float64) float64 {
	n, c := logits.Rows, logits.Cols
	if dLogits != nil {
		dLogits.Resize(n, c)
	}
	s := make([]float64, c)
	var loss float64
	for i := range n {
		row := logits.Row(i)
		mx := math.Inf(-1)
		for j, v := range row {
			s[j] = temp * float64(v)
			if j == y[i] {
				s[j] -= temp * offset
			}
			mx = max(mx, s[j])
		}
		var sum float64
		for _, v := range s {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		loss += (lse - s[y[i]]) / temp
		if dLogits != nil {
			d := dLogits.Row(i)
			f := scale / float64(n)
			for j, v := range s {
				p := math.Exp(v-lse) * f
				if j == y[i] {
					p -= f
				}
				d[j] = float32(p)
			}
		}
	}
	return loss / float64(n)
}

// lipTrainer holds the raw weights of MethodLipschitz and their
// parametrisations; the model's W_k hold Φ(V_k).
type lipTrainer struct {
	layers []*nn.LipLinear
	raw    []*nn.Param // V_k with their gradients
	params []*nn.Param // V_0, b_0, V_1, b_1, …: what the optimizer updates
}

// newLipTrainer starts V_k from the model's weights (a fresh network's
// initialisation, or a checkpoint's effective weights) and writes Φ(V_k)
// into the model.
func newLipTrainer(net *nn.MLP, c Config) *lipTrainer {
	lt := &lipTrainer{}
	for _, l := range net.Layers {
		ll, err := nn.NewLipLinear(c.LipParam, c.LipIters, l.Out, l.In)
		if err != nil {
			panic(err) // Validate has checked the settings
		}
		p := &nn.Param{Name: l.W.Name, Shape: l.W.Shape, Data: append([]float32(nil), l.W.Data...), Grad: make([]float32, len(l.W.Data))}
		lt.layers = append(lt.layers, ll)
		lt.raw = append(lt.raw, p)
		lt.params = append(lt.params, p, l.B)
	}
	lt.apply(net)
	return lt
}

// apply writes W_k = Φ(V_k) into the model.
func (lt *lipTrainer) apply(net *nn.MLP) {
	for k, ll := range lt.layers {
		ll.Apply(net.Layers[k].W.Data, lt.raw[k].Data)
	}
}

// backward turns the gradients ∂L/∂W_k in the model into ∂L/∂V_k and
// returns the parameters to update.
func (lt *lipTrainer) backward(net *nn.MLP) []*nn.Param {
	for k, ll := range lt.layers {
		ll.Backward(lt.raw[k].Grad, net.Layers[k].W.Grad)
	}
	return lt.params
}

// lipRawPrefix prefixes the names of MethodLipschitz's raw weights in a
// checkpoint's state.safetensors.
const lipRawPrefix = "lipschitz.raw."

// methodTensors lists the state a checkpoint keeps beyond the network and
// the optimizer: MethodLipschitz's raw weights V_k (sharing their memory).
func (t *Trainer) methodTensors() []*safetensors.Tensor {
	if t.lip == nil {
		return nil
	}
	var ts []*safetensors.Tensor
	for _, p := range t.lip.raw {
		ts = append(ts, &safetensors.Tensor{Name: lipRawPrefix + p.Name, DType: "F32", Shape: p.Shape, Data: p.Data})
	}
	return ts
}

// restoreMethod reads from f what methodTensors saved, with load (name,
// dst, shape: shape-checked, finite), so that a resumed MethodLipschitz run continues from its raw
// weights exactly; a checkpoint without them (written before they were
// kept) leaves V restarted from the effective weights.
func (t *Trainer) restoreMethod(f *safetensors.File, load func(name string, dst []float32, shape []int) error) error {
	if t.lip == nil {
		return nil
	}
	if _, ok := f.Tensors[lipRawPrefix+t.lip.raw[0].Name]; !ok {
		return nil
	}
	for _, p := range t.lip.raw {
		if err := load(lipRawPrefix+p.Name, p.Data, p.Shape); err != nil {
			return err
		}
	}
	t.lip.apply(t.net)
	return nil
}

// lipStep is Step for MethodLipschitz: forward through the effective
// weights, α·MarginCE (+ β·iso), backward to V, the optimizer's step on V
// and the biases, and the new Φ(V) into the model. The CE it returns is
// MarginCE's value.
func (t *Trainer) lipStep(x *tensor.Mat, y []int, reuseIso bool) (ce, isoLoss float64) {
	m, c := t.net, t.cfg
	m.ZeroGrad()
	logits := m.Forward(t.ws, x)
	if !reuseIso {
		t.obj.SetInputs(x, y)
	}
	_, isoLoss, dl, extra := t.obj.Eval(t.ws, logits, y)
	ce = MarginCE(dl, logits, y, math.Sqrt2*c.LipMargin, c.LipTemp, c.Alpha)
	m.Backward(t.ws, dl, extra, true, nil)
	t.opt.Step(t.lip.backward(m))
	t.lip.apply(m)
	return ce, isoLoss
}

// validateLipschitz checks MethodLipschitz's settings, which must be zero
// for every other method.
func (c *Config) validateLipschitz(m string) error {
	if m != MethodLipschitz {
		if c.LipParam != "" || c.LipIters != 0 || c.LipMargin != 0 || c.LipTemp != 0 {
			return field.Errorf("{LipParam}, {LipIters}, {LipMargin} and {LipTemp} need {Method} lipschitz (method is %s)", m)
		}
		return nil
	}
	switch {
	case c.LipParam != nn.AOL && c.LipParam != nn.Orthogonal:
		return field.Errorf("{LipParam} must be aol or orthogonal, got %q", c.LipParam)
	case c.LipParam == nn.AOL && c.LipIters != 0:
		return field.Errorf("{LipIters} needs {LipParam} orthogonal (aol has no iterations), got %d", c.LipIters)
	case c.LipParam == nn.Orthogonal && (c.LipIters < 1 || c.LipIters > 1000):
		return field.Errorf("{LipIters} must be in 1..1000, got %d", c.LipIters)
	case !(c.LipMargin >= 0) || math.IsInf(c.LipMargin, 0):
		return field.Errorf("{LipMargin} must be a finite number ≥ 0, got %g", c.LipMargin)
	case !(c.LipTemp > 0) || math.IsInf(c.LipTemp, 0):
		return field.Errorf("{LipTemp} must be a finite number > 0, got %g", c.LipTemp)
	}
	return nil
}

// lipschitzDefaults fills in MethodLipschitz's zero settings.
func (c *Config) lipschitzDefaults() {
	if c.LipParam == "" {
		c.LipParam = DefaultLipParam
	}
	if c.LipParam == nn.Orthogonal && c.LipIters == 0 {
		c.LipIters = nn.DefaultBjorckIters
	}
	if c.LipMargin == 0 {
		c.LipMargin = DefaultLipMargin
	}
	if c.LipTemp == 0 {
		c.LipTemp = DefaultLipTemp
	}
}
