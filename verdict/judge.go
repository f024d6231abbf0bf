package verdict

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Margin is the equivalence margin of a "matches" claim between two
// methods' accuracies: two points.
const Margin = 0.02

// Relation is how one method compares with another, from the interval of
// the difference (this one minus the other) and a margin.
type Relation string

// The relations Compare decides.
const (
	Same       Relation = "matches"      // the whole interval lies within ± margin
	Better     Relation = "better"       // the interval excludes 0 above, and is not within the margin
	Worse      Relation = "worse"        // the interval excludes 0 below, and is not within the margin
	Unresolved Relation = "not resolved" // none of these
)

// Compare decides the relation of a difference iv to 0 with an
// equivalence margin: Same only when the whole interval lies within
// [−margin, +margin] (an interval that straddles 0 but reaches past the
// margin is not a match: absence of evidence is not equivalence); else
// Better or Worse when it excludes 0; else Unresolved.
func Compare(iv Interval, margin float64) Relation {
	switch {
	case iv.Lo >= -margin && iv.Hi <= margin:
		return Same
	case iv.Lo > 0:
		return Better
	case iv.Hi < 0:
		return Worse
	}
	return Unresolved
}

// Equivalent judges the claim "the two methods match within ± margin"
// from the interval of their difference: holds when Compare says Same;
// does not hold when the interval lies wholly beyond the margin (detail
// "better" or "worse"); otherwise not resolved, with the relation as
// detail when the interval excludes 0 but still reaches inside the margin.
func Equivalent(iv Interval, margin float64) Verdict {
	switch r := Compare(iv, margin); {
	case r == Same:
		return decide(Holds, iv.Seeds, "within ± "+num(margin)[1:])
	case iv.Lo > margin:
		return decide(DoesNotHold, iv.Seeds, "better by more than the margin")
	case iv.Hi < -margin:
		return decide(DoesNotHold, iv.Seeds, "worse by more than the margin")
	case r != Unresolved:
		return decide(NotResolved, iv.Seeds, string(r)+", but not beyond the margin")
	}
	return decide(NotResolved, iv.Seeds, "")
}

// NonInferior judges the claim "this method is not worse than the other by
// more than margin": holds when the interval's lower end is above
// −margin, does not hold when its upper end is below −margin, otherwise
// not resolved.
func NonInferior(iv Interval, margin float64) Verdict {
	iv.Lo, iv.Hi = iv.Lo+margin, iv.Hi+margin
	return Directional(iv, Increase)
}

// Holm returns which of the hypotheses with two-sided p-values p Holm's
// step-down procedure rejects at family-wise error rate alpha, and the
// Holm-adjusted p-values (reject[i] ⇔ adjusted[i] ≤ alpha): sorted
// increasingly, the i-th smallest (from 0) is compared with
// alpha/(len(p) − i), stopping at the first that is not rejected.
func Holm(p []float64, alpha float64) (reject []bool, adjusted []float64) {
	k := len(p)
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	reject, adjusted = make([]bool, k), make([]float64, k)
	run := 0.0
	for r, i := range idx {
		run = max(run, min(1, float64(k-r)*p[i]))
		adjusted[i] = run
		reject[i] = run <= alpha
	}
	return reject, adjusted
}

// Member is one comparison of a family: its name and its interval at any
// level (Interval(0.95) is its 95 % interval).
type Member struct {
	Name     string
	Interval func(conf float64) Interval
}

// Judged is a family member's decision.
type Judged struct {
	Name string `json:"name"`
	// Interval is the member's simultaneous interval: at level
	// 1 − alpha/len(family) (Bonferroni), which contains the interval Holm
	// decides on.
	Interval Interval `json:"interval"`
	// P is the two-sided p-value dual to the interval method; Adjusted its
	// Holm adjustment.
	P        float64 `json:"p"`
	Adjusted float64 `json:"p_holm"`
	Verdict  Verdict `json:"verdict"`
}

// Family names a set of comparisons judged together and the correction
// that holds their family-wise error rate at Alpha.
type Family struct {
	Name    string   `json:"name"`
	Alpha   float64  `json:"alpha"`
	Judged  []Judged `json:"members"`
	Correct string   `json:"correction"`
}

// JudgeFamily judges every member's claim that its effect has the sign dir,
// with Holm's correction at family-wise level alpha: a member holds when
// Holm rejects "no effect" and its estimate has the claimed sign, does not
// hold when Holm rejects and the sign is the other, and is otherwise not
// resolved. The probability that any member of the family gets a verdict
// other than "not resolved" when no member has an effect is at most alpha.
func JudgeFamily(name string, members []Member, dir Direction, alpha float64) Family {
	f := Family{Name: name, Alpha: alpha,
		Correct: fmt.Sprintf("Holm at family-wise %s over %d comparison%s", pct(alpha), len(members), plural(len(members)))}
	if len(members) == 0 {
		return f
	}
	p := make([]float64, len(members))
	for i, m := range members {
		p[i] = PValue(m.Interval, 0)
	}
	rej, adj := Holm(p, alpha)
	for i, m := range members {
		iv := m.Interval(1 - alpha/float64(len(members)))
		j := Judged{Name: m.Name, Interval: iv, P: p[i], Adjusted: adj[i]}
		switch {
		case !rej[i]:
			j.Verdict = decide(NotResolved, iv.Seeds, "")
		case (iv.Estimate > 0) == (dir == Increase):
			j.Verdict = decide(Holds, iv.Seeds, "")
		default:
			j.Verdict = decide(DoesNotHold, iv.Seeds, "")
		}
		f.Judged = append(f.Judged, j)
	}
	return f
}

// Best returns the index of the member of f with the largest estimate
// among those that hold, or −1 when none holds. Because every member was
// tested inside the family's correction, reporting the best of those that
// hold keeps the family-wise error rate: the selection is folded into the
// correction.
func (f Family) Best() int {
	best := -1
	for i, j := range f.Judged {
		if j.Verdict.Outcome == Holds && (best < 0 || j.Interval.Estimate > f.Judged[best].Interval.Estimate) {
			best = i
		}
	}
	return best
}

// Verdict is the family's verdict on "at least one member has the claimed
// sign": holds when one holds, does not hold when every member does not
// hold, otherwise not resolved (the fewest seeds of any member).
func (f Family) Verdict() Verdict {
	if len(f.Judged) == 0 {
		return NotMeasured()
	}
	seeds, all := f.Judged[0].Verdict.Seeds, true
	for _, j := range f.Judged {
		seeds = min(seeds, j.Verdict.Seeds)
		if j.Verdict.Outcome == Holds {
			return decide(Holds, j.Verdict.Seeds, "")
		}
		all = all && j.Verdict.Outcome == DoesNotHold
	}
	if all {
		return decide(DoesNotHold, seeds, "")
	}
	return decide(NotResolved, seeds, "")
}

// SplitSelect chooses the best of several candidates on one half of the
// test examples and judges it against a reference on the other half, so
// that the choice cannot inflate the verdict: cand[k][j] and ref[j] say
// whether candidate k and the reference are right on test example j (one
// seed). The even-numbered examples select (highest accuracy; the first on
// a tie), the odd-numbered ones judge (PairedDiff at level conf, candidate
// minus reference, Directional by dir). It returns the chosen index, the
// interval and the verdict.
func SplitSelect(cand [][]bool, ref []bool, dir Direction, conf float64) (int, Interval, Verdict, error) {
	if len(cand) == 0 {
		return -1, Interval{}, NotMeasured(), errors.New("verdict: no candidates")
	}
	m := len(ref)
	if m < 2 {
		return -1, Interval{}, NotMeasured(), errors.New("verdict: fewer than 2 test examples")
	}
	best, bestN := -1, -1
	for k, c := range cand {
		if len(c) != m {
			return -1, Interval{}, NotMeasured(), fmt.Errorf("verdict: candidate %d has %d outcomes, the reference %d", k, len(c), m)
		}
		n := 0
		for j := 0; j < m; j += 2 {
			if c[j] {
				n++
			}
		}
		if n > bestN {
			best, bestN = k, n
		}
	}
	var a, b []bool
	for j := 1; j < m; j += 2 {
		a, b = append(a, ref[j]), append(b, cand[best][j])
	}
	iv, err := PairedDiff(a, b, conf)
	if err != nil {
		return -1, Interval{}, NotMeasured(), err
	}
	iv.Basis += ", on the odd-numbered examples; the candidate was chosen on the even-numbered ones"
	return best, iv, Directional(iv, dir), nil
}

// TrendWeights returns the weights of the least-squares slope over the
// positions 0, 1, …, k − 1: Σ w·acc is the change of accuracy per step.
// For the β grid 0, 0.001, 0.01, 0.1, 1, 10 the positions are log₁₀ β for
// β > 0, with β = 0 one decade below the smallest.
func TrendWeights(k int) []float64 {
	w := make([]float64, k)
	c := float64(k-1) / 2
	var ss float64
	for i := range w {
		w[i] = float64(i) - c
		ss += w[i] * w[i]
	}
	for i := range w {
		w[i] /= ss
	}
	return w
}

// Trend estimates the slope of accuracy over ordered groups (acc[k][i]:
// group k, seed i; groups in increasing order of the knob, one step apart)
// on examples test examples: Contrast with TrendWeights, so every group
// counts, not only the two extremes. A rising trend holds when the
// interval excludes 0 above (Directional).
func Trend(acc [][]float64, examples int, conf float64) (Interval, error) {
	if len(acc) < 2 {
		return Interval{}, errors.New("verdict: a trend needs two groups")
	}
	iv, err := Contrast(TrendWeights(len(acc)), acc, examples, conf)
	if err == nil {
		iv.Basis = fmt.Sprintf("least-squares slope per step over %d ordered groups; %s", len(acc), iv.Basis)
	}
	return iv, err
}

// Conditional estimates robust accuracy among the clean-correct examples
// (1 − the attack success rate), so that a method's clean mistakes are not
// counted as robust mistakes: robust[i] and clean[i] are seed i's robust
// and clean accuracies over examples test examples (an example robust is
// also clean-correct, so robust[i] ≤ clean[i]). The per-seed ratios go
// through Contrast over the mean number of clean-correct examples.
func Conditional(robust, clean []float64, examples int, conf float64) (Interval, error) {
	if len(robust) == 0 || len(robust) != len(clean) {
		return Interval{}, errors.New("verdict: robust and clean accuracies without the same seeds")
	}
	r := make([]float64, len(robust))
	for i := range r {
		if !(clean[i] > 0) || robust[i] > clean[i]+1e-9 {
			return Interval{}, fmt.Errorf("verdict: robust accuracy %g with clean accuracy %g", robust[i], clean[i])
		}
		r[i] = robust[i] / clean[i]
	}
	n := int(math.Round(mean(clean) * float64(examples)))
	iv, err := Contrast([]float64{1}, [][]float64{r}, max(1, n), conf)
	if err == nil {
		iv.Basis = "among the clean-correct examples: " + iv.Basis
	}
	return iv, err
}

// ConditionalOutcomes is Conditional from one seed's per-example outcomes:
// the Wilson interval of the robust examples among the clean-correct ones.
func ConditionalOutcomes(robust, clean []bool, conf float64) (Interval, error) {
	if len(robust) != len(clean) || len(clean) == 0 {
		return Interval{}, errors.New("verdict: robust and clean outcomes over different examples")
	}
	k, n := 0, 0
	for i, c := range clean {
		if c {
			n++
			if robust[i] {
				k++
			}
		} else if robust[i] {
			return Interval{}, fmt.Errorf("verdict: example %d robust but not clean-correct", i)
		}
	}
	if n == 0 {
		return Interval{}, errors.New("verdict: no clean-correct examples")
	}
	iv := Wilson(float64(k), float64(n), conf)
	iv.Basis = "among the clean-correct examples: " + iv.Basis
	return iv, nil
}

// TrendOutcomes is Trend from per-example outcomes: y[k][i][j] says whether
// the model of knob level k (in increasing order) and seed i is right on
// test example j. The test-example part uses the pairing (Paired).
func TrendOutcomes(y [][][]bool, conf float64) (Interval, error) {
	if len(y) < 2 {
		return Interval{}, errors.New("verdict: a trend needs two groups")
	}
	iv, err := Paired(TrendWeights(len(y)), y, conf)
	if err == nil {
		iv.Basis = fmt.Sprintf("least-squares slope per step over %d ordered groups; %s", len(y), iv.Basis)
	}
	return iv, err
}

// FamilyOutcomes judges each candidate against a reference from per-example
// outcomes (ref[i][j], cand[k][i][j]: seed i, test example j; the same
// seeds and examples throughout), candidate minus reference, in the family
// name with Holm's correction at alpha (JudgeFamily); names[k] names
// candidate k. Each member's interval is Paired's for the difference.
func FamilyOutcomes(name string, names []string, ref [][]bool, cand [][][]bool, dir Direction, alpha float64) (Family, error) {
	if len(names) != len(cand) {
		return Family{}, fmt.Errorf("verdict: %d names for %d candidates", len(names), len(cand))
	}
	var members []Member
	for k, c := range cand {
		y := [][][]bool{ref, c}
		if _, err := Paired([]float64{-1, 1}, y, Level); err != nil {
			return Family{}, fmt.Errorf("verdict: candidate %s: %w", names[k], err)
		}
		members = append(members, Member{Name: names[k], Interval: func(conf float64) Interval {
			iv, _ := Paired([]float64{-1, 1}, y, conf)
			return iv
		}})
	}
	return JudgeFamily(name, members, dir, alpha), nil
}
