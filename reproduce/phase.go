// Package reproduce runs the paper's experiments — the entangled rings, the
// torus with stacked LILs, and the MNIST β sweep under two attack protocols —
// as resumable phases, and gathers their results for the report.
//
// Each experiment is declared as data (experiment.go): its phases
// (package internal/phase: a name, settings, the phases whose results it
// reads, and a function computing it from them) and how its results are
// gathered from theirs. The plan, the shards, --merge, the progress count
// and the missing-phase messages read the declarations; only a run calls
// the phases' functions.
//
// Each phase stores its result in DIR/phases/NAME.json with its settings
// hash, the isonet build that computed it, its key (the hash of its
// settings, the build, and the keys and content digests of the results it
// read) and the sha256 of every file it wrote. A rerun reuses a stored
// result only when all of them verify (unless Env.Force); a file that
// changed is named and the phase computed again. A run folder holds one
// setting of each phase: a phase stored with other settings is refused
// (SettingsConflictError). Models are named relative to the run folder, so
// a folder can be moved, copied, or reached by any path. An interrupted run
// leaves finished phases intact, because every file is written atomically
// (a temporary file renamed in the same folder). While a phase is computed
// its lock file DIR/phases/NAME.lock is held, so two processes sharing the
// folder (shards of one run, or two runs) never compute the same phase at
// once: the second waits and then reuses the first one's result.
package reproduce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/internal/phase"
)

// Env is the shared state of one reproduce run.
type Env struct {
	Dir     string // output folder
	Force   bool   // recompute phases even when a stored result matches
	Quick   bool   // reduced settings for a first look
	DataDir string // MNIST IDX folder ("" = bundled)
	Seeds   []uint64
	Log     io.Writer // progress lines (nil = discard)

	// Mode says what Do does: compute phases (ModeRun, the default) or
	// only read stored ones (ModeMerge).
	Mode Mode
	// Owns, when not nil, limits ModeRun to the phases it returns true for
	// (one shard's); the other phases are skipped.
	Owns func(phase string) bool
	// Version is the isonet version stored with every phase computed
	// ("" = BuildVersion()). A stored phase of another version is
	// recomputed (ModeRun) or refused (ModeMerge, unless AllowMixed).
	Version    string
	AllowMixed bool
	// CheckpointEvery is how often a training phase saves a checkpoint it
	// resumes from after a crash (0 = every 30 s; < 0 = never).
	CheckpointEvery time.Duration
	// LockPoll is how often a phase locked by another process is checked
	// (0 = every 2 s).
	LockPoll time.Duration

	mu      sync.Mutex
	skipped int
	// outdated counts the phases recomputed because another isonet
	// version had stored them.
	outdated int
	Timings  []Timing
	start    time.Time
	planned  int     // phases expected in the whole run
	seen     int     // phases started or reused so far
	ran      int     // phases computed (not reused)
	spent    float64 // seconds those took
	flights  map[string]*flight
	ledger   *phase.Ledger // the phases done in this run
}

// Plan adds n to the number of phases the run expects, for the time
// estimate of the progress lines.
func (e *Env) Plan(n int) {
	e.mu.Lock()
	e.planned += n
	e.mu.Unlock()
}

// eta returns a progress note: phase k of n and, once a phase has been
// computed, the time left at the average pace so far.
func (e *Env) eta() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.planned == 0 {
		return ""
	}
	s := fmt.Sprintf("(%d/%d", e.seen, max(e.planned, e.seen))
	if e.ran > 0 && e.planned > e.seen {
		left := e.spent / float64(e.ran) * float64(e.planned-e.seen+1)
		s += fmt.Sprintf(", about %s left", time.Duration(left*float64(time.Second)).Round(time.Second))
	}
	return s + ") "
}

// Timing records how long a phase took (0 when its stored result was reused).
type Timing struct {
	Phase   string  `json:"phase"`
	Seconds float64 `json:"seconds"`
	Reused  bool    `json:"reused"`
}

// Outdated returns how many phases this run recomputed because another
// isonet version had stored them.
func (e *Env) Outdated() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.outdated
}

// Partial reports whether this process does only some phases (one
// shard's): it gathers no results, the report being the merge's.
func (e *Env) Partial() bool { return e.Owns != nil }

// Mode is what Do does with a phase.
type Mode int

const (
	ModeRun   Mode = iota // compute (or reuse) the phase
	ModeMerge             // reuse the stored phase; a missing one is an error
)

// Hash returns the hex sha256 of settings' JSON encoding.
func Hash(settings any) (string, error) { return phase.SettingsHash(settings) }

// SeedList returns the run's seeds: Seeds, or seed 0 alone when none are
// given.
func (e *Env) SeedList() []uint64 {
	if len(e.Seeds) == 0 {
		return []uint64{0}
	}
	return e.Seeds
}

// Mkdir makes the folder name inside the output folder.
func (e *Env) Mkdir(name string) error {
	return os.MkdirAll(filepath.Join(e.Dir, name), 0o755)
}

// PhasePath returns the file where phase name's result is stored.
func (e *Env) PhasePath(name string) string { return phase.Store{Dir: e.Dir}.Path(name) }

// ModelDir returns the folder where phase name's model is kept.
func (e *Env) ModelDir(name string) string { return filepath.Join(e.Dir, modelRel(name)) }

// modelRel returns the folder of phase name's model relative to the run
// folder: what a stored result names, so that the folder may move.
func modelRel(name string) string {
	return filepath.Join("models", strings.ReplaceAll(name, "/", "__"))
}

// path returns the path of rel, relative to the run folder.
func (e *Env) path(rel string) string { return filepath.Join(e.Dir, rel) }

// Logf prints a progress line with the elapsed time.
func (e *Env) Logf(format string, args ...any) {
	if e.Log == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.start.IsZero() {
		e.start = time.Now()
	}
	fmt.Fprintf(e.Log, "[%6.1fs] %s\n", time.Since(e.start).Seconds(), fmt.Sprintf(format, args...))
}

// Do runs the phase p and returns its result: a stored result of p is
// reused when it is verified (phase.Store.Load: the same settings, build and
// inputs, and every file as recorded), unless Env.Force; otherwise p.Run is
// called, under the phase's lock, with the results of p.Needs (phases this
// run has done before), and its result stored with the sha256 of its files.
// A result stored with other settings is refused
// (SettingsConflictError): a run folder holds one setting of each phase.
// A phase another shard owns is not computed: Do returns T's zero value.
func Do[T any](ctx context.Context, e *Env, p phase.Phase) (T, error) {
	var zero T
	res, err := e.doPhase(ctx, p)
	if err != nil || res == nil {
		return zero, err
	}
	v, ok := res.(T)
	if !ok {
		return zero, fmt.Errorf("phase %s: its result is a %T, not a %T", p.Name, res, zero)
	}
	return v, nil
}

// doPhase is Do, untyped: it returns nil for a phase another shard owns.
// Under a lane's context (laneContext) it computes the phase ahead.
func (e *Env) doPhase(ctx context.Context, p phase.Phase) (any, error) {
	if ln, _ := ctx.Value(laneKey{}).(*lane); ln != nil && e.Mode == ModeRun && e.Owns == nil {
		return doAhead(ctx, e, ln, p)
	}
	return e.do(ctx, p, nil)
}

// SettingsConflictError is Do's refusal of a phase stored in the run
// folder with other settings than the run's: a folder holds one setting of
// each phase, so that a report never mixes results of two settings.
type SettingsConflictError = phase.ConflictError

// do is Do; a phase computed ahead (f not nil) records its timing in f.
// It returns nil, nil for another shard's phase.
func (e *Env) do(ctx context.Context, p phase.Phase, ahead *flight) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := p.Name
	if e.Mode == ModeRun && e.Owns != nil && !e.Owns(name) {
		e.mu.Lock()
		e.skipped++
		e.mu.Unlock()
		return nil, nil
	}
	// A phase computed ahead by a lane of this process (laneContext) is taken
	// from it, once, with its timing; the lane's own call records nothing.
	if ahead == nil {
		if f := e.flightOf(name); f != nil {
			res, err := take(ctx, f)
			if err != nil {
				return nil, err
			}
			e.record(f.timing)
			return res, nil
		}
	}
	e.mu.Lock()
	e.seen++
	e.mu.Unlock()
	d, err := e.engine().Do(ctx, p)
	if u := (*phase.UnusableError)(nil); errors.As(err, &u) {
		return nil, field.Errorf("%s ({ModeMerge} computes nothing)", u.Error())
	}
	if err != nil {
		return nil, err
	}
	t := Timing{Phase: name, Seconds: d.Seconds, Reused: d.Reused}
	if ahead != nil {
		ahead.timing = t
	} else {
		e.record(t)
	}
	if !d.Reused {
		e.mu.Lock()
		e.ran++
		e.spent += d.Seconds
		if d.Outdated {
			e.outdated++
		}
		e.mu.Unlock()
		e.Logf("%s: done in %.1fs", name, d.Seconds)
	}
	return d.Result, nil
}

// engine returns the phase engine of the run as e's fields set it now; the
// engines of one Env share its ledger of done phases.
func (e *Env) engine() *phase.Engine {
	version := e.version()
	e.mu.Lock()
	if e.ledger == nil {
		e.ledger = &phase.Ledger{}
	}
	ledger := e.ledger
	e.mu.Unlock()
	return &phase.Engine{Store: phase.Store{Dir: e.Dir}, Version: version, Force: e.Force,
		ReadOnly: e.Mode == ModeMerge, AnyVersion: e.AllowMixed, Ledger: ledger,
		Lock: func(ctx context.Context, name, path string) (func(), error) {
			l, _, err := lockPhase(ctx, e, name, path)
			if err != nil {
				return nil, err
			}
			return l.release, nil
		},
		Note: func(name string, n phase.Note, why string) {
			switch {
			case n == phase.Reused:
				e.Logf("%s%s: reused stored result", e.eta(), name)
			case n == phase.ReusedOther:
				e.Logf("%s%s: reused the result another process stored", e.eta(), name)
			case why != "":
				e.Logf("%s%s: running (%s)", e.eta(), name, why)
			default:
				e.Logf("%s%s: running", e.eta(), name)
			}
		}}
}

// version returns the isonet version stored with the phases this run
// computes (experiments running at the same time ask for it: it locks).
func (e *Env) version() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Version == "" {
		e.Version = BuildVersion()
	}
	return e.Version
}

func (e *Env) record(t Timing) {
	e.mu.Lock()
	e.Timings = append(e.Timings, t)
	e.mu.Unlock()
}
