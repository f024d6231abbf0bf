//go:build amd64 && !purego

package certify

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// sumsAVX512 says whether the AVX-512 kernels of sums.go run; tests turn it
// off.
var sumsAVX512 = cpu.X86.HasAVX512F

//go:noescape
func box32x512(acc *lanes, a *float32, lo, hi *float64, n int)

//go:noescape
func box64x512(acc *lanes, a *float64, lo, hi *float64, n int)

//go:noescape
func l232x512(acc *[4]lanes, a *float32, x0, lo, hi, mid *float64, n int)

//go:noescape
func l264x512(acc *[4]lanes, a *float64, x0, lo, hi, mid *float64, n int)

//go:noescape
func dual32x512(acc *lanes, a *float32, x0, lo, hi *float64, n int, lam, twoLam float64)

//go:noescape
func dual64x512(acc *lanes, a *float64, x0, lo, hi *float64, n int, lam, twoLam float64)

// boxVec adds boxSum's products over the longest multiple of sumLanes of a
// into acc and returns how many elements it did.
func boxVec[F float32 | float64](acc *lanes, a []F, lo, hi []float64) int {
	n := len(a) &^ (sumLanes - 1)
	if !sumsAVX512 || n == 0 {
		return 0
	}
	_, _ = lo[n-1], hi[n-1]
	switch a := any(a).(type) {
	case []float32:
		box32x512(acc, &a[0], &lo[0], &hi[0], n)
	case []float64:
		box64x512(acc, &a[0], &lo[0], &hi[0], n)
	}
	return n
}

// l2Vec adds l2Sums's products over the longest multiple of sumLanes of a
// into b, d, q and m (m only when mid is not nil) and returns how many
// elements it did.
func l2Vec[F float32 | float64](b, d, q, m *lanes, a []F, x0, lo, hi, mid []float64) int {
	n := len(a) &^ (sumLanes - 1)
	if !sumsAVX512 || n == 0 {
		return 0
	}
	_, _, _ = x0[n-1], lo[n-1], hi[n-1]
	pm := &x0[0] // m is computed and dropped
	if mid != nil {
		_ = mid[n-1]
		pm = &mid[0]
	}
	var acc [4]lanes
	switch a := any(a).(type) {
	case []float32:
		l232x512(&acc, &a[0], &x0[0], &lo[0], &hi[0], pm, n)
	case []float64:
		l264x512(&acc, &a[0], &x0[0], &lo[0], &hi[0], pm, n)
	}
	*b, *d, *q = acc[0], acc[1], acc[2]
	if mid != nil {
		*m = acc[3]
	}
	return n
}

// dualVec adds dualSum's terms over the longest multiple of sumLanes of a
// into acc and returns how many elements it did.
func dualVec[F float32 | float64](acc *lanes, a []F, x0, lo, hi []float64, lam float64) int {
	n := len(a) &^ (sumLanes - 1)
	if !sumsAVX512 || n == 0 {
		return 0
	}
	_, _, _ = x0[n-1], lo[n-1], hi[n-1]
	switch a := any(a).(type) {
	case []float32:
		dual32x512(acc, &a[0], &x0[0], &lo[0], &hi[0], n, lam, 2*lam)
	case []float64:
		dual64x512(acc, &a[0], &x0[0], &lo[0], &hi[0], n, lam, 2*lam)
	}
	return n
}

// relaxArgs are relax32x512's and relax64x512's arguments (their offsets
// are in sums_amd64.s).
type relaxArgs struct {
	fa                         *float32
	a                          unsafe.Pointer
	la, ua, lc, uc, mz, hm, bm *float64
	cv                         *float64
	n                          int
	s, corr                    *lanes
}

//go:noescape
func relax32x512(p *relaxArgs)

//go:noescape
func relax64x512(p *relaxArgs)

// relaxVec does relaxSums's loop over the longest multiple of sumLanes of
// a, adding into sl and cl, and returns how many elements it did.
func relaxVec[F float32 | float64](sl, cl *lanes, fa []float32, a []F, ls *lineCols, hm, bm, cv []float64) int {
	n := len(a) &^ (sumLanes - 1)
	if !sumsAVX512 || n == 0 {
		return 0
	}
	_, _, _, _ = fa[n-1], hm[n-1], bm[n-1], cv[n-1]
	_, _, _, _, _ = ls.la[n-1], ls.ua[n-1], ls.lc[n-1], ls.uc[n-1], ls.mz[n-1]
	p := relaxArgs{fa: &fa[0], a: unsafe.Pointer(&a[0]), la: &ls.la[0], ua: &ls.ua[0], lc: &ls.lc[0], uc: &ls.uc[0], mz: &ls.mz[0],
		hm: &hm[0], bm: &bm[0], cv: &cv[0], n: n, s: sl, corr: cl}
	if unsafe.Sizeof(a[0]) == 4 {
		relax32x512(&p)
	} else {
		relax64x512(&p)
	}
	return n
}

//go:noescape
func dot2x512(acc *[2]lanes, a, b, c, d *float64, n int)

// dot2Vec adds dot2's products over the longest multiple of sumLanes of a
// into x and y and returns how many elements it did.
func dot2Vec(x, y *lanes, a, b, c, d []float64) int {
	n := len(a) &^ (sumLanes - 1)
	if !sumsAVX512 || n == 0 {
		return 0
	}
	_, _, _ = b[n-1], c[n-1], d[n-1]
	acc := [2]lanes{*x, *y}
	dot2x512(&acc, &a[0], &b[0], &c[0], &d[0], n)
	*x, *y = acc[0], acc[1]
	return n
}
