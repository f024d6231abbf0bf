package main

import (
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/train"
)

// fullBatch is a batch larger than any toy set: one step per epoch.
const fullBatch = 1 << 30

// datasetSpec returns the spec `isonet train --dataset name` starts from
// before its flags: the library's defaults (train.Spec.WithDefaults) with
// what the paper uses for the data set — MNIST and Fashion-MNIST width
// 100, batch 100, 5 epochs; the toy sets one full batch per epoch, 10000
// epochs, and β = 100 on the torus; a CSV file batch 100 and 100 epochs.
// Every setting is explicit, so a model's config.json records it.
func datasetSpec(name string) train.Spec {
	s := train.Spec{Data: data.Spec{Name: name}}.WithDefaults()
	switch s.Data.Kind() {
	case "mnist", "fashion-mnist":
		s.Width = 100
		s.Train.Epochs, s.Train.Batch = 5, 100
	case "rings", "torus":
		s.Train.Epochs, s.Train.Batch = 10000, fullBatch
	default:
		s.Train.Epochs, s.Train.Batch = 100, 100
	}
	if s.Data.Kind() == "torus" {
		s.Train.Beta = 100
	}
	return s
}
