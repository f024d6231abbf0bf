package certify

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/nn"
)

// benchMNIST bounds 64 random images in [0, 1]^784 on a randomly
// initialised 784-100-100-100-100-10 tanh network (the paper's shape) at
// L∞ ε = 0.01 (or L2 ε = 0.1) with method, on one worker.
func benchMNIST(b *testing.B, method string, norm ...string) {
	rng := rand.New(rand.NewPCG(1, 1))
	mlp := randomMLP(b, []int{784, 100, 100, 100, 100, 10}, nn.Tanh, 1, rng)
	net, _ := FromMLP(mlp)
	x, y := randomInputs(mlp, 64, rng)
	cfg := Config{Method: method, Eps: 0.01, Workers: 1}
	if len(norm) > 0 && norm[0] == Norm2 {
		cfg.Norm, cfg.Eps = Norm2, 0.1
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Accuracy(context.Background(), net, x, y, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkCROWN(b *testing.B)      { benchMNIST(b, MethodCROWN) }
func BenchmarkCROWNL2(b *testing.B)    { benchMNIST(b, MethodCROWN, Norm2) }
func BenchmarkAlphaCROWN(b *testing.B) { benchMNIST(b, MethodAlphaCROWN) }
func BenchmarkIBP(b *testing.B)        { benchMNIST(b, MethodIBP) }
