package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"

	"github.com/isonet/isonet/nn"
)

// benchStep measures one training step of the paper's MNIST network
// (784-100-100-100-100-10, tanh, Adam, batch 100) at the given β, the
// workload of torch_peer.py's train-b0 / train-b1.
func benchStep(b *testing.B, beta float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, _ := nn.NewMLP([]int{784, 100, 100, 100, 100, 10}, nn.Tanh, nn.InitPyTorch, rng)
	cfg := train.Defaults(5)
	cfg.Beta = beta
	tr, err := train.NewTrainer(m, cfg)
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.New(100, 784)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	y := make([]int, 100)
	for i := range y {
		y[i] = rng.IntN(10)
	}
	tr.Step(x, y, false)
	b.ResetTimer()
	for range b.N {
		tr.Step(x, y, false)
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "examples/s")
}

func BenchmarkTrainStepB0(b *testing.B) { benchStep(b, 0) }
func BenchmarkTrainStepB1(b *testing.B) { benchStep(b, 1) }

// TestTrainStepAllocations: after warm-up a training step allocates nothing,
// with and without the isometric term.
func TestTrainStepAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	for _, beta := range []float64{0, 1} {
		rng := rand.New(rand.NewPCG(1, 2))
		m, _ := nn.NewMLP([]int{784, 100, 100, 100, 100, 10}, nn.Tanh, nn.InitPyTorch, rng)
		cfg := train.Defaults(5)
		cfg.Beta = beta
		tr, _ := train.NewTrainer(m, cfg)
		x := tensor.New(100, 784)
		y := make([]int, 100)
		for i := range y {
			y[i] = (i * 7) % 10
		}
		tr.Step(x, y, false)
		if a := testing.AllocsPerRun(20, func() { tr.Step(x, y, false) }); a != 0 {
			t.Errorf("β=%g: %v allocations per training step", beta, a)
		}
	}
}
