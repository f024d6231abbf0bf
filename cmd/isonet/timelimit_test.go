package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTimeLimitSignal: SIGUSR1, the signal a batch system sends ahead of a
// job's time limit (`#SBATCH --signal=B:USR1@120`), stops a shard while it
// trains: it saves the training checkpoint, releases the phase lock, says
// so on one line and exits 75 (EX_TEMPFAIL, which the shard script takes
// as "requeue me"); the rerun resumes the training from the checkpoint and
// the merged report equals a single-process run (issue 29 item 4: a shard
// killed at its time limit lost its work since the last checkpoint, and
// nothing asked Slurm to run it again). The signal here is sent by the
// test; TestSlurmTimeLimit sends it through Slurm.
func TestTimeLimitSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small reproduction")
	}
	ref := ringsReference(t)
	out := filepath.Join(t.TempDir(), "limited")
	// --checkpoint-every 1h: the only checkpoint is the one the signal makes.
	args := []string{"reproduce", "rings", "--quick", "--seeds", "0", "--out", out, "--shard", "0/1", "--checkpoint-every", "1h"}
	cmd, pipe := startCLI(t, args...)
	sc := bufio.NewScanner(pipe)
	var log []string
	for sc.Scan() {
		log = append(log, sc.Text())
		if strings.Contains(sc.Text(), "rings/beta=1/seed=0/train: running") {
			break
		}
	}
	rest := make(chan []string)
	go func() {
		var l []string
		for sc.Scan() {
			l = append(l, sc.Text())
		}
		rest <- l
	}()
	time.Sleep(300 * time.Millisecond) // into the training
	cmd.Process.Signal(syscall.SIGUSR1)
	err := cmd.Wait()
	log = append(log, <-rest...)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitTimeLimit {
		t.Fatalf("exit %v, want status %d; the shard said:\n%s", err, exitTimeLimit, strings.Join(log, "\n"))
	}
	if last := log[len(log)-1]; last != "isonet reproduce: stopped by SIGUSR1 ahead of the batch system's time limit; progress is saved: run the same command again to resume (exit 75)" {
		t.Errorf("last line %q", last)
	}
	ck := filepath.Join(out, "models", "rings__beta=1__seed=0__train.checkpoint", "checkpoint.json")
	if _, err := os.Stat(ck); err != nil {
		t.Fatalf("no checkpoint after the signal (%v); the shard said:\n%s", err, strings.Join(log, "\n"))
	}
	if _, err := os.Stat(filepath.Join(out, "phases", "rings__beta=1__seed=0__train.lock")); err == nil {
		t.Error("the stopped shard left its phase lock file")
	}
	var so, se bytes.Buffer
	if code := run(context.Background(), args, &so, &se); code != 0 {
		t.Fatalf("rerun: %d %s", code, se.String())
	}
	if !regexp.MustCompile(`rings/beta=1/seed=0/train: resuming from its checkpoint at epoch \d+`).MatchString(se.String()) {
		t.Errorf("the rerun did not resume from the checkpoint:\n%s", se.String())
	}
	if code, _, stderr := isonet(t, "reproduce", "rings", "--quick", "--seeds", "0", "--out", out, "--merge"); code != 0 {
		t.Fatalf("merge: %d %s", code, stderr)
	}
	sameResults(t, ref, out)
}
