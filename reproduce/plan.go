package reproduce

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/isonet/isonet/internal/phase"
)

// PlannedPhase is one phase of a run as the plan lists it.
type PlannedPhase struct {
	Name string `json:"name"`
	Hash string `json:"settings_hash"`
	// Needs lists the phases whose results this one uses.
	Needs []string `json:"needs"`
	// Group is the unit a shard takes whole: a model's training phase and
	// every phase that needs it.
	Group string `json:"group"`
	// Cost is the expected cost in the units of CostModel (about seconds on
	// a busy 2-core machine at the --quick settings).
	Cost  float64 `json:"expected_cost"`
	Shard int     `json:"shard"`

	settings json.RawMessage
}

// Plan is every phase of a run and the shard that owns it.
type Plan struct {
	Shards    int            `json:"shards"`
	Phases    []PlannedPhase `json:"phases"`
	ShardCost []float64      `json:"shard_cost"` // expected cost per shard
	CostModel string         `json:"cost_model"`

	decls []phase.Phase // Phases' declarations (for Check)
}

// MakePlan lists every phase the run o would compute in e, from the
// experiments' declarations (Options.experiments) without calling any
// phase's function, creating or reading anything, and assigns each to one
// of shards shards. It is a pure function of the options, seeds and data
// folder: the same flags give the same plan on every machine and at every
// moment.
//
// A phase's needs are those it declares; a phase and the phases that need
// it, directly or not, form a group a shard takes whole: a model's
// training phase P/train and its measurements are the group P; a phase
// that needs none and trains nothing is a group of its own.
//
// Shards are balanced by expected cost (see PhaseCost): groups in
// decreasing order of cost (ties: in the order of the run) each go to the
// shard with the least expected cost so far (ties: the lowest index), the
// longest-processing-time rule, which is within 4/3 of the best split.
func MakePlan(ctx context.Context, e *Env, o Options, shards int) (*Plan, error) {
	if shards < 1 {
		return nil, fmt.Errorf("shards must be ≥ 1, got %d", shards)
	}
	all, err := Phases(e, o)
	if err != nil {
		return nil, err
	}
	return planOf(all, shards)
}

// Phases returns the phases the run o declares, in the order a run takes
// them (a phase several experiments read, such as a model the baselines
// compare, comes once per experiment). Declaring runs none of them.
func Phases(e *Env, o Options) ([]phase.Phase, error) {
	xs, err := o.experiments(e)
	if err != nil {
		return nil, err
	}
	var all []phase.Phase
	for _, x := range xs {
		all = append(all, x.phases...)
	}
	return all, nil
}

// planOf is the plan of the declared phases (a phase declared twice is
// listed once; both declarations must agree) in shards shards. It calls no
// phase's function.
func planOf(phases []phase.Phase, shards int) (*Plan, error) {
	if shards < 1 {
		return nil, fmt.Errorf("shards must be ≥ 1, got %d", shards)
	}
	if err := phase.Ordered(phases); err != nil {
		return nil, err
	}
	p := &Plan{Shards: shards, ShardCost: make([]float64, shards), CostModel: CostModel}
	idx := map[string]int{}
	for _, ph := range phases {
		h, err := phase.SettingsHash(ph.Settings)
		if err != nil {
			return nil, fmt.Errorf("phase %s: %w", ph.Name, err)
		}
		if i, ok := idx[ph.Name]; ok {
			if q := p.Phases[i]; q.Hash != h || !slices.Equal(q.Needs, ph.Needs) {
				return nil, fmt.Errorf("phase %s is declared twice, with other settings or needs", ph.Name)
			}
			continue
		}
		sb, _ := json.Marshal(ph.Settings)
		idx[ph.Name] = len(p.Phases)
		p.Phases = append(p.Phases, PlannedPhase{Name: ph.Name, Hash: h, Needs: append([]string{}, ph.Needs...), settings: sb})
		p.decls = append(p.decls, ph)
	}
	groupOf := map[string]string{}
	type group struct {
		name  string
		first int
		cost  float64
	}
	var groups []*group
	byName := map[string]*group{}
	for i := range p.Phases {
		ph := &p.Phases[i]
		ph.Group = rootGroup(ph.Name)
		if len(ph.Needs) > 0 {
			ph.Group = groupOf[ph.Needs[0]]
		}
		groupOf[ph.Name] = ph.Group
		ph.Cost = PhaseCost(ph.Name, ph.settings)
		g := byName[ph.Group]
		if g == nil {
			g = &group{name: ph.Group, first: i}
			byName[ph.Group] = g
			groups = append(groups, g)
		}
		g.cost += ph.Cost
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].cost > groups[j].cost })
	owner := map[string]int{}
	for _, g := range groups {
		best := 0
		for s := 1; s < shards; s++ {
			if p.ShardCost[s] < p.ShardCost[best] {
				best = s
			}
		}
		owner[g.name] = best
		p.ShardCost[best] += g.cost
	}
	for i := range p.Phases {
		p.Phases[i].Shard = owner[p.Phases[i].Group]
	}
	for i := range p.ShardCost {
		p.ShardCost[i] = r4(p.ShardCost[i])
	}
	return p, nil
}

// rootGroup names the group of a phase that needs none: a training phase's
// folder (P for P/train), any other phase's own name.
func rootGroup(name string) string {
	if dir, leaf := path.Split(name); leaf == "train" && dir != "" {
		return strings.TrimSuffix(dir, "/")
	}
	return name
}

// Owns returns whether shard of the plan owns each phase.
func (p *Plan) Owns(shard int) func(string) bool {
	mine := map[string]bool{}
	for _, ph := range p.Phases {
		if ph.Shard == shard {
			mine[ph.Name] = true
		}
	}
	return func(name string) bool { return mine[name] }
}

// Text renders the plan as the table --plan prints.
func (p *Plan) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d phases, %d shards; expected cost per shard:", len(p.Phases), p.Shards)
	for _, c := range p.ShardCost {
		fmt.Fprintf(&b, " %s", num(c))
	}
	b.WriteString("\n")
	w := len("phase")
	for _, ph := range p.Phases {
		w = max(w, len(ph.Name))
	}
	fmt.Fprintf(&b, "%-5s  %-*s  %-12s  %8s  %s\n", "shard", w, "phase", "settings", "cost", "needs")
	for _, ph := range p.Phases {
		needs := strings.Join(ph.Needs, ", ")
		if needs == "" {
			needs = "-"
		}
		fmt.Fprintf(&b, "%5d  %-*s  %-12s  %8s  %s\n", ph.Shard, w, ph.Name, ph.Hash[:12], num(r4(ph.Cost)), needs)
	}
	return b.String()
}

// CostModel documents PhaseCost.
const CostModel = "unit cost of the phase's kind (seconds measured on 2 cores at --quick settings), " +
	"times epochs ÷ the quick epochs for training phases, times 2 when β > 0 (the isometry term), " +
	"times the training examples ÷ 10000 where a subset is set, times adversarial steps + 1 for adversarial training"

// unitCost is the expected cost of a phase of each kind, in seconds of
// `isonet reproduce --quick --seeds 0,1` in one process on a busy 2-core
// machine (the mean of each kind's stored phase times). Training phases
// give the epochs it was measured at; they scale with the epochs of a
// phase's settings. Only the ratios matter for the split. The kinds of
// --extended (topology, strong attacks, baselines) are estimates.
var unitCost = map[string]struct {
	cost   float64
	epochs float64
}{
	"rings/input":            {0.2, 0},
	"rings/train":            {1.5, 1000},
	"rings/geometry":         {3.5, 0},
	"rings/topology":         {3.5, 0},
	"torus/input":            {0.7, 0},
	"torus/train":            {20, 1500},
	"torus/geometry":         {16, 0},
	"mnist/train":            {0.2, 1},
	"mnist/attack":           {0.7, 0},
	"mnist/strong-attacks":   {3, 0},
	"mnist/baseline/train":   {0.2, 1},
	"mnist/baseline/attacks": {3, 0},
}

// PhaseCost returns the expected cost of a phase from its name and
// settings (JSON), as CostModel says. Kinds not in the table cost 1, or
// for training phases 1 per 1000 epochs.
func PhaseCost(name string, settings json.RawMessage) float64 {
	parts := strings.Split(name, "/")
	leaf := parts[len(parts)-1]
	if strings.HasPrefix(leaf, "attack-") {
		leaf = "attack"
	}
	kind := parts[0] + "/" + leaf
	if len(parts) > 1 && parts[1] == "baseline" {
		kind = parts[0] + "/baseline/" + map[bool]string{true: "train", false: "attacks"}[leaf == "train"]
	}
	var s struct {
		Data struct {
			TrainSubset int `json:"train_subset"`
		} `json:"data"`
		Train struct {
			Beta     float64 `json:"beta"`
			Epochs   int     `json:"epochs"`
			Method   string  `json:"method"`
			AdvSteps int     `json:"adv_steps"`
		} `json:"train"`
	}
	json.Unmarshal(settings, &s)
	u, ok := unitCost[kind]
	if !ok {
		u.cost = 1
		if leaf == "train" {
			u.epochs = 1000
		}
	}
	c := u.cost
	if leaf == "train" && u.epochs > 0 && s.Train.Epochs > 0 {
		c *= float64(s.Train.Epochs) / u.epochs
		if s.Train.Beta > 0 {
			c *= 2
		}
		if s.Data.TrainSubset > 0 {
			c *= float64(s.Data.TrainSubset) / 10000
		}
		if s.Train.AdvSteps > 0 && strings.Contains(s.Train.Method, "adv") {
			c *= float64(s.Train.AdvSteps + 1)
		}
	}
	return c
}

// PhaseState says whether a planned phase is stored in the folder, by
// which isonet version, and whether it is intact.
type PhaseState struct {
	PlannedPhase
	Stored  bool   // stored with the planned settings hash
	Version string // the isonet version that stored it
	// Corrupt, for a stored phase, says why it cannot be used ("" when it
	// can): a file it recorded changed, vanished or cannot be read, or it
	// was computed from other results than those stored.
	Corrupt string
}

// Check reads the stored phases of the plan in e.Dir and verifies each as
// Do would (phase.Store.Load, whatever build stored it): its record, every
// file it recorded, and the results and data it read.
func (p *Plan) Check(e *Env) []PhaseState {
	store := phase.Store{Dir: e.Dir}
	done := map[string]phase.Done{}
	var out []PhaseState
	for i, ph := range p.Phases {
		st := PhaseState{PlannedPhase: ph}
		var needs []phase.Done
		inputsOK := true
		for _, n := range ph.Needs {
			d, ok := done[n]
			inputsOK = inputsOK && ok
			needs = append(needs, d)
		}
		decl := phase.Of[json.RawMessage](ph.Name, nil, ph.Needs, nil, nil)
		if i < len(p.decls) {
			decl.Data = p.decls[i].Data
		}
		inputs, err := phase.KeyInputs(decl, needs)
		if err != nil { // its data cannot be read: the merge will say so
			inputs, inputsOK = needs, false
		}
		f := store.Load(decl, ph.Hash, "", true, inputs)
		if f.Record != nil {
			st.Version = f.Record.Version
		}
		switch {
		case f.State == phase.Valid:
			st.Stored = true
			done[ph.Name] = phase.Done{Name: ph.Name, Key: f.Record.Key, Digest: f.Record.Digest()}
		case f.State == phase.Corrupt && f.Record == nil: // an unreadable record
			st.Stored, st.Corrupt = true, f.Why
		case f.State == phase.Corrupt, f.State == phase.Stale && inputsOK:
			st.Stored, st.Corrupt = true, f.Why
		case f.State == phase.Stale: // a phase it reads is missing or corrupt: that one is named
			st.Stored = true
		}
		out = append(out, st)
	}
	return out
}

// Versions returns the isonet versions of the stored phases, sorted, with
// how many phases each stored and the first of them.
func Versions(states []PhaseState) (versions []string, count map[string]int, example map[string]string) {
	count, example = map[string]int{}, map[string]string{}
	for _, s := range states {
		if !s.Stored {
			continue
		}
		if count[s.Version] == 0 {
			example[s.Version] = s.Name
			versions = append(versions, s.Version)
		}
		count[s.Version]++
	}
	slices.Sort(versions)
	return versions, count, example
}
