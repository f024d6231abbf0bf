package attack

import (
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// Small classifiers with analytic input gradients, written for the tests.

// softmaxCEGrad turns logits z (N×C) into dz = (softmax(z) − onehot(y))/N in
// place and returns the mean cross-entropy.
func softmaxCEGrad(z *tensor.Mat, y []int) float64 {
	n := float64(z.Rows)
	var loss float64
	for i := 0; i < z.Rows; i++ {
		r := z.Row(i)
		loss += crossEntropy(r, y[i])
		m := float64(r[argmax(r)])
		var s float64
		for _, v := range r {
			s += math.Exp(float64(v) - m)
		}
		for k, v := range r {
			p := math.Exp(float64(v)-m) / s
			if k == y[i] {
				p--
			}
			r[k] = float32(p / n)
		}
	}
	return loss / n
}

// linearModel is the softmax classifier z = W x + b (W is C×D).
type linearModel struct {
	W *tensor.Mat
	B []float32
	z tensor.Mat
}

func (l *linearModel) InputDim() int   { return l.W.Cols }
func (l *linearModel) NumClasses() int { return l.W.Rows }
func (l *linearModel) Fork() Model     { return &linearModel{W: l.W, B: l.B} }

func (l *linearModel) Logits(dst, x *tensor.Mat) {
	dst.Resize(x.Rows, l.W.Rows)
	tensor.Gemm(false, true, 1, x, l.W, 0, dst)
	for i := 0; i < dst.Rows; i++ {
		for k, b := range l.B {
			dst.Data[i*dst.Cols+k] += b
		}
	}
}

// LossGrad: ∂CE/∂x = (softmax(z) − onehot(y))ᵀ W, over N for the batch mean.
func (l *linearModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	l.Logits(&l.z, x)
	loss := softmaxCEGrad(&l.z, y)
	dx.Resize(x.Rows, x.Cols)
	tensor.Gemm(false, false, 1, &l.z, l.W, 0, dx)
	return loss
}

// mlpModel is z = W2 tanh(S·(W1 x + b1)) + b2. With a large gain S the tanh
// units saturate: tanh rounds to ±1 in float32, 1 − h² is exactly 0 and so is
// the input gradient, while the classifier stays a piecewise-constant function.
type mlpModel struct {
	W1, W2 *tensor.Mat
	B1, B2 []float32
	S      float32
	h, z   tensor.Mat
	dh     tensor.Mat
}

func (m *mlpModel) InputDim() int   { return m.W1.Cols }
func (m *mlpModel) NumClasses() int { return m.W2.Rows }
func (m *mlpModel) Fork() Model {
	return &mlpModel{W1: m.W1, W2: m.W2, B1: m.B1, B2: m.B2, S: m.S}
}

func (m *mlpModel) forward(dst, x *tensor.Mat) {
	m.h.Resize(x.Rows, m.W1.Rows)
	tensor.Gemm(false, true, 1, x, m.W1, 0, &m.h)
	for i := 0; i < m.h.Rows; i++ {
		r := m.h.Row(i)
		for k := range r {
			r[k] = float32(math.Tanh(float64(m.S * (r[k] + m.B1[k]))))
		}
	}
	dst.Resize(x.Rows, m.W2.Rows)
	tensor.Gemm(false, true, 1, &m.h, m.W2, 0, dst)
	for i := 0; i < dst.Rows; i++ {
		r := dst.Row(i)
		for k := range r {
			r[k] += m.B2[k]
		}
	}
}

func (m *mlpModel) Logits(dst, x *tensor.Mat) { m.forward(dst, x) }

// LossGrad: dz = (p − onehot)/N; dh = dz W2; dpre = dh ⊙ S(1 − h²); dx = dpre W1.
func (m *mlpModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	m.forward(&m.z, x)
	loss := softmaxCEGrad(&m.z, y)
	m.dh.Resize(x.Rows, m.W1.Rows)
	tensor.Gemm(false, false, 1, &m.z, m.W2, 0, &m.dh)
	for k, h := range m.h.Data {
		m.dh.Data[k] *= m.S * (1 - h*h)
	}
	dx.Resize(x.Rows, x.Cols)
	tensor.Gemm(false, false, 1, &m.dh, m.W1, 0, dx)
	return loss
}

// randMat returns an r×c matrix of N(0, sd²) entries.
func randMat(rng *rand.Rand, r, c int, sd float64) *tensor.Mat {
	m := tensor.New(r, c)
	for k := range m.Data {
		m.Data[k] = float32(sd * rng.NormFloat64())
	}
	return m
}

// newMLP returns a random d→h→c tanh net with gain s whose hidden
// hyperplanes pass near the centre of the cube (b1 = −W1·0.5).
func newMLP(seed uint64, d, h, c int, s float32) *mlpModel {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &mlpModel{W1: randMat(rng, h, d, 3/math.Sqrt(float64(d))), W2: randMat(rng, c, h, 1),
		B1: make([]float32, h), B2: make([]float32, c), S: s}
	for k := range m.B1 {
		var sum float32
		for _, w := range m.W1.Row(k) {
			sum += w
		}
		m.B1[k] = -0.5*sum + float32(0.1*rng.NormFloat64())
	}
	return m
}

// uniformData returns n points uniform in [0,1]^d.
func uniformData(seed uint64, n, d int) *tensor.Mat {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := tensor.New(n, d)
	for k := range x.Data {
		x.Data[k] = rng.Float32()
	}
	return x
}

// predict returns m's predicted classes for x.
func predict(m Model, x *tensor.Mat) []int {
	var z tensor.Mat
	m.Logits(&z, x)
	y := make([]int, x.Rows)
	for i := range y {
		y[i] = argmax(z.Row(i))
	}
	return y
}

// blobs returns n points of c Gaussian classes in [0,1]^d (clipped).
func blobs(seed uint64, n, d, c int, sd float64) (*tensor.Mat, []int) {
	rng := rand.New(rand.NewPCG(seed, 3))
	centres := make([][]float64, c)
	for k := range centres {
		centres[k] = make([]float64, d)
		for j := range centres[k] {
			centres[k][j] = 0.3 + 0.4*rng.Float64()
		}
	}
	x := tensor.New(n, d)
	y := make([]int, n)
	for i := range y {
		y[i] = i % c
		for j := 0; j < d; j++ {
			x.Data[i*d+j] = float32(clamp(centres[y[i]][j]+sd*rng.NormFloat64(), 0, 1))
		}
	}
	return x, y
}

// fitLogistic fits a softmax regression to (x, y) by full-batch gradient
// descent on the weights (its own loop, independent of the attack code).
func fitLogistic(x *tensor.Mat, y []int, c, iters int, lr float64) *linearModel {
	n, d := x.Rows, x.Cols
	l := &linearModel{W: tensor.New(c, d), B: make([]float32, c)}
	var z tensor.Mat
	gw := tensor.New(c, d)
	for it := 0; it < iters; it++ {
		l.Logits(&z, x)
		softmaxCEGrad(&z, y) // z ← ∂CE/∂z
		tensor.Gemm(true, false, 1, &z, x, 0, gw)
		for k := 0; k < c; k++ {
			var gb float64
			for i := 0; i < n; i++ {
				gb += float64(z.At(i, k))
			}
			l.B[k] -= float32(lr * gb)
		}
		for k := range l.W.Data {
			l.W.Data[k] -= float32(lr) * gw.Data[k]
		}
	}
	return l
}

// trainMLP fits m (gain 1) to (x, y) by full-batch gradient descent with
// momentum 0.9 on softmax CE: its own backward pass over the weights.
func trainMLP(m *mlpModel, x *tensor.Mat, y []int, iters int, lr float32) {
	n := x.Rows
	var z, dh tensor.Mat
	gW1, gW2 := tensor.New(m.W1.Rows, m.W1.Cols), tensor.New(m.W2.Rows, m.W2.Cols)
	vW1, vW2 := tensor.New(m.W1.Rows, m.W1.Cols), tensor.New(m.W2.Rows, m.W2.Cols)
	vb1, vb2 := make([]float32, len(m.B1)), make([]float32, len(m.B2))
	for it := 0; it < iters; it++ {
		m.forward(&z, x)
		softmaxCEGrad(&z, y) // z ← ∂CE/∂z
		tensor.Gemm(true, false, 1, &z, &m.h, 0, gW2)
		dh.Resize(n, m.W1.Rows)
		tensor.Gemm(false, false, 1, &z, m.W2, 0, &dh)
		for k, h := range m.h.Data {
			dh.Data[k] *= 1 - h*h
		}
		tensor.Gemm(true, false, 1, &dh, x, 0, gW1)
		for k := range m.B2 {
			var g float32
			for i := 0; i < n; i++ {
				g += z.At(i, k)
			}
			vb2[k] = 0.9*vb2[k] - lr*g
			m.B2[k] += vb2[k]
		}
		for k := range m.B1 {
			var g float32
			for i := 0; i < n; i++ {
				g += dh.At(i, k)
			}
			vb1[k] = 0.9*vb1[k] - lr*g
			m.B1[k] += vb1[k]
		}
		for k := range m.W1.Data {
			vW1.Data[k] = 0.9*vW1.Data[k] - lr*gW1.Data[k]
			m.W1.Data[k] += vW1.Data[k]
		}
		for k := range m.W2.Data {
			vW2.Data[k] = 0.9*vW2.Data[k] - lr*gW2.Data[k]
			m.W2.Data[k] += vW2.Data[k]
		}
	}
}

// LogitsGrad: dx = dz W.
func (l *linearModel) LogitsGrad(dx, logits, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	l.Logits(logits, x)
	l.z.Resize(logits.Rows, logits.Cols)
	fill(&l.z, logits)
	dx.Resize(x.Rows, x.Cols)
	tensor.Gemm(false, false, 1, &l.z, l.W, 0, dx)
}

// LogitsGrad: dh = dz W2; dpre = dh ⊙ S(1 − h²); dx = dpre W1.
func (m *mlpModel) LogitsGrad(dx, logits, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	m.forward(logits, x)
	m.z.Resize(logits.Rows, logits.Cols)
	fill(&m.z, logits)
	m.dh.Resize(x.Rows, m.W1.Rows)
	tensor.Gemm(false, false, 1, &m.z, m.W2, 0, &m.dh)
	for k, h := range m.h.Data {
		m.dh.Data[k] *= m.S * (1 - h*h)
	}
	dx.Resize(x.Rows, x.Cols)
	tensor.Gemm(false, false, 1, &m.dh, m.W1, 0, dx)
}

// FirstLayer and LogitsFromFirst make mlpModel an attack.FirstLayerModel:
// pre = x·W1ᵀ, then tanh(S·(pre + b1)) and the output layer.
func (m *mlpModel) FirstLayer() *tensor.Mat { return m.W1 }

func (m *mlpModel) LogitsFromFirst(dst, pre *tensor.Mat) {
	m.h.Resize(pre.Rows, pre.Cols)
	for i := 0; i < pre.Rows; i++ {
		r, h := pre.Row(i), m.h.Row(i)
		for k := range r {
			h[k] = float32(math.Tanh(float64(m.S * (r[k] + m.B1[k]))))
		}
	}
	dst.Resize(pre.Rows, m.W2.Rows)
	tensor.Gemm(false, true, 1, &m.h, m.W2, 0, dst)
	for i := 0; i < dst.Rows; i++ {
		r := dst.Row(i)
		for k := range r {
			r[k] += m.B2[k]
		}
	}
}

// plainModel hides every optional interface of the model it holds.
type plainModel struct{ m Model }

func (p plainModel) InputDim() int                               { return p.m.InputDim() }
func (p plainModel) NumClasses() int                             { return p.m.NumClasses() }
func (p plainModel) Logits(dst, x *tensor.Mat)                   { p.m.Logits(dst, x) }
func (p plainModel) LossGrad(dx, x *tensor.Mat, y []int) float64 { return p.m.LossGrad(dx, x, y) }
func (p plainModel) Fork() Model                                 { return plainModel{p.m.Fork()} }

// GradsFromFirst and LogitsGradFromFirst make mlpModel an
// attack.FirstLayerGrader.
func (m *mlpModel) GradsFromFirst() bool { return true }

func (m *mlpModel) LogitsGradFromFirst(dx, logits, pre *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	m.LogitsFromFirst(logits, pre) // leaves the hidden layer in m.h
	m.z.Resize(logits.Rows, logits.Cols)
	fill(&m.z, logits)
	m.dh.Resize(pre.Rows, m.W1.Rows)
	tensor.Gemm(false, false, 1, &m.z, m.W2, 0, &m.dh)
	for k, h := range m.h.Data {
		m.dh.Data[k] *= m.S * (1 - h*h)
	}
	dx.Resize(pre.Rows, m.W1.Cols)
	tensor.Gemm(false, false, 1, &m.dh, m.W1, 0, dx)
}

// gradModel hides every optional interface of its model but LogitsGrader.
type gradModel struct{ plainModel }

func (g gradModel) Fork() Model { return gradModel{plainModel{g.m.Fork()}} }
func (g gradModel) LogitsGrad(dx, z, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	g.m.(LogitsGrader).LogitsGrad(dx, z, x, fill)
}
