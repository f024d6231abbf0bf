package train

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// logSoftmax returns the row's log-softmax in float64.
func logSoftmax(row []float32) []float64 {
	mx := float64(slices.Max(row))
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - mx)
	}
	out := make([]float64, len(row))
	for j, v := range row {
		out[j] = float64(v) - mx - math.Log(s)
	}
	return out
}

// tradesObjective is CE(f(x), y) + β·KL(p(x) ‖ p(x')) averaged over the
// batch, computed from the logits alone in float64 (independent of KL).
func tradesObjective(m *nn.MLP, x, xa *tensor.Mat, y []int, beta float64) float64 {
	z := m.Forward(m.NewWorkspace(), x).Clone()
	za := m.Forward(m.NewWorkspace(), xa)
	var total float64
	for i := range x.Rows {
		lp, lq := logSoftmax(z.Row(i)), logSoftmax(za.Row(i))
		total -= lp[y[i]]
		for j := range lp {
			total += beta * math.Exp(lp[j]) * (lp[j] - lq[j])
		}
	}
	return total / float64(x.Rows)
}

// TestTradesStepGradient: a TRADES step's x' lies in the ε-ball and
// [0, 1] and has a larger KL than its random start; the SGD step moves
// every weight by the gradient of CE + β·KL at that fixed x', through both
// p(x) and p(x') (central differences on a tiny network).
func TestTradesStepGradient(t *testing.T) {
	m := tinyMLP(t, []int{6, 8, 3}, nn.Tanh, 51)
	c := Defaults(2)
	c.Optimizer, c.LR, c.Batch = "sgd", 1, 8
	if err := c.SetMethod(MethodTrades); err != nil {
		t.Fatal(err)
	}
	c.AdvEps, c.AdvStep, c.AdvSteps, c.TradesBeta = 0.2, 0.05, 10, 3
	tr, err := NewTrainer(m, c)
	if err != nil {
		t.Fatal(err)
	}
	x := uniformBatch(8, 6, 52)
	y := []int{0, 1, 2, 0, 1, 2, 1, 0}
	rng := *tr.rng // the step draws PGD's seed from it
	_, grads := sgdGradients(tr, m.Params(), x, y)
	// The step's x', recomputed with the weights before the step.
	tt := tr.trades
	softmaxRows(&tt.p, m.Forward(m.NewWorkspace(), x))
	xa := tt.perturb(m, c, x, rng.Uint64()).Clone()
	for i, v := range xa.Data {
		if d := math.Abs(float64(v - x.Data[i])); d > c.AdvEps+1e-6 || v < 0 || v > 1 {
			t.Fatalf("x'[%d] = %g, x = %g: outside the ε-ball or [0,1]", i, v, x.Data[i])
		}
	}
	start := c
	start.AdvSteps = 0
	x0 := tt.perturb(m, start, x, rng.Uint64()).Clone()
	if k0, k := tradesObjective(m, x, x0, y, 1)-tradesObjective(m, x, x, y, 1), tradesObjective(m, x, xa, y, 1)-tradesObjective(m, x, x, y, 1); !(k > 10*k0) {
		t.Errorf("PGD on the KL: KL %g at x', %g at the random start", k, k0)
	}
	f := func() float64 { return tradesObjective(m, x, xa, y, c.TradesBeta) }
	for k, p := range m.Params() {
		for i := range p.Data {
			fd := finiteDiff(f, p.Data, i, 1e-2)
			if g := float64(grads[k][i]); math.Abs(fd-g) > 2e-4+2e-2*math.Abs(fd) {
				t.Errorf("%s[%d]: step's gradient %g, finite difference %g", p.Name, i, g, fd)
			}
		}
	}
}

// TestNewMethodsValidation: each new setting belongs to its method.
func TestNewMethodsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"margin without lipschitz", func(c *Config) { c.SetMethod(MethodAdv); c.LipMargin = 1 }, "LipMargin"},
		{"iters with aol", func(c *Config) { c.SetMethod(MethodLipschitz); c.LipParam, c.LipIters = nn.AOL, 3 }, "LipIters"},
		{"zero iterations", func(c *Config) { c.SetMethod(MethodLipschitz); c.LipIters = 0 }, "LipIters"},
		{"unknown parametrisation", func(c *Config) { c.SetMethod(MethodLipschitz); c.LipParam = "cayley" }, "LipParam"},
		{"zero temperature", func(c *Config) { c.SetMethod(MethodLipschitz); c.LipTemp = 0 }, "LipTemp"},
		{"β_TRADES without trades", func(c *Config) { c.SetMethod(MethodLIL); c.TradesBeta = 1 }, "TradesBeta"},
		{"negative β_TRADES", func(c *Config) { c.SetMethod(MethodTrades); c.TradesBeta = -1 }, "TradesBeta"},
		{"scale without specnorm", func(c *Config) { c.SetMethod(MethodAdv); c.SpecScale = 2 }, "SpecScale"},
		{"NaN scale", func(c *Config) { c.SetMethod(MethodSpecNorm); c.SpecScale = math.NaN() }, "SpecScale"},
	} {
		c := Defaults(3)
		tc.edit(&c)
		err := c.Validate(3)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
		}
	}
	c := Defaults(3)
	if err := c.SetMethod(MethodTrades); err != nil || c.AdvEps != DefaultAdvEps || c.AdvStep != DefaultTradesStep || c.AdvSteps != DefaultTradesSteps || c.TradesBeta != DefaultTradesBeta {
		t.Errorf("SetMethod(trades): %v, %+v", err, c)
	}
	if err := c.Validate(3); err != nil {
		t.Errorf("trades defaults: %v", err)
	}
}

// TestNewMethodsResume: a TRADES run and 1-Lipschitz runs (AOL,
// orthogonal) saved by SaveCheckpoint after one epoch and continued by
// Resume end bit-identical to an uninterrupted run: the checkpoint keeps
// the raw weights V of MethodLipschitz.
func TestNewMethodsResume(t *testing.T) {
	set := separable(90, 6)
	for _, tc := range []struct {
		method, param string
	}{{MethodTrades, ""}, {MethodLipschitz, nn.AOL}, {MethodLipschitz, nn.Orthogonal}} {
		s := Spec{Data: data.Spec{Name: "rings"}, Width: 8, Depth: 1, Act: nn.MaxMin, Seed: 4, Train: methodConfig(t, tc.method)}
		s.Train.Epochs = 2
		if tc.param != "" {
			s.Train.LipParam, s.Train.LipIters = tc.param, 0
		}
		straight, err := Start(s, 6, 3)
		if err != nil {
			t.Fatal(err)
		}
		first, _ := Start(s, 6, 3)
		for range 2 {
			if _, err := straight.runEpoch(context.Background(), set, Hooks{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := first.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir() + "/ck"
		if err := first.SaveCheckpoint(dir); err != nil {
			t.Fatal(err)
		}
		resumed, err := Resume(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resumed.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
		for i, p := range resumed.Net().Params() {
			if !slices.Equal(p.Data, straight.Net().Params()[i].Data) {
				t.Errorf("%s %s: %s of the resumed run differs from the uninterrupted one", tc.method, tc.param, p.Name)
			}
		}
	}
}
