package iso

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// bruteLoss is the definition of SPEC §1 written over all N² entries with
// the mask G, independent of the per-block implementation.
func bruteLoss(x, phi *tensor.Mat, labels []int, mask Mask, k float64) float64 {
	n := x.Rows
	dist := func(m *tensor.Mat, i, j int) float64 {
		var s float64
		for c := 0; c < m.Cols; c++ {
			d := float64(m.At(i, c)) - float64(m.At(j, c))
			s += d * d
		}
		return math.Sqrt(s)
	}
	var s float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g := 0.0
			switch mask {
			case MaskGlobal:
				g = 1
			case MaskClass:
				if labels[i] == labels[j] {
					g = 1
				}
			}
			r := g*k*dist(phi, i, j) - g*dist(x, i, j)
			s += r * r
		}
	}
	return s / float64(n*n)
}

func randMat(rng *rand.Rand, r, c int) *tensor.Mat {
	m := tensor.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

func TestLossMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randMat(rng, 9, 5)
	phi := randMat(rng, 9, 3)
	labels := []int{0, 1, 0, 2, 1, 0, 3, 1, 0} // class 2 and 3 have one member
	for _, mask := range []Mask{MaskClass, MaskGlobal, MaskNone} {
		for _, k := range []float64{1, 10} {
			l := NewLoss(x, Groups(nil, labels, mask), k)
			got := l.Eval(nil, phi, 1)
			want := bruteLoss(x, phi, labels, mask, k)
			if math.Abs(got-want) > 1e-9*math.Max(1, want) {
				t.Errorf("mask %s K %g: loss %.12g, definition gives %.12g", mask, k, got, want)
			}
		}
	}
}

// TestGradientFiniteDifference checks ∂L/∂φ against central differences,
// including a pair at zero distance and single-member classes.
func TestGradientFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randMat(rng, 8, 4)
	phi := randMat(rng, 8, 3)
	copy(phi.Row(5), phi.Row(0)) // φ_0 = φ_5, same class: zero distance
	labels := []int{0, 1, 0, 1, 2, 0, 1, 3}
	for _, mask := range []Mask{MaskClass, MaskGlobal, MaskNone} {
		for _, k := range []float64{1, 2.5} {
			l := NewLoss(x, Groups(nil, labels, mask), k)
			const scale = 0.7
			grad := tensor.New(phi.Rows, phi.Cols)
			l.Eval(grad, phi, scale)
			for i := range phi.Data {
				if i/phi.Cols == 0 || i/phi.Cols == 5 {
					continue // checked separately below: not differentiable there
				}
				orig := phi.Data[i]
				const h = 1e-3
				phi.Data[i] = orig + h
				hp := float64(phi.Data[i])
				fp := l.Eval(nil, phi, 1)
				phi.Data[i] = orig - h
				hm := float64(phi.Data[i])
				fm := l.Eval(nil, phi, 1)
				phi.Data[i] = orig
				fd := scale * (fp - fm) / (hp - hm)
				if math.Abs(fd-float64(grad.Data[i])) > 1e-4+1e-3*math.Abs(fd) {
					t.Errorf("mask %s K %g: ∂L/∂φ[%d] = %g, finite difference %g", mask, k, i, grad.Data[i], fd)
				}
			}
		}
	}
}

// TestZeroDistanceConvention: for two coincident same-class points the
// convention (φ_i − φ_j)/d = 0 at d = 0 applies, so their pair contributes
// nothing; their gradient equals the gradient with that pair removed.
func TestZeroDistanceConvention(t *testing.T) {
	x := tensor.FromSlice(3, 1, []float32{0, 1, 3})
	phi := tensor.FromSlice(3, 1, []float32{2, 2, 5})
	labels := []int{0, 0, 0}
	l := NewLoss(x, Groups(nil, labels, MaskClass), 1)
	g := tensor.New(3, 1)
	loss := l.Eval(g, phi, 1)
	// pairs: (0,1): d=0, din=1, r=-1; (0,2): d=3, din=3, r=0; (1,2): d=3, din=2, r=1.
	if want := 2.0 * (1 + 0 + 1) / 9; math.Abs(loss-want) > 1e-12 {
		t.Fatalf("loss %g, want %g", loss, want)
	}
	// ∂/∂φ_a = 4/9 Σ_j r_aj sign(φ_a − φ_j): φ_0: r02=0 → 0; φ_1: r12=1, sign(2−5)=−1 → −4/9;
	// φ_2: r21=1, sign(5−2)=+1 → 4/9.
	want := []float64{0, -4.0 / 9, 4.0 / 9}
	for i, w := range want {
		if math.Abs(float64(g.Data[i])-w) > 1e-6 {
			t.Errorf("grad[%d] = %g, want %g", i, g.Data[i], w)
		}
	}
}

func TestGroups(t *testing.T) {
	labels := []int{2, 0, 2, 3, 0}
	g := Groups(nil, labels, MaskClass)
	want := [][]int{{1, 4}, {0, 2}, {3}}
	if len(g) != len(want) {
		t.Fatalf("groups %v, want %v", g, want)
	}
	for i := range want {
		for j := range want[i] {
			if g[i][j] != want[i][j] {
				t.Fatalf("groups %v, want %v", g, want)
			}
		}
	}
	if g := Groups(nil, labels, MaskGlobal); len(g) != 1 || len(g[0]) != 5 {
		t.Errorf("global groups %v", g)
	}
	if g := Groups(nil, labels, MaskNone); len(g) != 0 {
		t.Errorf("none groups %v", g)
	}
	if _, err := ParseMask("partial"); err == nil {
		t.Error("ParseMask accepted an unknown mask")
	}
}

// TestAgreementRotation: an exact isometry (a rotation) gives r = 1,
// |ΔD| = 0 and stress 0; a scaling by 2 keeps r = 1 but not |ΔD|.
func TestAgreementRotation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randMat(rng, 30, 2)
	th := 0.7
	rot := tensor.New(30, 2)
	scaled := tensor.New(30, 2)
	for i := 0; i < 30; i++ {
		a, b := float64(x.At(i, 0)), float64(x.At(i, 1))
		rot.Set(i, 0, float32(math.Cos(th)*a-math.Sin(th)*b))
		rot.Set(i, 1, float32(math.Sin(th)*a+math.Cos(th)*b))
		scaled.Set(i, 0, float32(2*a))
		scaled.Set(i, 1, float32(2*b))
	}
	labels := make([]int, 30)
	for i := range labels {
		labels[i] = i % 3
	}
	per, all := WithinClass(x, rot, labels, 1, 0, 0)
	if len(per) != 3 || all.Pairs != 3*45 {
		t.Fatalf("got %d classes, %d pairs", len(per), all.Pairs)
	}
	if math.Abs(all.Pearson-1) > 1e-6 || all.MeanAbsDiff > 1e-5 || all.Stress > 1e-5 {
		t.Errorf("rotation: %+v", all)
	}
	_, sc := WithinClass(x, scaled, labels, 1, 0, 0)
	if math.Abs(sc.Pearson-1) > 1e-6 || math.Abs(sc.Stress-1) > 1e-5 {
		t.Errorf("scaling by 2: r %g stress %g, want 1 and 1", sc.Pearson, sc.Stress)
	}
	// K = 0.5 undoes the scaling.
	_, k := WithinClass(x, scaled, labels, 0.5, 0, 0)
	if k.MeanAbsDiff > 1e-5 {
		t.Errorf("K=0.5 on a 2× scaling: mean |ΔD| %g", k.MeanAbsDiff)
	}
	if p := Pearson([]float64{1, 2, 3}, []float64{3, 2, 1}); math.Abs(p+1) > 1e-12 {
		t.Errorf("Pearson of reversed = %g", p)
	}
}

// TestGEMMPathMatchesPairs compares the matrix-product formulation used for
// large blocks with the pair-by-pair one and with the definition, on blocks
// with near and coincident points and an offset far from the origin.
func TestGEMMPathMatchesPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	n := 150
	x := randMat(rng, n, 6)
	phi := randMat(rng, n, 20)
	for i := range phi.Data {
		phi.Data[i] = 0.3*phi.Data[i] + 3 // far from the origin: the Gram formula would cancel
	}
	copy(phi.Row(7), phi.Row(3))
	for k, v := range phi.Row(3) {
		phi.Row(11)[k] = v + 1e-4
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 2
	}
	labels[7], labels[11] = labels[3], labels[3]
	l := NewLoss(x, Groups(nil, labels, MaskClass), 1.3)
	if len(l.Groups[0]) < gemmMin {
		t.Fatal("blocks too small to take the GEMM path")
	}
	gotG := tensor.New(n, 20)
	got := l.Eval(gotG, phi, 1)
	wantG := tensor.New(n, 20)
	var want float64
	inv := 1 / float64(n*n)
	for g, idx := range l.Groups {
		want += l.evalPairs(wantG, phi, idx, l.DIn[g], 4*1.3*inv)
	}
	want *= inv
	if def := bruteLoss(x, phi, labels, MaskClass, 1.3); math.Abs(def-want) > 1e-9*def || math.Abs(got-want) > 1e-6*want {
		t.Fatalf("loss: GEMM %.10g, pairs %.10g, definition %.10g", got, want, def)
	}
	var maxG float64
	for _, v := range wantG.Data {
		maxG = math.Max(maxG, math.Abs(float64(v)))
	}
	for i := range gotG.Data {
		if math.Abs(float64(gotG.Data[i]-wantG.Data[i])) > 1e-4*maxG {
			t.Fatalf("gradient[%d]: GEMM %g, pairs %g (max |g| %g)", i, gotG.Data[i], wantG.Data[i], maxG)
		}
	}
}
