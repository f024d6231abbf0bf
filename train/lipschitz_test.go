package train

import (
	"math"
	"slices"
	"testing"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// sgdGradients runs one Step of tr (built with SGD at learning rate 1) and
// returns, per parameter of params, the values before the step and the
// gradient the step applied (before − after); it then puts the values
// back.
func sgdGradients(tr *Trainer, params []*nn.Param, x *tensor.Mat, y []int) (before, grads [][]float32) {
	for _, p := range params {
		before = append(before, slices.Clone(p.Data))
	}
	tr.Step(x, y, false)
	for k, p := range params {
		g := make([]float32, len(p.Data))
		for i := range g {
			g[i] = before[k][i] - p.Data[i]
		}
		grads = append(grads, g)
		copy(p.Data, before[k])
	}
	return before, grads
}

// TestMarginCE: the offset cross-entropy against its value computed by
// hand, its gradient against finite differences, and its hinge limit.
func TestMarginCE(t *testing.T) {
	z := tensor.FromSlice(2, 3, []float32{2, 0, 0, 0.5, 1, -1})
	y := []int{0, 1}
	// Row 0: τ(z − o·e_0) = (4·(2−1), 0, 0) → (log(e⁴+2) − 4)/4.
	// Row 1: (2, 4·(1−1), −4) → (log(e²+1+e⁻⁴) − 0)/4.
	want := ((math.Log(math.Exp(4)+2)-4)/4 + math.Log(math.Exp(2)+1+math.Exp(-4))/4) / 2
	d := &tensor.Mat{}
	if got := MarginCE(d, z, y, 1, 4, 1); math.Abs(got-want) > 1e-12 {
		t.Errorf("MarginCE = %.15g, want %.15g", got, want)
	}
	f := func() float64 { return MarginCE(nil, z, y, 1, 4, 1) }
	for i := range z.Data {
		if fd := finiteDiff(f, z.Data, i, 1e-2); math.Abs(fd-float64(d.Data[i])) > 1e-4 {
			t.Errorf("∂/∂z[%d] = %g, finite difference %g", i, d.Data[i], fd)
		}
	}
	// τ → ∞: the hinge max(0, max_j z_j − z_y + o).
	hinge := (math.Max(0, 0-2+1) + math.Max(0, 0.5-1+1)) / 2
	if got := MarginCE(nil, z, y, 1, 1e4, 1); math.Abs(got-hinge) > 1e-3 {
		t.Errorf("MarginCE at τ = 1e4: %g, hinge %g", got, hinge)
	}
}

// TestLipschitzStepGradient: one SGD step of MethodLipschitz moves every
// raw weight V and bias by exactly the gradient of MarginCE(f_{Φ(V)}(x))
// — checked against central differences through the parametrisation (AOL
// and Björck–Bowie) and MaxMin — and leaves an effective weight of
// spectral norm ≤ 1 in the model.
func TestLipschitzStepGradient(t *testing.T) {
	for _, tc := range []struct {
		param string
		iters int
	}{{nn.AOL, 0}, {nn.Orthogonal, 3}} {
		m := tinyMLP(t, []int{6, 8, 8, 3}, nn.MaxMin, 41)
		c := Defaults(3)
		c.Optimizer, c.LR, c.Batch = "sgd", 1, 8
		if err := c.SetMethod(MethodLipschitz); err != nil {
			t.Fatal(err)
		}
		c.LipParam, c.LipIters = tc.param, tc.iters
		tr, err := NewTrainer(m, c)
		if err != nil {
			t.Fatal(err)
		}
		x := uniformBatch(8, 6, 42)
		y := []int{0, 1, 2, 0, 1, 2, 1, 0}
		params := tr.lip.params
		_, grads := sgdGradients(tr, params, x, y)
		ws := m.NewWorkspace()
		objective := func() float64 {
			tr.lip.apply(m)
			return MarginCE(nil, m.Forward(ws, x), y, math.Sqrt2*c.LipMargin, c.LipTemp, 1)
		}
		// float32 rounding through the Björck steps is ~1e-3 of the largest
		// derivative at these step sizes; the tolerance is relative to it.
		var worst float64
		for _, g := range grads {
			for _, v := range g {
				worst = max(worst, math.Abs(float64(v)))
			}
		}
		checked, total := 0, 0
		for k, p := range params {
			for i := range p.Data {
				total++
				fd := finiteDiff(objective, p.Data, i, 3e-3)
				if math.Abs(fd-finiteDiff(objective, p.Data, i, 1e-2)) > 1e-3+3e-2*math.Abs(fd) {
					continue // a MaxMin pair swaps within the step
				}
				checked++
				if g := float64(grads[k][i]); math.Abs(fd-g) > 1e-2*worst+2e-2*math.Abs(fd) {
					t.Errorf("%s %s[%d]: step's gradient %g, finite difference %g", tc.param, p.Name, i, g, fd)
				}
			}
		}
		if checked < total*8/10 {
			t.Errorf("%s: only %d of %d derivatives compared", tc.param, checked, total)
		}
		tr.lip.apply(m)
		for _, l := range m.Layers {
			if s := svdSigma(l.W.Data, l.Out, l.In); s > 1+1e-5 {
				t.Errorf("%s %s: spectral norm %g > 1", tc.param, l.W.Name, s)
			}
		}
	}
}

// TestSpecNormScaleGradient: with the logit scale s, the model's last
// layer is s·V/σ(V) and the raw gradient equals central differences of
// L(s·V_L/σ(V_L)), σ from an exact SVD (converged power iteration).
func TestSpecNormScaleGradient(t *testing.T) {
	const scale = 2.5
	m := tinyMLP(t, []int{4, 5, 3}, nn.Tanh, 13)
	s := newSpecNorm(m, 3)
	s.scale = scale
	for range 2000 {
		s.powerIteration()
	}
	s.apply(m)
	last := m.Layers[1]
	if got, want := svdSigma(last.W.Data, last.Out, last.In), scale; math.Abs(got-want) > 1e-4 {
		t.Fatalf("last layer's spectral norm %g, want the scale %g", got, want)
	}
	x := uniformBatch(6, 4, 14)
	y := []int{0, 1, 2, 0, 1, 2}
	ws := m.NewWorkspace()
	m.ZeroGrad()
	dl := &tensor.Mat{}
	nn.SoftmaxCE(dl, m.Forward(ws, x), y, 1)
	m.Backward(ws, dl, nil, true, nil)
	params := s.backward(m)
	objective := func() float64 {
		for k, p := range s.raw {
			f := s.layerScale(k) / svdSigma(p.Data, p.Shape[0], p.Shape[1])
			for i, v := range p.Data {
				m.Layers[k].W.Data[i] = float32(float64(v) * f)
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
}

// TestLogitsFromFirstMaxMin: Square's forward pass from the first layer's
// products agrees with Logits on a MaxMin network (it once applied ReLU to
// every activation but tanh).
func TestLogitsFromFirstMaxMin(t *testing.T) {
	m := tinyMLP(t, []int{6, 8, 8, 4}, nn.MaxMin, 61)
	am := NewAttackModel(m, CrossEntropy())
	x := uniformBatch(5, 6, 62)
	var want, got, pre tensor.Mat
	am.Logits(&want, x)
	pre.Resize(x.Rows, am.FirstLayer().Rows)
	tensor.Gemm(false, true, 1, x, am.FirstLayer(), 0, &pre)
	am.LogitsFromFirst(&got, &pre)
	for k := range want.Data {
		if math.Abs(float64(got.Data[k]-want.Data[k])) > 1e-6 {
			t.Fatalf("logit %d from the first layer %g, Logits %g", k, got.Data[k], want.Data[k])
		}
	}
}

// TestJacobianRefusesMaxMin: the Jacobian penalty's hand-written double
// backpropagation knows tanh and ReLU only, so a MaxMin network is refused.
func TestJacobianRefusesMaxMin(t *testing.T) {
	c := Defaults(3)
	if err := c.SetMethod(MethodJacobian); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTrainer(tinyMLP(t, []int{4, 6, 6, 2}, nn.MaxMin, 1), c); err == nil {
		t.Error("jacobian on a MaxMin network accepted")
	}
}
