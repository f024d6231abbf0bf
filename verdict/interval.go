package verdict

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Level is the two-sided confidence level of the intervals a verdict is
// decided on when no correction for multiplicity applies.
const Level = 0.95

// Zq returns the two-sided critical value of the standard normal
// distribution at confidence level conf: the (1 + conf)/2 quantile
// (1.96 at 0.95).
func Zq(conf float64) float64 { return distuv.UnitNormal.Quantile((1 + conf) / 2) }

// tq returns the two-sided critical value of Student's t with df degrees
// of freedom at level conf.
func tq(conf float64, df int) float64 {
	if conf == Level {
		return TQuantile(0.975, df) // the value the 95 % intervals always printed
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile((1 + conf) / 2)
}

// wilson returns the Wilson score limits of the proportion k/n at level
// conf; k may be fractional (a mean over seeds of a count).
func wilson(k, n, conf float64) (lo, hi float64) {
	p, z := k/n, Zq(conf)
	z2 := z * z
	c := (p + z2/(2*n)) / (1 + z2/n)
	h := z / (1 + z2/n) * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	lo, hi = max(0, c-h), min(1, c+h)
	// At k = 0 (n) the limit is exactly 0 (1); rounding must not move it.
	if k <= 0 {
		lo = 0
	}
	if k >= n {
		hi = 1
	}
	return lo, hi
}

// Wilson returns the Wilson score interval of a proportion of k successes
// in n trials (k may be fractional: a mean over seeds) at two-sided level
// conf. Unlike the Wald interval it does not collapse at k = 0 or k = n:
// 200 of 200 gives [0.9812, 1] at 95 %.
func Wilson(k, n, conf float64) Interval {
	lo, hi := wilson(k, n, conf)
	p := k / n
	return Interval{Estimate: p, Lo: lo, Hi: hi, SE: math.Sqrt(p * (1 - p) / n), Seeds: 1, Examples: int(math.Round(n)),
		Basis: fmt.Sprintf("%s Wilson score interval over %d test examples (1 seed)", pct(conf), int(math.Round(n)))}
}

// ClopperPearson returns the exact (Clopper–Pearson) interval of a
// proportion of k successes in n trials at two-sided level conf: the
// α/2 quantile of Beta(k, n − k + 1) and the 1 − α/2 quantile of
// Beta(k + 1, n − k), with the limit 0 at k = 0 and 1 at k = n. Its
// coverage is at least conf for every true proportion.
func ClopperPearson(k, n int, conf float64) Interval {
	a := 1 - conf
	lo, hi := 0.0, 1.0
	if k > 0 {
		lo = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(a / 2)
	}
	if k < n {
		hi = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - a/2)
	}
	p := float64(k) / float64(n)
	return Interval{Estimate: p, Lo: lo, Hi: hi, SE: math.Sqrt(p * (1 - p) / float64(n)), Seeds: 1, Examples: n,
		Basis: fmt.Sprintf("%s exact Clopper–Pearson interval over %d test examples (1 seed)", pct(conf), n)}
}

// pct prints a confidence level as a percentage ("95 %").
func pct(conf float64) string {
	return fmt.Sprintf("%s %%", num(100 * conf)[1:])
}

// Pair counts the per-example outcomes of two models on the same test
// examples: Both right, OnlyA right, OnlyB right, Neither.
type Pair struct {
	Both, OnlyA, OnlyB, Neither float64
}

// CountPair tallies a[i], b[i] over the examples. It returns an error when
// the lengths differ or there are none.
func CountPair(a, b []bool) (Pair, error) {
	if len(a) != len(b) {
		return Pair{}, fmt.Errorf("verdict: %d outcomes against %d", len(a), len(b))
	}
	if len(a) == 0 {
		return Pair{}, errors.New("verdict: no outcomes")
	}
	var p Pair
	for i := range a {
		switch {
		case a[i] && b[i]:
			p.Both++
		case a[i]:
			p.OnlyA++
		case b[i]:
			p.OnlyB++
		default:
			p.Neither++
		}
	}
	return p, nil
}

// N is the number of examples counted.
func (p Pair) N() float64 { return p.Both + p.OnlyA + p.OnlyB + p.Neither }

// PairedDiff returns the interval of accuracy(b) − accuracy(a) for two
// models judged on the same test examples (a[i], b[i]: example i right),
// by Newcombe's method 10 for paired proportions (Newcombe 1998, Stat.
// Med. 17:2635): each accuracy's Wilson limits, combined with the
// correlation φ of the two outcomes (its numerator AD − BC less n/2 when
// positive, as published). It uses the pairing the independent
// interval ignores, so it is narrower when the models agree on most
// examples, and it does not collapse when they agree on all.
func PairedDiff(a, b []bool, conf float64) (Interval, error) {
	p, err := CountPair(a, b)
	if err != nil {
		return Interval{}, err
	}
	return p.Diff(conf), nil
}

// Diff is PairedDiff from the counts (fractional counts are allowed: a
// mean over seeds).
func (p Pair) Diff(conf float64) Interval {
	n := p.N()
	ka, kb := p.Both+p.OnlyA, p.Both+p.OnlyB
	pa, pb := ka/n, kb/n
	la, ua := wilson(ka, n, conf)
	lb, ub := wilson(kb, n, conf)
	// φ: the correlation of the two outcomes, its numerator AD − BC
	// moved n/2 towards 0 when positive (as Newcombe specifies).
	phi := 0.0
	if den := (p.Both + p.OnlyA) * (p.OnlyB + p.Neither) * (p.Both + p.OnlyB) * (p.OnlyA + p.Neither); den > 0 {
		a := p.Both*p.Neither - p.OnlyA*p.OnlyB
		if a >= 0 {
			a = max(0, a-n/2)
		}
		phi = a / math.Sqrt(den)
	}
	d := pb - pa
	// θ = p_b − p_a: Newcombe's δ and ε with p1 = p_b, p2 = p_a.
	lo := d - math.Sqrt(max(0, sq(pb-lb)-2*phi*(pb-lb)*(ua-pa)+sq(ua-pa)))
	hi := d + math.Sqrt(max(0, sq(ub-pb)-2*phi*(ub-pb)*(pa-la)+sq(pa-la)))
	se := math.Sqrt(max(0, (p.OnlyA+p.OnlyB)/n-d*d) / n)
	return Interval{Estimate: d, Lo: max(-1, lo), Hi: min(1, hi), SE: se, Seeds: 1, Examples: int(math.Round(n)),
		Basis: fmt.Sprintf("%s Newcombe paired score interval (method 10) over %d test examples (1 seed)", pct(conf), int(math.Round(n)))}
}

func sq(x float64) float64 { return x * x }

// Contrast estimates Σₖ c[k]·accₖ, where acc[k][i] is group k's accuracy
// with seed i (the same seeds, in the same order, in every group) on a
// test set of examples examples, with an interval at level conf that
// carries both sources of variation:
//
//   - the test examples: each group's Wilson limits (of its mean over
//     seeds, on examples examples) combined as in MOVER (Zou & Donner
//     2008), treating the groups as independent; for the difference of two
//     groups this is Newcombe's hybrid score interval (method 10 of
//     Newcombe 1998, Stat. Med. 17:873). Two accuracies on the same test
//     set are positively correlated, so this part is conservative; Paired
//     uses the per-example outcomes instead;
//   - the seeds (n ≥ 2): the Student t half-width t(n − 1)·sd/√n of the
//     per-seed contrasts (paired: the same seed in every group).
//
// The two half-widths are added in quadrature on each side. With one seed
// the interval is the test-example part alone (Wilson for one group). It
// returns an error when the groups are empty or of different lengths,
// len(c) ≠ len(acc), a value is not finite, or examples < 1.
func Contrast(c []float64, acc [][]float64, examples int, conf float64) (Interval, error) {
	if len(c) == 0 || len(c) != len(acc) {
		return Interval{}, fmt.Errorf("verdict: %d weights for %d groups", len(c), len(acc))
	}
	n := len(acc[0])
	for _, g := range acc {
		if len(g) != n || n == 0 {
			return Interval{}, errors.New("verdict: groups without the same seeds")
		}
		if !valid(g...) {
			return Interval{}, errors.New("verdict: a value is not finite")
		}
	}
	if examples < 1 {
		return Interval{}, errors.New("verdict: no test examples")
	}
	m := float64(examples)
	var est, downT, upT, floor, ceil float64
	for k, g := range acc {
		p := mean(g)
		est += c[k] * p
		lo, hi := wilson(p*m, m, conf)
		if c[k] < 0 {
			lo, hi = hi, lo
			floor += c[k]
		} else {
			ceil += c[k]
		}
		downT += sq(c[k] * (p - lo))
		upT += sq(c[k] * (hi - p))
	}
	iv := Interval{Estimate: est, Seeds: n, Examples: examples}
	test := fmt.Sprintf("Wilson limits over %d test examples", examples)
	switch {
	case len(c) == 2 && c[0] == -1 && c[1] == 1:
		test = fmt.Sprintf("Newcombe's hybrid score limits over %d test examples (the two taken as independent: conservative)", examples)
	case len(c) > 1:
		test += " combined by MOVER (groups taken as independent: conservative)"
	}
	return seedPart(iv, c, acc, downT, upT, floor, ceil, conf, test), nil
}

// seedPart adds the seeds' variation to the test-example part of iv
// (squared half-widths downT and upT at level conf, below and above the
// estimate) and clamps the interval to [floor, ceil]. Each side's
// variance is the seeds' sd²/n plus the test part's (half-width / z)²;
// its critical value is Student's t with the Welch–Satterthwaite degrees
// of freedom (the test part counted as known), so the interval is the
// Student t interval when the seeds dominate and the test-example
// interval when they agree.
func seedPart(iv Interval, c []float64, acc [][]float64, downT, upT, floor, ceil, conf float64, test string) Interval {
	n := len(acc[0])
	z := Zq(conf)
	var vs float64
	if n >= 2 {
		v := make([]float64, n)
		for i := range v {
			for k, g := range acc {
				v[i] += c[k] * g[i]
			}
		}
		vs = sq(sdev(v)) / float64(n)
		iv.PerSeed = v
		iv.Basis = fmt.Sprintf("%s interval over %d seeds and the test examples: the seeds' variance of the mean plus the variance behind %s, Student t with Welch–Satterthwaite degrees of freedom", pct(conf), n, test)
	} else {
		iv.Basis = fmt.Sprintf("%s interval from %s (1 seed)", pct(conf), test)
	}
	half := func(t float64) float64 {
		vt := t / (z * z)
		if vs == 0 {
			return math.Sqrt(t)
		}
		df := sq(vs+vt) / (vs * vs / float64(n-1))
		q := z // seeds that agree to rounding: Student's t is the normal (gonum's quantile fails past about 1e12 degrees of freedom)
		if df < 1e6 {
			q = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile((1 + conf) / 2)
		}
		return q * math.Sqrt(vs+vt)
	}
	iv.SE = math.Sqrt(vs + sq((math.Sqrt(downT)+math.Sqrt(upT))/2/z))
	iv.Lo = max(floor, iv.Estimate-half(downT))
	iv.Hi = min(ceil, iv.Estimate+half(upT))
	return iv
}

// Paired is Contrast from per-example outcomes: y[k][i][j] says whether
// group k's model of seed i is right on test example j (the same examples
// in every group and seed). The test-example part uses the pairing:
//
//   - one group with weight 1: Wilson, as Contrast;
//   - two groups with weights −1, +1 (a difference) and one seed:
//     Newcombe's paired method 10 (PairedDiff);
//   - otherwise the normal interval of the mean over the examples of the
//     per-example contrast tⱼ = Σₖ c[k]·(mean over seeds of y[k][·][j])
//     (a difference whose tⱼ are all equal falls back to Newcombe's
//     paired limits on the table averaged over the seeds, so that it does
//     not collapse).
//
// The seed part is Contrast's.
func Paired(c []float64, y [][][]bool, conf float64) (Interval, error) {
	if len(c) == 0 || len(c) != len(y) {
		return Interval{}, fmt.Errorf("verdict: %d weights for %d groups", len(c), len(y))
	}
	n := len(y[0])
	if n == 0 {
		return Interval{}, errors.New("verdict: no seeds")
	}
	m := len(y[0][0])
	acc := make([][]float64, len(y))
	for k, g := range y {
		if len(g) != n {
			return Interval{}, errors.New("verdict: groups without the same seeds")
		}
		acc[k] = make([]float64, n)
		for i, s := range g {
			if len(s) != m || m == 0 {
				return Interval{}, errors.New("verdict: outcomes over different test examples")
			}
			acc[k][i] = float64(count(s)) / float64(m)
		}
	}
	if len(c) == 1 {
		return Contrast(c, acc, m, conf)
	}
	t := make([]float64, m)
	var floor, ceil float64
	for k, g := range y {
		for _, s := range g {
			for j, ok := range s {
				if ok {
					t[j] += c[k] / float64(n)
				}
			}
		}
		if c[k] < 0 {
			floor += c[k]
		} else {
			ceil += c[k]
		}
	}
	h := Zq(conf) * sdev(t) / math.Sqrt(float64(m))
	if len(c) == 2 && c[0] == -1 && c[1] == 1 && (n == 1 || h == 0) {
		var p Pair
		for i := range n {
			q, _ := CountPair(y[0][i], y[1][i])
			p.Both, p.OnlyA, p.OnlyB, p.Neither = p.Both+q.Both, p.OnlyA+q.OnlyA, p.OnlyB+q.OnlyB, p.Neither+q.Neither
		}
		f := 1 / float64(n)
		p = Pair{p.Both * f, p.OnlyA * f, p.OnlyB * f, p.Neither * f}
		d := p.Diff(conf)
		iv := Interval{Estimate: d.Estimate, Seeds: n, Examples: m}
		return seedPart(iv, c, acc, sq(d.Estimate-d.Lo), sq(d.Hi-d.Estimate), -1, 1, conf,
			fmt.Sprintf("Newcombe's paired score limits (method 10) over %d test examples", m)), nil
	}
	iv := Interval{Estimate: mean(t), Seeds: n, Examples: m}
	return seedPart(iv, c, acc, h*h, h*h, floor, ceil, conf,
		fmt.Sprintf("the normal interval of the per-example contrast over %d test examples", m)), nil
}

func count(v []bool) int {
	n := 0
	for _, b := range v {
		if b {
			n++
		}
	}
	return n
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// sdev is the sample standard deviation (n − 1); 0 for fewer than 2 values.
func sdev(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	m := mean(v)
	var s float64
	for _, x := range v {
		s += sq(x - m)
	}
	return math.Sqrt(s / float64(len(v)-1))
}

// PValue returns the two-sided p-value of the hypothesis that an effect
// equals null, dual to an interval method: the smallest α at which the
// level 1 − α interval f(1 − α) excludes null (bisection on log α to a
// relative 1e-6). It is 1 when even the narrowest interval contains null.
func PValue(f func(conf float64) Interval, null float64) float64 {
	excludes := func(a float64) bool {
		iv := f(1 - a)
		return iv.Lo > null || iv.Hi < null
	}
	const tiny = 1e-12
	if excludes(tiny) {
		return tiny
	}
	if !excludes(1 - 1e-9) {
		return 1
	}
	lo, hi := math.Log(tiny), math.Log(1-1e-9) // excludes at hi, not at lo
	for hi-lo > 1e-6 {
		mid := (lo + hi) / 2
		if excludes(math.Exp(mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return math.Exp(hi)
}
