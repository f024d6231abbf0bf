package stacked

import (
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
)

// LevelAccuracy is the accuracy of a stack at one label level.
type LevelAccuracy struct {
	Level    int     `json:"level"`
	Classes  int     `json:"classes"`
	Accuracy float64 `json:"accuracy"`
}

// BlockIsometry is the within-class agreement of one block: distances
// between the block's own input points against distances between its
// representations (scaled by K), over pairs in the same class of the
// block's level — the partition its isometric term was trained with.
type BlockIsometry struct {
	Block    int                  `json:"block"`
	Level    int                  `json:"level"`
	Layer    int                  `json:"layer"`
	K        float64              `json:"iso_scale"`
	PerClass []iso.ClassDistances `json:"per_class"`
	All      iso.Agreement        `json:"all"`
	// VsData is the same comparison against the distances of the data
	// itself (the input of block 0) instead of the block's input: how much
	// of the data's within-class geometry survives up to this block.
	VsData iso.Agreement `json:"vs_data"`
}

// Eval is what `isonet eval` reports for a stacked model.
type Eval struct {
	Dataset    string          `json:"dataset"`
	Examples   int             `json:"examples"`
	SharedHead bool            `json:"shared_head"`
	Levels     []LevelAccuracy `json:"levels"`
	Blocks     []BlockIsometry `json:"blocks"`
}

// Evaluate measures m's accuracy on set at every level (t is the label
// tree, needed with a shared head) and every block's isometry with its own
// partition, on up to iso.MaxPerClass points per class (subsampled
// with seed). set must have m's label levels.
func Evaluate(m *model.Model, set *data.Set, t Tree, seed uint64) (Eval, error) {
	acc, err := Accuracies(m, set, t)
	if err != nil {
		return Eval{}, err
	}
	ev := Eval{Dataset: set.Name, Examples: set.Len(), SharedHead: m.Config.SharedHead}
	for lv, a := range acc {
		ev.Levels = append(ev.Levels, LevelAccuracy{Level: lv, Classes: m.Config.Classes[lv], Accuracy: a})
	}
	inputs, reps := Forward(m, set.X)
	for k, b := range m.Config.Blocks {
		y := set.Labels[b.Level]
		per, all := iso.WithinClass(inputs[k], reps[k], y, b.Train.K, iso.MaxPerClass, seed)
		_, vs := iso.WithinClass(set.X, reps[k], y, b.Train.K, iso.MaxPerClass, seed)
		ev.Blocks = append(ev.Blocks, BlockIsometry{Block: k, Level: b.Level, Layer: b.Train.IsoLayer, K: b.Train.K,
			PerClass: per, All: all, VsData: vs})
	}
	return ev, nil
}
