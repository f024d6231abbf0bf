package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/tensor"
	"gonum.org/v1/gonum/mat"
)

// singularValues returns the singular values of the r×c matrix w, largest
// first, computed in float64 by gonum's SVD.
func singularValues(t *testing.T, w []float32, r, c int) []float64 {
	t.Helper()
	d := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			d.Set(i, j, float64(w[i*c+j]))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(d, mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	return svd.Values(nil)
}

func gaussian(n int, scale float64, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * rng.NormFloat64())
	}
	return v
}

// TestLipLinearSpectralNorm: on random raw weights of the paper's shapes
// and others (wide, tall, square, badly scaled), every effective weight has
// spectral norm ≤ 1 + 1e-5 (exact SVD); AOL's bound is reached within a
// factor on these, and Björck–Bowie makes the rectangular ones orthogonal
// (every singular value within 1e-3 of 1).
func TestLipLinearSpectralNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][2]int{{100, 784}, {100, 100}, {10, 100}, {30, 12}, {16, 16}, {1, 5}, {5, 1}}
	for _, kind := range []string{AOL, Orthogonal} {
		for _, sh := range shapes {
			for _, scale := range []float64{1e-3, 1, 50} {
				out, in := sh[0], sh[1]
				c, err := NewLipLinear(kind, 0, out, in)
				if err != nil {
					t.Fatal(err)
				}
				v := gaussian(out*in, scale, rng)
				w := make([]float32, out*in)
				c.Apply(w, v)
				sv := singularValues(t, w, out, in)
				if sv[0] > 1+1e-5 {
					t.Errorf("%s %d×%d scale %g: spectral norm %.9f > 1 + 1e-5", kind, out, in, scale, sv[0])
				}
				if sv[0] < 0.1 {
					t.Errorf("%s %d×%d scale %g: spectral norm %.3g: the layer squashes everything", kind, out, in, scale, sv[0])
				}
				ratio := float64(max(out, in)) / float64(min(out, in))
				if kind == Orthogonal && ratio >= 3 {
					if lo := sv[len(sv)-1]; lo < 1-1e-3 {
						t.Errorf("orthogonal %d×%d scale %g: smallest singular value %.6f, want ≈ 1", out, in, scale, lo)
					}
				}
			}
		}
	}
}

// TestLipLinearGradient checks Backward against central finite differences
// of L(V) = Σ G ⊙ W(V) for a random G, through AOL and through Björck–Bowie
// to the raw weights, on wide and tall shapes.
func TestLipLinearGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		kind           string
		iters, out, in int
	}{{AOL, 0, 5, 7}, {AOL, 0, 7, 5}, {Orthogonal, 1, 6, 4}, {Orthogonal, 4, 5, 7}, {Orthogonal, 4, 7, 5}, {Orthogonal, 3, 6, 6}} {
		c, err := NewLipLinear(tc.kind, tc.iters, tc.out, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		n := tc.out * tc.in
		v := gaussian(n, 1, rng)
		g := gaussian(n, 1, rng)
		w := make([]float32, n)
		loss := func() float64 {
			c.Apply(w, v)
			var s float64
			for i := range w {
				s += float64(g[i]) * float64(w[i])
			}
			return s
		}
		loss()
		dv := make([]float32, n)
		c.Backward(dv, g)
		var worst float64
		for _, x := range dv {
			worst = max(worst, math.Abs(float64(x)))
		}
		for i := range v {
			orig := v[i]
			h := float32(1e-2)
			v[i] = orig + h
			fp := loss()
			v[i] = orig - h
			fm := loss()
			v[i] = orig
			fd := (fp - fm) / float64(2*h)
			if math.Abs(fd-float64(dv[i])) > 2e-3*worst+1e-2*math.Abs(fd) {
				t.Errorf("%s(%d) %d×%d: ∂L/∂V[%d] backward %g, finite difference %g", tc.kind, tc.iters, tc.out, tc.in, i, dv[i], fd)
			}
		}
	}
}

// TestGroupSort checks the sort against slices.Sort, the permutation, and
// that the backward pass keeps the gradient's norm (‖Jᵀg‖ = ‖g‖) and is
// the transpose of the forward Jacobian (⟨J·u, g⟩ = ⟨u, Jᵀ·g⟩).
func TestGroupSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{2, 3, 4, 5} {
		n := 12 * k
		x := gaussian(n, 1, rng)
		x[1] = x[0] // a tie
		v := slices.Clone(x)
		perm := make([]int32, n)
		GroupSort(v, k, perm)
		for gi := 0; gi < n; gi += k {
			want := slices.Clone(x[gi : gi+k])
			slices.Sort(want)
			slices.Reverse(want)
			if !slices.Equal(v[gi:gi+k], want) {
				t.Fatalf("k=%d group %d: %v, want %v", k, gi/k, v[gi:gi+k], want)
			}
		}
		for i, p := range perm {
			if v[i] != x[p] {
				t.Fatalf("k=%d: out[%d] = %g but perm says in[%d] = %g", k, i, v[i], p, x[p])
			}
		}
		g := gaussian(n, 1, rng)
		u := gaussian(n, 1, rng)
		jtg := slices.Clone(g)
		GroupSortBackward(jtg, k, perm)
		var ng, njtg, ju, ujt float64
		for i := range g {
			ng += float64(g[i]) * float64(g[i])
			njtg += float64(jtg[i]) * float64(jtg[i])
			ju += float64(u[perm[i]]) * float64(g[i]) // (J·u)_i = u[perm[i]]
			ujt += float64(u[i]) * float64(jtg[i])
		}
		if math.Abs(ng-njtg) > 1e-9*ng {
			t.Errorf("k=%d: ‖Jᵀg‖² = %g, ‖g‖² = %g", k, njtg, ng)
		}
		if math.Abs(ju-ujt) > 1e-5*math.Sqrt(ng) {
			t.Errorf("k=%d: ⟨Ju, g⟩ = %g, ⟨u, Jᵀg⟩ = %g", k, ju, ujt)
		}
	}
}

// TestMaxMinMLP: an MLP with MaxMin computes the pairs' max and min, its
// backward pass agrees with finite differences (weights and inputs, CE plus
// an isometric term on a hidden layer), and odd hidden widths are refused.
func TestMaxMinMLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	if _, err := NewMLP([]int{4, 5, 3}, MaxMin, InitPyTorch, rng); err == nil {
		t.Error("maxmin with hidden width 5 accepted")
	}
	m, err := NewMLP([]int{5, 6, 8, 3}, MaxMin, InitPyTorch, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(7, 5)
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	ws := m.NewWorkspace()
	m.Forward(ws, x)
	// H[1] by hand.
	l0 := m.Layers[0]
	for i := range x.Rows {
		z := make([]float64, l0.Out)
		for o := range z {
			z[o] = float64(l0.B.Data[o])
			for j := range l0.In {
				z[o] += float64(l0.W.Data[o*l0.In+j]) * float64(x.At(i, j))
			}
		}
		for p := 0; p < len(z); p += 2 {
			hi, lo := max(z[p], z[p+1]), min(z[p], z[p+1])
			if math.Abs(float64(ws.H[1].At(i, p))-hi) > 1e-5 || math.Abs(float64(ws.H[1].At(i, p+1))-lo) > 1e-5 {
				t.Fatalf("row %d pair %d: (%g, %g), want (%g, %g)", i, p/2, ws.H[1].At(i, p), ws.H[1].At(i, p+1), hi, lo)
			}
		}
	}
	y := []int{0, 1, 2, 0, 1, 2, 0}
	const beta, isoLayer = 0.5, 2
	l := iso.NewLoss(x, iso.Groups(nil, y, iso.MaskClass), 1.5)
	dx := gradients(m, ws, x, y, beta, isoLayer, l)
	fdAt := func(v []float32, i int, h float32) float64 {
		orig := v[i]
		v[i] = orig + h
		fp := objective(m, ws, x, y, beta, isoLayer, l)
		v[i] = orig - h
		fm := objective(m, ws, x, y, beta, isoLayer, l)
		v[i] = orig
		return (fp - fm) / float64(2*h)
	}
	checked := 0
	check := func(name string, v, g []float32, i int) {
		t.Helper()
		fd := fdAt(v, i, 1e-3)
		if math.Abs(fd-fdAt(v, i, 3e-4)) > 1e-4+1e-2*math.Abs(fd) {
			return // a pair changes order within the step: no derivative to compare
		}
		checked++
		if math.Abs(fd-float64(g[i])) > 2e-4+2e-2*math.Abs(fd) {
			t.Errorf("maxmin %s[%d]: backprop %g, finite difference %g", name, i, g[i], fd)
		}
	}
	for _, p := range m.Params() {
		for i := range p.Data {
			check(p.Name, p.Data, p.Grad, i)
		}
	}
	for i := range x.Data {
		check("x", x.Data, dx.Data, i)
	}
	if total := len(x.Data) + 6*5 + 6 + 8*6 + 8 + 3*8 + 3; checked < total*9/10 {
		t.Errorf("only %d of %d derivatives compared", checked, total)
	}
}
