package reproduce

import (
	"context"
	"errors"

	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/train"
)

// A lane computes phases ahead of their turn, beside the rest of the run:
// the MNIST study's phases run one core wide while the toy experiments
// keep the other core busy, and the study takes their results as it reaches
// them (studyAhead).

// doAhead is Do in lane ln: it computes the phase for the study to take,
// or, when the lane computed it already, takes the result again (the
// timing stays for the study).
func doAhead(ctx context.Context, e *Env, ln *lane, p phase.Phase) (any, error) {
	f, started, err := e.ahead(ln, p.Name)
	if err != nil {
		return nil, err
	}
	if started {
		// The phase's own work (and any phase it runs) is not ahead: it
		// computes for itself, narrow.
		ctx := context.WithValue(context.WithValue(ctx, laneKey{}, (*lane)(nil)), narrowKey{}, ln.stop)
		f.res, f.err = e.do(ctx, p, f)
		close(f.done)
	}
	return take(ctx, f)
}

// take waits for flight f and returns its result.
func take(ctx context.Context, f *flight) (any, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return f.res, f.err
}

// flight is a phase computed ahead by a lane (laneContext) for a later Do of the
// same name in this process.
type flight struct {
	name   string
	done   chan struct{} // closed when res, timing and err are set
	res    any
	timing Timing
	err    error
}

// lane is what laneContext puts in a context.
type lane struct{ stop <-chan struct{} }

type (
	laneKey   struct{}
	narrowKey struct{}
)

// errLaneStopped is Do's error, under a context from laneContext, once the lane's
// stop channel is closed.
var errLaneStopped = errors.New("reproduce: the lane is stopped")

// flightOf returns the flight of phase name, or nil.
func (e *Env) flightOf(name string) *flight {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.flights[name]
}

// ahead returns the flight of phase name computed ahead by ln, and whether
// this call started it (registered it for the caller to compute), or
// errLaneStopped once ln is stopped.
func (e *Env) ahead(ln *lane, name string) (f *flight, started bool, err error) {
	select {
	case <-ln.stop:
		return nil, false, errLaneStopped
	default:
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if f := e.flights[name]; f != nil {
		return f, false, nil
	}
	if e.flights == nil {
		e.flights = map[string]*flight{}
	}
	f = &flight{name: name, done: make(chan struct{})}
	e.flights[name] = f
	return f, true, nil
}

// laneContext returns a context under which Do computes its phase ahead of its
// turn, in a lane beside the rest of the run: a later Do of the same name
// in this process waits for it and takes its result (and its timing, which
// the lane's call does not record) instead of computing the phase again.
// Once stop is closed, Do under the context returns errLaneStopped without
// computing; a phase already started finishes, widening (see narrow). Outside ModeRun, or in a shard, the context changes
// nothing.
func laneContext(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, laneKey{}, &lane{stop: stop})
}

// narrow reports whether ctx is a phase computed ahead by a lane, which
// should use one core (the rest of the run has the others) until the
// returned channel (the lane's stop) is closed.
func narrow(ctx context.Context) (bool, <-chan struct{}) {
	stop, ok := ctx.Value(narrowKey{}).(<-chan struct{})
	return ok && stop != nil, stop
}

// studyAhead computes the study's phases (declared by studyExperiment) ahead
// of their turn in a lane (laneContext) until stop is closed: while a toy
// experiment keeps one core busy, the other trains every model (training
// uses one core anyway), then measures and attacks them in the order the
// study takes them, one core wide. It stops at the first failure, which the
// study then meets and reports.
func studyAhead(ctx context.Context, e *Env, phases []phase.Phase, stop <-chan struct{}) {
	ctx = laneContext(ctx, stop)
	var trained []train.Spec
	for _, p := range phases {
		if spec, ok := p.Settings.(train.Spec); ok && len(p.Needs) == 0 {
			if _, err := e.doPhase(ctx, p); err != nil {
				return
			}
			trained = append(trained, spec)
		}
	}
	// Every model is trained: the rest reads the test split (dropping
	// one data set twice is harmless).
	for _, spec := range trained {
		e.dropTraining(spec.Data)
	}
	for _, p := range phases {
		if _, err := e.doPhase(ctx, p); err != nil {
			return
		}
	}
}
