package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubmitDryRun: --dry-run prints both batch scripts and the sbatch
// commands (array of N shards, merge after it) and creates nothing; the
// scripts run the binary by its absolute path with the reproduce flags, the
// merge without --force; isonet's own options are #SBATCH lines (so that
// SBATCH_* overrides them), the user's --partition/--time are on sbatch's
// command line.
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
		"exec '" + bin + "' reproduce rings --force=true --quick=true --seeds=0,1 --out=" + abs + " --shard \"${SLURM_ARRAY_TASK_ID}/3\"\n",
		"#SBATCH --job-name=isonet-merge\n#SBATCH --output=" + abs + "/slurm/merge-%j.out\n",
		"exec '" + bin + "' reproduce rings --quick=true --seeds=0,1 --out=" + abs + " --merge --shards 3\n",
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
}
