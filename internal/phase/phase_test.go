package phase

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type out struct {
	R      float64 `json:"r"`
	Figure string  `json:"figure"`
}

// draw declares a phase writing the file fig/NAME.txt with text and
// returning r.
func draw(name, text string, r float64, needs ...string) Phase {
	return Of(name, map[string]string{"text": text}, needs, func(o out) []string { return []string{o.Figure} },
		func(ctx context.Context, in *Inputs) (out, error) {
			rel := "fig/" + strings.ReplaceAll(name, "/", "_") + ".txt"
			os.MkdirAll(filepath.Dir(in.Path(rel)), 0o755)
			return out{R: r, Figure: rel}, os.WriteFile(in.Path(rel), []byte(text), 0o644)
		})
}

// compute runs p in dir as an engine would: Run, then Save.
func compute(t *testing.T, s Store, p Phase, needs []Done) Done {
	t.Helper()
	in := map[string]Done{}
	for _, d := range needs {
		in[d.Name] = d
	}
	res, err := p.Run(context.Background(), NewInputs(s.Dir, p.Name, in))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := SettingsHash(p.Settings)
	key := Key(h, needs)
	rec, err := s.Save(p, h, "v1", key, 1, res)
	if err != nil {
		t.Fatal(err)
	}
	return Done{Name: p.Name, Key: key, Digest: rec.Digest(), Result: res}
}

func load(s Store, p Phase, version string, needs []Done) Found {
	h, _ := SettingsHash(p.Settings)
	return s.Load(p, h, version, false, needs)
}

// TestStoreVerifies: a stored phase is Valid only with its settings, build,
// inputs and every byte it recorded; each other case is named.
func TestStoreVerifies(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	a := draw("a/train", "weights", 1)
	da := compute(t, s, a, nil)
	b := draw("a/x", "picture", 0.5, "a/train")
	db := compute(t, s, b, []Done{da})
	if f := load(s, b, "v1", []Done{da}); f.State != Valid || f.Result.(out).R != 0.5 {
		t.Fatalf("intact: %+v", f)
	}
	if f := load(s, draw("a/x", "other", 0.5, "a/train"), "v1", []Done{da}); f.State != Conflict {
		t.Errorf("other settings: %v %s", f.State, f.Why)
	}
	if f := load(s, b, "v2", []Done{da}); f.State != Outdated || !strings.Contains(f.Why, "v1") {
		t.Errorf("other build: %v %s", f.State, f.Why)
	}
	if f := s.Load(b, mustHash(t, b), "v2", true, []Done{da}); f.State != Valid {
		t.Errorf("other build, any version accepted: %v %s", f.State, f.Why)
	}
	// The model it read has other content: its key differs.
	other := da
	other.Digest = strings.Repeat("0", 64)
	if f := load(s, b, "v1", []Done{other}); f.State != Stale {
		t.Errorf("other input: %v %s", f.State, f.Why)
	}
	if Key(mustHash(t, b), []Done{da}) == Key(mustHash(t, b), []Done{other}) {
		t.Error("the key ignores the digest of what the phase reads")
	}

	// The stored JSON rewritten with the same values (keys reordered,
	// indented otherwise) is intact; a changed number is not.
	path := s.Path("a/x")
	raw, _ := os.ReadFile(path)
	var m map[string]any
	json.Unmarshal(raw, &m)
	same, _ := json.Marshal(m)
	os.WriteFile(path, same, 0o644)
	if f := load(s, b, "v1", []Done{da}); f.State != Valid {
		t.Errorf("rewritten with the same values: %v %s", f.State, f.Why)
	}
	os.WriteFile(path, []byte(strings.Replace(string(same), `"r":0.5`, `"r":0.6`, 1)), 0o644)
	if f := load(s, b, "v1", []Done{da}); f.State != Corrupt || f.File != "phases/a__x.json" {
		t.Errorf("edited number: %v %q %s", f.State, f.File, f.Why)
	}
	os.WriteFile(path, raw, 0o644)

	// A file it wrote, changed or gone.
	fig := filepath.Join(s.Dir, "fig", "a_x.txt")
	os.WriteFile(fig, []byte("picturE"), 0o644)
	if f := load(s, b, "v1", []Done{da}); f.State != Corrupt || f.File != "fig/a_x.txt" || !strings.Contains(f.Why, "does not match its recorded sha256") {
		t.Errorf("changed file: %v %q %s", f.State, f.File, f.Why)
	}
	os.Remove(fig)
	if f := load(s, b, "v1", []Done{da}); f.State != Corrupt || f.Why != "fig/a_x.txt is missing" {
		t.Errorf("missing file: %v %s", f.State, f.Why)
	}
	os.WriteFile(path, []byte("{not json"), 0o644)
	if f := load(s, b, "v1", []Done{da}); f.State != Corrupt || f.File != "phases/a__x.json" {
		t.Errorf("unreadable record: %v %s", f.State, f.Why)
	}
	os.Remove(path)
	if f := load(s, b, "v1", []Done{da}); f.State != Missing {
		t.Errorf("no record: %v", f.State)
	}
	if db.Digest == da.Digest {
		t.Error("two phases of different content share a digest")
	}
}

// TestStoreMoves: a run folder copied elsewhere verifies there, its files
// named relative to it.
func TestStoreMoves(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "run")}
	a := draw("a", "w", 1)
	da := compute(t, s, a, nil)
	moved := Store{Dir: filepath.Join(t.TempDir(), "elsewhere")}
	if err := os.Rename(s.Dir, moved.Dir); err != nil {
		t.Fatal(err)
	}
	f := load(moved, a, "v1", nil)
	if f.State != Valid || f.Record.Digest() != da.Digest || f.Record.Files["fig/a.txt"] == "" {
		t.Errorf("moved: %v %s %v", f.State, f.Why, f.Record)
	}
}

// TestInputDeclared: a phase reads only the results it declares.
func TestInputDeclared(t *testing.T) {
	in := NewInputs("d", "b", map[string]Done{"a": {Name: "a", Result: 3}})
	if v, err := Input[int](in, "a"); err != nil || v != 3 {
		t.Errorf("declared: %v %v", v, err)
	}
	if _, err := Input[int](in, "c"); err == nil || !strings.Contains(err.Error(), "does not declare") {
		t.Errorf("undeclared: %v", err)
	}
	if _, err := Input[string](in, "a"); err == nil {
		t.Error("a result read as another type")
	}
	if err := Ordered([]Phase{draw("x", "", 0, "y"), draw("y", "", 0)}); err == nil {
		t.Error("a need declared after its reader is accepted")
	}
}

func mustHash(t *testing.T, p Phase) string {
	t.Helper()
	h, err := SettingsHash(p.Settings)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
