package certify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumsVec checks that the AVX-512 kernels of sums.go give the bits of
// their Go loops (on machines without AVX-512 both sides are the Go loops),
// and that the lanes sum what a plain loop sums to within rounding.
func TestSumsVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 15, 16, 17, 100, 784, 801} {
		a64 := make([]float64, n)
		a32 := make([]float32, n)
		x0, lo, hi, mid := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range n {
			a32[i] = float32(rng.NormFloat64())
			if i%7 == 3 {
				a32[i] = float32(math.Copysign(0, -1)) // −0 selects hi
			}
			a64[i] = rng.NormFloat64()
			x0[i] = rng.Float64()
			lo[i] = max(x0[i]-0.1, 0)
			hi[i] = min(x0[i]+0.1, 1)
			mid[i] = (lo[i] + hi[i]) / 2
		}
		x1, x2 := dot2(a64, x0, lo, hi)
		func() {
			defer func(v bool) { sumsAVX512 = v }(sumsAVX512)
			sumsAVX512 = false
			g1, g2 := dot2(a64, x0, lo, hi)
			if math.Float64bits(g1) != math.Float64bits(x1) || math.Float64bits(g2) != math.Float64bits(x2) {
				t.Errorf("n=%d dot2: kernel %v, %v; Go %v, %v", n, x1, x2, g1, g2)
			}
		}()
		var s1, s2 float64
		for i := range n {
			s1 += a64[i] * x0[i]
			s2 += lo[i] * hi[i]
		}
		if math.Abs(s1-x1) > 1e-12*(1+math.Abs(s1)) || math.Abs(s2-x2) > 1e-12*(1+math.Abs(s2)) {
			t.Errorf("n=%d dot2: lanes %v, %v; sequential %v, %v", n, x1, x2, s1, s2)
		}
		type out struct{ box, dot, sq, cm, dual float64 }
		run := func(vec bool) (o32, o64 out) {
			defer func(v bool) { sumsAVX512 = v }(sumsAVX512)
			sumsAVX512 = sumsAVX512 && vec
			o32.box = boxSum(a32, lo, hi)
			_, o32.dot, o32.sq, o32.cm = l2Sums(a32, x0, lo, hi, mid)
			o32.dual = dualSum(a32, x0, lo, hi, 0.7, nil)
			o64.box = boxSum(a64, lo, hi)
			_, o64.dot, o64.sq, o64.cm = l2Sums(a64, x0, lo, hi, mid)
			o64.dual = dualSum(a64, x0, lo, hi, 0.7, nil)
			if b, _, _, _ := l2Sums(a64, x0, lo, hi, nil); math.Float64bits(b) != math.Float64bits(o64.box) {
				t.Errorf("n=%d: l2Sums's box %v, boxSum %v", n, b, o64.box)
			}
			return o32, o64
		}
		v32, v64 := run(true)
		g32, g64 := run(false)
		for _, c := range []struct {
			name string
			v, g out
		}{{"float32", v32, g32}, {"float64", v64, g64}} {
			vs := []float64{c.v.box, c.v.dot, c.v.sq, c.v.cm, c.v.dual}
			gs := []float64{c.g.box, c.g.dot, c.g.sq, c.g.cm, c.g.dual}
			for k, name := range []string{"box", "dot", "sq", "cm", "dual"} {
				if math.Float64bits(vs[k]) != math.Float64bits(gs[k]) {
					t.Errorf("n=%d %s %s: kernel %v, Go %v", n, c.name, name, vs[k], gs[k])
				}
			}
		}
		// Against plain sequential sums.
		var box, dot, sq, dual float64
		for i, v := range a64 {
			s := lo[i]
			if v < 0 {
				s = hi[i]
			}
			box += v * s
			dot += v * x0[i]
			sq += v * v
			x := min(max(x0[i]-v/1.4, lo[i]), hi[i])
			dual += v*x + 0.7*(x-x0[i])*(x-x0[i])
		}
		for k, p := range [][2]float64{{box, v64.box}, {dot, v64.dot}, {sq, v64.sq}, {dual, v64.dual}} {
			if math.Abs(p[0]-p[1]) > 1e-12*(1+math.Abs(p[0])) {
				t.Errorf("n=%d sum %d: lanes %v, sequential %v", n, k, p[1], p[0])
			}
		}
	}
}

// TestRelaxSumsVec checks relaxSums's kernel against its Go loop, bit for
// bit (the float32 products too), and against a plain sequential loop.
func TestRelaxSumsVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 3, 16, 33, 100, 784} {
		col := func() []float64 {
			c := make([]float64, n)
			for i := range c {
				c[i] = rng.NormFloat64()
			}
			return c
		}
		ls := lineCols{la: col(), ua: col(), lc: col(), uc: col(), mz: col()}
		hm, bm, cv := col(), col(), col()
		a64 := col()
		a32 := make([]float32, n)
		for i, v := range a64 {
			a32[i] = float32(v)
			if i%9 == 4 {
				a32[i] = float32(math.Copysign(0, -1))
			}
		}
		run := func(vec bool, a any) (fa []float32, s, c float64) {
			defer func(v bool) { sumsAVX512 = v }(sumsAVX512)
			sumsAVX512 = sumsAVX512 && vec
			fa = make([]float32, n)
			switch a := a.(type) {
			case []float32:
				s, c = relaxSums(fa, a, &ls, hm, bm, cv)
			case []float64:
				s, c = relaxSums(fa, a, &ls, hm, bm, cv)
			}
			return fa, s, c
		}
		for _, a := range []any{a32, a64} {
			fv, sv, cv1 := run(true, a)
			fg, sg, cg := run(false, a)
			if math.Float64bits(sv) != math.Float64bits(sg) || math.Float64bits(cv1) != math.Float64bits(cg) {
				t.Errorf("n=%d %T: kernel %v, %v; Go %v, %v", n, a, sv, cv1, sg, cg)
			}
			for i := range fv {
				if math.Float32bits(fv[i]) != math.Float32bits(fg[i]) {
					t.Fatalf("n=%d %T: fa[%d] kernel %v, Go %v", n, a, i, fv[i], fg[i])
				}
			}
		}
		var s, c float64
		for i, v := range a64 {
			sa, sc := ls.la[i], ls.lc[i]
			if v < 0 {
				sa, sc = ls.ua[i], ls.uc[i]
			}
			p := v * sa
			q := float64(float32(p))
			s += v*(sc-hm[i]) + q*bm[i]
			c += math.Abs(p-q)*ls.mz[i] + math.Abs(q)*cv[i]
		}
		_, s64, c64 := run(true, a64)
		if math.Abs(s-s64) > 1e-12*(1+math.Abs(s)) || math.Abs(c-c64) > 1e-12*(1+math.Abs(c)) {
			t.Errorf("n=%d: lanes %v, %v; sequential %v, %v", n, s64, c64, s, c)
		}
	}
}
