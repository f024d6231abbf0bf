package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// benchShapes are the products isonet's workloads run: the MNIST MLP (batch
// 100, 784→100→…→10) forward and backward, 1000-image attack blocks, and the
// toy sets.
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"mlp-fwd-100x784x100-NT", false, true, 100, 100, 784},
	{"mlp-dW-100x784x100-TN", true, false, 100, 784, 100},
	{"mlp-dX-100x784x100-NN", false, false, 100, 784, 100},
	{"hid-100x100x100-NT", false, true, 100, 100, 100},
	{"hid-dW-100x100x100-TN", true, false, 100, 100, 100},
	{"hid-dX-100x100x100-NN", false, false, 100, 100, 100},
	{"out-100x10x100-NT", false, true, 100, 10, 100},
	{"atk-fwd-1000x100x784-NT", false, true, 1000, 100, 784},
	{"atk-dX-1000x784x100-NN", false, false, 1000, 784, 100},
	{"atk-dW-100x784x1000-TN", true, false, 100, 784, 1000},
	{"toy-in-1000x20x3-NT", false, true, 1000, 20, 3},
	{"toy-hid-1000x20x20-NT", false, true, 1000, 20, 20},
	{"toy-dW-20x3x1000-TN", true, false, 20, 3, 1000},
	{"toy-head-1000x2x20-NT", false, true, 1000, 2, 20},
	{"toy-dW-20x20x1000-TN", true, false, 20, 20, 1000},
	{"toy-dist-500x500x20-NT", false, true, 500, 500, 20},
	{"toy-dH-500x20x500-NN", false, false, 500, 20, 500},
}

// BenchmarkGemm reports GFLOP/s (2·m·n·k per product; the mean, and the
// fastest single run) of every path this CPU runs on one goroutine, of gonum's blas32 for comparison, and of the public
// Gemm split over two goroutines ("default-2threads").
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	defer SetThreads(SetThreads(1))
	two := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		SetThreads(2)
		gemmImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		SetThreads(1)
	}
	paths := append(gemmPaths(), gemmPath{"gonum", gemmBLAS}, gemmPath{"default-2threads", two})
	for _, s := range benchShapes {
		ar, ac := s.m, s.k
		if s.transA {
			ar, ac = ac, ar
		}
		br, bc := s.k, s.n
		if s.transB {
			br, bc = bc, br
		}
		x, y, c := randMat(rng, ar, ac), randMat(rng, br, bc), New(s.m, s.n)
		for _, p := range paths {
			b.Run(s.name+"/"+p.name, func(b *testing.B) {
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					p.fn(s.transA, s.transB, s.m, s.n, s.k, 1, x.Data, x.Cols, y.Data, y.Cols, 0, c.Data, c.Cols)
					best = min(best, time.Since(t0))
				}
				flop := 2 * float64(s.m*s.n*s.k)
				b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// On a shared machine the mean mixes in other processes' time;
				// the fastest run shows what the code itself does.
				b.ReportMetric(flop/best.Seconds()/1e9, "best-GFLOP/s")
			})
		}
	}
}
