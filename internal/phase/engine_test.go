package phase

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// engine returns an Engine on dir whose lock counts its takers and whose
// notes are logged.
func engine(dir string, ledger *Ledger, locks *int, log *[]string) *Engine {
	return &Engine{Store: Store{Dir: dir}, Version: "v1", Ledger: ledger,
		Lock: func(context.Context, string, string) (func(), error) { *locks++; return func() {}, nil },
		Note: func(name string, n Note, why string) {
			*log = append(*log, name+" "+[]string{"reused", "reused-other", "running"}[n]+" "+why)
		}}
}

// TestEngine: a phase is computed once under its lock and reused after;
// its needs come from the ledger; a result of other settings is refused
// unless forced; a read-only engine names what is missing or corrupt; a
// changed input makes its reader compute again.
func TestEngine(t *testing.T) {
	dir := t.TempDir()
	var locks int
	var log []string
	g := engine(dir, &Ledger{}, &locks, &log)
	ctx := context.Background()
	if _, err := g.Do(ctx, draw("a/x", "p", 2, "a/train")); err == nil || !strings.Contains(err.Error(), "has not done") {
		t.Errorf("a phase whose need is not done: %v", err)
	}
	da, err := g.Do(ctx, draw("a/train", "w", 1))
	if err != nil || da.Reused || locks != 1 {
		t.Fatalf("computed: %+v %v, %d locks", da, err, locks)
	}
	dx, err := g.Do(ctx, draw("a/x", "p", 2, "a/train"))
	if err != nil || dx.Result.(out).R != 2 {
		t.Fatal(dx, err)
	}
	// A new run reuses both, verified, without locking.
	g2 := engine(dir, &Ledger{}, &locks, &log)
	for _, p := range []Phase{draw("a/train", "w", 1), draw("a/x", "p", 2, "a/train")} {
		if d, err := g2.Do(ctx, p); err != nil || !d.Reused || d.Key == "" {
			t.Errorf("rerun of %s: %+v %v", p.Name, d, err)
		}
	}
	if locks != 2 {
		t.Errorf("%d locks taken, want 2 (one per computed phase)", locks)
	}
	// Other settings: refused, then replaced when forced; the reader of the
	// replaced phase computes again (the result it read changed).
	var c *ConflictError
	if _, err := g2.Do(ctx, draw("a/train", "w2", 1)); !errors.As(err, &c) || c.Phase != "a/train" {
		t.Errorf("other settings: %v", err)
	}
	g2.Force = true
	if d, err := g2.Do(ctx, draw("a/train", "w2", 1)); err != nil || d.Reused {
		t.Errorf("forced: %+v %v", d, err)
	}
	g2.Force = false
	log = nil
	// a/x read the first a/train: its key differs now, so it is computed
	// again.
	if _, err := g2.Do(ctx, draw("a/x", "p", 2, "a/train")); err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || !strings.Contains(log[0], "running it was computed from other inputs") {
		t.Errorf("reader of a replaced phase: %q", log)
	}
	// Read-only: a corrupt and a missing phase are named.
	ro := &Engine{Store: Store{Dir: dir}, Version: "v1", ReadOnly: true, Ledger: &Ledger{}}
	os.WriteFile(dir+"/fig/a_train.txt", []byte("changed"), 0o644)
	var u *UnusableError
	if _, err := ro.Do(ctx, draw("a/train", "w2", 1)); !errors.As(err, &u) || err.Error() != "phase a/train: corrupt: fig/a_train.txt does not match its recorded sha256" {
		t.Errorf("read-only, corrupt: %v", err)
	}
	if _, err := ro.Do(ctx, draw("b", "q", 3)); !errors.As(err, &u) || err.Error() != "phase b: not stored" {
		t.Errorf("read-only, missing: %v", err)
	}
}

// TestEngineData: a phase declaring its data is keyed by their digest:
// other data, same settings, is computed again (and so is what reads it).
func TestEngineData(t *testing.T) {
	dir := t.TempDir()
	var locks int
	var log []string
	digest := "d1"
	train := draw("a/train", "w", 1)
	train.Data = func() (string, error) { return digest, nil }
	ctx := context.Background()
	for i, want := range []bool{false, true, false} {
		if i == 2 {
			digest = "d2"
		}
		d, err := engine(dir, &Ledger{}, &locks, &log).Do(ctx, train)
		if err != nil || d.Reused != want {
			t.Errorf("run %d (data %s): reused %v, %v; want reused %v", i, digest, d.Reused, err, want)
		}
	}
	train.Data = func() (string, error) { return "", errors.New("no data") }
	if _, err := engine(dir, &Ledger{}, &locks, &log).Do(ctx, train); err == nil || !strings.Contains(err.Error(), "no data") {
		t.Errorf("unreadable data: %v", err)
	}
}
