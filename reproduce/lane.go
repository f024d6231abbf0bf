package reproduce

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/train"
)

// A lane computes phases ahead of their turn, beside the rest of the run:
// runPool's workers compute every phase of a run one core wide, and the
// experiments take their results as they reach them.

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

// runPool computes the phases of the experiments xs ahead of their turn
// on workers goroutines, each phase one core wide (narrow), so that
// independent work (seeds, models, experiments) shares the machine's cores
// without per-step hand-offs between goroutines: on a machine where other
// work holds a core, a phase slows by the share it loses and no phase
// waits for a slower partner. The experiments then take the results in
// their own order (runExperiment), so the report and every number are
// those of a run one phase after another, whatever the scheduling.
//
// A worker takes, among the phases whose needs are done, the one with the
// longest expected path to the end of the run (its PhaseCost plus that of
// the costliest chain of phases needing it; ties: the first declared), the
// critical-path rule of list scheduling. Once every phase is started the
// lane stops, and the phases still running may widen (see narrow). The
// training split of a data set is dropped once every phase training on it
// is done. runPool stops taking phases at the first failure, which the
// experiment then meets and reports. It first makes every experiment's
// folders, and returns an error only when it cannot.
func runPool(ctx context.Context, e *Env, xs []experiment, workers int) error {
	for _, x := range xs {
		for _, d := range x.dirs {
			if err := e.Mkdir(d); err != nil {
				return err
			}
		}
	}
	var ps []phase.Phase
	idx := map[string]int{}
	for _, x := range xs {
		for _, p := range x.phases {
			if _, ok := idx[p.Name]; !ok {
				idx[p.Name] = len(ps)
				ps = append(ps, p)
			}
		}
	}
	level := pathCosts(ps, idx)
	trains := map[string]int{} // data key → training phases not done
	dataOf := make([]*train.Spec, len(ps))
	for i, p := range ps {
		if spec, ok := p.Settings.(train.Spec); ok && len(p.Needs) == 0 {
			if k, err := dataKey(spec.Data); err == nil {
				dataOf[i] = &spec
				trains[k]++
			}
		}
	}
	stop := make(chan struct{})
	lctx := laneContext(ctx, stop)
	ln := lctx.Value(laneKey{}).(*lane)
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		state   = make([]int8, len(ps)) // 0 waiting, 1 running, 2 done
		waiting = len(ps)
		failed  bool
	)
	ready := func(i int) bool {
		for _, n := range ps[i].Needs {
			if j, ok := idx[n]; ok && state[j] != 2 {
				return false
			}
		}
		return true
	}
	worker := func() {
		for {
			mu.Lock()
			pick := -1
			for !failed && waiting > 0 && ctx.Err() == nil {
				for i := range ps {
					if state[i] == 0 && ready(i) && (pick < 0 || level[i] > level[pick]) {
						pick = i
					}
				}
				if pick >= 0 {
					break
				}
				cond.Wait()
			}
			if pick < 0 {
				mu.Unlock()
				return
			}
			f, started, err := e.ahead(ln, ps[pick].Name)
			state[pick], waiting = 1, waiting-1
			if waiting == 0 {
				close(stop)
			}
			mu.Unlock()
			if err == nil {
				if started {
					// The phase's own work (and any phase it runs) is not
					// ahead: it computes for itself, narrow.
					pctx := context.WithValue(context.WithValue(lctx, laneKey{}, (*lane)(nil)), narrowKey{}, (<-chan struct{})(stop))
					f.res, f.err = e.do(pctx, ps[pick], f)
					close(f.done)
				}
				_, err = take(ctx, f)
			}
			mu.Lock()
			state[pick] = 2
			if err != nil {
				failed = true
			} else if s := dataOf[pick]; s != nil {
				k, _ := dataKey(s.Data)
				if trains[k]--; trains[k] == 0 {
					e.dropTraining(s.Data)
				}
			}
			cond.Broadcast()
			mu.Unlock()
		}
	}
	// A cancelled run wakes the waiting workers.
	go func() {
		select {
		case <-ctx.Done():
		case <-stop:
			return
		}
		mu.Lock()
		cond.Broadcast()
		mu.Unlock()
	}()
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	wg.Wait()
	mu.Lock()
	if waiting > 0 {
		close(stop)
	}
	mu.Unlock()
	return nil
}

// pathCosts returns each phase's expected cost to the end of the run: its
// PhaseCost plus the largest such cost among the phases that need it.
func pathCosts(ps []phase.Phase, idx map[string]int) []float64 {
	users := make([][]int, len(ps))
	for i, p := range ps {
		for _, n := range p.Needs {
			if j, ok := idx[n]; ok {
				users[j] = append(users[j], i)
			}
		}
	}
	level := make([]float64, len(ps))
	seen := make([]bool, len(ps))
	var walk func(i int) float64
	walk = func(i int) float64 {
		if seen[i] {
			return level[i]
		}
		seen[i] = true // a cycle (refused by phase.Ordered) would stop here
		sb, _ := json.Marshal(ps[i].Settings)
		m := 0.0
		for _, u := range users[i] {
			m = max(m, walk(u))
		}
		level[i] = PhaseCost(ps[i].Name, sb) + m
		return level[i]
	}
	for i := range ps {
		walk(i)
	}
	return level
}
