package main

import (
	"os"
	"testing"
)

// Bad input to reproduce's folder, shard and merge flags and to submit
// (docs/errors.md, section "reproduce: shards, merge and submit").
func init() {
	errorTables = append(errorTables, errorTable{fixtures: shardFixtures, cases: shardCases})
}

func shardFixtures(t *testing.T) {
	t.Helper()
	os.Mkdir("sh-theirs", 0o755)
	for _, f := range []string{"a.txt", "b.txt", "c.txt", "d.txt"} {
		os.WriteFile("sh-theirs/"+f, []byte(f), 0o644)
	}
	os.WriteFile("sh-file", []byte("mine\n"), 0o644)
}

var shardCases = []errorCase{
	{"reproduce: --out a foreign folder", []string{"reproduce", "rings", "--out", "sh-theirs"}, `isonet reproduce: --out sh-theirs is not empty and was not written by isonet reproduce (it holds a.txt, b.txt, c.txt and 1 more); choose a new or empty folder`},
	{"reproduce: --force --out a foreign folder", []string{"reproduce", "rings", "--force", "--out", "sh-theirs"}, `isonet reproduce: --out sh-theirs is not empty and was not written by isonet reproduce (it holds a.txt, b.txt, c.txt and 1 more); choose a new or empty folder`},
	{"reproduce: --out a file", []string{"reproduce", "rings", "--out", "sh-file"}, `isonet reproduce: --out sh-file is a file, not a folder; isonet does not write over files`},
	{"reproduce: --out a model folder", []string{"reproduce", "rings", "--out", "m"}, `isonet reproduce: --out m is an isonet model folder, not a reproduce folder; choose a new or empty folder`},
	{"reproduce: --out .", []string{"reproduce", "rings", "--out", "."}, `isonet reproduce: --out . is the current folder; give a new folder's name`},
	{"reproduce: --out in a missing folder", []string{"reproduce", "rings", "--out", "sh-nope/r"}, `isonet reproduce: --out sh-nope/r: folder sh-nope does not exist`},
	{"reproduce: --shard I ≥ N", []string{"reproduce", "rings", "--shard", "4/4", "--out", "sh-new"}, `isonet reproduce: --shard must be I/N with 0 ≤ I < N (shards count from 0), got "4/4"`},
	{"reproduce: --shard not I/N", []string{"reproduce", "rings", "--shard", "2", "--out", "sh-new"}, `isonet reproduce: --shard must be I/N with 0 ≤ I < N (shards count from 0), got "2"`},
	{"reproduce: --plan --merge", []string{"reproduce", "rings", "--plan", "--merge"}, `isonet reproduce: --plan and --merge cannot be used together`},
	{"reproduce: --plan --shard", []string{"reproduce", "rings", "--plan", "--shard", "0/2"}, `isonet reproduce: --plan lists every shard's phases; drop --shard (use --shards N for the split)`},
	{"reproduce: --merge --shard", []string{"reproduce", "rings", "--merge", "--shard", "0/2", "--out", "sh-new"}, `isonet reproduce: --merge and --shard cannot be used together: run the shards, then --merge`},
	{"reproduce: --json without --plan", []string{"reproduce", "rings", "--json"}, `isonet reproduce: --json needs --plan`},
	{"reproduce: --shards without --plan", []string{"reproduce", "rings", "--shards", "4", "--out", "sh-new"}, `isonet reproduce: --shards needs --plan or --merge (a shard is chosen with --shard I/N)`},
	{"reproduce: --shards 0", []string{"reproduce", "rings", "--plan", "--shards", "0"}, `isonet reproduce: --shards must be ≥ 1, got 0`},
	{"reproduce: --allow-mixed-versions without --merge", []string{"reproduce", "rings", "--allow-mixed-versions", "--out", "sh-new"}, `isonet reproduce: --allow-mixed-versions needs --merge`},
	{"reproduce: --merge of a foreign folder", []string{"reproduce", "rings", "--merge", "--out", "sh-theirs"}, `isonet reproduce: --merge: --out sh-theirs holds no reproduce run (no .isonet marker); run the shards first`},
	{"reproduce: --merge of a missing folder", []string{"reproduce", "rings", "--merge", "--out", "sh-new"}, `isonet reproduce: --merge: --out sh-new holds no reproduce run (no .isonet marker); run the shards first`},
	{"submit: no engine", []string{"submit"}, `isonet submit: name the engine: isonet submit slurm … (the only one; for Kubernetes see examples/k8s)`},
	{"submit: unknown engine", []string{"submit", "pbs"}, `isonet submit: unknown engine "pbs" (want slurm; for Kubernetes see examples/k8s)`},
	{"submit: --shards 0", []string{"submit", "slurm", "--shards", "0", "--out", "sh-new"}, `isonet submit: --shards must be ≥ 1, got 0`},
	{"submit: --merge", []string{"submit", "slurm", "--merge", "--out", "sh-new"}, `isonet submit: --merge is set by submit itself (the array runs --shard I/N, the merge job --merge)`},
	{"submit: bad reproduce flag", []string{"submit", "slurm", "--seeds", "0,x", "--out", "sh-new"}, `isonet submit: --seeds: "x" is not a non-negative integer`},
	{"submit: relative --isonet", []string{"submit", "slurm", "--isonet", "bin/isonet", "--out", "sh-new"}, `isonet submit: --isonet bin/isonet: give an absolute path (the jobs may start in another folder)`},
	{"submit: --isonet not a program", []string{"submit", "slurm", "--isonet", "/nonexistent/isonet", "--out", "sh-new"}, `isonet submit: --isonet /nonexistent/isonet is not an executable file`},
	{"submit: --out a foreign folder", []string{"submit", "slurm", "--out", "sh-theirs", "--dry-run"}, `isonet submit: --out sh-theirs is not empty and was not written by isonet reproduce (it holds a.txt, b.txt, c.txt and 1 more); choose a new or empty folder`},
}
