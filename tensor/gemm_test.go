package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randMat(rng *rand.Rand, r, c int) *Mat {
	m := New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

// magnitude returns |alpha|·|op(a)|·|op(b)| + |beta·c|, the scale of the
// rounding errors a float32 GEMM may make in each element.
func magnitude(transA, transB bool, alpha float32, a, b *Mat, beta float32, c *Mat) *Mat {
	absA, absB := a.Clone(), b.Clone()
	for i, v := range absA.Data {
		absA.Data[i] = float32(math.Abs(float64(v)))
	}
	for i, v := range absB.Data {
		absB.Data[i] = float32(math.Abs(float64(v)))
	}
	mag := New(c.Rows, c.Cols)
	GemmRef(transA, transB, float32(math.Abs(float64(alpha))), absA, absB, 0, mag)
	if beta != 0 {
		for i, v := range c.Data {
			mag.Data[i] += float32(math.Abs(float64(beta) * float64(v)))
		}
	}
	return mag
}

// checkGemm fails unless |got-want| ≤ 4·ε·√(k+1)·mag elementwise (ε = 2⁻²⁴, the
// float32 unit roundoff): the random-walk size of k float32 roundings, relative
// to the sum of the terms' magnitudes, with a margin of about 3 over the
// largest ratio these tests meet (1.37).
func checkGemm(t *testing.T, name string, k int, got, want, mag *Mat) {
	t.Helper()
	tol := 4 * 0x1p-24 * math.Sqrt(float64(k+1))
	for i := range want.Data {
		d := math.Abs(float64(got.Data[i]) - float64(want.Data[i]))
		if !(d <= tol*float64(mag.Data[i])) {
			t.Fatalf("%s: element (%d,%d): got %v want %v (|diff| %.3g > %.3g)",
				name, i/want.Cols, i%want.Cols, got.Data[i], want.Data[i], d, tol*float64(mag.Data[i]))
		}
	}
}

type gemmCase struct{ m, n, k int }

var gemmCases = []gemmCase{
	{1, 1, 1}, {1, 1, 7}, {7, 5, 13}, {2, 3, 1}, {13, 17, 5}, {12, 32, 4}, {12, 33, 9},
	{25, 31, 64}, {6, 16, 3}, {5, 47, 17}, {100, 10, 100}, {100, 100, 100},
	{1000, 3, 20}, {1000, 20, 20}, {20, 3, 1000}, {3, 20, 1000}, {37, 530, 600},
}

var gemmBigCases = []gemmCase{
	{100, 100, 784}, {100, 784, 100}, {1000, 100, 784}, {1000, 784, 100}, {100, 784, 1000},
}

func TestGemmPaths(t *testing.T) {
	paths := gemmPaths()
	if len(paths) == 0 || paths[len(paths)-1].name != "go" {
		t.Fatalf("pure-Go path missing from %v", paths)
	}
	cases := gemmCases
	if !testing.Short() {
		cases = append(cases, gemmBigCases...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	scalars := []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-0.5, 2}, {2.5, -1}, {0.75, 0}}
	for _, cs := range cases {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for si, s := range scalars {
					if cs.m*cs.n*cs.k > 1e6 && si != 3 {
						continue // one (alpha, beta) for the big shapes
					}
					ar, ac := cs.m, cs.k
					if ta {
						ar, ac = ac, ar
					}
					br, bc := cs.k, cs.n
					if tb {
						br, bc = bc, br
					}
					a, b := randMat(rng, ar, ac), randMat(rng, br, bc)
					c0 := randMat(rng, cs.m, cs.n)
					if s.beta == 0 {
						for i := range c0.Data {
							if i%3 == 0 {
								c0.Data[i] = float32(math.NaN())
							}
						}
					}
					want := c0.Clone()
					GemmRef(ta, tb, s.alpha, a, b, s.beta, want)
					mag := magnitude(ta, tb, s.alpha, a, b, s.beta, c0)
					for _, p := range paths {
						got := c0.Clone()
						p.fn(ta, tb, cs.m, cs.n, cs.k, s.alpha, a.Data, a.Cols, b.Data, b.Cols, s.beta, got.Data, got.Cols)
						name := fmt.Sprintf("%s %dx%dx%d tA=%v tB=%v alpha=%v beta=%v", p.name, cs.m, cs.n, cs.k, ta, tb, s.alpha, s.beta)
						checkGemm(t, name, cs.k, got, want, mag)
					}
				}
			}
		}
	}
}

// TestGemmSubmatrix checks that tiles never write outside their block: the
// product goes into a view with a row stride larger than its width, whose
// surrounding elements must stay untouched.
func TestGemmSubmatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range gemmPaths() {
		for _, cs := range []gemmCase{{7, 5, 13}, {13, 37, 9}, {30, 50, 20}} {
			a, b := randMat(rng, cs.m, cs.k), randMat(rng, cs.k, cs.n)
			const pad = 5
			ldc := cs.n + pad
			big := randMat(rng, cs.m+1, ldc)
			orig := big.Clone()
			c := big.Data[ldc:] // start one row down
			p.fn(false, false, cs.m, cs.n, cs.k, 1, a.Data, a.Cols, b.Data, b.Cols, 0, c, ldc)
			want := New(cs.m, cs.n)
			GemmRef(false, false, 1, a, b, 0, want)
			for i := 0; i <= cs.m; i++ {
				for j := 0; j < ldc; j++ {
					g := big.At(i, j)
					if i == 0 || j >= cs.n {
						if g != orig.At(i, j) {
							t.Fatalf("%s %v: element (%d,%d) outside the product changed", p.name, cs, i, j)
						}
						continue
					}
					w := want.At(i-1, j)
					if math.Abs(float64(g-w)) > 1e-5*(1+math.Abs(float64(w))) {
						t.Fatalf("%s %v: (%d,%d) got %v want %v", p.name, cs, i-1, j, g, w)
					}
				}
			}
		}
	}
}

// TestGemmHandComputed checks the public Gemm on a case worked out by hand.
func TestGemmHandComputed(t *testing.T) {
	a := FromSlice(2, 3, []float32{1, 2, 3, 4, 5, 6})
	b := FromSlice(3, 2, []float32{7, 8, 9, 10, 11, 12})
	c := FromSlice(2, 2, []float32{1, 1, 1, 1})
	Gemm(false, false, 1, a, b, 2, c)
	want := []float32{58 + 2, 64 + 2, 139 + 2, 154 + 2}
	for i, w := range want {
		if c.Data[i] != w {
			t.Fatalf("c = %v, want %v", c.Data, want)
		}
	}
	// aᵀ·aᵀᵀ... (a as 3×2 transposed) times bᵀ: (aᵀ)ᵀ = a, so Gemm(true, true) with
	// a' = aᵀ stored 3×2 and b' = bᵀ stored 2×3 gives a·b again.
	at := FromSlice(3, 2, []float32{1, 4, 2, 5, 3, 6})
	bt := FromSlice(2, 3, []float32{7, 9, 11, 8, 10, 12})
	Gemm(true, true, 0.5, at, bt, 0, c)
	for i, w := range []float32{29, 32, 69.5, 77} {
		if c.Data[i] != w {
			t.Fatalf("transposed: c = %v, want 29 32 69.5 77", c.Data)
		}
	}
	// k = 0 and alpha = 0 scale dst by beta.
	Gemm(false, false, 0, a, b, 0.5, c)
	if c.Data[0] != 14.5 {
		t.Fatalf("alpha=0: c = %v", c.Data)
	}
}

// TestGemmBitIdenticalAcrossTilings checks that a block of rows computed on its
// own equals the same rows of the full product, bit for bit: what makes a split
// over goroutines deterministic.
func TestGemmBitIdenticalAcrossTilings(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, p := range gemmPaths() {
		m, n, k := 50, 70, 600
		a, b := randMat(rng, m, k), randMat(rng, n, k)
		full := New(m, n)
		p.fn(false, true, m, n, k, 1, a.Data, k, b.Data, k, 0, full.Data, n)
		part := New(m, n)
		// rows 0..23 and 24..49, columns 0..31 and 32..69
		for _, r := range [][2]int{{0, 24}, {24, 50}} {
			for _, cc := range [][2]int{{0, 32}, {32, 70}} {
				p.fn(false, true, r[1]-r[0], cc[1]-cc[0], k, 1, a.Data[r[0]*k:], k, b.Data[cc[0]*k:], k, 0, part.Data[r[0]*n+cc[0]:], n)
			}
		}
		for i := range full.Data {
			if full.Data[i] != part.Data[i] {
				t.Fatalf("%s: element %d differs: %v vs %v", p.name, i, full.Data[i], part.Data[i])
			}
		}
	}
}

// TestGemmThreadsBitIdentical checks that Gemm gives the same bits with one
// and with several goroutines, on shapes split by columns and by rows.
func TestGemmThreadsBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	defer SetThreads(SetThreads(1))
	for _, cs := range []gemmCase{{100, 100, 784}, {1000, 20, 100}, {333, 257, 101}} {
		for _, tr := range [][2]bool{{false, true}, {true, false}, {false, false}, {true, true}} {
			ar, ac := cs.m, cs.k
			if tr[0] {
				ar, ac = ac, ar
			}
			br, bc := cs.k, cs.n
			if tr[1] {
				br, bc = bc, br
			}
			a, b := randMat(rng, ar, ac), randMat(rng, br, bc)
			c0 := randMat(rng, cs.m, cs.n)
			var ref *Mat
			for _, nt := range []int{1, 2, 3, 7} {
				SetThreads(nt)
				if Threads() != nt {
					t.Fatalf("Threads() = %d after SetThreads(%d)", Threads(), nt)
				}
				c := c0.Clone()
				Gemm(tr[0], tr[1], 1.5, a, b, 0.5, c)
				if ref == nil {
					ref = c
					want := c0.Clone()
					GemmRef(tr[0], tr[1], 1.5, a, b, 0.5, want)
					checkGemm(t, fmt.Sprintf("Gemm %v %v", cs, tr), cs.k, c, want, magnitude(tr[0], tr[1], 1.5, a, b, 0.5, c0))
					continue
				}
				for i := range c.Data {
					if c.Data[i] != ref.Data[i] {
						t.Fatalf("%v %v: %d threads: element %d = %v, 1 thread gave %v", cs, tr, nt, i, c.Data[i], ref.Data[i])
					}
				}
			}
		}
	}
}

// TestGemmNoAllocs checks that Gemm allocates nothing once warm, on one
// goroutine and split over several.
func TestGemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	a, b, c := randMat(rng, 100, 784), randMat(rng, 100, 784), New(100, 100)
	defer SetThreads(SetThreads(1))
	for _, nt := range []int{1, 2} {
		SetThreads(nt)
		Gemm(false, true, 1, a, b, 0, c)
		if n := testing.AllocsPerRun(20, func() { Gemm(false, true, 1, a, b, 0, c) }); n != 0 {
			t.Errorf("%d threads: %v allocations per Gemm", nt, n)
		}
	}
	y, bias, sums := randMat(rng, 100, 100), make([]float32, 100), make([]float32, 100)
	if n := testing.AllocsPerRun(20, func() {
		AddBiasTanh(y, bias)
		TanhBackward(y, y, y)
		SumRows(sums, y)
	}); n != 0 {
		t.Errorf("%v allocations per element-wise pass", n)
	}
}
