package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamRef is Adam.Step's loop as it was before the vector kernel.
func adamRef(a *Adam, p, grad, m, v []float32) {
	bc1 := 1 - math.Pow(a.Beta1, float64(a.T))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.T))
	stepSize := float32(a.LR / bc1)
	sqrtBC2 := float32(math.Sqrt(bc2))
	b1, b2, eps := float32(a.Beta1), float32(a.Beta2), float32(a.Eps)
	for i, g := range grad {
		m[i] = b1*m[i] + (1-b1)*g
		v[i] = b2*v[i] + (1-b2)*g*g
		denom := float32(math.Sqrt(float64(v[i])))/sqrtBC2 + eps
		p[i] -= stepSize * m[i] / denom
	}
}

// TestAdamBitIdentical runs Adam (vector kernel and Go loop) for several
// steps on gradients of all magnitudes, zeros and subnormals included, and
// compares every parameter and moment bit for bit with the plain loop.
func TestAdamBitIdentical(t *testing.T) {
	for _, vec := range []bool{true, false} {
		old := adamAVX512
		adamAVX512 = adamAVX512 && vec
		rng := rand.New(rand.NewPCG(5, 6))
		const n = 16*37 + 11
		p := &Param{Data: make([]float32, n), Grad: make([]float32, n)}
		want := make([]float32, n)
		wm, wv := make([]float32, n), make([]float32, n)
		for i := range p.Data {
			p.Data[i] = float32(rng.NormFloat64())
			want[i] = p.Data[i]
		}
		a := NewAdam(1e-3)
		ref := NewAdam(1e-3)
		for step := 0; step < 5; step++ {
			for i := range p.Grad {
				switch i % 5 {
				case 0:
					p.Grad[i] = 0
				case 1:
					p.Grad[i] = float32(rng.NormFloat64() * 1e-30)
				case 2:
					p.Grad[i] = math.Float32frombits(uint32(rng.IntN(1 << 23))) // subnormal
				default:
					p.Grad[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
				}
			}
			a.Step([]*Param{p})
			ref.T++
			adamRef(ref, want, p.Grad, wm, wv)
			for i := range want {
				if math.Float32bits(p.Data[i]) != math.Float32bits(want[i]) || a.M[0][i] != wm[i] || a.V[0][i] != wv[i] {
					t.Fatalf("vector %v, step %d, parameter %d: got %v (m %v, v %v), want %v (m %v, v %v)",
						vec, step, i, p.Data[i], a.M[0][i], a.V[0][i], want[i], wm[i], wv[i])
				}
			}
		}
		adamAVX512 = old
	}
}

// BenchmarkAdam is one Adam step over the MNIST network's 109,910
// parameters, with the vector kernel and with the Go loop.
func BenchmarkAdam(b *testing.B) {
	for _, vec := range []bool{true, false} {
		name := "go"
		if vec {
			name = "vector"
		}
		b.Run(name, func(b *testing.B) {
			old := adamAVX512
			adamAVX512 = adamAVX512 && vec
			defer func() { adamAVX512 = old }()
			p := &Param{Data: make([]float32, 109910), Grad: make([]float32, 109910)}
			for i := range p.Grad {
				p.Grad[i] = float32(i%7) * 1e-3
			}
			a := NewAdam(1e-3)
			for range b.N {
				a.Step([]*Param{p})
			}
		})
	}
}
