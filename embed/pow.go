package embed

import "math"

// powPos returns x^y for x > 0, computed as 2^(y·log₂ x) with two 256-entry
// tables and short series (relative error about 10⁻¹²). SGD evaluates it
// hundreds of millions of times, each evaluation waiting on earlier ones,
// so it is written for a short dependency chain: no division, no
// data-dependent branch, fused multiply-adds (math.FMA is exact, so the
// result is the same with or without the instruction). Arguments outside the normal float64 range, or
// results beyond 2^±1000, fall back to math.Pow.
func powPos(x, y float64) float64 {
	// x = 2^e·m, m in [1, 2); m = c·(1 + r) with c the centre of m's
	// 1/256-wide cell, |r| < 1/512.
	bits := math.Float64bits(x)
	e := int64(bits>>52) - 1023
	if uint64(e+1022) > 2044 { // x not a normal positive number
		return math.Pow(x, y)
	}
	cell := &log2Cells[bits>>44&0xff]
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	r := math.FMA(m, cell.inv, -1)
	// log₂(1 + r) = (r − r²/2 + r³/3 − r⁴/4 + …)/ln 2
	q := math.FMA(r, -1/(4*math.Ln2), 1/(3*math.Ln2))
	q = math.FMA(r, q, -1/(2*math.Ln2))
	q = math.FMA(r, q, 1/math.Ln2)
	l := math.FMA(r, q, float64(e)+cell.log2)
	t := y * l
	if t > 1000 || t < -1000 {
		return math.Pow(x, y)
	}
	// 2^t = 2^q·2^(i/256)·2^f with q·256 + i = round(256·t), |f| ≤ 1/512.
	const round = 1.5 * (1 << 52)
	kf := math.FMA(t, 256, round) - round
	g := math.FMA(kf, -1.0/256, t) * math.Ln2
	k := int64(kf)
	p := math.FMA(g, 1.0/24, 1.0/6)
	p = math.FMA(g, p, 1.0/2)
	p = math.FMA(g, p, 1)
	p = math.FMA(g, p, 1)
	return p * exp2Cells[k&0xff] * math.Float64frombits(uint64(k>>8+1023)<<52)
}

// log2Cells holds, for each 1/256-wide cell of [1, 2), 1/c and log₂ c at
// its centre c; exp2Cells holds 2^(i/256).
var (
	log2Cells [256]struct{ inv, log2 float64 }
	exp2Cells [256]float64
)

func init() {
	for i := range log2Cells {
		c := 1 + (float64(i)+0.5)/256
		log2Cells[i].inv = 1 / c
		log2Cells[i].log2 = math.Log2(c)
		exp2Cells[i] = math.Exp2(float64(i) / 256)
	}
}
