package bench

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// benchCertify is crown-10000 (CROWN on all 10,000 MNIST test images) or
// alpha-crown-1000 (α-CROWN, 20 steps, on the first 1000), L∞ ε = 0.01,
// against the paper's 784-100-100-100-100-10 tanh net trained for one
// epoch of the default training (Adam, lr 10⁻³, batch 100, β = 0), over
// all cores. Rate is images per second; FLOPs counts the multiply-adds of
// CROWN's weight products per image (the hidden layers' backward passes,
// two rows per neuron, and the margins' pass), not α-CROWN's extra steps,
// whose number early stopping varies.
func benchCertify(name string, rng *rand.Rand) Rate {
	r := Rate{Name: name, Unit: "images/s"}
	mlp, te, skip := oneEpochMNIST(rng)
	if skip != "" {
		r.Skipped = skip
		return r
	}
	net, err := certify.FromMLP(mlp)
	if err != nil {
		r.Skipped = err.Error()
		return r
	}
	n, d, method := te.Len(), te.Dim(), certify.MethodCROWN
	if name == "alpha-crown-1000" {
		n, method = min(1000, n), certify.MethodAlphaCROWN
	}
	x := tensor.FromSlice(n, d, te.X.Data[:n*d])
	start := time.Now()
	res, err := certify.Accuracy(context.Background(), net, x, te.Y()[:n], certify.Config{Method: method, Eps: 0.01})
	secs := time.Since(start).Seconds()
	if err != nil {
		r.Skipped = "certification failed: " + err.Error()
		return r
	}
	r.Seconds, r.Rate, r.FLOPs = secs, float64(n)/secs, crownFLOPs(mlp)
	r.Certified = &res.Accuracy
	return r
}

// crownFLOPs counts CROWN's weight products per image: for every hidden
// layer k ≥ 1, 2·Out_k rows through layers k−1..0, and K margin rows
// through layers L−2..0 (layer 0's bounds need no product).
func crownFLOPs(m *nn.MLP) float64 {
	var s float64
	below := 0.0 // multiply-adds of one row through layers k−1..0
	for k, l := range m.Layers {
		if k > 0 {
			prev := m.Layers[k-1]
			below += float64(prev.In * prev.Out)
			rows := 2 * float64(l.Out)
			if k == len(m.Layers)-1 {
				rows = float64(l.Out)
			}
			s += rows * below
		}
	}
	return 2 * s
}
