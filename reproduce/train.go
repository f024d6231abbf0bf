package reproduce

import (
	"context"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/experiment"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/train"
)

// Trained is a model trained by a phase: where it is and what training measured.
type Trained struct {
	Dir    string             `json:"model_dir"`
	Result *experiment.Result `json:"result"`
}

type dataKey struct {
	name, dir         string
	seed              uint64
	trainSub, testSub int
}

var dataCache = map[dataKey][2]*data.Set{}

// Data loads (once per process) the sets a DataSpec names.
func (e *Env) Data(d experiment.DataSpec) (trainSet, testSet *data.Set, err error) {
	k := dataKey{d.Name, d.Dir, d.Seed, d.TrainSubset, d.TestSubset}
	e.mu.Lock()
	p, ok := dataCache[k]
	e.mu.Unlock()
	if ok {
		return p[0], p[1], nil
	}
	trainSet, testSet, err = d.Load()
	if err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	dataCache[k] = [2]*data.Set{trainSet, testSet}
	e.mu.Unlock()
	return trainSet, testSet, nil
}

// TrainPhase trains spec as phase name and keeps the model in
// e.ModelDir(name); a stored result is reused only if its model still loads.
func TrainPhase(ctx context.Context, e *Env, name string, spec experiment.Spec) (Trained, error) {
	dir := e.ModelDir(name)
	valid := func(t Trained) bool {
		_, err := model.Load(t.Dir)
		return err == nil && t.Result != nil
	}
	return Do(ctx, e, name, spec, valid, func(ctx context.Context) (Trained, error) {
		tr, te, err := e.Data(spec.Data)
		if err != nil {
			return Trained{}, err
		}
		m, res, err := experiment.Fit(ctx, spec, tr, te, train.Hooks{})
		if err != nil {
			return Trained{}, err
		}
		if err := model.SaveForce(dir, m, res, true); err != nil {
			return Trained{}, err
		}
		return Trained{Dir: dir, Result: res}, nil
	})
}
