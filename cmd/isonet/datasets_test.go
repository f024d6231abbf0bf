package main

import (
	"reflect"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/train"
)

// TestDatasetSpec: each data set starts from the paper's setting, written
// out in full (the values train.DefaultSpec chose before the choice moved
// to the command line).
func TestDatasetSpec(t *testing.T) {
	base := func(name string, width, epochs, batch int, beta float64) train.Spec {
		return train.Spec{Data: data.Spec{Name: name}, Width: width, Depth: 4, Act: nn.Tanh, Init: nn.InitPyTorch,
			Train: train.Config{Alpha: 1, Beta: beta, Mask: iso.MaskClass, K: 1, IsoLayer: 4, Epochs: epochs, Batch: batch, LR: 1e-3, Optimizer: "adam"}}
	}
	for _, want := range []train.Spec{
		base("mnist", 100, 5, 100, 0),
		base("fashion-mnist", 100, 5, 100, 0),
		base("rings", 20, 10000, 1<<30, 0),
		base("torus", 20, 10000, 1<<30, 100),
		base("csv:x.csv", 20, 100, 100, 0),
	} {
		if got := datasetSpec(want.Data.Name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", want.Data.Name, got, want)
		}
	}
}
