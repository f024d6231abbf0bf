package certify

import (
	"math"

	"github.com/isonet/isonet/nn"
)

var posInf = math.Inf(1)

// act applies activation a to z (the identity for "").
func act(a nn.Activation, z float64) float64 {
	switch a {
	case nn.Tanh:
		return math.Tanh(z)
	case nn.ReLU:
		return max(z, 0)
	}
	return z
}

// lineSlack is added to every intercept of a tanh line on the side it
// bounds (lower lines lowered, upper lines raised): it covers math.Tanh's
// rounding (< 1e-15 here) and the rounding of the intercepts themselves.
const lineSlack = 1e-12

// narrow is the width of [l, u] below which a tanh relaxation is the tangent
// at the midpoint shifted by the curvature bound (see tanhNarrow).
const narrow = 1e-6

// side is one bounding line of an activation on [l, u]: a·z + c, valid as
// a lower (or upper) bound for every z in [l, u]. When free, it is the
// tangent at a point d = lo + t·(hi−lo) of a range [lo, hi] of valid tangent
// points, t in [0, 1], and t0 is CROWN's choice of t; for a ReLU lower line
// (relu) the slope is t itself. A side that is not free is fixed.
type side struct {
	a, c   float64
	lo, hi float64
	t0     float64
	free   bool
	relu   bool
}

// relax is the pair of lines bounding one neuron: lower(z) ≤ σ(z) ≤ upper(z)
// on [l, u].
type relax struct{ lower, upper side }

// tangent is the tangent of tanh at d: slope 1 − tanh²(d), intercept
// tanh(d) − d·slope.
func tangent(d float64) (a, c float64) {
	t := math.Tanh(d)
	a = 1 - t*t
	return a, t - d*a
}

// line returns s's line at parameter t (ignored unless s.free) and the
// derivatives of a and c with respect to t. The intercept includes the
// slack on the side the line bounds (sign −1 for a lower line, +1 upper).
func (s *side) line(t float64, sign float64) (a, c, da, dc float64) {
	if !s.free {
		return s.a, s.c, 0, 0
	}
	if s.relu {
		return t, 0, 1, 0
	}
	w := s.hi - s.lo
	d := s.lo + t*w
	th := math.Tanh(d) // tangent's a and c and their derivatives from one tanh
	a = 1 - th*th
	da = -2 * th * a
	return a, th - d*a + sign*lineSlack, da * w, -d * da * w
}

// tanhRelax returns CROWN's relaxation of tanh on [l, u]: on a convex piece
// (u ≤ 0) the secant above and a tangent below, on a concave piece (l ≥ 0)
// the reverse, and across 0 lines through an end point tangent at a point
// found by bisection (or the secant where no such tangent exists inside
// [l, u]). Tangent points are free (for α-CROWN) within the ranges where
// the tangent stays a valid bound; CROWN's choice is the midpoint on a
// convex or concave piece and the tightest end of the range across 0.
func tanhRelax(l, u float64) relax {
	if u-l < narrow {
		return tanhNarrow(l, u)
	}
	tl, tu := math.Tanh(l), math.Tanh(u)
	sa := (tu - tl) / (u - l)
	secant := side{a: sa, c: tl - sa*l}
	var r relax
	switch {
	case u <= 0: // convex: chord above, any tangent below
		r.upper = secant
		r.upper.c += lineSlack
		r.lower = side{lo: l, hi: u, t0: 0.5, free: true}
	case l >= 0: // concave: chord below, any tangent above
		r.lower = secant
		r.lower.c -= lineSlack
		r.upper = side{lo: l, hi: u, t0: 0.5, free: true}
	default:
		// Upper: a tangent at d ≥ 0 passing over (l, tanh l). Valid for every
		// d ≥ d*, the root of g(d) = tanh(d) + σ'(d)(l − d) − tanh(l),
		// increasing in d ≥ 0; if d* > u, the secant.
		if d, ok := tangentPoint(l, u); ok {
			r.upper = side{lo: d, hi: u, t0: 0, free: true}
		} else {
			r.upper = secant
			r.upper.c += lineSlack
		}
		// Lower: by symmetry (tanh is odd), a tangent at d ≤ 0 passing under
		// (u, tanh u): −d is the upper tangent point for [−u, −l].
		if d, ok := tangentPoint(-u, -l); ok {
			r.lower = side{lo: l, hi: -d, t0: 1, free: true}
		} else {
			r.lower = secant
			r.lower.c -= lineSlack
		}
	}
	for _, s := range []*side{&r.lower, &r.upper} {
		if s.free {
			var sign float64 = -1
			if s == &r.upper {
				sign = 1
			}
			s.a, s.c, _, _ = s.line(s.t0, sign)
		}
	}
	return r
}

// tangentPoint returns, for l < 0 < u, a point d in [0, u] whose tangent of
// tanh lies on or above (l, tanh l) — the smallest such point to within
// bisection accuracy, rounded up so that it is valid — or false when every
// tangent at a point of [0, u] passes below it (then the secant bounds
// tanh from above on [l, u]).
func tangentPoint(l, u float64) (float64, bool) {
	tl := math.Tanh(l)
	g := func(d float64) float64 {
		a, c := tangent(d)
		return a*l + c - tl
	}
	if g(u) < 0 {
		return 0, false
	}
	lo, hi := 0.0, u // g(lo) < 0 ≤ g(hi)
	for range 40 {
		mid := (lo + hi) / 2
		if g(mid) >= 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}

// tanhNarrow bounds tanh on a tiny [l, u] by the tangent at the midpoint m
// shifted down and up by |tanh”|/2·(w/2)² ≤ 0.1·w² (max |tanh”| < 0.77).
func tanhNarrow(l, u float64) relax {
	m := (l + u) / 2
	a, c := tangent(m)
	w := u - l
	d := 0.1*w*w + lineSlack
	return relax{lower: side{a: a, c: c - d}, upper: side{a: a, c: c + d}}
}

// reluRelax returns CROWN's relaxation of ReLU on [l, u]: exact when the
// neuron is stable, else the chord u(z−l)/(u−l) above and a line αz below,
// α in [0, 1] free, CROWN's adaptive choice α = 1 when u ≥ −l, else 0.
func reluRelax(l, u float64) relax {
	switch {
	case u <= 0:
		return relax{}
	case l >= 0:
		return relax{lower: side{a: 1}, upper: side{a: 1}}
	}
	a := u / (u - l)
	r := relax{upper: side{a: a, c: -a*l + lineSlack}}
	t0 := 0.0
	if u >= -l {
		t0 = 1
	}
	r.lower = side{a: t0, t0: t0, free: true, relu: true}
	return r
}

// tanhRelaxation is the tanh relaxation relaxFor uses (a variable so that
// the tests can swap in a deliberately unsound one and see it caught).
var tanhRelaxation = tanhRelax

// relaxFor returns the relaxation of activation f on [l, u].
func relaxFor(f nn.Activation, l, u float64) relax {
	switch f {
	case nn.Tanh:
		return tanhRelaxation(l, u)
	case nn.ReLU:
		return reluRelax(l, u)
	}
	return relax{lower: side{a: 1}, upper: side{a: 1}}
}
