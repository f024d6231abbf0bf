package reproduce

import (
	"context"
	"errors"
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
