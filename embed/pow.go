package embed

import "math"

// powPos returns x^y for x > 0, computed as 2^(y·log₂ x) with short series
// (relative error below 10⁻⁸). SGD evaluates it hundreds of millions of
// times, each evaluation waiting on the previous one, so it is written for a
// short dependency chain: no data-dependent branch, one division, and
// polynomials in Estrin's scheme.
// Arguments outside the normal float64 range, or results beyond 2^±1000,
// fall back to math.Pow.
func powPos(x, y float64) float64 {
	// x = 2^e·m with m in [√½, √2), without a branch: subtracting the bits
	// of √½ moves the exponent boundary to √½ (as in musl's log).
	const sqrtHalf = 0x3fe6a09e667f3bcd
	bits := math.Float64bits(x)
	tmp := bits - sqrtHalf
	e := int64(tmp) >> 52
	if uint64(e+1021) > 2043 { // x not a normal positive number
		return math.Pow(x, y)
	}
	m := math.Float64frombits(bits - tmp&(0xfff<<52))
	// log₂ m = (2/ln 2)·atanh(s), s = (m−1)/(m+1), |s| < 0.172:
	// atanh(s) = s·(1 + s²/3 + s⁴/5 + s⁶/7 + s⁸/9 + s¹⁰/11 + …).
	s := (m - 1) / (m + 1)
	s2 := s * s
	s4 := s2 * s2
	s8 := s4 * s4
	at := s * ((1 + s2*(1.0/3)) + s4*((1.0/5+s2*(1.0/7))+s4*(1.0/9)) + s8*(s2*(1.0/11)))
	t := y * (float64(e) + at*(2/math.Ln2))
	if t > 1000 || t < -1000 {
		return math.Pow(x, y)
	}
	// 2^t = 2^k·exp(f·ln 2), k = round(t) (by the 1.5·2^52 trick), |f| ≤ ½.
	const round = 1.5 * (1 << 52)
	kf := (t + round) - round
	f := (t - kf) * math.Ln2
	f2 := f * f
	f4 := f2 * f2
	p := ((1 + f) + f2*(1.0/2+f*(1.0/6))) +
		f4*((1.0/24+f*(1.0/120))+f2*(1.0/720+f*(1.0/5040))+f4*(1.0/40320))
	return p * math.Float64frombits(uint64(int64(kf)+1023)<<52)
}
