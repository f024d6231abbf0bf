package attack

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStepInfVectorBitIdentical compares stepInf's vector kernel with its Go
// loop bit for bit: pixels at 0 and 1, zero and negative-zero gradients,
// points on and beyond the faces of the ball, ε = 0, a = 0.
func TestStepInfVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 8*41 + 5
	pick := func() float32 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return 1
		default:
			return rng.Float32()
		}
	}
	for _, a := range []float64{0, 0.003, 0.05, -0.2, 1.5} {
		for _, eps := range []float64{0, 0.01, 0.3, 2} {
			cur, g, x0 := make([]float32, n), make([]float32, n), make([]float32, n)
			for j := range cur {
				x0[j] = pick()
				cur[j] = x0[j] + float32(eps*(2*rng.Float64()-1)*1.2)
				switch rng.IntN(5) {
				case 0:
					g[j] = 0
				case 1:
					g[j] = float32(math.Copysign(0, -1))
				default:
					g[j] = float32(rng.NormFloat64())
				}
			}
			got, want := make([]float32, n), make([]float32, n)
			stepInf(got, cur, g, x0, a, eps)
			old := stepAVX512
			stepAVX512 = false
			stepInf(want, cur, g, x0, a, eps)
			stepAVX512 = old
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("a %g eps %g, element %d (cur %v, g %v, x0 %v): %v, want %v", a, eps, j, cur[j], g[j], x0[j], got[j], want[j])
				}
			}
		}
	}
}

// TestAPGDUpdateVectorBitIdentical compares updateInf's vector kernel with
// its Go loop bit for bit, with and without momentum, on the cases of
// TestStepInfVectorBitIdentical.
func TestAPGDUpdateVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n = 8*41 + 5
	pick := func() float32 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return 1
		default:
			return rng.Float32()
		}
	}
	for _, eta := range []float64{0, 0.003, 0.05, 0.2, 1.5} {
		for _, eps := range []float64{0, 0.01, 0.3, 2} {
			a := newAPGDRun(1, n)
			x0 := make([]float32, n)
			cur, prev, g := a.cur.Row(0), a.prev.Row(0), a.g.Row(0)
			for j := range x0 {
				x0[j] = pick()
				cur[j] = x0[j] + float32(eps*(2*rng.Float64()-1)*1.2)
				prev[j] = x0[j] + float32(eps*(2*rng.Float64()-1)*1.2)
				switch rng.IntN(5) {
				case 0:
					g[j] = 0
				case 1:
					g[j] = float32(math.Copysign(0, -1))
				default:
					g[j] = float32(rng.NormFloat64())
				}
			}
			a.eta[0] = eta
			for _, momentum := range []bool{false, true} {
				a.updateInf(0, momentum, x0, eps)
				got := append([]float32(nil), a.next.Row(0)...)
				old := stepAVX512
				stepAVX512 = false
				a.updateInf(0, momentum, x0, eps)
				stepAVX512 = old
				for j, w := range a.next.Row(0) {
					if math.Float32bits(got[j]) != math.Float32bits(w) {
						t.Fatalf("η %g ε %g momentum %v, element %d: %v, want %v", eta, eps, momentum, j, got[j], w)
					}
				}
			}
		}
	}
}

// TestFABApplyVectorBitIdentical compares the vector kernel of FAB's fused
// step with its Go loop bit for bit: pixels at 0 and 1, zero and
// negative-zero normals, infinite and zero τ.
func TestFABApplyVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 8*41 + 5
	pick := func() float32 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return 1
		default:
			return rng.Float32()
		}
	}
	for trial := 0; trial < 50; trial++ {
		x0, x1, w := make([]float32, n), make([]float32, n), make([]float32, n)
		for j := range x0 {
			x0[j], x1[j] = pick(), pick()
			switch rng.IntN(6) {
			case 0:
				w[j] = 0
			case 1:
				w[j] = float32(math.Copysign(0, -1))
			default:
				w[j] = float32(rng.NormFloat64())
			}
		}
		c1, c0 := rng.NormFloat64(), rng.NormFloat64()*3
		switch trial % 5 {
		case 0:
			c1 = 0
		case 1:
			c0 = 1e6 // beyond the box: τ = +Inf
		}
		got, want := append([]float32(nil), x1...), append([]float32(nil), x1...)
		pr := &projector{}
		pr.stepInf(got, x0, w, c1, c0, 0, 1)
		old := stepAVX512
		stepAVX512 = false
		pr.stepInf(want, x0, w, c1, c0, 0, 1)
		stepAVX512 = old
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("trial %d, element %d (x1 %v, x0 %v, w %v): %v, want %v", trial, j, x1[j], x0[j], w[j], got[j], want[j])
			}
		}
	}
}

// TestNewtonSumsVectorBitIdentical compares newtonSums' vector kernel with
// its Go lanes bit for bit, on lengths around multiples of 8 and values
// on both sides of τ (ties included).
func TestNewtonSumsVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{0, 3, 8, 9, 64, 333, 784} {
		u, a := make([]float64, n), make([]float64, n)
		for j := range u {
			u[j] = float64(rng.IntN(4)) / 4 // ties with τ = 0.5
			if rng.IntN(2) == 0 {
				u[j] = rng.Float64()
			}
			a[j] = rng.Float64()
		}
		for _, tau := range []float64{0, 0.5, 0.9, 2} {
			ga, gb, gn := newtonSums(u, a, tau)
			old := stepAVX512
			stepAVX512 = false
			wa, wb, wn := newtonSums(u, a, tau)
			stepAVX512 = old
			if math.Float64bits(ga) != math.Float64bits(wa) || math.Float64bits(gb) != math.Float64bits(wb) || math.Float64bits(gn) != math.Float64bits(wn) {
				t.Fatalf("n %d τ %g: (%v, %v, %v), want (%v, %v, %v)", n, tau, ga, gb, gn, wa, wb, wn)
			}
		}
	}
}

// TestAxpyVectorBitIdentical compares the float32 axpy kernel with Go's
// loop bit for bit (a product, then a sum).
func TestAxpyVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{0, 5, 16, 100, 257} {
		x, d := make([]float32, n), make([]float32, n)
		for j := range x {
			x[j], d[j] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		for _, a := range []float32{0, -0.3, 1e-20, 3} {
			got, want := append([]float32(nil), d...), append([]float32(nil), d...)
			for j := axpyVec(got, x, a); j < n; j++ {
				got[j] += float32(a * x[j])
			}
			for j := range want {
				want[j] += float32(a * x[j]) // rounded: no fused multiply-add
			}
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("n %d a %g element %d: %v, want %v", n, a, j, got[j], want[j])
				}
			}
		}
	}
}

// TestDistBlendVectorBitIdentical: rowDist's L∞ kernel and backTowards's
// kernel give the bits of their Go loops; the distance is the plain maximum.
func TestDistBlendVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 7, 8, 9, 100, 784, 790} {
		a, b := make([]float32, n), make([]float32, n)
		for j := range a {
			a[j], b[j] = rng.Float32(), rng.Float32()
			if j%5 == 2 {
				b[j] = a[j] // a zero difference
			}
		}
		var want float64
		for j := range a {
			want = max(want, math.Abs(float64(a[j])-float64(b[j])))
		}
		if got := rowDist(a, b, NormInf); got != want {
			t.Errorf("n=%d: rowDist %v, want %v", n, got, want)
		}
		v := append([]float32(nil), a...)
		g := append([]float32(nil), a...)
		backTowards(v, b)
		old := stepAVX512
		stepAVX512 = false
		backTowards(g, b)
		if d := rowDist(a, b, NormInf); d != want {
			t.Errorf("n=%d: Go rowDist %v, want %v", n, d, want)
		}
		stepAVX512 = old
		for j := range v {
			if math.Float32bits(v[j]) != math.Float32bits(g[j]) {
				t.Fatalf("n=%d: backTowards[%d] kernel %v, Go %v", n, j, v[j], g[j])
			}
		}
		if n > 0 && v[0] != float32(float64(b[0])+(float64(a[0])-float64(b[0]))*fabBeta) {
			t.Errorf("n=%d: backTowards[0] = %v", n, v[0])
		}
	}
}

// TestL2StepVectorBitIdentical: the kernels of APGD's L2 update (the
// direction's division, the step, the momentum and projectRow's clipping)
// give the bits of their Go loops.
func TestL2StepVectorBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 7, 8, 9, 100, 784, 790} {
		g, cur, z, prev, x0 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		v := make([]float64, n)
		for j := range n {
			g[j] = float32(rng.NormFloat64())
			cur[j], z[j], prev[j], x0[j] = rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32()
			v[j] = 1.4*rng.Float64() - 0.2 // beyond [0, 1] on both sides
		}
		type out struct {
			s, ax, mo []float64
			p1, p2    []float32
		}
		run := func(vec bool) out {
			old := stepAVX512
			stepAVX512 = stepAVX512 && vec
			defer func() { stepAVX512 = old }()
			o := out{s: make([]float64, n), ax: make([]float64, n), mo: make([]float64, n), p1: make([]float32, n), p2: make([]float32, n)}
			direction(o.s, g, NormL2)
			for j := axpyRowVec(o.ax, cur, o.s, 0.37); j < n; j++ {
				o.ax[j] = float64(cur[j]) + 0.37*o.s[j]
			}
			for j := momentumVec(o.mo, cur, z, prev); j < n; j++ {
				xc := float64(cur[j])
				o.mo[j] = xc + apgdAlpha*(float64(z[j])-xc) + (1-apgdAlpha)*(xc-float64(prev[j]))
			}
			projectRow(o.p1, v, x0, 0.5, NormL2) // rescaled
			projectRow(o.p2, v, x0, 100, NormL2) // clipped only
			return o
		}
		a, b := run(true), run(false)
		for j := range n {
			for k, p := range [][2]float64{{a.s[j], b.s[j]}, {a.ax[j], b.ax[j]}, {a.mo[j], b.mo[j]}} {
				if math.Float64bits(p[0]) != math.Float64bits(p[1]) {
					t.Fatalf("n=%d [%d] output %d: kernel %v, Go %v", n, j, k, p[0], p[1])
				}
			}
			if math.Float32bits(a.p1[j]) != math.Float32bits(b.p1[j]) || math.Float32bits(a.p2[j]) != math.Float32bits(b.p2[j]) {
				t.Fatalf("n=%d [%d]: projectRow kernel %v, %v; Go %v, %v", n, j, a.p1[j], a.p2[j], b.p1[j], b.p2[j])
			}
			if a.p2[j] < 0 || a.p2[j] > 1 {
				t.Fatalf("n=%d [%d]: %v outside [0, 1]", n, j, a.p2[j])
			}
		}
	}
}
