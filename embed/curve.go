package embed

import "math"

// FitAB returns the parameters a, b of the low-dimensional similarity
// 1/(1 + a·d^(2b)) that best fit, in least squares, the target curve that is
// 1 for d < minDist and exp(−(d − minDist)/spread) beyond, sampled at 300
// evenly spaced d in [0, 3·spread] — umap-learn's definition. The fit is
// Levenberg–Marquardt from a = b = 1. For spread 1, minDist 0.1 it gives
// a ≈ 1.577, b ≈ 0.895.
func FitAB(spread, minDist float64) (a, b float64) {
	const m = 300
	xs, ys := make([]float64, m), make([]float64, m)
	for t := range xs {
		xs[t] = 3 * spread * float64(t) / (m - 1)
		if xs[t] < minDist {
			ys[t] = 1
		} else {
			ys[t] = math.Exp(-(xs[t] - minDist) / spread)
		}
	}
	// sse returns the sum of squared residuals and, when grad is set, the
	// normal equations JᵀJ (as jaa, jab, jbb) and Jᵀr (ga, gb).
	type normal struct{ sse, jaa, jab, jbb, ga, gb float64 }
	eval := func(a, b float64) normal {
		var s normal
		for t, x := range xs {
			var p, lx float64 // p = x^(2b)
			if x > 0 {
				lx = math.Log(x)
				p = math.Exp(2 * b * lx)
			}
			q := 1 + a*p
			r := 1/q - ys[t]
			// ∂f/∂a = −p/q², ∂f/∂b = −2a·p·ln x/q²
			da := -p / (q * q)
			db := -2 * a * p * lx / (q * q)
			s.sse += r * r
			s.jaa += da * da
			s.jab += da * db
			s.jbb += db * db
			s.ga += da * r
			s.gb += db * r
		}
		return s
	}
	a, b = 1, 1
	lambda := 1e-3
	cur := eval(a, b)
	for it := 0; it < 500; it++ {
		// Solve (JᵀJ + λ·diag JᵀJ) δ = −Jᵀr.
		m11 := cur.jaa * (1 + lambda)
		m22 := cur.jbb * (1 + lambda)
		det := m11*m22 - cur.jab*cur.jab
		if det == 0 {
			break
		}
		da := -(m22*cur.ga - cur.jab*cur.gb) / det
		db := -(m11*cur.gb - cur.jab*cur.ga) / det
		na, nb := a+da, b+db
		next := eval(na, nb)
		if next.sse < cur.sse {
			done := math.Abs(da) <= 1e-12*(1+math.Abs(a)) && math.Abs(db) <= 1e-12*(1+math.Abs(b))
			a, b, cur = na, nb, next
			lambda = max(lambda/10, 1e-12)
			if done {
				break
			}
		} else {
			lambda *= 10
			if lambda > 1e12 {
				break
			}
		}
	}
	return a, b
}
