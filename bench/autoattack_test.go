package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// BenchmarkAutoAttack1000 is the autoattack-1000 workload (training
// included); run with -benchtime=1x, and -cpuprofile to see where the
// ensemble spends its time.
func BenchmarkAutoAttack1000(b *testing.B) {
	for b.Loop() {
		r := benchAutoAttack(rand.New(rand.NewPCG(1, 99)))
		if r.Skipped != "" {
			b.Skip(r.Skipped)
		}
		b.ReportMetric(r.Seconds, "attack-s")
		b.ReportMetric(r.AutoAttack.Robust, "robust")
		for _, s := range r.AutoAttack.Stages {
			b.Logf("%-8s robust %.3f  %.2f s", s.Attack, s.RobustAccuracy, s.Seconds)
		}
		b.Logf("clean %.3f, %.2f s (CPU %.2f s), %.1f GFLOP/s", r.AutoAttack.Clean, r.Seconds, r.AutoAttack.CPUSeconds, r.Rate*r.FLOPs/1e9)
	}
}

// TestCountingModel checks that the FLOP counter counts the rows of every
// pass, forks included.
func TestCountingModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	net := benchMLP(rng, 4, 5, 3)
	cm := &countingModel{AttackModel: train.NewAttackModel(net, train.CrossEntropy()), c: &flopCounter{}}
	x := tensor.New(7, 4)
	var z, dx tensor.Mat
	cm.Logits(&z, x)
	f := cm.Fork().(*countingModel)
	f.LossGrad(&dx, x, make([]int, 7))
	f.LogitsGrad(&dx, &z, x, func(dz, _ *tensor.Mat) { clear(dz.Data) })
	f.LossGradLogits(&dx, &z, x, make([]int, 7))
	pre := tensor.New(3, 5)
	f.LogitsFromFirst(&z, pre)
	f.LogitsGradFromFirst(&dx, &z, pre, func(dz, _ *tensor.Mat) { clear(dz.Data) })
	if fwd, bwd, rest := cm.c.fwd.Load(), cm.c.bwd.Load(), cm.c.rest.Load(); fwd != 28 || bwd != 24 || rest != 6 {
		t.Errorf("counted %d forward, %d backward and %d partial rows, want 28, 24 and 6", fwd, bwd, rest)
	}
}
