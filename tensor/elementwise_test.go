package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// elemISAs lists the instruction sets of the element-wise kernels this CPU
// runs, pure Go first.
func elemISAs() []int {
	var l []int
	for isa := isaGo; isa <= maxElemISA; isa++ {
		l = append(l, isa)
	}
	return l
}

// withISA runs f with the element-wise kernels restricted to isa.
func withISA(isa int, f func()) {
	prev := elemISA
	elemISA = isa
	defer func() { elemISA = prev }()
	f()
}

// ulpDiff returns how many float32 steps separate a and b (same sign assumed).
func ulpDiff(a, b float32) int64 {
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

// tanhInputs returns float32 test points: a fine grid over [-12, 12], random
// values of every magnitude, and the special values.
func tanhInputs() []float32 {
	var xs []float32
	for x := -12.0; x <= 12; x += 1.0 / 4096 {
		xs = append(xs, float32(x))
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for i := 0; i < 200000; i++ {
		// log-uniform magnitudes from 1e-30 to 1e3, both signs
		v := math.Pow(10, -30+33*rng.Float64())
		if rng.IntN(2) == 0 {
			v = -v
		}
		xs = append(xs, float32(v))
	}
	return append(xs, 0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 9.0, 9.1, 9.2, -9.1, 10, 11,
		math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)))
}

// TestTanhAccuracy checks Tanh against math.Tanh: within 1 float32 ulp
// everywhere (so within 6e-8 absolute), and 0, ±Inf, NaN handled.
func TestTanhAccuracy(t *testing.T) {
	var maxAbs float64
	var exact, total int
	for _, x := range tanhInputs() {
		got := Tanh(x)
		want64 := math.Tanh(float64(x))
		want := float32(want64)
		if d := math.Abs(float64(got) - want64); d > maxAbs {
			maxAbs = d
		}
		if ulpDiff(got, want) > 1 {
			t.Fatalf("Tanh(%g) = %g, math.Tanh gives %g (%d ulps apart)", x, got, want, ulpDiff(got, want))
		}
		if math.Signbit(float64(got)) != math.Signbit(want64) {
			t.Fatalf("Tanh(%g) = %g: wrong sign", x, got)
		}
		total++
		if got == want {
			exact++
		}
	}
	if maxAbs > 6e-8 {
		t.Errorf("max |Tanh - math.Tanh| = %.3g, want ≤ 6e-8", maxAbs)
	}
	if float64(exact) < 0.999*float64(total) {
		t.Errorf("only %d of %d values correctly rounded", exact, total)
	}
	if v := Tanh(float32(math.NaN())); !math.IsNaN(float64(v)) {
		t.Errorf("Tanh(NaN) = %v", v)
	}
	t.Logf("max abs error %.3g, %d/%d correctly rounded", maxAbs, exact, total)
}

// TestAddBiasTanh checks the fused layer activation against math.Tanh of y +
// bias, and the assembly version against the pure-Go one, bit for bit, on
// widths that exercise every vector tail.
func TestAddBiasTanh(t *testing.T) {
	xs := tanhInputs()
	rng := rand.New(rand.NewPCG(23, 24))
	for _, cols := range []int{1, 3, 4, 7, 8, 9, 15, 16, 17, 20, 100, 257} {
		rows := (len(xs) / cols) / 16
		if rows < 3 {
			rows = 3
		}
		y := New(rows, cols)
		for i := range y.Data {
			y.Data[i] = xs[rng.IntN(len(xs))]
		}
		bias := make([]float32, cols)
		for j := range bias {
			bias[j] = float32(rng.NormFloat64())
		}
		if cols == 1 {
			bias[0] = 0
		}
		slow := y.Clone()
		withISA(isaGo, func() { AddBiasTanh(slow, bias) })
		for _, isa := range elemISAs() {
			fast := y.Clone()
			withISA(isa, func() { AddBiasTanh(fast, bias) })
			for i := range y.Data {
				z := y.Data[i] + bias[i%cols]
				want := math.Tanh(float64(z))
				g, s := fast.Data[i], slow.Data[i]
				if math.Float32bits(g) != math.Float32bits(s) && !(math.IsNaN(float64(g)) && math.IsNaN(float64(s))) {
					t.Fatalf("cols %d: element %d (z=%g): assembly %g, Go %g", cols, i, z, g, s)
				}
				if math.IsNaN(want) {
					if !math.IsNaN(float64(g)) {
						t.Fatalf("tanh(%g) = %g, want NaN", z, g)
					}
					continue
				}
				if d := math.Abs(float64(g) - want); d > 2e-7 || ulpDiff(g, float32(want)) > 1 {
					t.Fatalf("cols %d: tanh(%g) = %g, want %g", cols, z, g, want)
				}
			}
		}
	}
	// A hand case: tanh(0.5 + 0.5) = tanh(1) = 0.7615941559557649.
	y := FromSlice(1, 2, []float32{0.5, -3})
	AddBiasTanh(y, []float32{0.5, 3})
	if y.Data[0] != float32(0.7615941559557649) || y.Data[1] != 0 {
		t.Fatalf("AddBiasTanh hand case: %v", y.Data)
	}
}

// TestTanhBackward checks dz = dy·(1−y²) by hand, against the pure-Go version
// bit for bit, and in place (dz = dy).
func TestTanhBackward(t *testing.T) {
	dz := New(1, 3)
	TanhBackward(dz, FromSlice(1, 3, []float32{2, -1, 4}), FromSlice(1, 3, []float32{0.5, 0, -1}))
	for i, w := range []float32{1.5, -1, 0} {
		if dz.Data[i] != w {
			t.Fatalf("hand case: dz = %v, want 1.5 -1 0", dz.Data)
		}
	}
	rng := rand.New(rand.NewPCG(25, 26))
	for _, sh := range [][2]int{{1, 1}, {3, 7}, {5, 16}, {7, 33}, {100, 100}} {
		dy, y := randMat(rng, sh[0], sh[1]), randMat(rng, sh[0], sh[1])
		for i := range y.Data {
			y.Data[i] = float32(math.Tanh(float64(y.Data[i])))
		}
		slow := New(sh[0], sh[1])
		withISA(isaGo, func() { TanhBackward(slow, dy, y) })
		for _, isa := range elemISAs() {
			fast := New(sh[0], sh[1])
			inPlace := dy.Clone()
			withISA(isa, func() {
				TanhBackward(fast, dy, y)
				TanhBackward(inPlace, inPlace, y)
			})
			for i := range dy.Data {
				want := float64(dy.Data[i]) * (1 - float64(y.Data[i])*float64(y.Data[i]))
				if fast.Data[i] != slow.Data[i] || inPlace.Data[i] != fast.Data[i] {
					t.Fatalf("%v element %d: ISA %d %v, Go %v, in place %v", sh, i, isa, fast.Data[i], slow.Data[i], inPlace.Data[i])
				}
				if d := math.Abs(float64(fast.Data[i]) - want); d > 4e-7*math.Abs(float64(dy.Data[i])) {
					t.Fatalf("%v element %d: %v, want %v", sh, i, fast.Data[i], want)
				}
			}
		}
	}
}

// TestSumRows checks column sums by hand, against float64 sums, and the
// assembly version against the pure-Go one, bit for bit.
func TestSumRows(t *testing.T) {
	dst := []float32{7, 7}
	SumRows(dst, FromSlice(3, 2, []float32{1, 2, 3, 4, 5, 6}))
	if dst[0] != 9 || dst[1] != 12 {
		t.Fatalf("hand case: %v, want [9 12]", dst)
	}
	SumRows(dst, New(0, 2))
	if dst[0] != 0 || dst[1] != 0 {
		t.Fatalf("no rows: %v, want zeros", dst)
	}
	rng := rand.New(rand.NewPCG(27, 28))
	for _, sh := range [][2]int{{1, 1}, {3, 7}, {5, 8}, {7, 33}, {100, 100}, {1000, 20}, {64, 784}} {
		m := randMat(rng, sh[0], sh[1])
		slow := make([]float32, sh[1])
		withISA(isaGo, func() { SumRows(slow, m) })
		for _, isa := range elemISAs() {
			fast := make([]float32, sh[1])
			withISA(isa, func() { SumRows(fast, m) })
			for j := range fast {
				var want, mag float64
				for i := 0; i < sh[0]; i++ {
					want += float64(m.At(i, j))
					mag += math.Abs(float64(m.At(i, j)))
				}
				if fast[j] != slow[j] {
					t.Fatalf("%v column %d: ISA %d %v, Go %v", sh, j, isa, fast[j], slow[j])
				}
				if d := math.Abs(float64(fast[j]) - want); d > 6e-8*float64(sh[0])*mag {
					t.Fatalf("%v column %d: %v, want %v", sh, j, fast[j], want)
				}
			}
		}
	}
}
