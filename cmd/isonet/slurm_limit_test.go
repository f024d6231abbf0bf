package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// needSlurm skips a test that starts a Slurm cluster where it cannot.
func needSlurm(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Slurm cluster")
	}
	if os.Geteuid() != 0 {
		t.Skip("the Slurm test starts slurmctld and slurmd as root (SlurmUser=root); run it as root, as .ci/run does")
	}
	for _, tool := range slurmTools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: install Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge; .ci/run does)", tool)
		}
	}
}

// TestSlurmTimeLimit runs `isonet submit slurm` on the local single-node
// Slurm into a folder named with blanks, quotes, $ and % (issue 29 item
// 3), and stops the shard mid-training as Slurm does ahead of a time limit
// (item 4): the test sends SIGUSR1 to the batch shell (scancel
// --signal=USR1 --batch, what --signal=B:USR1@N makes Slurm do), the
// script passes it to isonet, which saves its checkpoint and exits 75; the
// script requeues the task (scontrol requeue); the rerun resumes from the
// checkpoint, the merge runs, and the report equals a single-process run.
// The logs are in the folder as named, the first run's kept (open-mode
// append).
func TestSlurmTimeLimit(t *testing.T) {
	needSlurm(t)
	dir := t.TempDir()
	bin := isonetBinary(t)
	ref := ringsReference(t)
	c := startCluster(t, filepath.Join(dir, "cluster"))
	out := filepath.Join(dir, `run "q" 'x' $HOME %j`)
	array, merge := c.submit(nil, bin, "--shards", "1", "--isonet", bin, "--out", out, "rings", "--quick", "--seeds", "0", "--checkpoint-every", "1h")
	task := array + "_0"
	logf := filepath.Join(out, "slurm", "shard-"+task+".out")
	c.waitFor("task "+task+" to train rings/beta=1/seed=0", 2*time.Minute, func() bool {
		b, _ := os.ReadFile(logf)
		return strings.Contains(string(b), "rings/beta=1/seed=0/train: running")
	})
	time.Sleep(300 * time.Millisecond)
	if b, err := exec.Command("scancel", "--signal=USR1", "--batch", task).CombinedOutput(); err != nil {
		t.Fatalf("scancel --signal=USR1 --batch %s: %v %s", task, err, b)
	}
	c.waitDone(merge, 4*time.Minute)
	b, _ := os.ReadFile(logf)
	log := string(b)
	for _, want := range []string{
		"isonet reproduce: stopped by SIGUSR1 ahead of the batch system's time limit; progress is saved",
		"isonet: progress saved before the time limit; requeueing " + task,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the task's log lacks %q:\n%s", want, log)
		}
	}
	if !regexp.MustCompile(`rings/beta=1/seed=0/train: resuming from its checkpoint at epoch \d+`).MatchString(log) {
		t.Errorf("the requeued task did not resume from the checkpoint:\n%s", log)
	}
	sc, _ := exec.Command("scontrol", "show", "job", task).CombinedOutput()
	if !regexp.MustCompile(`Restarts=[1-9]`).Match(sc) {
		t.Errorf("scontrol shows no restart of %s:\n%s", task, sc)
	}
	t.Logf("scontrol show job %s:\n%s", task, sc)
	sameResults(t, ref, out)
	if _, err := os.Stat(filepath.Join(out, "slurm", "merge-"+merge+".out")); err != nil {
		t.Errorf("no merge log in the folder as named: %v", err)
	}
}
