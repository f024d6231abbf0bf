package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// The seed corpus lives in testdata/fuzz/FuzzResume/ and runs as
// ordinary tests under `go test`; `go test -fuzz=FuzzResume
// ./train/` explores more.

// interruptedCheckpoint trains a small rings model with opt and cancels it
// after stop steps (10 steps per epoch), returning the bytes of the
// checkpoint folder the interruption wrote.
func interruptedCheckpoint(tb testing.TB, opt string, stop int) (ckJSON, state []byte) {
	tb.Helper()
	s := ringsSpec()
	s.Width, s.Depth = 3, 1
	s.Train = Defaults(s.Depth + 1)
	s.Train.Beta, s.Train.Epochs, s.Train.Batch, s.Train.Optimizer = 1, 3, 100, opt
	tr, te, err := s.Data.Load()
	if err != nil {
		tb.Fatal(err)
	}
	tt, err := Start(s, tr.Dim(), tr.NumClasses())
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := 0
	hooks := Hooks{Step: func(epoch, step, n int, ce, iso float64) {
		if steps++; steps == stop {
			cancel()
		}
	}}
	dir := filepath.Join(tb.TempDir(), "ck")
	if _, err := tt.Fit(ctx, tr, te, FitOptions{Hooks: hooks, Checkpoint: &Checkpointing{Dir: dir, Every: 1}}); !errors.Is(err, ErrInterrupted) {
		tb.Fatalf("run was not interrupted: %v", err)
	}
	if ckJSON, err = os.ReadFile(filepath.Join(dir, "checkpoint.json")); err != nil {
		tb.Fatal(err)
	}
	if state, err = os.ReadFile(filepath.Join(dir, "state.safetensors")); err != nil {
		tb.Fatal(err)
	}
	return ckJSON, state
}

// writeCheckpoint writes the two files of a checkpoint folder; nil bytes
// leave a file out.
func writeCheckpoint(tb testing.TB, dir string, ckJSON, state []byte) {
	tb.Helper()
	for name, b := range map[string][]byte{"checkpoint.json": ckJSON, "state.safetensors": state} {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// FuzzResume feeds corrupted checkpoint.json and state.safetensors
// files to Resume. It must not panic nor allocate beyond what the
// files hold, and its errors are one line. What it accepts must be safe to
// train on: the epoch and step within the run, a resumed epoch's order a
// permutation, finite weights and optimizer moments shaped like the
// parameters — and one more epoch on a data set of the right shape runs.
func FuzzResume(f *testing.F) {
	j1, s1 := interruptedCheckpoint(f, "adam", 13)
	j2, s2 := interruptedCheckpoint(f, "sgd", 10)
	f.Add(j1, s1)
	f.Add(j2, s2)
	f.Fuzz(func(t *testing.T, ckJSON, state []byte) {
		dir := t.TempDir()
		writeCheckpoint(t, dir, ckJSON, state)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tt, err := Resume(dir)
		runtime.ReadMemStats(&after)
		// The model with gradients and optimizer moments, the decoded
		// file, the JSON: a bound that a spec claiming layers larger than
		// the state file breaks.
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*(len(state)+len(ckJSON)))+1<<20 {
			t.Fatalf("Resume allocated %d bytes for %d bytes of files", grew, len(state)+len(ckJSON))
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		spec, res := tt.Spec(), tt.Result()
		if tt.epoch < 0 || tt.epoch > spec.Train.Epochs || tt.pos < 0 || res == nil {
			t.Fatalf("accepted epoch %d of %d, step %d, result %v", tt.epoch, spec.Train.Epochs, tt.pos, res)
		}
		n := 7
		if tt.pos > 0 {
			n = len(tt.perm)
			seen := make([]bool, n)
			for _, p := range tt.perm {
				if p < 0 || p >= n || seen[p] {
					t.Fatalf("accepted a resumed order that is not a permutation: %v", tt.perm)
				}
				seen[p] = true
			}
			bs := min(spec.Train.Batch, n)
			if tt.pos >= (n+bs-1)/bs {
				t.Fatalf("accepted step %d of an epoch of %d steps", tt.pos, (n+bs-1)/bs)
			}
		}
		ps := tt.Net().Params()
		var moments [][][]float32
		switch o := tt.opt.(type) {
		case *nn.Adam:
			moments = [][][]float32{o.M, o.V}
		case *nn.SGD:
			moments = [][][]float32{o.Buf}
		}
		for _, p := range ps {
			for _, v := range p.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("accepted %v in %s", v, p.Name)
				}
			}
		}
		for _, mom := range moments {
			if mom == nil {
				continue
			}
			if len(mom) != len(ps) {
				t.Fatalf("%d moment tensors for %d parameters", len(mom), len(ps))
			}
			for i, p := range ps {
				if len(mom[i]) != len(p.Data) {
					t.Fatalf("moment of %s has %d values, want %d", p.Name, len(mom[i]), len(p.Data))
				}
			}
		}
		// A data set the model fits: n examples, labels cycling through
		// the classes.
		net := tt.Net()
		if net.InputDim()*n > 1<<16 {
			return
		}
		x := tensor.New(n, net.InputDim())
		y := make([]int, n)
		for i := range y {
			y[i] = i % net.NumClasses()
			x.Data[i*x.Cols] = float32(i)
		}
		set, err := data.NewSet("fuzz", x, y)
		if err != nil {
			t.Fatal(err)
		}
		tt.cfg.Epochs = tt.epoch + 1
		if _, err := tt.runEpoch(context.Background(), set, Hooks{}); err != nil && !errors.Is(err, ErrDiverged) {
			t.Fatalf("resumed epoch: %v", err)
		}
	})
}

// TestResumeErrors: each kind of damage to a checkpoint folder is a
// one-line error that names the folder and the problem.
func TestResumeErrors(t *testing.T) {
	j, s := interruptedCheckpoint(t, "adam", 13)
	js := string(j)
	// js holds "step_in_epoch": 3 and a 1000-long "perm".
	replace := func(old, new string) []byte {
		t.Helper()
		if !strings.Contains(js, old) {
			t.Fatalf("checkpoint.json lacks %q", old)
		}
		return []byte(strings.Replace(js, old, new, 1))
	}
	nan := append([]byte{}, s...)
	hl := int(nan[0]) | int(nan[1])<<8 | int(nan[2])<<16
	copy(nan[8+hl:], []byte{0, 0, 0xc0, 0x7f}) // first value of the first tensor: NaN
	// Without the recorded hash (a checkpoint written before it was
	// recorded) the state's own checks still run.
	legacy := regexp.MustCompile(`,\s*"state_sha256": "[0-9a-f]+"`).ReplaceAll(j, nil)
	if bytes.Equal(legacy, j) {
		t.Fatal("checkpoint.json lacks state_sha256")
	}
	flipped := append([]byte{}, s...)
	flipped[8+hl+1] ^= 0x01 // a low mantissa bit of the first weight: still a finite number
	cases := []struct {
		name       string
		ckJSON, st []byte
		want       string
	}{
		{"flipped bit in a weight", j, flipped, "state.safetensors has sha256"},
		{"no checkpoint", nil, nil, "/checkpoint.json: no such file or directory"},
		{"no state", j, nil, "/state.safetensors: no such file or directory"},
		{"empty json", []byte{}, s, "bad checkpoint.json"},
		{"truncated json", j[:len(j)/2], s, "bad checkpoint.json"},
		{"trailing data", append(append([]byte{}, j...), "{}"...), s, "data after the JSON object"},
		{"unknown field", replace(`"epoch"`, `"epoh"`), s, "unknown field"},
		{"wrong format", replace(CheckpointFormat, "isonet-checkpoint/9"), s, `format "isonet-checkpoint/9"`},
		{"bad spec", replace(`"lr": 0.001`, `"lr": -1`), s, "LR must be"},
		{"negative step", replace(`"step_in_epoch": 3`, `"step_in_epoch": -3`), s, "step -3"},
		{"step past the epoch", replace(`"step_in_epoch": 3`, `"step_in_epoch": 10`), s, "step 10"},
		{"epoch past the run", replace(`"epoch": 1`, `"epoch": 4`), s, "epoch 4"},
		{"perm out of range", replace(`"perm": [`, `"perm": [-1,`), s, "perm[0] = -1"},
		{"perm repeats", replace(`"perm": [`, `"perm": [0,0,`), s, "not a permutation"},
		{"bad rng", replace(`"rng": "`, `"rng": "AAAA`), s, "rng: invalid PCG encoding"},
		{"huge width", replace(`"width": 3`, `"width": 1048576`), s, `"layers.0.weight" has shape [3 3], want [1048576 3]`},
		{"deeper than the state", replace(`"depth": 1`, `"depth": 50`), s, "lacks layers.50.weight"},
		{"truncated state", j, s[:len(s)-5], "state.safetensors"},
		{"garbage state", j, []byte("not a safetensors file"), "state.safetensors"},
		{"NaN weight", j, nan, "state.safetensors has sha256"},
		{"NaN weight, no hash recorded", legacy, nan, "NaN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeCheckpoint(t, dir, c.ckJSON, c.st)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Resume(dir)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			tail, ok := strings.CutPrefix(msg, "checkpoint "+dir+": ")
			if !ok || !strings.Contains(tail, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line starting with the folder and naming %q", msg, c.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Errorf("allocated %d bytes before refusing", grew)
			}
		})
	}
}
