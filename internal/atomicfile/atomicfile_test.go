package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// listDir returns the names in dir, sorted (os.ReadDir sorts).
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// checkUntouched fails unless dir holds exactly the file target with
// content want, or nothing at all when want is "".
func checkUntouched(t *testing.T, dir, target, want string) {
	t.Helper()
	names := listDir(t, dir)
	if want == "" {
		if len(names) != 0 {
			t.Errorf("folder holds %v, want nothing", names)
		}
		return
	}
	if len(names) != 1 || names[0] != filepath.Base(target) {
		t.Errorf("folder holds %v, want only %s", names, filepath.Base(target))
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != want {
		t.Errorf("target holds %q (%v), want %q", b, err, want)
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "f.json")
	for _, content := range []string{"first", "second, longer content", ""} {
		if err := WriteFile(target, []byte(content)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(target)
		if err != nil || string(b) != content {
			t.Fatalf("read %q (%v), want %q", b, err, content)
		}
		if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", fi.Mode().Perm())
		}
		if names := listDir(t, dir); len(names) != 1 {
			t.Errorf("folder holds %v", names)
		}
	}
	// A bare file name goes to the working directory.
	t.Chdir(dir)
	if err := WriteFile("g", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "g")); string(b) != "x" {
		t.Errorf("bare name: read %q", b)
	}
}

// failAfter is a writer that accepts n bytes and then fails, as a full
// disk does.
type failAfter struct {
	w io.Writer
	n int
}

var errDiskFull = errors.New("no space left on device (simulated)")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, errDiskFull
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// TestFailingWriter: a fill that fails half-way (a full disk) leaves the
// target as it was — absent or with its old content — and no temporary
// file, and the error wraps the cause and names the target.
func TestFailingWriter(t *testing.T) {
	for _, old := range []string{"", "old content"} {
		dir := t.TempDir()
		target := filepath.Join(dir, "model.safetensors")
		if old != "" {
			os.WriteFile(target, []byte(old), 0o644)
		}
		err := Write(target, func(w io.Writer) error {
			fw := &failAfter{w: w, n: 5}
			for range 10 {
				if _, err := fw.Write([]byte("new bytes ")); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), target) {
			t.Errorf("old %q: error %v, want the disk-full error naming %s", old, err, target)
		}
		checkUntouched(t, dir, target, old)
	}
}

// TestPanickingFill: a fill that panics leaves no temporary file behind
// and the target as it was; the panic goes on to the caller.
func TestPanickingFill(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "f")
	os.WriteFile(target, []byte("old"), 0o644)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the fill's panic", r)
			}
		}()
		Write(target, func(w io.Writer) error {
			w.Write([]byte("partial"))
			panic("boom")
		})
	}()
	checkUntouched(t, dir, target, "old")
}

// TestReadOnlyFolder: writing into a folder without write permission fails
// with an error naming the target; the old file is kept and no temporary
// file appears. (Root ignores permissions, so this skips as root; the
// root-proof cases below fail the same steps in other ways.)
func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores folder permissions")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "f")
	os.WriteFile(target, []byte("old"), 0o644)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	called := false
	err := Write(target, func(w io.Writer) error {
		called = true
		return nil
	})
	if err == nil || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), target) {
		t.Errorf("error %v, want a permission error naming %s", err, target)
	}
	if called {
		t.Error("fill was called although no temporary file could be made")
	}
	checkUntouched(t, dir, target, "old")
}

// TestUnwritableTargets fails each step that can fail for reasons other
// than the fill, as root too: the folder is a file (the temporary file
// cannot be made), the folder does not exist, and the target is a
// non-empty folder (the final rename fails). Nothing changes and no
// temporary file is left.
func TestUnwritableTargets(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("I am a file"), 0o644)
	busy := filepath.Join(dir, "busy")
	os.MkdirAll(filepath.Join(busy, "inside"), 0o755)
	cases := []struct {
		name, target string
	}{
		{"parent is a file", filepath.Join(notDir, "f")},
		{"parent missing", filepath.Join(dir, "nope", "f")},
		{"target is a folder", busy},
	}
	for _, c := range cases {
		called := false
		err := Write(c.target, func(w io.Writer) error {
			called = true
			_, err := w.Write([]byte("new"))
			return err
		})
		if err == nil || !strings.Contains(err.Error(), c.target) {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.target)
		}
		if c.name != "target is a folder" && called {
			t.Errorf("%s: fill called", c.name)
		}
		if names := listDir(t, dir); strings.Join(names, ",") != "busy,file" {
			t.Errorf("%s: folder holds %v, want busy and file only", c.name, names)
		}
		if names := listDir(t, busy); strings.Join(names, ",") != "inside" {
			t.Errorf("%s: target folder holds %v", c.name, names)
		}
		if b, _ := os.ReadFile(notDir); string(b) != "I am a file" {
			t.Errorf("%s: file changed to %q", c.name, b)
		}
	}
}
