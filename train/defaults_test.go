package train

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
)

// TestZeroConfigIsDefaults: every zero setting means its default, so the
// zero Config is Defaults, a method's zero settings are SetMethod's, and a
// setting that is given is kept.
func TestZeroConfigIsDefaults(t *testing.T) {
	if got, want := (Config{}).WithDefaults(5), Defaults(5); got != want {
		t.Errorf("Config{}.WithDefaults(5) = %+v, want Defaults(5) = %+v", got, want)
	}
	for _, m := range []string{MethodAdv, MethodJacobian, MethodSpecNorm} {
		want := Defaults(3)
		if err := want.SetMethod(m); err != nil {
			t.Fatal(err)
		}
		if got := (Config{Method: m}).WithDefaults(3); got != want {
			t.Errorf("method %s: WithDefaults = %+v, want %+v", m, got, want)
		}
	}
	given := Config{Alpha: 0, Beta: 2, Mask: "global", K: 3, IsoLayer: 1, Epochs: 7, Batch: 9, LR: 0.5, Optimizer: "sgd", Seed: 4,
		Method: MethodAdv, AdvEps: 0.2, AdvStep: 0.01, AdvSteps: 3}
	if got := given.WithDefaults(3); got != given {
		t.Errorf("a config with every setting given changed: %+v, want %+v", got, given)
	}
	if got := (Config{Beta: 1}).WithDefaults(3); got.Alpha != 0 {
		t.Errorf("α = 0 beside β = 1 is a choice (β·iso alone), became %g", got.Alpha)
	}
	if got := (Config{Method: MethodAdv, AdvEps: 0.2}).WithDefaults(3); got.AdvStep != 0.05 {
		t.Errorf("adv step defaults to ε/4 of the given ε 0.2: got %g", got.AdvStep)
	}
	s := Spec{}.WithDefaults()
	want := Spec{Width: DefaultWidth, Depth: DefaultDepth, Act: nn.Tanh, Init: nn.InitPyTorch, Train: Defaults(DefaultDepth + 1)}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Spec{}.WithDefaults() = %+v, want %+v", s, want)
	}
	if err := s.ValidateTraining(); err != nil {
		t.Errorf("the defaults are invalid: %v", err)
	}
}

// TestZeroConfigTrains: a trainer made from the zero Config (with only
// the epochs and batch chosen) trains exactly as one made from the
// explicit defaults — the same weights bit for bit — and reports the
// filled-in settings as its spec; Validate still refuses a zero given
// where it is not a default's stand-in (α = β = 0 leaves no loss).
func TestZeroConfigTrains(t *testing.T) {
	tr, _, err := data.Spec{Name: "rings", Seed: 1}.Load()
	if err != nil {
		t.Fatal(err)
	}
	var weights [2][]float32
	for i, s := range []Spec{
		{Train: Config{Epochs: 2, Batch: 250}},
		{Width: DefaultWidth, Depth: DefaultDepth, Act: nn.Tanh, Init: nn.InitPyTorch, Train: func() Config {
			c := Defaults(DefaultDepth + 1)
			c.Epochs, c.Batch = 2, 250
			return c
		}()},
	} {
		tt, res, err := Fit(context.Background(), s, tr, nil, FitOptions{})
		if err != nil {
			t.Fatalf("spec %d: %v", i, err)
		}
		if res.Spec.Train.Alpha != 1 || res.Spec.Train.LR != 1e-3 || res.Spec.Width != DefaultWidth {
			t.Errorf("spec %d: result's spec %+v does not record the defaults", i, res.Spec)
		}
		for _, p := range tt.Net().Params() {
			weights[i] = append(weights[i], p.Data...)
		}
	}
	if !reflect.DeepEqual(weights[0], weights[1]) {
		t.Error("the zero Config trained other weights than the explicit defaults")
	}
	c := Defaults(3)
	c.Alpha = 0
	if err := c.Validate(3); err == nil || !strings.HasPrefix(err.Error(), "Alpha and Beta are both 0") {
		t.Errorf("α = β = 0: %v, want an error naming Alpha and Beta", err)
	}
}
