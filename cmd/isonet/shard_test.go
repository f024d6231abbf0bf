package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the CLI in a child process (the test binary
// itself, with ISONET_TEST_CLI=1), so that a test can kill it.
func TestMain(m *testing.M) {
	if os.Getenv("ISONET_TEST_CLI") == "1" {
		setTestFSize()               // forget_linux_test.go
		ctx, stop := signalContext() // as main: SIGUSR1 stops for a time limit
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	code := m.Run()
	for _, d := range sharedDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

var sharedDirs []string

// cliCommand is the CLI with args as a child process: this test binary,
// which TestMain runs as the CLI under ISONET_TEST_CLI=1.
func cliCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ISONET_TEST_CLI=1")
	return cmd
}

// startCLI starts the CLI with args in a child process (TestMain) and
// returns it with its standard error; the test's cleanup kills it.
func startCLI(t *testing.T, args ...string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := cliCommand(args...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, pipe
}

// ringsFlags is the small reproduction the shard tests run.
var ringsFlags = []string{"reproduce", "rings", "--quick", "--seeds", "0", "--quiet"}

var (
	refOnce sync.Once
	refDir  string
	refErr  string
)

// ringsReference returns the folder of one in-process run of ringsFlags
// (computed once for all tests).
func ringsReference(t *testing.T) string {
	t.Helper()
	refOnce.Do(func() {
		d, err := os.MkdirTemp("", "isonet-ref-")
		if err != nil {
			refErr = err.Error()
			return
		}
		sharedDirs = append(sharedDirs, d)
		refDir = filepath.Join(d, "ref")
		if code, _, stderr := isonet(t, append(ringsFlags, "--out", refDir)...); code != 0 {
			refErr = stderr
		}
	})
	if refErr != "" {
		t.Fatalf("reference run failed: %s", refErr)
	}
	return refDir
}

// comparable returns results.json of dir with what differs between equal
// runs masked: dates, timings and the command line; the folder's own path
// in strings (model folders) becomes OUT.
func comparable(t *testing.T, dir string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	var mask func(v any) any
	mask = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch {
				case k == "started" || k == "command" || k == "timings" || k == "phase_seconds" || k == "seconds" || strings.HasSuffix(k, "_seconds"):
					x[k] = "masked"
				default:
					x[k] = mask(e)
				}
			}
		case []any:
			for i := range x {
				x[i] = mask(x[i])
			}
		case string:
			return strings.ReplaceAll(strings.ReplaceAll(x, abs, "OUT"), dir, "OUT")
		}
		return v
	}
	return mask(v)
}

// sameResults fails unless the results of dirs a and b agree (timings and
// dates aside).
func sameResults(t *testing.T, a, b string) {
	t.Helper()
	ra, rb := comparable(t, a), comparable(t, b)
	if reflect.DeepEqual(ra, rb) {
		return
	}
	ja, _ := json.MarshalIndent(ra, "", " ")
	jb, _ := json.MarshalIndent(rb, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			t.Fatalf("results.json of %s and %s differ at line %d:\n  %s\n  %s", a, b, i+1, la[i], lb[i])
		}
	}
	t.Fatalf("results.json of %s and %s differ in length", a, b)
}

func readAll(t *testing.T, paths ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestShardsMerge runs the two shards of a small reproduction one after
// the other: after the first, --merge computes nothing and lists each
// missing phase with its shard; after both, the report equals a
// single-process run. Then a phase stored by another version makes --merge
// refuse (unless --allow-mixed-versions) and a rerun recompute it; --force
// keeps the user's file; and an interrupted run leaves the report as it was
// and prints no success line.
func TestShardsMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small reproduction")
	}
	ref := ringsReference(t)
	out := filepath.Join(t.TempDir(), "sharded")
	args := append(append([]string{}, ringsFlags...), "--out", out)
	code, stdout, stderr := isonet(t, append(args, "--shard", "0/2")...)
	if code != 0 {
		t.Fatalf("shard 0/2: %d %s", code, stderr)
	}
	if want := "shard 0/2 done: its 2 of 5 phases are stored in " + out + "; when every shard is done: isonet reproduce rings --quick --seeds 0 --quiet --out " + out + " --merge\n"; stdout != want {
		t.Errorf("shard 0/2 said %q, want %q", stdout, want)
	}
	before := snapshot(t, out)
	code, stdout, stderr = isonet(t, append(args, "--merge")...)
	wantErr := "  missing: rings/input (shard 1/2)\n" +
		"  missing: rings/beta=0/seed=0/train (shard 1/2)\n" +
		"  missing: rings/beta=0/seed=0/geometry (shard 1/2)\n" +
		"isonet reproduce: --merge: 3 of 5 phases are not stored in " + out + " (listed above with the shards that own them); run those shards, then --merge again\n"
	if code != 2 || stdout != "" || stderr != wantErr {
		t.Errorf("merge with a shard missing: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", code, stdout, stderr, wantErr)
	}
	if after := snapshot(t, out); !reflect.DeepEqual(before, after) {
		t.Error("--merge with missing phases changed the folder")
	}
	if code, _, stderr = isonet(t, append(args, "--shard", "1/2")...); code != 0 {
		t.Fatalf("shard 1/2: %d %s", code, stderr)
	}
	if code, stdout, stderr = isonet(t, append(args, "--merge")...); code != 0 || !strings.HasPrefix(stdout, "report: "+out+"/index.html") {
		t.Fatalf("merge: %d %q %s", code, stdout, stderr)
	}
	sameResults(t, ref, out)

	// A phase stored by another build.
	p := filepath.Join(out, "phases", "rings__beta=1__seed=0__geometry.json")
	b, _ := os.ReadFile(p)
	var st map[string]any
	json.Unmarshal(b, &st)
	st["isonet_version"] = "v0.9.0"
	b, _ = json.Marshal(st)
	os.WriteFile(p, b, 0o644)
	code, stdout, stderr = isonet(t, append(args, "--merge")...)
	wantErr = "isonet reproduce: --merge: phases were computed by different isonet versions: test (4 phases, e.g. rings/input), v0.9.0 (1 phases, e.g. rings/beta=1/seed=0/geometry); rerun the shards with one build, or pass --allow-mixed-versions\n"
	if code != 2 || stdout != "" || stderr != wantErr {
		t.Errorf("merge of mixed versions: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr = isonet(t, append(args, "--merge", "--allow-mixed-versions")...); code != 0 {
		t.Errorf("merge --allow-mixed-versions: %d %s", code, stderr)
	}
	verbose := append(append([]string{}, args[:len(ringsFlags)-1]...), args[len(ringsFlags):]...) // without --quiet
	code, _, stderr = isonet(t, append(verbose, "--shard", "0/2")...)
	if code != 0 || !strings.Contains(stderr, "rings/beta=1/seed=0/geometry: running (its stored result was computed by isonet v0.9.0, this is test)") ||
		!strings.HasSuffix(stderr, "\nisonet reproduce: recomputed 1 phase(s) stored by another isonet version (this is test)\n") {
		t.Errorf("a rerun did not recompute the other version's phase, saying why: %d\n%s", code, stderr)
	}

	// --force recomputes but never deletes the user's file.
	note := filepath.Join(out, "my notes.txt")
	os.WriteFile(note, []byte("mine\n"), 0o600)
	if code, _, stderr = isonet(t, append(args, "--shard", "0/2", "--force")...); code != 0 {
		t.Fatalf("--force: %d %s", code, stderr)
	}
	if b, err := os.ReadFile(note); err != nil || string(b) != "mine\n" {
		t.Errorf("--force changed the user's file: %q, %v", b, err)
	}

	// An interrupted run keeps the previous report and prints no success line.
	reports := []string{filepath.Join(out, "index.html"), filepath.Join(out, "report.md"), filepath.Join(out, "results.json")}
	old := readAll(t, reports...)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	var so, se bytes.Buffer
	code = run(ctx, append(args, "--force"), &so, &se)
	cancel()
	if code != 130 || so.Len() != 0 || !strings.Contains(se.String(), "isonet reproduce: not finished: ") ||
		!strings.Contains(se.String(), "no report was written (a previous one is unchanged); run the same command again to resume\nisonet reproduce: interrupted\n") {
		t.Errorf("interrupted run: exit %d, stdout %q, stderr %q", code, so.String(), se.String())
	}
	if now := readAll(t, reports...); !reflect.DeepEqual(old, now) {
		t.Error("an interrupted run changed the previous report")
	}
}

// snapshot maps every file under dir to its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		}
		return nil
	})
	return m
}

// TestKilledShardResumes kills a shard process (SIGKILL) while it trains,
// leaving its phase lock file and a training checkpoint behind; the rerun
// takes the lock over, resumes the training from the checkpoint, and the
// merged report equals a single-process run.
func TestKilledShardResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small reproduction")
	}
	ref := ringsReference(t)
	out := filepath.Join(t.TempDir(), "killed")
	args := []string{"reproduce", "rings", "--quick", "--seeds", "0", "--out", out, "--shard", "0/1", "--checkpoint-every", "100ms"}
	cmd, pipe := startCLI(t, args...)
	ck := filepath.Join(out, "models", "rings__beta=1__seed=0__train.checkpoint")
	lock := filepath.Join(out, "phases", "rings__beta=1__seed=0__train.lock")
	sc := bufio.NewScanner(pipe)
	var log []string
	for sc.Scan() {
		log = append(log, sc.Text())
		if strings.Contains(sc.Text(), "rings/beta=1/seed=0/train: running") {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(ck, "checkpoint.json")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint %s appeared; the shard said:\n%s", ck, strings.Join(log, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("the killed shard left no lock file: %v", err)
	}
	var so, se bytes.Buffer
	if code := run(context.Background(), args, &so, &se); code != 0 {
		t.Fatalf("rerun: %d %s", code, se.String())
	}
	if !strings.Contains(se.String(), "rings/beta=1/seed=0/train: resuming from its checkpoint at epoch") {
		t.Errorf("the rerun did not resume from the checkpoint:\n%s", se.String())
	}
	if _, err := os.Stat(ck); !os.IsNotExist(err) {
		t.Errorf("checkpoint left after the phase finished: %v", err)
	}
	if code, _, stderr := isonet(t, "reproduce", "rings", "--quick", "--seeds", "0", "--out", out, "--merge"); code != 0 {
		t.Fatalf("merge: %d %s", code, stderr)
	}
	sameResults(t, ref, out)
}

// TestTwoProcessesOneFolder runs the same reproduction twice at once into
// one folder: every phase is computed by exactly one of the two processes
// (the other waits for its lock and reuses the result), both finish, and
// the report equals a single run's.
func TestTwoProcessesOneFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small reproduction")
	}
	ref := ringsReference(t)
	out := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(out, 0o755)
	var cmds [2]*exec.Cmd
	var logs [2]bytes.Buffer
	for i := range cmds {
		cmds[i] = cliCommand("reproduce", "rings", "--quick", "--seeds", "0", "--out", out)
		cmds[i].Stderr = &logs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, logs[i].String())
		}
	}
	both := logs[0].String() + logs[1].String()
	for _, phase := range []string{"rings/input", "rings/beta=0/seed=0/train", "rings/beta=0/seed=0/geometry", "rings/beta=1/seed=0/train", "rings/beta=1/seed=0/geometry"} {
		if n := strings.Count(both, " "+phase+": running"); n != 1 {
			t.Errorf("%s computed %d times by the two processes, want once", phase, n)
		}
	}
	if ents, _ := filepath.Glob(filepath.Join(out, "phases", "*.lock")); len(ents) != 0 {
		t.Errorf("lock files left: %v", ents)
	}
	sameResults(t, ref, out)
	t.Logf("process 0:\n%s\nprocess 1:\n%s", logs[0].String(), logs[1].String())
}
