//go:build amd64 && !purego

package attack

import "golang.org/x/sys/cpu"

//go:noescape
func stepInf512(dst, cur, grad, x0 *float32, n int, ab uint64, eps float64)

// stepAVX512 says whether stepInf's vector kernel runs; tests turn it off.
var stepAVX512 = cpu.X86.HasAVX512F

// stepInfVec does stepInf over the longest multiple of 8 of dst and returns
// how many elements it did.
func stepInfVec(dst, cur, g, x0 []float32, ab uint64, eps float64) int {
	n := len(dst) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	stepInf512(&dst[0], &cur[0], &g[0], &x0[0], n, ab, eps)
	return n
}

//go:noescape
func apgdInf512(next, cur, prev, grad, x0 *float32, n int, eb uint64, eps float64, momentum bool)

// apgdInfVec does updateInf over the longest multiple of 8 of next and
// returns how many elements it did.
func apgdInfVec(next, cur, prev, g, x0 []float32, eb uint64, eps float64, momentum bool) int {
	n := len(next) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	apgdInf512(&next[0], &cur[0], &prev[0], &g[0], &x0[0], n, eb, eps, momentum)
	return n
}

//go:noescape
func fabApply512(x1, x0, w *float32, r1, r0 *float64, n int, flip1, flip0 uint64, tau1, tau0, alpha, lo, hi float64)

// fabApplyVec does the last loop of projector.stepInf over the longest
// multiple of 8 of x1 and returns how many elements it did.
func fabApplyVec(x1, x0, w []float32, r1, r0 []float64, flip1, flip0 uint32, tau1, tau0, alpha, lo, hi float64) int {
	n := len(x1) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_, _, _, _ = x0[n-1], w[n-1], r1[n-1], r0[n-1]
	fabApply512(&x1[0], &x0[0], &w[0], &r1[0], &r0[0], n, uint64(flip1)<<32, uint64(flip0)<<32, tau1, tau0, alpha, lo, hi)
	return n
}

//go:noescape
func fabBuild512(x1, x0, w *float32, r1, r0, u1, a1, u0, a0 *float64, n int, flip1, flip0 uint64, lo, hi float64, m *[16]float64) (n1, n0 int)

// fabBuildVec does the first loop of projector.stepInf over the longest
// multiple of 8 of w: it returns how many elements it did, the numbers kept
// in u1, a1 and u0, a0, and the largest rooms.
func fabBuildVec(x1, x0, w []float32, r1, r0, u1, a1, u0, a0 []float64, flip1, flip0 uint32, lo, hi float64) (done, n1, n0 int, m1, m0 float64) {
	n := len(w) &^ 7
	if !stepAVX512 || n == 0 {
		return 0, 0, 0, 0, 0
	}
	_, _, _, _, _, _, _, _ = x1[n-1], x0[n-1], r1[n-1], r0[n-1], u1[n-1], a1[n-1], u0[n-1], a0[n-1]
	var m [16]float64
	n1, n0 = fabBuild512(&x1[0], &x0[0], &w[0], &r1[0], &r0[0], &u1[0], &a1[0], &u0[0], &a0[0], n, uint64(flip1)<<32, uint64(flip0)<<32, lo, hi, &m)
	for _, v := range m[:8] {
		m1 = max(m1, v)
	}
	for _, v := range m[8:] {
		m0 = max(m0, v)
	}
	return n, n1, n0, m1, m0
}

//go:noescape
func newton512(la, lb, ln *[8]float64, u, a *float64, n int, tau float64)

// newtonVec does newtonSums' lanes over the longest multiple of 8 of u and
// returns how many elements it did.
func newtonVec(la, lb, ln *[8]float64, u, a []float64, tau float64) int {
	n := len(u) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_ = a[n-1]
	newton512(la, lb, ln, &u[0], &a[0], n, tau)
	return n
}

//go:noescape
func axpy512(dst, x *float32, n int, a float32)

// axpyVec does dst += a·x over the longest multiple of 16 of dst and
// returns how many elements it did.
func axpyVec(dst, x []float32, a float32) int {
	n := len(dst) &^ 15
	if !stepAVX512 || n == 0 {
		return 0
	}
	_ = x[n-1]
	axpy512(&dst[0], &x[0], n, a)
	return n
}

//go:noescape
func distInf512(a, b *float32, n int) float64

// distInfVec returns how many elements of a (the longest multiple of 8) it
// did and max |a_j − b_j| over them, in float64.
func distInfVec(a, b []float32) (int, float64) {
	n := len(a) &^ 7
	if !stepAVX512 || n == 0 {
		return 0, 0
	}
	_ = b[n-1]
	return n, distInf512(&a[0], &b[0], n)
}

//go:noescape
func blend512(x1, x0 *float32, n int, beta float64)

// blendVec does backTowards over the longest multiple of 8 of x1 and
// returns how many elements it did.
func blendVec(x1, x0 []float32, beta float64) int {
	n := len(x1) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_ = x0[n-1]
	blend512(&x1[0], &x0[0], n, beta)
	return n
}

//go:noescape
func projL2512(dst *float32, v *float64, x0 *float32, n int, scale float64)

// projL2Vec does projectRow's L2 clipping loop over the longest multiple
// of 8 of v and returns how many elements it did.
func projL2Vec(dst []float32, v []float64, x0 []float32, scale float64) int {
	n := len(v) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_, _ = dst[n-1], x0[n-1]
	projL2512(&dst[0], &v[0], &x0[0], n, scale)
	return n
}

//go:noescape
func div512(s *float64, gr *float32, n int, d float64)

// divVec does direction's L2 division over the longest multiple of 8 of s
// and returns how many elements it did.
func divVec(s []float64, g []float32, d float64) int {
	n := len(s) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_ = g[n-1]
	div512(&s[0], &g[0], n, d)
	return n
}

//go:noescape
func axpyRow512(v *float64, cur *float32, s *float64, n int, eta float64)

// axpyRowVec sets v = cur + eta·s over the longest multiple of 8 of v and
// returns how many elements it did.
func axpyRowVec(v []float64, cur []float32, s []float64, eta float64) int {
	n := len(v) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_, _ = cur[n-1], s[n-1]
	axpyRow512(&v[0], &cur[0], &s[0], n, eta)
	return n
}

//go:noescape
func momentum512(v *float64, cur, z, prev *float32, n int)

// momentumVec does apgdRun.update's L2 momentum step over the longest
// multiple of 8 of v and returns how many elements it did.
func momentumVec(v []float64, cur, z, prev []float32) int {
	n := len(v) &^ 7
	if !stepAVX512 || n == 0 {
		return 0
	}
	_, _, _ = cur[n-1], z[n-1], prev[n-1]
	momentum512(&v[0], &cur[0], &z[0], &prev[0], n)
	return n
}
