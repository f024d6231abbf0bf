package outdir

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestForget: names recorded ahead of a write that did not happen are
// removed from the marker; written files, and other entries, stay (issue
// 29 item 1's rule: a marker claims only what isonet wrote; embed,
// topology and geometry recorded their files before writing them, so a
// failed or interrupted run left the marker claiming names a user's file
// could later take).
func TestForget(t *testing.T) {
	dir := t.TempDir()
	if err := Record(dir, "files", "old.png", "u.png", "u.svg", "u.csv"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"old.png", "u.png"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	if err := Forget(dir, filepath.Join(dir, "u.png"), filepath.Join(dir, "u.svg"), filepath.Join(dir, "u.csv")); err != nil {
		t.Fatal(err)
	}
	mk, _ := ReadMarker(dir)
	if want := []string{"old.png", "u.png"}; !reflect.DeepEqual(mk.Files, want) || mk.Kind != "files" {
		t.Errorf("marker %+v, want files %v of kind files", mk, want)
	}
	// A user's file saved later as u.svg is not isonet's.
	os.WriteFile(filepath.Join(dir, "u.svg"), []byte("mine"), 0o644)
	if err := CheckFiles("--out", filepath.Join(dir, "u"), []string{filepath.Join(dir, "u.svg")}); err == nil {
		t.Error("a user's u.svg, named in no marker, may be overwritten")
	}
	if err := Forget(t.TempDir(), "x"); err != nil { // no marker: nothing to do
		t.Error(err)
	}
}
