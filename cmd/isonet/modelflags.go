package main

import (
	"flag"
	"fmt"

	"github.com/isonet/isonet/experiment"
	"github.com/isonet/isonet/geometry"
	"github.com/isonet/isonet/model"
)

// modelFlags binds the flags every command that applies a trained model to
// data shares: --model, --dataset, --data-dir, --seed, and optionally
// --test-subset and --layer.
type modelFlags struct {
	fs                    *flag.FlagSet
	dir, dataset, dataDir string
	seed                  uint64
	subset, layer         int
	hasLayer              bool
}

// newModelFlags registers the shared flags on fs; what says what the
// command does with the test split ("attacked", "embedded", ...).
func newModelFlags(fs *flag.FlagSet, what string, subset, layer bool) *modelFlags {
	f := &modelFlags{fs: fs, hasLayer: layer}
	fs.StringVar(&f.dir, "model", "", "model folder (from isonet train)")
	fs.StringVar(&f.dataset, "dataset", "", "data set whose test split is "+what+" (default: the model's own)")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder of IDX files for mnist (default: the bundled MNIST)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed for the toy data, the CSV split and any subsample or random choice (0 = the model's training seed)")
	if subset {
		fs.IntVar(&f.subset, "test-subset", 0, "use the first N test examples only (0 = all)")
	}
	if layer {
		fs.IntVar(&f.layer, "layer", 0, "layer: 0 = input, 1.. hidden, last = logits (default: the model's isometric layer)")
	}
	return f
}

// required checks that --model was given.
func (f *modelFlags) required() error {
	if f.dir == "" {
		return fmt.Errorf("--model DIR is required")
	}
	return nil
}

// load loads the model and the test split of the data set (by default the
// one it was trained on, with its data seed), checking that they fit; with
// --layer it also resolves and checks the layer.
func (f *modelFlags) load() (*model.Model, *dataPair, int, error) {
	if err := f.required(); err != nil {
		return nil, nil, 0, err
	}
	m, err := model.Load(f.dir)
	if err != nil {
		return nil, nil, 0, err
	}
	dataset := f.dataset
	if dataset == "" {
		dataset = m.Config.Dataset
	}
	if dataset == "" {
		return nil, nil, 0, fmt.Errorf("--dataset is required: the model in %s does not name its data set", f.dir)
	}
	if f.seed == 0 {
		f.seed = m.Config.Seed // the toy data and CSV split the model was trained with
	}
	ds := experiment.DataSpec{Name: dataset, Dir: f.dataDir, Seed: f.seed, TestSubset: f.subset}
	tr, te, err := ds.Load()
	if err != nil {
		return nil, nil, 0, err
	}
	if in := m.Blocks[0].InputDim(); in != te.Dim() {
		return nil, nil, 0, fmt.Errorf("model %s takes %d inputs but data set %s has %d features", f.dir, in, te.Name, te.Dim())
	}
	if c := m.Net().NumClasses(); c < te.NumClasses() {
		return nil, nil, 0, fmt.Errorf("model %s has %d outputs but data set %s has %d classes", f.dir, c, te.Name, te.NumClasses())
	}
	layer := 0
	if f.hasLayer {
		layer = geometry.IsoLayer(m)
		if isSet(f.fs, "layer") {
			layer = f.layer
		}
		if err := geometry.CheckLayer(m, layer); err != nil {
			return nil, nil, 0, err
		}
	}
	return m, &dataPair{train: tr, test: te}, layer, nil
}
