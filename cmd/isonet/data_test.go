package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
)

// evalData is the part of eval's JSON these tests read.
type evalData struct {
	Dataset  string      `json:"dataset"`
	Examples int         `json:"examples"`
	Accuracy float64     `json:"accuracy"`
	Data     *dataReport `json:"data"`
}

func evalJSONOf(t *testing.T, args ...string) evalData {
	t.Helper()
	code, stdout, stderr := isonet(t, append([]string{"eval", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("eval %v: exit %d: %s", args, code, stderr)
	}
	var ev evalData
	if err := json.Unmarshal([]byte(stdout), &ev); err != nil || ev.Data == nil {
		t.Fatalf("eval %v: JSON %v: %s", args, err, stdout)
	}
	return ev
}

func mustRun(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := isonet(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return stdout, stderr
}

// Issue 12 §2: a model trained on an IDX folder is evaluated on that folder
// by default; other data is named as such; a changed file is reported with
// both hashes; a model folder written before isonet recorded its data
// loads and says its data is unknown.
func TestModelKnowsItsIDXData(t *testing.T) {
	a := mnistDir(t, 40)
	b := mnistDir(t, 40)
	// b's test labels differ: every label flipped.
	lab := make([]byte, 40)
	for i := range lab {
		lab[i] = byte(1 - i%2)
	}
	writeIDX(t, filepath.Join(b, "t10k-labels-idx1-ubyte.gz"), 0x801, []uint32{40}, lab, true)
	out := filepath.Join(t.TempDir(), "m")
	stdout, _ := mustRun(t, "train", "--quiet", "--dataset", "mnist", "--data-dir", a, "--epochs", "200", "--batch", "40", "--width", "8", "--lr", "0.01", "--out", out)
	if !strings.Contains(stdout, "test accuracy 1.0000") {
		t.Fatalf("a separable problem was not learned: %s", stdout)
	}
	cfgBytes, _ := os.ReadFile(filepath.Join(out, "config.json"))
	var cfg struct {
		Data data.Provenance `json:"data"`
	}
	if err := json.Unmarshal(cfgBytes, &cfg); err != nil {
		t.Fatal(err)
	}
	if p := cfg.Data; p.Name != "mnist" || p.Source != data.SourceFolder || p.Path != a || p.Given != a || len(p.SHA256) != 4 {
		t.Fatalf("config.json data: %+v", p)
	}

	// Without flags: the same folder (the bundled MNIST would score 0.1).
	stdout, _ = mustRun(t, "eval", "--model", out)
	if !strings.HasPrefix(stdout, "accuracy 1.0000 on 40 examples of ") || !strings.Contains(stdout, "\ndata: IDX files in "+a+", as trained\n") {
		t.Errorf("eval without flags:\n%s", stdout)
	}
	ev := evalJSONOf(t, "--model", out)
	if ev.Accuracy != 1 || !ev.Data.Same || ev.Data.EvaluatedOn != "IDX files in "+a || len(ev.Data.Warnings) != 0 {
		t.Errorf("eval --json: %+v %+v", ev, ev.Data)
	}

	// Another folder: said in text and JSON.
	stdout, _ = mustRun(t, "eval", "--model", out, "--data-dir", b)
	if !strings.HasPrefix(stdout, "accuracy 0.0000") || !strings.Contains(stdout, "\ndata: trained on IDX files in "+a+", evaluated on IDX files in "+b+"\n") {
		t.Errorf("eval on another folder:\n%s", stdout)
	}
	ev = evalJSONOf(t, "--model", out, "--data-dir", b)
	if ev.Data.Same || ev.Data.TrainedOn != "IDX files in "+a || ev.Data.EvaluatedOn != "IDX files in "+b {
		t.Errorf("eval --json on another folder: %+v", ev.Data)
	}
	// attack says it on stderr, after its result.
	stdout, stderr := mustRun(t, "attack", "--model", out, "--data-dir", b, "--eps", "0")
	if !strings.Contains(stdout, "robust accuracy") || stderr != "isonet attack: data: trained on IDX files in "+a+", evaluated on IDX files in "+b+"\n" {
		t.Errorf("attack on another folder: stdout %q stderr %q", stdout, stderr)
	}

	code, stdout, _ := isonet(t, "attack", "--model", out, "--data-dir", b, "--eps", "0", "--json")
	var aj struct{ Data *dataReport }
	if err := json.Unmarshal([]byte(stdout), &aj); code != 0 || err != nil || aj.Data == nil || aj.Data.EvaluatedOn != "IDX files in "+b {
		t.Errorf("attack --json: %d %v %s", code, err, stdout)
	}
	// geometry writes it into its JSON report.
	g := filepath.Join(t.TempDir(), "g")
	mustRun(t, "geometry", "--model", out, "--data-dir", b, "--out", g)
	var rep struct{ Data *dataReport }
	gj, _ := os.ReadFile(filepath.Join(g, "geometry.json"))
	if err := json.Unmarshal(gj, &rep); err != nil || rep.Data == nil || rep.Data.TrainedOn != "IDX files in "+a || rep.Data.EvaluatedOn != "IDX files in "+b {
		t.Errorf("geometry.json data: %v %+v", err, rep.Data)
	}

	// The same folder with a changed file: a warning naming both hashes.
	old := cfg.Data.SHA256["t10k-labels-idx1-ubyte"]
	writeIDX(t, filepath.Join(a, "t10k-labels-idx1-ubyte.gz"), 0x801, []uint32{40}, lab, true)
	ev = evalJSONOf(t, "--model", out)
	if ev.Accuracy != 0 || !ev.Data.Same || len(ev.Data.Warnings) != 1 {
		t.Fatalf("eval after a change: %+v %+v", ev, ev.Data)
	}
	w := ev.Data.Warnings[0]
	now := regexp.MustCompile(`now ([0-9a-f]{64})`).FindStringSubmatch(w)[1]
	want := fmt.Sprintf("%s changed since training: content sha256 now %s, at training %s", filepath.Join(a, "t10k-labels-idx1-ubyte"), now, old)
	if w != want || now == old {
		t.Errorf("warning\n got %q\nwant %q", w, want)
	}
	stdout, _ = mustRun(t, "eval", "--model", out)
	if !strings.Contains(stdout, "\nwarning: "+want+"\n") {
		t.Errorf("text output lacks the warning:\n%s", stdout)
	}

	// An old model folder: no "data" in config.json.
	rings := filepath.Join(t.TempDir(), "r")
	mustRun(t, "train", "--quiet", "--dataset", "rings", "--epochs", "2", "--width", "3", "--depth", "1", "--out", rings)
	var raw map[string]any
	b2, _ := os.ReadFile(filepath.Join(rings, "config.json"))
	json.Unmarshal(b2, &raw)
	if raw["data"] == nil {
		t.Fatal("config.json has no data field")
	}
	delete(raw, "data")
	b2, _ = json.Marshal(raw)
	os.WriteFile(filepath.Join(rings, "config.json"), b2, 0o644)
	stdout, _ = mustRun(t, "eval", "--model", rings)
	if !strings.Contains(stdout, "\ndata: trained on unknown data (the model folder predates isonet recording it); evaluated on rings (generated, seed 0)\n") ||
		!strings.Contains(stdout, "\nwarning: the model in "+rings+" does not record its data (written before isonet did); using --dataset rings as named in its config.json\n") {
		t.Errorf("old model folder:\n%s", stdout)
	}
	if ev := evalJSONOf(t, "--model", rings); ev.Data.TrainedOn != "unknown" || ev.Data.Same {
		t.Errorf("old model folder, JSON: %+v", ev.Data)
	}
}

// Issue 12 §2's sequence: a model trained with --dataset mnist on Debian's
// Fashion-MNIST folder is evaluated on Fashion-MNIST, not the bundled MNIST.
func TestFashionFolderSequence(t *testing.T) {
	if _, err := os.Stat(data.FashionMNISTDir); err != nil {
		t.Skipf("%s absent (apt-get install dataset-fashion-mnist to run this test)", data.FashionMNISTDir)
	}
	out := filepath.Join(t.TempDir(), "fm")
	stdout, _ := mustRun(t, "train", "--quiet", "--dataset", "mnist", "--data-dir", data.FashionMNISTDir, "--subset", "1000", "--test-subset", "1000", "--epochs", "2", "--out", out)
	acc := regexp.MustCompile(`test accuracy ([0-9.]+)`).FindStringSubmatch(stdout)
	stdout, _ = mustRun(t, "eval", "--model", out, "--test-subset", "1000")
	if !strings.HasPrefix(stdout, "accuracy "+acc[1]+" on 1000 examples of fashion-mnist-test\n") ||
		!strings.Contains(stdout, "\ndata: IDX files in "+data.FashionMNISTDir+" (Fashion-MNIST, by content), as trained\n") {
		t.Errorf("train printed test accuracy %s; eval:\n%s", acc[1], stdout)
	}
	// The named set: the same files, checked, with class names.
	out2 := filepath.Join(t.TempDir(), "fm2")
	mustRun(t, "train", "--quiet", "--dataset", "fashion-mnist", "--subset", "500", "--test-subset", "500", "--epochs", "1", "--out", out2)
	ev := evalJSONOf(t, "--model", out2, "--test-subset", "500")
	if ev.Dataset != "fashion-mnist-test" || ev.Data.EvaluatedOn != "fashion-mnist (Debian package, "+data.FashionMNISTDir+")" || !ev.Data.Same {
		t.Errorf("fashion-mnist model: %+v %+v", ev, ev.Data)
	}
}

// randomCSV writes n rows of 3 random features and a random label a or b.
func randomCSV(t *testing.T, path string, n int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("x,y,z,label\n")
	for range n {
		fmt.Fprintf(&b, "%.4f,%.4f,%.4f,%s\n", r.Float64(), r.Float64(), r.Float64(), []string{"a", "b"}[r.IntN(2)])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Issue 18 §3: eval of a CSV model scores exactly the rows held out at
// training, never a fresh 20% split that holds training rows.
func TestCSVSplitHonest(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	randomCSV(t, "rand.csv", 200, 7)
	stdout, _ := mustRun(t, "train", "--quiet", "--dataset", "csv:rand.csv", "--test-frac", "0.0001", "--epochs", "300", "--batch", "200", "--width", "30", "--lr", "0.01", "--seed", "3", "--out", "m")
	acc := regexp.MustCompile(`train accuracy ([0-9.]+), test accuracy ([0-9.]+)`).FindStringSubmatch(stdout)
	if acc == nil {
		t.Fatal(stdout)
	}
	if _, test := data.SplitIndices(200, 0.0001, 3); len(test) != 1 {
		t.Fatalf("%d held-out rows", len(test))
	}
	// (Text output: the isometry of one example is NaN, which JSON lacks.)
	rows := "\nrows: the 1 held-out row of 200 (test fraction 0.0001, split seed 3), exactly those held out at training\n"
	for _, extra := range [][]string{nil, {"--test-frac", "0.0001", "--seed", "9"}, {"--dataset", "csv:" + filepath.Join(dir, "rand.csv")}} {
		stdout, _ := mustRun(t, append([]string{"eval", "--model", "m"}, extra...)...)
		if !strings.HasPrefix(stdout, "accuracy "+acc[2]+" on 1 examples of rand\n") || !strings.Contains(stdout, rows) {
			t.Errorf("eval %v (train's test accuracy %s):\n%s", extra, acc[2], stdout)
		}
	}
	// A copy is the same content: the recorded split still applies.
	b, _ := os.ReadFile("rand.csv")
	os.WriteFile("copy.csv", b, 0o644)
	stdout, _ = mustRun(t, "eval", "--model", "m", "--dataset", "csv:copy.csv")
	if !strings.HasPrefix(stdout, "accuracy "+acc[2]+" on 1 examples of copy\n") || !strings.Contains(stdout, rows) ||
		!strings.Contains(stdout, "evaluated on csv file "+filepath.Join(dir, "copy.csv")+" (the same content as the training file)\n") {
		t.Errorf("a copy:\n%s", stdout)
	}
	// Another file: all of its rows, said so.
	os.WriteFile("other.csv", append(b, "0.5,0.5,0.5,a\n"...), 0o644)
	ev := evalJSONOf(t, "--model", "m", "--dataset", "csv:other.csv")
	if ev.Examples != 201 || ev.Data.Rows != "all 201 rows of the file" || ev.Data.Same {
		t.Errorf("another file: %d examples, %+v", ev.Examples, ev.Data)
	}
	// Rows appended after training: refused, naming the change.
	os.WriteFile("rand.csv", append(b, "0.5,0.5,0.5,a\n"...), 0o644)
	code, stdout, stderr := isonet(t, "eval", "--model", "m")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "the held-out rows are not those recorded at training (the file has 201 data rows, 200 at training") {
		t.Errorf("appended rows: exit %d, stderr %q", code, stderr)
	}
}

// Issue 18 §4: labels of another file are mapped to the model's classes by
// name, not renumbered per file.
func TestCSVLabelsByName(t *testing.T) {
	t.Chdir(t.TempDir())
	var train, dogs, ones, numeric strings.Builder
	for i := range 100 {
		x := float64(i%50)/50 + 0.01
		fmt.Fprintf(&train, "%g,cat\n%g,dog\n", -x, x)
		fmt.Fprintf(&numeric, "%g,0\n%g,1\n", -x, x)
		if i < 20 {
			fmt.Fprintf(&dogs, "%g,dog\n", x)
			fmt.Fprintf(&ones, "%g,01\n", x)
		}
	}
	os.WriteFile("cd.csv", []byte(train.String()), 0o644)
	os.WriteFile("dogs.csv", []byte(dogs.String()), 0o644)
	os.WriteFile("num.csv", []byte(numeric.String()), 0o644)
	os.WriteFile("ones.csv", []byte(ones.String()), 0o644)
	args := []string{"train", "--quiet", "--epochs", "100", "--batch", "50", "--width", "8", "--depth", "1", "--lr", "0.01"}
	if stdout, _ := mustRun(t, append(args, "--dataset", "csv:cd.csv", "--out", "m")...); !strings.Contains(stdout, "test accuracy 1.0000") {
		t.Fatalf("cat/dog not learned: %s", stdout)
	}
	ev := evalJSONOf(t, "--model", "m", "--dataset", "csv:dogs.csv")
	if ev.Accuracy != 1 || ev.Examples != 20 || ev.Data.Rows != "all 20 rows of the file" {
		t.Errorf("dog-only file: accuracy %v on %d, %+v (renumbered per file it would be 0)", ev.Accuracy, ev.Examples, ev.Data)
	}
	mustRun(t, append(args, "--dataset", "csv:num.csv", "--out", "n")...)
	if ev := evalJSONOf(t, "--model", "n", "--dataset", "csv:ones.csv"); ev.Accuracy != 1 {
		t.Errorf("label-1-only file (written 01): accuracy %v", ev.Accuracy)
	}
	cfg, _ := os.ReadFile("m/config.json")
	if !strings.Contains(string(cfg), `"class_names": [
      [
        "cat",
        "dog"
      ]
    ]`) {
		t.Errorf("config.json lacks the class names:\n%s", cfg)
	}
}

// Issue 18 §8: a class that occurs only in the held-out rows is warned
// about at training.
func TestTestOnlyClassWarning(t *testing.T) {
	t.Chdir(t.TempDir())
	_, test := data.SplitIndices(10, 0.2, 0)
	// Not the first row: a first row whose label is on no other row is
	// read as a header (issue 29 §7).
	only := test[0]
	if only == 0 {
		only = test[1]
	}
	var b strings.Builder
	for i := range 10 {
		label := []string{"a", "b"}[i%2]
		if i == only {
			label = "c"
		}
		fmt.Fprintf(&b, "%d,%s\n", i, label)
	}
	os.WriteFile("t.csv", []byte(b.String()), 0o644)
	_, stderr := mustRun(t, "train", "--quiet", "--dataset", "csv:t.csv", "--epochs", "1", "--out", "m")
	if !strings.Contains(stderr, `isonet train: warning: label level 0: class "c" occurs only in the held-out rows; the model never sees it in training`+"\n") {
		t.Errorf("stderr %q", stderr)
	}
}

// Issue 18 §8: data read from a pipe (csv:<(cat f)) is recorded as such,
// and later commands refuse to default to it.
func TestPipeCSV(t *testing.T) {
	t.Chdir(t.TempDir())
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		for i := range 40 {
			fmt.Fprintf(w, "%d,%d\n", i, i%2)
		}
		w.Close()
	}()
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	_, trainErr := mustRun(t, "train", "--quiet", "--dataset", "csv:"+path, "--epochs", "1", "--out", "m")
	if !strings.Contains(trainErr, "isonet train: warning: "+path+" is a pipe or other non-regular file: it cannot be read again, so commands that read the model will need --dataset csv:PATH\n") {
		t.Errorf("train stderr %q", trainErr)
	}
	cfg, _ := os.ReadFile("m/config.json")
	if !strings.Contains(string(cfg), `"not_regular": true`) {
		t.Errorf("config.json does not record the pipe:\n%s", cfg)
	}
	code, stdout, stderr := isonet(t, "eval", "--model", "m")
	want := "isonet eval: the model in m was trained on csv " + path + " (a pipe or other non-regular file), which cannot be read again; pass --dataset csv:PATH to say which file to use\n"
	if code != 2 || stdout != "" || stderr != want {
		t.Errorf("eval of a pipe-trained model: exit %d\n got %q\nwant %q", code, stderr, want)
	}
}

// Issue 12 §3: a CSV file with a byte-order mark, CRLF line ends, quoted
// fields, a trailing empty line and negative integer labels trains, records
// its classes in canonical form, and evaluates as trained.
func TestCSVFormatsEndToEnd(t *testing.T) {
	t.Chdir(t.TempDir())
	var b strings.Builder
	b.WriteString("\ufeff\"x\",\"y\",\"label\"\r\n")
	for i := range 40 {
		label := []string{"-1", "+1"}[i%2]
		if i%4 == 1 {
			label = "\"01\""
		}
		fmt.Fprintf(&b, "\"%d\",%d,%s\r\n", i%2, i, label)
	}
	b.WriteString("\r\n")
	os.WriteFile("f.csv", []byte(b.String()), 0o644)
	mustRun(t, "train", "--quiet", "--dataset", "csv:f.csv", "--epochs", "1", "--out", "m")
	cfg, _ := os.ReadFile("m/config.json")
	if !strings.Contains(string(cfg), "\"class_names\": [\n      [\n        \"-1\",\n        \"1\"\n      ]\n    ]") {
		t.Errorf("class names:\n%s", cfg)
	}
	stdout, _ := mustRun(t, "eval", "--model", "m")
	if !strings.Contains(stdout, "\nrows: the 8 held-out rows of 40 (test fraction 0.2, split seed 0), exactly those held out at training\n") {
		t.Errorf("eval:\n%s", stdout)
	}
}
