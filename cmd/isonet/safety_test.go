package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// snapshotFiles reads every file under dir (relative names → content).
func snapshotFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameFiles(t *testing.T, what string, before, after map[string][]byte) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%s: %d files, had %d", what, len(after), len(before))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s: %s changed or vanished", what, name)
		}
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestForceKeepsForeignFiles is issue 12's sequence: train --force over a
// project folder is refused and the project's files stay byte-identical.
func TestForceKeepsForeignFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	os.MkdirAll("proj/src", 0o755)
	os.WriteFile("proj/src/main.go", []byte("package main\n"), 0o644)
	os.WriteFile("proj/README", []byte("notes\n"), 0o644)
	before := snapshotFiles(t, "proj")
	code, stdout, stderr := isonet(t, "train", "--dataset", "rings", "--epochs", "10", "--out", "proj", "--force")
	want := "isonet train: --out proj is not an isonet folder (it holds README and src/); --force replaces only folders isonet wrote\n"
	if code != 2 || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, want)
	}
	sameFiles(t, "proj", before, snapshotFiles(t, "proj"))
	if got := entries(t, "."); !slices.Equal(got, []string{"proj"}) {
		t.Errorf("working folder holds %v", got)
	}
}

// TestForceReplacesModel: --force replaces a model folder isonet wrote
// (the new weights are the new run's) and a checkpoint discarded with
// --force is isonet's too; a geometry folder is not a model's and is kept.
func TestForceReplacesModel(t *testing.T) {
	t.Chdir(t.TempDir())
	args := []string{"train", "--quiet", "--dataset", "rings", "--epochs", "3", "--width", "3", "--depth", "1"}
	for _, seed := range []string{"1", "2"} {
		if code, _, stderr := isonet(t, append(args, "--seed", seed, "--out", "ref"+seed)...); code != 0 {
			t.Fatal(stderr)
		}
	}
	if code, _, stderr := isonet(t, append(args, "--seed", "1", "--out", "m")...); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := isonet(t, append(args, "--seed", "2", "--out", "m", "--force")...); code != 0 {
		t.Fatalf("--force over a model folder: %s", stderr)
	}
	got, _ := os.ReadFile("m/model.safetensors")
	want, _ := os.ReadFile("ref2/model.safetensors")
	if !bytes.Equal(got, want) {
		t.Error("the replaced folder does not hold the new run's weights")
	}
	if got := entries(t, "m"); !slices.Equal(got, []string{".isonet", "config.json", "metrics.json", "model.safetensors"}) {
		t.Errorf("model folder holds %v", got)
	}
	// A geometry folder is isonet's but not a model's: train --force
	// leaves it (issue 29: a command replaces only what it owns).
	if code, _, stderr := isonet(t, "geometry", "--model", "ref1", "--out", "g"); code != 0 {
		t.Fatalf("geometry: %s", stderr)
	}
	if code, _, stderr := isonet(t, "geometry", "--model", "ref1", "--out", "g"); code != 0 {
		t.Fatalf("geometry again over its own files: %s", stderr)
	}
	geo := snapshotFiles(t, "g")
	if code, _, stderr := isonet(t, append(args, "--out", "g", "--force")...); code != 2 ||
		stderr != "isonet train: --out g is an isonet geometry folder, not a model folder; --force replaces only model folders isonet wrote\n" {
		t.Fatalf("--force over a geometry folder: exit %d, %q", code, stderr)
	}
	sameFiles(t, "geometry folder", geo, snapshotFiles(t, "g"))
	// A new run refuses an interrupted run's checkpoint unless --force,
	// which discards it once the new model is written.
	// (A real checkpoint: a run interrupted once it saved one.)
	ck := "c.checkpoint"
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for range 2000 {
			if _, err := os.Stat(ck); err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	var out, errb bytes.Buffer
	long := []string{"train", "--quiet", "--dataset", "rings", "--epochs", "3000", "--width", "3", "--depth", "1", "--checkpoint-every", "5", "--out", "c"}
	if code := run(ctx, long, &out, &errb); code != 130 {
		t.Fatalf("interrupted run: exit %d, %s", code, errb.String())
	}
	before := snapshotFiles(t, ck)
	code, _, stderr := isonet(t, append(args, "--out", "c")...)
	if code != 2 || stderr != "isonet train: --out c: an interrupted run's checkpoint c.checkpoint exists; continue it with --resume c (or give --force to discard it)\n" {
		t.Errorf("new run over a checkpoint: exit %d, %q", code, stderr)
	}
	sameFiles(t, "checkpoint", before, snapshotFiles(t, ck))
	if code, _, stderr := isonet(t, append(args, "--out", "c", "--force")...); code != 0 {
		t.Fatalf("--force over a checkpoint: %s", stderr)
	}
	if _, err := os.Stat(ck); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--force kept the discarded checkpoint: %v", err)
	}
}

// TestConcurrentTrain: while one train run writes --out o (holding
// o.lock, with a periodic checkpoint o.checkpoint), a second one to the same folder is refused at once; the first
// finishes with exactly the model it trains alone, and no checkpoint or
// lock is left.
func TestConcurrentTrain(t *testing.T) {
	t.Chdir(t.TempDir())
	args := []string{"train", "--quiet", "--dataset", "rings", "--epochs", "60", "--batch", "100", "--width", "3", "--depth", "1"}
	if code, _, stderr := isonet(t, append(args, "--seed", "1", "--checkpoint-every", "-1", "--out", "alone")...); code != 0 {
		t.Fatal(stderr)
	}
	type result struct {
		code   int
		stderr string
	}
	first := make(chan result)
	go func() {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--seed", "1", "--checkpoint-every", "1", "--out", "o"), &out, &errb)
		first <- result{code, errb.String()}
	}()
	// Wait for the first run's first checkpoint (written under its lock):
	// the second run must see a live run, not an interrupted one.
	for i := 0; ; i++ {
		if _, err := os.Stat("o.checkpoint"); err == nil {
			break
		}
		if i > 5000 {
			t.Fatal("the first run never wrote a checkpoint")
		}
		time.Sleep(time.Millisecond)
	}
	code, stdout, stderr := isonet(t, append(args, "--seed", "2", "--out", "o")...)
	host, _ := os.Hostname()
	if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "isonet train: --out o is being written by another isonet run (pid ") ||
		!strings.Contains(stderr, " on "+host+", since ") || !strings.HasSuffix(stderr, "); wait for it to finish or choose another --out\n") {
		t.Errorf("second run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	r := <-first
	if r.code != 0 {
		t.Fatalf("first run: exit %d, %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile("o/model.safetensors")
	want, _ := os.ReadFile("alone/model.safetensors")
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Error("the folder does not hold the first run's model")
	}
	if got := entries(t, "."); !slices.Equal(got, []string{"alone", "o"}) {
		t.Errorf("working folder holds %v, want alone and o only (no checkpoint, lock or temporary folder)", got)
	}
}

// TestFullDisk: on a 64 KiB tmpfs filled to the last byte, train --force
// over an existing model warns at the first failed periodic checkpoint,
// goes on, counts the failures, and fails writing the model with an error naming the user's --out
// (not a temporary path); the old model is byte-identical and nothing
// else is left. Needs root (mount); skipped otherwise.
func TestFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("disk", 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", "disk").CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", filepath.Join(dir, "disk")).Run() })
	args := []string{"train", "--quiet", "--dataset", "rings", "--epochs", "3", "--width", "3", "--depth", "1", "--out", "disk/m"}
	if code, _, stderr := isonet(t, args...); code != 0 {
		t.Fatalf("first model: %s", stderr)
	}
	before := snapshotFiles(t, "disk/m")
	f, err := os.Create("disk/filler")
	if err != nil {
		t.Fatal(err)
	}
	page := make([]byte, 512)
	for {
		if _, err := f.Write(page); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	code, stdout, stderr := isonet(t, append(args, "--force", "--width", "30", "--checkpoint-every", "1")...)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if code != 2 || stdout != "" || last != "isonet train: write disk/m/config.json: no space left on device" {
		t.Errorf("exit %d, stdout %q, last line %q", code, stdout, last)
	}
	warnings := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "isonet train: warning: checkpoint not saved (training goes on): write disk/m.checkpoint") &&
			strings.HasSuffix(l, ": no space left on device") {
			warnings++
		}
	}
	if warnings != 1 || !strings.Contains(stderr, "\nisonet train: warning: 2 periodic checkpoints could not be saved\n") || strings.Contains(stderr, ".tmp-") {
		t.Errorf("want one checkpoint warning naming disk/m.checkpoint and a count of 2, no temporary path; stderr:\n%s", stderr)
	}
	sameFiles(t, "old model", before, snapshotFiles(t, "disk/m"))
	if got := entries(t, "disk"); !slices.Equal(got, []string{"filler", "m"}) {
		t.Errorf("disk holds %v, want filler and m only", got)
	}
}

// TestOverflowDiverges: --lr 1e30 and --beta 1e30 (Adam and SGD) stop at
// the first step with the divergence message instead of writing a model
// of weights near 1e30 (exit 0 before).
func TestOverflowDiverges(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, a := range [][]string{{"--lr", "1e30"}, {"--beta", "1e30"}, {"--lr", "1e30", "--optimizer", "sgd"}, {"--beta", "1e30", "--optimizer", "sgd"}} {
		code, stdout, stderr := isonet(t, append([]string{"train", "--quiet", "--dataset", "rings", "--epochs", "5", "--out", "o"}, a...)...)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		last := lines[len(lines)-1]
		if code != 2 || stdout != "" || !strings.HasPrefix(last, "isonet train: training diverged at epoch 1, step 1 (") ||
			!strings.HasSuffix(last, "): try a smaller --lr or --beta") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", a, code, stdout, stderr)
		}
		if _, err := os.Stat("o"); err == nil {
			t.Errorf("%v: a model folder was written", a)
		}
	}
}
