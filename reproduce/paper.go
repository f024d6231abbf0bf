package reproduce

import (
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/train"
)

// fullBatch is a batch larger than any toy set: one step per epoch.
const fullBatch = 1 << 30

// toySpec returns the paper's setting for a toy set (rings, torus): the
// library's defaults (width 20, depth 4, tanh, PyTorch's initialisation,
// Adam 1e-3, α = 1, class mask, iso on the last hidden layer) with one full
// batch per epoch and 10000 epochs. The experiments set β, the epochs and
// the seeds.
func toySpec(dataset string) train.Spec {
	s := train.Spec{Data: data.Spec{Name: dataset}}.WithDefaults()
	s.Train.Epochs, s.Train.Batch = 10000, fullBatch
	return s
}

// mnistSpec returns the paper's MNIST setting: the library's defaults with
// width 100, batch 100 and 5 epochs.
func mnistSpec() train.Spec {
	s := train.Spec{Data: data.Spec{Name: "mnist"}, Width: 100}.WithDefaults()
	s.Train.Epochs, s.Train.Batch = 5, 100
	return s
}
