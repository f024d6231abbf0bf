package model

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/train"
)

// snapshot returns every file under dir (relative path → content).
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// smallModel is a saved-able 2→3→2 model with fixed weights.
func smallModel(t *testing.T, v float32) *Model {
	t.Helper()
	m, err := Build(Flat([]int{2, 3, 2}, nn.Tanh, train.Defaults(2)), func(_ int, n *nn.MLP) {
		for _, p := range n.Params() {
			for i := range p.Data {
				p.Data[i] = v + float32(i)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var errMidway = errors.New("disk full (simulated)")

// TestWriteDirFailsMidway: a fill that writes some files and then fails
// leaves neither the model folder nor a temporary folder; replacing an
// existing folder keeps the old one, byte for byte. The fill's error comes
// back unchanged.
func TestWriteDirFailsMidway(t *testing.T) {
	for _, existing := range []bool{false, true} {
		parent := t.TempDir()
		dir := filepath.Join(parent, "m")
		var before map[string][]byte
		if existing {
			if err := Save(dir, smallModel(t, 1), map[string]int{"epochs": 3}); err != nil {
				t.Fatal(err)
			}
			before = snapshot(t, dir)
		}
		var tmpSeen string
		err := WriteDir(dir, true, func(tmp string) error {
			tmpSeen = tmp
			if err := WriteJSON(filepath.Join(tmp, ConfigFile), map[string]int{"new": 1}); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(tmp, WeightsFile), []byte("half a fi"), 0o644); err != nil {
				return err
			}
			return errMidway
		})
		if !errors.Is(err, errMidway) {
			t.Errorf("existing=%v: error %v, want the fill's", existing, err)
		}
		if filepath.Dir(tmpSeen) != parent || !strings.HasPrefix(filepath.Base(tmpSeen), ".m.tmp-") {
			t.Errorf("temporary folder %s is not a hidden sibling of %s", tmpSeen, dir)
		}
		want := []string(nil)
		if existing {
			want = []string{"m"}
		}
		if got := names(t, parent); !slices.Equal(got, want) {
			t.Errorf("existing=%v: parent holds %v, want %v", existing, got, want)
		}
		if existing {
			after := snapshot(t, dir)
			if len(after) != len(before) {
				t.Errorf("old folder has %d files, had %d", len(after), len(before))
			}
			for name, b := range before {
				if !bytes.Equal(after[name], b) {
					t.Errorf("old %s changed", name)
				}
			}
		}
	}
}

// TestSaveFailureKeepsOldModel: SaveForce over an existing model whose
// metrics cannot be encoded (a NaN) fails after config.json and the
// weights were written; the old model still loads with its old weights
// and no temporary folder is left.
func TestSaveFailureKeepsOldModel(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "m")
	if err := Save(dir, smallModel(t, 1), nil); err != nil {
		t.Fatal(err)
	}
	err := SaveForce(dir, smallModel(t, 5), map[string]float64{"test_acc": math.NaN()}, true)
	if err == nil || !strings.Contains(err.Error(), MetricsFile) {
		t.Fatalf("error %v, want one naming %s", err, MetricsFile)
	}
	if got := names(t, parent); !slices.Equal(got, []string{"m"}) {
		t.Errorf("parent holds %v", got)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w := m.Net().Layers[0].W.Data; w[0] != 1 || w[5] != 6 {
		t.Errorf("old weights replaced: %v", w)
	}
	if _, err := os.Stat(filepath.Join(dir, MetricsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old folder gained a metrics file: %v", err)
	}
}

// TestSaveUnwritableParent: saving where the model folder cannot be made
// (the parent is a file; the parent is read-only — skipped as root, which
// ignores permissions) fails with an error naming the path and writes
// nothing.
func TestSaveUnwritableParent(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	err := Save(filepath.Join(file, "m"), smallModel(t, 1), nil)
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("parent is a file: error %v, want one naming %s", err, file)
	}
	if got := names(t, root); !slices.Equal(got, []string{"file"}) {
		t.Errorf("parent is a file: %v left", got)
	}

	if os.Geteuid() == 0 {
		t.Skip("root ignores folder permissions")
	}
	ro := filepath.Join(root, "ro")
	os.Mkdir(ro, 0o755)
	old := filepath.Join(ro, "m")
	if err := Save(old, smallModel(t, 1), nil); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, old)
	os.Chmod(ro, 0o555)
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	for _, target := range []string{filepath.Join(ro, "new"), old} {
		err := SaveForce(target, smallModel(t, 2), nil, true)
		if err == nil || !errors.Is(err, os.ErrPermission) {
			t.Errorf("%s: error %v, want permission denied", target, err)
		}
	}
	if got := names(t, ro); !slices.Equal(got, []string{"m"}) {
		t.Errorf("read-only parent holds %v", got)
	}
	after := snapshot(t, old)
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("old %s changed", name)
		}
	}
}

// TestWriteDirNoReplace: without replace an existing folder — empty or
// not — is an error and fill is not called.
func TestWriteDirNoReplace(t *testing.T) {
	dir := t.TempDir()
	called := false
	err := WriteDir(dir, false, func(string) error { called = true; return nil })
	if err == nil || !strings.Contains(err.Error(), "exists") || called {
		t.Errorf("error %v, fill called %v", err, called)
	}
	err = Save(dir, smallModel(t, 1), nil)
	if err != nil {
		t.Errorf("an empty folder counts as absent for Save: %v", err)
	}
	if err := Save(dir, smallModel(t, 1), nil); err == nil || !strings.Contains(err.Error(), "SaveForce with force") {
		t.Errorf("second Save: %v", err)
	}
}

// TestWriteDirPanickingFill: a fill that panics leaves no temporary folder.
func TestWriteDirPanickingFill(t *testing.T) {
	parent := t.TempDir()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v", r)
			}
		}()
		WriteDir(filepath.Join(parent, "m"), true, func(tmp string) error {
			os.WriteFile(filepath.Join(tmp, ConfigFile), []byte("{}"), 0o644)
			panic("boom")
		})
	}()
	if got := names(t, parent); len(got) != 0 {
		t.Errorf("parent holds %v", got)
	}
}
