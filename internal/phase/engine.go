package phase

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Engine does declared phases in a run folder (Do): it reuses a stored
// result that verifies, or computes the phase under its lock and stores
// it. The Engines of one run share a Ledger of the phases done so far: a
// phase's needs are taken from it.
type Engine struct {
	Store Store
	// Version names the build computing phases; it is recorded with each.
	Version string
	// Force computes every phase, replacing what is stored, even a result
	// of other settings.
	Force bool
	// ReadOnly computes nothing: a phase not stored intact is an error
	// (*UnusableError). AnyVersion then accepts results of other builds.
	ReadOnly, AnyVersion bool
	// Lock takes phase name's lock (path is its record's), waiting while
	// another process holds it, and returns its release; nil takes none.
	Lock func(ctx context.Context, name, path string) (release func(), err error)
	// Note, when not nil, hears what Do does with a phase (see Note).
	Note   func(name string, n Note, why string)
	Ledger *Ledger
}

// Note is what Engine.Do did with a phase.
type Note int

const (
	Reused      Note = iota // a verified stored result is used
	ReusedOther             // one another process stored while Do waited for the lock
	Running                 // computed; why says why a stored result was not used ("" if none)
)

// Ledger holds the phases done in one run, by name.
type Ledger struct {
	mu   sync.Mutex
	done map[string]Done
}

// Get returns the phase name done in the run, if it is.
func (l *Ledger) Get(name string) (Done, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.done[name]
	return d, ok
}

func (l *Ledger) set(d Done) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		l.done = map[string]Done{}
	}
	l.done[d.Name] = d
}

// ConflictError is Do's refusal of a phase stored in the run folder with
// other settings: a folder holds one setting of each phase, so that no
// report mixes results of two settings.
type ConflictError struct {
	Dir, Phase string
}

func (c *ConflictError) Error() string {
	return fmt.Sprintf("%s holds phase %s computed with other settings; a run folder keeps one setting of each phase: use another folder, or force the run to replace them", c.Dir, c.Phase)
}

// UnusableError is Do's error, when it may compute nothing (ReadOnly), for
// a phase not stored intact: what the store holds is in Found.
type UnusableError struct {
	Phase string
	Found Found
}

func (u *UnusableError) Error() string {
	switch u.Found.State {
	case Missing:
		return fmt.Sprintf("phase %s: not stored", u.Phase)
	case Corrupt:
		return fmt.Sprintf("phase %s: corrupt: %s", u.Phase, u.Found.Why)
	}
	return fmt.Sprintf("phase %s: %s", u.Phase, u.Found.Why)
}

// Do does phase p, whose needs the ledger holds: it returns the stored
// result when it verifies (Store.Load) unless Force, refuses one stored with
// other settings (*ConflictError) unless Force, and otherwise computes p
// under its lock (reusing the result another process stored meanwhile),
// stores it with the sha256 of its files, and records it in the ledger.
func (g *Engine) Do(ctx context.Context, p Phase) (Done, error) {
	name := p.Name
	hash, err := SettingsHash(p.Settings)
	if err != nil {
		return Done{}, fmt.Errorf("phase %s: %w", name, err)
	}
	needs := make([]Done, 0, len(p.Needs))
	for _, n := range p.Needs {
		d, ok := g.Ledger.Get(n)
		if !ok {
			return Done{}, fmt.Errorf("phase %s needs %s, which this run has not done", name, n)
		}
		needs = append(needs, d)
	}
	inputs, err := KeyInputs(p, needs)
	if err != nil {
		return Done{}, err
	}
	load := func() Found { return g.Store.Load(p, hash, g.Version, g.ReadOnly && g.AnyVersion, inputs) }
	use := func(f Found) Done {
		d := Done{Name: name, Key: f.Record.Key, Digest: f.Record.Digest(), Result: f.Result, Seconds: f.Record.Seconds, Reused: true}
		g.Ledger.set(d)
		return d
	}
	note := func(n Note, why string) {
		if g.Note != nil {
			g.Note(name, n, why)
		}
	}
	if g.ReadOnly {
		f := load()
		if f.State != Valid {
			return Done{}, &UnusableError{Phase: name, Found: f}
		}
		return use(f), nil
	}
	why, outdated := "", false
	if !g.Force {
		switch f := load(); f.State {
		case Valid:
			note(Reused, "")
			return use(f), nil
		case Conflict:
			return Done{}, &ConflictError{Dir: g.Store.Dir, Phase: name}
		default:
			why, outdated = f.Why, f.State == Outdated
		}
	}
	path := g.Store.Path(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Done{}, err
	}
	if g.Lock != nil {
		release, err := g.Lock(ctx, name, path)
		if err != nil {
			return Done{}, fmt.Errorf("phase %s: %w", name, err)
		}
		defer release()
	}
	if !g.Force {
		// Another process may have held the phase (we waited for it) or
		// finished it just before we took the lock.
		switch f := load(); f.State {
		case Valid:
			note(ReusedOther, "")
			return use(f), nil
		case Conflict:
			return Done{}, &ConflictError{Dir: g.Store.Dir, Phase: name}
		}
	}
	note(Running, why)
	in := &Inputs{Dir: g.Store.Dir, name: name, done: map[string]Done{}}
	for _, d := range needs {
		in.done[d.Name] = d
	}
	start := time.Now()
	res, err := p.Run(ctx, in)
	if err != nil {
		return Done{}, fmt.Errorf("%s: %w", name, err)
	}
	secs := time.Since(start).Seconds()
	key := Key(hash, inputs)
	rec, err := g.Store.Save(p, hash, g.Version, key, secs, res)
	if err != nil {
		return Done{}, err
	}
	d := Done{Name: name, Key: key, Digest: rec.Digest(), Result: res, Seconds: secs, Outdated: outdated}
	g.Ledger.set(d)
	return d, nil
}
