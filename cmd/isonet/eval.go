package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/isonet/isonet/geometry"
	"github.com/isonet/isonet/model"
)

func init() {
	register(&command{name: "eval", summary: "clean accuracy and isometry numbers of a trained model", run: runEval})
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "--model DIR [--dataset D] [--json]", stderr)
	mf := newModelFlags(fs, "evaluated", true, false)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	stackedOpts := registerStackedEvalFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := mf.required(); err != nil {
		return err
	}
	if sm, err := model.Load(mf.dir); err == nil && sm.Stacked() {
		return evalStacked(sm, stackedOpts, evalOptions{mf.dir, mf.dataset, mf.dataDir, mf.seed, mf.subset, *asJSON, mf.testFrac}, stdout)
	} else if *stackedOpts.labelCols != "" || *stackedOpts.levels != "" {
		return fmt.Errorf("--label-cols and --levels are for stacked models; %s is not one", mf.dir)
	}
	m, d, _, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	ev, err := interruptible(ctx, func() (geometry.Evaluation, error) { return geometry.Evaluate(m, d.test, mf.seed), nil })
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(evalJSON{ev, mf.report})
	}
	fmt.Fprintf(stdout, "accuracy %.4f on %d examples of %s\n", ev.Accuracy, ev.Examples, ev.Dataset)
	for _, line := range mf.report.lines() {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "isometry at layer %d (K = %g), same-class pairs:\n", ev.Isometry.Layer, ev.Isometry.K)
	fmt.Fprintf(stdout, "  %-8s %8s %10s %12s %8s\n", "class", "points", "pearson_r", "mean|ΔD|", "stress")
	for _, c := range ev.Isometry.PerClass {
		if why := c.Why(); why != "" {
			fmt.Fprintf(stdout, "  %-8d %8d undefined (%s)\n", c.Class, c.N, why)
			continue
		}
		fmt.Fprintf(stdout, "  %-8d %8d %10.4f %12.4f %8.4f\n", c.Class, c.N, c.Pearson, c.MeanAbsDiff, c.Stress)
	}
	a := ev.Isometry.All
	if why := a.Why(); why != "" {
		fmt.Fprintf(stdout, "  %-8s %8s undefined (%s)\n", "all", "", why)
	} else {
		fmt.Fprintf(stdout, "  %-8s %8s %10.4f %12.4f %8.4f\n", "all", "", a.Pearson, a.MeanAbsDiff, a.Stress)
	}
	return nil
}

// evalJSON is eval's JSON output: the evaluation and, under "data", which
// data it used against the data the model was trained on.
type evalJSON struct {
	geometry.Evaluation
	Data *dataReport `json:"data"`
}
