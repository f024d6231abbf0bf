package attack

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// TestDLRGradients checks the DLR and targeted DLR gradients against central
// finite differences in float64, on random logits (no ties).
func TestDLRGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		c := 4 + rng.IntN(7)
		z := make([]float64, c)
		for j := range z {
			z[j] = 3 * rng.NormFloat64()
		}
		y := rng.IntN(c)
		tg := (y + 1 + rng.IntN(c-1)) % c
		for _, targeted := range []bool{false, true} {
			f := func(z []float64) float64 {
				if targeted {
					return dlrTargetedGrad(nil, z, y, tg)
				}
				return dlrGrad(nil, z, y)
			}
			g := make([]float64, c)
			if targeted {
				dlrTargetedGrad(g, z, y, tg)
			} else {
				dlrGrad(g, z, y)
			}
			const h = 1e-6
			for j := range z {
				z0 := z[j]
				z[j] = z0 + h
				up := f(z)
				z[j] = z0 - h
				down := f(z)
				z[j] = z0
				fd := (up - down) / (2 * h)
				if math.Abs(fd-g[j]) > 1e-6*(1+math.Abs(fd)) {
					t.Fatalf("trial %d targeted=%v: ∂DLR/∂z[%d] = %g, finite difference %g (z %v, y %d, t %d)", trial, targeted, j, g[j], fd, z, y, tg)
				}
			}
		}
	}
}

// TestDLRValues checks DLR against hand-computed values and its invariance
// to a shift and a positive scale of the logits.
func TestDLRValues(t *testing.T) {
	z := []float32{4, 1, 3, 0, -2}
	// y = 0: −(4 − 3)/(4 − 1) = −1/3; y = 2: −(3 − 4)/(4 − 1) = 1/3.
	// Targeted y = 0, t = 1: −(4 − 1)/(4 − (1 + 0)/2) = −3/3.5.
	for _, c := range []struct {
		y, t int
		want float64
	}{{0, -1, -1.0 / 3}, {2, -1, 1.0 / 3}, {0, 1, -3 / 3.5}, {3, 0, 4 / 3.5}} {
		if got := DLR(z, c.y, c.t); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("DLR(%v, y=%d, t=%d) = %g, want %g", z, c.y, c.t, got, c.want)
		}
		s := make([]float32, len(z))
		for j, v := range z {
			s[j] = 2.5*v - 7
		}
		if got, want := DLR(s, c.y, c.t), DLR(z, c.y, c.t); math.Abs(got-want) > 1e-6 {
			t.Errorf("DLR not scale/shift invariant: %g against %g", got, want)
		}
	}
}

// toy4 is a 4-class linear model on [0,1]² where, at x0 = (0.5, 0.5) with
// true class 0, the runner-up class 1 has a constant logit below class 0's
// (unreachable), and class 2 (third-largest) is reached by moving x₁ up by
// more than 0.125: z₂ = 4x₁ − 1.5 exceeds z₀ = 1 there.
func toy4() (*linearModel, *tensor.Mat, []int) {
	w := tensor.New(4, 2)
	w.Set(2, 0, 4)
	m := &linearModel{W: w, B: []float32{1, 0.8, -1.5, 0}}
	return m, tensor.FromSlice(1, 2, []float32{0.5, 0.5}), []int{0}
}

func TestAPGDTFindsKnownTarget(t *testing.T) {
	m, x, y := toy4()
	var dst tensor.Mat
	cfg := Config{Eps: 0.2, Steps: 20, Seed: 1}
	if err := APGDT(&dst, m, x, y, cfg); err != nil {
		t.Fatal(err)
	}
	if got := predict(m, &dst)[0]; got != 2 {
		t.Fatalf("APGD-T's point %v is classified %d, want the reachable target 2", dst.Row(0), got)
	}
	if d := math.Abs(float64(dst.At(0, 0) - 0.5)); d > 0.2+1e-7 {
		t.Errorf("APGD-T left the ball: |δ₀| = %g", d)
	}
	// Only the runner-up (unreachable) as target: the attack must fail.
	cfg.TargetClasses = 1
	if err := APGDT(&dst, m, x, y, cfg); err != nil {
		t.Fatal(err)
	}
	if got := predict(m, &dst)[0]; got != 0 {
		t.Errorf("APGD-T towards class 1 alone gives class %d; class 1 cannot win", got)
	}
	// Below the threshold ε = 0.125 no target is reachable.
	cfg.TargetClasses, cfg.Eps = 0, 0.12
	if err := APGDT(&dst, m, x, y, cfg); err != nil {
		t.Fatal(err)
	}
	if got := predict(m, &dst)[0]; got != 0 {
		t.Errorf("APGD-T at ε = 0.12 gives class %d, but nothing is reachable", got)
	}
}

func TestDLRNeedsClasses(t *testing.T) {
	m := newMLP(1, 4, 5, 3, 1)
	x := uniformData(2, 4, 4)
	y := predict(m, x)
	var dst tensor.Mat
	if err := APGDDLR(&dst, m, x, y, Config{Eps: 0.1, Steps: 3}); err != nil {
		t.Errorf("APGD-DLR on 3 classes: %v", err)
	}
	err := APGDT(&dst, m, x, y, Config{Eps: 0.1, Steps: 3})
	if err == nil || !strings.Contains(err.Error(), "≥ 4 classes") || !strings.Contains(err.Error(), "has 3") {
		t.Errorf("APGD-T on 3 classes: error %v, want one naming the 4 classes it needs", err)
	}
	m2 := newMLP(1, 4, 5, 2, 1)
	if err := APGDDLR(&dst, m2, x, predict(m2, x), Config{Eps: 0.1, Steps: 3}); err == nil || !strings.Contains(err.Error(), "≥ 3 classes") {
		t.Errorf("APGD-DLR on 2 classes: error %v", err)
	}
	if err := APGDDLR(&dst, helpfulModel{m}, x, y, Config{Eps: 0.1, Steps: 3}); err == nil || !strings.Contains(err.Error(), "LogitsGrader") {
		t.Errorf("APGD-DLR on a model without LogitsGrad: error %v", err)
	}
}
