package train

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/isonet/isonet/nn"
)

// TestOverflowIsDivergence: a learning rate or β of 1e30 keeps the loss
// finite (tanh saturates; Adam's squared gradients overflow to Inf and
// freeze the weights) yet the numbers are meaningless: the first step
// that sends a weight or gradient past MaxMagnitude ends the run with
// ErrDiverged, naming the epoch, the step and the value. A sane run is
// untouched.
func TestOverflowIsDivergence(t *testing.T) {
	set := separable(120, 1)
	for _, c := range []struct {
		opt        string
		lr, beta   float64
		wantPrefix string
	}{
		{"adam", 1e30, 0, "training diverged at epoch 1, step 1 (weight "},
		{"adam", 1e-3, 1e30, "training diverged at epoch 1, step 1 (gradient "},
		{"sgd", 1e30, 0, "training diverged at epoch 1, step 1 ("},
		{"sgd", 1e-3, 1e30, "training diverged at epoch 1, step 1 ("},
	} {
		cfg := Defaults(3)
		cfg.Batch, cfg.Epochs, cfg.LR, cfg.Beta, cfg.Optimizer = 20, 2, c.lr, c.beta, c.opt
		tr, err := NewTrainer(tinyMLP(t, []int{6, 8, 8, 3}, nn.Tanh, 21), cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.runEpoch(context.Background(), set, Hooks{})
		if !errors.Is(err, ErrDiverged) || !strings.HasPrefix(err.Error(), c.wantPrefix) || !strings.HasSuffix(err.Error(), "): try a smaller LR or Beta") {
			t.Errorf("%s lr %g β %g: error %v, want divergence %q...", c.opt, c.lr, c.beta, err, c.wantPrefix)
		}
	}
	cfg := Defaults(3)
	cfg.Batch, cfg.Epochs, cfg.LR, cfg.Beta = 20, 2, 1e-2, 1
	m := tinyMLP(t, []int{6, 8, 8, 3}, nn.Tanh, 21)
	tr, _ := NewTrainer(m, cfg)
	for range 2 {
		if _, err := tr.runEpoch(context.Background(), set, Hooks{}); err != nil {
			t.Fatal(err)
		}
	}
	if s := overflow(m); s != "" {
		t.Errorf("a sane run overflowed: %s", s)
	}
}
