package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/isonet/isonet/internal/outdir"
)

// TestAttackForgetsUnwritten: attack --save-adv and --sweep --out record
// their file in the folder's marker before writing it (so that a crash
// leaves none unclaimed); when the write fails (here the file size limit,
// as a full disk would) the name is forgotten again, so the marker never
// claims a file isonet did not write (issue 29 follow-up, item 3; before
// the fix the marker listed adv.npy and sweep.json after the failures).
func TestAttackForgetsUnwritten(t *testing.T) {
	dir := t.TempDir()
	m, csv := filepath.Join(dir, "m"), filepath.Join(dir, "unit.csv")
	rows := ""
	for i := range 40 { // 2 features in [0, 1] (the attacks' default box), 2 classes
		rows += fmt.Sprintf("%.3f,%.3f,%c\n", float64(i%7)/7, float64(i%5)/5, 'a'+rune(i%2))
	}
	os.WriteFile(csv, []byte(rows), 0o644)
	if code, _, stderr := isonet(t, "train", "--quiet", "--dataset", "csv:"+csv, "--epochs", "1", "--width", "4", "--depth", "1", "--out", m); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	// Files above 150 bytes cannot be written: the marker (under 100
	// bytes) can, the adversarials (8 rows of 2 float32 and a 128-byte
	// header) and the sweep's curves cannot. Go ignores SIGXFSZ, so the
	// write returns EFBIG.
	// The limit is set in child processes (TestMain, ISONET_TEST_FSIZE):
	// set here it would bind the whole test binary, whose own log then
	// cannot be written.
	adv, sweep := filepath.Join(out, "adv.npy"), filepath.Join(out, "sweep.json")
	codeA, errA := limitedIsonet(t, 150, "attack", "--model", m, "--attack", "autoattack", "--eps", "0.1", "--test-subset", "8", "--fallback-ce", "--save-adv", adv)
	codeS, errS := limitedIsonet(t, 150, "attack", "--model", m, "--sweep", "--out", sweep)
	if codeA == 0 || codeS == 0 {
		t.Fatalf("writes over the size limit succeeded: %d %q, %d %q", codeA, errA, codeS, errS)
	}
	for _, p := range []string{adv, sweep} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists after a failed write", p)
		}
	}
	mk, _ := outdir.ReadMarker(out)
	for _, n := range []string{"adv.npy", "sweep.json"} {
		if slices.Contains(mk.Files, n) {
			t.Errorf("the marker claims %s, which was never written (%v; stderr %q, %q)", n, mk.Files, errA, errS)
		}
	}
	// The same commands without the limit write both files and keep them
	// in the marker.
	if code, _, stderr := isonet(t, "attack", "--model", m, "--attack", "autoattack", "--eps", "0.1", "--test-subset", "8", "--fallback-ce", "--save-adv", adv); code != 0 {
		t.Fatalf("attack --save-adv: %s", stderr)
	}
	mk, _ = outdir.ReadMarker(out)
	if !slices.Contains(mk.Files, "adv.npy") {
		t.Errorf("marker %v lacks the written adv.npy", mk.Files)
	}
}

// limitedIsonet runs the CLI in a child process whose files may not grow
// beyond fsize bytes (RLIMIT_FSIZE, set by the child itself in TestMain).
func limitedIsonet(t *testing.T, fsize int, args ...string) (int, string) {
	t.Helper()
	cmd := cliCommand(args...)
	cmd.Env = append(cmd.Env, fmt.Sprintf("ISONET_TEST_FSIZE=%d", fsize))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return 0, stderr.String()
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return ee.ExitCode(), stderr.String()
}

// setTestFSize applies ISONET_TEST_FSIZE to this (child) process.
func setTestFSize() {
	v := os.Getenv("ISONET_TEST_FSIZE")
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		panic(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		panic(err)
	}
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		panic(err)
	}
}
