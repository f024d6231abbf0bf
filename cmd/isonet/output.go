package main

import (
	"fmt"
	"strings"

	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/train"
)

// dataInputs lists the files a data set is read from (a CSV file, an IDX
// folder), so that no output is written over them or around them.
func dataInputs(dataset, dataDir string) []outdir.Input {
	var in []outdir.Input
	if p, ok := strings.CutPrefix(dataset, "csv:"); ok && p != "" {
		in = append(in, outdir.DataInput(p, "--dataset "+dataset))
	}
	if dataDir != "" {
		in = append(in, outdir.DataInput(dataDir, "--data-dir "+dataDir))
	}
	return in
}

// modelInputs lists what a command applying model m (loaded from --model)
// reads: the model folder and its data (--dataset, or the model's own).
func modelInputs(f *modelFlags, m *model.Model) []outdir.Input {
	in := append([]outdir.Input{outdir.ModelInput(f.dir)}, dataInputs(f.dataset, f.dataDir)...)
	if f.dataset == "" && m != nil {
		if p, ok := strings.CutPrefix(m.Config.Dataset, "csv:"); ok && p != "" {
			in = append(in, outdir.DataInput(p, "the data set "+m.Config.Dataset+" of --model "+f.dir))
		}
	}
	return in
}

// withExts returns base+ext for every ext.
func withExts(base string, exts ...string) []string {
	var p []string
	for _, e := range exts {
		p = append(p, base+e)
	}
	return p
}

// checkCheckpoint refuses a new training run into out while an interrupted
// run's checkpoint out.checkpoint exists: the run would replace it, and
// `--resume out` would find nothing. With force a real isonet checkpoint
// may be discarded (the caller removes it once the run finishes); anything
// else at that path is never touched. It returns whether one exists.
func checkCheckpoint(out string, force bool) (bool, error) {
	ck := train.CheckpointDir(out)
	info, err := outdir.Classify(ck)
	if err != nil {
		return false, fmt.Errorf("--out %s: %v", out, err)
	}
	switch {
	case info.Kind == outdir.Missing:
		return false, nil
	case info.Kind == outdir.Owned && info.What == "checkpoint":
		if !force {
			return true, fmt.Errorf("--out %s: an interrupted run's checkpoint %s exists; continue it with --resume %s (or give --force to discard it)", out, ck, out)
		}
		return true, nil
	}
	return false, fmt.Errorf("--out %s: %s exists and is not an isonet checkpoint; choose another --out", out, ck)
}

// lockOut takes the exclusive lock on the output folder out and checks the
// folder again under the lock (another run may have written it between the
// first check and the lock).
func lockOut(out string, force bool, inputs []outdir.Input) (*outdir.Lock, error) {
	lk, err := outdir.Acquire("--out", out)
	if err != nil {
		return nil, err
	}
	if _, err := outdir.CheckDir("--out", out, force, inputs...); err != nil {
		lk.Release()
		return nil, err
	}
	return lk, nil
}

// removeIfCheckpoint removes out's checkpoint folder if it is an isonet
// checkpoint (a finished run's, or one --force discarded).
func removeIfCheckpoint(out string) {
	ck := train.CheckpointDir(out)
	outdir.RemoveOwned(ck, "checkpoint")
}
