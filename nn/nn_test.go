package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/tensor"
)

// objective is CE + β·iso on representation layer isoLayer, the training
// loss, evaluated in the same float32 forward the network uses.
func objective(m *MLP, ws *Workspace, x *tensor.Mat, y []int, beta float64, isoLayer int, l *iso.Loss) float64 {
	logits := m.Forward(ws, x)
	v := SoftmaxCE(nil, logits, y, 1)
	if beta != 0 {
		v += beta * l.Eval(nil, ws.H[isoLayer], 1)
	}
	return v
}

func gradients(m *MLP, ws *Workspace, x *tensor.Mat, y []int, beta float64, isoLayer int, l *iso.Loss) *tensor.Mat {
	m.ZeroGrad()
	logits := m.Forward(ws, x)
	dl := &tensor.Mat{}
	SoftmaxCE(dl, logits, y, 1)
	extra := map[int]*tensor.Mat{}
	if beta != 0 {
		e := tensor.New(ws.H[isoLayer].Rows, ws.H[isoLayer].Cols)
		l.Eval(e, ws.H[isoLayer], beta)
		extra[isoLayer] = e
	}
	dx := &tensor.Mat{}
	m.Backward(ws, dl, extra, true, dx)
	return dx
}

func TestGradientsFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, act := range []Activation{Tanh, ReLU} {
		for _, isoLayer := range []int{0, 2, 3, 4} {
			m, err := NewMLP([]int{5, 6, 6, 6, 3}, act, InitPyTorch, rng)
			if err != nil {
				t.Fatal(err)
			}
			x := tensor.New(7, 5)
			for i := range x.Data {
				x.Data[i] = float32(rng.Float64())
			}
			y := []int{0, 1, 2, 0, 1, 2, 0}
			beta := 0.5
			l := iso.NewLoss(x, iso.Groups(nil, y, iso.MaskClass), 1.5)
			ws := m.NewWorkspace()
			dx := gradients(m, ws, x, y, beta, isoLayer, l)
			fdAt := func(v []float32, i int, h float32) float64 {
				orig := v[i]
				v[i] = orig + h
				p := float64(v[i])
				fp := objective(m, ws, x, y, beta, isoLayer, l)
				v[i] = orig - h
				q := float64(v[i])
				fm := objective(m, ws, x, y, beta, isoLayer, l)
				v[i] = orig
				return (fp - fm) / (p - q)
			}
			check := func(name string, v []float32, g []float32, i int) {
				t.Helper()
				fd := fdAt(v, i, 1e-2)
				if act == ReLU && math.Abs(fd-fdAt(v, i, 3e-3)) > 1e-4+1e-2*math.Abs(fd) {
					return // a ReLU kink lies within the step: no derivative to compare
				}
				if math.Abs(fd-float64(g[i])) > 2e-4+2e-2*math.Abs(fd) {
					t.Errorf("%s iso@%d %s[%d]: backprop %g, finite difference %g", act, isoLayer, name, i, g[i], fd)
				}
			}
			for _, p := range m.Params() {
				for i := 0; i < len(p.Data); i += 3 {
					check(p.Name, p.Data, p.Grad, i)
				}
			}
			if isoLayer == 0 {
				continue // the iso term on the input itself does not depend on x's gradient path usefully
			}
			for i := range x.Data {
				check("x", x.Data, dx.Data, i)
			}
		}
	}
}

// TestInputGradientWithoutParamGrads: asking only for ∂L/∂x leaves the
// parameter gradients and the weights untouched.
func TestInputGradientWithoutParamGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	m, _ := NewMLP([]int{4, 5, 3}, Tanh, InitPyTorch, rng)
	before := m.Params()[0].Data[0]
	ws := m.NewWorkspace()
	x := tensor.New(2, 4)
	x.Data[1] = 1
	logits := m.Forward(ws, x)
	dl := &tensor.Mat{}
	SoftmaxCE(dl, logits, []int{0, 2}, 1)
	dx := &tensor.Mat{}
	m.Backward(ws, dl, nil, false, dx)
	for _, p := range m.Params() {
		for _, g := range p.Grad {
			if g != 0 {
				t.Fatalf("%s gradient changed with grads=false", p.Name)
			}
		}
	}
	if m.Params()[0].Data[0] != before || dx.Rows != 2 || dx.Cols != 4 {
		t.Fatalf("weights changed or dx has shape %d×%d", dx.Rows, dx.Cols)
	}
}

func TestSoftmaxCE(t *testing.T) {
	logits := tensor.FromSlice(2, 3, []float32{1, 2, 3, 0, 0, 0})
	d := &tensor.Mat{}
	got := SoftmaxCE(d, logits, []int{2, 1}, 1)
	lse := math.Log(math.Exp(1) + math.Exp(2) + math.Exp(3))
	want := ((lse - 3) + math.Log(3)) / 2
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("CE %g, want %g", got, want)
	}
	if w := (1.0/3 - 1) / 2; math.Abs(float64(d.At(1, 1))-w) > 1e-6 {
		t.Errorf("dCE %g, want %g", d.At(1, 1), w)
	}
}

// TestAdamMatchesPyTorchFormula steps a parameter three times and compares
// with the update written out from torch.optim.Adam's documentation.
func TestAdamMatchesPyTorchFormula(t *testing.T) {
	p := &Param{Data: []float32{0.5, -1}, Grad: make([]float32, 2)}
	a := NewAdam(0.01)
	grads := [][]float32{{0.1, -2}, {0.3, 1}, {-0.2, 0.5}}
	want := []float64{0.5, -1}
	m := []float64{0, 0}
	v := []float64{0, 0}
	for step, g := range grads {
		copy(p.Grad, g)
		a.Step([]*Param{p})
		tt := float64(step + 1)
		for i := range want {
			gi := float64(g[i])
			m[i] = 0.9*m[i] + 0.1*gi
			v[i] = 0.999*v[i] + 0.001*gi*gi
			mhat := m[i] / (1 - math.Pow(0.9, tt))
			vhat := v[i] / (1 - math.Pow(0.999, tt))
			want[i] -= 0.01 * mhat / (math.Sqrt(vhat) + 1e-8)
		}
	}
	for i := range want {
		if math.Abs(float64(p.Data[i])-want[i]) > 1e-6 {
			t.Errorf("param %d after 3 steps: %g, want %g", i, p.Data[i], want[i])
		}
	}
	// The first Adam step moves every parameter by lr against its gradient's sign.
	q := &Param{Data: []float32{0}, Grad: []float32{123}}
	NewAdam(0.1).Step([]*Param{q})
	if math.Abs(float64(q.Data[0])+0.1) > 1e-6 {
		t.Errorf("first step %g, want -0.1", q.Data[0])
	}
}

func TestSGDMomentum(t *testing.T) {
	p := &Param{Data: []float32{1}, Grad: []float32{2}}
	s := &SGD{LR: 0.1, Momentum: 0.9}
	s.Step([]*Param{p}) // buf=2, p=0.8
	s.Step([]*Param{p}) // buf=3.8, p=0.42
	if math.Abs(float64(p.Data[0])-0.42) > 1e-6 {
		t.Errorf("SGD momentum: %g, want 0.42", p.Data[0])
	}
}

// TestInitPyTorchBounds: weights and biases lie in ±1/√fan_in and fill it.
func TestInitPyTorchBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	l := NewLinear("l", 100, 50)
	l.Reset(InitPyTorch, rng)
	bound := float32(0.1)
	var mx float32
	for _, v := range append(append([]float32{}, l.W.Data...), l.B.Data...) {
		if v < -bound || v > bound {
			t.Fatalf("value %g outside ±%g", v, bound)
		}
		mx = max(mx, float32(math.Abs(float64(v))))
	}
	if mx < 0.09 {
		t.Errorf("largest |w| %g: the range ±0.1 is not used", mx)
	}
	o := NewLinear("o", 6, 4)
	o.Reset(InitOrthogonal, rng)
	w := o.Weight()
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			var dot float64
			for k := 0; k < 6; k++ {
				dot += float64(w.At(i, k)) * float64(w.At(j, k))
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(dot-want) > 1e-5 {
				t.Errorf("orthogonal rows %d·%d = %g", i, j, dot)
			}
		}
	}
}

func TestNewMLPErrors(t *testing.T) {
	for _, sizes := range [][]int{{3}, {3, 0, 2}, {-1, 2}} {
		if _, err := NewMLP(sizes, Tanh, InitPyTorch, nil); err == nil {
			t.Errorf("NewMLP(%v) accepted", sizes)
		}
	}
	if _, err := NewMLP([]int{2, 2}, "sigmoid", InitPyTorch, nil); err == nil {
		t.Error("unknown activation accepted")
	}
}
