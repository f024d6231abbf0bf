package model

import (
	"bytes"
	"context"
	"encoding/json"
	"os"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/train"
)

// TrainOptions are the optional parts of Train; the zero value starts
// afresh (or resumes a checkpoint saved for the same spec), saves no
// checkpoint, watches nothing and replaces no folder.
type TrainOptions struct {
	// Data, when set, is where the sets came from; config.json records it.
	Data *data.Provenance
	// Trainer, when set, is the run to continue (one that train.Start or
	// train.Resume made), instead of Train's own choice between the
	// checkpoint beside the folder and a fresh start; its spec is the
	// run's, and Train's spec argument is not read.
	Trainer *train.Trainer
	// Checkpoint, when set, says when to save checkpoints; Train saves
	// them to train.CheckpointDir(dir) (its Dir is ignored).
	Checkpoint *train.Checkpointing
	// Hooks watch the training loop.
	Hooks train.Hooks
	// Replace lets the model replace a model folder isonet wrote at dir
	// (SaveForce's force).
	Replace bool
	// Log, when set, is told whether the checkpoint beside the folder was
	// resumed and, if not, why.
	Log func(format string, args ...any)
}

// Train trains the run s into the model folder dir: it continues
// o.Trainer when set; otherwise it resumes the checkpoint in
// train.CheckpointDir(dir) when one saved for s is there (to the weights
// an uninterrupted run reaches), and starts s afresh when none is. It fits
// on trainSet, measuring testSet (which may be nil), saving checkpoints as
// o.Checkpoint says, then saves the model and its result (SaveForce) and
// removes the checkpoint folder. When Fit fails — interrupted or diverged
// — Train returns its error and the result so far, and keeps the
// checkpoint to resume from.
func Train(ctx context.Context, dir string, s train.Spec, trainSet, testSet *data.Set, o TrainOptions) (*Model, *train.Result, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ckDir := train.CheckpointDir(dir)
	t := o.Trainer
	if t == nil {
		t = resumable(ckDir, s, logf)
	}
	if t == nil {
		var err error
		if t, err = train.Start(s, trainSet.Dim(), trainSet.NumClasses()); err != nil {
			return nil, nil, err
		}
	}
	m, err := New(t.Spec(), t.Net())
	if err != nil {
		return nil, nil, err
	}
	m.Config.Data = o.Data
	fo := train.FitOptions{Hooks: o.Hooks}
	if o.Checkpoint != nil {
		ck := *o.Checkpoint
		ck.Dir = ckDir
		fo.Checkpoint = &ck
	}
	res, err := t.Fit(ctx, trainSet, testSet, fo)
	if err != nil {
		return nil, res, err
	}
	if err := SaveForce(dir, m, res, o.Replace); err != nil {
		return nil, res, err
	}
	// Only the files the checkpoint's marker lists: a file of the user's
	// there, or a link at the path, is kept.
	outdir.RemoveOwned(ckDir, "checkpoint")
	return m, res, nil
}

// resumable returns the trainer of the checkpoint in ckDir when it was
// saved for the spec s (nil otherwise, telling logf why when there is a
// checkpoint).
func resumable(ckDir string, s train.Spec, logf func(string, ...any)) *train.Trainer {
	if _, err := os.Stat(ckDir); err != nil {
		return nil
	}
	t, err := train.Resume(ckDir)
	if err != nil {
		logf("not resuming from %s: %v", ckDir, err)
		return nil
	}
	a, errA := json.Marshal(t.Spec())
	b, errB := json.Marshal(s.WithDefaults())
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		logf("not resuming from %s: it was saved for other settings", ckDir)
		return nil
	}
	logf("resuming from its checkpoint at epoch %d", t.Epoch()+1)
	return t
}
