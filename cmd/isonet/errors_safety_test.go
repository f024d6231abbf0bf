package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Output safety (issues 12 §1 and 18 §1, §2, §6): no command writes over a
// file or folder isonet did not write, over or inside its own input, into
// the current or home folder, under a missing parent, over an interrupted
// run's checkpoint, or while another run holds the output's lock.
func init() {
	errorTables = append(errorTables, errorTable{fixtures: safetyFixtures, cases: safetyCases})
}

// safetyFixtures adds, beside errorFixtures' files: a project folder
// (proj/src/main.go, proj/README), a user's files (notes.txt, u.png,
// t.json, gdir/geometry.json, mine.lock), a CSV inside a folder, a copy of
// model m inside runs/, a model trained on a CSV (mc on pts.csv), a home
// folder ($HOME points at it during TestErrors) and an output whose lock
// another run holds (busy.lock, flocked here until the test ends).
func safetyFixtures(t *testing.T) {
	t.Helper()
	write := func(name, content string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proj/src/main.go", "package main\n")
	write("proj/README", "notes\n")
	write("notes.txt", "my notes\n")
	write("u.png", "my picture")
	write("t.json", "{}\n")
	write("gdir/geometry.json", "{}\n")
	write("mine.lock", "my notes\n")
	write("dd/d.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,0,0\n")
	write("pts.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,0,0\n2,1,1\n4,3,0\n6,5,1\n8,7,0\n0,9,1\n")
	for _, f := range []string{"config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join("m", f))
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join("runs", "m", f), string(b))
	}
	if code, _, stderr := isonet(t, "train", "--quiet", "--dataset", "csv:pts.csv", "--epochs", "2", "--width", "3", "--depth", "1", "--out", "mc"); code != 0 {
		t.Fatalf("fixture mc: %s", stderr)
	}
	// The home folder: keep the Go module cache (found through $HOME) where
	// it is, for the bundled MNIST.
	if os.Getenv("GOMODCACHE") == "" {
		if b, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			t.Setenv("GOMODCACHE", strings.TrimSpace(string(b)))
		}
	}
	os.Mkdir("home", 0o755)
	home, _ := filepath.Abs("home")
	t.Setenv("HOME", home)
	// Another run writing --out busy: its lock file, flocked.
	write("busy.lock", "isonet-lock pid=4242 host=elsewhere since=2026-01-01T00:00:00Z\n")
	f, err := os.Open("busy.lock")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

var safetyCases = []errorCase{
	// train: what --out may name.
	{"--force over a folder isonet did not write", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "proj", "--force"}, `isonet train: --out proj is not an isonet folder (it holds README and src/); --force replaces only folders isonet wrote`},
	{"--out a folder isonet did not write", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "proj"}, `isonet train: --out proj is not an isonet folder (it holds README and src/); choose another --out`},
	{"--out the current folder", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", ".", "--force"}, `isonet train: --out . is the current folder; give a new folder's name`},
	{"--out the parent folder", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "..", "--force"}, `isonet train: --out .. holds the current folder; give a new folder's name`},
	{"--out the home folder", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "home", "--force"}, `isonet train: --out home is the home folder; give a new folder's name`},
	{"--out under a missing folder", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "nope/o"}, `isonet train: --out nope/o: folder nope does not exist`},
	{"--out an existing file", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "notes.txt", "--force"}, `isonet train: --out notes.txt is a file, not a folder; isonet does not write over files`},
	{"--out the training CSV", []string{"train", "--dataset", "csv:feat2.csv", "--epochs", "1", "--out", "feat2.csv"}, `isonet train: --out feat2.csv is the data being read (--dataset csv:feat2.csv)`},
	{"--out the folder holding the training CSV", []string{"train", "--dataset", "csv:dd/d.csv", "--epochs", "1", "--out", "dd", "--force"}, `isonet train: --out dd holds the data being read (--dataset csv:dd/d.csv)`},
	{"--out the IDX folder", []string{"train", "--dataset", "mnist", "--data-dir", "idx", "--epochs", "1", "--out", "idx", "--force"}, `isonet train: --out idx is the data being read (--data-dir idx)`},
	{"stacked: --force over a folder isonet did not write", []string{"train", "--stacked", "--dataset", "torus", "--out", "proj", "--force"}, `isonet train: --out proj is not an isonet folder (it holds README and src/); --force replaces only folders isonet wrote`},

	// train: checkpoints and locks.
	{"new run over an interrupted run's checkpoint", []string{"train", "--dataset", "csv:r3.csv", "--epochs", "1", "--out", "r3"}, `isonet train: --out r3: an interrupted run's checkpoint r3.checkpoint exists; continue it with --resume r3 (or give --force to discard it)`},
	{"--force over a checkpoint isonet did not write", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "bad", "--force"}, `isonet train: --out bad: bad.checkpoint exists and is not an isonet checkpoint; choose another --out`},
	{"--out being written by another run", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "busy"}, `isonet train: --out busy is being written by another isonet run (pid 4242 on elsewhere, since 2026-01-01T00:00:00Z); wait for it to finish or choose another --out`},
	{"--out whose lock file is not isonet's", []string{"train", "--dataset", "rings", "--epochs", "1", "--out", "mine"}, `isonet train: --out mine: mine.lock exists and is not an isonet lock file; choose another --out`},

	// Commands that read a model.
	{"geometry: --out an existing file", []string{"geometry", "--model", "m", "--out", "notes.txt"}, `isonet geometry: --out notes.txt is a file, not a folder; isonet does not write over files`},
	{"geometry: --out the model folder", []string{"geometry", "--model", "m", "--out", "m"}, `isonet geometry: --out m is the model being read (--model m)`},
	{"geometry: --out a folder holding the model", []string{"geometry", "--model", "runs/m", "--out", "runs"}, `isonet geometry: --out runs holds the model being read (--model runs/m)`},
	{"geometry: over a file isonet did not write", []string{"geometry", "--model", "m", "--out", "gdir"}, `isonet geometry: --out gdir: gdir/geometry.json exists and was not written by isonet; choose another --out`},
	{"embed: --out naming the input CSV", []string{"embed", "--model", "mc", "--method", "pca", "--out", "pts"}, `isonet embed: --out pts: pts.csv is the data being read (the data set csv:pts.csv of --model mc)`},
	{"embed: over a file isonet did not write", []string{"embed", "--model", "m", "--method", "pca", "--out", "u"}, `isonet embed: --out u: u.png exists and was not written by isonet; choose another --out`},
	{"embed: --out inside the model folder", []string{"embed", "--model", "m", "--method", "pca", "--out", "m/e"}, `isonet embed: --out m/e: m/e.png lies inside the model being read (--model m)`},
	{"topology: over a file isonet did not write", []string{"topology", "--model", "m", "--out", "t"}, `isonet topology: --out t: t.json exists and was not written by isonet; choose another --out`},
	{"attack --sweep: --out over a user's file", []string{"attack", "--model", "mi", "--data-dir", "idx", "--sweep", "--out", "notes.txt"}, `isonet attack: --out notes.txt exists and was not written by isonet; choose another --out`},
	{"attack --sweep: --out the model's config.json", []string{"attack", "--model", "mi", "--data-dir", "idx", "--sweep", "--out", "mi/config.json"}, `isonet attack: --out mi/config.json lies inside the model being read (--model mi)`},
}
