package model

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/train"
)

// stack returns a two-block model whose second block takes layer 1 of the
// first.
func stack(t *testing.T) *Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := Config{Classes: []int{2}, Blocks: []Block{
		{Sizes: []int{3, 5, 4, 2}, Activation: "tanh", Train: train.Defaults(3)},
		{Sizes: []int{5, 6, 2}, Activation: "tanh", InputLayer: 1, Train: train.Defaults(2)},
	}}
	m, err := Build(cfg, func(_ int, net *nn.MLP) {
		for _, l := range net.Layers {
			l.Reset(nn.InitPyTorch, rng)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRepresentation: layer 0 is the input, the top layer the logits, and a
// stacked model feeds its first block's chosen layer into the second.
func TestRepresentation(t *testing.T) {
	m := stack(t)
	set := data.Rings(20, 0.01, 1)
	if m.Layers() != 2 || m.IsoLayer() != 1 || m.IsoScale() != m.Config.Blocks[1].Train.K {
		t.Errorf("Layers %d, IsoLayer %d, IsoScale %g; want 2, 1, %g", m.Layers(), m.IsoLayer(), m.IsoScale(), m.Config.Blocks[1].Train.K)
	}
	h0, _ := m.Representation(set.X, 0)
	if h0 != set.X {
		t.Error("layer 0 is not the input")
	}
	h1 := nn.Representation(m.Blocks[0], set.X, 1)
	want := nn.Representation(m.Blocks[1], h1, 2)
	got, err := m.Representation(set.X, 2)
	if err != nil || !slices.Equal(got.Data, want.Data) || got.Cols != 2 {
		t.Errorf("stacked logits differ from the chained forward pass (err %v)", err)
	}
	for _, l := range []int{-1, 3} {
		if _, err := m.Representation(set.X, l); err == nil || err.Error() != m.CheckLayer(l).Error() {
			t.Errorf("layer %d: %v", l, err)
		}
	}
	if err := m.CheckLayer(3); err == nil || err.Error() != "layer 3 out of range 0..2 (0 = input, 2 = logits)" {
		t.Errorf("CheckLayer(3): %v", err)
	}
	if _, err := m.Representation(h1, 1); err == nil || err.Error() != "model takes 3 inputs, data has 5 features" {
		t.Errorf("5 features: %v", err)
	}
}

// TestForward: the block inputs chain the chosen layers; the iso-layer
// representations are each block's H[IsoLayer] of its input, and the
// second block's input is shared with the first block's representation
// when that is the layer it takes.
func TestForward(t *testing.T) {
	m := stack(t)
	x := data.Rings(20, 0.01, 1).X
	inputs, reps := m.Forward(x)
	if len(inputs) != 2 || len(reps) != 2 || inputs[0] != x {
		t.Fatalf("%d inputs, %d representations", len(inputs), len(reps))
	}
	h1 := nn.Representation(m.Blocks[0], x, 1)
	if !slices.Equal(inputs[1].Data, h1.Data) {
		t.Error("block 1's input is not block 0's layer 1")
	}
	if h := nn.Representation(m.Blocks[0], x, m.Config.Blocks[0].Train.IsoLayer); !slices.Equal(reps[0].Data, h.Data) {
		t.Error("block 0's representation differs")
	}
	if want := nn.Representation(m.Blocks[1], h1, 1); !slices.Equal(reps[1].Data, want.Data) {
		t.Error("block 1's representation differs")
	}
	m.Config.Blocks[0].Train.IsoLayer = 1
	if inputs, reps := m.Forward(x); inputs[1] != reps[0] || !slices.Equal(reps[0].Data, h1.Data) {
		t.Error("block 0's layer 1 computed twice or wrong")
	}
	only := m.BlockInputs(x)
	if len(only) != 2 || only[0] != x || !slices.Equal(only[1].Data, h1.Data) {
		t.Error("BlockInputs differs from Forward's inputs")
	}
}

func TestLayerName(t *testing.T) {
	m := stack(t)
	m.Config.Blocks[1].Train.Beta = 1
	m.Config.Blocks[1].Train.Mask = iso.MaskClass
	for l, want := range []string{"input", "hidden layer 1 (isometric)", "logits"} {
		if got := m.LayerName(l); got != want {
			t.Errorf("LayerName(%d) = %q, want %q", l, got, want)
		}
	}
	m.Config.Blocks[1].Train.Mask = iso.MaskNone
	if got := m.LayerName(1); got != "hidden layer 1" {
		t.Errorf("no isometric term: LayerName(1) = %q", got)
	}
}
