package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/isonet/isonet/internal/outdir"
)

// TestReproduceMarkerRecordsWritten: a reproduce folder's marker lists what
// the command wrote, recorded when it ends, not the names it might write
// (issue 29 item 1: the marker listed fashion, mnist, slurm, torus ahead,
// so the user's own rings/ or slurm/ counted as isonet's).
func TestReproduceMarkerRecordsWritten(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	written, err := prepareReproduceOut(out)
	if err != nil {
		t.Fatal(err)
	}
	mk, ok := outdir.ReadMarker(out)
	if !ok || mk.Kind != reproduceKind || len(mk.Files) != 0 {
		t.Fatalf("marker before the run: %+v %v, want kind reproduce and no files", mk, ok)
	}
	for _, p := range []string{"phases/x.json", "results.json"} {
		os.MkdirAll(filepath.Dir(filepath.Join(out, p)), 0o755)
		os.WriteFile(filepath.Join(out, p), []byte("x"), 0o644)
	}
	written()
	mk, _ = outdir.ReadMarker(out)
	if want := []string{"phases", "results.json"}; !reflect.DeepEqual(mk.Files, want) {
		t.Errorf("marker lists %v, want %v", mk.Files, want)
	}
	// The user makes rings/ for their notes; the next run writes into it
	// and a report: only the report is recorded.
	os.MkdirAll(filepath.Join(out, "rings"), 0o755)
	os.WriteFile(filepath.Join(out, "rings", "my-notes.txt"), []byte("notes"), 0o644)
	written, err = prepareReproduceOut(out)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "rings", "input.png"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(out, "report.md"), []byte("x"), 0o644)
	written()
	mk, _ = outdir.ReadMarker(out)
	if want := []string{"phases", "report.md", "results.json"}; !reflect.DeepEqual(mk.Files, want) {
		t.Errorf("after a second run the marker lists %v, want %v (the user's rings/ is not claimed)", mk.Files, want)
	}
}

// sbatchArgument reads one argument of an #SBATCH line as sbatch does
// (Slurm's get_argument): a blank outside quotes ends the argument (even
// after a backslash), quotes group, a backslash takes the next character
// as it is, an unescaped # outside quotes ends the line. It returns the
// argument and the rest of the line.
func sbatchArgument(line string) (arg, rest string) {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	var b strings.Builder
	var quote byte
	escape := false
	for ; i < len(line) && (quote != 0 || (line[i] != ' ' && line[i] != '\t')); i++ {
		c := line[i]
		switch {
		case escape:
			escape = false
			b.WriteByte(c)
		case c == '\\':
			escape = true
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return b.String(), ""
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), line[i:]
}

// slurmFilename expands a file name pattern as Slurm does for --output
// (%% is %, %A the array job, %a the task, %j the job).
func slurmFilename(p string, vars map[byte]string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+1 < len(p) {
			i++
			if p[i] == '%' {
				b.WriteByte('%')
			} else {
				b.WriteString(vars[p[i]])
			}
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// TestSubmitScriptsQuoting: with an output folder named with blanks,
// quotes, $, %, # and a backquote, both batch scripts pass bash -n; the
// #SBATCH --output lines, read as sbatch reads them and expanded as Slurm
// expands file name patterns, name the log files inside that folder; and
// run by bash the shard script passes the folder to isonet unchanged
// (issue 29 item 3: a space made --output invalid, a % was expanded, a
// newline ran a command of the user's choosing — now refused, see
// hostileCases).
func TestSubmitScriptsQuoting(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	// A stand-in for isonet that prints its arguments, one per line.
	bin := filepath.Join(dir, "fake isonet")
	os.WriteFile(bin, []byte("#!/bin/bash\nprintf '%s\\n' \"$@\" > \"$ARGS_FILE\"\n"), 0o755)
	name := `run "q" 'x' $HOME %j #c` + "`id`"
	abs := filepath.Join(dir, name)
	code, stdout, stderr := isonet(t, "submit", "slurm", "--shards", "2", "--isonet", bin, "--dry-run", "rings", "--quick", "--out", name)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	shardPath, mergePath := filepath.Join(abs, "slurm", "shards.sbatch"), filepath.Join(abs, "slurm", "merge.sbatch")
	_, after, ok1 := strings.Cut(stdout, "# "+shardPath+"\n")
	shard, after, ok2 := strings.Cut(after, "\n# "+mergePath+"\n")
	merge, _, ok3 := strings.Cut(after, "\n# would run:\n")
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("--dry-run printed:\n%s", stdout)
	}
	vars := map[byte]string{'A': "7", 'a': "1", 'j': "9"}
	for _, s := range []struct{ what, script, log string }{
		{"shards", shard, filepath.Join(abs, "slurm", "shard-7_1.out")},
		{"merge", merge, filepath.Join(abs, "slurm", "merge-9.out")},
	} {
		p := filepath.Join(dir, s.what+".sbatch")
		os.WriteFile(p, []byte(s.script), 0o755)
		if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s\n%s", s.what, err, out, s.script)
		}
		var got []string
		for _, line := range strings.Split(s.script, "\n") {
			if rest, ok := strings.CutPrefix(line, "#SBATCH"); ok {
				arg, tail := sbatchArgument(rest)
				if extra, _ := sbatchArgument(tail); extra != "" {
					t.Errorf("%s: #SBATCH line %q holds a second argument %q", s.what, line, extra)
				}
				if v, ok := strings.CutPrefix(arg, "--output="); ok {
					got = append(got, slurmFilename(v, vars))
				}
			}
		}
		if len(got) != 1 || got[0] != s.log {
			t.Errorf("%s: --output read by sbatch gives %q, want [%q]", s.what, got, s.log)
		}
	}
	argsFile := filepath.Join(dir, "args")
	cmd := exec.Command("bash", filepath.Join(dir, "shards.sbatch"))
	cmd.Env = append(os.Environ(), "ARGS_FILE="+argsFile, "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_JOB_ID=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the shard script: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(argsFile)
	args := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	want := []string{"reproduce", "rings", "--quick=true", "--out=" + abs, "--shard", "1/2"}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("the shard script ran isonet with\n%q\nwant\n%q", args, want)
	}
}

// TestCheckSameReport: a merge replaces a report only when it was computed
// from the same settings (the same seeds however written, the same
// experiment, --quick, β list ...), whatever the folder, shard or logging
// flags; otherwise it is refused, naming what differs, unless --force
// (issue 29 item 8: `--merge --seeds 0` on a 2-seed folder overwrote the
// 2-seed report with a 1-seed one, exit 0).
func TestCheckSameReport(t *testing.T) {
	dir := t.TempDir()
	store := func(command string) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"command": command, "seeds": []int{0, 1}})
		if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	merge := func(args ...string) *reproduceFlags {
		t.Helper()
		fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
		f := newReproduceFlags(fs)
		f.what = args[0]
		if err := fs.Parse(args[1:]); err != nil {
			t.Fatal(err)
		}
		return f
	}
	store("isonet reproduce rings --quick --seeds 0,1 --out " + shellQuote(dir) + " --shard 1/2 --quiet")
	for _, c := range []struct {
		args  []string
		force bool
		want  string // "" = allowed
	}{
		{[]string{"rings", "--quick", "--seeds", "1,0", "--merge"}, false, ""},
		{[]string{"rings", "--quick=true", "--seeds=0-1", "--merge", "--shards", "2"}, false, ""},
		{[]string{"rings", "--quick", "--seeds", "0", "--merge"}, false, "--merge: " + filepath.Join(dir, "results.json") + " holds a report of other settings (--seeds 0,1 there, 0 here); merging would replace it: give the same flags, or --force to replace it"},
		{[]string{"rings", "--quick", "--seeds", "0", "--merge"}, true, ""},
		{[]string{"rings", "--seeds", "0,1", "--merge"}, false, "--merge: " + filepath.Join(dir, "results.json") + " holds a report of other settings (--quick true there, false here); merging would replace it: give the same flags, or --force to replace it"},
		{[]string{"all", "--quick", "--seeds", "0,1", "--betas", "1,0", "--merge"}, false, "--merge: " + filepath.Join(dir, "results.json") + " holds a report of other settings (experiment rings there, all here; --betas 0,0.001,0.01,0.1,1,10 there, 0,1 here); merging would replace it: give the same flags, or --force to replace it"},
	} {
		err := merge(c.args...).checkSameReport(dir, c.force)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%v force=%v:\n got %q\nwant %q", c.args, c.force, got, c.want)
		}
	}
	// A folder name with blanks and quotes reads back (the command line is
	// shell-quoted); a command line that cannot be read back is refused.
	store("isonet reproduce rings --quick --out '/tmp/my '\\''run' --seeds 0,1")
	if err := merge("rings", "--quick", "--seeds", "0,1").checkSameReport(dir, false); err != nil {
		t.Errorf("a quoted --out: %v", err)
	}
	store("isonet reproduce rings --quick --out my run --seeds 0,1")
	if err := merge("rings", "--quick", "--seeds", "0,1").checkSameReport(dir, false); err == nil {
		t.Error("a command line that does not read back was taken as the same settings")
	}
	os.Remove(filepath.Join(dir, "results.json"))
	if err := merge("rings", "--seeds", "0").checkSameReport(dir, false); err != nil {
		t.Errorf("no report yet: %v", err)
	}
}

// TestCSVHeaderCLI: `train` on a CSV file with pandas' header 0,1,2 over
// labels 0 and 1 trains on 2 classes and says the first row was taken as a
// header; --header no reads it as data (3 classes); the model records the
// decision and eval reads the file the same way (issue 29 item 7: the
// header was read as a row of class "2", silently).
func TestCSVHeaderCLI(t *testing.T) {
	t.Chdir(t.TempDir())
	var b strings.Builder
	b.WriteString("0,1,2\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d.5,%d,%d\n", i, i%7, i%2)
	}
	os.WriteFile("pandas.csv", []byte(b.String()), 0o644)
	args := []string{"train", "--quiet", "--dataset", "csv:pandas.csv", "--epochs", "1", "--width", "3", "--depth", "1"}
	code, _, stderr := isonet(t, append(args, "--out", "m")...)
	if code != 0 {
		t.Fatalf("train: %d %s", code, stderr)
	}
	for _, want := range []string{
		"isonet train: warning: pandas.csv: its first row is read as a header, not data: its fields are the column indices 0 to 2 (give --header no to read it as data)\n",
		"training on pandas: 32 examples × 2 features, 2 classes; 8 test examples\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("train said\n%s\nwant a line %q", stderr, want)
		}
	}
	var cfg struct {
		Data struct {
			CSVHeader string `json:"csv_header"`
		} `json:"data"`
	}
	raw, _ := os.ReadFile("m/config.json")
	if json.Unmarshal(raw, &cfg); cfg.Data.CSVHeader != "yes" {
		t.Errorf("config.json records csv_header %q, want yes", cfg.Data.CSVHeader)
	}
	if code, _, stderr := isonet(t, "eval", "--model", "m"); code != 0 {
		t.Errorf("eval of the model on its recorded data: %d %s", code, stderr)
	}
	code, _, stderr = isonet(t, append(args, "--header", "no", "--out", "m2")...)
	if code != 0 || strings.Contains(stderr, "warning") || !strings.Contains(stderr, "training on pandas: 33 examples × 2 features, 3 classes; 8 test examples\n") {
		t.Errorf("--header no: exit %d\n%s", code, stderr)
	}
}

// TestReproduceSummaries (issue 29 item 9): a merge without --quick over
// --quick shards lists the phases as stored with other settings and says
// the flags differ (they were "missing", as if a shard had not run); a run
// interrupted before it reached phases an earlier run stored does not list
// them as "not done"; a β that diverges is to be left out of --betas, and
// the advice names no flag reproduce lacks (--lr, --beta) and no rerun.
func TestReproduceSummaries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small reproduction")
	}
	ref := ringsReference(t)
	before := snapshot(t, ref)
	// --force: the folder holds a --quick report, which TestCheckSameReport covers.
	code, stdout, stderr := isonet(t, "reproduce", "rings", "--seeds", "0", "--quiet", "--merge", "--force", "--out", ref)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "  stored with other settings: rings/beta=1/seed=0/train (shard 0/1)\n") ||
		!strings.HasSuffix(stderr, "with other settings than these flags give (listed above): merge with the flags the shards ran with (--quick, --seeds, --epochs, ...)\n") ||
		strings.Contains(stderr, "missing:") {
		t.Errorf("merge without --quick over a --quick run: exit %d\n%s", code, stderr)
	}
	if !reflect.DeepEqual(before, snapshot(t, ref)) {
		t.Error("the refused merge changed the folder")
	}

	out := filepath.Join(t.TempDir(), "r")
	args := append(append([]string{}, ringsFlags...), "--out", out)
	if code, _, stderr := isonet(t, append(args, "--shard", "1/2")...); code != 0 {
		t.Fatalf("shard 1/2: %d %s", code, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted before it computes anything
	var so, se bytes.Buffer
	if code := run(ctx, args, &so, &se); code != 130 {
		t.Fatalf("interrupted run: exit %d %s", code, se.String())
	}
	if want := "isonet reproduce: not finished: 2 of 5 phases were not done (rings/beta=1/seed=0/train, rings/beta=1/seed=0/geometry); no report was written (a previous one is unchanged); run the same command again to resume\n"; !strings.Contains(se.String(), want) {
		t.Errorf("interrupted run said\n%s\nwant\n%s", se.String(), want)
	}

	code, _, stderr = isonet(t, "reproduce", "mnist", "--quick", "--quiet", "--protocol", "standard", "--betas", "1e30", "--out", filepath.Join(t.TempDir(), "d"))
	if code != 2 || strings.Contains(stderr, "--lr") || strings.Contains(stderr, "--beta ") || strings.Contains(stderr, "run the same command again") ||
		!strings.Contains(stderr, "training diverged at epoch 1") ||
		!strings.Contains(stderr, "; the same command would diverge again\n") ||
		!strings.HasSuffix(stderr, "; reproduce keeps the paper's learning rates: leave the β values that diverge out of --betas\n") {
		t.Errorf("--betas 1e30: exit %d\n%s", code, stderr)
	}
}

// TestNewFolderUndoKeepsForeign: a command that created its output folder
// and then fails removes it only while it holds nothing but isonet's
// files; a file someone put there meanwhile keeps it (before, undo was
// os.RemoveAll whatever the folder held).
func TestNewFolderUndoKeepsForeign(t *testing.T) {
	t.Chdir(t.TempDir())
	undo, err := newFolder("x")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("x/mine.txt", []byte("mine"), 0o644)
	undo()
	if b, err := os.ReadFile("x/mine.txt"); err != nil || string(b) != "mine" {
		t.Errorf("undo removed a file isonet did not write: %q %v", b, err)
	}
	undo, err = newFolder("y")
	if err != nil {
		t.Fatal(err)
	}
	outdir.Record("y", "geometry", "geometry.json")
	os.WriteFile("y/geometry.json", []byte("{}"), 0o644)
	undo()
	if _, err := os.Stat("y"); !os.IsNotExist(err) {
		t.Errorf("undo left the folder of isonet's own files: %v", err)
	}
}
