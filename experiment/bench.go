package experiment

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// BenchRate is one workload's measured rate.
type BenchRate struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Rate  float64 `json:"rate"`
	Total float64 `json:"seconds"`
}

// BenchWorkloads are the workloads of ../shared/peer/torch_peer.py, with
// the same names, shapes and units, so the two can be compared as ratios.
var BenchWorkloads = []string{"train-b0", "train-b1", "fgsm", "pgd10", "toy-b1"}

// Bench runs the named workloads (all when names is empty) and returns
// their rates; higher is better.
func Bench(names []string, seed uint64) []BenchRate {
	if len(names) == 0 {
		names = BenchWorkloads
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	x := tensor.New(60000, 784)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	y := make([]int, 60000)
	for i := range y {
		y[i] = rng.IntN(10)
	}
	var out []BenchRate
	for _, name := range names {
		switch name {
		case "train-b0", "train-b1":
			beta := 0.0
			if name == "train-b1" {
				beta = 1
			}
			net := benchMLP(rng, 784, 100, 10)
			benchTrain(net, x, y, beta, 100, 20) // warm-up
			secs := benchTrain(net, x, y, beta, 100, 600)
			out = append(out, BenchRate{name, "examples/s", 600 * 100 / secs, secs})
		case "fgsm", "pgd10":
			steps := 1
			if name == "pgd10" {
				steps = 10
			}
			net := benchMLP(rng, 784, 100, 10)
			xt := &tensor.Mat{Rows: 10000, Cols: 784, Data: x.Data[:10000*784]}
			benchAttack(net, &tensor.Mat{Rows: 2000, Cols: 784, Data: x.Data[:2000*784]}, y, steps, 1000) // warm-up
			secs := benchAttack(net, xt, y[:10000], steps, 1000)
			out = append(out, BenchRate{name, "examples/s", 10000 / secs, secs})
		case "toy-b1":
			net := benchMLP(rng, 3, 20, 2)
			xr := tensor.New(1000, 3)
			for i := range xr.Data {
				xr.Data[i] = float32(rng.NormFloat64())
			}
			yr := make([]int, 1000)
			for i := range yr {
				yr[i] = rng.IntN(2)
			}
			benchTrain(net, xr, yr, 1, 1000, 20)
			secs := benchTrain(net, xr, yr, 1, 1000, 500)
			out = append(out, BenchRate{name, "steps/s", 500 / secs, secs})
		}
	}
	return out
}

func benchMLP(rng *rand.Rand, in, width, classes int) *nn.MLP {
	m, _ := nn.NewMLP([]int{in, width, width, width, width, classes}, nn.Tanh, nn.InitPyTorch, rng)
	return m
}

// benchTrain takes steps training steps on consecutive batches of x and
// returns the seconds they took.
func benchTrain(m *nn.MLP, x *tensor.Mat, y []int, beta float64, batch, steps int) float64 {
	cfg := train.Defaults(len(m.Layers))
	cfg.Beta, cfg.Batch = beta, batch
	t, _ := train.NewTrainer(m, cfg)
	n := x.Rows
	start := time.Now()
	for s := range steps {
		i := (s * batch) % n
		hi := min(i+batch, n)
		xb := &tensor.Mat{Rows: hi - i, Cols: x.Cols, Data: x.Data[i*x.Cols : hi*x.Cols]}
		t.Step(xb, y[i:hi], false)
	}
	return time.Since(start).Seconds()
}

// benchAttack runs PGD (steps = 1: FGSM) with ε 0.5, step 0.05 over x in
// batches, spread over all cores, and returns the seconds it took.
func benchAttack(net *nn.MLP, x *tensor.Mat, y []int, steps, batch int) float64 {
	am := NewAttackModel(&model.Model{Blocks: []*nn.MLP{net}, Config: model.Flat(net.Sizes(), nn.Tanh, train.Defaults(len(net.Layers)))}, LossCE)
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
