package geometry

import (
	"fmt"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// Layers returns the index of m's logits: the layers that can be analysed
// are 0 (the input) to Layers(m). For a stacked model they are the layers of
// its last block, fed through the blocks before it.
func Layers(m *model.Model) int { return len(m.Net().Layers) }

// IsoLayer returns the layer m's isometric term acted on (the default layer
// to analyse).
func IsoLayer(m *model.Model) int {
	return m.LastBlock().Train.IsoLayer
}

// IsoScale returns the representation-distance scale K m was trained with.
func IsoScale(m *model.Model) float64 {
	return m.LastBlock().Train.K
}

// CheckLayer returns an error unless 0 ≤ layer ≤ Layers(m).
func CheckLayer(m *model.Model, layer int) error {
	if top := Layers(m); layer < 0 || layer > top {
		return fmt.Errorf("layer %d out of range 0..%d (0 = input, %d = logits)", layer, top, top)
	}
	return nil
}

// Representation returns layer layer of m for every row of x: x itself for
// layer 0, else H[layer] of m's last block, whose input is, for a stacked
// model, the chosen layer of the block before it, and so on down to x.
func Representation(m *model.Model, x *tensor.Mat, layer int) (*tensor.Mat, error) {
	if err := CheckLayer(m, layer); err != nil {
		return nil, err
	}
	if layer == 0 {
		return x, nil
	}
	if x.Cols != m.Blocks[0].InputDim() {
		return nil, fmt.Errorf("model takes %d inputs, data has %d features", m.Blocks[0].InputDim(), x.Cols)
	}
	h := x
	for k := 1; k < len(m.Blocks); k++ {
		h = train.Representation(m.Blocks[k-1], h, m.Config.Blocks[k].InputLayer)
	}
	return train.Representation(m.Net(), h, layer), nil
}

// AnalyzeLayer runs Analyze on set's inputs and their representation at
// layer of m, against set's finest labels. A zero o.K is taken from the
// model at its isometric layer (the K it was trained with) and is 1 at any
// other layer, where K has no meaning.
func AnalyzeLayer(m *model.Model, set *data.Set, layer int, o Options) (*Result, error) {
	phi, err := Representation(m, set.X, layer)
	if err != nil {
		return nil, err
	}
	if o.K == 0 && layer == IsoLayer(m) {
		o.K = IsoScale(m)
	}
	return Analyze(set.X, phi, set.Y(), o)
}
