package reproduce

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/isonet/isonet/internal/phase"
)

// TestLane checks that a phase computed ahead in a lane is taken by the
// later Do of the same name: computed once, its result returned, its
// timing recorded once (by the taker, in the taker's order), and stored so
// that a later run reuses it. The lane's phase runs narrow, a phase it
// runs inside computes for itself, and the lane meeting it again takes it.
func TestLane(t *testing.T) {
	e := &Env{Dir: t.TempDir()}
	calls := 0
	compute := func(ctx context.Context) (int, error) {
		calls++
		return 42, nil
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx := laneContext(context.Background(), make(chan struct{}))
		_, err := doFunc(ctx, e, "a/train", "settings", func(ctx context.Context) (int, error) {
			if n, _ := narrow(ctx); !n {
				t.Error("the lane's phase does not run narrow")
			}
			if _, err := doFunc(ctx, e, "a/inner", "x", compute); err != nil {
				return 0, err
			}
			return compute(ctx)
		})
		if err != nil {
			t.Error(err)
		}
		// The lane meeting the phase again takes it, computing and
		// recording nothing.
		got, err := doFunc(ctx, e, "a/train", "settings", func(ctx context.Context) (int, error) {
			t.Error("the lane computed its phase again")
			return 0, nil
		})
		if err != nil || got != 42 {
			t.Errorf("the lane's second Do: %v, %v; want 42", got, err)
		}
	}()
	wg.Wait()
	if len(e.Timings) != 1 || e.Timings[0].Phase != "a/inner" {
		t.Fatalf("the lane recorded timings %v, want only the inner phase's", e.Timings)
	}
	if _, err := doFunc(context.Background(), e, "b/other", "x", func(ctx context.Context) (int, error) {
		if n, _ := narrow(ctx); n {
			t.Error("a phase outside the lane runs narrow")
		}
		return compute(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	got, err := doFunc(context.Background(), e, "a/train", "settings", func(ctx context.Context) (int, error) {
		t.Error("the phase computed ahead was computed again")
		return 0, nil
	})
	if err != nil || got != 42 {
		t.Fatalf("Do after the lane: %v, %v; want 42", got, err)
	}
	if calls != 3 {
		t.Errorf("%d computations, want 3", calls)
	}
	if len(e.Timings) != 3 || e.Timings[1].Phase != "b/other" || e.Timings[2].Phase != "a/train" || e.Timings[2].Reused {
		t.Errorf("timings %+v, want a/inner, b/other then a/train (computed)", e.Timings)
	}
	// The phase was stored: a new run reuses it.
	e2 := &Env{Dir: e.Dir}
	got, err = doFunc(context.Background(), e2, "a/train", "settings", func(ctx context.Context) (int, error) {
		t.Error("the stored phase was computed again")
		return 0, nil
	})
	if err != nil || got != 42 || len(e2.Timings) != 1 || !e2.Timings[0].Reused {
		t.Errorf("second run: %v, %v, timings %+v", got, err, e2.Timings)
	}
}

// TestLaneStopAndError checks that a lane's failure reaches the taker,
// that a stopped lane computes nothing, and that a lane changes nothing in
// a shard.
func TestLaneStopAndError(t *testing.T) {
	e := &Env{Dir: t.TempDir()}
	boom := errors.New("boom")
	stop := make(chan struct{})
	ctx := laneContext(context.Background(), stop)
	if _, err := doFunc(ctx, e, "a/train", 1, func(ctx context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("lane: %v, want boom", err)
	}
	if _, err := doFunc(context.Background(), e, "a/train", 1, func(ctx context.Context) (int, error) { return 1, nil }); !errors.Is(err, boom) {
		t.Errorf("Do after a failed lane: %v, want boom", err)
	}
	close(stop)
	ran := false
	if _, err := doFunc(ctx, e, "b/train", 1, func(ctx context.Context) (int, error) { ran = true; return 0, nil }); !errors.Is(err, errLaneStopped) || ran {
		t.Errorf("stopped lane: ran %v, error %v; want errLaneStopped", ran, err)
	}
	if got, err := doFunc(context.Background(), e, "b/train", 1, func(ctx context.Context) (int, error) { return 7, nil }); err != nil || got != 7 {
		t.Errorf("Do after a stopped lane: %v, %v; want 7", got, err)
	}
	shard := &Env{Dir: t.TempDir(), Owns: func(string) bool { return true }}
	ctx = laneContext(context.Background(), make(chan struct{}))
	if got, err := doFunc(ctx, shard, "a/train", 1, func(ctx context.Context) (int, error) {
		if n, _ := narrow(ctx); n {
			t.Error("a shard's phase runs narrow")
		}
		return 5, nil
	}); err != nil || got != 5 || len(shard.Timings) != 1 || len(shard.flights) != 0 {
		t.Errorf("shard: %v, %v, timings %v, flights %d; want 5 recorded by itself", got, err, shard.Timings, len(shard.flights))
	}
}

// doFunc is Do of a phase named name with settings and no needs, computed
// by run.
func doFunc[T any](ctx context.Context, e *Env, name string, settings any, run func(ctx context.Context) (T, error)) (T, error) {
	return Do[T](ctx, e, phase.Of(name, settings, nil, nil, func(ctx context.Context, _ *phase.Inputs) (T, error) { return run(ctx) }))
}

// TestRunPool checks runPool's list scheduling: every phase is computed
// once, one core wide, never before the phases it needs are done, two at
// once on two workers, the phase with the longest path to the end first;
// the experiments then take the results without computing again; and the
// first failure stops the pool (no phase is started after it).
func TestRunPool(t *testing.T) {
	e := &Env{Dir: t.TempDir()}
	var (
		mu              sync.Mutex
		order           []string
		running, maxRun int
		doneAt          = map[string]bool{}
	)
	gate := make(chan struct{})
	mk := func(name string, needs []string, fail bool) phase.Phase {
		return phase.Of(name, name, needs, nil, func(ctx context.Context, _ *phase.Inputs) (int, error) {
			if n, _ := narrow(ctx); !n {
				t.Errorf("%s does not run narrow", name)
			}
			mu.Lock()
			for _, n := range needs {
				if !doneAt[n] {
					t.Errorf("%s started before %s was done", name, n)
				}
			}
			order = append(order, name)
			running++
			maxRun = max(maxRun, running)
			first := len(order) <= 2
			mu.Unlock()
			if first { // the first two wait for each other: two run at once
				select {
				case gate <- struct{}{}:
				case <-gate:
				}
			}
			mu.Lock()
			running--
			doneAt[name] = true
			mu.Unlock()
			if fail {
				return 0, errors.New("boom")
			}
			return len(name), nil
		})
	}
	// x/train has a chain behind it (x/a, x/b): it goes first although
	// declared after y/train; ties go to the first declared.
	x := experiment{name: "x", phases: []phase.Phase{
		mk("y/train", nil, false),
		mk("x/train", nil, false),
		mk("x/a", []string{"x/train"}, false),
		mk("x/b", []string{"x/a"}, false),
		mk("y/a", []string{"y/train"}, false),
	}}
	gate = make(chan struct{}, 2) // one worker: nothing to wait for
	if err := runPool(context.Background(), e, []experiment{x}, 1); err != nil {
		t.Fatal(err)
	}
	if want := []string{"x/train", "y/train", "x/a", "x/b", "y/a"}; !slices.Equal(order, want) || maxRun != 1 {
		t.Errorf("one worker: order %v, at most %d at once; want %v, 1", order, maxRun, want)
	}
	// Two workers: the first two phases run at once.
	e = &Env{Dir: t.TempDir()}
	order, doneAt, maxRun, gate = nil, map[string]bool{}, 0, make(chan struct{})
	if err := runPool(context.Background(), e, []experiment{x}, 2); err != nil {
		t.Fatal(err)
	}
	if len(order) != 5 || maxRun != 2 {
		t.Errorf("two workers: order %v, at most %d at once; want 5 phases, 2 at once", order, maxRun)
	}
	done := results{}
	for _, p := range x.phases {
		r, err := e.doPhase(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		done[p.Name] = r
	}
	if len(order) != 5 || done["x/b"] != 3 || len(e.Timings) != 5 {
		t.Errorf("taking: %d computed, x/b = %v, %d timings; want 5, 3, 5", len(order), done["x/b"], len(e.Timings))
	}

	// A failure stops the pool: z/b needs the failed z/a and is never
	// started; the experiment meets the failure.
	e = &Env{Dir: t.TempDir()}
	order, doneAt = nil, map[string]bool{}
	gate = make(chan struct{}, 2) // nothing to wait for
	z := experiment{name: "z", phases: []phase.Phase{mk("z/train", nil, false), mk("z/a", []string{"z/train"}, true), mk("z/b", []string{"z/a"}, false)}}
	if err := runPool(context.Background(), e, []experiment{z}, 2); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(order, "z/b") {
		t.Errorf("a phase needing a failed one ran: %v", order)
	}
	if err := e.runExperiment(context.Background(), z, &Results{}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("the experiment after a failed pool: %v, want boom", err)
	}
}

// TestPathCosts checks the critical-path priority by hand: a phase's cost
// to the end is its own plus the costliest chain needing it.
func TestPathCosts(t *testing.T) {
	ps := []phase.Phase{{Name: "mnist/s/beta=0/seed=0/train"}, {Name: "mnist/s/beta=0/seed=0/attack-standard", Needs: []string{"mnist/s/beta=0/seed=0/train"}}, {Name: "rings/input"}}
	idx := map[string]int{}
	for i, p := range ps {
		idx[p.Name] = i
	}
	got := pathCosts(ps, idx)
	att := PhaseCost(ps[1].Name, []byte("null"))
	want := []float64{PhaseCost(ps[0].Name, []byte("null")) + att, att, PhaseCost(ps[2].Name, []byte("null"))}
	if !slices.Equal(got, want) {
		t.Errorf("pathCosts = %v, want %v", got, want)
	}
}
