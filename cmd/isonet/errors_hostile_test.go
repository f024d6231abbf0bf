package main

import (
	"os"
	"testing"
)

// Bad input found by the third hostile probe (issue 29): shard counts,
// folders and flags a careless or hostile user gives (docs/errors.md,
// section "Hostile input (issue 29)").
func init() {
	errorTables = append(errorTables, errorTable{fixtures: hostileFixtures, cases: hostileCases})
}

func hostileFixtures(t *testing.T) {
	t.Helper()
	os.Mkdir("hz-run", 0o755)
	os.WriteFile("hz-run/.isonet", []byte(`{"format": "isonet-folder/1", "kind": "reproduce", "files": ["plan.json"]}`+"\n"), 0o644)
	os.WriteFile("hz-run/plan.json", []byte(`{"shards": 1000000000000}`+"\n"), 0o644)
	os.WriteFile("hz-victim.txt", nil, 0o644)
	os.Symlink("hz-nowhere", "hz-dangling")
	// A reproduce run whose rings/ is a link planted to the user's folder.
	os.MkdirAll("hz-photos", 0o755)
	os.WriteFile("hz-photos/input.png", []byte("my photo"), 0o644)
	os.Mkdir("hz-run3", 0o755)
	os.WriteFile("hz-run3/.isonet", []byte(`{"format": "isonet-folder/1", "kind": "reproduce", "files": []}`+"\n"), 0o644)
	os.Symlink("../hz-photos", "hz-run3/rings")
	// A CSV file with one more feature column than feat2.csv, on which m2c is trained.
	os.WriteFile("hz-feat3.csv", []byte("1,2,9,a\n3,4,9,b\n5,6,9,a\n7,8,9,b\n9,0,9,a\n"), 0o644)
	os.WriteFile("hz-feat2.csv", []byte("1,2,a\n3,4,b\n5,6,a\n7,8,b\n9,0,a\n"), 0o644)
	if code, _, stderr := isonet(t, "train", "--quiet", "--dataset", "csv:hz-feat2.csv", "--epochs", "1", "--width", "3", "--depth", "1", "--out", "hz-m2c"); code != 0 {
		t.Fatalf("fixture hz-m2c: %s", stderr)
	}
	// A reproduce run holding a 2-seed report.
	os.Mkdir("hz-run2", 0o755)
	os.WriteFile("hz-run2/.isonet", []byte(`{"format": "isonet-folder/1", "kind": "reproduce", "files": ["results.json"]}`+"\n"), 0o644)
	os.WriteFile("hz-run2/results.json", []byte(`{"command": "isonet reproduce rings --quick --seeds 0,1 --out hz-run2", "seeds": [0, 1]}`+"\n"), 0o644)
	// A reproduce run (its marker listing names ahead, as before issue 29)
	// holding the user's notes and a Slurm log.
	os.MkdirAll("hz-r1/rings", 0o755)
	os.MkdirAll("hz-r1/slurm", 0o755)
	os.WriteFile("hz-r1/.isonet", []byte(`{"format": "isonet-folder/1", "kind": "reproduce", "files": ["fashion", "mnist", "rings", "slurm", "torus"]}`+"\n"), 0o644)
	os.WriteFile("hz-r1/rings/my-notes.txt", []byte("notes\n"), 0o644)
	os.WriteFile("hz-r1/slurm/shard-1_0.out", []byte("log\n"), 0o644)
	os.Symlink("hz-victim.txt", "hz-sym.lock")
}

var hostileCases = []errorCase{
	// Item 5: shard counts beyond the run's phase groups, refused before anything is created.
	{"reproduce: --shard I/N with N beyond the phase groups", []string{"reproduce", "rings", "--quick", "--shard", "1/1000000000000", "--out", "hz-new"}, `isonet reproduce: --shard 1/1000000000000: this run has 5 phases in 3 groups (a model and the phases that need it stay together), so at most 3 shards have work; give at most 3`},
	{"reproduce: --plan --shards beyond the phase groups", []string{"reproduce", "rings", "--quick", "--plan", "--shards", "1000000000000"}, `isonet reproduce: --shards 1000000000000: this run has 5 phases in 3 groups (a model and the phases that need it stay together), so at most 3 shards have work; give at most 3`},
	{"reproduce: --merge --shards beyond the phase groups", []string{"reproduce", "rings", "--quick", "--merge", "--shards", "1000000000000", "--out", "hz-run"}, `isonet reproduce: --shards 1000000000000: this run has 5 phases in 3 groups (a model and the phases that need it stay together), so at most 3 shards have work; give at most 3`},
	{"reproduce: --merge of a plan.json with huge shards", []string{"reproduce", "rings", "--quick", "--merge", "--out", "hz-run"}, `isonet reproduce: --merge: hz-run/plan.json says 1000000000000 shards: this run has 5 phases in 3 groups (a model and the phases that need it stay together), so at most 3 shards have work; give at most 3`},
	{"submit: --shards beyond the phase groups", []string{"submit", "slurm", "rings", "--quick", "--shards", "1000000000000", "--out", "hz-new", "--dry-run"}, `isonet submit: --shards 1000000000000: this run has 5 phases in 3 groups (a model and the phases that need it stay together), so at most 3 shards have work; give at most 3`},

	// Item 2: a symbolic link at the lock path is not followed (the victim stays empty).
	{"train: --out whose lock path is a symbolic link", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "hz-sym"}, `isonet train: --out hz-sym: lock hz-sym.lock is a symbolic link, not a file isonet made; choose another --out`},

	// Item 9: learning rates that float32 rounds to 0 or to infinity.
	{"train: --lr that rounds to 0 in float32", []string{"train", "--dataset", "rings", "--lr", "1e-50", "--out", "o"}, `isonet train: --lr must be a finite number > 0 in float32, the optimizer's precision (1.4e-45 to 3.4e+38), got 1e-50`},
	{"train: --lr that overflows float32", []string{"train", "--dataset", "rings", "--lr", "1e39", "--out", "o"}, `isonet train: --lr must be a finite number > 0 in float32, the optimizer's precision (1.4e-45 to 3.4e+38), got 1e+39`},

	// Item 1: a model command replaces only a model folder isonet wrote.
	{"train: --force over a reproduce folder", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "hz-r1", "--force"}, `isonet train: --out hz-r1 is an isonet reproduce folder, not a model folder; --force replaces only model folders isonet wrote`},
	{"train: --out a reproduce folder", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "hz-r1"}, `isonet train: --out hz-r1 is an isonet reproduce folder, not a model folder; choose another --out`},
	{"train --stacked: --force over a reproduce folder", []string{"train", "--stacked", "--dataset", "torus", "--epochs", "1", "--out", "hz-r1", "--force"}, `isonet train: --out hz-r1 is an isonet reproduce folder, not a model folder; --force replaces only model folders isonet wrote`},

	// Item 3: what cannot be written safely into a batch script.
	{"submit: --out with a newline", []string{"submit", "slurm", "rings", "--quick", "--out", "hz-new\necho pwned", "--dry-run"}, `isonet submit: --out "hz-new\necho pwned": a folder name with a newline, carriage return or NUL cannot be written safely into a batch script; rename it`},
	{"submit: --out with a backslash", []string{"submit", "slurm", "rings", "--quick", "--out", `hz\new`, "--dry-run"}, `isonet submit: --out "hz\\new": a folder name with a backslash turns off Slurm's %A/%a log file patterns; rename it`},
	{"submit: a reproduce flag with a newline", []string{"submit", "slurm", "mnist", "--quick", "--data-dir", "idx\nrm -rf ~", "--out", "hz-new", "--dry-run"}, `isonet submit: "--data-dir=idx\nrm -rf ~": a value with a newline, carriage return or NUL cannot be written safely into a batch script`},
	// Item 4.
	{"submit: --signal-before < 0", []string{"submit", "slurm", "rings", "--quick", "--signal-before", "-1", "--out", "hz-new", "--dry-run"}, `isonet submit: --signal-before must be ≥ 0 seconds, got -1`},

	// Item 8: a merge does not replace a report of other settings.
	{"reproduce: --merge with fewer seeds over a richer report", []string{"reproduce", "rings", "--quick", "--merge", "--seeds", "0", "--out", "hz-run2"}, `isonet reproduce: --merge: hz-run2/results.json holds a report of other settings (--seeds 0,1 there, 0 here); merging would replace it: give the same flags, or --force to replace it`},

	// Item 7: --header.
	{"train: --header neither yes nor no", []string{"train", "--dataset", "csv:feat2.csv", "--header", "maybe", "--out", "o"}, `isonet train: --header must be yes or no, got "maybe"`},
	{"train: --header for a data set that is not CSV", []string{"train", "--dataset", "rings", "--header", "yes", "--out", "o"}, `isonet train: --header is for csv:PATH data sets, not rings`},

	// Item 9: a dangling link as --out; a CSV with an extra feature column.
	{"train: --out a dangling symbolic link", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "hz-dangling"}, `isonet train: --out hz-dangling is a symbolic link to hz-nowhere, which does not exist; isonet does not write through a dangling link: remove it or choose another --out`},
	{"geometry: --out a dangling symbolic link", []string{"geometry", "--model", "m", "--out", "hz-dangling"}, `isonet geometry: --out hz-dangling is a symbolic link to hz-nowhere, which does not exist; isonet does not write through a dangling link: remove it or choose another --out`},
	{"reproduce: --out a dangling symbolic link", []string{"reproduce", "rings", "--quick", "--out", "hz-dangling"}, `isonet reproduce: --out hz-dangling is a symbolic link to hz-nowhere, which does not exist; isonet does not write through a dangling link: remove it or choose another --out`},
	{"eval: a CSV with an extra feature column", []string{"eval", "--model", "hz-m2c", "--dataset", "csv:hz-feat3.csv"}, `isonet eval: model hz-m2c takes 2 inputs but data set hz-feat3 has 3 features (4 columns, 1 of them labels as at training)`},

	// Beyond the issue: a link planted among a run's own entries.
	{"reproduce: a link planted at the run's rings/", []string{"reproduce", "rings", "--quick", "--out", "hz-run3"}, `isonet reproduce: --out hz-run3: hz-run3/rings is a symbolic link; isonet writes its run only into folders and files of its own there, never through a link: remove it`},

	// Beyond the issue: loss weights that float32 rounds to 0 or to infinity.
	{"train: --beta that rounds to 0 in float32", []string{"train", "--dataset", "rings", "--beta", "1e-50", "--out", "o"}, `isonet train: --beta 1e-50 rounds to 0 in float32, the precision of the gradients it weighs; give 0, or a value from 1.4e-45 to 3.4e+38`},
	{"train: --alpha that overflows float32", []string{"train", "--dataset", "rings", "--alpha", "1e39", "--out", "o"}, `isonet train: --alpha 1e+39 rounds to +Inf in float32, the precision of the gradients it weighs; give 0, or a value from 1.4e-45 to 3.4e+38`},
	{"reproduce: a β of --betas that rounds to 0 in float32", []string{"reproduce", "mnist", "--quick", "--betas", "0,1e-50", "--out", "hz-new"}, `isonet reproduce: --betas: β 1e-50 rounds to 0 in float32, the precision of the gradients it weighs; give 0, or a value from 1.4e-45 to 3.4e+38`},

	// Issue 29 follow-up, item 4: attack and certify radii and steps that float32 rounds to 0 or to infinity.
	{"attack: --eps that rounds to 0 in float32", []string{"attack", "--model", "m", "--eps", "1e-50"}, `isonet attack: --eps must be a finite number > 0 in float32, the precision the attacks move the inputs in (1.4e-45 to 3.4e+38), got 1e-50`},
	{"attack: --eps that overflows float32", []string{"attack", "--model", "m", "--eps", "1e39"}, `isonet attack: --eps must be a finite number > 0 in float32, the precision the attacks move the inputs in (1.4e-45 to 3.4e+38), got 1e+39`},
	{"attack: --step that rounds to 0 in float32", []string{"attack", "--model", "m", "--attack", "pgd", "--step", "1e-50"}, `isonet attack: --step must be a finite number > 0 in float32, the precision the attacks move the inputs in (1.4e-45 to 3.4e+38), got 1e-50`},
	{"certify: an --eps that rounds to 0 in float32", []string{"certify", "--model", "m", "--eps", "0.01,1e-50"}, `isonet certify: --eps must be a finite number > 0 in float32, the precision of the bounds' products (1.4e-45 to 3.4e+38), got 1e-50`},

	// Item 5: a baseline's weight that float32 cannot hold.
	{"train: --jacobian-lambda that overflows float32", []string{"train", "--dataset", "rings", "--method", "jacobian", "--jacobian-lambda", "1e39", "--out", "o"}, `isonet train: --jacobian-lambda must be a finite number > 0 in float32, the precision of the gradients it weighs (1.4e-45 to 3.4e+38), got 1e+39`},
	{"train: --adv-eps that rounds to 0 in float32", []string{"train", "--dataset", "rings", "--method", "adv", "--adv-eps", "1e-50", "--out", "o"}, `isonet train: --adv-eps must be a finite number > 0 in float32, the precision the attacks move the inputs in (1.4e-45 to 3.4e+38), got 1e-50`},
}
