// Package reproduce runs the paper's experiments — the entangled rings, the
// torus with stacked LILs, and the MNIST β sweep under two attack protocols —
// as resumable phases, and gathers their results for the report.
//
// Each phase stores its result in DIR/phases/NAME.json together with a hash
// of the settings that determine it. A rerun with the same settings reuses
// the stored result (unless Env.Force); an interrupted run leaves finished
// phases intact, because every file is written atomically.
package reproduce

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/isonet/isonet/model"
)

// Env is the shared state of one reproduce run.
type Env struct {
	Dir     string // output folder
	Force   bool   // recompute phases even when a stored result matches
	Quick   bool   // reduced settings for a first look
	DataDir string // MNIST IDX folder ("" = bundled)
	Seeds   []uint64
	Log     io.Writer // progress lines (nil = discard)

	mu      sync.Mutex
	Timings []Timing
	start   time.Time
	planned int     // phases expected in the whole run
	seen    int     // phases started or reused so far
	ran     int     // phases computed (not reused)
	spent   float64 // seconds those took
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

// stored is the file format of a phase result.
type stored struct {
	Phase    string          `json:"phase"`
	Hash     string          `json:"settings_hash"`
	Settings json.RawMessage `json:"settings"`
	Seconds  float64         `json:"seconds"`
	Result   json.RawMessage `json:"result"`
}

// Hash returns the hex sha256 of settings' JSON encoding.
func Hash(settings any) (string, error) {
	b, err := json.Marshal(settings)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

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
func (e *Env) PhasePath(name string) string {
	return filepath.Join(e.Dir, "phases", strings.ReplaceAll(name, "/", "__")+".json")
}

// ModelDir returns the folder where phase name's model is kept.
func (e *Env) ModelDir(name string) string {
	return filepath.Join(e.Dir, "models", strings.ReplaceAll(name, "/", "__"))
}

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

// Do runs a phase: if a result for name with the same settings hash is
// stored (and valid, when valid is not nil) it is returned without running;
// otherwise run is called and its result stored.
func Do[T any](ctx context.Context, e *Env, name string, settings any, valid func(T) bool, run func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	hash, err := Hash(settings)
	if err != nil {
		return zero, fmt.Errorf("phase %s: %w", name, err)
	}
	path := e.PhasePath(name)
	e.mu.Lock()
	e.seen++
	e.mu.Unlock()
	if !e.Force {
		if b, err := os.ReadFile(path); err == nil {
			var s stored
			if json.Unmarshal(b, &s) == nil && s.Hash == hash {
				var res T
				if json.Unmarshal(s.Result, &res) == nil && (valid == nil || valid(res)) {
					e.record(Timing{Phase: name, Seconds: s.Seconds, Reused: true})
					e.Logf("%s%s: reused stored result", e.eta(), name)
					return res, nil
				}
			}
		}
	}
	e.Logf("%s%s: running", e.eta(), name)
	start := time.Now()
	res, err := run(ctx)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", name, err)
	}
	secs := time.Since(start).Seconds()
	rb, err := json.Marshal(res)
	if err != nil {
		return zero, fmt.Errorf("phase %s: %w", name, err)
	}
	sb, _ := json.Marshal(settings)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return zero, err
	}
	if err := model.WriteJSON(path, stored{Phase: name, Hash: hash, Settings: sb, Seconds: secs, Result: rb}); err != nil {
		return zero, err
	}
	e.record(Timing{Phase: name, Seconds: secs})
	e.mu.Lock()
	e.ran++
	e.spent += secs
	e.mu.Unlock()
	e.Logf("%s: done in %.1fs", name, secs)
	return res, nil
}

func (e *Env) record(t Timing) {
	e.mu.Lock()
	e.Timings = append(e.Timings, t)
	e.mu.Unlock()
}
