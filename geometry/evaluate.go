package geometry

import (
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
)

// Isometry is the within-class agreement of input and representation
// distances at one layer.
type Isometry struct {
	Layer    int                  `json:"layer"`
	K        float64              `json:"iso_scale"`
	PerClass []iso.ClassDistances `json:"per_class"`
	All      iso.Agreement        `json:"all"`
}

// Evaluation is what `isonet eval` reports.
type Evaluation struct {
	Dataset  string   `json:"dataset"`
	Examples int      `json:"examples"`
	Accuracy float64  `json:"accuracy"`
	Isometry Isometry `json:"isometry"`
}

// Evaluate measures m's accuracy on set and the isometry of its isometric
// layer (per class, up to iso.MaxPerClass points each, seeded).
func Evaluate(m *model.Model, set *data.Set, seed uint64) Evaluation {
	net := m.Net()
	b := m.LastBlock()
	ev := Evaluation{Dataset: set.Name, Examples: set.Len(), Accuracy: nn.Accuracy(net, set.X, set.Y())}
	layer := b.Train.IsoLayer
	rep := nn.Representation(net, set.X, layer)
	per, all := iso.WithinClass(set.X, rep, set.Y(), b.Train.K, iso.MaxPerClass, seed)
	ev.Isometry = Isometry{Layer: layer, K: b.Train.K, PerClass: per, All: all}
	return ev
}
