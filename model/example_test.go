package model_test

import (
	"fmt"

	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// A stack of two ReLU blocks, weights set by hand: block 1 takes hidden
// layer 1 of block 0 as its input, so layer 1 of the model (of its last
// block) is ReLU(W₁·ReLU(W₀·x + b₀) + b₁).
func ExampleModel_Representation() {
	tc := train.Defaults(2) // iso layer 1, the hidden one
	tc.Beta = 1
	cfg := model.Config{Classes: []int{2, 2}, Blocks: []model.Block{
		{Sizes: []int{2, 2, 2}, Activation: string(nn.ReLU), Level: 0, Train: tc},
		{Sizes: []int{2, 3, 2}, Activation: string(nn.ReLU), Level: 1, InputLayer: 1, Train: tc},
	}}
	m, err := model.Build(cfg, func(k int, net *nn.MLP) {
		if k == 0 { // block 0's hidden layer: ReLU(x)
			copy(net.Layers[0].W.Data, []float32{1, 0, 0, 1})
		} else { // block 1's: ReLU(h₁), ReLU(h₂), ReLU(h₁ + h₂ − 1)
			copy(net.Layers[0].W.Data, []float32{1, 0, 0, 1, 1, 1})
			copy(net.Layers[0].B.Data, []float32{0, 0, -1})
		}
	})
	if err != nil {
		panic(err)
	}
	x := tensor.FromSlice(2, 2, []float32{1, -2, 3, 4})
	fmt.Printf("layers 0..%d, isometric layer %d\n", m.Layers(), m.IsoLayer())
	for l := range m.Layers() {
		h, err := m.Representation(x, l)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %v %v\n", m.LayerName(l), h.Row(0), h.Row(1))
	}
	_, err = m.Representation(x, 3)
	fmt.Println(err)
	// Output:
	// layers 0..2, isometric layer 1
	// input: [1 -2] [3 4]
	// hidden layer 1 (isometric): [1 0 0] [3 4 6]
	// layer 3 out of range 0..2 (0 = input, 2 = logits)
}
