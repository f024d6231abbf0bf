package field

import (
	"errors"
	"strings"
	"testing"
)

var errCause = errors.New("cause")

func flag(f string) string { return "--" + strings.ToLower(f) }

func TestRender(t *testing.T) {
	inner := Errorf("{Levels}: parent %q is not a class", "{x}%d")
	cases := []struct {
		err          *Error
		plain, flags string
	}{
		{Errorf("{Beta} must be ≥ 0, got %g", -1.0).(*Error), "Beta must be ≥ 0, got -1", "--beta must be ≥ 0, got -1"},
		{Errorf("{A}, {B} and {C} need {Method} adv (method is %s)", "lil").(*Error),
			"A, B and C need Method adv (method is lil)", "--a, --b and --c need --method adv (method is lil)"},
		{Errorf("%w at step %d: try a smaller {LR}", errCause, 3).(*Error), "cause at step 3: try a smaller LR", "cause at step 3: try a smaller --lr"},
		{Errorf("{Tree}: %w", inner).(*Error), `Tree: Levels: parent "{x}%d" is not a class`, `--tree: --levels: parent "{x}%d" is not a class`},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.plain {
			t.Errorf("Error() = %q, want %q", got, c.plain)
		}
		if got := c.err.Render(flag); got != c.flags {
			t.Errorf("Render = %q, want %q", got, c.flags)
		}
	}
	if err := cases[2].err; !errors.Is(err, errCause) {
		t.Errorf("%v does not wrap its cause", err)
	}
	var fe *Error
	if err := cases[3].err; !errors.As(err.Unwrap()[0], &fe) || fe != inner {
		t.Errorf("%v does not wrap the inner field error", err)
	}
}

// A flag name holding % must not be read as a verb.
func TestRenderPercent(t *testing.T) {
	e := Errorf("{P} must be in [0, 1], got %g", 2.0).(*Error)
	if got := e.Render(func(string) string { return "%d" }); got != "%d must be in [0, 1], got 2" {
		t.Errorf("Render = %q", got)
	}
}
