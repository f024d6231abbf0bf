package outdir

import (
	"os"
	"path/filepath"
	"testing"
)

// TestForceOwnsOnlyModels: --force replaces a model folder isonet wrote,
// everything in it at any depth, and nothing else (issue 29 item 1: train
// --force over a reproduce folder, whose marker listed rings/ and slurm/,
// deleted the user's notes inside them). A reproduce, checkpoint or
// geometry folder is refused by kind; a subfolder listed in a marker
// counts as isonet's only when a marker of its own lists everything in it.
func TestForceOwnsOnlyModels(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	marker := func(dir, kind string, files ...string) {
		t.Helper()
		os.MkdirAll(dir, 0o755)
		if err := writeMarker(dir, Marker{Format: MarkerFormat, Kind: kind, Files: files}); err != nil {
			t.Fatal(err)
		}
	}
	// A reproduce run, its marker listing names ahead (as before the fix).
	marker("r1", "reproduce", "rings", "slurm", "results.json")
	write(t, "r1/rings/my-notes.txt", "notes")
	write(t, "r1/slurm/shard-1_0.out", "log")
	write(t, "r1/results.json", "{}")
	// The same with nothing of the user's: still not a model folder.
	marker("r2", "reproduce", "results.json")
	write(t, "r2/results.json", "{}")
	// A model folder whose listed entry is a folder of the user's.
	marker("m1", "model", "config.json", "extra")
	write(t, "m1/config.json", "{}")
	write(t, "m1/extra/mine.txt", "mine")
	// A model folder whose listed subfolder has a marker of its own listing all of it.
	marker("m2", "model", "config.json", "sub")
	write(t, "m2/config.json", "{}")
	marker("m2/sub", "model", "w")
	write(t, "m2/sub/w", "w")
	// The same subfolder with a file its marker does not list.
	marker("m3", "model", "config.json", "sub")
	write(t, "m3/config.json", "{}")
	marker("m3/sub", "model", "w")
	write(t, "m3/sub/w", "w")
	write(t, "m3/sub/mine.txt", "mine")
	marker("g", "geometry", "geometry.json")
	write(t, "g/geometry.json", "{}")

	for _, c := range []struct {
		path  string
		force bool
		kind  Kind
		want  string
	}{
		{"r1", true, Foreign, "--out r1 is an isonet reproduce folder, not a model folder; --force replaces only model folders isonet wrote"},
		{"r1", false, Foreign, "--out r1 is an isonet reproduce folder, not a model folder; choose another --out"},
		{"r2", true, Owned, "--out r2 is an isonet reproduce folder, not a model folder; --force replaces only model folders isonet wrote"},
		{"g", true, Owned, "--out g is an isonet geometry folder, not a model folder; --force replaces only model folders isonet wrote"},
		{"m1", true, Foreign, "--out m1 is not an isonet folder (it holds extra/); --force replaces only folders isonet wrote"},
		{"m2", true, Owned, ""},
		{"m3", true, Foreign, "--out m3 is not an isonet folder (it holds sub/); --force replaces only folders isonet wrote"},
	} {
		info, err := Classify(c.path)
		if err != nil || info.Kind != c.kind {
			t.Errorf("Classify(%s) = %v %v, want %v", c.path, info.Kind, err, c.kind)
		}
		_, err = CheckDir("--out", c.path, c.force, Input{})
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.path, err)
			}
			continue
		}
		refusal(t, err, c.want)
	}
	if b, err := os.ReadFile(filepath.Join("r1", "rings", "my-notes.txt")); err != nil || string(b) != "notes" {
		t.Errorf("the user's notes: %q %v", b, err)
	}
}
