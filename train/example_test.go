package train_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
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

// Train an LIL on your own matrix and labels and measure how isometric its
// last hidden layer is within each class.
func Example() {
	x, y := circles(300, 1) // your data: n rows of 2 features (row-major, in [0,1]), n labels 0..classes-1
	all, err := data.NewSet("mine", tensor.FromSlice(len(y), 2, x), y)
	if err != nil {
		log.Fatal(err)
	}
	tr, te := data.Split(all, 0.3, 1) // hold out 30% for testing
	net, err := nn.NewMLP([]int{all.Dim(), 16, 16, all.NumClasses()}, nn.Tanh, nn.InitPyTorch, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.Defaults(len(net.Layers)) // α = 1, Adam, class mask, iso on the last hidden layer
	cfg.Beta, cfg.Epochs, cfg.Batch, cfg.LR = 1, 400, tr.Len(), 0.01
	t, err := train.NewTrainer(net, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := t.Fit(context.Background(), tr, nil, train.FitOptions{}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test accuracy %.3f\n", nn.Accuracy(net, te.X, te.Y()))
	rep := nn.Representation(net, te.X, cfg.IsoLayer)
	perClass, _ := iso.WithinClass(te.X, rep, te.Y(), cfg.K, 0, 0)
	for _, c := range perClass {
		fmt.Printf("class %d: Pearson r %.3f\n", c.Class, c.Pearson)
	}
	// Output:
	// test accuracy 1.000
	// class 0: Pearson r 0.952
	// class 1: Pearson r 0.990
}
