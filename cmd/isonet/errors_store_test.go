package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/reproduce"
)

// A run folder holds one setting of each phase, and --merge takes only
// intact phases (docs/errors.md, section "reproduce: one setting per
// phase, intact phases").
func init() {
	errorTables = append(errorTables, errorTable{fixtures: storeFixtures, cases: storeCases})
}

// storeFixtures makes st-other, a reproduce folder storing rings/input with
// other settings, and st-corrupt, one storing every phase of `reproduce
// rings --quick` (placeholder results, as a shard would store them) with
// rings/beta=1/seed=0/geometry's result edited after it was stored.
func storeFixtures(t *testing.T) {
	t.Helper()
	for _, d := range []string{"st-other", "st-corrupt"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := outdir.Record(d, reproduceKind, reproduceEntries...); err != nil {
			t.Fatal(err)
		}
	}
	other := phase.Of[int]("rings/input", "other settings", nil, nil, nil)
	h, _ := phase.SettingsHash(other.Settings)
	if _, err := (phase.Store{Dir: "st-other"}).Save(other, h, reproduce.BuildVersion(), phase.Key(h, nil), 0, 1); err != nil {
		t.Fatal(err)
	}
	o := reproduce.DefaultOptions(true)
	o.Experiments = []string{"rings"}
	p, err := reproduce.MakePlan(context.Background(), &reproduce.Env{Dir: "st-corrupt", Quick: true}, o, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := phase.Store{Dir: "st-corrupt"}
	done := map[string]phase.Done{}
	for _, ph := range p.Phases {
		var needs []phase.Done
		for _, n := range ph.Needs {
			needs = append(needs, done[n])
		}
		key := phase.Key(ph.Hash, needs)
		rec, err := st.Save(phase.Of[int](ph.Name, nil, ph.Needs, nil, nil), ph.Hash, reproduce.BuildVersion(), key, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		done[ph.Name] = phase.Done{Name: ph.Name, Key: key, Digest: rec.Digest()}
	}
	path := filepath.Join("st-corrupt", "phases", "rings__beta=1__seed=0__geometry.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(strings.Replace(string(b), `"result": 1`, `"result": 2`, 1)), 0o644)
}

var storeCases = []errorCase{
	{"reproduce: --out stores a phase with other settings", []string{"reproduce", "rings", "--quick", "--out", "st-other"}, `isonet reproduce: --out st-other holds phase rings/input computed with other settings (a run folder keeps one setting of each phase); choose another --out, or --force to replace them`},
	{"reproduce: --merge of a corrupt phase", []string{"reproduce", "rings", "--quick", "--merge", "--out", "st-corrupt"}, `isonet reproduce: --merge: phase rings/beta=1/seed=0/geometry in st-corrupt is corrupt: phases/rings__beta=1__seed=0__geometry.json does not match its recorded sha256 (edited?); run shard 0/1 again (it recomputes what is corrupt), then --merge again`},
}
