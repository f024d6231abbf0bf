package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// TestLogitsGrad checks AttackModel.LogitsGrad against finite differences
// of a weighted sum of the logits, in float32 with a loose tolerance, and
// against LossGrad when fill writes the cross-entropy's ∂/∂logits.
func TestLogitsGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	net, err := nn.NewMLP([]int{6, 8, 8, 4}, nn.Tanh, nn.InitPyTorch, rng)
	if err != nil {
		t.Fatal(err)
	}
	am := NewAttackModel(net, CrossEntropy())
	x := tensor.New(3, 6)
	for k := range x.Data {
		x.Data[k] = rng.Float32()
	}
	y := []int{0, 2, 3}
	c := tensor.New(3, 4) // L = Σ c ⊙ logits
	for k := range c.Data {
		c.Data[k] = float32(rng.NormFloat64())
	}
	var dx, z tensor.Mat
	am.LogitsGrad(&dx, &z, x, func(dz, _ *tensor.Mat) { dz.CopyFrom(c) })
	loss := func(x *tensor.Mat) float64 {
		var z tensor.Mat
		am.Logits(&z, x)
		var s float64
		for k, v := range z.Data {
			s += float64(v) * float64(c.Data[k])
		}
		return s
	}
	const h = 1e-2
	for k := range x.Data {
		x0 := x.Data[k]
		x.Data[k] = x0 + h
		up := loss(x)
		x.Data[k] = x0 - h
		down := loss(x)
		x.Data[k] = x0
		fd := (up - down) / (2 * h)
		if math.Abs(fd-float64(dx.Data[k])) > 2e-3*(1+math.Abs(fd)) {
			t.Errorf("∂L/∂x[%d] = %g, finite difference %g", k, dx.Data[k], fd)
		}
	}
	// With fill = (softmax − onehot)/N, LogitsGrad is LossGrad.
	var want tensor.Mat
	am.LossGrad(&want, x, y)
	am.LogitsGrad(&dx, &z, x, func(dz, z *tensor.Mat) {
		for i := 0; i < z.Rows; i++ {
			r, d := z.Row(i), dz.Row(i)
			var s float64
			for _, v := range r {
				s += math.Exp(float64(v))
			}
			for j, v := range r {
				p := math.Exp(float64(v)) / s
				if j == y[i] {
					p--
				}
				d[j] = float32(p / float64(z.Rows))
			}
		}
	})
	for k := range dx.Data {
		if math.Abs(float64(dx.Data[k]-want.Data[k])) > 1e-6 {
			t.Fatalf("LogitsGrad with the CE's gradient: dx[%d] = %g, LossGrad %g", k, dx.Data[k], want.Data[k])
		}
	}
}

// TestLogitsFromFirst: the forward pass from the first layer's products
// gives Logits' values, for tanh and ReLU networks.
func TestLogitsFromFirst(t *testing.T) {
	for _, act := range []nn.Activation{nn.Tanh, nn.ReLU} {
		rng := rand.New(rand.NewPCG(5, 6))
		net, err := nn.NewMLP([]int{6, 8, 7, 4}, act, nn.InitPyTorch, rng)
		if err != nil {
			t.Fatal(err)
		}
		am := NewAttackModel(net, CrossEntropy())
		x := tensor.New(5, 6)
		for k := range x.Data {
			x.Data[k] = rng.Float32()
		}
		var want, got, pre tensor.Mat
		am.Logits(&want, x)
		pre.Resize(x.Rows, am.FirstLayer().Rows)
		tensor.Gemm(false, true, 1, x, am.FirstLayer(), 0, &pre)
		am.LogitsFromFirst(&got, &pre)
		for k := range want.Data {
			if math.Abs(float64(got.Data[k]-want.Data[k])) > 1e-6 {
				t.Fatalf("%s: logit %d from the first layer %g, Logits %g", act, k, got.Data[k], want.Data[k])
			}
		}
	}
}

// plainAttackModel hides AttackModel's optional interfaces but CleanSetter.
type plainAttackModel struct{ a *AttackModel }

func (p plainAttackModel) InputDim() int                               { return p.a.InputDim() }
func (p plainAttackModel) NumClasses() int                             { return p.a.NumClasses() }
func (p plainAttackModel) Logits(dst, x *tensor.Mat)                   { p.a.Logits(dst, x) }
func (p plainAttackModel) LossGrad(dx, x *tensor.Mat, y []int) float64 { return p.a.LossGrad(dx, x, y) }
func (p plainAttackModel) SetClean(x *tensor.Mat, y []int)             { p.a.SetClean(x, y) }
func (p plainAttackModel) Fork() attack.Model                          { return plainAttackModel{p.a.Fork().(*AttackModel)} }

// TestAPGDLossGradLogits: APGD through LossGradLogits (one forward pass
// per step) gives the points it gives through LossGrad and Logits, bit for
// bit, on the CE and on the training loss.
func TestAPGDLossGradLogits(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	net, err := nn.NewMLP([]int{6, 8, 8, 4}, nn.Tanh, nn.InitPyTorch, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(20, 6)
	for k := range x.Data {
		x.Data[k] = rng.Float32()
	}
	y := make([]int, 20)
	for i := range y {
		y[i] = i % 4
	}
	objective := Defaults(3)
	objective.Beta = 1
	for _, obj := range []func() *Objective{CrossEntropy, objective.Objective} {
		cfg := attack.Config{Eps: 0.1, Steps: 12, RandomStart: true, Restarts: 2, Seed: 5}
		var got, want tensor.Mat
		attack.APGD(&got, NewAttackModel(net, obj()), x, y, cfg)
		attack.APGD(&want, plainAttackModel{NewAttackModel(net, obj())}, x, y, cfg)
		for k := range got.Data {
			if math.Float32bits(got.Data[k]) != math.Float32bits(want.Data[k]) {
				t.Fatalf("element %d: %v through LossGradLogits, %v through LossGrad and Logits", k, got.Data[k], want.Data[k])
			}
		}
	}
}

// TestLogitsGradFromFirst: LogitsGrad from the first layer's products gives
// LogitsGrad's logits and input gradient, on tanh and ReLU networks; a
// MaxMin network says it cannot.
func TestLogitsGradFromFirst(t *testing.T) {
	for _, act := range []nn.Activation{nn.Tanh, nn.ReLU} {
		rng := rand.New(rand.NewPCG(7, 8))
		net, err := nn.NewMLP([]int{6, 8, 7, 4}, act, nn.InitPyTorch, rng)
		if err != nil {
			t.Fatal(err)
		}
		am := NewAttackModel(net, CrossEntropy())
		x := tensor.New(5, 6)
		for k := range x.Data {
			x.Data[k] = rng.Float32()
		}
		fill := func(dz, _ *tensor.Mat) {
			for k := range dz.Data {
				dz.Data[k] = float32(k%3) - 1
			}
		}
		var gx, gz, fx, fz, pre tensor.Mat
		am.LogitsGrad(&gx, &gz, x, fill)
		pre.Resize(x.Rows, am.FirstLayer().Rows)
		tensor.Gemm(false, true, 1, x, am.FirstLayer(), 0, &pre)
		if !am.GradsFromFirst() {
			t.Fatalf("%s: GradsFromFirst false", act)
		}
		am.LogitsGradFromFirst(&fx, &fz, &pre, fill)
		for k := range gz.Data {
			if math.Abs(float64(gz.Data[k]-fz.Data[k])) > 1e-6 {
				t.Fatalf("%s: logit %d %g from the first layer, %g", act, k, fz.Data[k], gz.Data[k])
			}
		}
		for k := range gx.Data {
			if math.Abs(float64(gx.Data[k]-fx.Data[k])) > 1e-6 {
				t.Fatalf("%s: ∂L/∂x[%d] %g from the first layer, %g", act, k, fx.Data[k], gx.Data[k])
			}
		}
	}
	m, err := nn.NewMLP([]int{6, 8, 4}, nn.MaxMin, nn.InitPyTorch, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if NewAttackModel(m, CrossEntropy()).GradsFromFirst() {
		t.Error("a MaxMin network claims LogitsGradFromFirst")
	}
}
