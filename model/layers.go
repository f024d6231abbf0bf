package model

import (
	"fmt"
	"strconv"

	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// Layers returns the index of m's logits: the layers that can be analysed
// are 0 (the input) to m.Layers(). For a stacked model they are the layers
// of its last block, fed through the blocks before it.
func (m *Model) Layers() int { return len(m.Net().Layers) }

// IsoLayer returns the layer m's isometric term acted on (the default layer
// to analyse): its last block's.
func (m *Model) IsoLayer() int { return m.LastBlock().Train.IsoLayer }

// IsoScale returns the representation-distance scale K m's last block was
// trained with.
func (m *Model) IsoScale() float64 { return m.LastBlock().Train.K }

// CheckLayer returns an error unless 0 ≤ layer ≤ m.Layers().
func (m *Model) CheckLayer(layer int) error {
	if top := m.Layers(); layer < 0 || layer > top {
		return fmt.Errorf("layer %d out of range 0..%d (0 = input, %d = logits)", layer, top, top)
	}
	return nil
}

// LayerName describes layer l of m for titles: "input", "logits" or
// "hidden layer l", marked "(isometric)" when a β > 0 isometric term acted
// on it in training.
func (m *Model) LayerName(l int) string {
	var s string
	switch l {
	case 0:
		s = "input"
	case m.Layers():
		s = "logits"
	default:
		s = "hidden layer " + strconv.Itoa(l)
	}
	if tc := m.LastBlock().Train; l == tc.IsoLayer && l > 0 && tc.Beta > 0 && tc.Mask != iso.MaskNone {
		s += " (isometric)"
	}
	return s
}

// Representation returns layer layer of m for every row of x: x itself for
// layer 0, else H[layer] of m's last block, whose input is, for a stacked
// model, the chosen layer of the block before it, and so on down to x (see
// BlockInputs).
func (m *Model) Representation(x *tensor.Mat, layer int) (*tensor.Mat, error) {
	if err := m.CheckLayer(layer); err != nil {
		return nil, err
	}
	if layer == 0 {
		return x, nil
	}
	if x.Cols != m.Blocks[0].InputDim() {
		return nil, fmt.Errorf("model takes %d inputs, data has %d features", m.Blocks[0].InputDim(), x.Cols)
	}
	inputs, _ := m.forward(x, false)
	return nn.Representation(m.Net(), inputs[len(inputs)-1], layer), nil
}

// BlockInputs returns the input of every block of m for every row of x:
// inputs[0] is x, and inputs[k], k > 0, is block k−1's representation of
// inputs[k−1] at layer Config.Blocks[k].InputLayer. x must have as many
// columns as m takes inputs.
func (m *Model) BlockInputs(x *tensor.Mat) []*tensor.Mat {
	inputs, _ := m.forward(x, false)
	return inputs
}

// Forward runs every row of x through the blocks of m and returns each
// block's input (as BlockInputs does) and each block's representation of
// its input at its isometric layer (Config.Blocks[k].Train.IsoLayer). x
// must have as many columns as m takes inputs.
func (m *Model) Forward(x *tensor.Mat) (inputs, reps []*tensor.Mat) {
	return m.forward(x, true)
}

// forward is the forward pass through the stack of blocks: it returns each
// block's input and, with isoReps, each block's representation at its
// isometric layer — reused as the next block's input when that is the
// layer it takes.
func (m *Model) forward(x *tensor.Mat, isoReps bool) (inputs, reps []*tensor.Mat) {
	cur := x
	for k, net := range m.Blocks {
		inputs = append(inputs, cur)
		if isoReps {
			reps = append(reps, nn.Representation(net, cur, m.Config.Blocks[k].Train.IsoLayer))
		}
		if k+1 < len(m.Blocks) {
			next := m.Config.Blocks[k+1].InputLayer
			if isoReps && next == m.Config.Blocks[k].Train.IsoLayer {
				cur = reps[k]
			} else {
				cur = nn.Representation(net, cur, next)
			}
		}
	}
	return inputs, reps
}
