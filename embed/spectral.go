package embed

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// denseSpectralMax is the largest graph whose eigenvectors are found by a
// dense eigendecomposition; larger graphs use thick-restart Lanczos on the
// sparse matrix.
const denseSpectralMax = 500

// spectralLayout returns dims coordinates per point (row-major): the
// eigenvectors of the normalised Laplacian I − D^(−1/2) W D^(−1/2) with the
// smallest eigenvalues after the trivial one, which are the eigenvectors of
// N = D^(−1/2) W D^(−1/2) with the largest eigenvalues below 1. The graph
// must be connected. It reports false when the eigenvectors could not be
// found.
func spectralLayout(g *csr, dims int, rng *rand.Rand, workers int) ([]float64, bool) {
	n := g.n
	if n-1 < dims {
		return nil, false
	}
	deg := make([]float64, n)
	for i := 0; i < n; i++ {
		for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
			deg[i] += g.val[t]
		}
		if deg[i] <= 0 {
			return nil, false
		}
	}
	// nval holds N's entries, aligned with g.col.
	nval := make([]float64, len(g.val))
	for i := 0; i < n; i++ {
		for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
			nval[t] = g.val[t] / math.Sqrt(deg[i]*deg[g.col[t]])
		}
	}
	// u0 = D^(1/2)·1, normalised, is N's eigenvector for eigenvalue 1.
	u0 := make([]float64, n)
	var s float64
	for i := range u0 {
		u0[i] = math.Sqrt(deg[i])
		s += deg[i]
	}
	for i := range u0 {
		u0[i] /= math.Sqrt(s)
	}

	var vecs [][]float64
	if n <= denseSpectralMax {
		vecs = denseTopEigen(g, nval, u0, dims)
	} else {
		op := func(dst, src []float64) {
			parallelFor(n, workers, 1024, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					var v float64
					for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
						v += nval[t] * src[g.col[t]]
					}
					dst[i] = v
				}
			})
		}
		var ok bool
		vecs, ok = lanczosTop(op, n, dims, u0, rng)
		if !ok {
			return nil, false
		}
	}
	out := make([]float64, n*dims)
	for c, v := range vecs {
		// Fix the sign: the largest-magnitude entry is positive.
		big := 0
		for i := range v {
			if math.Abs(v[i]) > math.Abs(v[big]) {
				big = i
			}
		}
		sign := 1.0
		if v[big] < 0 {
			sign = -1
		}
		for i := range v {
			out[i*dims+c] = sign * v[i]
		}
	}
	return out, true
}

// denseTopEigen returns the dims eigenvectors of N orthogonal to u0 with the
// largest eigenvalues, from a dense eigendecomposition of N − 3·u0·u0ᵀ
// (which moves u0's eigenvalue below every other).
func denseTopEigen(g *csr, nval, u0 []float64, dims int) [][]float64 {
	n := g.n
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.SetSym(i, j, -3*u0[i]*u0[j])
		}
		for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
			if j := int(g.col[t]); j >= i {
				a.SetSym(i, j, a.At(i, j)+nval[t])
			}
		}
	}
	var e mat.EigenSym
	if !e.Factorize(a, true) {
		return nil
	}
	var q mat.Dense
	e.VectorsTo(&q)
	vecs := make([][]float64, dims) // eigenvalues come in ascending order
	for c := range vecs {
		vecs[c] = mat.Col(nil, n-1-c, &q)
	}
	return vecs
}

// lanczosTop returns nev orthonormal eigenvectors of the symmetric operator
// op, restricted to the complement of the unit vector u0, with the largest
// eigenvalues. It is Lanczos with full reorthogonalisation and thick restarts
// (Wu & Simon 2000): the basis grows to m vectors, then shrinks to the best
// Ritz vectors and the last residual direction. It stops when every wanted
// Ritz pair has a residual below 10⁻⁶ (op is assumed to have norm about 1)
// and reports false if that does not happen within 300 restarts.
func lanczosTop(op func(dst, src []float64), n, nev int, u0 []float64, rng *rand.Rand) ([][]float64, bool) {
	const tol = 1e-6
	m := min(n-1, max(64, 4*nev+20))
	keep := min(m/2, nev+16)
	dot := func(a, b []float64) float64 {
		var s float64
		for i, v := range a {
			s += v * b[i]
		}
		return s
	}
	axpy := func(y []float64, alpha float64, x []float64) {
		for i, v := range x {
			y[i] += alpha * v
		}
	}
	normalise := func(v []float64) float64 {
		nv := math.Sqrt(dot(v, v))
		if nv > 0 {
			for i := range v {
				v[i] /= nv
			}
		}
		return nv
	}
	randomUnit := func(basis [][]float64) []float64 {
		for {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			axpy(v, -dot(u0, v), u0)
			for _, b := range basis {
				axpy(v, -dot(b, v), b)
			}
			if normalise(v) > 1e-8 {
				return v
			}
		}
	}

	V := [][]float64{randomUnit(nil)}
	h := make([]float64, m*m) // upper triangle of the projected matrix
	locked := 0               // leading columns set by the last restart
	w := make([]float64, n)
	for restart := 0; restart < 300; restart++ {
		var beta float64
		for j := locked; j < m; j++ {
			op(w, V[j])
			axpy(w, -dot(u0, w), u0)
			for pass := 0; pass < 2; pass++ { // Gram–Schmidt, twice
				for i := 0; i <= j; i++ {
					c := dot(V[i], w)
					axpy(w, -c, V[i])
					h[i*m+j] += c
				}
				axpy(w, -dot(u0, w), u0)
			}
			beta = math.Sqrt(dot(w, w))
			var next []float64
			if beta > 1e-10 {
				next = make([]float64, n)
				for i := range w {
					next[i] = w[i] / beta
				}
			} else { // invariant subspace: continue with a fresh direction
				beta = 0
				next = randomUnit(V)
			}
			// The coupling of V[j] and V[j+1], β, is not stored here: the
			// next step's Gram–Schmidt measures it as V[j]·A·V[j+1].
			V = append(V, next)
		}
		// Ritz pairs of the projected matrix.
		t := mat.NewSymDense(m, nil)
		for i := 0; i < m; i++ {
			for j := i; j < m; j++ {
				t.SetSym(i, j, h[i*m+j])
			}
		}
		var e mat.EigenSym
		if !e.Factorize(t, true) {
			return nil, false
		}
		vals := e.Values(nil)
		var s mat.Dense
		e.VectorsTo(&s)
		order := make([]int, m)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
		converged := true
		for _, c := range order[:nev] {
			if math.Abs(beta*s.At(m-1, c)) > tol {
				converged = false
			}
		}
		count := keep
		if converged {
			count = nev
		}
		ritz := make([][]float64, count)
		for r, c := range order[:count] {
			y := make([]float64, n)
			for j := 0; j < m; j++ {
				axpy(y, s.At(j, c), V[j])
			}
			ritz[r] = y
		}
		if converged {
			return ritz, true
		}
		// Thick restart: the kept Ritz vectors, then the residual direction.
		clear(h)
		for r, c := range order[:count] {
			h[r*m+r] = vals[c]
		}
		V = append(ritz, V[m])
		locked = count
	}
	return nil, false
}
