package bench

import (
	"math/rand/v2"
	"time"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// lipschitzSteps is the number of timed steps of train-aol and
// train-orthogonal (after 5 of warm-up): enough for a steady rate, short
// enough for a shared machine.
const lipschitzSteps = 100

// benchLipschitz is train-aol or train-orthogonal: training steps of the
// 1-Lipschitz baseline (train.MethodLipschitz, the paper's
// 784-100-100-100-100-10 with MaxMin, batch 100) with AOL or Björck–Bowie
// (nn.DefaultBjorckIters steps) weights, on the synthetic MNIST-shaped
// batches of train-b0. Rate is examples per second; FLOPs counts per
// example the network's matrix products (as train-b0) plus the
// parametrisation's, spread over the batch: AOL's VᵀV and V·S (4·out·in²
// per layer) and, for Björck, 4·r²·k forward and 6·r²·k backward per step
// on the r×k orientation (r ≤ k) of each weight.
func benchLipschitz(name string, x *tensor.Mat, y []int, rng *rand.Rand) Rate {
	param := nn.AOL
	if name == "train-orthogonal" {
		param = nn.Orthogonal
	}
	net, _ := nn.NewMLP(mnistSizes, nn.MaxMin, nn.InitOrthogonal, rng)
	cfg := train.Defaults(len(net.Layers))
	if err := cfg.SetMethod(train.MethodLipschitz); err != nil {
		return Rate{Name: name, Skipped: err.Error()}
	}
	cfg.LipParam, cfg.LipIters = param, 0
	if param == nn.Orthogonal {
		cfg.LipIters = nn.DefaultBjorckIters
	}
	t, err := train.NewTrainer(net, cfg)
	if err != nil {
		return Rate{Name: name, Skipped: err.Error()}
	}
	const batch = 100
	step := func(s int) {
		i := (s * batch) % x.Rows
		t.Step(&tensor.Mat{Rows: batch, Cols: x.Cols, Data: x.Data[i*x.Cols : (i+batch)*x.Cols]}, y[i:i+batch], false)
	}
	for s := range 5 {
		step(s)
	}
	start := time.Now()
	for s := range lipschitzSteps {
		step(5 + s)
	}
	secs := time.Since(start).Seconds()
	return Rate{Name: name, Unit: "examples/s", Rate: lipschitzSteps * batch / secs, Seconds: secs, FLOPs: lipschitzFLOPs(mnistSizes, batch, cfg.LipIters)}
}

// lipschitzFLOPs counts the FLOPs per example of a MethodLipschitz step at
// batch size batch on a network of the given sizes, with iters Björck–Bowie
// steps (0: AOL).
func lipschitzFLOPs(sizes []int, batch, iters int) float64 {
	perStep := 2*forwardFLOPs(sizes, batch) + inputGradFLOPs(sizes, batch, false)
	for i := 0; i+1 < len(sizes); i++ {
		in, out := float64(sizes[i]), float64(sizes[i+1])
		perStep += 4 * out * in * in
		r, k := min(in, out), max(in, out)
		perStep += float64(iters) * 10 * r * r * k
	}
	return perStep / float64(batch)
}
