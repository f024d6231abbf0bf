package embed

import (
	"math"
	"testing"
)

// csrOp is the matrix D^(−½)·W·D^(−½) of g, as an operator, with its
// trivial eigenvector.
func csrOp(g *csr) (op func(dst, src []float64), u0 []float64) {
	deg := make([]float64, g.n)
	for i := 0; i < g.n; i++ {
		for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
			deg[i] += g.val[p]
		}
	}
	var s float64
	u0 = make([]float64, g.n)
	for i := range u0 {
		u0[i] = math.Sqrt(deg[i])
		s += deg[i]
	}
	for i := range u0 {
		u0[i] /= math.Sqrt(s)
	}
	op = func(dst, src []float64) {
		for i := 0; i < g.n; i++ {
			var v float64
			for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
				v += g.val[p] / math.Sqrt(deg[i]*deg[g.col[p]]) * src[g.col[p]]
			}
			dst[i] = v
		}
	}
	return op, u0
}

// circulant links each of n points on a ring to its r nearest on each side.
// The eigenvectors of its normalised adjacency are the Fourier modes, with
// eigenvalues (1/r)·Σ_{s=1..r} cos(2πjs/n).
func circulant(n, r int) *csr {
	g := &csr{n: n, ptr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		var cols []int32
		for s := -r; s <= r; s++ {
			if s != 0 {
				cols = append(cols, int32((i+s+n)%n))
			}
		}
		for a := range cols { // sorted columns
			for b := a + 1; b < len(cols); b++ {
				if cols[b] < cols[a] {
					cols[a], cols[b] = cols[b], cols[a]
				}
			}
		}
		for _, c := range cols {
			g.col = append(g.col, c)
			g.val = append(g.val, 1)
		}
		g.ptr[i+1] = len(g.col)
	}
	return g
}

func TestLanczosCirculant(t *testing.T) {
	const n, r = 900, 20
	g := circulant(n, r)
	op, u0 := csrOp(g)
	lambda := func(j int) float64 {
		var s float64
		for q := 1; q <= r; q++ {
			s += math.Cos(2 * math.Pi * float64(j*q) / n)
		}
		return s / r
	}
	// Wanted: the j = 1 pair (cos and sin modes), then the j = 2 pair.
	for _, tc := range []struct {
		nev  int
		want []float64
	}{{2, []float64{lambda(1), lambda(1)}}, {3, []float64{lambda(1), lambda(1), lambda(2)}}} {
		vecs, ok := lanczosTop(op, n, tc.nev, u0, newRand(1, 1))
		if !ok {
			t.Fatalf("nev = %d: no convergence", tc.nev)
		}
		checkEigen(t, op, u0, vecs, tc.want)
	}
}

// checkEigen checks that vecs are orthonormal, orthogonal to u0, and
// eigenvectors of op with the given eigenvalues.
func checkEigen(t *testing.T, op func(dst, src []float64), u0 []float64, vecs [][]float64, want []float64) {
	t.Helper()
	n := len(u0)
	av := make([]float64, n)
	for a, v := range vecs {
		for b, w := range append(vecs[:a+1:a+1], u0) {
			var d float64
			for i := range v {
				d += v[i] * w[i]
			}
			target := 0.0
			if b == a {
				target = 1
			}
			if math.Abs(d-target) > 1e-9 {
				t.Errorf("vector %d · vector %d = %g, want %g", a, b, d, target)
			}
		}
		op(av, v)
		var res float64
		for i := range v {
			res += (av[i] - want[a]*v[i]) * (av[i] - want[a]*v[i])
		}
		if math.Sqrt(res) > 1e-5 {
			t.Errorf("vector %d: ‖Av − λv‖ = %.3g for λ = %.6f", a, math.Sqrt(res), want[a])
		}
	}
}

func TestLanczosMatchesDense(t *testing.T) {
	// A connected neighbour graph of 400 points.
	x, _ := blobs(4, 100, 10, 0.8, 21)
	idx, dist := KNN(x, 9, 1, 2)
	sigma, rho := smoothKNN(dist, 10, 2)
	g := fuzzyGraph(idx, dist, sigma, rho)
	if c := g.components(); c != 1 {
		t.Fatalf("graph has %d components", c)
	}
	op, u0 := csrOp(g)
	nval := make([]float64, len(g.val))
	deg := make([]float64, g.n)
	for i := 0; i < g.n; i++ {
		for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
			deg[i] += g.val[p]
		}
	}
	for i := 0; i < g.n; i++ {
		for p := g.ptr[i]; p < g.ptr[i+1]; p++ {
			nval[p] = g.val[p] / math.Sqrt(deg[i]*deg[g.col[p]])
		}
	}
	dense := denseTopEigen(g, nval, u0, 3)
	lanczos, ok := lanczosTop(op, g.n, 3, u0, newRand(2, 2))
	if !ok {
		t.Fatal("no convergence")
	}
	rayleigh := func(v []float64) float64 {
		av := make([]float64, len(v))
		op(av, v)
		var s float64
		for i := range v {
			s += v[i] * av[i]
		}
		return s
	}
	want := make([]float64, 3)
	for c := range want {
		want[c] = rayleigh(dense[c])
		if got := rayleigh(lanczos[c]); math.Abs(got-want[c]) > 1e-9 {
			t.Errorf("eigenvalue %d: Lanczos %.10f, dense %.10f", c, got, want[c])
		}
		var cos float64
		for i := range dense[c] {
			cos += dense[c][i] * lanczos[c][i]
		}
		if math.Abs(math.Abs(cos)-1) > 1e-6 {
			t.Errorf("eigenvector %d: |cos| = %.9f between Lanczos and dense", c, math.Abs(cos))
		}
	}
	if !(want[0] < 1-1e-6 && want[0] >= want[1] && want[1] >= want[2]) {
		t.Errorf("eigenvalues %v: want below 1, descending", want)
	}
	checkEigen(t, op, u0, dense, want)
	checkEigen(t, op, u0, lanczos, want)
}
