package iso

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// evalGEMMRef is evalGEMM as it was before the pair kernels (one scalar
// loop over the pairs, row sums along rows): the new path must give the
// same bits.
func evalGEMMRef(K float64, dphi, phi *tensor.Mat, idx []int, din []float64, gcoef float64) float64 {
	n, d := len(idx), phi.Cols
	p := tensor.New(n, d)
	mean := make([]float64, d)
	for _, i := range idx {
		for k, v := range phi.Row(i) {
			mean[k] += float64(v)
		}
	}
	for k := range mean {
		mean[k] /= float64(n)
	}
	sq, rs := make([]float64, n), make([]float64, n)
	for a, i := range idx {
		row := p.Row(a)
		var s float64
		for k, v := range phi.Row(i) {
			c := float32(float64(v) - mean[k])
			row[k] = c
			s += float64(c) * float64(c)
		}
		sq[a] = s
	}
	gram := tensor.New(n, n)
	tensor.Gemm(false, true, 1, p, p, 0, gram)
	c := tensor.New(n, n)
	var total float64
	for a := 0; a < n; a++ {
		ga := gram.Row(a)
		ca := c.Row(a)
		ca[a] = 0
		for b := a + 1; b < n; b++ {
			s2 := sq[a] + sq[b] - 2*float64(ga[b])
			if s2 < 1e-2*(sq[a]+sq[b]) {
				s2 = tensor.SqDist(p.Row(a), p.Row(b))
			}
			dist := math.Sqrt(s2)
			r := K*dist - din[a*n+b]
			total += 2 * r * r
			var cab float32
			if dist > 0 {
				cab = float32(r / dist)
			}
			ca[b] = cab
			c.Data[b*n+a] = cab
		}
	}
	if dphi == nil {
		return total
	}
	for a := 0; a < n; a++ {
		var s float64
		for _, v := range c.Row(a) {
			s += float64(v)
		}
		rs[a] = s
	}
	cp := tensor.New(n, d)
	tensor.Gemm(false, false, 1, c, p, 0, cp)
	for a, i := range idx {
		g := dphi.Row(i)
		pa, cpa := p.Row(a), cp.Row(a)
		for k := range g {
			g[k] += float32(gcoef * (rs[a]*float64(pa[k]) - float64(cpa[k])))
		}
	}
	return total
}

// TestEvalGEMMBitIdentical checks the pair kernels (vector and Go, one and
// two goroutines) against the plain loop bit for bit, on blocks with near
// pairs, duplicate rows and sizes that are not multiples of 8.
func TestEvalGEMMBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{48, 61, 130, 257} {
		for _, d := range []int{3, 20} {
			x := randMat(rng, n, 5)
			phi := randMat(rng, n, d)
			for i := 0; i < n; i += 7 { // near pairs and exact duplicates
				for k := range phi.Row(i) {
					phi.Row(i + 1)[k] = phi.Row(i)[k] + float32(1e-3*rng.NormFloat64())
				}
			}
			copy(phi.Row(n-1), phi.Row(n-2))
			labels := make([]int, n)
			groups := Groups(nil, labels, MaskGlobal)
			for _, K := range []float64{1, 2.5} {
				l := NewLoss(x, groups, K)
				wantG := tensor.New(n, d)
				want := evalGEMMRef(K, wantG, phi, groups[0], l.DIn[0], 0.3)
				for _, vec := range []bool{true, false} {
					for _, th := range []int{1, 2} {
						old, oldT := useAVX512, tensor.SetThreads(th)
						useAVX512 = useAVX512 && vec
						g := tensor.New(n, d)
						got := l.evalGEMM(g, phi, groups[0], l.DIn[0], 0.3)
						gotNil := l.evalGEMM(nil, phi, groups[0], l.DIn[0], 0.3)
						useAVX512 = old
						tensor.SetThreads(oldT)
						if math.Float64bits(got) != math.Float64bits(want) || math.Float64bits(gotNil) != math.Float64bits(want) {
							t.Errorf("n %d d %d K %g vec %v threads %d: loss %v (%v without gradient), want %v", n, d, K, vec, th, got, gotNil, want)
						}
						for i := range g.Data {
							if math.Float32bits(g.Data[i]) != math.Float32bits(wantG.Data[i]) {
								t.Errorf("n %d d %d K %g vec %v threads %d: gradient[%d] %v, want %v", n, d, K, vec, th, i, g.Data[i], wantG.Data[i])
								break
							}
						}
					}
				}
			}
		}
	}
}

// pairDistancesRef and evalPairsRef are the small-block path as it was
// before the vector kernels.
func pairDistancesRef(x *tensor.Mat, idx []int) []float64 {
	n := len(idx)
	dst := make([]float64, n*n)
	for a := 0; a < n; a++ {
		ra := x.Row(idx[a])
		for b := a + 1; b < n; b++ {
			rb := x.Row(idx[b])
			var s float64
			for k, v := range ra {
				d := float64(v) - float64(rb[k])
				s += d * d
			}
			d := math.Sqrt(s)
			dst[a*n+b] = d
			dst[b*n+a] = d
		}
	}
	return dst
}

func evalPairsRef(K float64, dphi, phi *tensor.Mat, idx []int, din []float64, gcoef float64) float64 {
	n := len(idx)
	var total float64
	for a := 0; a < n; a++ {
		ra := phi.Row(idx[a])
		var ga []float32
		if dphi != nil {
			ga = dphi.Row(idx[a])
		}
		for b := a + 1; b < n; b++ {
			rb := phi.Row(idx[b])
			d := math.Sqrt(tensor.SqDist(ra, rb))
			r := K*d - din[a*n+b]
			total += 2 * r * r
			if dphi == nil || d == 0 {
				continue
			}
			c := gcoef * r / d
			gb := dphi.Row(idx[b])
			for k, v := range ra {
				diff := c * (float64(v) - float64(rb[k]))
				ga[k] += float32(diff)
				gb[k] -= float32(diff)
			}
		}
	}
	return total
}

// TestSmallBlocksBitIdentical checks the small-block path (input distances
// and evalPairs, vector and Go) against the plain loops bit for bit, with
// blocks of odd sizes, interleaved members, duplicate rows and widths that
// are not multiples of 8.
func TestSmallBlocksBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{2, 7, 16, 17, 33, 46} {
		for _, d := range []int{1, 3, 20, 100, 784} {
			x := randMat(rng, 2*n+1, d)
			phi := randMat(rng, 2*n+1, d%97+1)
			copy(phi.Row(2), phi.Row(0)) // a zero distance in block 0
			labels := make([]int, 2*n+1)
			for i := range labels {
				labels[i] = i % 2
			}
			groups := Groups(nil, labels, MaskClass)
			for _, vec := range []bool{true, false} {
				old := useAVX512
				useAVX512 = useAVX512 && vec
				l := NewLoss(x, groups, 1.5)
				g := tensor.New(phi.Rows, phi.Cols)
				got := l.Eval(g, phi, 0.7)
				useAVX512 = old
				wantG := tensor.New(phi.Rows, phi.Cols)
				var want float64
				inv := 1 / float64(len(labels)*len(labels))
				for b, idx := range groups {
					din := pairDistancesRef(x, idx)
					for i, v := range din {
						if math.Float64bits(v) != math.Float64bits(l.DIn[b][i]) {
							t.Fatalf("n %d d %d vec %v: input distance %d of block %d: %v, want %v", n, d, vec, i, b, l.DIn[b][i], v)
						}
					}
					if len(idx) >= gemmMin {
						t.Fatal("block too large for the small path")
					}
					want += evalPairsRef(1.5, wantG, phi, idx, din, 4*1.5*inv*0.7)
				}
				want *= inv
				if math.Float64bits(got) != math.Float64bits(want) {
					t.Errorf("n %d d %d vec %v: loss %v, want %v", n, d, vec, got, want)
				}
				for i := range g.Data {
					if math.Float32bits(g.Data[i]) != math.Float32bits(wantG.Data[i]) {
						t.Errorf("n %d d %d vec %v: gradient[%d] %v, want %v", n, d, vec, i, g.Data[i], wantG.Data[i])
						break
					}
				}
			}
		}
	}
}

// TestEvalAllocations: after warm-up, evaluating the loss and its gradient
// allocates nothing, on the small-block and the GEMM paths.
func TestEvalAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates by itself")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{100, 600} {
		x, phi := randMat(rng, n, 3), randMat(rng, n, 20)
		labels := make([]int, n)
		for i := range labels {
			labels[i] = i % 2
		}
		l := NewLoss(x, Groups(nil, labels, MaskClass), 1)
		g := tensor.New(n, 20)
		l.Eval(g, phi, 1)
		if a := testing.AllocsPerRun(5, func() { l.Eval(g, phi, 1) }); a != 0 {
			t.Errorf("n %d: %v allocations per Eval", n, a)
		}
	}
}
