package topology_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/topology"
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

// trainNet trains a 2-16-16-2 tanh network with the isometric loss weighted
// by beta on set, full batch.
func trainNet(set *data.Set, beta float64) *nn.MLP {
	net, err := nn.NewMLP([]int{set.Dim(), 16, 16, set.NumClasses()}, nn.Tanh, nn.InitPyTorch, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.Defaults(len(net.Layers))
	cfg.Beta, cfg.Epochs, cfg.Batch, cfg.LR = beta, 400, set.Len(), 0.01
	t, err := train.NewTrainer(net, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := t.Fit(context.Background(), set, nil, train.FitOptions{}); err != nil {
		log.Fatal(err)
	}
	return net
}

// shape returns the persistence diagram of the rows of x and its Betti numbers
// β₀ (pieces) and β₁ (loops) at a quarter of their diameter.
func shape(x *tensor.Mat) (*topology.Diagram, string) {
	all := make([]int, x.Rows)
	for i := range all {
		all[i] = i
	}
	diameter := slices.Max(iso.InputDistances(x, [][]int{all})[0])
	d, err := topology.RipsPoints(x, topology.Options{MaxDim: 1})
	if err != nil {
		log.Fatal(err)
	}
	return d, fmt.Sprintf("β₀ = %d, β₁ = %d", topology.BettiAt(d, 0, diameter/4), topology.BettiAt(d, 1, diameter/4))
}

// Compare the shape of each class in the input with its shape in the last
// hidden layer, trained without (β = 0) and with (β = 1) the isometric loss:
// the Betti numbers, and the bottleneck distance between the H1 diagrams.
func Example() {
	x, y := circles(300, 1)
	set, err := data.NewSet("circles", tensor.FromSlice(len(y), 2, x), y)
	if err != nil {
		log.Fatal(err)
	}
	classes := iso.Groups(nil, set.Y(), iso.MaskClass) // the indices of each class
	for _, beta := range []float64{0, 1} {
		net := trainNet(set, beta)
		rep := nn.Representation(net, set.X, len(net.Layers)-1)
		for c, idx := range classes {
			in, inBetti := shape(tensor.Gather(nil, set.X, idx))
			out, outBetti := shape(tensor.Gather(nil, rep, idx))
			fmt.Printf("β = %g, class %d: input %s; layer %s; H1 bottleneck %.2f\n",
				beta, c, inBetti, outBetti, topology.Bottleneck(in.H1, out.H1))
		}
	}
	// Output:
	// β = 0, class 0: input β₀ = 1, β₁ = 1; layer β₀ = 1, β₁ = 1; H1 bottleneck 0.26
	// β = 0, class 1: input β₀ = 1, β₁ = 1; layer β₀ = 1, β₁ = 1; H1 bottleneck 0.99
	// β = 1, class 0: input β₀ = 1, β₁ = 1; layer β₀ = 1, β₁ = 1; H1 bottleneck 0.03
	// β = 1, class 1: input β₀ = 1, β₁ = 1; layer β₀ = 1, β₁ = 1; H1 bottleneck 0.09
}
