package certify_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// TestStackedModel: certify.Stack (through model.CertifyNetwork) chains a
// stacked model's blocks as the model's forward pass does (block 1 reads
// hidden layer 2 of block 0, after its activation): the chained network's
// logits equal the model's, and its CROWN bounds are below the margins at
// random points of the ball.
func TestStackedModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	b0, _ := nn.NewMLP([]int{4, 6, 5, 3}, nn.Tanh, nn.InitPyTorch, rng)
	b1, _ := nn.NewMLP([]int{5, 7, 3}, nn.ReLU, nn.InitPyTorch, rng)
	m := &model.Model{
		Config: model.Config{Blocks: []model.Block{{Sizes: []int{4, 6, 5, 3}, Activation: "tanh"}, {Sizes: []int{5, 7, 3}, Activation: "relu", InputLayer: 2}}},
		Blocks: []*nn.MLP{b0, b1},
	}
	net, err := m.CertifyNetwork()
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Layers) != 4 || net.Layers[1].Act != nn.Tanh || net.Layers[2].Act != nn.ReLU || net.Layers[3].Act != "" {
		t.Fatalf("chain: %d layers", len(net.Layers))
	}
	x := tensor.New(5, 4)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	logits, err := m.Representation(x, m.Layers())
	if err != nil {
		t.Fatal(err)
	}
	y := make([]int, x.Rows)
	x64 := make([]float64, 4)
	for i := range x.Rows {
		for j, v := range x.Row(i) {
			x64[j] = float64(v)
		}
		z := net.Logits(nil, x64)
		for j, v := range z {
			if math.Abs(v-float64(logits.At(i, j))) > 1e-5 {
				t.Fatalf("example %d logit %d: chain %g, model %g", i, j, v, logits.At(i, j))
			}
		}
		y[i] = nn.ArgMax(logits.Row(i))
	}
	const eps = 0.1
	b := make([]float64, x.Rows*3)
	if err := certify.Bounds(b, net, x, y, certify.Config{Method: certify.MethodCROWN, Eps: eps}); err != nil {
		t.Fatal(err)
	}
	mg := make([]float64, 3)
	p := make([]float64, 4)
	for i := range x.Rows {
		for range 2000 {
			for j, v := range x.Row(i) {
				p[j] = min(max(float64(v)+eps*(2*rng.Float64()-1), 0), 1)
			}
			net.Margins(mg, p, y[i])
			for j := range 3 {
				if j != y[i] && b[i*3+j] > mg[j]+1e-9 {
					t.Fatalf("example %d margin %d: bound %g above %g", i, j, b[i*3+j], mg[j])
				}
			}
		}
	}
	// Block 1 reading block 0's logits (3 wide) does not fit its 5 inputs.
	if net, err := certify.Stack(m.Blocks, []int{3}); err == nil {
		t.Fatalf("block 1 takes 5 inputs, block 0's logits are 3: want an error, got %d layers", len(net.Layers))
	}
}
