package outdir

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRemoveOwned: only the entries markers list are deleted. A file the
// user put into a checkpoint folder under a name Classify passes over (a
// marker's temporary ..isonet.tmp-*) stays, and so does the folder; a
// symbolic link at the path, a folder of another kind, and a foreign one
// are kept whole; a reproduce-style folder whose listed subfolder is owned
// by its own marker goes entirely (issue 29 follow-up, item 1: model.Train
// removed the checkpoint with os.RemoveAll once Classify called it
// owned, the user's file included).
func TestRemoveOwned(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }

	ck := filepath.Join(root, "m.checkpoint")
	write(filepath.Join(ck, "checkpoint.json"), `{"format": "isonet-checkpoint/1"}`)
	write(filepath.Join(ck, "state.safetensors"), "x")
	if err := Mark(ck, "checkpoint"); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(ck, "..isonet.tmp-notes")
	write(notes, "mine")
	if info, _ := Classify(ck); info.Kind != Owned {
		t.Fatalf("setup: %s is %v, want owned (Classify passes over marker temporaries)", ck, info.Kind)
	}
	if err := RemoveOwned(ck, "checkpoint"); err == nil {
		t.Error("RemoveOwned of a folder left holding the user's file: no error")
	}
	if !exists(notes) {
		t.Fatal("the user's file in the checkpoint folder was deleted")
	}
	for _, n := range []string{"checkpoint.json", "state.safetensors", MarkerFile} {
		if exists(filepath.Join(ck, n)) {
			t.Errorf("isonet's %s was kept", n)
		}
	}

	// A link at the path to an archived checkpoint: neither goes.
	arch := filepath.Join(root, "archive")
	write(filepath.Join(arch, "checkpoint.json"), `{"format": "isonet-checkpoint/1"}`)
	link := filepath.Join(root, "l.checkpoint")
	os.Symlink(arch, link)
	if err := RemoveOwned(link, "checkpoint"); err == nil || !exists(link) || !exists(filepath.Join(arch, "checkpoint.json")) {
		t.Errorf("a link at the path: error %v, link kept %v, target kept %v", err, exists(link), exists(filepath.Join(arch, "checkpoint.json")))
	}

	// Another kind, and a foreign folder, are kept whole.
	geo := filepath.Join(root, "geo")
	write(filepath.Join(geo, "geometry.json"), "{}")
	Record(geo, "geometry", "geometry.json")
	user := filepath.Join(root, "user")
	write(filepath.Join(user, "a.txt"), "a")
	for _, d := range []string{geo, user} {
		if err := RemoveOwned(d, "checkpoint"); err == nil || !exists(d) {
			t.Errorf("%s: error %v, kept %v", d, err, exists(d))
		}
	}

	// A run whose listed subfolder is isonet's throughout goes entirely.
	run := filepath.Join(root, "run")
	write(filepath.Join(run, "phases", "a.json"), "{}")
	Record(filepath.Join(run, "phases"), "phases", "a.json")
	write(filepath.Join(run, "results.json"), "{}")
	Record(run, "reproduce", "phases", "results.json")
	if err := RemoveOwned(run, ""); err != nil || exists(run) {
		t.Errorf("an owned run: error %v, still there %v", err, exists(run))
	}
	if err := RemoveOwned(filepath.Join(root, "missing"), ""); err != nil {
		t.Errorf("missing: %v", err)
	}
}
