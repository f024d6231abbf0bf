package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/stacked"
	"github.com/isonet/isonet/train"
)

// stackedFlags are the flags of the stacked path of train and eval.
type stackedFlags struct {
	fs         *flag.FlagSet
	stacked    *bool
	sharedHead *bool
	levels     *string
	labelCols  *string // eval only (train has its own --label-cols)
}

// registerStackedTrainFlags adds --stacked, --shared-head and --levels to
// train's flags.
func registerStackedTrainFlags(fs *flag.FlagSet) *stackedFlags {
	return &stackedFlags{fs: fs,
		stacked:    fs.Bool("stacked", false, "train stacked LILs, one block per label level, coarsest first (torus: 2, 4, 8 classes; CSV: several --label-cols)"),
		sharedHead: fs.Bool("shared-head", false, "with --stacked: predict every level with the last block's classifier, coarse levels as ancestors of its class"),
		levels:     fs.String("levels", "", "with --stacked: derive the levels from the finest labels and this tree of parent arrays, coarsest first (torus: 0,0,1,1/0,0,1,1,2,2,3,3)"),
	}
}

// used reports whether the stacked path is asked for.
func (f *stackedFlags) used() bool {
	return *f.stacked || *f.sharedHead || *f.levels != ""
}

// trainStacked is `isonet train --stacked`: it trains one block per label
// level and writes the stack (config.json, model.safetensors with
// blocks.{k}.* tensors, metrics.json holding the stacked.Result).
func trainStacked(ctx context.Context, sf *specFlags, f *stackedFlags, out string, force, quiet bool, resume string, stdout, stderr io.Writer) error {
	if !*f.stacked {
		return errors.New("--shared-head and --levels need --stacked")
	}
	if resume != "" || isSet(f.fs, "checkpoint-every") {
		return errors.New("--resume and --checkpoint-every are not supported with --stacked (a stack is trained in one run)")
	}
	spec, err := sf.spec(f.fs)
	if err != nil {
		return err
	}
	s := stacked.Spec{Spec: spec, SharedHead: *f.sharedHead}
	if *f.levels != "" {
		if s.Tree, err = stacked.ParseTree(*f.levels); err != nil {
			return err
		}
	}
	if out == "" {
		return errors.New("--out DIR is required")
	}
	inputs := dataInputs(spec.Data.Name, spec.Data.Dir)
	if _, err := outdir.CheckDir("--out", out, force, inputs...); err != nil {
		return err
	}
	lock, err := lockOut(out, force, inputs)
	if err != nil {
		return err
	}
	defer lock.Release()
	if _, err := checkCheckpoint(out, force); err != nil {
		return err
	}
	loaded, err := spec.Data.Open(data.OpenOptions{})
	if err != nil {
		return err
	}
	trainSet, testSet := loaded.Train, loaded.Test
	tr, _, _, err := s.Levels(trainSet, testSet)
	if err != nil {
		return err
	}
	for _, w := range append(loaded.Warnings, spec.Warnings(trainSet)...) {
		fmt.Fprintln(stderr, "isonet train: warning:", message(w))
	}
	L := tr.Levels()
	fmt.Fprintf(stderr, "training %d stacked blocks on %s: %d examples × %d features, classes per level %v; %d test examples\n",
		L, tr.Name, tr.Len(), tr.Dim(), tr.Classes, testSet.Len())
	var prog *progress
	hooks := func(k int) train.Hooks {
		if prog != nil {
			prog.finish()
		}
		if !quiet {
			fmt.Fprintf(stderr, "block %d of %d: level %d, %d classes\n", k+1, L, k, tr.Classes[k])
		}
		prog = newProgress(stderr, spec, tr.Len(), quiet)
		return prog.hooks()
	}
	m, res, err := stacked.Fit(ctx, s, trainSet, testSet, hooks)
	if prog != nil {
		prog.finish()
	}
	if err != nil {
		return err
	}
	m.Config.Data = &loaded.Prov
	if err := model.SaveForce(out, m, res, force); err != nil {
		return err
	}
	removeIfCheckpoint(out) // one --force discarded: --resume would overwrite the stack
	for lv, c := range res.Classes {
		fmt.Fprintf(stdout, "level %d (%d classes): train accuracy %.4f, test accuracy %.4f\n", lv, c, res.TrainAcc[lv], res.TestAcc[lv])
	}
	head := "a classifier per level"
	if s.SharedHead {
		head = "shared head"
	}
	fmt.Fprintf(stdout, "%d blocks (%s), %.1f s; model in %s\n", L, head, res.Seconds, out)
	return nil
}

// registerStackedEvalFlags adds eval's overrides for stacked models.
func registerStackedEvalFlags(fs *flag.FlagSet) *stackedFlags {
	return &stackedFlags{fs: fs,
		labelCols: fs.String("label-cols", "", "stacked models: CSV label columns, coarsest first (default: as trained)"),
		levels:    fs.String("levels", "", "stacked models: label tree as parent arrays (default: as trained)"),
	}
}

// evalOptions are eval's flags.
type evalOptions struct {
	dir, dataset, dataDir string
	seed                  uint64
	subset                int
	asJSON                bool
	testFrac              float64
}

// evalStacked is `isonet eval` for a stacked model: accuracy per level and
// each block's isometry with its own level's partition. The data set (its
// file, label columns, split and class names) defaults to exactly the one
// recorded in config.json, the label tree to the training run's (from
// metrics.json); flags override them. A model folder from before isonet
// recorded its data takes the data spec from metrics.json.
func evalStacked(m *model.Model, f *stackedFlags, o evalOptions, stdout io.Writer) error {
	ds := data.Spec{Name: m.Config.Dataset}
	var tree stacked.Tree
	if b, err := os.ReadFile(filepath.Join(o.dir, model.MetricsFile)); err == nil {
		var res stacked.Result
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(o.dir, model.MetricsFile), err)
		}
		ds, tree = res.Spec.Data, res.Spec.Tree
		ds.TrainSubset = 0
	}
	var labelCols []int
	if *f.labelCols != "" {
		for _, c := range strings.Split(*f.labelCols, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(c))
			if err != nil || v < 0 {
				return fmt.Errorf("--label-cols: %q is not a column index ≥ 0", c)
			}
			labelCols = append(labelCols, v)
		}
	}
	if *f.levels != "" {
		var err error
		if tree, err = stacked.ParseTree(*f.levels); err != nil {
			return err
		}
	}
	var (
		trainSet, testSet *data.Set
		rep               *dataReport
	)
	if m.Config.Data != nil {
		seed := o.seed
		if seed == 0 {
			seed = m.Config.Seed
		}
		l, r, err := resolveData(m, o.dir, dataChoice{
			dataset: o.dataset, dataDir: o.dataDir, seed: seed, testFrac: o.testFrac, subset: o.subset,
			setDataset: isSet(f.fs, "dataset"), setDataDir: isSet(f.fs, "data-dir"),
			setSeed: isSet(f.fs, "seed"), setTestFrac: isSet(f.fs, "test-frac"), labelCols: labelCols,
		})
		if err != nil {
			return err
		}
		trainSet, testSet, rep = l.Train, l.Test, r
		ds.Name = m.Config.Dataset
	} else {
		if isSet(f.fs, "dataset") {
			ds = data.Spec{Name: o.dataset}
		}
		if isSet(f.fs, "seed") {
			ds.Seed = o.seed
		}
		if isSet(f.fs, "data-dir") {
			ds.Dir = o.dataDir
		}
		ds.TestSubset = o.subset
		if ds.Name == "" {
			return fmt.Errorf("--dataset is required: the model in %s does not name its data set", o.dir)
		}
		if labelCols != nil {
			ds.LabelCols = labelCols
		}
		var err error
		if trainSet, testSet, err = ds.Load(); err != nil {
			return err
		}
		rep = &dataReport{TrainedOn: unknownData, EvaluatedOn: ds.Name,
			Warnings: []string{fmt.Sprintf("the model in %s does not record its data (written before isonet did); using the data spec of its metrics.json", o.dir)}}
	}
	s := stacked.Spec{Spec: train.Spec{Data: ds}, Tree: tree}
	_, te, t, err := s.Levels(trainSet, testSet)
	if err != nil {
		return err
	}
	ev, err := stacked.Evaluate(m, te, t, o.seed)
	if err != nil {
		return err
	}
	if o.asJSON {
		return writeJSON(stdout, stackedEvalJSON{ev, rep})
	}
	head := "a classifier per level"
	if ev.SharedHead {
		head = "shared head: coarse levels are ancestors of the finest prediction"
	}
	fmt.Fprintf(stdout, "stacked model, %d blocks (%s); %d examples of %s\n", len(ev.Blocks), head, ev.Examples, ev.Dataset)
	for _, line := range rep.lines() {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "  %-6s %8s %9s\n", "level", "classes", "accuracy")
	for _, l := range ev.Levels {
		fmt.Fprintf(stdout, "  %-6d %8d %9.4f\n", l.Level, l.Classes, l.Accuracy)
	}
	fmt.Fprintln(stdout, "isometry per block: same-class pairs of the block's level, block input vs its layer (K as trained):")
	fmt.Fprintf(stdout, "  %-6s %-6s %-6s %-12s %7s %10s %10s %8s %10s\n", "block", "level", "layer", "class", "points", "pearson_r", "mean|ΔD|", "stress", "r_vs_data")
	for _, b := range ev.Blocks {
		for _, c := range b.PerClass {
			name := te.ClassName(b.Level, c.Class)
			if len(name) > 12 {
				name = name[:11] + "…"
			}
			fmt.Fprintf(stdout, "  %-6d %-6d %-6d %-12s %7d %10.4f %10.4f %8.4f\n", b.Block, b.Level, b.Layer, name, c.N, c.Pearson, c.MeanAbsDiff, c.Stress)
		}
		a := b.All
		fmt.Fprintf(stdout, "  %-6d %-6d %-6d %-12s %7s %10.4f %10.4f %8.4f %10.4f\n", b.Block, b.Level, b.Layer, "all", "", a.Pearson, a.MeanAbsDiff, a.Stress, b.VsData.Pearson)
	}
	return nil
}

// stackedEvalJSON is eval's JSON output for a stacked model.
type stackedEvalJSON struct {
	stacked.Eval
	Data *dataReport `json:"data"`
}
