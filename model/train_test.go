package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/train"
)

// weightsOf returns every weight of m's blocks, in order.
func weightsOf(m *Model) []float32 {
	var w []float32
	for _, b := range m.Blocks {
		for _, p := range b.Params() {
			w = append(w, p.Data...)
		}
	}
	return w
}

// TestTrainResumes: a run interrupted mid-epoch keeps its checkpoint
// beside the model folder, and Train called again with the same spec
// resumes it (saying so) to the weights an uninterrupted Train reaches,
// bit for bit, saves a model that loads with those weights, and removes
// the checkpoint; with other settings the checkpoint is passed over (saying
// why) and the run starts afresh.
func TestTrainResumes(t *testing.T) {
	tr, te, err := data.Spec{Name: "rings", Seed: 3}.Load()
	if err != nil {
		t.Fatal(err)
	}
	spec := train.Spec{Data: data.Spec{Name: "rings", Seed: 3}, Width: 8, Depth: 2, Seed: 5,
		Train: train.Config{Alpha: 1, Beta: 1, Epochs: 6, Batch: 250}}
	root := t.TempDir()
	whole := filepath.Join(root, "whole")
	want, _, err := Train(context.Background(), whole, spec, tr, te, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(root, "m")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ck := &train.Checkpointing{Every: 1}
	stop := train.Hooks{Step: func(epoch, step, _ int, _, _ float64) {
		if epoch == 3 && step == 2 {
			cancel()
		}
	}}
	if _, _, err := Train(ctx, dir, spec, tr, te, TrainOptions{Checkpoint: ck, Hooks: stop}); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("interrupted run: %v, want ErrInterrupted", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted run wrote the model folder: %v", err)
	}
	var log []string
	logf := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
	got, res, err := Train(context.Background(), dir, spec, tr, te, TrainOptions{Checkpoint: ck, Log: logf})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0] != "resuming from its checkpoint at epoch 3" {
		t.Errorf("log %q, want one line saying it resumed at epoch 3", log)
	}
	if !slices.Equal(weightsOf(got), weightsOf(want)) {
		t.Error("the resumed run's weights differ from the uninterrupted run's")
	}
	if len(res.Epochs) != 6 {
		t.Errorf("result has %d epochs, want all 6 (those before the checkpoint too)", len(res.Epochs))
	}
	loaded, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weightsOf(loaded), weightsOf(want)) || loaded.Config.Blocks[0].Train.Beta != 1 {
		t.Errorf("the saved model does not hold the trained weights and settings: %+v", loaded.Config)
	}
	if _, err := os.Stat(train.CheckpointDir(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the checkpoint is still there: %v", err)
	}

	// A checkpoint of β = 1 is not resumed by a run of β = 2.
	other := filepath.Join(root, "other")
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	if _, _, err := Train(ctx, other, spec, tr, te, TrainOptions{Checkpoint: ck, Hooks: stop}); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	spec2 := spec
	spec2.Train.Beta = 2
	want2, _, err := Train(context.Background(), filepath.Join(root, "whole2"), spec2, tr, te, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log = nil
	got2, _, err := Train(context.Background(), other, spec2, tr, te, TrainOptions{Log: logf})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || !strings.HasSuffix(log[0], "it was saved for other settings") {
		t.Errorf("log %q, want one line saying the checkpoint was for other settings", log)
	}
	if !slices.Equal(weightsOf(got2), weightsOf(want2)) {
		t.Error("a run past another spec's checkpoint did not start afresh")
	}
	if err := os.WriteFile(filepath.Join(root, "whole2", "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Train(context.Background(), filepath.Join(root, "whole2"), spec2, tr, te, TrainOptions{Replace: true}); err == nil {
		t.Error("Train replaced a folder holding a file isonet did not write")
	}
}
