package bench

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// AutoAttackImages is the number of MNIST test images autoattack-1000 attacks.
const AutoAttackImages = 1000

// benchAutoAttack is autoattack-1000: the standard AutoAttack ensemble
// (APGD-CE, APGD-T, FAB-T, Square 5000; L∞, ε = 0.05) on the first 1000
// MNIST test images against the paper's 784-100-100-100-100-10 tanh net,
// trained for one epoch of the default training (Adam, lr 10⁻³, batch 100,
// β = 0) on the MNIST training split. One worker (one thread), the masking
// checks off, as the reference implementation's timing. Rate is images per
// second; FLOPs counts the forward passes and input gradients the ensemble
// made (per image; Square's proposals and FAB's gradients without the
// first layer, which they update or blend); AutoAttack holds the cascade.
func benchAutoAttack(rng *rand.Rand) Rate {
	r := Rate{Name: "autoattack-1000", Unit: "images/s"}
	net, te, skip := oneEpochMNIST(rng)
	if skip != "" {
		r.Skipped = skip
		return r
	}
	d := te.Dim()
	n := min(AutoAttackImages, te.Len())
	x := tensor.FromSlice(n, d, te.X.Data[:n*d])
	cm := &countingModel{AttackModel: train.NewAttackModel(net, train.CrossEntropy()), c: &flopCounter{}}
	start, cpu0 := time.Now(), cpuTime()
	res, err := attack.AutoAttack(context.Background(), cm, x, te.Y()[:n],
		attack.AutoAttackConfig{Version: attack.VersionStandard, Norm: attack.NormInf, Eps: 0.05, Seed: 1, Workers: 1, SkipChecks: true})
	secs, cpu := time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds()
	if err != nil {
		r.Skipped = "attack failed: " + err.Error()
		return r
	}
	r.Seconds, r.Rate = secs, float64(n)/secs
	// Square's proposals and FAB's gradients skip the first layer's
	// product (Square's window updates of it, a few hundred multiply-adds,
	// and FAB's blends are not counted).
	flops := float64(cm.c.fwd.Load())*forwardFLOPs(mnistSizes, 1) + float64(cm.c.bwd.Load())*inputGradFLOPs(mnistSizes, 1, true) +
		float64(cm.c.rest.Load())*forwardFLOPs(mnistSizes[1:], 1)
	r.FLOPs = flops / float64(n)
	r.AutoAttack = &AutoAttackSummary{Clean: res.Clean, Robust: res.RobustAccuracy, CPUSeconds: cpu, Stages: res.Stages}
	return r
}

// AutoAttackSummary is autoattack-1000's outcome: the clean and robust
// accuracies and the cascade's stages with their seconds.
type AutoAttackSummary struct {
	Clean  float64 `json:"clean_accuracy"`
	Robust float64 `json:"robust_accuracy"`
	// CPUSeconds is the process's CPU time during the attack (user and
	// system, all threads): on a shared machine, a better measure of the
	// work than the wall time.
	CPUSeconds float64              `json:"cpu_seconds"`
	Stages     []attack.StageResult `json:"stages"`
}

// flopCounter counts the rows of forward passes, of input gradients, and
// of forward passes from the first layer's products on (Square's proposals).
type flopCounter struct{ fwd, bwd, rest atomic.Int64 }

// countingModel is an AttackModel that counts its passes.
type countingModel struct {
	*train.AttackModel
	c *flopCounter
}

func (m *countingModel) Logits(dst, x *tensor.Mat) {
	m.c.fwd.Add(int64(x.Rows))
	m.AttackModel.Logits(dst, x)
}

func (m *countingModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	m.c.fwd.Add(int64(x.Rows))
	m.c.bwd.Add(int64(x.Rows))
	return m.AttackModel.LossGrad(dx, x, y)
}

func (m *countingModel) LossGradLogits(dx, logits, x *tensor.Mat, y []int) float64 {
	m.c.fwd.Add(int64(x.Rows))
	m.c.bwd.Add(int64(x.Rows))
	return m.AttackModel.LossGradLogits(dx, logits, x, y)
}

func (m *countingModel) LogitsFromFirst(dst, pre *tensor.Mat) {
	m.c.rest.Add(int64(pre.Rows))
	m.AttackModel.LogitsFromFirst(dst, pre)
}

func (m *countingModel) LogitsGradFromFirst(dx, logits, pre *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	m.c.rest.Add(int64(pre.Rows))
	m.c.bwd.Add(int64(pre.Rows))
	m.AttackModel.LogitsGradFromFirst(dx, logits, pre, fill)
}

func (m *countingModel) LogitsGrad(dx, z, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	m.c.fwd.Add(int64(x.Rows))
	m.c.bwd.Add(int64(x.Rows))
	m.AttackModel.LogitsGrad(dx, z, x, fill)
}

func (m *countingModel) Fork() attack.Model {
	return &countingModel{AttackModel: m.AttackModel.Fork().(*train.AttackModel), c: m.c}
}

// oneEpochMNIST trains the paper's 784-100-100-100-100-10 tanh network for
// one epoch of the default training (Adam, lr 10⁻³, batch 100, β = 0) on
// the MNIST training split, for the benchmarks that attack or certify a
// trained network, and returns it with the test split; skip says why not
// where MNIST or the training fails.
func oneEpochMNIST(rng *rand.Rand) (net *nn.MLP, test *data.Set, skip string) {
	tr, te, skip := loadMNIST()
	if skip != "" {
		return nil, nil, skip
	}
	net = benchMLP(rng, mnistSizes[0], 100, 10)
	cfg := train.Defaults(len(net.Layers))
	cfg.Beta = 0
	t, err := train.NewTrainer(net, cfg)
	if err != nil {
		return nil, nil, "training failed: " + err.Error()
	}
	d, ys := tr.Dim(), tr.Y()
	for lo := 0; lo+cfg.Batch <= tr.Len(); lo += cfg.Batch {
		t.Step(tensor.FromSlice(cfg.Batch, d, tr.X.Data[lo*d:(lo+cfg.Batch)*d]), ys[lo:lo+cfg.Batch], false)
	}
	return net, te, ""
}

// loadMNIST loads the MNIST training and test splits; skip says why not.
func loadMNIST() (train, test *data.Set, skip string) {
	tr, err := data.LoadMNIST("", true)
	if err != nil {
		return nil, nil, "MNIST not available: " + err.Error()
	}
	te, err := data.LoadMNIST("", false)
	if err != nil {
		return nil, nil, "MNIST not available: " + err.Error()
	}
	return tr, te, ""
}
