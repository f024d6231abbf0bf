package attack

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/isonet/isonet/tensor"
)

// Result is a model's accuracy under one attack over a data set.
type Result struct {
	// Accuracy is Correct/Total: the fraction of examples classified
	// correctly both clean and under attack.
	Accuracy float64 `json:"accuracy"`
	Correct  int     `json:"correct"`
	Total    int     `json:"total"`
	// Clean is the accuracy on the unperturbed inputs.
	Clean float64 `json:"clean"`
	// Attack is the attack's name as in Config.Attack; Label says it for humans.
	Attack   string  `json:"attack"`
	Label    string  `json:"label"`
	Norm     string  `json:"norm"`
	Eps      float64 `json:"eps"`
	Step     float64 `json:"step"`
	Steps    int     `json:"steps"`
	Restarts int     `json:"restarts"`
	// RandomStart and Seed complete the configuration, for reproduction.
	RandomStart bool   `json:"random_start"`
	Seed        uint64 `json:"seed"`
	// PerExample[i] says whether example i is robust (correct clean and under
	// attack); WorstOf combines these over several attacks.
	PerExample []bool `json:"per_example,omitempty"`
}

// attackBatch runs cfg's attack on one batch.
func attackBatch(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) {
	cfg = cfg.withDefaults()
	switch cfg.Attack {
	case AttackFGSM:
		FGSM(dst, m, x, y, cfg.Eps, cfg.Norm)
	case AttackPGD:
		PGD(dst, m, x, y, cfg)
	case AttackPGDPaper:
		PGDPaper(dst, m, x, y, cfg)
	case AttackAPGD:
		APGD(dst, m, x, y, cfg)
	case AttackSquare:
		Square(dst, m, x, y, cfg)
	case AttackAPGDDLR, AttackAPGDT, AttackFAB, AttackFABT:
		var err error
		switch cfg.Attack {
		case AttackAPGDDLR:
			err = APGDDLR(dst, m, x, y, cfg)
		case AttackAPGDT:
			err = APGDT(dst, m, x, y, cfg)
		case AttackFAB:
			err = FAB(dst, nil, m, x, y, cfg)
		default:
			err = FABT(dst, nil, m, x, y, cfg)
		}
		if err != nil {
			panic(err) // checkModel has ruled it out
		}
		if cfg.Attack == AttackFAB || cfg.Attack == AttackFABT {
			withinBall(dst, x, cfg.Eps, cfg.Norm)
		}
	default:
		panic(fmt.Sprintf("attack: unknown attack %q", cfg.Attack))
	}
}

// withinBall replaces by the clean row every row of dst farther than eps
// from x in norm: FAB's adversarials have the smallest norm it found, which
// may exceed the budget.
func withinBall(dst, x *tensor.Mat, eps float64, norm string) {
	for i := 0; i < x.Rows; i++ {
		if rowDist(dst.Row(i), x.Row(i), norm) > eps {
			copy(dst.Row(i), x.Row(i))
		}
	}
}

// checkModel returns an error when cfg's attack cannot run on m: the DLR
// attacks and FAB need a LogitsGrader, the DLR attacks enough classes. With
// cfg.FallbackCE a DLR attack on too few classes becomes APGD on
// cross-entropy, and the returned Config says so.
func checkModel(m Model, cfg Config) (Config, error) {
	switch cfg.Attack {
	case AttackAPGDDLR, AttackAPGDT:
		err := checkClasses(cfg.Attack, m.NumClasses(), cfg.Attack == AttackAPGDT)
		if err != nil && cfg.FallbackCE {
			cfg.Attack = AttackAPGD
			return cfg, nil
		}
		if err != nil {
			return cfg, err
		}
	case AttackFAB, AttackFABT:
	default:
		return cfg, nil
	}
	_, err := logitsGrader(m, cfg.Attack)
	return cfg, err
}

// checkData returns an error when x, y and m do not fit together or x leaves [0,1].
func checkData(m Model, x *tensor.Mat, y []int) error { return checkDataIn(m, x, y, 0, 1) }

// checkDataIn is checkData for the box [lo, hi].
func checkDataIn(m Model, x *tensor.Mat, y []int, lo, hi float64) error {
	if x.Rows == 0 {
		return fmt.Errorf("attack: no examples")
	}
	if x.Cols != m.InputDim() {
		return fmt.Errorf("attack: model takes %d inputs, data has %d", m.InputDim(), x.Cols)
	}
	if len(y) != x.Rows {
		return fmt.Errorf("attack: %d labels for %d examples", len(y), x.Rows)
	}
	c := m.NumClasses()
	for i, v := range y {
		if v < 0 || v >= c {
			return fmt.Errorf("attack: label %d of example %d outside [0, %d)", v, i, c)
		}
	}
	for k, v := range x.Data {
		if !(float64(v) >= lo && float64(v) <= hi) {
			return fmt.Errorf("attack: input %g of example %d outside [%g, %g]", v, k/x.Cols, lo, hi)
		}
	}
	return nil
}

// RobustAccuracy attacks every example of (x, y) with cfg and returns the
// accuracy under attack: correct/all, where an example is correct if the
// model classifies it correctly both clean and attacked. The data is split
// into batches of cfg.BatchSize spread over cfg.Workers goroutines, each with
// its own m.Fork(); batch b draws from a seed derived from cfg.Seed and b
// alone, so the result does not depend on the number of workers. m's weights
// are never changed. Errors: an invalid cfg, data that does not fit m, inputs
// outside [0,1].
func RobustAccuracy(m Model, x *tensor.Mat, y []int, cfg Config) (Result, error) {
	return RobustAccuracyContext(context.Background(), m, x, y, cfg)
}

// RobustAccuracyContext is RobustAccuracy stopped by ctx: the iterative
// attacks check it at every step, so a cancelled run returns ctx's error
// within about one step of one batch.
func RobustAccuracyContext(ctx context.Context, m Model, x *tensor.Mat, y []int, cfg Config) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	cfg.done = ctx.Done()
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	cfg = cfg.withDefaults()
	user := cfg
	run, err := checkModel(m, cfg)
	if err != nil {
		return Result{}, err
	}
	if cfg.Lo == 0 && cfg.Hi == 0 {
		if err := checkData(m, x, y); err != nil {
			return Result{}, err
		}
	} else {
		// Attack in the unit box's coordinates.
		if err := checkDataIn(m, x, y, cfg.Lo, cfg.Hi); err != nil {
			return Result{}, err
		}
		e := newEvaluator(m, x, y, Config{Lo: cfg.Lo, Hi: cfg.Hi})
		m, x = e.m, e.x
		cfg.Eps /= e.scale
		cfg.Step /= e.scale
	}
	label := cfg.Label()
	run.Eps, run.Step = cfg.Eps, cfg.Step
	if run.Attack != cfg.Attack {
		label += fmt.Sprintf(" [fallback: apgd on cross-entropy, the model has %d classes]", m.NumClasses())
	}
	n, d := x.Rows, x.Cols
	bs := cfg.BatchSize
	nb := (n + bs - 1) / bs
	clean := make([]bool, n)
	robust := make([]bool, n)
	workers, wide := min(cfg.Workers, nb), 0
	if cfg.Widen != nil {
		wide = max(0, min(runtime.GOMAXPROCS(0), nb)-workers)
	}
	forks := make([]Model, workers+wide)
	for w := range forks {
		forks[w] = m.Fork() // sequentially: m itself is not safe for concurrent use
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func(fm Model) {
		var logits, adv tensor.Mat
		for {
			b := int(next.Add(1) - 1)
			if b >= nb || cfg.stopped() {
				return
			}
			lo, hi := b*bs, min((b+1)*bs, n)
			xb := tensor.FromSlice(hi-lo, d, x.Data[lo*d:hi*d])
			yb := y[lo:hi]
			fm.Logits(&logits, xb)
			for i := range yb {
				clean[lo+i] = argmax(logits.Row(i)) == yb[i]
			}
			bc := run
			bc.Seed = batchSeed(cfg.Seed, b)
			attackBatch(&adv, fm, xb, yb, bc)
			fm.Logits(&logits, &adv)
			for i := range yb {
				robust[lo+i] = clean[lo+i] && argmax(logits.Row(i)) == yb[i]
			}
		}
	}
	for _, fm := range forks[:workers] {
		wg.Go(func() { work(fm) })
	}
	if wide > 0 {
		// The extra workers start when Widen closes, unless the first
		// ones finish before.
		finished := make(chan struct{})
		var widen sync.WaitGroup
		widen.Go(func() {
			select {
			case <-cfg.Widen:
				var extra sync.WaitGroup
				for _, fm := range forks[workers:] {
					extra.Go(func() { work(fm) })
				}
				extra.Wait()
			case <-finished:
			}
		})
		wg.Wait()
		close(finished)
		widen.Wait()
	} else {
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	res := Result{
		Total: n, Attack: cfg.Attack, Label: label, Norm: cfg.Norm,
		Eps: user.Eps, Step: user.Step, Steps: cfg.Steps, Restarts: cfg.Restarts,
		RandomStart: cfg.RandomStart, Seed: cfg.Seed, PerExample: robust,
	}
	nc := 0
	for i := range robust {
		if clean[i] {
			nc++
		}
		if robust[i] {
			res.Correct++
		}
	}
	res.Accuracy = float64(res.Correct) / float64(n)
	res.Clean = float64(nc) / float64(n)
	return res, nil
}

// Sweep runs RobustAccuracy once per value, with base's "eps" or "step"
// (param) set to that value, and returns the results in order.
func Sweep(m Model, x *tensor.Mat, y []int, base Config, values []float64, param string) ([]Result, error) {
	return SweepContext(context.Background(), m, x, y, base, values, param)
}

// SweepContext is Sweep stopped by ctx (see RobustAccuracyContext).
func SweepContext(ctx context.Context, m Model, x *tensor.Mat, y []int, base Config, values []float64, param string) ([]Result, error) {
	if param != "eps" && param != "step" {
		return nil, fmt.Errorf("attack: sweep parameter must be eps or step, got %q", param)
	}
	out := make([]Result, 0, len(values))
	for _, v := range values {
		c := base
		if param == "eps" {
			c.Eps = v
		} else {
			c.Step = v
		}
		r, err := RobustAccuracyContext(ctx, m, x, y, c)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("attack: sweep %s = %g: %w", param, v, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// LogSpace returns n values spaced evenly in log scale from lo to hi, both
// included exactly (n = 1 gives lo). It panics unless 0 < lo and 0 < hi.
func LogSpace(lo, hi float64, n int) []float64 {
	if !(lo > 0 && hi > 0) {
		panic(fmt.Sprintf("attack: LogSpace needs positive bounds, got %g, %g", lo, hi))
	}
	if n <= 0 {
		return nil
	}
	v := make([]float64, n)
	a, b := math.Log(lo), math.Log(hi)
	for i := range v {
		if n == 1 {
			v[i] = lo
			break
		}
		v[i] = math.Exp(a + (b-a)*float64(i)/float64(n-1))
	}
	v[0] = lo
	if n > 1 {
		v[n-1] = hi
	}
	return v
}

// WorstOf returns the worst-case accuracy over several attacks on the same
// examples: the fraction of examples that every result reports as robust.
// It panics when the results are empty or their PerExample lengths differ.
func WorstOf(results ...Result) float64 {
	if len(results) == 0 {
		panic("attack: WorstOf of no results")
	}
	n := len(results[0].PerExample)
	if n == 0 {
		panic("attack: WorstOf of results without PerExample")
	}
	c := 0
	for i := 0; i < n; i++ {
		ok := true
		for _, r := range results {
			if len(r.PerExample) != n {
				panic(fmt.Sprintf("attack: WorstOf of results over %d and %d examples", n, len(r.PerExample)))
			}
			ok = ok && r.PerExample[i]
		}
		if ok {
			c++
		}
	}
	return float64(c) / float64(n)
}

// InputGradStats returns the mean and the maximum over the examples of
// ‖∇_x L(x_i, y_i)‖₂, the input-gradient norm of the paper's §3.2 argument,
// evaluated in batches of batch rows (0 means DefaultBatchSize). LossGrad
// returns the gradient of the batch mean, whose row i is (1/N)·∇_x L_i when
// the per-example losses are independent, as CE is (the default attack loss);
// so each row is multiplied by the batch size N. For a loss that couples the
// examples (the training loss with its iso term) the rows are the per-example
// share of the batch gradient instead. It panics when x, y and m do not fit.
func InputGradStats(m Model, x *tensor.Mat, y []int, batch int) (mean, max float64) {
	checkBatch(m, x, y)
	if batch <= 0 {
		batch = DefaultBatchSize
	}
	n, d := x.Rows, x.Cols
	if n == 0 {
		return 0, 0
	}
	var g tensor.Mat
	var sum float64
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		xb := tensor.FromSlice(hi-lo, d, x.Data[lo*d:hi*d])
		g.Resize(hi-lo, d)
		setClean(m, xb, y[lo:hi])
		m.LossGrad(&g, xb, y[lo:hi])
		for i := 0; i < hi-lo; i++ {
			var s float64
			for _, v := range g.Row(i) {
				s += float64(v) * float64(v)
			}
			norm := math.Sqrt(s) * float64(hi-lo)
			sum += norm
			if norm > max {
				max = norm
			}
		}
	}
	return sum / float64(n), max
}
