package certify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkLines reports the first point of a dense grid of [l, u] where r's
// lower line is above tanh or its upper line below, at the line
// parameters t (CROWN's choice when t < 0).
func checkLines(t *testing.T, r relax, l, u, tl, tu float64) bool {
	t.Helper()
	if tl < 0 {
		tl = r.lower.t0
	}
	if tu < 0 {
		tu = r.upper.t0
	}
	la, lc, _, _ := r.lower.line(tl, -1)
	ua, uc, _, _ := r.upper.line(tu, 1)
	const n = 2000
	for k := 0; k <= n; k++ {
		z := l + (u-l)*float64(k)/n
		if k == n {
			z = u
		}
		f := math.Tanh(z)
		if lo := la*z + lc; lo > f {
			t.Errorf("[%g, %g] t=%g: lower line %g·z%+g = %.17g > tanh(%g) = %.17g", l, u, tl, la, lc, lo, z, f)
			return false
		}
		if up := ua*z + uc; up < f {
			t.Errorf("[%g, %g] t=%g: upper line %g·z%+g = %.17g < tanh(%g) = %.17g", l, u, tu, ua, uc, up, z, f)
			return false
		}
	}
	return true
}

// TestTanhLines: for many random intervals, of every kind (below 0, above
// 0, across it, wide, narrow, tiny), the lower line is ≤ tanh ≤ the upper
// line on a dense grid of [l, u], at CROWN's tangent points and at the
// ends and random points of α's ranges.
func TestTanhLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	scales := []float64{1e-7, 1e-3, 0.1, 1, 3, 10}
	mixed := 0
	for it := 0; it < 3000; it++ {
		s := scales[it%len(scales)]
		l := (rng.Float64()*2 - 1) * s
		u := l + rng.Float64()*s
		if it%3 == 0 { // force across 0
			l, u = -rng.Float64()*s, rng.Float64()*s
		}
		if l < 0 && u > 0 {
			mixed++
		}
		r := tanhRelax(l, u)
		for _, tt := range [][2]float64{{-1, -1}, {0, 0}, {1, 1}, {rng.Float64(), rng.Float64()}} {
			if !checkLines(t, r, l, u, tt[0], tt[1]) {
				return
			}
		}
	}
	if mixed < 1000 {
		t.Fatalf("only %d intervals across 0", mixed)
	}
}

// TestTanhTangentPoint: across 0 the upper tangent point d* makes the
// tangent pass through (l, tanh l) — within 1e-10 after 40 bisection steps, and never
// below it — and lies in [0, u]; where no such point exists the secant is
// used and the tangent at u passes below (l, tanh l).
func TestTanhTangentPoint(t *testing.T) {
	for _, c := range []struct{ l, u float64 }{{-1, 1}, {-2, 0.5}, {-0.1, 3}, {-5, 5}, {-0.5, 0.01}} {
		d, ok := tangentPoint(c.l, c.u)
		a, k := tangent(c.u)
		below := a*c.l+k < math.Tanh(c.l)
		if !ok {
			if !below {
				t.Errorf("[%g, %g]: no tangent point, but the tangent at u passes over (l, tanh l)", c.l, c.u)
			}
			continue
		}
		if d < 0 || d > c.u {
			t.Errorf("[%g, %g]: d* = %g outside [0, u]", c.l, c.u, d)
		}
		a, k = tangent(d)
		gap := a*c.l + k - math.Tanh(c.l)
		if gap < 0 || gap > 1e-10 {
			t.Errorf("[%g, %g]: tangent at d* = %g passes %g above (l, tanh l), want in [0, 1e-10]", c.l, c.u, d, gap)
		}
	}
}

// TestReLULines: ReLU's lines bound it on [l, u] for every lower slope in
// [0, 1].
func TestReLULines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for it := 0; it < 500; it++ {
		l, u := rng.NormFloat64(), 0.0
		u = l + rng.ExpFloat64()
		r := reluRelax(l, u)
		tl := rng.Float64()
		la, lc, _, _ := r.lower.line(tl, -1)
		ua, uc, _, _ := r.upper.line(0, 1)
		for k := 0; k <= 100; k++ {
			z := l + (u-l)*float64(k)/100
			f := max(z, 0)
			if la*z+lc > f+1e-15 || ua*z+uc < f-1e-15 {
				t.Fatalf("[%g, %g] at %g: lines %g, %g around relu %g", l, u, z, la*z+lc, ua*z+uc, f)
			}
		}
	}
}

// TestLineDerivatives: the derivatives of a free line's slope and
// intercept with respect to its parameter match central differences.
func TestLineDerivatives(t *testing.T) {
	for _, c := range []struct{ l, u float64 }{{-2, -0.5}, {0.3, 2}, {-1, 1.5}} {
		r := tanhRelax(c.l, c.u)
		for _, s := range []side{r.lower, r.upper} {
			if !s.free {
				continue
			}
			for _, tt := range []float64{0.2, 0.5, 0.8} {
				_, _, da, dc := s.line(tt, 1)
				const h = 1e-6
				a1, c1, _, _ := s.line(tt+h, 1)
				a0, c0, _, _ := s.line(tt-h, 1)
				if math.Abs((a1-a0)/(2*h)-da) > 1e-6 || math.Abs((c1-c0)/(2*h)-dc) > 1e-6 {
					t.Errorf("[%g, %g] t=%g: da %g vs %g, dc %g vs %g", c.l, c.u, tt, da, (a1-a0)/(2*h), dc, (c1-c0)/(2*h))
				}
			}
		}
	}
}
