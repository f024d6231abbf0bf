package main

import (
	"os"
	"path/filepath"
	"reflect"
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
