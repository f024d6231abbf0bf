package reproduce

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isonet/isonet/data"
)

// The tests of this file are the three ways a run folder gave wrong
// numbers with exit status 0 (issue 26): a model found through the
// process's working directory instead of the run folder, two settings of
// one phase mixing in one folder, and a stored result or weight file
// changed after it was written.

// tinyStudy is an MNIST study small enough for a test: two standard-protocol
// models (β = 0 and 1) of 1000 training images, measured and attacked on
// 200 test images.
func tinyStudy(t *testing.T) MNISTOptions {
	t.Helper()
	if _, err := data.MNISTDir(); err != nil {
		t.Skip("MNIST not available:", err)
	}
	if testing.Short() {
		t.Skip("trains MNIST models")
	}
	o := DefaultMNIST(true)
	o.Betas, o.Protocols = []float64{0, 1}, []string{Standard}
	o.TrainSubset, o.TestSubset, o.SweepPoints, o.Budgets = 1000, 200, 2, []float64{0.1}
	return o
}

// tinyIdentityStudy is tinyStudy with the AutoAttack ensemble and the
// certificates on 20 test images, 5 steps, Square with 20 queries.
func tinyIdentityStudy(t *testing.T) MNISTOptions {
	t.Helper()
	o := tinyStudy(t)
	in := DefaultInstruments(o.Info(), true)
	in.Subset, in.Steps, in.SquareQueries = 20, 5, 20
	o.Instruments = &in
	return o
}

// studyNumbers is every number a study measured, as results.json holds
// them, without the model folders.
type studyNumbers struct {
	Runs, Isometry string
	Acc            []float64
}

func numbersOf(r *MNISTResults) studyNumbers {
	runs, _ := json.Marshal(r.Runs)
	iso, _ := json.Marshal(r.Isometry)
	n := studyNumbers{Runs: string(runs), Isometry: string(iso)}
	for _, m := range r.Models {
		n.Acc = append(n.Acc, m.TestAcc)
	}
	return n
}

// differ says where two studies' numbers differ, briefly.
func differ(got, want studyNumbers) string {
	for _, c := range []struct{ name, g, w string }{{"isometry", got.Isometry, want.Isometry}, {"attacks", got.Runs, want.Runs}} {
		if c.g != c.w {
			i := 0
			for i < len(c.g) && i < len(c.w) && c.g[i] == c.w[i] {
				i++
			}
			lo := max(0, i-80)
			return fmt.Sprintf("%s differ at byte %d: got …%s…, want …%s…", c.name, i, c.g[lo:min(len(c.g), i+40)], c.w[lo:min(len(c.w), i+40)])
		}
	}
	return fmt.Sprintf("accuracies %v, want %v", got.Acc, want.Acc)
}

func runStudyIn(t *testing.T, e *Env, o MNISTOptions) studyNumbers {
	t.Helper()
	if e.Seeds == nil {
		e.Seeds = []uint64{0}
	}
	r, err := MNIST(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	return numbersOf(r)
}

// copyTree copies the folder src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

const (
	b0 = "mnist/standard/beta=0/seed=0"
	b1 = "mnist/standard/beta=1/seed=0"
)

// TestRunFolderFromAnywhere (issue 26, case a): a run made with a relative
// --out, reached later by its absolute path from a folder that holds a
// decoy run of its own (the β = 0 model where the β = 1 one belongs), reads
// its own models: the phases recomputed there give the numbers of the first
// run. Before, a stored training phase named its model folder relative to
// the first run's working directory, and the decoy's model was measured. A
// copy of the folder, moved elsewhere, also reads its own models.
func TestRunFolderFromAnywhere(t *testing.T) {
	o := tinyIdentityStudy(t)
	root := t.TempDir()
	home, decoy := filepath.Join(root, "home"), filepath.Join(root, "decoy")
	os.MkdirAll(home, 0o755)
	os.MkdirAll(decoy, 0o755)
	t.Chdir(home)
	want := runStudyIn(t, &Env{Dir: "run"}, o)

	e := &Env{Dir: "run"}
	// The decoy: D/run/models holds the β = 0 model under the β = 1 name.
	copyTree(t, filepath.Join(home, e.ModelDir(b0+"/train")), filepath.Join(decoy, e.ModelDir(b1+"/train")))
	// The β = 1 model's measurements are to be computed again (as a run
	// with more phases would compute new ones from the stored model).
	for _, ph := range []string{"/isometry", "/attack-standard"} {
		if err := os.Remove(filepath.Join(home, e.PhasePath(b1+ph))); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(decoy)
	got := runStudyIn(t, &Env{Dir: filepath.Join(home, "run")}, o)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reached from a folder with a decoy run, the run measured another model: %s", differ(got, want))
	}
	// A merge from there reads the same, intact phases.
	got = runStudyIn(t, &Env{Dir: filepath.Join(home, "run"), Mode: ModeMerge}, o)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a merge from a folder with a decoy run: %s", differ(got, want))
	}

	// A copy of the run folder elsewhere, with the original gone, is whole.
	moved := filepath.Join(root, "moved")
	copyTree(t, filepath.Join(home, "run"), moved)
	os.RemoveAll(filepath.Join(home, "run"))
	for _, ph := range []string{"/isometry", "/attack-standard"} {
		os.Remove(filepath.Join(moved, "phases", strings.ReplaceAll(b1+ph, "/", "__")+".json"))
	}
	var log bytes.Buffer
	got = runStudyIn(t, &Env{Dir: moved, Log: &log}, o)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a moved copy of the run measured another model: %s", differ(got, want))
	}
	if strings.Contains(log.String(), "/train: running") {
		t.Errorf("a moved copy of the run trained again:\n%s", log.String())
	}
}

// TestTwoSettingsOneFolder (issue 26, case b): two runs of one study with
// different epochs into one folder at the same time. One of them refuses
// with one line naming the phase and the folder (a folder holds one
// setting of each phase); the other's numbers are those of the same run
// alone in a folder of its own. Before, both finished, and one reported
// attack numbers measured on the other's model.
func TestTwoSettingsOneFolder(t *testing.T) {
	o1 := tinyIdentityStudy(t)
	o2 := o1
	o2.Epochs = 2
	alone1 := runStudyIn(t, &Env{Dir: t.TempDir()}, o1)
	alone2 := runStudyIn(t, &Env{Dir: t.TempDir()}, o2)

	dir := t.TempDir()
	var wg sync.WaitGroup
	res := make([]*MNISTResults, 2)
	errs := make([]error, 2)
	for i, o := range []MNISTOptions{o1, o2} {
		wg.Go(func() {
			e := &Env{Dir: dir, Seeds: []uint64{0}, LockPoll: 10 * time.Millisecond}
			res[i], errs[i] = MNIST(context.Background(), e, o)
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two settings of one phase in one folder: errors %v and %v, want exactly one refusal", errs[0], errs[1])
	}
	won, lost := 0, 1
	if errs[0] != nil {
		won, lost = 1, 0
	}
	var conflict *SettingsConflictError
	if !errors.As(errs[lost], &conflict) || !strings.Contains(errs[lost].Error(), "other settings") || strings.Contains(errs[lost].Error(), "\n") {
		t.Errorf("the refusal is %q, want one line saying the folder holds the phase with other settings", errs[lost])
	}
	want := []studyNumbers{alone1, alone2}[won]
	if got := numbersOf(res[won]); !reflect.DeepEqual(got, want) {
		t.Errorf("the run that finished reports other numbers than alone: %s", differ(got, want))
	}

	// Run again, in sequence: the run that finished reuses every phase and
	// gives its numbers again; the other still refuses, and changes nothing.
	before := snapshot(t, dir)
	e := &Env{Dir: dir, Seeds: []uint64{0}}
	if got := runStudyIn(t, e, []MNISTOptions{o1, o2}[won]); !reflect.DeepEqual(got, want) {
		t.Errorf("rerun: other numbers")
	}
	for _, tm := range e.Timings {
		if !tm.Reused {
			t.Errorf("rerun recomputed %s", tm.Phase)
		}
	}
	_, err := MNIST(context.Background(), &Env{Dir: dir, Seeds: []uint64{0}}, []MNISTOptions{o1, o2}[lost])
	if !errors.As(err, &conflict) {
		t.Errorf("the second setting in sequence: %v, want a refusal", err)
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Error("the refused run changed the folder")
	}
	// --force replaces the folder's setting by the run's.
	if got := runStudyIn(t, &Env{Dir: dir, Force: true}, []MNISTOptions{o1, o2}[lost]); !reflect.DeepEqual(got, []studyNumbers{alone1, alone2}[lost]) {
		t.Error("--force: other numbers than alone")
	}
}

// snapshot returns every file of dir (but lock files) and its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".lock") {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

// TestChangedStoredFiles (issue 26, case c): a number edited in a stored
// phase's JSON, and a bit flipped in a stored model's weights, are found
// before use: the phase is computed again, with one line naming the file,
// and the numbers are those of the untouched run. Before, the edited number
// went into the results, and the flipped weights were measured by the next
// phase computed from them.
func TestChangedStoredFiles(t *testing.T) {
	o := tinyIdentityStudy(t)
	dir := t.TempDir()
	want := runStudyIn(t, &Env{Dir: dir}, o)
	e := &Env{Dir: dir}

	// An edited number.
	iso := e.PhasePath(b1 + "/isometry")
	b, err := os.ReadFile(iso)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"pooled_pearson_r": [0-9.e-]+`)
	if !re.Match(b) {
		t.Fatalf("no pooled_pearson_r in %s", b)
	}
	os.WriteFile(iso, re.ReplaceAll(b, []byte(`"pooled_pearson_r": 0.1234`)), 0o644)
	var log bytes.Buffer
	got := runStudyIn(t, &Env{Dir: dir, Log: &log}, o)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("an edited stored number went into the results: %s", differ(got, want))
	}
	if !strings.Contains(log.String(), filepath.Base(iso)) {
		t.Errorf("no line names the edited file %s:\n%s", filepath.Base(iso), log.String())
	}

	// A flipped bit in the β = 1 model's weights; its attack phase is to be
	// computed again (as in a run that adds a phase reading the model).
	w := filepath.Join(e.ModelDir(b1+"/train"), "model.safetensors")
	flipWeight(t, w)
	os.Remove(e.PhasePath(b1 + "/attack-standard"))
	log.Reset()
	got = runStudyIn(t, &Env{Dir: dir, Log: &log}, o)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flipped weights were measured: %s", differ(got, want))
	}
	if !strings.Contains(log.String(), "model.safetensors") {
		t.Errorf("no line names the changed model.safetensors:\n%s", log.String())
	}
}

// flipWeight flips bit 6 of the top byte of the first float32 of the
// safetensors file w whose exponent's top bit is clear: a weight below 2 in
// magnitude becomes one above 10³⁶.
func flipWeight(t *testing.T, w string) {
	t.Helper()
	b, err := os.ReadFile(w)
	if err != nil {
		t.Fatal(err)
	}
	start := 8 + int(binary.LittleEndian.Uint64(b))
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:start], &hdr); err != nil {
		t.Fatal(err)
	}
	for i := start + 3; i < len(b); i += 4 {
		if b[i]&0x40 == 0 {
			b[i] ^= 0x40
			if err := os.WriteFile(w, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no weight to flip")
}

// TestChangedData: a phase is keyed by the content of the data it reads,
// not by the folder's name: after one test label of a --data-dir changes,
// no phase is reused, and the numbers are those of a fresh run on the
// changed data. Before, the run reused every phase computed on the old
// files.
func TestChangedData(t *testing.T) {
	o := tinyIdentityStudy(t)
	o.Betas = []float64{0}
	src, err := data.MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	idx := filepath.Join(t.TempDir(), "idx")
	copyTree(t, src, idx)
	o.DataDir = idx
	dir := t.TempDir()
	before := runStudyIn(t, &Env{Dir: dir}, o)

	// The first test image's label, one more (mod 10), in a plain file.
	gz := filepath.Join(idx, "t10k-labels-idx1-ubyte.gz")
	f, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b[8] = (b[8] + 1) % 10
	os.Remove(gz)
	if err := os.WriteFile(strings.TrimSuffix(gz, ".gz"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	forgetData(t, o) // a new process reads the files again

	e := &Env{Dir: dir}
	got := runStudyIn(t, e, o)
	for _, tm := range e.Timings {
		if tm.Reused {
			t.Errorf("%s reused on changed data", tm.Phase)
		}
	}
	forgetData(t, o)
	fresh := runStudyIn(t, &Env{Dir: t.TempDir()}, o)
	if !reflect.DeepEqual(got, fresh) {
		t.Errorf("after the data changed: %s", differ(got, fresh))
	}
	if reflect.DeepEqual(got, before) {
		t.Error("a changed test label changed no number: the test proves nothing")
	}
}

// forgetData drops the study's data set from the process's caches.
func forgetData(t *testing.T, o MNISTOptions) {
	t.Helper()
	k, err := dataKey(MNISTSpec(&Env{}, o, Standard, 0, 0).Data)
	if err != nil {
		t.Fatal(err)
	}
	dataMu.Lock()
	delete(dataCache, k)
	delete(provCache, k)
	dataMu.Unlock()
}
