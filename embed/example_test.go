package embed_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/embed"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// circles returns n points in [0,1]² (x, y pairs, row-major) on two noisy
// concentric circles around (0.5, 0.5): radius 0.2 (label 0) and 0.4 (label 1).
func circles(n int, seed uint64) (x []float32, y []int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range n {
		r := 0.2 + 0.2*float64(i%2) + 0.01*rng.NormFloat64()
		a := 2 * math.Pi * (float64(i/2) + rng.Float64()) / float64(n/2)
		x = append(x, float32(0.5+r*math.Cos(a)), float32(0.5+r*math.Sin(a)))
		y = append(y, i%2)
	}
	return x, y
}

// trainLIL trains a 2-16-16-2 tanh network with the isometric loss (β = 1)
// on set, full batch.
func trainLIL(set *data.Set) *nn.MLP {
	net, err := nn.NewMLP([]int{set.Dim(), 16, 16, set.NumClasses()}, nn.Tanh, nn.InitPyTorch, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.Defaults(len(net.Layers))
	cfg.Beta, cfg.Epochs, cfg.Batch, cfg.LR = 1, 400, set.Len(), 0.01
	t, err := train.NewTrainer(net, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := t.Fit(context.Background(), set, nil, train.FitOptions{}); err != nil {
		log.Fatal(err)
	}
	return net
}

// UMAP the last hidden layer of an LIL to the plane and measure how faithful
// the picture is: trustworthiness against the layer itself, and how well a
// 5-nearest-neighbour vote in the picture recovers the classes.
func Example() {
	x, y := circles(300, 1)
	set, err := data.NewSet("circles", tensor.FromSlice(len(y), 2, x), y)
	if err != nil {
		log.Fatal(err)
	}
	net := trainLIL(set)
	rep := nn.Representation(net, set.X, len(net.Layers)-1) // H[L−1]: the last hidden layer
	u, err := embed.UMAP(rep, embed.UMAPOptions{Neighbors: 15, Epochs: 200, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("UMAP of %d×%d → %d×%d, layout start: %s\n", rep.Rows, rep.Cols, u.Y.Rows, u.Y.Cols, u.Init)
	// Two decimals: the last bits of a layout differ between CPUs (SIMD or pure-Go kernels).
	fmt.Printf("trustworthiness (k = 10): %.2f\n", embed.Trustworthiness(rep, u.Y, 10))
	fmt.Printf("5-NN accuracy in the picture: %.3f\n", embed.KNNAccuracy(u.Y, set.Y(), 5))
	// Output:
	// UMAP of 300×16 → 300×2, layout start: spectral per component (graph disconnected)
	// trustworthiness (k = 10): 0.99
	// 5-NN accuracy in the picture: 1.000
}
