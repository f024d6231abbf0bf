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
// rings --quick` (placeholder results through the engine, as a shard would
// store them) with rings/beta=1/seed=0/geometry's result edited after it
// was stored.
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
	e := &reproduce.Env{Dir: "st-corrupt", Quick: true}
	phases, err := reproduce.Phases(e, o)
	if err != nil {
		t.Fatal(err)
	}
	g := &phase.Engine{Store: phase.Store{Dir: "st-corrupt"}, Version: reproduce.BuildVersion(), Ledger: &phase.Ledger{}}
	for _, p := range phases {
		p.Run = func(context.Context, *phase.Inputs) (any, error) { return 1, nil }
		p.Files = nil
		if _, err := g.Do(context.Background(), p); err != nil {
			t.Fatal(err)
		}
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
