package train

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/nn"
)

// TestDivergedAdviceNamesSetting: a baseline whose own weight makes the
// run diverge names that weight, with its value, in the advice — not {Beta},
// which it does not use (issue 29 follow-up, item 5: --method jacobian
// --jacobian-lambda 1e30 advised --lr or --beta). The LIL's advice is
// unchanged.
func TestDivergedAdviceNamesSetting(t *testing.T) {
	set := separable(120, 1)
	cfg := Defaults(3)
	cfg.SetMethod(MethodJacobian)
	cfg.Batch, cfg.Epochs, cfg.JacLambda = 20, 2, 1e30
	tr, err := NewTrainer(tinyMLP(t, []int{6, 8, 8, 3}, nn.Tanh, 21), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.runEpoch(context.Background(), set, Hooks{})
	var fe *field.Error
	if !errors.Is(err, ErrDiverged) || !errors.As(err, &fe) {
		t.Fatalf("λ 1e30: error %v, want a divergence", err)
	}
	if want := "): try a smaller JacLambda (the Jacobian penalty's weight, 1e+30 here) or LR"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("λ 1e30: %v, want the advice %q", err, want)
	}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Method: MethodLIL, Beta: 1}, "try a smaller {LR} or {Beta}"},
		{Config{Method: MethodTrades, TradesBeta: 6}, "try a smaller {TradesBeta} (the KL term's weight, 6 here) or {LR}"},
		{Config{Method: MethodJacobian, JacLambda: 2, Beta: 1}, "try a smaller {JacLambda} (the Jacobian penalty's weight, 2 here) or {Beta} or {LR}"},
		{Config{Method: MethodSpecNorm, SpecScale: 100}, "try a smaller {SpecScale} (the logits' scale, 100 here) or {LR}"},
		{Config{Method: MethodAdv}, "try a smaller {LR}"},
	} {
		if got := c.cfg.divergedAdvice(); got != c.want {
			t.Errorf("%s: advice %q, want %q", c.cfg.Method, got, c.want)
		}
	}
}
