package reproduce

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestPrefetch checks that a phase computed ahead by Prefetch is taken by
// the later Do of the same name: computed once, its result returned, its
// timing recorded once (by the taker, in the taker's order), and stored so
// that a later run reuses it.
func TestPrefetch(t *testing.T) {
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
		err := Prefetch(context.Background(), e, "a/train", func(ctx context.Context) (int, error) {
			return Do(ctx, e, "a/train", "settings", nil, compute)
		})
		if err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if len(e.Timings) != 0 {
		t.Fatalf("the lane recorded timings %v", e.Timings)
	}
	if _, err := Do(context.Background(), e, "b/other", "x", nil, compute); err != nil {
		t.Fatal(err)
	}
	got, err := Do(context.Background(), e, "a/train", "settings", nil, func(ctx context.Context) (int, error) {
		t.Error("the prefetched phase was computed again")
		return 0, nil
	})
	if err != nil || got != 42 {
		t.Fatalf("Do after Prefetch: %v, %v; want 42", got, err)
	}
	if calls != 2 {
		t.Errorf("%d computations, want 2", calls)
	}
	if len(e.Timings) != 2 || e.Timings[0].Phase != "b/other" || e.Timings[1].Phase != "a/train" || e.Timings[1].Reused {
		t.Errorf("timings %+v, want b/other then a/train (computed)", e.Timings)
	}
	// The phase was stored: a new run reuses it.
	e2 := &Env{Dir: e.Dir}
	got, err = Do(context.Background(), e2, "a/train", "settings", nil, func(ctx context.Context) (int, error) {
		t.Error("the stored phase was computed again")
		return 0, nil
	})
	if err != nil || got != 42 || len(e2.Timings) != 1 || !e2.Timings[0].Reused {
		t.Errorf("second run: %v, %v, timings %+v", got, err, e2.Timings)
	}
}

// TestPrefetchError checks that a lane's failure reaches the taker, and
// that Prefetch computes nothing when planning or in a shard.
func TestPrefetchError(t *testing.T) {
	e := &Env{Dir: t.TempDir()}
	boom := errors.New("boom")
	err := Prefetch(context.Background(), e, "a/train", func(ctx context.Context) (int, error) {
		return Do(ctx, e, "a/train", 1, nil, func(ctx context.Context) (int, error) { return 0, boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Prefetch: %v, want boom", err)
	}
	if _, err := Do(context.Background(), e, "a/train", 1, nil, func(ctx context.Context) (int, error) { return 1, nil }); !errors.Is(err, boom) {
		t.Errorf("Do after a failed Prefetch: %v, want boom", err)
	}
	for _, env := range []*Env{{Dir: t.TempDir(), Mode: ModePlan}, {Dir: t.TempDir(), Owns: func(string) bool { return true }}} {
		ran := false
		if err := Prefetch(context.Background(), env, "a/train", func(ctx context.Context) (int, error) { ran = true; return 0, nil }); err != nil || ran {
			t.Errorf("mode %v, shard %v: Prefetch ran (%v, %v)", env.Mode, env.Owns != nil, ran, err)
		}
	}
}
