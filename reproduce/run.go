package reproduce

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/isonet/isonet/internal/phase"
)

// Experiments lists what `reproduce all` runs, in order; ExtendedExperiments
// what `reproduce all --extended` adds.
var (
	Experiments         = []string{"rings", "torus", "mnist"}
	ExtendedExperiments = []string{"fashion"}
)

// Options chooses what a reproduce run does.
type Options struct {
	Experiments []string
	MNIST       MNISTOptions
	// Fashion is the MNIST study on Fashion-MNIST (experiment "fashion"); it
	// always runs with its baselines.
	Fashion MNISTOptions
	Rings   RingsOptions
	Torus   TorusOptions
	// Extended adds the checks beyond the paper: persistent homology of the
	// rings (and, with Baselines, the MNIST baselines under strong attacks).
	Extended bool
	// Baselines adds PGD adversarial training, Jacobian regularisation,
	// spectral normalisation, TRADES and a 1-Lipschitz network to MNIST,
	// each swept along its knob and placed with the LILs on the Pareto
	// fronts (fronts.go), and at its default knob attacked by PGD, APGD-CE
	// and Square.
	Baselines bool
	Command   string
}

// DefaultOptions returns the paper's settings for every experiment (quick:
// the reduced ones).
func DefaultOptions(quick bool) Options {
	return Options{Experiments: Experiments, MNIST: DefaultMNIST(quick), Fashion: DefaultFashion(quick), Rings: DefaultRings(quick), Torus: DefaultTorus(quick)}
}

// Run runs the chosen experiments into e.Dir and, when every phase is
// done, writes the report (results.json, report.md, index.html, each
// replaced atomically). When a phase fails or the run is interrupted the
// finished phases stay stored and the previous report stays as it was.
// With e.Owns set (one shard of a run) only that shard's phases are
// computed and no report is written; with e.Mode == ModeMerge nothing is
// computed and the report is made from the stored phases.
//
// A run folder holds one setting of each phase: when a phase of the run is
// stored in e.Dir with other settings, Run computes nothing and returns a
// *SettingsConflictError (unless e.Force, which replaces such phases).
func Run(ctx context.Context, e *Env, o Options) (*Results, error) {
	if e.Mode == ModeRun && !e.Force {
		if err := CheckFolder(ctx, e, o); err != nil {
			return nil, err
		}
	}
	r, err := runExperiments(ctx, e, o)
	if err != nil || e.Owns != nil {
		return r, err
	}
	if err := r.Write(e.Dir); err != nil {
		return r, err
	}
	return r, nil
}

// CheckFolder returns a *SettingsConflictError naming the first phase of
// the run o that e.Dir stores with other settings than o's, and nil when
// there is none: what Run checks before it computes anything.
func CheckFolder(ctx context.Context, e *Env, o Options) error {
	p, err := MakePlan(ctx, e, o, 1)
	if err != nil {
		return err
	}
	st := phase.Store{Dir: e.Dir}
	for _, ph := range p.Phases {
		if h, ok := st.StoredSettings(ph.Name); ok && h != ph.Hash {
			return &SettingsConflictError{Dir: e.Dir, Phase: ph.Name}
		}
	}
	return nil
}

// runExperiments runs (or, as e.Mode says, reads) the chosen experiments
// and gathers their results.
func runExperiments(ctx context.Context, e *Env, o Options) (*Results, error) {
	start := time.Now()
	r := &Results{Command: o.Command, Quick: e.Quick, Seeds: e.Seeds, Started: start.UTC().Format(time.RFC3339), Machine: ThisMachine()}
	// Only a run that writes the report gathers the results (the MNIST
	// summary draws figures).
	partial := e.Partial()
	xs, err := o.experiments(e)
	if err != nil {
		return r, err
	}
	e.mu.Lock()
	planned := e.planned
	e.mu.Unlock()
	if planned == 0 { // not told by the caller (a shard knows its count)
		var all []phase.Phase
		for _, x := range xs {
			all = append(all, x.phases...)
		}
		e.Plan(len(phase.Names(all)))
	}
	// In a run of this process every phase of every experiment is computed
	// by runPool, one core wide on each core, whatever experiment it
	// belongs to; the experiments then take the results in their order. A
	// shard or a merge takes its phases in a fixed order. The experiments
	// share no state but the Env (which locks): every number is what a run
	// one phase after another gives.
	ran := make([]bool, len(o.Experiments))
	secs := make([]float64, len(o.Experiments))
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		errMu  sync.Mutex
		runErr error // the first failure; it cancels the experiments still running
	)
	run := func(i int) bool {
		t0 := time.Now()
		err := e.runExperiment(lctx, xs[i], r)
		if err != nil {
			errMu.Lock()
			if runErr == nil {
				runErr = err
				stop()
			}
			errMu.Unlock()
			return false
		}
		ran[i], secs[i] = true, time.Since(t0).Seconds()
		return true
	}
	pooled := e.Mode == ModeRun && e.Owns == nil
	if pooled {
		runErr = runPool(lctx, e, xs, runtime.GOMAXPROCS(0))
	}
	for i := range o.Experiments {
		if runErr != nil || !run(i) {
			break
		}
	}
	stop()
	for i, ex := range o.Experiments {
		if ran[i] {
			r.Sections = append(r.Sections, ex)
			r.PhaseSeconds = append(r.PhaseSeconds, PhaseTotal{Experiment: ex, Seconds: r4(secs[i])})
		}
	}
	// The phases' timings in the order of a run one experiment after
	// another (the toy experiments interleave theirs).
	order := map[string]int{}
	for i, ex := range o.Experiments {
		order[ex] = i
	}
	slices.SortStableFunc(e.Timings, func(a, b Timing) int {
		return order[experimentOf(a.Phase)] - order[experimentOf(b.Phase)]
	})
	r.TotalSeconds = r4(time.Since(start).Seconds())
	if e.Mode == ModeMerge || pooled {
		// An experiment's time is its phases' (the pool interleaves
		// them); a merge's total is the shards': the sum of the stored
		// phases' times.
		total := 0.0
		for i, p := range r.PhaseSeconds {
			sum := 0.0
			for _, t := range e.Timings {
				if strings.HasPrefix(t.Phase, p.Experiment+"/") {
					sum += t.Seconds
				}
			}
			r.PhaseSeconds[i].Seconds = r4(sum)
			total += sum
		}
		if e.Mode == ModeMerge {
			r.TotalSeconds = r4(total)
		}
	}
	r.Timings = e.Timings
	for i := range r.Timings {
		r.Timings[i].Seconds = r4(r.Timings[i].Seconds)
	}
	if !partial {
		r.Claims = r.claims()
	}
	return r, runErr
}

// experimentOf returns the experiment a phase belongs to: its name's first
// element.
func experimentOf(phase string) string {
	name, _, _ := strings.Cut(phase, "/")
	return name
}
