// Package bench runs the workloads of the PyTorch peer benchmark
// (../shared/peer/torch_peer.py) with the same names, shapes and units, so
// that the two can be compared as ratios, plus a UMAP of all 70,000 MNIST
// images; it counts the FLOPs of each workload and measures the machine's
// fp32 multiply-add peak, so that rates can also be read as a fraction of
// what the hardware can do.
package bench

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/embed"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// Rate is one workload's measured rate.
type Rate struct {
	Name    string  `json:"name"`
	Unit    string  `json:"unit"`
	Rate    float64 `json:"rate"`
	Seconds float64 `json:"seconds"`
	// FLOPs is the floating-point operations counted per unit of Rate (per
	// example or per step): the multiply-adds (2 FLOPs each) of the matrix
	// products the workload computes, plus the isometric term's pair
	// arithmetic; element-wise work (activations, optimizer, softmax) is not
	// counted. 0 where no count is made (umap-70k).
	FLOPs  float64 `json:"flops_per_unit"`
	GFLOPS float64 `json:"gflops"`
	// Cores is the number of cores the workload computes on: 1 for a
	// training step and a one-worker attack, GOMAXPROCS for work spread
	// over the cores.
	Cores int `json:"cores"`
	// PeakFraction is GFLOPS over the measured peak of the cores it used
	// (Peak.OneCore for one core, Peak.GFLOPS for all); 0 when not measured.
	PeakFraction float64 `json:"peak_fraction"`
	// KNNAccuracy is umap-70k's 2-D 10-NN label accuracy.
	KNNAccuracy float64 `json:"knn_accuracy,omitempty"`
	// Skipped says why the workload did not run ("" when it ran).
	Skipped string `json:"skipped,omitempty"`
	// Certified is crown-10000's and alpha-crown-1000's certified accuracy.
	Certified *float64 `json:"certified_accuracy,omitempty"`
	// AutoAttack is autoattack-1000's cascade.
	AutoAttack *AutoAttackSummary `json:"autoattack,omitempty"`
}

// Workloads are the workload names, in the order Bench runs them: those of
// torch_peer.py, then umap-70k, autoattack-1000, crown-10000,
// alpha-crown-1000, train-aol and train-orthogonal.
var Workloads = []string{"train-b0", "train-b1", "fgsm", "pgd10", "toy-b1", "umap-70k", "autoattack-1000", "crown-10000", "alpha-crown-1000", "train-aol", "train-orthogonal"}

// mnistSizes are the layer sizes of the MNIST workloads.
var mnistSizes = []int{784, 100, 100, 100, 100, 10}

// toySizes are the layer sizes of toy-b1.
var toySizes = []int{3, 20, 20, 20, 20, 2}

// oneCore are the workloads that compute on one core: a training step runs
// its products on one thread, and autoattack-1000 uses one worker.
var oneCore = []string{"train-b0", "train-b1", "toy-b1", "autoattack-1000", "train-aol", "train-orthogonal"}

// Bench runs the named workloads (all when names is empty) and returns
// their rates; higher is better. peak, when measured (MeasurePeak), is the
// machine's fp32 peak that PeakFraction refers to.
func Bench(names []string, seed uint64, peak Peak) []Rate {
	if len(names) == 0 {
		names = Workloads
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	var x *tensor.Mat
	var y []int
	synthetic := func() {
		if x != nil {
			return
		}
		x = tensor.New(60000, 784)
		for i := range x.Data {
			x.Data[i] = rng.Float32()
		}
		y = make([]int, 60000)
		for i := range y {
			y[i] = rng.IntN(10)
		}
	}
	if slices.ContainsFunc(names, func(n string) bool { return n != "umap-70k" }) {
		synthetic() // first, as always: the networks' weights come after it from rng
	}
	var out []Rate
	for _, name := range names {
		var r Rate
		switch name {
		case "train-b0", "train-b1":
			synthetic()
			beta := 0.0
			if name == "train-b1" {
				beta = 1
			}
			net := benchMLP(rng, mnistSizes[0], 100, 10)
			benchTrain(net, x, y, beta, 100, 20) // warm-up
			secs, flops := benchTrain(net, x, y, beta, 100, 600)
			r = Rate{Name: name, Unit: "examples/s", Rate: 600 * 100 / secs, Seconds: secs, FLOPs: flops / (600 * 100)}
		case "fgsm", "pgd10":
			synthetic()
			steps := 1
			if name == "pgd10" {
				steps = 10
			}
			net := benchMLP(rng, mnistSizes[0], 100, 10)
			xt := &tensor.Mat{Rows: 10000, Cols: 784, Data: x.Data[:10000*784]}
			benchAttack(net, &tensor.Mat{Rows: 2000, Cols: 784, Data: x.Data[:2000*784]}, y, steps, 1000) // warm-up
			secs := benchAttack(net, xt, y[:10000], steps, 1000)
			// Each step: a forward pass and the input gradient (no weight gradients).
			flops := float64(steps) * (forwardFLOPs(mnistSizes, 1) + inputGradFLOPs(mnistSizes, 1, true))
			r = Rate{Name: name, Unit: "examples/s", Rate: 10000 / secs, Seconds: secs, FLOPs: flops}
		case "toy-b1":
			net := benchMLP(rng, toySizes[0], 20, 2)
			xr := tensor.New(1000, 3)
			for i := range xr.Data {
				xr.Data[i] = float32(rng.NormFloat64())
			}
			yr := make([]int, 1000)
			for i := range yr {
				yr[i] = rng.IntN(2)
			}
			benchTrain(net, xr, yr, 1, 1000, 20)
			secs, flops := benchTrain(net, xr, yr, 1, 1000, 500)
			r = Rate{Name: name, Unit: "steps/s", Rate: 500 / secs, Seconds: secs, FLOPs: flops / 500}
		case "umap-70k":
			r = benchUMAP()
		case "autoattack-1000":
			r = benchAutoAttack(rng)
		case "crown-10000", "alpha-crown-1000":
			r = benchCertify(name, rng)
		case "train-aol", "train-orthogonal":
			synthetic()
			r = benchLipschitz(name, x, y, rng)
		default:
			continue
		}
		r.GFLOPS = r.Rate * r.FLOPs / 1e9
		r.Cores = runtime.GOMAXPROCS(0)
		if slices.Contains(oneCore, name) {
			r.Cores = 1
		}
		r.PeakFraction = peakFraction(r, peak)
		out = append(out, r)
	}
	return out
}

// benchUMAP embeds the 70,000 MNIST images (training and test pixels) in
// 2-D with n_neighbors 40 and min_dist 0.25 and scores the embedding by its
// 10-NN label accuracy. Rate is points per second.
func benchUMAP() Rate {
	r := Rate{Name: "umap-70k", Unit: "points/s"}
	tr, te, skip := loadMNIST()
	if skip != "" {
		r.Skipped = skip
		return r
	}
	n, d := tr.Len()+te.Len(), tr.Dim()
	x := tensor.New(n, d)
	copy(x.Data, tr.X.Data[:tr.Len()*d])
	copy(x.Data[tr.Len()*d:], te.X.Data[:te.Len()*d])
	labels := append(append([]int(nil), tr.Y()...), te.Y()...)
	tr, te = nil, nil
	start := time.Now()
	res, err := embed.UMAP(x, embed.UMAPOptions{Neighbors: 40, MinDist: 0.25, Seed: 1})
	secs := time.Since(start).Seconds()
	if err != nil {
		r.Skipped = "UMAP failed: " + err.Error()
		return r
	}
	r.Seconds, r.Rate = secs, float64(n)/secs
	r.KNNAccuracy = embed.KNNAccuracy(res.Y, labels, 10)
	return r
}

// forwardFLOPs counts the matrix products of a forward pass of batch rows.
func forwardFLOPs(sizes []int, batch int) float64 {
	var s float64
	for i := 0; i+1 < len(sizes); i++ {
		s += 2 * float64(batch) * float64(sizes[i]) * float64(sizes[i+1])
	}
	return s
}

// inputGradFLOPs counts the products dh = dz·W of a backward pass: for every
// layer but the first, and for the first too when toInput is set.
func inputGradFLOPs(sizes []int, batch int, toInput bool) float64 {
	s := forwardFLOPs(sizes, batch)
	if !toInput {
		s -= 2 * float64(batch) * float64(sizes[0]) * float64(sizes[1])
	}
	return s
}

// isoFLOPs counts the isometric term of one step over the given blocks
// (sizes), representation width dRep and input width dIn (0 when the input
// distances are reused): blocks of at least 48 compute the Gram values of
// their pairs (a multiply-add per coordinate), about 15 FLOPs more per pair,
// and the n×n by n×dRep product C·P; smaller ones go through exact
// differences (3 per coordinate for the distance, 3 for the gradient).
func isoFLOPs(blocks []int, dRep, dIn int) float64 {
	var s float64
	for _, n := range blocks {
		nf := float64(n)
		pairs := nf * (nf - 1) / 2
		s += pairs * 3 * float64(dIn)
		if n >= 48 {
			s += pairs*(2*float64(dRep)+15) + 2*nf*nf*float64(dRep)
		} else {
			s += pairs * 6 * float64(dRep)
		}
	}
	return s
}

func benchMLP(rng *rand.Rand, in, width, classes int) *nn.MLP {
	m, _ := nn.NewMLP([]int{in, width, width, width, width, classes}, nn.Tanh, nn.InitPyTorch, rng)
	return m
}

// benchTrain takes steps training steps on consecutive batches of x and
// returns the seconds they took and the FLOPs it counted. A full batch (the
// whole of x every step) reuses its input distances after the first step,
// as the training loop ((*train.Trainer).Fit) does: the inputs do not change.
func benchTrain(m *nn.MLP, x *tensor.Mat, y []int, beta float64, batch, steps int) (secs, flops float64) {
	cfg := train.Defaults(len(m.Layers))
	cfg.Beta, cfg.Batch = beta, batch
	t, _ := train.NewTrainer(m, cfg)
	n := x.Rows
	sizes := m.Sizes()
	start := time.Now()
	for s := range steps {
		i := (s * batch) % n
		hi := min(i+batch, n)
		xb := &tensor.Mat{Rows: hi - i, Cols: x.Cols, Data: x.Data[i*x.Cols : hi*x.Cols]}
		t.Step(xb, y[i:hi], batch >= n && s > 0)
	}
	secs = time.Since(start).Seconds()
	// The FLOPs, counted after the clock stopped.
	for s := range steps {
		i := (s * batch) % n
		hi := min(i+batch, n)
		flops += 2*forwardFLOPs(sizes, hi-i) + inputGradFLOPs(sizes, hi-i, false)
		if beta == 0 {
			continue
		}
		counts := map[int]int{}
		for _, c := range y[i:hi] {
			counts[c]++
		}
		var blocks []int
		for _, c := range counts {
			blocks = append(blocks, c)
		}
		dIn := x.Cols
		if batch >= n && s > 0 {
			dIn = 0
		}
		flops += isoFLOPs(blocks, sizes[len(sizes)-2], dIn)
	}
	return secs, flops
}

// benchAttack runs PGD (steps = 1: FGSM) with ε 0.5, step 0.05 over x in
// batches, spread over all cores, and returns the seconds it took.
func benchAttack(net *nn.MLP, x *tensor.Mat, y []int, steps, batch int) float64 {
	am := train.NewAttackModel(net, train.CrossEntropy())
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := am.Fork()
			dst := &tensor.Mat{}
			for lo := range jobs {
				hi := min(lo+batch, x.Rows)
				xb := &tensor.Mat{Rows: hi - lo, Cols: x.Cols, Data: x.Data[lo*x.Cols : hi*x.Cols]}
				if steps == 1 {
					attack.FGSM(dst, m, xb, y[lo:hi], 0.5, attack.NormInf)
				} else {
					attack.PGD(dst, m, xb, y[lo:hi], attack.Config{Attack: attack.AttackPGD, Eps: 0.5, Step: 0.05, Steps: steps})
				}
			}
		}()
	}
	for lo := 0; lo < x.Rows; lo += batch {
		jobs <- lo
	}
	close(jobs)
	wg.Wait()
	return time.Since(start).Seconds()
}

// peakFraction is r's GFLOPS over the measured peak of the cores it used:
// one core's peak for a one-core workload, the all-core peak otherwise (0
// when that peak was not measured).
func peakFraction(r Rate, p Peak) float64 {
	limit := p.GFLOPS
	if r.Cores == 1 && p.Threads != 1 {
		limit = p.OneCore
	}
	if !(limit > 0) {
		return 0
	}
	return r.GFLOPS / limit
}
