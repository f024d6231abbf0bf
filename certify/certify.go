package certify

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/tensor"
	"gonum.org/v1/gonum/stat"
)

// Methods accepted in Config.Method.
const (
	MethodIBP        = "ibp"
	MethodCROWN      = "crown"
	MethodAlphaCROWN = "alpha-crown"
	MethodLipschitz  = "lipschitz"
)

// Norms accepted in Config.Norm (the same names as attack.Config.Norm).
const (
	NormInf = "inf"
	Norm2   = "2"
)

// Defaults of Config's zero values.
const (
	DefaultBatchSize  = 64
	DefaultAlphaSteps = 20
	DefaultAlphaLR    = 0.1
)

// QuantileLevels are the levels of Result.Quantiles.
var QuantileLevels = []float64{0.1, 0.25, 0.5, 0.75, 0.9}

// Config chooses a certification method and the threat model. The zero
// values of Norm, BatchSize, Workers, AlphaSteps and AlphaLR mean "inf",
// DefaultBatchSize, runtime.GOMAXPROCS(0), DefaultAlphaSteps and
// DefaultAlphaLR.
type Config struct {
	// Method is "ibp", "crown", "alpha-crown" or "lipschitz" (L2 only).
	Method string
	// Norm is the ball's norm: "inf" (L∞) or "2" (L2).
	Norm string
	// Eps is the ball's radius ε; the ball is intersected with [0, 1]ⁿ.
	// CertifiedRadius searches [0, Eps] (0: [0, 1] for L∞, [0, √n] for L2).
	Eps float64
	// BatchSize is the number of examples bounded together.
	BatchSize int
	// Workers is the number of goroutines the batches are spread over.
	// Results do not depend on it.
	Workers int
	// AlphaSteps is α-CROWN's number of projected Adam steps for each hidden
	// layer's bounds and for the margins'; AlphaLR its
	// step size on tangent points scaled to [0, 1].
	AlphaSteps int
	AlphaLR    float64
	// NoBox drops the [0, 1]ⁿ box: the set is the ball alone, for inputs
	// that are not pixels (then any finite input is accepted).
	NoBox bool
}

// Validate reports the first problem with c as an error naming the field
// (internal/field).
func (c Config) Validate() error {
	switch c.Method {
	case MethodIBP, MethodCROWN, MethodAlphaCROWN, MethodLipschitz:
	default:
		return field.Errorf("{Method} must be ibp, crown, alpha-crown or lipschitz, got %q", c.Method)
	}
	switch c.Norm {
	case "", NormInf, Norm2:
	default:
		return field.Errorf("{Norm} must be inf or 2, got %q", c.Norm)
	}
	if c.Method == MethodLipschitz && c.Norm != Norm2 {
		return field.Errorf("{Method} lipschitz certifies L2 balls only: use {Norm} 2")
	}
	if !(c.Eps >= 0) || math.IsInf(c.Eps, 0) {
		return field.Errorf("{Eps} must be a finite number ≥ 0, got %g", c.Eps)
	}
	if c.BatchSize < 0 {
		return field.Errorf("{BatchSize} must be ≥ 0, got %d", c.BatchSize)
	}
	if c.Workers < 0 {
		return field.Errorf("{Workers} must be ≥ 0, got %d", c.Workers)
	}
	if c.AlphaSteps < 0 {
		return field.Errorf("{AlphaSteps} must be ≥ 0, got %d", c.AlphaSteps)
	}
	if !(c.AlphaLR >= 0) || math.IsInf(c.AlphaLR, 0) {
		return field.Errorf("{AlphaLR} must be a finite number ≥ 0, got %g", c.AlphaLR)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Norm == "" {
		c.Norm = NormInf
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.AlphaSteps == 0 {
		c.AlphaSteps = DefaultAlphaSteps
	}
	if c.AlphaLR == 0 {
		c.AlphaLR = DefaultAlphaLR
	}
	return c
}

// Label names the method for humans, with its reference.
func (c Config) Label() string {
	switch c.Method {
	case MethodIBP:
		return "ibp (interval bound propagation)"
	case MethodCROWN:
		return "crown (Zhang et al. 2018)"
	case MethodAlphaCROWN:
		return "alpha-crown (Xu et al. 2021)"
	case MethodLipschitz:
		return "lipschitz (product of spectral norms)"
	}
	return c.Method
}

// Result is the certified accuracy of a network on a data set.
type Result struct {
	Method string  `json:"method"`
	Label  string  `json:"label"`
	Norm   string  `json:"norm"`
	Eps    float64 `json:"eps"`
	// Certified is the number of examples whose every margin z_y − z_j
	// has a lower bound > 0 over the ball ∩ [0, 1]ⁿ; Accuracy is
	// Certified/Total, a lower bound on the robust accuracy.
	Certified int     `json:"certified"`
	Total     int     `json:"total"`
	Accuracy  float64 `json:"certified_accuracy"`
	// Clean is the accuracy at the clean inputs (the network in float64).
	Clean float64 `json:"clean"`
	// MeanBound is the mean over examples of the worst-margin lower bound
	// (the minimum over j ≠ y of the margins' lower bounds); Quantiles are
	// its quantiles at QuantileLevels.
	MeanBound float64   `json:"mean_bound"`
	Quantiles []float64 `json:"quantiles"`
	Seconds   float64   `json:"seconds"`
	// PerExample is every example's worst-margin lower bound.
	PerExample []float64 `json:"per_example,omitempty"`
}

// Bounds writes lower bounds on the margins z_y − z_j of net over the ball
// of radius cfg.Eps ∩ [0, 1]ⁿ around each row of x (inputs in [0, 1]) into
// dst, n×K row-major: dst[i·K+j] ≤ z_{y_i}(x') − z_j(x') for every x' of
// the set; dst[i·K+y_i] is +Inf, so that the minimum of a row is its
// worst margin's bound.
func Bounds(dst []float64, net *Network, x *tensor.Mat, y []int, cfg Config) error {
	return BoundsContext(context.Background(), dst, net, x, y, cfg)
}

// BoundsContext is Bounds that stops early, returning ctx's error, once
// ctx is done.
func BoundsContext(ctx context.Context, dst []float64, net *Network, x *tensor.Mat, y []int, cfg Config) error {
	if err := checkInputs(net, x, y, cfg); err != nil {
		return err
	}
	if len(dst) != x.Rows*net.NumClasses() {
		panic(fmt.Sprintf("certify: dst has %d entries, want %d×%d", len(dst), x.Rows, net.NumClasses()))
	}
	cfg = cfg.withDefaults()
	eps := make([]float64, x.Rows)
	for i := range eps {
		eps[i] = cfg.Eps
	}
	return run(ctx, dst, net, x, y, eps, cfg)
}

func checkInputs(net *Network, x *tensor.Mat, y []int, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := net.check(); err != nil {
		return err
	}
	if net.NumClasses() < 2 {
		return fmt.Errorf("certify: a network with %d output has no margins to bound", net.NumClasses())
	}
	if x.Cols != net.InputDim() {
		return fmt.Errorf("certify: inputs have %d features, the network takes %d", x.Cols, net.InputDim())
	}
	if len(y) != x.Rows {
		return fmt.Errorf("certify: %d labels for %d inputs", len(y), x.Rows)
	}
	for i, c := range y {
		if c < 0 || c >= net.NumClasses() {
			return fmt.Errorf("certify: label %d of example %d out of range 0..%d", c, i, net.NumClasses()-1)
		}
	}
	for i, v := range x.Data {
		if cfg.NoBox {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("certify: input %g of example %d is not a finite number", v, i/x.Cols)
			}
		} else if !(v >= 0 && v <= 1) {
			return field.Errorf("certify: input %g of example %d outside [0, 1]; set {NoBox} if the inputs are not pixels", v, i/x.Cols)
		}
	}
	return nil
}

// run bounds every example's margins into dst (n×K), example i over the
// ball of radius eps[i], in batches spread over cfg.Workers goroutines.
func run(ctx context.Context, dst []float64, net *Network, x *tensor.Mat, y []int, eps []float64, cfg Config) error {
	n, n0, K := x.Rows, x.Cols, net.NumClasses()
	var lip *lipschitz
	if cfg.Method == MethodLipschitz {
		lip = newLipschitz(net)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(cfg.Workers, (n+cfg.BatchSize-1)/cfg.BatchSize) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBounder(net, cfg.Norm)
			b.nobox = cfg.NoBox
			xb := make([]float64, cfg.BatchSize*n0)
			for lo := range jobs {
				hi := min(lo+cfg.BatchSize, n)
				xb = xb[:(hi-lo)*n0]
				for i, v := range x.Data[lo*n0 : hi*n0] {
					xb[i] = float64(v)
				}
				b.reset(xb, y[lo:hi], eps[lo:hi])
				out := dst[lo*K : hi*K]
				if lip != nil {
					lip.margins(out, b)
				} else {
					b.margins(out, cfg)
				}
				for e := range hi - lo {
					out[e*K+y[lo+e]] = posInf
				}
			}
		}()
	}
	var err error
feed:
	for lo := 0; lo < n; lo += cfg.BatchSize {
		select {
		case jobs <- lo:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return err
}

// margins writes the batch's margin lower bounds (nb·K) by cfg.Method.
func (b *bounder) margins(dst []float64, cfg Config) {
	crown := cfg.Method != MethodIBP
	b.alpha = nil
	b.hidden(crown)
	b.ibpMargins(dst)
	if !crown {
		return
	}
	c := make([]float64, len(dst))
	keep := func() {
		for i, v := range c {
			dst[i] = max(dst[i], v) // all are sound; keep the tightest
		}
	}
	b.crownMargins(c, nil, nil)
	keep()
	if cfg.Method == MethodAlphaCROWN {
		// The hidden bounds climbed from CROWN's, then the margins' own
		// climb, never below the bounds so far.
		b.alpha = &cfg
		b.hidden(true)
		b.ibpMargins(c)
		keep()
		b.crownMargins(c, nil, nil)
		keep()
		copy(c, dst)
		b.alphaMargins(dst, c, cfg)
	}
}

// Accuracy bounds every example's margins (see Bounds) and returns the
// certified accuracy, the worst-margin bounds and their summary.
func Accuracy(ctx context.Context, net *Network, x *tensor.Mat, y []int, cfg Config) (Result, error) {
	if err := checkInputs(net, x, y, cfg); err != nil {
		return Result{}, err
	}
	start := time.Now()
	K := net.NumClasses()
	dst := make([]float64, x.Rows*K)
	if err := BoundsContext(ctx, dst, net, x, y, cfg); err != nil {
		return Result{}, err
	}
	secs := time.Since(start).Seconds()
	full := cfg.withDefaults()
	res := Result{Method: cfg.Method, Label: cfg.Label(), Norm: full.Norm, Eps: cfg.Eps, Total: x.Rows, Seconds: secs}
	res.PerExample = make([]float64, x.Rows)
	margins := make([]float64, K)
	x64 := make([]float64, x.Cols)
	correct := 0
	for i := range x.Rows {
		res.PerExample[i] = slices.Min(dst[i*K : (i+1)*K])
		if res.PerExample[i] > 0 {
			res.Certified++
		}
		for j, v := range x.Row(i) {
			x64[j] = float64(v)
		}
		if net.Margins(margins, x64, y[i]) > 0 {
			correct++
		}
	}
	res.summarise(correct)
	return res, nil
}

// summarise fills the accuracies, mean and quantiles from PerExample.
func (r *Result) summarise(correct int) {
	if r.Total == 0 {
		return
	}
	r.Accuracy = float64(r.Certified) / float64(r.Total)
	r.Clean = float64(correct) / float64(r.Total)
	s := slices.Clone(r.PerExample)
	slices.Sort(s)
	r.MeanBound = stat.Mean(s, nil)
	r.Quantiles = make([]float64, len(QuantileLevels))
	for i, p := range QuantileLevels {
		r.Quantiles[i] = stat.Quantile(p, stat.Empirical, s, nil)
	}
}

// radiusSteps is the number of bisection steps of CertifiedRadius.
const radiusSteps = 16

// CertifiedRadius writes into dst (len n) the largest radius ε found in
// [0, cfg.Eps] (see Config.Eps) at which cfg.Method certifies each row of
// x: 16 bisection steps, each radius reported one the method certified
// (0 where none was, including misclassified examples). The Lipschitz
// method's radius is exact: min over j of margin_j / L_j.
func CertifiedRadius(ctx context.Context, dst []float64, net *Network, x *tensor.Mat, y []int, cfg Config) error {
	if err := checkInputs(net, x, y, cfg); err != nil {
		return err
	}
	if len(dst) != x.Rows {
		panic(fmt.Sprintf("certify: dst has %d entries, want %d", len(dst), x.Rows))
	}
	cfg = cfg.withDefaults()
	top := cfg.Eps
	if top == 0 {
		top = 1
		if cfg.Norm == Norm2 {
			top = math.Sqrt(float64(x.Cols))
		}
	}
	n, K := x.Rows, net.NumClasses()
	bounds := make([]float64, n*K)
	if cfg.Method == MethodLipschitz {
		lip := newLipschitz(net)
		x64 := make([]float64, x.Cols)
		m := make([]float64, K)
		for i := range n {
			for j, v := range x.Row(i) {
				x64[j] = float64(v)
			}
			dst[i] = min(lip.radius(m, net, x64, y[i]), top)
		}
		return nil
	}
	lo := make([]float64, n)
	hi := make([]float64, n)
	eps := make([]float64, n)
	for i := range hi {
		eps[i], hi[i] = top, top
	}
	certified := func(i int) bool { return slices.Min(bounds[i*K:(i+1)*K]) > 0 }
	if err := run(ctx, bounds, net, x, y, eps, cfg); err != nil {
		return err
	}
	for i := range n {
		if certified(i) {
			lo[i] = top
		}
	}
	for range radiusSteps {
		for i := range n {
			eps[i] = (lo[i] + hi[i]) / 2
		}
		if err := run(ctx, bounds, net, x, y, eps, cfg); err != nil {
			return err
		}
		for i := range n {
			if lo[i] == top {
				continue
			}
			if certified(i) {
				lo[i] = eps[i]
			} else {
				hi[i] = eps[i]
			}
		}
	}
	copy(dst, lo)
	return nil
}
