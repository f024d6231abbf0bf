package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// TestFLOPCounts checks the counts against hand-computed products.
func TestFLOPCounts(t *testing.T) {
	// 784·100 + 3·100·100 + 100·10 = 109,400 multiply-adds per example.
	if got := forwardFLOPs(mnistSizes, 1); got != 218800 {
		t.Errorf("forward: %g FLOPs, want 218800", got)
	}
	// Training: forward + weight gradients (the same products) + input
	// gradients of every layer but the first (30,000 + 1,000 multiply-adds).
	if got := 2*forwardFLOPs(mnistSizes, 1) + inputGradFLOPs(mnistSizes, 1, false); got != 499600 {
		t.Errorf("training step: %g FLOPs per example, want 499600", got)
	}
	// An attack step: forward + input gradients of every layer.
	if got := forwardFLOPs(mnistSizes, 1) + inputGradFLOPs(mnistSizes, 1, true); got != 437600 {
		t.Errorf("attack step: %g FLOPs per example, want 437600", got)
	}
	// A block of 3 (3 pairs, small path) with input width 4, width 2:
	// 3·(3·4 + 6·2) = 72; one of 50 (1225 pairs) reusing inputs:
	// 1225·(2·2 + 15) + 2·50²·2 = 33275.
	if got := isoFLOPs([]int{3}, 2, 4); got != 72 {
		t.Errorf("iso, small block: %g, want 72", got)
	}
	if got := isoFLOPs([]int{50}, 2, 0); got != 33275 {
		t.Errorf("iso, large block: %g, want 33275", got)
	}
}

// TestBenchTrainCountsFLOPs runs a few full-batch toy steps and checks the
// FLOPs counted: the input distances are computed on the first step only.
func TestBenchTrainCountsFLOPs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	net := benchMLP(rng, 3, 20, 2)
	x := tensor.New(60, 3)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y := make([]int, 60)
	for i := range y {
		y[i] = i % 2 // blocks of 30 and 30: the small path
	}
	secs, flops := benchTrain(net, x, y, 1, 60, 4)
	if !(secs > 0) {
		t.Fatalf("seconds %g", secs)
	}
	step := 2*forwardFLOPs(toySizes, 60) + inputGradFLOPs(toySizes, 60, false)
	blocks := []int{30, 30}
	want := 4*step + isoFLOPs(blocks, 20, 3) + 3*isoFLOPs(blocks, 20, 0)
	if math.Abs(flops-want) > 1e-9*want {
		t.Errorf("counted %g FLOPs, want %g", flops, want)
	}
}
