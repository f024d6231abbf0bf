package embed

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/isonet/isonet/tensor"
)

// UMAPOptions configures UMAP. The zero value of a field selects its default.
type UMAPOptions struct {
	// Neighbors is the size of the local neighbourhood, counting the point
	// itself (umap-learn's n_neighbors); default 15, at least 2, below the
	// number of points.
	Neighbors int
	// MinDist is the smallest distance between embedded points (default
	// 0.1). Zero selects the default; for "no minimum" pass a tiny value.
	MinDist float64
	// Spread is the scale of the embedded points (default 1).
	Spread float64
	// Dims is the dimension of the embedding (default 2).
	Dims int
	// Epochs is the number of SGD epochs; 0 means 500 for up to 10000
	// points and 200 above, as in umap-learn.
	Epochs int
	// Seed makes the embedding reproducible: the same data, options and
	// seed give the same embedding, bit for bit.
	Seed uint64
	// Workers bounds the goroutines of every stage (0 means GOMAXPROCS; 1
	// is serial). It does not change the result.
	Workers int
	// LearningRate is SGD's initial learning rate (default 1).
	LearningRate float64
	// NegativeSampleRate is the number of negative samples per positive
	// sample (default 5).
	NegativeSampleRate float64
	// RepulsionStrength weighs the negative samples (umap-learn's
	// repulsion_strength, γ; default 1).
	RepulsionStrength float64
}

// Values of UMAPResult.Init.
const (
	InitSpectral     = "spectral"
	InitComponents   = "spectral per component (graph disconnected)"
	InitDisconnected = "random (graph disconnected)"
	InitTooFew       = "random (too few points for a spectral layout)"
	InitNoEigen      = "random (eigensolver did not converge)"
)

// UMAPResult is an embedding and how it was made.
type UMAPResult struct {
	// Y holds one row per input row, Dims columns.
	Y *tensor.Mat `json:"-"`
	// Init says how the layout started: "spectral", or a random start and
	// why; "spectral per component" when the neighbour graph has several
	// components, each laid out spectrally and placed apart.
	Init string `json:"init"`
	// A and B are the fitted parameters of the low-dimensional similarity
	// 1/(1 + A·d^(2B)).
	A float64 `json:"a"`
	B float64 `json:"b"`
	// Epochs is the number of SGD epochs run.
	Epochs int `json:"epochs"`
	// KNNMethod is the neighbour search used: "exact" or "nn-descent".
	KNNMethod string `json:"knn_method"`
}

// withDefaults fills the zero fields of o and checks the result against n
// points.
func (o UMAPOptions) withDefaults(n int) (UMAPOptions, error) {
	if o.Neighbors == 0 {
		o.Neighbors = 15
	}
	if o.MinDist == 0 {
		o.MinDist = 0.1
	}
	if o.Spread == 0 {
		o.Spread = 1
	}
	if o.Dims == 0 {
		o.Dims = 2
	}
	if o.LearningRate == 0 {
		o.LearningRate = 1
	}
	if o.NegativeSampleRate == 0 {
		o.NegativeSampleRate = 5
	}
	if o.RepulsionStrength == 0 {
		o.RepulsionStrength = 1
	}
	switch {
	case o.Neighbors < 2:
		return o, fmt.Errorf("umap: neighbors = %d, need at least 2", o.Neighbors)
	case o.Neighbors >= n:
		return o, fmt.Errorf("umap: neighbors = %d, need fewer than the %d points", o.Neighbors, n)
	case o.Dims < 1:
		return o, fmt.Errorf("umap: dims = %d, need at least 1", o.Dims)
	case !(o.Spread > 0) || math.IsInf(o.Spread, 0):
		return o, fmt.Errorf("umap: spread = %g, need a positive number", o.Spread)
	case !(o.MinDist > 0) || o.MinDist > o.Spread:
		return o, fmt.Errorf("umap: min-dist = %g, need 0 < min-dist ≤ spread (%g)", o.MinDist, o.Spread)
	case o.Epochs < 0:
		return o, fmt.Errorf("umap: epochs = %d, need at least 0", o.Epochs)
	case !(o.LearningRate > 0) || math.IsInf(o.LearningRate, 0):
		return o, fmt.Errorf("umap: learning rate = %g, need a positive number", o.LearningRate)
	case !(o.NegativeSampleRate > 0) || math.IsInf(o.NegativeSampleRate, 0):
		return o, fmt.Errorf("umap: negative sample rate = %g, need a positive number", o.NegativeSampleRate)
	case !(o.RepulsionStrength > 0) || math.IsInf(o.RepulsionStrength, 0):
		return o, fmt.Errorf("umap: repulsion strength = %g, need a positive number", o.RepulsionStrength)
	}
	if o.Epochs == 0 {
		o.Epochs = 500
		if n > 10000 {
			o.Epochs = 200
		}
	}
	return o, nil
}

// checkData rejects data UMAP or PCA cannot embed.
func checkData(x *tensor.Mat) error {
	if x == nil || x.Rows < 2 {
		return errors.New("need at least 2 points")
	}
	if x.Cols < 1 {
		return errors.New("points have no coordinates")
	}
	for t, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("point %d, coordinate %d is %v", t/x.Cols, t%x.Cols, v)
		}
	}
	return nil
}

// UMAP embeds the rows of x in opt.Dims dimensions (McInnes, Healy &
// Melville 2018). It finds each point's neighbours (KNN), turns their
// distances into memberships of a fuzzy graph (smooth-kNN σ and ρ, fuzzy
// union), starts from the graph's spectral layout (a random one if the graph
// is disconnected) and optimises the layout by SGD with negative sampling.
// Errors report bad options or data: fewer than 2 points, non-finite values,
// neighbours not below the number of points, and so on.
func UMAP(x *tensor.Mat, opt UMAPOptions) (*UMAPResult, error) {
	return UMAPContext(context.Background(), x, opt)
}

// UMAPContext is UMAP stopped by ctx: checked between the stages and at
// every SGD epoch, it returns ctx's error once cancelled.
func UMAPContext(ctx context.Context, x *tensor.Mat, opt UMAPOptions) (*UMAPResult, error) {
	if err := checkData(x); err != nil {
		return nil, fmt.Errorf("umap: %w", err)
	}
	nparts := 1
	if x.Rows >= sgdParts*sgdMinPart {
		nparts = sgdParts
	}
	return umapContext(ctx, x, opt, nparts)
}

// umap is UMAP with the number of parts of the parallel SGD given.
func umap(x *tensor.Mat, opt UMAPOptions, nparts int) (*UMAPResult, error) {
	return umapContext(context.Background(), x, opt, nparts)
}

func umapContext(ctx context.Context, x *tensor.Mat, opt UMAPOptions, nparts int) (*UMAPResult, error) {
	n := x.Rows
	opt, err := opt.withDefaults(n)
	if err != nil {
		return nil, err
	}
	workers := workerCount(opt.Workers)
	res := &UMAPResult{Epochs: opt.Epochs}
	res.A, res.B = FitAB(opt.Spread, opt.MinDist)

	idx, dist, method := knn(x, opt.Neighbors-1, opt.Seed, workers)
	res.KNNMethod = method
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sigma, rho := smoothKNN(dist, opt.Neighbors, workers)
	g := fuzzyGraph(idx, dist, sigma, rho)
	pruneAt := opt.Epochs
	if pruneAt <= 10 {
		pruneAt = 500
		if n > 10000 {
			pruneAt = 200
		}
	}
	g = g.prune(pruneAt)

	y := make([]float64, n*opt.Dims)
	var spec []float64
	switch {
	case g.components() > 1:
		var ok bool
		spec, ok = componentLayout(x, g, opt.Dims, newRand(opt.Seed, streamSpectral), workers)
		res.Init = InitComponents
		if !ok {
			res.Init, spec = InitDisconnected, nil
		}
	case n-1 < opt.Dims:
		res.Init = InitTooFew
	default:
		var ok bool
		spec, ok = spectralLayout(g, opt.Dims, newRand(opt.Seed, streamSpectral), workers)
		res.Init = InitSpectral
		if !ok {
			res.Init = InitNoEigen
		}
	}
	rng := newRand(opt.Seed, streamInit)
	if spec != nil {
		// Scale to a largest coordinate of 10 and jitter a little, as
		// umap-learn does.
		var big float64
		for _, v := range spec {
			big = max(big, math.Abs(v))
		}
		for t, v := range spec {
			y[t] = 10*v/big + 1e-4*rng.NormFloat64()
		}
	} else {
		for t := range y {
			y[t] = -10 + 20*rng.Float64()
		}
	}
	// Every coordinate to [0, 10].
	for c := 0; c < opt.Dims; c++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := 0; i < n; i++ {
			lo, hi = min(lo, y[i*opt.Dims+c]), max(hi, y[i*opt.Dims+c])
		}
		for i := 0; i < n; i++ {
			if hi > lo {
				y[i*opt.Dims+c] = 10 * (y[i*opt.Dims+c] - lo) / (hi - lo)
			} else {
				y[i*opt.Dims+c] = 0
			}
		}
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	newLayout(g, opt.Dims, y, nparts).optimize(y, sgdParams{
		done: ctx.Done(),
		a:    res.A, b: res.B,
		gamma:   opt.RepulsionStrength,
		alpha:   opt.LearningRate,
		negRate: opt.NegativeSampleRate,
		epochs:  opt.Epochs,
		seed:    opt.Seed,
		workers: workers,
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res.Y = tensor.New(n, opt.Dims)
	for t, v := range y {
		res.Y.Data[t] = float32(v)
	}
	return res, nil
}
