package certify

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/nn"
)

// refCROWN is a plain CROWN for one example under L∞, written
// independently of the batched, float32-product implementation: float64
// loops row by row, the same lines (relaxFor), hidden bounds by CROWN
// intersected with IBP, margins the larger of CROWN's and IBP's.
func refCROWN(net *Network, x0 []float64, eps float64, y int) []float64 {
	L := len(net.Layers)
	lo, hi := make([]float64, len(x0)), make([]float64, len(x0))
	for i, v := range x0 {
		lo[i], hi[i] = max(v-eps, 0), min(v+eps, 1)
	}
	conc := func(a []float64) float64 {
		var s float64
		for i, v := range a {
			s += min(v*lo[i], v*hi[i])
		}
		return s
	}
	l := make([][]float64, L)
	u := make([][]float64, L)
	rel := make([][]relax, L)
	// lower bounds Λ·σ(z_k) + c, Λ one row, down to the input.
	var back func(k int, a []float64, c float64) float64
	back = func(k int, a []float64, c float64) float64 {
		for j := k; j >= 0; j-- {
			ly := net.Layers[j]
			z := make([]float64, ly.Out)
			for i, v := range a {
				r := rel[j][i]
				if v >= 0 {
					z[i], c = v*r.lower.a, c+v*r.lower.c
				} else {
					z[i], c = v*r.upper.a, c+v*r.upper.c
				}
				c += z[i] * ly.B[i]
			}
			a = make([]float64, ly.In)
			for o, v := range z {
				for i := range a {
					a[i] += v * ly.W[o*ly.In+i]
				}
			}
		}
		return c + conc(a)
	}
	for k := 0; k < L-1; k++ {
		ly := net.Layers[k]
		l[k], u[k] = make([]float64, ly.Out), make([]float64, ly.Out)
		for o := range ly.Out {
			w := ly.W[o*ly.In : (o+1)*ly.In]
			neg := make([]float64, len(w))
			for i, v := range w {
				neg[i] = -v
			}
			if k == 0 {
				l[k][o], u[k][o] = ly.B[o]+conc(w), -(-ly.B[o] + conc(neg))
				continue
			}
			l[k][o], u[k][o] = back(k-1, w, ly.B[o]), -back(k-1, neg, -ly.B[o])
			// IBP from the layer below.
			pa := net.Layers[k-1].Act
			il, iu := ly.B[o], ly.B[o]
			for i, v := range w {
				hl, hu := act(pa, l[k-1][i]), act(pa, u[k-1][i])
				il += min(v*hl, v*hu)
				iu += max(v*hl, v*hu)
			}
			l[k][o], u[k][o] = max(l[k][o], il), min(u[k][o], iu)
		}
		rel[k] = make([]relax, ly.Out)
		for o := range ly.Out {
			rel[k][o] = relaxFor(ly.Act, l[k][o], u[k][o])
		}
	}
	last := net.Layers[L-1]
	K, n := last.Out, last.In
	out := make([]float64, K)
	pa := net.Layers[L-2].Act
	for j := range K {
		if j == y {
			out[j] = posInf
			continue
		}
		a := make([]float64, n)
		ibp := last.B[y] - last.B[j]
		for i := range a {
			a[i] = last.W[y*n+i] - last.W[j*n+i]
			hl, hu := act(pa, l[L-2][i]), act(pa, u[L-2][i])
			ibp += min(a[i]*hl, a[i]*hu)
		}
		out[j] = max(back(L-2, a, last.B[y]-last.B[j]), ibp)
	}
	return out
}

// TestCROWNMatchesReference: the batched CROWN, with its float32 products
// and their rounding charged, is never above refCROWN by more than float64
// rounding (the charges only lower it) and below it by at most 5e-5·(1 +
// |bound|) on random tanh and ReLU networks: what the charges cost (up to
// 2e-5 here; γ_n·|a|·|W|·ρ with ρ the half-width of each layer's input
// range).
func TestCROWNMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, c := range []struct {
		sizes []int
		act   nn.Activation
	}{
		{[]int{20, 16, 16, 16, 5}, nn.Tanh},
		{[]int{30, 20, 20, 4}, nn.ReLU},
		{[]int{784, 30, 30, 10}, nn.Tanh},
	} {
		mlp := randomMLP(t, c.sizes, c.act, 1.5, rng)
		net, _ := FromMLP(mlp)
		x, y := randomInputs(mlp, 5, rng)
		K := net.NumClasses()
		for _, eps := range []float64{0.01, 0.05} {
			got := make([]float64, x.Rows*K)
			if err := Bounds(got, net, x, y, Config{Method: MethodCROWN, Eps: eps, BatchSize: 2}); err != nil {
				t.Fatal(err)
			}
			for e := range x.Rows {
				x0 := make([]float64, x.Cols)
				for i, v := range x.Row(e) {
					x0[i] = float64(v)
				}
				want := refCROWN(net, x0, eps, y[e])
				for j, w := range want {
					g := got[e*K+j]
					if j == y[e] {
						continue
					}
					if g < w-5e-5*(1+math.Abs(w)) || g > w+1e-9*(1+math.Abs(w)) {
						t.Errorf("%v %s ε=%g example %d margin %d: %.12g, reference %.12g", c.sizes, c.act, eps, e, j, g, w)
					}
				}
			}
		}
	}
}
