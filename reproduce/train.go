package reproduce

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/train"
)

// Trained is a model trained by a phase: its folder, relative to the run
// folder, and what training measured.
type Trained struct {
	Dir    string        `json:"model_dir"`
	Result *train.Result `json:"result"`
}

// dataCache holds the sets loaded in this process, keyed by the whole
// data spec (as JSON, so a field added to data.Spec is part of the key);
// dataMu guards it for every Env of the process.
var (
	dataMu    sync.Mutex
	dataCache = map[string][2]*data.Set{}
	// provCache holds where each data set of dataCache came from (every
	// file's checksum, the split, the class names), which every model a
	// phase writes records as `isonet train` does.
	provCache = map[string]data.Provenance{}
	// loadMu is held while a set is read from its files, so that phases
	// running at once (runPool) read each set once, not once each.
	loadMu sync.Mutex
)

// Data loads (once per process) the sets a DataSpec names.
func (e *Env) Data(d data.Spec) (trainSet, testSet *data.Set, err error) {
	k, err := dataKey(d)
	if err != nil {
		return nil, nil, err
	}
	dataMu.Lock()
	p, ok := dataCache[k]
	dataMu.Unlock()
	if ok && p[0] != nil && p[1] != nil {
		return p[0], p[1], nil
	}
	loadMu.Lock()
	defer loadMu.Unlock()
	dataMu.Lock()
	p, ok = dataCache[k]
	dataMu.Unlock()
	if ok && p[0] != nil && p[1] != nil {
		return p[0], p[1], nil
	}
	l, err := d.Open(data.OpenOptions{})
	if err != nil {
		return nil, nil, err
	}
	dataMu.Lock()
	dataCache[k] = [2]*data.Set{l.Train, l.Test}
	provCache[k] = l.Prov
	dataMu.Unlock()
	return l.Train, l.Test, nil
}

// provenance returns where the data d came from, as Data read it (call it
// after Data): what a model trained on d records in its config.json.
func (e *Env) provenance(d data.Spec) (*data.Provenance, error) {
	k, err := dataKey(d)
	if err != nil {
		return nil, err
	}
	dataMu.Lock()
	p, ok := provCache[k]
	dataMu.Unlock()
	if !ok {
		l, err := d.Open(data.OpenOptions{})
		if err != nil {
			return nil, err
		}
		p = l.Prov
		dataMu.Lock()
		provCache[k] = p
		dataMu.Unlock()
	}
	return &p, nil
}

// testData returns the test split of d: the cached one, or (when the
// training split is not wanted, or was dropped) the test split alone.
func (e *Env) testData(d data.Spec) (*data.Set, error) {
	k, err := dataKey(d)
	if err != nil {
		return nil, err
	}
	dataMu.Lock()
	p := dataCache[k]
	dataMu.Unlock()
	if p[1] != nil {
		return p[1], nil
	}
	loadMu.Lock()
	defer loadMu.Unlock()
	dataMu.Lock()
	p = dataCache[k]
	dataMu.Unlock()
	if p[1] != nil {
		return p[1], nil
	}
	l, err := d.Open(data.OpenOptions{TestOnly: true})
	if err != nil {
		return nil, err
	}
	dataMu.Lock()
	p = dataCache[k]
	if p[1] == nil {
		p[1] = l.Test
		dataCache[k] = p
	}
	dataMu.Unlock()
	return p[1], nil
}

// dropTraining forgets d's cached training split, which the phases after
// training do not read (they ask testData): on MNIST it frees 188 MB for
// the attacks. A later Data reads it again.
func (e *Env) dropTraining(d data.Spec) {
	k, err := dataKey(d)
	if err != nil {
		return
	}
	dataMu.Lock()
	if p, ok := dataCache[k]; ok {
		p[0] = nil
		dataCache[k] = p
	}
	dataMu.Unlock()
}

// dataKey is d's key in dataCache: the whole spec as JSON.
func dataKey(d data.Spec) (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}

// TrainPhase trains spec as phase name and keeps the model in
// e.ModelDir(name) (see trainPhase).
func TrainPhase(ctx context.Context, e *Env, name string, spec train.Spec) (Trained, error) {
	return Do[Trained](ctx, e, trainPhase(e, name, spec))
}

// trainPhase declares the training of spec as phase name. Its result names
// the model folder relative to the run folder, and the engine keeps the
// sha256 of its weights and configuration: a stored result is reused only
// while they are as trained. While training it saves a checkpoint (beside
// the model folder, every e.CheckpointEvery and when interrupted); a run
// killed mid-phase resumes from it, to the same weights, when the phase
// runs again with the same spec (model.Train).
func trainPhase(e *Env, name string, spec train.Spec) phase.Phase {
	rel := modelRel(name)
	files := func(t Trained) []string {
		return []string{filepath.Join(t.Dir, model.WeightsFile), filepath.Join(t.Dir, model.ConfigFile)}
	}
	return e.withData(spec.Data, phase.Of(name, spec, nil, files, func(ctx context.Context, in *phase.Inputs) (Trained, error) {
		dir := in.Path(rel)
		tr, te, err := e.Data(spec.Data)
		if err != nil {
			return Trained{}, err
		}
		if err := spec.Validate(); err != nil {
			return Trained{}, err
		}
		prov, err := e.provenance(spec.Data)
		if err != nil {
			return Trained{}, err
		}
		var ck *train.Checkpointing
		if e.CheckpointEvery >= 0 {
			ck = &train.Checkpointing{Interval: e.CheckpointEvery,
				Warn: func(err error) { e.Logf("%s: a checkpoint could not be saved (training goes on): %v", name, err) }}
			if e.CheckpointEvery == 0 {
				ck.Interval = 30 * time.Second
			}
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				return Trained{}, err
			}
		}
		_, res, err := model.Train(ctx, dir, spec, tr, te, model.TrainOptions{Data: prov, Checkpoint: ck, Replace: true,
			Log: func(format string, args ...any) { e.Logf("%s: "+format, append([]any{name}, args...)...) }})
		if err != nil {
			return Trained{}, err
		}
		return Trained{Dir: rel, Result: res}, nil
	}))
}
