package reproduce

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/isonet/isonet/internal/phase"
)

func quickPlan(t *testing.T, dir string, seeds []uint64, shards int) *Plan {
	t.Helper()
	o := DefaultOptions(true)
	o.Extended, o.Baselines = true, true
	p, err := MakePlan(context.Background(), &Env{Dir: dir, Quick: true, Seeds: seeds}, o, shards)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanStable: the plan is a pure function of the options (not of the
// folder, of what is stored or of timing), lists every phase once, keeps a
// model and the phases that need it on one shard, and creates nothing.
func TestPlanStable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	a := quickPlan(t, dir, []uint64{0, 1}, 4)
	b := quickPlan(t, filepath.Join(t.TempDir(), "elsewhere"), []uint64{0, 1}, 4)
	if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
		t.Error("two plans of the same run differ")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--plan created %s", dir)
	}
	// 3 rings input/… : rings 1 + 2 β × 2 seeds × 3 (train, geometry,
	// topology); torus 1 + 2 × 2; MNIST 6 β × 2 seeds × (3 standard + 4
	// authors: train, isometry, attacks) + 2 × 2 instruments (autoattack,
	// certify); baselines per seed 6 strong
	// attacks of the LILs + adversarial training at each of 3 ε × 4
	// (train, strong attacks, autoattack, certify) + Jacobian, spectral
	// norm, 1-Lipschitz and TRADES at two knob values each (train,
	// autoattack, certify; strong attacks at the default knob only).
	if want := 13 + 5 + 6*2*(3+4+2*2) + 2*(6+3*4+4*(2*3+1)); len(a.Phases) != want {
		t.Errorf("%d phases, want %d", len(a.Phases), want)
	}
	seen := map[string]bool{}
	shardOf := map[string]int{}
	for _, ph := range a.Phases {
		if seen[ph.Name] {
			t.Errorf("phase %s listed twice", ph.Name)
		}
		seen[ph.Name] = true
		shardOf[ph.Name] = ph.Shard
		if ph.Shard < 0 || ph.Shard >= 4 || len(ph.Hash) != 64 || !(ph.Cost > 0) {
			t.Errorf("bad phase %+v", ph)
		}
	}
	for _, ph := range a.Phases {
		for _, n := range ph.Needs {
			if !seen[n] {
				t.Errorf("%s needs %s, which is not in the plan", ph.Name, n)
			} else if shardOf[n] != ph.Shard {
				t.Errorf("%s (shard %d) needs %s on shard %d", ph.Name, ph.Shard, n, shardOf[n])
			}
		}
		switch {
		case strings.HasSuffix(ph.Name, "/geometry") || strings.HasSuffix(ph.Name, "/topology") || strings.Contains(ph.Name, "/attack"):
			if want := ph.Name[:strings.LastIndex(ph.Name, "/")] + "/train"; !reflect.DeepEqual(ph.Needs, []string{want}) {
				t.Errorf("%s needs %v, want [%s]", ph.Name, ph.Needs, want)
			}
		case strings.HasSuffix(ph.Name, "/train") || strings.HasSuffix(ph.Name, "/input"):
			if len(ph.Needs) != 0 {
				t.Errorf("%s needs %v, want nothing", ph.Name, ph.Needs)
			}
		}
	}
	// The MNIST attacks of the standard models and their strong attacks
	// (baselines) need the same training phase.
	if shardOf["mnist/standard/beta=1/seed=0/strong-attacks"] != shardOf["mnist/standard/beta=1/seed=0/attack-standard"] {
		t.Error("a model's attacks are on different shards")
	}
	// Another seed list is another plan; the JSON form holds every field.
	if c := quickPlan(t, dir, []uint64{0, 2}, 4); reflect.DeepEqual(a.Phases, c.Phases) {
		t.Error("seeds 0,2 gave the plan of seeds 0,1")
	}
	js, _ := json.Marshal(a)
	for _, f := range []string{`"name"`, `"settings_hash"`, `"needs"`, `"shard"`, `"expected_cost"`, `"shard_cost"`} {
		if !strings.Contains(string(js), f) {
			t.Errorf("plan JSON lacks %s", f)
		}
	}
}

// TestPlanBalance: the shards' expected costs obey the longest-processing-
// time bound (at most 4/3 of the best possible split, which is at least
// the mean and at least the largest group), add up to the total, and with
// one shard everything is on shard 0.
func TestPlanBalance(t *testing.T) {
	for _, shards := range []int{1, 2, 3, 4, 7} {
		p := quickPlan(t, t.TempDir(), []uint64{0, 1, 2, 3, 4}, shards)
		groups := map[string]float64{}
		total := 0.0
		for _, ph := range p.Phases {
			groups[ph.Group] += ph.Cost
			total += ph.Cost
		}
		biggest, sum, worst := 0.0, 0.0, 0.0
		for _, c := range groups {
			biggest = max(biggest, c)
		}
		for _, c := range p.ShardCost {
			sum += c
			worst = max(worst, c)
		}
		if math.Abs(sum-total) > 1e-3*float64(len(p.Phases)) {
			t.Errorf("%d shards: shard costs add to %g, phases to %g", shards, sum, total)
		}
		bound := max(total/float64(shards), biggest)
		if worst > 4.0/3*bound+1e-9 {
			t.Errorf("%d shards: most loaded shard %g > 4/3 × %g", shards, worst, bound)
		}
		t.Logf("%d shards: %v (lower bound %.1f)", shards, p.ShardCost, bound)
	}
}

// TestPhaseCost checks the cost model on hand-computed cases.
func TestPhaseCost(t *testing.T) {
	cases := []struct {
		name, settings string
		want           float64
	}{
		{"rings/beta=0/seed=0/train", `{"train":{"epochs":10000,"beta":0}}`, 1.5 * 10},
		{"rings/beta=1/seed=0/train", `{"train":{"epochs":1000,"beta":1}}`, 1.5 * 2},
		{"mnist/standard/beta=0/seed=0/train", `{"data":{"train_subset":20000},"train":{"epochs":5}}`, 0.2 * 5 * 2},
		{"mnist/baseline/adv/seed=0/train", `{"data":{"train_subset":10000},"train":{"epochs":1,"method":"adv","adv_steps":10}}`, 0.2 * 11},
		{"mnist/authors/beta=0/seed=0/attack-standard", `{}`, 0.7},
		{"torus/seed=3/geometry", `{"Spec":{"train":{"epochs":1500}}}`, 16},
		{"fashion/beta=0/seed=0/train", `{"train":{"epochs":3000}}`, 3},
		{"fashion/beta=0/seed=0/pictures", `{}`, 1},
	}
	for _, c := range cases {
		if got := PhaseCost(c.name, json.RawMessage(c.settings)); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PhaseCost(%s) = %g, want %g", c.name, got, c.want)
		}
	}
}

// TestVersionOf: released, clean, dirty and VCS-less builds get the
// versions BuildVersion documents; a test binary gets "test".
func TestVersionOf(t *testing.T) {
	hash := func() string { return "89abcdef0123" }
	bi := func(v string, settings ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{Main: debug.Module{Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return b
	}
	rev := "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		bi   *debug.BuildInfo
		test bool
		want string
	}{
		{bi("v1.2.3"), false, "v1.2.3"},
		{bi("(devel)", "vcs.revision", rev, "vcs.modified", "false"), false, "rev 0123456789ab"},
		{bi("(devel)", "vcs.revision", rev, "vcs.modified", "true"), false, "rev 0123456789ab+dirty sha256 89abcdef0123"},
		{bi("(devel)"), false, "exe sha256 89abcdef0123"},
		{bi("(devel)", "vcs.revision", rev), true, "test"},
	}
	for _, c := range cases {
		if got := versionOf(c.bi, true, c.test, hash); got != c.want {
			t.Errorf("versionOf(%v) = %q, want %q", c.bi.Settings, got, c.want)
		}
	}
	if BuildVersion() != "test" {
		t.Errorf("BuildVersion() in a test = %q", BuildVersion())
	}
}

// TestPhaseVersion: a phase stored by another isonet version is
// recomputed, with the reason in the progress line; in ModeMerge it is an
// error unless AllowMixed.
func TestPhaseVersion(t *testing.T) {
	dir := t.TempDir()
	ran := 0
	do := func(e *Env) (int, error) {
		return doFunc(context.Background(), e, "x/train", map[string]int{"a": 1}, func(context.Context) (int, error) {
			ran++
			return 41 + ran, nil
		})
	}
	if v, err := do(&Env{Dir: dir, Version: "v1"}); err != nil || v != 42 {
		t.Fatal(v, err)
	}
	if v, err := do(&Env{Dir: dir, Version: "v1"}); err != nil || v != 42 || ran != 1 {
		t.Fatalf("same version: %d, %v, ran %d", v, err, ran)
	}
	var log strings.Builder
	if v, err := do(&Env{Dir: dir, Version: "v2", Log: &log}); err != nil || v != 43 || ran != 2 {
		t.Fatalf("other version: %d, %v, ran %d", v, err, ran)
	}
	if !strings.Contains(log.String(), "x/train: running (its stored result was computed by isonet v1, this is v2)") {
		t.Errorf("no reason for the recomputation in %q", log.String())
	}
	if _, err := do(&Env{Dir: dir, Version: "v3", Mode: ModeMerge}); err == nil || err.Error() != "phase x/train: its stored result was computed by isonet v2, this is v3 (ModeMerge computes nothing)" {
		t.Errorf("merge of another version: %v", err)
	}
	if v, err := do(&Env{Dir: dir, Version: "v3", Mode: ModeMerge, AllowMixed: true}); err != nil || v != 43 || ran != 2 {
		t.Errorf("merge with AllowMixed: %d, %v, ran %d", v, err, ran)
	}
	if _, err := doFunc(context.Background(), &Env{Dir: dir, Mode: ModeMerge}, "y", 1, func(context.Context) (int, error) { ran++; return 0, nil }); err == nil || ran != 2 {
		t.Errorf("merge of a missing phase: %v (ran %d)", err, ran)
	}
}

// TestPhaseLock: a phase held by another process is waited for, and its
// result reused rather than computed twice; a lock file left by a dead
// process is taken over.
func TestPhaseLock(t *testing.T) {
	dir := t.TempDir()
	e := &Env{Dir: dir, LockPoll: 10e6}
	path := e.PhasePath("p")
	os.MkdirAll(filepath.Dir(path), 0o755)
	held, _, err := lockPhase(context.Background(), e, "p", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	ran := 0
	go func() {
		v, err := doFunc(context.Background(), &Env{Dir: dir, LockPoll: 10e6}, "p", 1, func(context.Context) (int, error) { ran++; return 2, nil })
		if err != nil {
			t.Error(err)
		}
		done <- v
	}()
	time.Sleep(50 * time.Millisecond) // let the other process find the lock held
	// The holder stores the phase, then releases it.
	h := mustHash(t, 1)
	p := phase.Of("p", 1, nil, nil, func(context.Context, *phase.Inputs) (int, error) { return 7, nil })
	if _, err := (phase.Store{Dir: dir}).Save(p, h, "test", phase.Key(h, nil), 0, 7); err != nil {
		t.Fatal(err)
	}
	held.release()
	if v := <-done; v != 7 || ran != 0 {
		t.Errorf("the waiting process got %d and ran %d times, want the stored 7 and 0", v, ran)
	}
	// A stale lock file (no process holds its flock) is taken over.
	lp := strings.TrimSuffix(e.PhasePath("r"), ".json") + ".lock"
	os.WriteFile(lp, []byte("isonet-phase-lock pid=999999999 host=elsewhere since=2020-01-01T00:00:00Z\n"), 0o644)
	if v, err := doFunc(context.Background(), &Env{Dir: dir}, "r", 1, func(context.Context) (int, error) { return 5, nil }); err != nil || v != 5 {
		t.Errorf("stale lock: %d, %v", v, err)
	}
	if _, err := os.Stat(lp); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}

func mustHash(t *testing.T, v any) string {
	h, err := Hash(v)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
