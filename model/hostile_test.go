package model

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/train"
)

// hostileRun is a small rings run for the tests below.
func hostileRun(t *testing.T) (train.Spec, *data.Set, *data.Set) {
	t.Helper()
	tr, te, err := data.Spec{Name: "rings", Seed: 3}.Load()
	if err != nil {
		t.Fatal(err)
	}
	return train.Spec{Data: data.Spec{Name: "rings", Seed: 3}, Width: 4, Depth: 1, Seed: 5,
		Train: train.Config{Alpha: 1, Beta: 1, Epochs: 2, Batch: 500}}, tr, te
}

// TestTrainRemovesOnlyCheckpoint: once the model is saved, Train removes
// the files of the checkpoint it resumed and nothing else: a user's file in
// the checkpoint folder (under a name outdir.Classify passes over: a
// marker's temporary) stays, and a symbolic link at the checkpoint path is
// kept with its target (issue 29 follow-up, item 1: os.RemoveAll deleted
// both).
func TestTrainRemovesOnlyCheckpoint(t *testing.T) {
	spec, tr, te := hostileRun(t)
	root := t.TempDir()
	dir := filepath.Join(root, "m")
	ck := train.CheckpointDir(dir)
	start, err := train.Start(spec, tr.Dim(), tr.NumClasses())
	if err != nil {
		t.Fatal(err)
	}
	if err := start.SaveCheckpoint(ck); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(ck, "..isonet.tmp-notes")
	os.WriteFile(notes, []byte("mine"), 0o644)
	var log []string
	if _, _, err := Train(context.Background(), dir, spec, tr, te, TrainOptions{Log: func(f string, a ...any) { log = append(log, f) }}); err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || !strings.HasPrefix(log[0], "resuming") {
		t.Errorf("log %q, want the checkpoint resumed", log)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Fatalf("the user's file in the checkpoint folder: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(ck, "checkpoint.json")); err == nil {
		t.Error("the resumed checkpoint's checkpoint.json was kept")
	}

	// A link at the checkpoint path, to a checkpoint the user keeps.
	dir2 := filepath.Join(root, "m2")
	arch := filepath.Join(root, "archive")
	if err := start.SaveCheckpoint(arch); err != nil {
		t.Fatal(err)
	}
	os.Symlink(arch, train.CheckpointDir(dir2))
	if _, _, err := Train(context.Background(), dir2, spec, tr, te, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(train.CheckpointDir(dir2)); err != nil {
		t.Errorf("the link at the checkpoint path was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(arch, "checkpoint.json")); err != nil {
		t.Errorf("the linked checkpoint was removed: %v", err)
	}
}

// TestSaveForceOnlyModels: SaveForce with force refuses a folder isonet
// wrote for something other than a model — a reproduce run, a geometry
// folder, a checkpoint (marked or legacy) — and leaves it byte for byte
// (issue 29 follow-up, item 2: only the CLI checked the kind; the library
// replaced them). A model folder is still replaced.
func TestSaveForceOnlyModels(t *testing.T) {
	spec, tr, te := hostileRun(t)
	root := t.TempDir()
	m, _, err := Train(context.Background(), filepath.Join(root, "m"), spec, tr, te, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(root, "run")
	os.Mkdir(run, 0o755)
	os.WriteFile(filepath.Join(run, "results.json"), []byte("{}"), 0o644)
	outdir.Record(run, "reproduce", "results.json")
	geo := filepath.Join(root, "geo")
	os.Mkdir(geo, 0o755)
	os.WriteFile(filepath.Join(geo, "geometry.json"), []byte("{}"), 0o644)
	outdir.Record(geo, "geometry", "geometry.json")
	ck := filepath.Join(root, "ck")
	start, _ := train.Start(spec, tr.Dim(), tr.NumClasses())
	if err := start.SaveCheckpoint(ck); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(root, "legacy")
	os.Mkdir(legacy, 0o755)
	os.WriteFile(filepath.Join(legacy, "checkpoint.json"), []byte(`{"format": "isonet-checkpoint/1"}`), 0o644)
	for _, c := range []struct{ dir, kind, file string }{
		{run, "reproduce", "results.json"}, {geo, "geometry", "geometry.json"},
		{ck, "checkpoint", "checkpoint.json"}, {legacy, "checkpoint", "checkpoint.json"},
	} {
		before, _ := os.ReadFile(filepath.Join(c.dir, c.file))
		err := SaveForce(c.dir, m, nil, true)
		if want := "is an isonet " + c.kind + " folder, not a model folder"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SaveForce over %s: error %v, want %q", c.dir, err, want)
		}
		if after, err := os.ReadFile(filepath.Join(c.dir, c.file)); err != nil || string(after) != string(before) {
			t.Errorf("%s/%s changed: %v", c.dir, c.file, err)
		}
	}
	if err := SaveForce(filepath.Join(root, "m"), m, nil, true); err != nil {
		t.Errorf("SaveForce over a model folder isonet wrote: %v", err)
	}
}

// TestSaveCheckpointKeepsOthers: SaveCheckpoint (through Train's
// checkpoints) does not replace a folder of the user's, a link, or another
// kind of isonet folder at the checkpoint path; the run fails and they
// stay (they were replaced whole before).
func TestSaveCheckpointKeepsOthers(t *testing.T) {
	spec, tr, te := hostileRun(t)
	root := t.TempDir()
	dir := filepath.Join(root, "m")
	ck := train.CheckpointDir(dir)
	os.Mkdir(ck, 0o755)
	os.WriteFile(filepath.Join(ck, "thesis.tex"), []byte("mine"), 0o644)
	_, _, err := Train(context.Background(), dir, spec, tr, te, TrainOptions{Checkpoint: &train.Checkpointing{Every: 1}})
	if err == nil || !strings.Contains(err.Error(), "thesis.tex, which isonet did not write") {
		t.Errorf("Train with a user's folder at the checkpoint path: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(ck, "thesis.tex")); err != nil || string(b) != "mine" {
		t.Errorf("the user's file: %q, %v", b, err)
	}
	start, _ := train.Start(spec, tr.Dim(), tr.NumClasses())
	geo := filepath.Join(root, "geo")
	os.Mkdir(geo, 0o755)
	os.WriteFile(filepath.Join(geo, "geometry.json"), []byte("{}"), 0o644)
	outdir.Record(geo, "geometry", "geometry.json")
	if err := start.SaveCheckpoint(geo); err == nil || !strings.Contains(err.Error(), "is an isonet geometry folder, not a checkpoint") {
		t.Errorf("SaveCheckpoint over a geometry folder: %v", err)
	}
	link := filepath.Join(root, "link")
	os.Symlink(geo, link)
	if err := start.SaveCheckpoint(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("SaveCheckpoint at a link: %v", err)
	}
	if err := start.SaveCheckpoint(filepath.Join(root, "fresh")); err != nil {
		t.Fatal(err)
	}
	if err := start.SaveCheckpoint(filepath.Join(root, "fresh")); err != nil {
		t.Errorf("SaveCheckpoint over its own checkpoint: %v", err)
	}
}
