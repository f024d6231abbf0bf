package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slurmTools are the programs the Slurm test needs, from Debian's
// slurm-wlm and munge packages.
var slurmTools = []string{"munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "scancel"}

// cluster is a single-node Slurm cluster started by a test.
type cluster struct {
	t    *testing.T
	dir  string
	jobs []string // every job submitted, cancelled at cleanup
}

// startCluster starts munged, slurmctld and slurmd (in the foreground, as
// children of the test, so that it owns their pids) with their sockets,
// state and logs in dir, on free ports, and waits until the node is idle.
// t.Cleanup cancels the jobs and stops the daemons, also on failure.
func startCluster(t *testing.T, dir string) *cluster {
	t.Helper()
	c := &cluster{t: t, dir: dir}
	for _, d := range []string{"munge", "state", "spool", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 1024)
	if f, err := os.Open("/dev/urandom"); err == nil {
		f.Read(key)
		f.Close()
	}
	keyFile := filepath.Join(dir, "munge", "munge.key")
	if err := os.WriteFile(keyFile, key, 0o400); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "munge", "munge.sock")
	c.daemon("munged", "-F", "--force", "--socket="+sock, "--key-file="+keyFile,
		"--log-file="+filepath.Join(dir, "log", "munged.log"), "--pid-file="+filepath.Join(dir, "munge", "munged.pid"),
		"--seed-file="+filepath.Join(dir, "munge", "munged.seed"))
	c.waitFor("munged's socket", 10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil })

	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	conf := filepath.Join(dir, "slurm.conf")
	lines := []string{
		"ClusterName=isonettest",
		"SlurmctldHost=" + host + "(127.0.0.1)", // no name lookup needed
		"SlurmUser=root",
		"SlurmdUser=root",
		"AuthType=auth/munge",
		"AuthInfo=socket=" + sock,
		"CredType=cred/munge",
		fmt.Sprintf("SlurmctldPort=%d", freePort(t)),
		fmt.Sprintf("SlurmdPort=%d", freePort(t)),
		"StateSaveLocation=" + filepath.Join(dir, "state"),
		"SlurmdSpoolDir=" + filepath.Join(dir, "spool"),
		"SlurmctldPidFile=" + filepath.Join(dir, "slurmctld.pid"),
		"SlurmdPidFile=" + filepath.Join(dir, "slurmd.pid"),
		"SlurmctldLogFile=" + filepath.Join(dir, "log", "slurmctld.log"),
		"SlurmdLogFile=" + filepath.Join(dir, "log", "slurmd.log"),
		"ProctrackType=proctrack/linuxproc",
		"TaskPlugin=task/none",
		"SelectType=select/cons_tres",
		"SelectTypeParameters=CR_Core",
		"MpiDefault=none",
		"ReturnToService=2",
		"JobAcctGatherType=jobacct_gather/none",
		"AccountingStorageType=accounting_storage/none",
		"JobCompType=jobcomp/filetxt",
		"JobCompLoc=" + filepath.Join(dir, "log", "jobcomp.txt"),
		"MinJobAge=3600",
		fmt.Sprintf("NodeName=%s NodeAddr=127.0.0.1 CPUs=%d RealMemory=1000 State=UNKNOWN", host, runtime.NumCPU()),
		"PartitionName=isonet Nodes=" + host + " Default=YES MaxTime=INFINITE State=UP",
	}
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", conf)
	c.daemon("slurmctld", "-D", "-c", "-i", "-f", conf)
	c.daemon("slurmd", "-D", "-f", conf)
	c.waitFor("the node to be idle", 60*time.Second, func() bool {
		out, _ := exec.Command("sinfo", "-h", "-o", "%T").Output()
		return strings.TrimSpace(string(out)) == "idle"
	})
	return c
}

// daemon starts a daemon in the foreground and stops it (by its pid) at
// cleanup: SIGTERM, then SIGKILL after 10 s. Cleanups run last-in first-out,
// so slurmd stops before slurmctld and munged.
func (c *cluster) daemon(name string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(name, args...)
	logf, err := os.Create(filepath.Join(c.dir, "log", name+".out"))
	if err != nil {
		c.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	c.t.Cleanup(func() {
		if name == "slurmd" { // first: no job may outlive the cluster
			c.cancelAll()
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
}

// cancelAll cancels every job the test submitted and waits (up to 30 s)
// until the queue is empty.
func (c *cluster) cancelAll() {
	if len(c.jobs) > 0 {
		exec.Command("scancel", c.jobs...).Run()
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, err := exec.Command("squeue", "-h").Output()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *cluster) waitFor(what string, limit time.Duration, ok func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out after %v waiting for %s; logs:\n%s", limit, what, c.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *cluster) logs() string {
	var b strings.Builder
	for _, f := range []string{"munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log"} {
		data, _ := os.ReadFile(filepath.Join(c.dir, "log", f))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "== %s (last lines)\n%s\n", f, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

// states returns the JobState of job id and of its array tasks
// ("ID" for a plain job, "ID_TASK" for a task).
func (c *cluster) states(id string) map[string]string {
	out, _ := exec.Command("scontrol", "show", "job", "-o", id).Output()
	m := map[string]string{}
	field := func(line, key string) string {
		re := regexp.MustCompile(`(?:^| )` + key + `=(\S+)`)
		if s := re.FindStringSubmatch(line); s != nil {
			return s[1]
		}
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		state := field(line, "JobState")
		if state == "" {
			continue
		}
		if task := field(line, "ArrayTaskId"); task != "" {
			m[field(line, "ArrayJobId")+"_"+task] = state
		} else {
			m[field(line, "JobId")] = state
		}
	}
	return m
}

// submit runs `isonet submit slurm` (with env added to the environment)
// and returns the array and merge job ids.
func (c *cluster) submit(env []string, bin string, args ...string) (array, merge string) {
	c.t.Helper()
	cmd := exec.Command(bin, append([]string{"submit", "slurm"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("isonet submit slurm: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?s)^shards: job (\d+) \(array 0-\d+.*\nmerge: job (\d+) .*\nreport: (.*)/index.html once job \d+ is done\n$`).FindStringSubmatch(string(out))
	if m == nil {
		c.t.Fatalf("isonet submit slurm printed:\n%s", out)
	}
	c.jobs = append(c.jobs, m[1], m[2])
	return m[1], m[2]
}

// waitDone waits until job id has finished and fails unless it completed.
func (c *cluster) waitDone(id string, limit time.Duration) {
	c.t.Helper()
	state := ""
	c.waitFor("job "+id, limit, func() bool {
		state = c.states(id)[id]
		switch state {
		case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "":
			return false
		}
		return true
	})
	if state != "COMPLETED" {
		c.t.Fatalf("job %s ended %s", id, state)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// buildIsonet builds the isonet binary into dir.
func buildIsonet(dir string) (string, error) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	bin := filepath.Join(dir, "isonet")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		// Where git cannot describe the checkout (another owner, no git),
		// build without the revision: phases then carry the binary's hash.
		if out2, err2 := exec.Command(gobin, "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput(); err2 != nil {
			return "", fmt.Errorf("%v\n%s\n%s", err2, out, out2)
		}
	}
	return bin, nil
}

// TestSlurm brings up a real single-node Slurm cluster (Debian's slurm-wlm
// and munge, started as root with a generated slurm.conf), submits a small
// reproduction as 4 shards + merge through `isonet submit slurm`, and
// checks that the report equals a single-process run; then cancels one
// array task mid-run, resubmits, and gets the same report again.
func TestSlurm(t *testing.T) {
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
	dir := t.TempDir()
	bin := isonetBinary(t)
	c := startCluster(t, filepath.Join(dir, "cluster"))
	flags := []string{"rings", "--quick", "--seeds", "0,1"}

	single := filepath.Join(dir, "single")
	start := time.Now()
	if out, err := exec.Command(bin, append(append([]string{"reproduce"}, flags...), "--quiet", "--out", single)...).CombinedOutput(); err != nil {
		t.Fatalf("single-process run: %v\n%s", err, out)
	}
	oneProcess := time.Since(start)

	// 4 shards and the merge.
	sharded := filepath.Join(dir, "sharded")
	start = time.Now()
	// SBATCH_* is sbatch's to read: it overrides the scripts' #SBATCH lines.
	array, merge := c.submit([]string{"SBATCH_JOB_NAME=isonet-env"}, bin, append([]string{"--shards", "4", "--isonet", bin, "--out", sharded}, flags...)...)
	c.waitFor("a running shard", 60*time.Second, func() bool {
		for _, s := range c.states(array) {
			if s == "RUNNING" {
				return true
			}
		}
		return false
	})
	sq, _ := exec.Command("squeue").CombinedOutput()
	t.Logf("squeue while the shards run:\n%s", sq)
	c.waitDone(merge, 4*time.Minute)
	wall := time.Since(start)
	for task, s := range c.states(array) {
		if s != "COMPLETED" {
			t.Errorf("array task %s ended %s", task, s)
		}
	}
	sc, _ := exec.Command("scontrol", "show", "job", merge).CombinedOutput()
	t.Logf("scontrol show job %s:\n%s", merge, sc)
	if !strings.Contains(string(sc), "JobName=isonet-env") {
		t.Error("SBATCH_JOB_NAME did not name the merge job: submit overrode the environment")
	}
	t.Logf("wall time: one process %.1f s, 4 shards + merge on the local Slurm %.1f s (%d CPUs)", oneProcess.Seconds(), wall.Seconds(), runtime.NumCPU())
	sameResults(t, single, sharded)
	if _, err := os.Stat(filepath.Join(sharded, "slurm", "merge-"+merge+".out")); err != nil {
		t.Errorf("no merge log: %v", err)
	}

	// Cancel one array task mid-run, resubmit, same report.
	again := filepath.Join(dir, "cancelled")
	array, merge = c.submit(nil, bin, append([]string{"--shards", "4", "--isonet", bin, "--out", again}, flags...)...)
	task := array + "_1"
	logf := filepath.Join(again, "slurm", "shard-"+task+".out")
	c.waitFor("task "+task+" to start a phase", 2*time.Minute, func() bool {
		b, _ := os.ReadFile(logf)
		return c.states(array)[task] == "RUNNING" && bytes.Contains(b, []byte(": running"))
	})
	if out, err := exec.Command("scancel", task).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s: %v %s", task, err, out)
	}
	c.waitFor("task "+task+" to be cancelled", time.Minute, func() bool { return c.states(array)[task] == "CANCELLED" })
	c.waitFor("the other tasks", 4*time.Minute, func() bool {
		for k, s := range c.states(array) {
			if k != task && s != "COMPLETED" {
				return false
			}
		}
		return true
	})
	if s := c.states(merge)[merge]; s != "PENDING" {
		t.Errorf("the merge job is %s after a shard was cancelled, want PENDING (its dependency can no longer be met)", s)
	}
	exec.Command("scancel", merge).Run()
	_, merge = c.submit(nil, bin, append([]string{"--shards", "4", "--isonet", bin, "--out", again}, flags...)...)
	c.waitDone(merge, 4*time.Minute)
	sameResults(t, single, again)
	jc, _ := os.ReadFile(filepath.Join(c.dir, "log", "jobcomp.txt"))
	t.Logf("job completion log (sacct needs slurmdbd, which this test does not run):\n%s", jc)
}
