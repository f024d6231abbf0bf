package reproduce

import (
	"context"
	"fmt"
	"time"
)

// Experiments lists what `reproduce all` runs, in order.
var Experiments = []string{"rings", "torus", "mnist"}

// Options chooses what a reproduce run does.
type Options struct {
	Experiments []string
	MNIST       MNISTOptions
	Rings       RingsOptions
	Torus       TorusOptions
	// Extended adds the checks beyond the paper: persistent homology of the
	// rings (and, with Baselines, the MNIST baselines under strong attacks).
	Extended bool
	// Baselines adds PGD adversarial training, Jacobian regularisation and
	// spectral normalisation to MNIST, all attacked (with the LILs) by
	// PGD, APGD-CE and Square.
	Baselines bool
	Command   string
}

// DefaultOptions returns the paper's settings for every experiment (quick:
// the reduced ones).
func DefaultOptions(quick bool) Options {
	return Options{Experiments: Experiments, MNIST: DefaultMNIST(quick), Rings: DefaultRings(quick), Torus: DefaultTorus(quick)}
}

// Run runs the chosen experiments into e.Dir and writes the report. Results
// of finished experiments are written even when a later one fails.
func Run(ctx context.Context, e *Env, o Options) (*Results, error) {
	start := time.Now()
	r := &Results{Command: o.Command, Quick: e.Quick, Seeds: e.Seeds, Started: start.UTC().Format(time.RFC3339), Machine: ThisMachine()}
	e.Plan(o.phaseCount(len(e.Seeds)))
	var runErr error
	for _, ex := range o.Experiments {
		t0 := time.Now()
		var err error
		switch ex {
		case "mnist":
			err = r.runMNIST(ctx, e, o.MNIST)
			if err == nil && o.Baselines {
				bo := DefaultBaselines(e.Quick)
				bo.MNIST = o.MNIST
				r.Baselines, err = Baselines(ctx, e, bo)
			}
		case "rings":
			r.Rings, err = Rings(ctx, e, o.Rings)
			if err == nil && o.Extended {
				r.RingsTopology, err = RingsTopology(ctx, e, o.Rings)
			}
		case "torus":
			r.Torus, err = Torus(ctx, e, o.Torus)
		default:
			err = fmt.Errorf("unknown experiment %q (want %v)", ex, Experiments)
		}
		if err != nil {
			runErr = err
			break
		}
		r.Sections = append(r.Sections, ex)
		r.PhaseSeconds = append(r.PhaseSeconds, PhaseTotal{Experiment: ex, Seconds: R4(time.Since(t0).Seconds())})
	}
	r.TotalSeconds = R4(time.Since(start).Seconds())
	r.Timings = e.Timings
	for i := range r.Timings {
		r.Timings[i].Seconds = R4(r.Timings[i].Seconds)
	}
	r.Claims = r.claims()
	if err := r.Write(e.Dir); err != nil {
		return r, err
	}
	return r, runErr
}

func (r *Results) runMNIST(ctx context.Context, e *Env, o MNISTOptions) error {
	res, err := MNIST(ctx, e, o)
	if err != nil {
		return err
	}
	sum, err := res.Summarize(e.Dir)
	if err != nil {
		return err
	}
	r.MNIST, r.MNISTSummary = res, sum
	return nil
}

// phaseCount estimates the number of phases the run will take, for the
// progress display's time estimate.
func (o Options) phaseCount(seeds int) int {
	n := 0
	for _, ex := range o.Experiments {
		switch ex {
		case "rings":
			n += 1 + 2*len(o.Rings.Betas)*seeds
			if o.Extended {
				n += len(o.Rings.Betas) * seeds
			}
		case "torus":
			n += 1 + 2*seeds
		case "mnist":
			for _, p := range o.MNIST.Protocols {
				per := 2
				if p == Authors {
					per = 3
				}
				n += per * len(o.MNIST.Betas) * seeds
			}
			if o.Baselines {
				n += (len(o.MNIST.Betas) + 2*3) * seeds
			}
		}
	}
	return n
}
