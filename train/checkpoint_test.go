package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestResumeIsBitIdentical interrupts a run in the middle of an epoch (a
// cancelled context, as Ctrl-C does), resumes it from the checkpoint, and
// expects exactly the weights of an uninterrupted run.
func TestResumeIsBitIdentical(t *testing.T) {
	for _, opt := range []string{"adam", "sgd"} {
		s := ringsSpec()
		s.Train.Beta, s.Train.Epochs, s.Train.Batch, s.Train.Optimizer = 1, 6, 100, opt
		tr, te, err := s.Data.Load()
		if err != nil {
			t.Fatal(err)
		}
		want, wantRes, err := Fit(context.Background(), s, tr, te, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}

		dir := filepath.Join(t.TempDir(), "ck")
		ctx, cancel := context.WithCancel(context.Background())
		tt, err := Start(s, tr.Dim(), tr.NumClasses())
		if err != nil {
			t.Fatal(err)
		}
		steps := 0
		hooks := Hooks{Step: func(epoch, step, n int, ce, iso float64) {
			if steps++; steps == 37 { // epoch 4, step 7 of 10
				cancel()
			}
		}}
		_, err = tt.Fit(ctx, tr, te, FitOptions{Hooks: hooks, Checkpoint: &Checkpointing{Dir: dir, Every: 2}})
		if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: interrupted run returned %v", opt, err)
		}
		rt, err := Resume(dir)
		if err != nil {
			t.Fatal(err)
		}
		if rt.epoch != 3 || rt.pos != 7 {
			t.Fatalf("%s: checkpoint at epoch %d step %d, want 3 and 7", opt, rt.epoch, rt.pos)
		}
		res, err := rt.Fit(context.Background(), tr, te, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range netTensors(want.Net()) {
			q := netTensors(rt.Net())[i]
			for j := range p.Data {
				if p.Data[j] != q.Data[j] {
					t.Fatalf("%s: %s[%d]: uninterrupted %g, resumed %g", opt, p.Name, j, p.Data[j], q.Data[j])
				}
			}
		}
		if res.TestAcc != wantRes.TestAcc || len(res.Epochs) != len(wantRes.Epochs) {
			t.Errorf("%s: resumed result %+v differs from %+v", opt, res, wantRes)
		}
	}
}

// TestDivergenceNamesEpochAndStep: a NaN loss stops training with an error
// naming the epoch and step and suggesting a smaller learning rate.
func TestDivergenceNamesEpochAndStep(t *testing.T) {
	s := ringsSpec()
	s.Train.Epochs, s.Train.Batch = 3, 250
	tr, te, _ := s.Data.Load()
	tt, err := Start(s, tr.Dim(), tr.NumClasses())
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	hooks := Hooks{Step: func(epoch, step, n int, ce, iso float64) {
		if steps++; steps == 6 {
			tt.Net().Layers[0].W.Data[0] = float32(math.NaN())
		}
	}}
	_, err = tt.Fit(context.Background(), tr, te, FitOptions{Hooks: hooks})
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("got %v, want divergence", err)
	}
	for _, want := range []string{"epoch 2", "step 3", "LR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
