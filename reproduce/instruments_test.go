package reproduce

import (
	"context"
	"strings"
	"testing"

	"github.com/isonet/isonet/attack"
)

// TestInstruments: every study model gets the AutoAttack ensemble at each
// budget and CROWN at each radius, on the same test examples; the stored
// per-example outcome strings agree with the stored accuracies, each stage
// never raises the robust accuracy, and the instruments agree with each
// other: no example CROWN certifies at a radius is broken by an adversarial
// of the ensemble within that radius (the certified accuracy is at most the
// upper bound Within), and no certified example is misclassified clean.
func TestInstruments(t *testing.T) {
	o := tinyStudy(t)
	e := &Env{Dir: t.TempDir(), Quick: true, Seeds: []uint64{0}}
	r, err := MNIST(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	in := DefaultInstruments(o.Info(), true)
	if len(r.AutoAttack) != len(r.Models) || len(r.Certified) != len(r.Models) {
		t.Fatalf("%d models, %d AutoAttack results, %d certificates", len(r.Models), len(r.AutoAttack), len(r.Certified))
	}
	n := min(in.Subset, o.TestSubset)
	for i, aa := range r.AutoAttack {
		c := r.Certified[i]
		if aa.Beta != r.Models[i].Beta || c.Beta != aa.Beta || aa.Examples != n || c.Examples != n {
			t.Fatalf("model %d: β %g/%g/%g, %d and %d examples, want %d", i, r.Models[i].Beta, aa.Beta, c.Beta, aa.Examples, c.Examples, n)
		}
		if want := len(in.LinfEps) + len(in.L2Eps); len(aa.Runs) != want {
			t.Fatalf("β = %g: %d ensemble runs, want %d", aa.Beta, len(aa.Runs), want)
		}
		for _, run := range aa.Runs {
			if len(run.Outcomes) != n {
				t.Fatalf("β = %g %s: %d outcomes for %d examples", aa.Beta, normEps(run.Norm, run.Eps), len(run.Outcomes), n)
			}
			if got := r4(float64(strings.Count(run.Outcomes, "2")) / float64(n)); got != run.RobustAccuracy {
				t.Errorf("β = %g %s: outcomes say robust %g, stored %g", aa.Beta, normEps(run.Norm, run.Eps), got, run.RobustAccuracy)
			}
			if got := r4(float64(n-strings.Count(run.Outcomes, "0")) / float64(n)); got != run.Clean {
				t.Errorf("β = %g %s: outcomes say clean %g, stored %g", aa.Beta, normEps(run.Norm, run.Eps), got, run.Clean)
			}
			prev := run.Clean
			for _, st := range run.Stages {
				if st.Skipped == "" && st.RobustAccuracy > prev {
					t.Errorf("β = %g %s: stage %s raises robust accuracy %g → %g", aa.Beta, normEps(run.Norm, run.Eps), st.Attack, prev, st.RobustAccuracy)
				}
				prev = st.RobustAccuracy
			}
			if len(run.Stages) != 4 || run.Stages[len(run.Stages)-1].RobustAccuracy != run.RobustAccuracy {
				t.Errorf("β = %g %s: %d stages ending at %v, want the standard 4 ending at %g", aa.Beta, normEps(run.Norm, run.Eps), len(run.Stages), run.Stages, run.RobustAccuracy)
			}
		}
		clean := aa.Runs[0].Outcomes
		if len(c.Results) != len(in.CertLinf)+len(in.CertL2) || len(aa.Within) != len(c.Results) {
			t.Fatalf("β = %g: %d certificates, %d upper bounds", aa.Beta, len(c.Results), len(aa.Within))
		}
		certifiedSome := false
		for k, ce := range c.Results {
			w := aa.Within[k]
			if w.Norm != ce.Norm || w.Eps != ce.Eps {
				t.Fatalf("β = %g: certificate %d at %s, upper bound at %s", aa.Beta, k, normEps(ce.Norm, ce.Eps), w)
			}
			if ce.Accuracy > w.Accuracy {
				t.Errorf("β = %g %s: certified %g above the attack's upper bound %g", aa.Beta, w, ce.Accuracy, w.Accuracy)
			}
			if got := r4(float64(strings.Count(ce.Outcomes, "1")) / float64(n)); got != ce.Accuracy || len(ce.Outcomes) != n {
				t.Errorf("β = %g %s: outcomes say certified %g of %d, stored %g", aa.Beta, w, got, len(ce.Outcomes), ce.Accuracy)
			}
			for j := range ce.Outcomes {
				if ce.Outcomes[j] == '1' && clean[j] == '0' {
					t.Errorf("β = %g %s: example %d certified but misclassified clean", aa.Beta, w, j)
				}
			}
			certifiedSome = certifiedSome || ce.Accuracy > 0
		}
		if !certifiedSome {
			t.Errorf("β = %g: CROWN certified nothing at any radius", aa.Beta)
		}
		for _, ch := range aa.Runs[len(in.LinfEps)-1].Checks {
			if ch.Name == attack.CheckLargeBudget && !ch.Ran {
				t.Errorf("β = %g: the large-budget check did not run at the key budget: %s", aa.Beta, ch.Detail)
			}
		}
	}
}
