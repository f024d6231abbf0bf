package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubmitDryRun: --dry-run prints both batch scripts and the sbatch
// commands (array of N shards, merge after it) and creates nothing; the
// scripts run the binary by its absolute path with the reproduce flags
// (the merge's --force replaces a report of other settings); isonet's own
// options are #SBATCH lines (so that SBATCH_* overrides them), the user's
// --partition/--time are on sbatch's command line; the shard script asks
// for SIGUSR1 before the time limit and requeues itself.
func TestSubmitDryRun(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bin := filepath.Join(dir, "my isonet")
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	code, stdout, stderr := isonet(t, "submit", "slurm", "--shards", "3", "--partition", "gpu", "--time", "1:00:00", "--isonet", bin,
		"--dry-run", "rings", "--quick", "--seeds", "0,1", "--force", "--out", "run")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	abs := filepath.Join(dir, "run")
	want := []string{
		"# " + abs + "/slurm/shards.sbatch\n#!/bin/bash\n",
		"#SBATCH --job-name=isonet-shards\n#SBATCH --output=" + abs + "/slurm/shard-%A_%a.out\n",
		"#SBATCH --signal=B:USR1@120\n#SBATCH --requeue\n#SBATCH --open-mode=append\n",
		"\n'" + bin + "' reproduce rings --force=true --quick=true --seeds=0,1 --out=" + abs + " --shard \"${SLURM_ARRAY_TASK_ID}/3\" &\n",
		"scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n",
		"#SBATCH --job-name=isonet-merge\n#SBATCH --output=" + abs + "/slurm/merge-%j.out\n",
		"exec '" + bin + "' reproduce rings --force=true --quick=true --seeds=0,1 --out=" + abs + " --merge --shards 3\n",
		"sbatch --parsable --array=0-2 --partition=gpu --time=1:00:00 " + abs + "/slurm/shards.sbatch\n",
		"sbatch --parsable --dependency=afterok:ARRAY_JOB_ID --partition=gpu --time=1:00:00 " + abs + "/slurm/merge.sbatch",
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("--dry-run output lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Contains(stdout, "#SBATCH --partition") || strings.Contains(stdout, "#SBATCH --array") {
		t.Error("the scripts set what belongs on sbatch's command line")
	}
	if _, err := os.Stat("run"); !os.IsNotExist(err) {
		t.Errorf("--dry-run created the output folder: %v", err)
	}
	// The same with the word reproduce before the experiment, before or
	// after the submit flags, and with no experiment (all).
	for _, c := range []struct {
		what string
		args []string
	}{
		{"rings", []string{"--shards", "3", "--isonet", bin, "--dry-run", "reproduce", "rings", "--quick", "--out", "run"}},
		{"rings", []string{"reproduce", "rings", "--shards", "3", "--isonet", bin, "--dry-run", "--quick", "--out", "run"}},
		{"all", []string{"--shards", "3", "--isonet", bin, "--dry-run", "reproduce", "--quick", "--out", "run"}},
	} {
		args, what := c.args, c.what
		code, stdout, stderr := isonet(t, append([]string{"submit", "slurm"}, args...)...)
		if w := "exec '" + bin + "' reproduce " + what + " --quick=true --out=" + abs; code != 0 || !strings.Contains(stdout, w) {
			t.Errorf("%v: exit %d, stderr %q; stdout lacks %q", args, code, stderr, w)
		}
	}
}

// TestPlanCLI: --plan prints every phase with its shard, settings hash,
// cost and needs (--json the same as JSON) and creates nothing.
func TestPlanCLI(t *testing.T) {
	t.Chdir(t.TempDir())
	args := []string{"reproduce", "rings", "--quick", "--seeds", "0", "--plan", "--shards", "2", "--out", "p"}
	code, stdout, stderr := isonet(t, args...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{
		"5 phases, 2 shards; expected cost per shard: 6.5 5.2",
		"shard  phase                         settings          cost  needs",
		"    1  rings/input                   ",
		"    1  rings/beta=0/seed=0/train     ",
		"    1  rings/beta=0/seed=0/geometry  ",
		"    0  rings/beta=1/seed=0/train     ",
		"    0  rings/beta=1/seed=0/geometry  ",
	}
	if len(lines) != len(want) {
		t.Fatalf("--plan printed %d lines, want %d:\n%s", len(lines), len(want), stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q…", i+1, lines[i], w)
		}
	}
	if !strings.HasSuffix(lines[6], "  3.5  rings/beta=1/seed=0/train") {
		t.Errorf("the geometry phase's cost and needs: %q", lines[6])
	}
	code, stdout, _ = isonet(t, append(args, "--json")...)
	var p struct {
		Shards int
		Phases []struct {
			Name  string
			Hash  string `json:"settings_hash"`
			Needs []string
			Shard int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &p); code != 0 || err != nil || p.Shards != 2 || len(p.Phases) != 5 ||
		p.Phases[4].Name != "rings/beta=1/seed=0/geometry" || p.Phases[4].Needs[0] != "rings/beta=1/seed=0/train" || len(p.Phases[4].Hash) != 64 {
		t.Errorf("--plan --json: %d %v %+v", code, err, p)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 0 {
		t.Errorf("--plan created %v", ents)
	}
}

// TestMergeCommand: a shard's success line names its own command without
// --shard, --force and --checkpoint-every, plus --merge.
func TestMergeCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--quick", "--shard", "1/4", "--out", "my run"}, "isonet reproduce all --quick --out 'my run' --merge"},
		{[]string{"--shard=1/4", "--force", "--seeds", "0,1", "--checkpoint-every", "5s"}, "isonet reproduce all --seeds 0,1 --merge"},
		{[]string{"--checkpoint-every=1m", "--force=true", "-shard", "0/2"}, "isonet reproduce all --merge"},
	} {
		if got := mergeCommand("all", c.args); got != c.want {
			t.Errorf("mergeCommand(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
