package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/isonet/isonet/experiment"
	"github.com/isonet/isonet/model"
)

func init() {
	register(&command{name: "eval", summary: "clean accuracy and isometry numbers of a trained model", run: runEval})
}

// loadModelAndData loads the model in dir and the test split of the data
// set (by default the one it was trained on), checking that they fit.
func loadModelAndData(dir, dataset, dataDir string, seed uint64, testSubset int) (*model.Model, *experiment.DataSpec, *dataPair, error) {
	m, err := model.Load(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	if dataset == "" {
		dataset = m.Config.Dataset
	}
	if dataset == "" {
		return nil, nil, nil, fmt.Errorf("--dataset is required: the model in %s does not name its data set", dir)
	}
	if seed == 0 {
		seed = m.Config.Seed // the toy data and CSV split the model was trained with
	}
	ds := experiment.DataSpec{Name: dataset, Dir: dataDir, Seed: seed, TestSubset: testSubset}
	tr, te, err := ds.Load()
	if err != nil {
		return nil, nil, nil, err
	}
	if in := m.Blocks[0].InputDim(); in != te.Dim() {
		return nil, nil, nil, fmt.Errorf("model %s takes %d inputs but data set %s has %d features", dir, in, te.Name, te.Dim())
	}
	if c := m.Net().NumClasses(); c < te.NumClasses() {
		return nil, nil, nil, fmt.Errorf("model %s has %d outputs but data set %s has %d classes", dir, c, te.Name, te.NumClasses())
	}
	return m, &ds, &dataPair{train: tr, test: te}, nil
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "--model DIR [--dataset D] [--json]", stderr)
	dir := fs.String("model", "", "model folder (from isonet train)")
	dataset := fs.String("dataset", "", "data set to evaluate on (default: the model's own)")
	dataDir := fs.String("data-dir", "", "folder of IDX files for mnist (default: the bundled MNIST)")
	seed := fs.Uint64("seed", 0, "seed for the toy data, the CSV split and the distance subsample (0 = the model's training seed)")
	subset := fs.Int("test-subset", 0, "use the first N test examples only (0 = all)")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	stackedOpts := registerStackedEvalFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("--model DIR is required")
	}
	if sm, err := model.Load(*dir); err == nil && sm.Stacked() {
		return evalStacked(sm, stackedOpts, evalOptions{*dir, *dataset, *dataDir, *seed, *subset, *asJSON}, stdout)
	} else if *stackedOpts.labelCols != "" || *stackedOpts.levels != "" {
		return fmt.Errorf("--label-cols and --levels are for stacked models; %s is not one", *dir)
	}
	m, _, d, err := loadModelAndData(*dir, *dataset, *dataDir, *seed, *subset)
	if err != nil {
		return err
	}
	ev := experiment.Evaluate(m, d.test, *seed)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ev)
	}
	fmt.Fprintf(stdout, "accuracy %.4f on %d examples of %s\n", ev.Accuracy, ev.Examples, ev.Dataset)
	fmt.Fprintf(stdout, "isometry at layer %d (K = %g), same-class pairs:\n", ev.Isometry.Layer, ev.Isometry.K)
	fmt.Fprintf(stdout, "  %-8s %8s %10s %12s %8s\n", "class", "points", "pearson_r", "mean|ΔD|", "stress")
	for _, c := range ev.Isometry.PerClass {
		fmt.Fprintf(stdout, "  %-8d %8d %10.4f %12.4f %8.4f\n", c.Class, c.N, c.Pearson, c.MeanAbsDiff, c.Stress)
	}
	a := ev.Isometry.All
	fmt.Fprintf(stdout, "  %-8s %8s %10.4f %12.4f %8.4f\n", "all", "", a.Pearson, a.MeanAbsDiff, a.Stress)
	return nil
}
