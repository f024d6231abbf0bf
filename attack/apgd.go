package attack

import (
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// APGD constants of Croce & Hein (2020): the momentum weight α and the
// fraction ρ of a checkpoint interval's steps that must raise the loss for
// the step size to be kept.
const (
	apgdAlpha = 0.75
	apgdRho   = 0.75
)

// apgdCheckpoints returns the iterations w_0 = 0 < w_1 < … ≤ n at which APGD
// checks its progress: w_j = ⌈p_j·n⌉ with p_0 = 0, p_1 = 0.22 and
// p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06). The p_j are kept in
// hundredths so that the ceilings are exact.
func apgdCheckpoints(n int) []int {
	w := []int{0}
	prev, p := 0, 22
	for p <= 100 {
		if c := (p*n + 99) / 100; c > w[len(w)-1] && c <= n {
			w = append(w, c)
		}
		prev, p = p, p+max(p-prev-3, 6)
	}
	return w
}

// APGD writes into dst the APGD-CE adversarial (Croce & Hein 2020, "Reliable
// evaluation of adversarial robustness with an ensemble of diverse
// parameter-free attacks", Algorithm 1) of each row of x, under cfg's norm,
// ε and Steps = N_iter gradient evaluations. Per example:
//
//	x¹ = P(x⁰ + η·dir(∇L(x⁰))),
//	z^{k+1} = P(x^k + η·dir(∇L(x^k))),
//	x^{k+1} = P(x^k + α(z^{k+1} − x^k) + (1−α)(x^k − x^{k−1})),   α = 0.75,
//
// where P projects onto the ε-ball and clips to [0,1], dir is the sign (L∞)
// or the L2-normalised gradient (L2), and η starts at 2ε. At the checkpoints
// (apgdCheckpoints) η is halved and the iterate moved to the highest-CE point
// so far when fewer than ρ = 0.75 of the interval's steps raised the CE, or
// when η was not halved at the previous checkpoint and the best CE has not
// improved since. The gradient is m's attack loss; the CE that is tracked
// comes from m.Logits. The result for an example is the first iterate the
// model misclassifies, or else the highest-CE iterate. cfg.Step is not used.
// Restarts (with cfg.RandomStart) combine as in PGD. dst is resized to x's
// shape and must not be x.
func APGD(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) {
	apgd(dst, m, x, y, cfg, apgdLoss{})
}

// apgdLoss is the loss an APGD run ascends: the model's own (LossGrad, CE
// by default) when lg is nil, else DLR through lg, targeted towards
// targets[i] when targets is not nil.
type apgdLoss struct {
	lg      LogitsGrader
	targets []int
}

// APGDDLR is APGD on the DLR loss (APGD-DLR): the same iteration, step
// sizes and restarts as APGD, with DLR's gradient and DLR's value tracked.
// It returns an error when m is not a LogitsGrader or has fewer than
// MinClassesDLR classes; dst is then untouched.
func APGDDLR(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) error {
	lg, err := logitsGrader(m, "APGD-DLR")
	if err != nil {
		return err
	}
	if err := checkClasses("APGD-DLR", m.NumClasses(), false); err != nil {
		return err
	}
	apgd(dst, m, x, y, cfg, apgdLoss{lg: lg})
	return nil
}

func apgd(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config, loss apgdLoss) {
	cfg = cfg.withDefaults()
	checkBatch(m, x, y)
	checkNorm(cfg.Norm)
	setClean(m, x, y)
	n, d := x.Rows, x.Cols
	restarts := cfg.Restarts
	if !cfg.RandomStart {
		restarts = 1
	}
	rng := newRNG(cfg.Seed)
	dst.Resize(n, d)
	ws := newAPGDRun(n, d)
	ws.loss = loss
	broken := make([]bool, n)
	for r := 0; r < restarts && !cfg.stopped(); r++ {
		out := dst
		if r > 0 {
			out = ws.out
		}
		ws.run(out, m, x, y, cfg, rng)
		left := 0
		for i, f := range ws.found {
			switch {
			case r == 0:
				broken[i] = f
			case !broken[i] && f:
				broken[i] = true
				copy(dst.Row(i), out.Row(i))
			}
			if !broken[i] {
				left++
			}
		}
		if left == 0 {
			return
		}
	}
}

// apgdRun holds one APGD run's state; its rows are examples.
type apgdRun struct {
	cur, prev, next, g, xmax, gmax, out *tensor.Mat
	logits                              tensor.Mat
	eta, f, fmax, fmaxLast              []float64
	count                               []int
	reducedLast, found                  []bool
	s, v                                []float64
	zrow                                []float32
	loss                                apgdLoss
	scratch, fill                       []float64
}

// eval computes the gradient of the attacked loss at a.cur into a.g (when
// grad is set) and the logits there into a.logits.
func (a *apgdRun) eval(m Model, y []int, grad bool) {
	if a.loss.lg == nil || !grad {
		if gl, ok := m.(LossGradLogitser); ok && grad {
			gl.LossGradLogits(a.g, &a.logits, a.cur, y)
			return
		}
		if grad {
			m.LossGrad(a.g, a.cur, y)
		}
		m.Logits(&a.logits, a.cur)
		return
	}
	if len(a.fill) < len(y) {
		a.fill = make([]float64, len(y))
	}
	a.loss.lg.LogitsGrad(a.g, &a.logits, a.cur, dlrFill(y, a.loss.targets, a.fill))
}

// value returns example i's attacked loss at the logits z.
func (a *apgdRun) value(i int, z []float32, y int) float64 {
	if a.loss.lg == nil {
		return crossEntropy(z, y)
	}
	if len(a.scratch) < 2*len(z) {
		a.scratch = make([]float64, 2*len(z))
	}
	t := -1
	if a.loss.targets != nil {
		t = a.loss.targets[i]
	}
	return dlrRow(nil, z, y, t, a.scratch)
}

func newAPGDRun(n, d int) *apgdRun {
	return &apgdRun{
		cur: tensor.New(n, d), prev: tensor.New(n, d), next: tensor.New(n, d),
		g: tensor.New(n, d), xmax: tensor.New(n, d), gmax: tensor.New(n, d), out: tensor.New(n, d),
		eta: make([]float64, n), f: make([]float64, n), fmax: make([]float64, n), fmaxLast: make([]float64, n),
		count: make([]int, n), reducedLast: make([]bool, n), found: make([]bool, n),
		s: make([]float64, d), v: make([]float64, d), zrow: make([]float32, d),
	}
}

// run performs one APGD run from a clean or random start and writes each
// example's result into out; found[i] says whether it is misclassified.
func (a *apgdRun) run(out *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config, rng *rand.Rand) {
	n, steps := x.Rows, cfg.Steps
	if cfg.RandomStart {
		randomStart(a.cur, x, cfg.Eps, cfg.Norm, rng)
	} else {
		a.cur.CopyFrom(x)
	}
	a.eval(m, y, true)
	for i := 0; i < n; i++ {
		z := a.logits.Row(i)
		a.f[i] = a.value(i, z, y[i])
		a.fmax[i], a.fmaxLast[i] = a.f[i], a.f[i]
		a.eta[i] = 2 * cfg.Eps
		a.count[i] = 0
		a.reducedLast[i] = false
		a.found[i] = argmax(z) != y[i]
		if a.found[i] {
			copy(out.Row(i), a.cur.Row(i))
		}
	}
	a.xmax.CopyFrom(a.cur)
	a.gmax.CopyFrom(a.g)
	a.prev.CopyFrom(a.cur)
	checks := apgdCheckpoints(steps)
	j := 1
	for k := 0; k < steps && !cfg.stopped(); k++ {
		for i := 0; i < n; i++ {
			a.update(i, k > 0, x.Row(i), cfg)
		}
		a.prev, a.cur, a.next = a.cur, a.next, a.prev
		needGrad := k < steps-1
		a.eval(m, y, needGrad)
		left := 0
		for i := 0; i < n; i++ {
			z := a.logits.Row(i)
			f := a.value(i, z, y[i])
			if !a.found[i] && argmax(z) != y[i] {
				a.found[i] = true
				copy(out.Row(i), a.cur.Row(i))
			}
			if !a.found[i] {
				left++
			}
			if f > a.f[i] {
				a.count[i]++
			}
			a.f[i] = f
			if f > a.fmax[i] {
				a.fmax[i] = f
				copy(a.xmax.Row(i), a.cur.Row(i))
				if needGrad {
					copy(a.gmax.Row(i), a.g.Row(i))
				}
			}
		}
		if left == 0 {
			return // every example has its adversarial; more steps change nothing
		}
		if j < len(checks) && k+1 == checks[j] {
			span := float64(checks[j] - checks[j-1])
			for i := 0; i < n; i++ {
				oscillating := float64(a.count[i]) < apgdRho*span
				stalled := !a.reducedLast[i] && a.fmax[i] == a.fmaxLast[i]
				reduce := oscillating || stalled
				if reduce {
					// Halve the step and restart from the best point; the momentum
					// term then points from the last iterate to it.
					a.eta[i] /= 2
					copy(a.cur.Row(i), a.xmax.Row(i))
					copy(a.g.Row(i), a.gmax.Row(i))
					a.f[i] = a.fmax[i]
				}
				a.reducedLast[i] = reduce
				a.fmaxLast[i] = a.fmax[i]
				a.count[i] = 0
			}
			j++
		}
	}
	for i := 0; i < n; i++ {
		if !a.found[i] {
			copy(out.Row(i), a.xmax.Row(i))
		}
	}
}

// update computes example i's next iterate into a.next: the projected
// gradient step z, then (with momentum) the α-blend of z with the previous
// move, projected again.
func (a *apgdRun) update(i int, momentum bool, x0 []float32, cfg Config) {
	if cfg.Norm == NormInf {
		a.updateInf(i, momentum, x0, cfg.Eps)
		return
	}
	cur := a.cur.Row(i)
	direction(a.s, a.g.Row(i), cfg.Norm)
	v, sr := a.v[:len(cur)], a.s[:len(cur)]
	for j := axpyRowVec(v, cur, sr, a.eta[i]); j < len(cur); j++ { // the same arithmetic, 8 at a time
		v[j] = float64(cur[j]) + a.eta[i]*sr[j]
	}
	next := a.next.Row(i)
	if !momentum {
		projectRow(next, a.v, x0, cfg.Eps, cfg.Norm)
		return
	}
	projectRow(a.zrow, a.v, x0, cfg.Eps, cfg.Norm)
	prev, z := a.prev.Row(i)[:len(cur)], a.zrow[:len(cur)]
	for j := momentumVec(v, cur, z, prev); j < len(cur); j++ { // the same arithmetic, 8 at a time
		xc := float64(cur[j])
		v[j] = xc + apgdAlpha*(float64(z[j])-xc) + (1-apgdAlpha)*(xc-float64(prev[j]))
	}
	projectRow(next, a.v, x0, cfg.Eps, cfg.Norm)
}

// updateInf is update for L∞ fused into one pass per coordinate (the
// projection is a per-coordinate clamp), branch-free as in stepInf.
func (a *apgdRun) updateInf(i int, momentum bool, x0 []float32, eps float64) {
	cur, prev, next, g := a.cur.Row(i), a.prev.Row(i), a.next.Row(i), a.g.Row(i)
	if len(cur) == 0 {
		return
	}
	_, _, _, _ = prev[len(cur)-1], next[len(cur)-1], g[len(cur)-1], x0[len(cur)-1]
	eb := math.Float64bits(math.Abs(a.eta[i]))
	done := apgdInfVec(next, cur, prev, g, x0, eb, eps, momentum) // the same arithmetic, 8 at a time
	for j := done; j < len(cur); j++ {
		cj := cur[j]
		gb := math.Float32bits(g[j])
		d := math.Float64frombits(eb | uint64(gb&0x80000000)<<32) // η·sign(g)
		if gb&0x7fffffff == 0 {
			d = 0
		}
		c0 := float64(x0[j])
		lo, hi := max(c0-eps, 0), min(c0+eps, 1)
		c := float64(cj)
		z := min(max(c+d, lo), hi)
		if momentum {
			// The conversions keep each product rounded (no fused multiply-add), as the kernel computes.
			z = min(max(c+float64(apgdAlpha*(z-c))+float64((1-apgdAlpha)*(c-float64(prev[j]))), lo), hi)
		}
		next[j] = float32(z)
	}
}

// targetClasses returns the number of target classes of the targeted
// attacks for a model with c classes: cfg.TargetClasses, by default (0)
// min(9, c−1), and never more than c−1.
func (c Config) targetClasses(classes int) int {
	k := c.TargetClasses
	if k == 0 {
		k = 9
	}
	return min(k, classes-1)
}

// rankTargets writes into t, for each row of the logits z, the class with
// the r-th largest logit among the classes other than y[i] (r = 1: the
// runner-up).
func rankTargets(t []int, z *tensor.Mat, y []int, r int) {
	for i := range t {
		row := z.Row(i)
		used := make([]bool, len(row))
		used[y[i]] = true
		best := -1
		for k := 0; k < r; k++ {
			best = -1
			for j, v := range row {
				if !used[j] && (best < 0 || v > row[best]) {
					best = j
				}
			}
			used[best] = true
		}
		t[i] = best
	}
}

// APGDT writes into dst the APGD-T adversarial (Croce & Hein 2020) of each
// row of x: for r = 1 … K (K = cfg.TargetClasses, by default min(9, C−1)),
// one APGD run on the targeted DLR loss towards the class with the r-th
// largest clean logit among the wrong ones, on the rows that no earlier run
// has misclassified. A row's result is the first misclassified point found,
// or else the first run's highest-loss point. Each run has cfg.Restarts
// restarts and its own seed derived from cfg.Seed and r. It returns an
// error when m is not a LogitsGrader or has fewer than
// MinClassesDLRTargeted classes; dst is then untouched.
func APGDT(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) error {
	lg, err := logitsGrader(m, "APGD-T")
	if err != nil {
		return err
	}
	if err := checkClasses("APGD-T", m.NumClasses(), true); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	checkBatch(m, x, y)
	n, d := x.Rows, x.Cols
	dst.Resize(n, d)
	dst.CopyFrom(x)
	var clean, z tensor.Mat
	m.Logits(&clean, x)
	broken := make([]bool, n)
	active := make([]int, 0, n)
	for i := range broken {
		broken[i] = argmax(clean.Row(i)) != y[i]
	}
	var xs, cs, out tensor.Mat
	var ys, ts []int
	for r := 1; r <= cfg.targetClasses(m.NumClasses()) && !cfg.stopped(); r++ {
		active = active[:0]
		for i, b := range broken {
			if !b {
				active = append(active, i)
			}
		}
		if len(active) == 0 {
			return nil
		}
		tensor.Gather(&xs, x, active)
		tensor.Gather(&cs, &clean, active)
		ys, ts = ys[:0], append(ts[:0], make([]int, len(active))...)
		for _, i := range active {
			ys = append(ys, y[i])
		}
		rankTargets(ts, &cs, ys, r)
		rc := cfg
		rc.Seed = splitmix64(cfg.Seed ^ uint64(r)<<32)
		apgd(&out, m, &xs, ys, rc, apgdLoss{lg: lg, targets: ts})
		m.Logits(&z, &out)
		for k, i := range active {
			if argmax(z.Row(k)) != y[i] {
				broken[i] = true
				copy(dst.Row(i), out.Row(k))
			} else if r == 1 {
				copy(dst.Row(i), out.Row(k))
			}
		}
	}
	return nil
}
