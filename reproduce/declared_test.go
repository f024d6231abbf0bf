package reproduce

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/isonet/isonet/internal/phase"
)

// TestPlanIsTheRun: the plan (as --plan --json prints it) lists, phase for
// phase, what a run of every experiment (the rings with their topology, the
// torus, MNIST under both protocols with the baselines) computes: the same
// names, each stored with the planned settings hash and needs, and no
// phase the plan does not list.
func TestPlanIsTheRun(t *testing.T) {
	mo := tinyIdentityStudy(t)
	mo.Protocols = []string{Standard, Authors}
	o := DefaultOptions(true)
	o.MNIST = mo
	o.Rings.Epochs = 200
	o.Torus.Epochs, o.Torus.UMAPEpochs = 60, 50
	o.Extended, o.Baselines = true, true
	dir := t.TempDir()
	e := &Env{Dir: dir, Quick: true, Seeds: []uint64{0}, CheckpointEvery: -1}
	p, err := MakePlan(context.Background(), e, o, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var plan Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), e, o); err != nil {
		t.Fatal(err)
	}
	var planned, did []string
	for _, ph := range plan.Phases {
		planned = append(planned, ph.Name)
	}
	for _, tm := range e.Timings {
		if !slices.Contains(did, tm.Phase) {
			did = append(did, tm.Phase)
		}
	}
	sort.Strings(planned)
	sort.Strings(did)
	if !slices.Equal(planned, did) {
		t.Errorf("the plan lists %d phases, the run did %d:\nplanned %v\ndid     %v", len(planned), len(did), planned, did)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "phases", "*.json"))
	if len(files) != len(plan.Phases) {
		t.Errorf("%d phases stored, %d planned", len(files), len(plan.Phases))
	}
	for _, ph := range plan.Phases {
		b, err := os.ReadFile(e.PhasePath(ph.Name))
		if err != nil {
			t.Errorf("planned phase %s: %v", ph.Name, err)
			continue
		}
		var r phase.Record
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.SettingsHash != ph.Hash || !slices.Equal(r.Needs, ph.Needs) {
			t.Errorf("phase %s: planned settings %.12s needs %v, run stored %.12s needs %v", ph.Name, ph.Hash, ph.Needs, r.SettingsHash, r.Needs)
		}
	}
	// The groups a shard takes whole hold each model with what reads it.
	for _, ph := range plan.Phases {
		if len(ph.Needs) == 1 && !strings.HasPrefix(ph.Name, ph.Group+"/") {
			t.Errorf("phase %s (needs %v) is in group %s", ph.Name, ph.Needs, ph.Group)
		}
	}
}

// TestPlanComputesNothing: the plan is made from the declarations alone. A
// plan of declared phases whose functions panic lists them; the plan of
// every experiment, with every phase's function and every experiment's
// gathering replaced by a panic, is the same as the real one; and making
// it reads no data set (the torus and rings of a seed no other test uses are
// not in the data cache) and creates no folder.
func TestPlanComputesNothing(t *testing.T) {
	boom := func(context.Context, *phase.Inputs) (int, error) { panic("the plan ran a phase") }
	ps := []phase.Phase{
		phase.Of("a/train", 1, nil, nil, boom),
		phase.Of("a/x", 2, []string{"a/train"}, nil, boom),
		phase.Of("a/y", 3, []string{"a/x"}, nil, boom),
		phase.Of("b", 4, nil, nil, boom),
		phase.Of("a/train", 1, nil, nil, boom), // declared again: listed once
	}
	p, err := planOf(ps, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ph := range p.Phases {
		got = append(got, ph.Name+" "+ph.Group+" "+strings.Join(ph.Needs, ","))
	}
	if want := []string{"a/train a ", "a/x a a/train", "a/y a a/x", "b b "}; !slices.Equal(got, want) {
		t.Errorf("plan %q, want %q", got, want)
	}
	if _, err := planOf([]phase.Phase{phase.Of("c", 1, []string{"d"}, nil, boom)}, 1); err == nil {
		t.Error("a phase needing an undeclared one was planned")
	}
	if _, err := planOf([]phase.Phase{phase.Of("c", 1, nil, nil, boom), phase.Of("c", 2, nil, nil, boom)}, 1); err == nil {
		t.Error("a phase declared twice with other settings was planned")
	}

	o := DefaultOptions(true)
	o.Extended, o.Baselines = true, true
	seeds := []uint64{987654321}
	dir := filepath.Join(t.TempDir(), "none")
	real, err := MakePlan(context.Background(), &Env{Dir: dir, Quick: true, Seeds: seeds}, o, 4)
	if err != nil {
		t.Fatal(err)
	}
	onDeclare = func(x *experiment) {
		for i := range x.phases {
			x.phases[i].Run = func(context.Context, *phase.Inputs) (any, error) { panic("the plan ran phase " + x.phases[i].Name) }
		}
		x.gather = func(results, *Results) error { panic("the plan gathered " + x.name) }
	}
	defer func() { onDeclare = nil }()
	dry, err := MakePlan(context.Background(), &Env{Dir: dir, Quick: true, Seeds: seeds}, o, 4)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(real)
	b, _ := json.Marshal(dry)
	if string(a) != string(b) || len(real.Phases) < 60 {
		t.Errorf("the plans differ or are short (%d phases)", len(real.Phases))
	}
	for _, d := range []string{mustKey(t, TorusSpec(o.Torus, seeds[0]).Data), mustKey(t, RingsSpec(o.Rings, 0, seeds[0]).Data)} {
		dataMu.Lock()
		_, loaded := dataCache[d]
		dataMu.Unlock()
		if loaded {
			t.Errorf("making the plan loaded the data set %s", d)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("making the plan created %s", dir)
	}
}

func mustKey(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
