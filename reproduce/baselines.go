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
	// MethodSpecNorm), each with the LILs' architecture, data and epochs.
	// PGD adversarial training is trained once per ε of Eps (step ε/4) and
	// each of those models is attacked at its own ε only: a model trained at
	// one budget and scored at another says more about the budget than the
	// method.
	Methods   []string `json:"methods"`
	AdvSteps  int      `json:"adv_steps"`
	JacLambda float64  `json:"jacobian_lambda"`
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
// DefaultAttackSubset test examples. quick shrinks the attacks too.
func DefaultBaselines(quick bool) BaselineOptions {
	o := BaselineOptions{MNIST: DefaultMNIST(quick), Methods: []string{train.MethodAdv, train.MethodJacobian, train.MethodSpecNorm},
		AdvSteps: train.DefaultAdvSteps, JacLambda: train.DefaultJacLambda,
		Eps: []float64{0.1, 0.2, 0.3}, KeyEps: 0.1, PGDSteps: 20, APGDSteps: 100, SquareQueries: 5000, AttackSubset: DefaultAttackSubset}
	if quick {
		o.APGDSteps, o.SquareQueries = 25, 100
	}
	return o
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
		if m != train.MethodAdv && m != train.MethodJacobian && m != train.MethodSpecNorm {
			return fmt.Errorf("baselines: method must be adv, jacobian or specnorm, got %q", m)
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
	Seed         uint64         `json:"seed"`
	Clean        float64        `json:"clean_accuracy"` // on the attacked examples
	Examples     int            `json:"examples"`
	TrainSeconds float64        `json:"train_seconds"`
	Dir          string         `json:"model_dir"`
	Budgets      []StrongBudget `json:"budgets"`
}

// Label names the run's method for tables.
func (r BaselineRun) Label() string { return methodLabel(r.Method, r.Beta, r.AdvEps) }

func methodLabel(method string, beta, advEps float64) string {
	switch method {
	case train.MethodAdv:
		return "PGD adversarial training at ε = " + num(advEps)
	case train.MethodJacobian:
		return "Jacobian regularisation"
	case train.MethodSpecNorm:
		return "spectral normalisation"
	}
	if beta == 0 {
		return "plain CE (LIL β = 0)"
	}
	return "LIL β = " + num(beta)
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
}

// BaselineSpec returns the training spec of a baseline: the standard
// protocol's β = 0 model with method's loss, batches or weights; advEps is
// adversarial training's ε (ignored by the other methods).
func BaselineSpec(e *Env, o BaselineOptions, method string, advEps float64, seed uint64) (train.Spec, error) {
	s := MNISTSpec(e, o.MNIST, Standard, 0, seed)
	if err := s.Train.SetMethod(method); err != nil {
		return s, err
	}
	switch method {
	case train.MethodAdv:
		s.Train.AdvEps, s.Train.AdvStep, s.Train.AdvSteps = advEps, advEps/4, o.AdvSteps
	case train.MethodJacobian:
		s.Train.JacLambda = o.JacLambda
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
// phases' names are the study's) or a baseline.
type baselineJob struct {
	name, method string
	beta, advEps float64
	eps          []float64
	spec         train.Spec
	seed         uint64
}

// baselineJobs lists the comparison's models, seed by seed.
func baselineJobs(e *Env, o BaselineOptions) ([]baselineJob, error) {
	var jobs []baselineJob
	study := o.MNIST.Info().Name
	for _, seed := range e.SeedList() {
		for _, beta := range o.MNIST.Betas {
			jobs = append(jobs, baselineJob{fmt.Sprintf("%s/%s/beta=%g/seed=%d", study, Standard, beta, seed), train.MethodLIL, beta, 0, o.Eps,
				MNISTSpec(e, o.MNIST, Standard, beta, seed), seed})
		}
		for _, m := range o.Methods {
			if m == train.MethodAdv {
				for _, eps := range o.Eps {
					spec, err := BaselineSpec(e, o, m, eps, seed)
					if err != nil {
						return nil, err
					}
					jobs = append(jobs, baselineJob{fmt.Sprintf("%s/baseline/%s-eps=%g/seed=%d", study, m, eps, seed), m, 0, eps, []float64{eps}, spec, seed})
				}
				continue
			}
			spec, err := BaselineSpec(e, o, m, 0, seed)
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, baselineJob{fmt.Sprintf("%s/baseline/%s/seed=%d", study, m, seed), m, 0, 0, o.Eps, spec, seed})
		}
	}
	return jobs, nil
}

// baselineExperiment declares the comparison: per model its training (the
// study's, for a LIL) and its strong attacks.
func baselineExperiment(e *Env, o BaselineOptions) (experiment, error) {
	if err := o.Validate(); err != nil {
		return experiment{}, err
	}
	jobs, err := baselineJobs(e, o)
	if err != nil {
		return experiment{}, err
	}
	var ps []phase.Phase
	for _, j := range jobs {
		ps = append(ps, trainPhase(e, j.name+"/train", j.spec), strongPhase(e, j.name+"/strong-attacks", j.spec, o, j.eps, j.method, j.beta, j.seed))
	}
	gather := func(done results, r *Results) error {
		res := &BaselineResults{Options: o}
		for _, j := range jobs {
			run := get[BaselineRun](done, j.name+"/strong-attacks")
			run.AdvEps = j.advEps
			res.Runs = append(res.Runs, run)
		}
		res.Table, res.Conclusion, res.PGDStep = res.Rows(), res.Verdict(), o.pgdStep()
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
		method       string
		beta, advEps float64
	}
	var order []key
	groups := map[key][]BaselineRun{}
	for _, run := range r.Runs {
		k := key{run.Method, run.Beta, run.AdvEps}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], run)
	}
	var rows []BaselineRow
	for _, k := range order {
		runs := groups[k]
		row := BaselineRow{Method: k.method, Beta: k.beta, AdvEps: k.advEps, Label: methodLabel(k.method, k.beta, k.advEps)}
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

// Markdown renders the comparison: the table at matched clean accuracy
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
		"\"Worst\" counts an example as robust only if no attack breaks it. Baselines: PGD adversarial training, trained at each ε it is scored at and scored at that ε only (%d steps of ε/4, random start), Jacobian regularisation (λ = %s, one projection), spectral normalisation of every layer; all trained like the LILs (width %d, depth %d, batch %d, %d epochs).\n\n",
		n, o.MNIST.Info().Title, o.PGDSteps, o.pgdStep(), o.APGDSteps, o.SquareQueries, o.AdvSteps, num(o.JacLambda), spec.Width, spec.Depth, spec.Train.Batch, o.MNIST.Epochs)
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
	b.WriteString("Robust accuracy under the worst of all attacks, at matched clean accuracy (rows sorted by clean accuracy):\n\n")
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
