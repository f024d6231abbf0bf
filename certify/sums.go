package certify

import "math"

// The sums over an input row that concretise a bound (box, dot products,
// squares) run in sumLanes float64 lanes: element i is added to lane
// i mod sumLanes, in increasing i, and the lanes are added in lane order at
// the end. The AVX-512 kernels (sums_amd64.s) add the same products in the
// same order, so a bound's bits do not depend on the instruction set
// (TestSumsVec compares them).
const sumLanes = 16

// lanes are the partial sums of one row.
type lanes [sumLanes]float64

// total adds the lanes in lane order.
func (l *lanes) total() float64 {
	var s float64
	for _, v := range l {
		s += v
	}
	return s
}

// boxSum returns Σ_i a_i·s_i, s_i = lo_i where a_i's sign bit is clear and
// hi_i where it is set: the minimum of a·x over the box [lo, hi] (lo ≤ hi).
func boxSum[F float32 | float64](a []F, lo, hi []float64) float64 {
	var acc lanes
	lo, hi = lo[:len(a)], hi[:len(a)]
	done := boxVec(&acc, a, lo, hi)
	for i := done; i < len(a); i++ {
		v := float64(a[i])
		s := lo[i]
		if math.Signbit(v) {
			s = hi[i]
		}
		acc[i%sumLanes] += v * s
	}
	return acc.total()
}

// l2Sums returns, for a row a, the box sum (boxSum), Σ a_i·x0_i,
// Σ a_i² and, when mid is not nil, Σ a_i·mid_i.
func l2Sums[F float32 | float64](a []F, x0, lo, hi, mid []float64) (box, dot, sq, cm float64) {
	var b, d, q, m lanes
	lo, hi, x0 = lo[:len(a)], hi[:len(a)], x0[:len(a)]
	done := l2Vec(&b, &d, &q, &m, a, x0, lo, hi, mid)
	for i := done; i < len(a); i++ {
		v := float64(a[i])
		s := lo[i]
		if math.Signbit(v) {
			s = hi[i]
		}
		l := i % sumLanes
		b[l] += v * s
		d[l] += v * x0[i]
		q[l] += v * v
		if mid != nil {
			m[l] += v * mid[i]
		}
	}
	return b.total(), d.total(), q.total(), m.total()
}

// dualSum returns Σ_i (a_i·x_i + lam·(x_i − x0_i)²) with x_i =
// min(max(x0_i − a_i/(2·lam), lo_i), hi_i), writing x into xs when xs is
// not nil: dualL2's inner sum.
func dualSum[F float32 | float64](a []F, x0, lo, hi []float64, lam float64, xs []float64) float64 {
	var acc lanes
	lo, hi, x0 = lo[:len(a)], hi[:len(a)], x0[:len(a)]
	done := 0
	if xs == nil {
		done = dualVec(&acc, a, x0, lo, hi, lam)
	}
	for i := done; i < len(a); i++ {
		v := float64(a[i])
		x := min(max(x0[i]-v/(2*lam), lo[i]), hi[i])
		d := x - x0[i]
		acc[i%sumLanes] += v*x + lam*d*d
		if xs != nil {
			xs[i] = x
		}
	}
	return acc.total()
}

// relaxSums is CROWN's relaxation of one row of coefficients a on σ(z)
// (relaxRound): each coefficient meets the lower line where its sign bit
// is clear and the upper line where set; fa receives the products with the
// slopes rounded to float32, and it returns the constant
// Σ a_i·(c_i − hm_i) + fl(p_i)·bm_i and the rounding charge
// Σ |p_i − fl(p_i)|·mz_i + |fl(p_i)|·cv_i, p_i the product with the slope.
func relaxSums[F float32 | float64](fa []float32, a []F, ls *lineCols, hm, bm, cv []float64) (s, corr float64) {
	var sl, cl lanes
	n := len(a)
	fa, hm, bm, cv = fa[:n], hm[:n], bm[:n], cv[:n]
	la, ua, lc, uc, mz := ls.la[:n], ls.ua[:n], ls.lc[:n], ls.uc[:n], ls.mz[:n]
	done := relaxVec(&sl, &cl, fa, a, ls, hm, bm, cv)
	for i := done; i < n; i++ {
		v := float64(a[i])
		sa, sc := la[i], lc[i]
		if math.Signbit(v) {
			sa, sc = ua[i], uc[i]
		}
		p := v * sa
		q := float32(p)
		fa[i] = q
		qf := float64(q)
		l := i % sumLanes
		sl[l] += v*(sc-hm[i]) + qf*bm[i]
		cl[l] += math.Abs(p-qf)*mz[i] + math.Abs(qf)*cv[i]
	}
	return sl.total(), cl.total()
}

// dot2 returns Σ a_i·b_i and Σ c_i·d_i (all of a's length).
func dot2(a, b, c, d []float64) (ab, cd float64) {
	var x, y lanes
	n := len(a)
	b, c, d = b[:n], c[:n], d[:n]
	done := dot2Vec(&x, &y, a, b, c, d)
	for i := done; i < n; i++ {
		l := i % sumLanes
		x[l] += a[i] * b[i]
		y[l] += c[i] * d[i]
	}
	return x.total(), y.total()
}
