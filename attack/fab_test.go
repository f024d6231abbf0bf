package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// solveCappedRef solves Σ a_j min(τ, u_j) = c by sorting the u_j and
// scanning the segments.
func solveCappedRef(u, a []float64, c float64) float64 {
	idx := make([]int, len(u))
	for j := range idx {
		idx[j] = j
	}
	slices.SortFunc(idx, func(p, q int) int {
		switch {
		case u[p] < u[q]:
			return -1
		case u[p] > u[q]:
			return 1
		}
		return 0
	})
	var sat, free float64
	for _, j := range idx {
		free += a[j]
	}
	prev := 0.0
	for _, j := range idx {
		// On [prev, u_j] the sum is sat + τ·free.
		if sat+u[j]*free >= c {
			return max((c-sat)/free, prev)
		}
		sat += a[j] * u[j]
		free -= a[j]
		prev = u[j]
	}
	return math.Inf(1)
}

func TestSolveCapped(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pr := &projector{}
	for trial := 0; trial < 2000; trial++ {
		n := 1 + rng.IntN(400)
		u, a := make([]float64, n), make([]float64, n)
		var total float64
		for j := range u {
			switch rng.IntN(3) { // ties and zeros, as images have
			case 0:
				u[j] = 0
			case 1:
				u[j] = 1
			default:
				u[j] = rng.Float64()
			}
			a[j] = 0.01 + rng.Float64()
			total += a[j] * u[j]
		}
		c := total * (rng.Float64()*1.2 + 1e-3)
		if c == 0 {
			continue // the solvers need c > 0
		}
		want := solveCappedRef(u, a, c)
		got := solveCapped(slices.Clone(u), slices.Clone(a), c)
		if math.IsInf(want, 1) != math.IsInf(got, 1) || !math.IsInf(want, 1) && math.Abs(got-want) > 1e-12*(1+want) {
			t.Fatalf("trial %d: τ = %g, by sorting %g (u %v, a %v, c %g)", trial, got, want, u, a, c)
		}
		if got := pr.solveBucketed(u, a, c); math.IsInf(want, 1) != math.IsInf(got, 1) || !math.IsInf(want, 1) && math.Abs(got-want) > 1e-12*(1+want) {
			t.Fatalf("trial %d: bucketed τ = %g, by sorting %g (u %v, a %v, c %g)", trial, got, want, u, a, c)
		}
		var pu, pa []float64 // solve takes the positive u_j only
		for j := range u {
			if u[j] > 0 {
				pu, pa = append(pu, u[j]), append(pa, a[j])
			}
		}
		if got := pr.solve(pu, pa, c); math.IsInf(want, 1) != math.IsInf(got, 1) || !math.IsInf(want, 1) && math.Abs(got-want) > 1e-12*(1+want) {
			t.Fatalf("trial %d: Newton τ = %g, by sorting %g (u %v, a %v, c %g)", trial, got, want, u, a, c)
		}
	}
}

// linear3 is the linear classifier on [0,1]³ with logits z₀ = 0,
// z₁ = x₁ + x₃ − 1.7 and z₂ = x₂ − 0.9, and x⁰ = (0.5, 0.5, 0.9) of class 0.
// Reaching class 1 needs δ₁ + δ₃ ≥ 0.3 with δ₃ ≤ 0.1 (the box): the
// smallest L∞ perturbation is 0.2 (δ = (0.2, ·, 0.1)), the smallest L2 one
// (0.2, 0, 0.1) of norm √0.05 (without the box it would be (0.15, 0, 0.15),
// outside it). Class 2 needs δ₂ ≥ 0.4: farther in both norms.
func linear3() (*linearModel, *tensor.Mat, []int) {
	w := tensor.FromSlice(3, 3, []float32{0, 0, 0, 1, 0, 1, 0, 1, 0})
	return &linearModel{W: w, B: []float32{0, -1.7, -0.9}}, tensor.FromSlice(1, 3, []float32{0.5, 0.5, 0.9}), []int{0}
}

func TestFABLinearClosedForm(t *testing.T) {
	m, x, y := linear3()
	for _, c := range []struct {
		norm string
		want float64
	}{{NormInf, 0.2}, {NormL2, math.Sqrt(0.05)}} {
		for _, targeted := range []bool{false, true} {
			var dst tensor.Mat
			norms := make([]float64, 1)
			cfg := Config{Norm: c.norm, Steps: 100, Seed: 1}
			var err error
			if targeted {
				err = FABT(&dst, norms, m, x, y, cfg)
			} else {
				err = FAB(&dst, norms, m, x, y, cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := predict(m, &dst)[0]; got != 1 {
				t.Fatalf("%s targeted=%v: FAB's point %v is class %d, want 1", c.norm, targeted, dst.Row(0), got)
			}
			got := rowDist(dst.Row(0), x.Row(0), c.norm)
			if math.Abs(norms[0]-got) > 1e-12 {
				t.Errorf("reported norm %g, the point's %g", norms[0], got)
			}
			// Never below the minimum (up to float32 rounding), and at most at
			// FAB's fixed point for a linear margin: from an adversarial at
			// distance t it backtracks to βt and extrapolates η times the
			// remaining gap, so t = βt + η(t* − βt), t = η·t*/(1 + β(η − 1))
			// (0.48 % above t*; the α-bias towards x⁰ only lowers it).
			bound := c.want * fabEta / (1 + fabBeta*(fabEta-1)) * (1 + 1e-3)
			if got < c.want-1e-6 || got > bound {
				t.Errorf("%s targeted=%v: FAB's perturbation has norm %.7f, the minimal one %.7f (bound %.7f)", c.norm, targeted, got, c.want, bound)
			}
			if c.norm == NormL2 {
				checkRow(t, "FAB L2 point", dst.Row(0), []float64{0.7, 0.5, 1}, 2e-3)
			} else if d3 := float64(dst.At(0, 2)); d3 < 1-1e-6 {
				t.Errorf("L∞: x₃ = %g, the minimal perturbation fills the box (1)", d3)
			}
		}
	}
	// Within a budget ε below the minimum nothing is found; above it, the
	// row stops at its first adversarial, inside ε.
	for _, eps := range []float64{0.19, 0.25} {
		var dst tensor.Mat
		norms := make([]float64, 1)
		if err := FAB(&dst, norms, m, x, y, Config{Norm: NormInf, Eps: eps, Steps: 100, Restarts: 3, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		if found := norms[0] <= eps; found != (eps > 0.2) {
			t.Errorf("ε = %g: best norm %g", eps, norms[0])
		}
	}
}

// TestProjectOptimal compares the projection with random feasible points of
// the hyperplane in the box: none may be closer.
func TestProjectOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pr := &projector{}
	for trial := 0; trial < 300; trial++ {
		n := 2 + rng.IntN(6)
		p, w := make([]float32, n), make([]float32, n)
		for j := range p {
			p[j] = rng.Float32()
			w[j] = float32(rng.NormFloat64())
		}
		var lo, hi float64 // the reachable range of ⟨w, d⟩ in the box
		for j := range w {
			a, b := float64(w[j])*(0-float64(p[j])), float64(w[j])*(1-float64(p[j]))
			lo, hi = lo+min(a, b), hi+max(a, b)
		}
		c := lo + (hi-lo)*rng.Float64()
		for _, norm := range []string{NormInf, NormL2} {
			d := make([]float64, n)
			if got := pr.project(d, p, w, c, 0, 1, norm); math.Abs(got-vecNorm(d, norm)) > 1e-12 {
				t.Fatalf("project returns norm %g, its d has %g", got, vecNorm(d, norm))
			}
			var wd float64
			for j := range d {
				wd += float64(w[j]) * d[j]
				if v := float64(p[j]) + d[j]; v < -1e-12 || v > 1+1e-12 {
					t.Fatalf("projection leaves the box: %g", v)
				}
			}
			if math.Abs(wd-c) > 1e-9 {
				t.Fatalf("⟨w, d⟩ = %g, want %g", wd, c)
			}
			best := vecNorm(d, norm)
			// Random feasible points: a random d in the box, moved onto the
			// hyperplane along a coordinate that keeps it in the box.
			for k := 0; k < 200; k++ {
				e := make([]float64, n)
				for j := range e {
					e[j] = (rng.Float64() - float64(p[j])) * rng.Float64()
				}
				j := rng.IntN(n)
				var we float64
				for i := range e {
					if i != j {
						we += float64(w[i]) * e[i]
					}
				}
				e[j] = (c - we) / float64(w[j])
				if v := float64(p[j]) + e[j]; v < 0 || v > 1 {
					continue
				}
				if v := vecNorm(e, norm); v < best-1e-9 {
					t.Fatalf("%s: feasible point of norm %g beats the projection's %g", norm, v, best)
				}
			}
		}
	}
}

// TestFABFusedStep compares FAB's fused L∞ step (projector.stepInf) with
// the two projections and the update apart: the same points, bit for bit.
func TestFABFusedStep(t *testing.T) {
	m, x, y := testSet(60)
	for _, targeted := range []bool{false, true} {
		var got, want tensor.Mat
		gn, wn := make([]float64, x.Rows), make([]float64, x.Rows)
		cfg := Config{Eps: 0.1, Steps: 15, Restarts: 2, Seed: 3}
		run := func(dst *tensor.Mat, norms []float64) {
			if targeted {
				FABT(dst, norms, m, x, y, cfg)
			} else {
				FAB(dst, norms, m, x, y, cfg)
			}
		}
		run(&got, gn)
		fabFused = false
		run(&want, wn)
		fabFused = true
		for k := range got.Data {
			if math.Float32bits(got.Data[k]) != math.Float32bits(want.Data[k]) {
				t.Fatalf("targeted=%v: element %d fused %v, apart %v", targeted, k, got.Data[k], want.Data[k])
			}
		}
		if !slices.Equal(gn, wn) {
			t.Errorf("targeted=%v: norms differ", targeted)
		}
	}
}

// TestFABFirstLayer compares FAB through FirstLayerGrader (the gradients'
// pass from first-layer products blended when a point moves back) with FAB
// through LogitsGrad alone: the same minimal perturbations up to float32
// rounding of the blended products.
func TestFABFirstLayer(t *testing.T) {
	m, x, y := testSet(80)
	for _, targeted := range []bool{false, true} {
		cfg := Config{Steps: 30, Seed: 3} // ε = 0: minimise every row
		fast, slow := make([]float64, x.Rows), make([]float64, x.Rows)
		var a, b tensor.Mat
		if targeted {
			FABT(&a, fast, m, x, y, cfg)
			FABT(&b, slow, gradModel{plainModel{m}}, x, y, cfg)
		} else {
			FAB(&a, fast, m, x, y, cfg)
			FAB(&b, slow, gradModel{plainModel{m}}, x, y, cfg)
		}
		found := 0
		for i := range fast {
			if math.IsInf(fast[i], 1) != math.IsInf(slow[i], 1) || !math.IsInf(fast[i], 1) && math.Abs(fast[i]-slow[i]) > 1e-3*slow[i]+1e-6 {
				t.Errorf("targeted=%v row %d: norm %g through the first layer, %g through LogitsGrad", targeted, i, fast[i], slow[i])
			}
			if !math.IsInf(fast[i], 1) {
				found++
			}
		}
		if found < x.Rows/2 {
			t.Errorf("targeted=%v: only %d of %d rows found an adversarial", targeted, found, x.Rows)
		}
	}
}
