// Package verdict decides whether a claim holds from measured numbers and
// their uncertainty, by one stated rule per kind of claim. Every verdict of
// the reproduce report comes from here. The rules, each with the tests of
// this package that check it (Rules states them in words for the report's
// "How the verdicts are reached" section, naming the same tests):
//
//  1. Intervals. An accuracy of one seed gets the Wilson score interval
//     (Wilson; ClopperPearson gives the exact one): it does not collapse at
//     0 or 1. Two accuracies on the same test examples with their
//     per-example outcomes get Newcombe's paired score interval (method 10
//     of Newcombe 1998, PairedDiff); without the outcomes, Newcombe's
//     hybrid score interval for independent proportions, which is
//     conservative for positively correlated models. With n ≥ 2 seeds the
//     interval carries both sources of variation (Contrast, Paired): the
//     seeds' variance of the mean plus the test examples' variance
//     recovered from the score limits, with Student's t at the
//     Welch–Satterthwaite degrees of freedom (the normal quantile past 1e6
//     of them: seeds that agree keep the test examples' width). Coverage is
//     checked by simulation. One seed is marked "(1 seed: indicative)".
//     Tested by TestProportionKnownValues, TestPairedDiffKnownValue,
//     TestIndependentDiffKnownValue, TestNoCollapseAtTheEdges,
//     TestSeedsAgreeToRounding, TestCoverage.
//  2. Direction. A claim that an effect is positive (negative) holds when
//     its interval excludes 0 on the claimed side, does not hold when it
//     excludes 0 on the other, and is otherwise "not resolved with n seeds"
//     (Directional; Above and Below against a threshold). Tested by
//     TestAccuracyDiffOneSeed, TestAccuracyDiffSeeds, TestMatchesAboveAll.
//  3. Multiplicity. Comparisons judged together form a named family, with
//     Holm's step-down correction at family-wise 5 % (JudgeFamily); a
//     member's printed interval is the Bonferroni-level one. "The best" of a
//     family is picked only among members that hold after the correction
//     (Family.Best), or chosen on one half of the test examples and judged
//     on the other (SplitSelect); FamilyOutcomes builds a family from
//     per-example outcomes. A claim that needs every part to hold
//     (All) is an intersection-union test and needs no correction. Tested
//     by TestHolm, TestPValue, TestFamily, TestSelectionFalsePositives,
//     TestOutcomeAPI.
//  4. Matching. "Matches" (equivalence) holds only when the whole interval
//     of the difference lies within ± a stated margin (Equivalent, Compare:
//     Margin is 2 points); an interval that straddles 0 but reaches past the
//     margin is "not resolved", never a match. Matching a published number
//     is the same rule against the number (Matches, within ± 1 point in the
//     report). Tested by TestEquivalent, TestMatchesAboveAll.
//  5. Trends use every level of the knob (Trend, TrendOutcomes: the
//     least-squares slope over the ordered levels), not only the extremes;
//     robustness can be read among the clean-correct examples
//     (Conditional, ConditionalOutcomes), so a clean-accuracy cost is not
//     counted as a robustness loss. Tested by TestTrend, TestConditional,
//     TestOutcomeAPI.
package verdict

import (
	"fmt"
	"math"
)

// Outcome is what a rule decides.
type Outcome string

const (
	Holds       Outcome = "holds"
	DoesNotHold Outcome = "does not hold"
	NotResolved Outcome = "not resolved"
	NotRun      Outcome = "not run"
)

// Interval is an estimate with its 95 % interval and where the interval
// comes from.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	// SE is the standard error of Estimate (over test examples for one seed,
	// over seeds otherwise).
	SE float64 `json:"se"`
	// Seeds is the number of seeds; PerSeed their values (differences, for
	// a comparison) when there are several.
	Seeds   int       `json:"seeds"`
	PerSeed []float64 `json:"per_seed,omitempty"`
	// Examples is the number of test examples the one-seed SE is over.
	Examples int `json:"examples,omitempty"`
	// Basis says in words how the interval was computed.
	Basis string `json:"basis"`
}

// Z975 is the 0.975 quantile of the standard normal distribution.
const Z975 = 1.959963984540054

// String prints the estimate and its interval, rounded to 4 decimals.
func (iv Interval) String() string {
	return fmt.Sprintf("%s [%s, %s]", num(iv.Estimate), num(iv.Lo), num(iv.Hi))
}

func num(x float64) string {
	x = math.Round(x*1e4) / 1e4
	if x == 0 {
		x = 0 // no "-0"
	}
	return fmt.Sprintf("%+g", x)
}

// valid reports whether every value is finite.
func valid(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// overSeeds is the Student t interval of the mean of v (len ≥ 2).
func overSeeds(v []float64) Interval {
	n := len(v)
	m := mean(v)
	se := sdev(v) / math.Sqrt(float64(n))
	t := TQuantile(0.975, n-1)
	return Interval{Estimate: m, Lo: m - t*se, Hi: m + t*se, SE: se, Seeds: n, PerSeed: append([]float64(nil), v...),
		Basis: fmt.Sprintf("95 %% Student t interval over %d seeds (t = %.3f)", n, t)}
}

// AccuracyDiff estimates b − a for accuracies measured with the same seeds
// in the same order (a[i] and b[i] share seed i) on a test set of
// examples points, at level 95 %: Contrast with weights −1, +1 (the
// per-example outcomes are not known, so the test-example part treats the
// two accuracies as independent, which is conservative; PairedDiff and
// Paired use them where they are). It returns ok = false when there is
// nothing to compare (no seeds, different lengths, a non-finite value, or
// no example count).
func AccuracyDiff(a, b []float64, examples int) (Interval, bool) {
	return AccuracyDiffLevel(a, b, examples, Level)
}

// AccuracyDiffLevel is AccuracyDiff at level conf.
func AccuracyDiffLevel(a, b []float64, examples int, conf float64) (Interval, bool) {
	if len(a) == 0 || len(a) != len(b) {
		return Interval{}, false
	}
	iv, err := Contrast([]float64{-1, 1}, [][]float64{a, b}, examples, conf)
	return iv, err == nil
}

// Accuracy estimates an accuracy from its per-seed values on a test set
// of examples points, at level 95 %: the Wilson interval with one seed,
// Contrast's interval carrying the seeds and the test examples with
// several.
func Accuracy(v []float64, examples int) (Interval, bool) {
	if len(v) == 0 {
		return Interval{}, false
	}
	iv, err := Contrast([]float64{1}, [][]float64{v}, examples, Level)
	return iv, err == nil
}

// Correlation estimates a Pearson r from its per-seed values, each over
// points points, on Fisher's z scale (z = atanh r; one seed: SE 1/√(n−3);
// several: the seeds' spread plus that, as Contrast combines them), and
// maps the interval back to r.
func Correlation(r []float64, points int) (Interval, bool) {
	if len(r) == 0 || !valid(r...) {
		return Interval{}, false
	}
	z := make([]float64, len(r))
	for i, x := range r {
		z[i] = math.Atanh(math.Max(-1+1e-12, math.Min(1-1e-12, x)))
	}
	var iv Interval
	if len(r) == 1 {
		if points <= 3 {
			return Interval{}, false
		}
		se := 1 / math.Sqrt(float64(points-3))
		iv = Interval{Estimate: z[0], Lo: z[0] - Z975*se, Hi: z[0] + Z975*se, SE: se, Seeds: 1, Examples: points,
			Basis: fmt.Sprintf("± 1.96 SE of Fisher's z over %d test points (1 seed)", points)}
	} else if points > 3 {
		// The seeds' spread plus the test points' 1/(points − 3), as for an
		// accuracy (seedPart), on Fisher's z scale.
		h := Z975 / math.Sqrt(float64(points-3))
		iv = seedPart(Interval{Estimate: mean(z), Seeds: len(r), Examples: points}, []float64{1}, [][]float64{z}, h*h, h*h,
			math.Inf(-1), math.Inf(1), Level, fmt.Sprintf("Fisher's z over %d test points", points))
		iv.PerSeed = append([]float64(nil), r...)
	} else {
		iv = overSeeds(z)
		iv.PerSeed = append([]float64(nil), r...)
		iv.Basis += " of Fisher's z"
	}
	iv.Estimate, iv.Lo, iv.Hi = math.Tanh(iv.Estimate), math.Tanh(iv.Lo), math.Tanh(iv.Hi)
	if len(r) > 1 {
		var m float64
		for _, x := range r {
			m += x
		}
		iv.Estimate = m / float64(len(r))
	} else {
		iv.Estimate = r[0]
	}
	return iv, true
}

// Verdict is a rule's decision and the sentence the report prints.
type Verdict struct {
	Outcome Outcome `json:"outcome"`
	Seeds   int     `json:"seeds"`
	// Text is what the report's "holds?" column says.
	Text string `json:"text"`
}

func decide(o Outcome, seeds int, detail string) Verdict {
	v := Verdict{Outcome: o, Seeds: seeds}
	switch o {
	case NotRun:
		v.Text = "not run"
		return v
	case NotResolved:
		v.Text = fmt.Sprintf("not resolved with %d seed%s", seeds, plural(seeds))
		if detail != "" {
			v.Text += " (" + detail + ")"
		}
		return v
	}
	v.Text = string(o)
	if detail != "" {
		v.Text += " (" + detail + ")"
	}
	if seeds == 1 {
		v.Text += " (1 seed: indicative)"
	}
	return v
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Direction is the sign a claim expects of an effect.
type Direction int

const (
	Increase Direction = 1  // the claim says the effect is > 0
	Decrease Direction = -1 // the claim says the effect is < 0
)

// Directional judges a claim that an effect has the sign dir: holds when
// the interval excludes 0 on that side, does not hold when it excludes 0
// on the other, otherwise not resolved.
func Directional(iv Interval, dir Direction) Verdict {
	lo, hi := iv.Lo, iv.Hi
	if dir == Decrease {
		lo, hi = -hi, -lo
	}
	switch {
	case lo > 0:
		return decide(Holds, iv.Seeds, "")
	case hi < 0:
		return decide(DoesNotHold, iv.Seeds, "")
	}
	return decide(NotResolved, iv.Seeds, "")
}

// Above judges a claim that a quantity exceeds threshold (Below: that it
// is under it): holds when the whole interval is on the claimed side, does
// not hold when it is wholly on the other.
func Above(iv Interval, threshold float64) Verdict {
	iv.Lo, iv.Hi = iv.Lo-threshold, iv.Hi-threshold
	return Directional(iv, Increase)
}

// Below judges a claim that a quantity is under threshold.
func Below(iv Interval, threshold float64) Verdict {
	iv.Lo, iv.Hi = iv.Lo-threshold, iv.Hi-threshold
	return Directional(iv, Decrease)
}

// Matches judges a claim that a quantity equals target within ± margin:
// holds when the whole interval lies inside [target − margin, target +
// margin], does not hold (lower or higher) when it lies wholly outside,
// otherwise not resolved.
func Matches(iv Interval, target, margin float64) Verdict {
	switch {
	case iv.Lo >= target-margin && iv.Hi <= target+margin:
		return decide(Holds, iv.Seeds, "")
	case iv.Hi < target-margin:
		return decide(DoesNotHold, iv.Seeds, "lower here")
	case iv.Lo > target+margin:
		return decide(DoesNotHold, iv.Seeds, "higher here")
	}
	return decide(NotResolved, iv.Seeds, "")
}

// NotMeasured is the verdict of a claim nothing was run for.
func NotMeasured() Verdict { return decide(NotRun, 0, "") }

// All combines the verdicts of the parts of one claim: holds when every
// part holds, does not hold when any part does not, otherwise not resolved
// (with the fewest seeds of any part). Parts not run are ignored; none run
// gives not run.
func All(parts ...Verdict) Verdict {
	out, seeds, any := Holds, 0, false
	for _, p := range parts {
		if p.Outcome == NotRun {
			continue
		}
		if !any || p.Seeds < seeds {
			seeds = p.Seeds
		}
		any = true
		switch {
		case p.Outcome == DoesNotHold:
			out = DoesNotHold
		case p.Outcome == NotResolved && out == Holds:
			out = NotResolved
		}
	}
	if !any {
		return NotMeasured()
	}
	return decide(out, seeds, "")
}

// Rule is one of the rules every verdict follows: its name, the rule in
// words for the report, and the tests of this package that check it.
type Rule struct {
	Name  string
	Text  string
	Tests []string
}

// Rules are the rules every verdict follows, in the order of the package
// doc, stated once for the report's "How the verdicts are reached"
// section; the package doc states them with the functions that apply
// them. TestRulesStated checks that both name the same tests, and that
// those tests exist.
var Rules = []Rule{
	{Name: "Intervals", Text: "Each verdict comes from an effect and its 95 % interval. " +
		"One seed: an accuracy gets the Wilson score interval over the test examples (it does not collapse at 0 or 1); a difference of two accuracies on the same test examples gets Newcombe's paired score interval (method 10) where the per-example outcomes are kept, " +
		"and otherwise Newcombe's hybrid score interval for independent proportions, which is conservative for models that agree on most examples; a Pearson r gets Fisher's z. " +
		"A one-seed verdict is marked \"(1 seed: indicative)\": the spread over seeds is not in it. " +
		"With n ≥ 2 seeds the interval carries both sources: the variance over seeds (paired per-seed differences for a comparison) plus the test examples' variance from the score limits, with Student's t at the Welch–Satterthwaite degrees of freedom. " +
		"Each method's coverage is checked by simulation on synthetic data of known truth.",
		Tests: []string{"TestProportionKnownValues", "TestPairedDiffKnownValue", "TestIndependentDiffKnownValue", "TestNoCollapseAtTheEdges", "TestSeedsAgreeToRounding", "TestCoverage"}},
	{Name: "Direction", Text: "A claim that an effect is positive (or negative) holds when the interval excludes 0 on the claimed side, does not hold when it excludes 0 on the other side, and is otherwise \"not resolved with n seeds\"; a threshold claim compares the interval with the threshold the same way.",
		Tests: []string{"TestAccuracyDiffOneSeed", "TestAccuracyDiffSeeds", "TestMatchesAboveAll"}},
	{Name: "Multiplicity", Text: "Comparisons judged together form a named family corrected by Holm at family-wise 5 %, with Bonferroni-level intervals printed; \"the best\" of a family is chosen only among the members that hold after the correction (or chosen on one half of the test examples and judged on the other), which keeps the false-positive rate at most 5 % when no member differs. " +
		"A claim made of parts that must all hold needs no correction.",
		Tests: []string{"TestHolm", "TestPValue", "TestFamily", "TestSelectionFalsePositives", "TestOutcomeAPI"}},
	{Name: "Matching", Text: "\"Matches\" between two methods holds only when the whole interval of their difference lies within ± 2 points; a number matching the paper's, when the interval lies within ± 1 point of it; an interval that straddles 0 but reaches past the margin is not resolved, never a match.",
		Tests: []string{"TestEquivalent", "TestMatchesAboveAll"}},
	{Name: "Trends", Text: "A trend over β is the least-squares slope over every β in order (log β, β = 0 one decade below the smallest), not the extremes alone; robustness is also read among the clean-correct examples (robust / clean accuracy), so a clean-accuracy cost is not counted as lost robustness.",
		Tests: []string{"TestTrend", "TestConditional", "TestOutcomeAPI"}},
}
