package reproduce

import (
	"context"
	"fmt"
	"slices"

	"github.com/isonet/isonet/internal/phase"
)

// experiment is one experiment of a run, declared as data: the folders it
// draws into, its phases in the order a run takes them, and how its results
// are gathered from theirs. Declaring an experiment runs none of its code:
// the plan, the shards and the progress count read the declarations.
type experiment struct {
	name   string
	dirs   []string
	phases []phase.Phase
	// gather fills r from the results of every phase (by name); it runs
	// only when this process did them all.
	gather func(done results, r *Results) error
}

// results holds the phases' results by name.
type results map[string]any

// get returns the result of phase name as a T (the zero T when there is
// none).
func get[T any](done results, name string) T {
	v, _ := done[name].(T)
	return v
}

// join returns the experiment doing x's phases, then y's, and gathering
// both.
func join(x, y experiment) experiment {
	return experiment{name: x.name, dirs: append(slices.Clone(x.dirs), y.dirs...),
		phases: append(slices.Clone(x.phases), y.phases...),
		gather: func(done results, r *Results) error {
			if err := x.gather(done, r); err != nil {
				return err
			}
			return y.gather(done, r)
		}}
}

// experiments declares the experiments of the run o, in o's order.
func (o Options) experiments(e *Env) ([]experiment, error) {
	var xs []experiment
	for _, ex := range o.Experiments {
		x, err := o.experiment(e, ex)
		if err != nil {
			return nil, err
		}
		if onDeclare != nil {
			onDeclare(&x)
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// onDeclare, when not nil, sees every experiment experiments declares, and
// may change it (a test replaces the phases' functions).
var onDeclare func(x *experiment)

// experiment declares experiment ex of the run o.
func (o Options) experiment(e *Env, ex string) (experiment, error) {
	switch ex {
	case "rings":
		x, err := ringsExperiment(e, o.Rings)
		if err != nil || !o.Extended {
			return x, err
		}
		y, err := topologyExperiment(e, o.Rings)
		if err != nil {
			return x, err
		}
		return join(x, y), nil
	case "torus":
		return torusExperiment(e, o.Torus)
	case "mnist", "fashion":
		so, bo := o.MNIST, DefaultBaselines(e.Quick)
		if ex == "fashion" {
			so, bo = o.Fashion, DefaultFashionBaselines(e.Quick)
		}
		x, err := studyExperiment(e, so)
		if err != nil {
			return x, err
		}
		// The summary (its figures) and, for a study with one, the image
		// grid, from the study's results.
		x = join(x, experiment{gather: func(done results, r *Results) error {
			res, sum := studyOf(r, so)
			var err error
			if *sum, err = (*res).Summarize(e.Dir); err != nil || ex != "fashion" {
				return err
			}
			r.FashionGrid, err = DrawGrid(e, so, *res, *sum)
			return err
		}})
		if ex == "mnist" && !o.Baselines {
			return x, nil
		}
		bo.MNIST = so
		y, err := baselineExperiment(e, bo)
		if err != nil {
			return x, err
		}
		return join(x, y), nil
	}
	return experiment{}, fmt.Errorf("unknown experiment %q (want %v)", ex, Experiments)
}

// studyOf returns the fields of r that hold the study o's results and
// summary.
func studyOf(r *Results, o MNISTOptions) (**MNISTResults, **MNISTSummary) {
	if o.Info().Name == "fashion" {
		return &r.Fashion, &r.FashionSummary
	}
	return &r.MNIST, &r.MNISTSummary
}

// runExperiment makes x's folders, does its phases in order (Do) and,
// unless the process does only some phases (a shard), gathers its results
// into r.
func (e *Env) runExperiment(ctx context.Context, x experiment, r *Results) error {
	for _, d := range x.dirs {
		if err := e.Mkdir(d); err != nil {
			return err
		}
	}
	done := results{}
	for _, p := range x.phases {
		res, err := e.doPhase(ctx, p)
		if err != nil {
			return err
		}
		done[p.Name] = res
	}
	if e.Partial() {
		return nil
	}
	return x.gather(done, r)
}

// runOne declares one experiment with decl, runs it in e and returns what
// it gathered into a Results.
func runOne(ctx context.Context, e *Env, decl func() (experiment, error)) (*Results, error) {
	x, err := decl()
	if err != nil {
		return nil, err
	}
	var r Results
	return &r, e.runExperiment(ctx, x, &r)
}
