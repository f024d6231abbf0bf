package reproduce

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Experiments lists what `reproduce all` runs, in order.
var Experiments = []string{"rings", "torus", "mnist"}

// Options chooses what a reproduce run does.
type Options struct {
	Experiments []string
	MNIST       MNISTOptions
	Rings       RingsOptions
	Command     string
}

// Run runs the chosen experiments into e.Dir and writes the report. Results
// of finished experiments are written even when a later one fails.
func Run(ctx context.Context, e *Env, o Options) (*Results, error) {
	start := time.Now()
	r := &Results{Command: o.Command, Quick: e.Quick, Seeds: e.Seeds, Started: start.UTC().Format(time.RFC3339), Machine: ThisMachine()}
	var runErr error
	for _, ex := range o.Experiments {
		t0 := time.Now()
		var err error
		switch ex {
		case "mnist":
			err = r.runMNIST(ctx, e, o.MNIST)
		case "rings":
			r.Rings, err = Rings(ctx, e, o.Rings)
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

// claims sets the paper's claims beside the measurements that exist.
func (r *Results) claims() []Claim {
	var c []Claim
	if s := r.MNISTSummary; s != nil {
		for _, row := range s.Table1 {
			if row.Beta != 0 && row.Beta != 10 {
				continue
			}
			m := row.Standard
			holds := "no"
			if m.N > 0 && m.Mean >= row.Paper-0.01 {
				holds = "yes"
			}
			c = append(c, Claim{Claim: fmt.Sprintf("MNIST clean accuracy at β = %s (Table 1)", Num(row.Beta)), Paper: Num(row.Paper),
				Measured: m.String() + " (standard) / " + row.Authors.String() + " (authors)", Holds: holds})
		}
		fg := slices.Index(s.KeyPoints, 0.1)
		for _, proto := range []string{Standard, Authors} {
			var first, last *KeyRow
			for i := range s.Keys {
				if s.Keys[i].Protocol == proto {
					if first == nil {
						first = &s.Keys[i]
					}
					last = &s.Keys[i]
				}
			}
			if first == nil || first == last || fg < 0 {
				continue
			}
			d := R4(last.FGSM[fg].Mean - first.FGSM[fg].Mean)
			holds := "no"
			if d > 0.01 {
				holds = "yes"
			}
			c = append(c, Claim{Claim: "robustness rises with β (FGSM ε = 0.1), " + proto + " protocol", Paper: "yes (Fig. 3)",
				Measured: fmt.Sprintf("%s at β = %s → %s at β = %s", Num(first.FGSM[fg].Mean), Num(first.Beta), Num(last.FGSM[fg].Mean), Num(last.Beta)), Holds: holds})
		}
	}
	return c
}
