package attack

import (
	"math/rand/v2"
	"testing"
)

// benchAttack runs cfg over 10000 examples of 784 inputs against a linear
// 784→10 stand-in model, reporting examples per second.
func benchAttack(b *testing.B, cfg Config) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := &linearModel{W: randMat(rng, 10, 784, 0.05), B: make([]float32, 10)}
	x := uniformData(3, 10000, 784)
	y := predict(m, x)
	b.ResetTimer()
	for b.Loop() {
		if _, err := RobustAccuracy(m, x, y, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(x.Rows)/b.Elapsed().Seconds(), "examples/s")
}

// BenchmarkFGSM is one FGSM step over 10000 MNIST-sized examples, batch 1000.
func BenchmarkFGSM(b *testing.B) { benchAttack(b, Config{Attack: "fgsm", Eps: 0.1}) }

// BenchmarkPGD10 is 10-step L∞ PGD over 10000 MNIST-sized examples, batch 1000.
func BenchmarkPGD10(b *testing.B) {
	benchAttack(b, Config{Attack: "pgd", Eps: 0.3, Step: 0.075, Steps: 10})
}

// BenchmarkStepInf is one L∞ step-project-clip over a 1000×784 batch.
func BenchmarkStepInf(b *testing.B) {
	x := uniformData(3, 1000, 784)
	g := randMat(rand.New(rand.NewPCG(4, 4)), 1000, 784, 1)
	cur := x.Clone()
	st := newStepper(784)
	for b.Loop() {
		st.step(cur, cur, g, x, 0.01, 0.3, NormInf)
	}
}

// BenchmarkAPGD10 is 10-step L∞ APGD-CE over 10000 MNIST-sized examples,
// batch 1000. APGD stops a batch once every example is broken, so ε is tiny
// here: every run takes all its steps, as on a robust model.
func BenchmarkAPGD10(b *testing.B) { benchAttack(b, Config{Attack: "apgd", Eps: 1e-4, Steps: 10}) }

// BenchmarkProject is FAB's projection onto a hyperplane in the box, on an
// MNIST-like point (most coordinates on the box's faces).
func BenchmarkProject(b *testing.B) {
	for _, norm := range []string{NormInf, NormL2} {
		b.Run(norm, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			p, w := make([]float32, 784), make([]float32, 784)
			for j := range p {
				if rng.IntN(5) == 0 {
					p[j] = rng.Float32()
				}
				w[j] = float32(rng.NormFloat64())
			}
			d := make([]float64, 784)
			pr := &projector{}
			for b.Loop() {
				pr.project(d, p, w, 3, 0, 1, norm)
			}
		})
	}
}

// BenchmarkFABStepInf is FAB's fused L∞ step on an MNIST-like point.
func BenchmarkFABStepInf(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x0, x1, w := make([]float32, 784), make([]float32, 784), make([]float32, 784)
	for j := range x0 {
		if rng.IntN(5) == 0 {
			x0[j] = rng.Float32()
		}
		x1[j] = float32(clamp(float64(x0[j])+0.05*(2*rng.Float64()-1), 0, 1))
		w[j] = float32(rng.NormFloat64())
	}
	pr := &projector{}
	for b.Loop() {
		copy(x1, x0)
		pr.stepInf(x1, x0, w, 0.5, 0.7, 0, 1)
	}
}
