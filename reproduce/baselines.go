package reproduce

import (
	"context"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
	"github.com/isonet/isonet/verdict"
)

// BaselineOptions sets the scale of the comparison between LILs and the
// robustness baselines under the strongest attacks (issue 9).
type BaselineOptions struct {
	// MNIST must be the options of the study (MNIST or another IDX data
	// set, MNIST.Study) whose standard-protocol LIL models are compared:
	// with the same options (and seeds) their training phases are reused
	// from the store. Its Betas are the LILs compared; its Protocols are
	// ignored (the baselines and the attacks follow the standard protocol).
	MNIST MNISTOptions `json:"mnist"`
	// Methods are the baselines trained (train.MethodAdv, MethodJacobian,
	// MethodSpecNorm, MethodLipschitz, MethodTrades), each with the LILs'
	// width, depth, data and epochs. Each is swept along its own knob
	// (model.BaselineKnobs): PGD adversarial training once per ε of Eps
	// (step ε/4), every other method at each value of Knobs[method].
	// Adversarial training is attacked by the strong attacks at its own ε
	// only (a model trained at one budget and scored at another says more
	// about the budget than the method); the other methods are attacked
	// by them at their default knob (DefaultKnob) only, when it is among
	// their values. Every model of every sweep gets the study's instruments
	// (the AutoAttack ensemble and the certificates, instruments.go), and
	// those place it on the fronts (fronts.go).
	Methods  []string `json:"methods"`
	AdvSteps int      `json:"adv_steps"`
	// JacLambda is the Jacobian penalty's default knob (DefaultKnob).
	JacLambda float64 `json:"jacobian_lambda"`
	// Knobs are the values each method other than adversarial training is
	// trained at (its knob: model.BaselineKnobs).
	Knobs map[string][]float64 `json:"knobs,omitempty"`
	// Eps are the L∞ budgets every model is attacked at.
	Eps []float64 `json:"eps"`
	// KeyEps is the budget the verdict and the claims quote (one of Eps;
	// 0 = Eps[0]).
	KeyEps float64 `json:"key_eps,omitempty"`
	// PGDSteps is the PGD step count (random start, step 2.5·ε/steps as
	// Madry et al.), APGDSteps APGD-CE's iterations (random start), and
	// SquareQueries the Square attack's query budget.
	PGDSteps      int `json:"pgd_steps"`
	APGDSteps     int `json:"apgd_steps"`
	SquareQueries int `json:"square_queries"`
	// AttackSubset attacks only the first N examples of the test set the
	// MNIST options give (0 = all of them).
	AttackSubset int `json:"attack_subset,omitempty"`
}

// DefaultBaselines returns the comparison at the paper's training settings
// (those of DefaultMNIST(quick)) with the field's attack budgets: PGD-20,
// APGD-CE with 100 iterations, Square with 5000 queries (AutoAttack's
// budget for a worst-case check), at ε = 0.1, 0.2, 0.3, on the first
// DefaultAttackSubset test examples, every method swept along its knob
// (DefaultKnobs). quick shrinks the attacks and the sweeps too.
func DefaultBaselines(quick bool) BaselineOptions {
	o := BaselineOptions{MNIST: DefaultMNIST(quick),
		Methods:  []string{train.MethodAdv, train.MethodJacobian, train.MethodSpecNorm, train.MethodLipschitz, train.MethodTrades},
		AdvSteps: train.DefaultAdvSteps, JacLambda: train.DefaultJacLambda, Knobs: DefaultKnobs(quick),
		Eps: []float64{0.1, 0.2, 0.3}, KeyEps: 0.1, PGDSteps: 20, APGDSteps: 100, SquareQueries: 5000, AttackSubset: DefaultAttackSubset}
	if quick {
		o.APGDSteps, o.SquareQueries = 25, 100
	}
	return o
}

// DefaultKnobs returns each method's sweep, small so that the study stays
// affordable (each value is a model trained, attacked by the ensemble and
// certified), and spanning a decade or more around the method's default
// so that each method draws a line across the fronts:
//
//   - Jacobian λ: 0.01 (Hoffman et al.'s MNIST value, the default), 0.1,
//     1 (the penalty then dominates the loss);
//   - spectral normalisation's logit scale s: 1 (every layer σ = 1, the
//     margins crippled), 10, 100 (margins free, the Lipschitz bound
//     loose);
//   - the 1-Lipschitz network's margin (L2 radius aimed at): 0.5, 1 (the
//     default), 2 — train's measured AOL sweep spans the same range, from
//     more clean accuracy to more certified radius;
//   - TRADES β: 1 (the default), 3, 6 (the TRADES paper's MNIST and CIFAR
//     values are 1 and 6).
//
// quick keeps each method's default (DefaultKnob, the value the strong
// attacks' table shows) and its last value: two models per method.
// Adversarial training is swept over the study's budgets (Eps), the LILs
// over the study's β.
func DefaultKnobs(quick bool) map[string][]float64 {
	k := map[string][]float64{
		train.MethodJacobian:  {0.01, 0.1, 1},
		train.MethodSpecNorm:  {1, 10, 100},
		train.MethodLipschitz: {0.5, 1, 2},
		train.MethodTrades:    {1, 3, 6},
	}
	if quick {
		o := BaselineOptions{JacLambda: train.DefaultJacLambda}
		for m, v := range k {
			k[m] = []float64{o.DefaultKnob(m), v[len(v)-1]}
		}
	}
	return k
}

// DefaultKnob returns the knob value at which method is attacked by the
// strong attacks (the table of PGD, APGD-CE and Square): the method's
// default (JacLambda for the Jacobian penalty).
func (o BaselineOptions) DefaultKnob(method string) float64 {
	switch method {
	case train.MethodJacobian:
		return o.JacLambda
	case train.MethodSpecNorm:
		return 1
	case train.MethodLipschitz:
		return train.DefaultLipMargin
	case train.MethodTrades:
		return train.DefaultTradesBeta
	}
	return 0
}

// knobs returns the values method is trained at: Eps for adversarial
// training, Knobs[method] (or its default knob alone) otherwise.
func (o BaselineOptions) knobs(method string) []float64 {
	if method == train.MethodAdv {
		return o.Eps
	}
	if v, ok := o.Knobs[method]; ok && len(v) > 0 {
		return v
	}
	return []float64{o.DefaultKnob(method)}
}

// knobName names a method's knob in phase names and tables.
func knobName(method string) string {
	return map[string]string{train.MethodLIL: "β", train.MethodAdv: "ε", train.MethodJacobian: "λ", train.MethodSpecNorm: "scale",
		train.MethodLipschitz: "margin", train.MethodTrades: "β"}[method]
}

// knobSlug names a method's knob in phase names.
func knobSlug(method string) string {
	return map[string]string{train.MethodAdv: "eps", train.MethodJacobian: "lambda", train.MethodSpecNorm: "scale",
		train.MethodLipschitz: "margin", train.MethodTrades: "beta"}[method]
}

// DefaultAttackSubset is the number of test examples the strong attacks
// run on, as AutoAttack's quick evaluations do: Square with 5000 queries
// on every robust example of all 10,000 would take hours on two cores.
// Two standard errors of an accuracy on 1000 examples are at most 3.2
// points.
const DefaultAttackSubset = 1000

// DefaultFashionBaselines returns the comparison on Fashion-MNIST: the
// study of DefaultFashion(quick), attacked at ε = 0.05, 0.1 (the usual
// budget, quoted by the verdict) and 0.2.
func DefaultFashionBaselines(quick bool) BaselineOptions {
	o := DefaultBaselines(quick)
	o.MNIST, o.Eps, o.KeyEps = DefaultFashion(quick), []float64{0.05, 0.1, 0.2}, 0.1
	return o
}

// PGDStepScale sets the strong PGD's step to PGDStepScale·ε/steps (Madry
// et al.).
const PGDStepScale = 2.5

func (o BaselineOptions) pgdStep() string {
	return fmt.Sprintf("%s·ε/%d", num(PGDStepScale), o.PGDSteps)
}

// keyIndex returns the index of KeyEps in Eps (0 when it is not there).
func (o BaselineOptions) keyIndex() int {
	if i := slices.Index(o.Eps, o.KeyEps); i >= 0 {
		return i
	}
	return 0
}

// Validate checks the options.
func (o BaselineOptions) Validate() error {
	if err := o.MNIST.Validate(); err != nil {
		return err
	}
	for _, m := range o.Methods {
		if knobSlug(m) == "" {
			return fmt.Errorf("baselines: method must be adv, jacobian, specnorm, lipschitz or trades, got %q", m)
		}
	}
	for m, v := range o.Knobs {
		if knobSlug(m) == "" || m == train.MethodAdv {
			return fmt.Errorf("baselines: knobs for method %q (want jacobian, specnorm, lipschitz or trades; adversarial training is swept over the budgets)", m)
		}
		for _, k := range v {
			if !(k > 0) || math.IsInf(k, 0) {
				return fmt.Errorf("baselines: %s's knob values must be finite and > 0, got %g", m, k)
			}
		}
	}
	if len(o.Eps) == 0 {
		return fmt.Errorf("baselines: need at least one ε")
	}
	if o.KeyEps != 0 && !slices.Contains(o.Eps, o.KeyEps) {
		return fmt.Errorf("baselines: key ε %g is not among the budgets %v", o.KeyEps, o.Eps)
	}
	for _, e := range o.Eps {
		if !(e > 0 && e <= 1) {
			return fmt.Errorf("baselines: ε must be in (0, 1], got %g", e)
		}
	}
	if o.PGDSteps < 1 || o.APGDSteps < 1 || o.SquareQueries < 1 {
		return fmt.Errorf("baselines: PGD steps, APGD steps and Square queries must be ≥ 1")
	}
	if o.AttackSubset < 0 {
		return fmt.Errorf("baselines: attack subset must be ≥ 0, got %d", o.AttackSubset)
	}
	return nil
}

// StrongBudget is a model's robust accuracy at one ε under each strong
// attack, and under the worst of them per example (attack.WorstOf): an
// example counts as robust only if no attack breaks it.
type StrongBudget struct {
	Eps    float64 `json:"eps"`
	PGD    float64 `json:"pgd"`
	APGD   float64 `json:"apgd_ce"`
	Square float64 `json:"square"`
	Worst  float64 `json:"worst"`
}

// BaselineRun is one model (a LIL at some β, or a baseline) attacked with
// the strong attacks.
type BaselineRun struct {
	Method       string         `json:"method"`            // train.MethodLIL or a baseline
	Beta         float64        `json:"beta"`              // the LIL's β (0: plain CE)
	AdvEps       float64        `json:"adv_eps,omitempty"` // adversarial training's ε
	Knob         float64        `json:"knob,omitempty"`    // the knob of the other baselines (model.BaselineKnobs)
	Seed         uint64         `json:"seed"`
	Clean        float64        `json:"clean_accuracy"` // on the attacked examples
	Examples     int            `json:"examples"`
	TrainSeconds float64        `json:"train_seconds"`
	Dir          string         `json:"model_dir"`
	Budgets      []StrongBudget `json:"budgets"`
}

// Label names the run's method for tables.
func (r BaselineRun) Label() string { return methodLabel(r.Method, r.Beta, r.AdvEps, r.Knob) }

func methodLabel(method string, beta, advEps, knob float64) string {
	switch method {
	case train.MethodAdv:
		return "PGD adversarial training at ε = " + num(advEps)
	case train.MethodJacobian, train.MethodSpecNorm, train.MethodLipschitz, train.MethodTrades:
		if knob == 0 {
			return methodName(method)
		}
		return methodName(method) + ", " + knobName(method) + " = " + num(knob)
	}
	if beta == 0 {
		return "plain CE (LIL β = 0)"
	}
	return "LIL β = " + num(beta)
}

// methodName names a method in tables and figures.
func methodName(method string) string {
	return map[string]string{train.MethodLIL: "LIL", train.MethodAdv: "PGD adversarial training", train.MethodJacobian: "Jacobian regularisation",
		train.MethodSpecNorm: "spectral normalisation", train.MethodLipschitz: "1-Lipschitz MaxMin network", train.MethodTrades: "TRADES"}[method]
}

// BaselineResults is everything the comparison measured.
type BaselineResults struct {
	Options BaselineOptions `json:"options"`
	Runs    []BaselineRun   `json:"runs"`
	// Table is Rows() and Conclusion is Verdict(), kept with the runs so
	// that every number the report prints is in results.json.
	Table      []BaselineRow `json:"table"`
	Conclusion string        `json:"verdict"`
	// PGDStep is PGD's step, as the report prints it.
	PGDStep string `json:"pgd_step"`
	// Instrumented are the study's instruments (the AutoAttack ensemble
	// and the certificates) on every model of every sweep, LILs included,
	// seed by seed; Fronts the Pareto fronts drawn from them (fronts.go)
	// and Figures the fronts' figures (name → path relative to the output
	// folder, without .png/.svg).
	Instrumented []Instrumented    `json:"instrumented,omitempty"`
	Fronts       []Front           `json:"fronts,omitempty"`
	Figures      map[string]string `json:"front_figures,omitempty"`
	// Where is the plain-words paragraph read off the fronts: where the
	// LILs sit relative to hard-isometry networks and adversarial training.
	Where string `json:"where_lils_sit,omitempty"`
}

// BaselineSpec returns the training spec of a baseline: the standard
// protocol's β = 0 model with method's loss, batches, weights or
// activations (model.BaselineSpec) at the knob value knob (adversarial
// training's ε, the Jacobian λ, spectral normalisation's scale, the
// 1-Lipschitz margin, TRADES's β; 0: the method's default,
// o.DefaultKnob). Adversarial training takes o.AdvSteps steps.
func BaselineSpec(e *Env, o BaselineOptions, method string, knob float64, seed uint64) (train.Spec, error) {
	s := MNISTSpec(e, o.MNIST, Standard, 0, seed)
	if knob == 0 {
		knob = o.DefaultKnob(method)
	}
	s, err := model.BaselineSpec(s, method, knob)
	if err != nil {
		return s, err
	}
	if method == train.MethodAdv && o.AdvSteps > 0 {
		s.Train.AdvSteps = o.AdvSteps
	}
	return s, s.Validate()
}

// Baselines trains each baseline on the study's data and attacks it, and
// every LIL of the standard protocol (reusing the study's models), with
// PGD, APGD-CE and Square at every ε; adversarial training is trained at
// each ε and attacked at that ε.
func Baselines(ctx context.Context, e *Env, o BaselineOptions) (*BaselineResults, error) {
	r, err := runOne(ctx, e, func() (experiment, error) { return baselineExperiment(e, o) })
	if err != nil {
		return nil, err
	}
	if o.MNIST.Info().Name == "fashion" {
		return r.FashionBaselines, nil
	}
	return r.Baselines, nil
}

// baselineJob is one model of the comparison: a LIL of the study (its
// phases' names are the study's) or a baseline at one knob value. eps are
// the budgets of its strong attacks (none: it is not in the strong-attack
// table).
type baselineJob struct {
	name, method string
	beta, advEps float64
	knob         float64
	eps          []float64
	spec         train.Spec
	seed         uint64
}

// model returns the job as a study model (for the instruments' phases).
func (j baselineJob) model() studyModel {
	return studyModel{proto: Standard, beta: j.beta, seed: j.seed, name: j.name, spec: j.spec}
}

// baselineJobs lists the comparison's models, seed by seed: the study's
// LILs, then each method at each of its knob values.
func baselineJobs(e *Env, o BaselineOptions) ([]baselineJob, error) {
	var jobs []baselineJob
	study := o.MNIST.Info().Name
	for _, seed := range e.SeedList() {
		for _, beta := range o.MNIST.Betas {
			jobs = append(jobs, baselineJob{name: fmt.Sprintf("%s/%s/beta=%g/seed=%d", study, Standard, beta, seed), method: train.MethodLIL, beta: beta,
				knob: beta, eps: o.Eps, spec: MNISTSpec(e, o.MNIST, Standard, beta, seed), seed: seed})
		}
		for _, m := range o.Methods {
			for _, k := range o.knobs(m) {
				spec, err := BaselineSpec(e, o, m, k, seed)
				if err != nil {
					return nil, err
				}
				j := baselineJob{name: fmt.Sprintf("%s/baseline/%s-%s=%g/seed=%d", study, m, knobSlug(m), k, seed), method: m, knob: k, spec: spec, seed: seed}
				switch {
				case m == train.MethodAdv:
					j.advEps, j.eps = k, []float64{k}
				case k == o.DefaultKnob(m):
					j.eps = o.Eps
				}
				jobs = append(jobs, j)
			}
		}
	}
	return jobs, nil
}

// baselineExperiment declares the comparison: per model its training (the
// study's, for a LIL), its strong attacks (the models of the strong-attack
// table) and the study's instruments (the LILs': the study's own phases).
func baselineExperiment(e *Env, o BaselineOptions) (experiment, error) {
	if err := o.Validate(); err != nil {
		return experiment{}, err
	}
	jobs, err := baselineJobs(e, o)
	if err != nil {
		return experiment{}, err
	}
	in := o.MNIST.instruments(e.Quick)
	var ps []phase.Phase
	for _, j := range jobs {
		ps = append(ps, trainPhase(e, j.name+"/train", j.spec))
		if len(j.eps) > 0 {
			ps = append(ps, strongPhase(e, j.name+"/strong-attacks", j.spec, o, j.eps, j.method, j.beta, j.seed))
		}
		ps = append(ps, baselineInstrumentPhases(e, j, o.MNIST, in)...)
	}
	gather := func(done results, r *Results) error {
		res := &BaselineResults{Options: o}
		for _, j := range jobs {
			if len(j.eps) > 0 {
				run := get[BaselineRun](done, j.name+"/strong-attacks")
				run.AdvEps = j.advEps
				if j.method != train.MethodLIL && j.method != train.MethodAdv {
					run.Knob = j.knob
				}
				res.Runs = append(res.Runs, run)
			}
			res.Instrumented = append(res.Instrumented, Instrumented{Method: j.method, Knob: j.knob, Seed: j.seed,
				AutoAttack: get[MNISTAutoAttack](done, j.name+"/autoattack"), Certified: get[MNISTCertified](done, j.name+"/certify")})
		}
		res.Table, res.Conclusion, res.PGDStep = res.Rows(), res.Verdict(), o.pgdStep()
		if err := res.computeFronts(e.Dir); err != nil {
			return err
		}
		if o.MNIST.Info().Name == "fashion" {
			r.FashionBaselines = res
		} else {
			r.Baselines = res
		}
		return nil
	}
	return experiment{name: o.MNIST.Info().Name, phases: ps, gather: gather}, nil
}

// strongSettings is what determines an attack phase's result.
type strongSettings struct {
	Spec          train.Spec
	Eps           []float64
	PGDSteps      int
	APGDSteps     int
	SquareQueries int
	AttackSubset  int
}

// strongConfigs returns the attacks run at ε: PGD with random start and
// step 2.5·ε/steps, APGD-CE with random start, Square.
func strongConfigs(o BaselineOptions, eps float64, seed uint64) []attack.Config {
	return []attack.Config{
		{Attack: attack.AttackPGD, Norm: attack.NormInf, Eps: eps, Step: PGDStepScale * eps / float64(o.PGDSteps), Steps: o.PGDSteps, RandomStart: true, Seed: seed},
		{Attack: attack.AttackAPGD, Norm: attack.NormInf, Eps: eps, Steps: o.APGDSteps, RandomStart: true, Seed: seed},
		{Attack: attack.AttackSquare, Norm: attack.NormInf, Eps: eps, Steps: o.SquareQueries, Seed: seed},
	}
}

// strongPhase declares the strong attacks on a model (trained by
// prefix/train, name being prefix/strong-attacks) at every ε of epsList.
func strongPhase(e *Env, name string, spec train.Spec, o BaselineOptions, epsList []float64, method string, beta float64, seed uint64) phase.Phase {
	settings := strongSettings{spec, epsList, o.PGDSteps, o.APGDSteps, o.SquareQueries, o.AttackSubset}
	trainName := path.Dir(name) + "/train"
	return phase.Of(name, settings, []string{trainName}, nil, func(ctx context.Context, in *phase.Inputs) (BaselineRun, error) {
		tr, err := phase.Input[Trained](in, trainName)
		if err != nil {
			return BaselineRun{}, err
		}
		m, err := model.Load(in.Path(tr.Dir))
		if err != nil {
			return BaselineRun{}, err
		}
		_, te, err := e.Data(spec.Data)
		if err != nil {
			return BaselineRun{}, err
		}
		x, y := te.X, te.Y()
		if n := o.AttackSubset; n > 0 && n < x.Rows {
			x, y = rowsOf(x, n), y[:n]
		}
		run := BaselineRun{Method: method, Beta: beta, Seed: seed, Examples: x.Rows, TrainSeconds: r4(tr.Result.Seconds), Dir: tr.Dir}
		am := train.NewAttackModel(m.Net(), train.CrossEntropy())
		for _, eps := range epsList {
			var rs []attack.Result
			for _, cfg := range strongConfigs(o, eps, seed) {
				if err := ctx.Err(); err != nil {
					return run, err
				}
				r, err := attack.RobustAccuracyContext(ctx, am, x, y, cfg)
				if err != nil {
					return run, err
				}
				e.Logf("%s: %s ε = %g: robust accuracy %.4f", name, cfg.Attack, eps, r.Accuracy)
				rs = append(rs, r)
			}
			run.Clean = r4(rs[0].Clean)
			run.Budgets = append(run.Budgets, StrongBudget{Eps: eps, PGD: r4(rs[0].Accuracy), APGD: r4(rs[1].Accuracy),
				Square: r4(rs[2].Accuracy), Worst: r4(attack.WorstOf(rs...))})
		}
		return run, nil
	})
}

// BaselineRow is one method (a LIL at one β, or a baseline) over the seeds.
type BaselineRow struct {
	Method string  `json:"method"`
	Beta   float64 `json:"beta"`
	AdvEps float64 `json:"adv_eps,omitempty"`
	Knob   float64 `json:"knob,omitempty"`
	Label  string  `json:"label"`
	Clean  Stat    `json:"clean_accuracy"`
	// PGD, APGD, Square and Worst are per ε, in the options' order (N = 0
	// at an ε the model was not attacked at).
	PGD    []Stat `json:"pgd"`
	APGD   []Stat `json:"apgd_ce"`
	Square []Stat `json:"square"`
	Worst  []Stat `json:"worst"`
}

// Rows returns one row per method and β, averaged over seeds, sorted by
// clean accuracy (highest first), so that methods of equal clean accuracy
// stand side by side.
func (r *BaselineResults) Rows() []BaselineRow {
	type key struct {
		method             string
		beta, advEps, knob float64
	}
	var order []key
	groups := map[key][]BaselineRun{}
	for _, run := range r.Runs {
		k := key{run.Method, run.Beta, run.AdvEps, run.Knob}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], run)
	}
	var rows []BaselineRow
	for _, k := range order {
		runs := groups[k]
		row := BaselineRow{Method: k.method, Beta: k.beta, AdvEps: k.advEps, Knob: k.knob, Label: methodLabel(k.method, k.beta, k.advEps, k.knob)}
		row.Clean = newStat(collectRuns(runs, func(b BaselineRun) float64 { return b.Clean }))
		for _, eps := range r.Options.Eps {
			at := func(f func(StrongBudget) float64) Stat {
				var v []float64
				for _, run := range runs {
					for _, b := range run.Budgets {
						if b.Eps == eps {
							v = append(v, f(b))
						}
					}
				}
				if len(v) == 0 {
					return Stat{} // not attacked at this ε: printed as "–"
				}
				return newStat(v)
			}
			row.PGD = append(row.PGD, at(func(s StrongBudget) float64 { return s.PGD }))
			row.APGD = append(row.APGD, at(func(s StrongBudget) float64 { return s.APGD }))
			row.Square = append(row.Square, at(func(s StrongBudget) float64 { return s.Square }))
			row.Worst = append(row.Worst, at(func(s StrongBudget) float64 { return s.Worst }))
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b BaselineRow) int {
		switch {
		case a.Clean.Mean > b.Clean.Mean:
			return -1
		case a.Clean.Mean < b.Clean.Mean:
			return 1
		}
		return 0
	})
	return rows
}

func collectRuns(runs []BaselineRun, f func(BaselineRun) float64) []float64 {
	v := make([]float64, 0, len(runs))
	for _, r := range runs {
		v = append(v, f(r))
	}
	return v
}

// frac prints a Stat as a fraction (mean, and ± sd over seeds), exactly as
// results.json's table holds it.
func frac(s Stat) string {
	if s.N == 0 || math.IsNaN(s.Mean) {
		return "–"
	}
	return s.String()
}

// pct prints a Stat's mean as a percentage with one decimal (and ± sd),
// for the verdict sentence.
func pct(s Stat) string {
	if s.N == 0 || math.IsNaN(s.Mean) {
		return "–"
	}
	out := fmt.Sprintf("%.1f %%", 100*s.Mean)
	if s.N > 1 {
		out += fmt.Sprintf(" ± %.1f", 100*s.SD)
	}
	return out
}

// Markdown renders the comparison: the table sorted by clean accuracy
// (worst-of-all robust accuracy per ε, rows sorted by clean accuracy), each
// attack's numbers, and a closing sentence on the paper's claim.
func (r *BaselineResults) Markdown() string {
	o := r.Options
	rows := r.Table
	if rows == nil {
		rows = r.Rows()
	}
	spec := mnistSpec()
	var b strings.Builder
	n := 0
	if len(r.Runs) > 0 {
		n = r.Runs[0].Examples
	}
	fmt.Fprintf(&b, "Every model attacked on %d %s test examples under L∞: PGD-%d (random start, step %s), APGD-CE (%d iterations, random start; Croce & Hein 2020) and the gradient-free Square attack (%d queries, as in AutoAttack; Andriushchenko et al. 2020). "+
		"\"Worst\" counts an example as robust only if no attack breaks it. Baselines: PGD adversarial training, trained at each ε it is scored at and scored at that ε only (%d steps of ε/4, random start), and at their default knob Jacobian regularisation (λ = %s, one projection), spectral normalisation of every layer (logit scale 1), the 1-Lipschitz MaxMin network with orthogonal layers (margin %s) and TRADES (β = %s); all trained like the LILs (width %d, depth %d, batch %d, %d epochs). The other knob values are judged by the study's instruments only (the fronts below).\n\n",
		n, o.MNIST.Info().Title, o.PGDSteps, o.pgdStep(), o.APGDSteps, o.SquareQueries, o.AdvSteps, num(o.JacLambda), num(train.DefaultLipMargin), num(train.DefaultTradesBeta), spec.Width, spec.Depth, spec.Train.Batch, o.MNIST.Epochs)
	header := []string{"method", "clean"}
	for _, eps := range o.Eps {
		header = append(header, "worst ε = "+num(eps))
	}
	var tab [][]string
	for _, row := range rows {
		line := []string{row.Label, frac(row.Clean)}
		for i := range o.Eps {
			line = append(line, frac(row.Worst[i]))
		}
		tab = append(tab, line)
	}
	b.WriteString("Robust accuracy under the worst of all attacks, rows sorted by clean accuracy (a sort is not a comparison at equal clean accuracy: that is read off the fronts below):\n\n")
	b.WriteString(report.MarkdownTable(header, tab))
	b.WriteString("\nEach attack separately:\n\n")
	tab = nil
	for _, row := range rows {
		for i, eps := range o.Eps {
			if row.Worst[i].N == 0 {
				continue
			}
			tab = append(tab, []string{row.Label, num(eps), frac(row.Clean), frac(row.PGD[i]), frac(row.APGD[i]), frac(row.Square[i]), frac(row.Worst[i])})
		}
	}
	b.WriteString(report.MarkdownTable([]string{"method", "ε", "clean", fmt.Sprintf("PGD-%d", o.PGDSteps), "APGD-CE", "Square", "worst"}, tab))
	b.WriteString("\n")
	b.WriteString(r.frontsMarkdown())
	if r.Conclusion == "" {
		r.Conclusion = r.Verdict()
	}
	b.WriteString(r.Conclusion)
	b.WriteString("\n")
	return b.String()
}

// Verdict is one sentence, computed from the table at the key ε, on the
// paper's claim that LILs are more robust: is the most robust LIL with
// β > 0 better than plain CE by the rule of the claims table (lilGain:
// every β against plain CE, Holm-corrected), and does one match
// adversarial training at equal clean accuracy by the claims table's
// equivalence test (advMatch)?
func (r *BaselineResults) Verdict() string {
	rows := r.Rows()
	if len(rows) == 0 || len(r.Options.Eps) == 0 {
		return "No models were attacked."
	}
	k := r.Options.keyIndex()
	var adv *BaselineRow
	for i := range rows {
		if rows[i].Method == train.MethodAdv && rows[i].Worst[k].N > 0 {
			adv = &rows[i]
		}
	}
	ce, best, iv, v, ok := r.lilGain(rows)
	if best == nil {
		return "No LIL with β > 0 was attacked, so the table cannot speak to the paper's claim."
	}
	s := fmt.Sprintf("At ε = %s under the worst of all attacks, the most robust LIL (β = %s, clean %s) keeps %s of the test examples",
		num(r.Options.Eps[k]), num(best.Beta), pct(best.Clean), pct(best.Worst[k]))
	gain := false
	if ce != nil && ok {
		gain = v.Outcome == verdict.Holds
		s += fmt.Sprintf(" against %s for plain CE (clean %s), a difference of %+.1f points (%s %+.1f to %+.1f; %s): the gain %s",
			pct(ce.Worst[k]), pct(ce.Clean), 100*iv.Estimate, levelOf(iv), 100*iv.Lo, 100*iv.Hi, iv.Basis, v.Text)
	}
	match := false
	if am, ok := r.advMatch(rows); ok {
		match = am.v.Outcome == verdict.Holds
		s += fmt.Sprintf(", while PGD adversarial training at ε = %s (clean %s) keeps %s and %s", num(am.adv.AdvEps), pct(am.adv.Clean), pct(am.adv.Worst[k]), am.Words())
	} else if adv != nil {
		s += fmt.Sprintf(", while PGD adversarial training at ε = %s (clean %s) keeps %s", num(adv.AdvEps), pct(adv.Clean), pct(adv.Worst[k]))
	}
	switch {
	case gain && match:
		s += ", so the table supports the paper's claim: a LIL beats plain CE and matches adversarial training at equal clean accuracy."
	case gain && adv != nil:
		s += ", so the table shows a robustness gain of LILs over plain CE, but not one that rivals adversarial training."
	case gain:
		s += ", so the table shows a robustness gain of LILs over plain CE."
	case ok && v.Outcome == verdict.NotResolved:
		s += fmt.Sprintf(", so the table cannot tell with %d seed%s whether isometry buys robustness.", v.Seeds, map[bool]string{true: "", false: "s"}[v.Seeds == 1])
	default:
		s += ", so the table does not support the paper's claim that isometry buys robustness."
	}
	return s
}

// rowsOf returns the first n rows of x, sharing its memory.
func rowsOf(x *tensor.Mat, n int) *tensor.Mat {
	return tensor.FromSlice(n, x.Cols, x.Data[:n*x.Cols])
}
