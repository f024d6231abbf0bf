package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// Activation names the non-linearity between Linear layers.
type Activation string

// Activations.
const (
	Tanh Activation = "tanh"
	ReLU Activation = "relu"
	// MaxMin is in lipschitz.go.
)

// MLP is a stack of Linear layers with an activation after every layer but
// the last: Layers[0..L-2] are the hidden layers (the LIL), Layers[L-1] is the
// linear classifier producing the logits.
//
// Representations are numbered as in the paper's layer-wise view: H[0] is
// the input, H[l] the output of layer l (after its activation), and H[L] the
// logits. The default isometric layer is L−1, the last hidden layer.
type MLP struct {
	Layers []*Linear
	Act    Activation
	params []*Param
}

// NewMLP returns an MLP with the given sizes: sizes[0] is the input
// dimension, sizes[1..len-2] the hidden widths, sizes[len-1] the number of
// classes. Its parameters are initialised with scheme from rng.
func NewMLP(sizes []int, act Activation, scheme Init, rng *rand.Rand) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("nn: an MLP needs at least an input and an output size, got %v", sizes)
	}
	for i, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("nn: layer size %d is %d, must be ≥ 1", i, s)
		}
	}
	if err := checkActivation(act, sizes); err != nil {
		return nil, err
	}
	m := &MLP{Act: act}
	for i := 0; i+1 < len(sizes); i++ {
		l := NewLinear(fmt.Sprintf("layers.%d", i), sizes[i], sizes[i+1])
		if rng != nil {
			l.Reset(scheme, rng)
		}
		m.Layers = append(m.Layers, l)
	}
	m.Params()
	return m, nil
}

// Sizes returns the layer sizes, input first and classes last.
func (m *MLP) Sizes() []int {
	s := []int{m.Layers[0].In}
	for _, l := range m.Layers {
		s = append(s, l.Out)
	}
	return s
}

// InputDim returns the input dimension.
func (m *MLP) InputDim() int { return m.Layers[0].In }

// NumClasses returns the number of outputs (logits).
func (m *MLP) NumClasses() int { return m.Layers[len(m.Layers)-1].Out }

// Params returns every parameter in order: weight then bias of each layer.
func (m *MLP) Params() []*Param {
	if len(m.params) != 2*len(m.Layers) {
		m.params = m.params[:0]
		for _, l := range m.Layers {
			m.params = append(m.params, l.W, l.B)
		}
	}
	return m.params
}

// ZeroGrad sets every parameter gradient to zero.
func (m *MLP) ZeroGrad() {
	for _, p := range m.Params() {
		clear(p.Grad)
	}
}

// Workspace holds the activations and gradient buffers of one forward and
// backward pass. A Workspace belongs to one goroutine; several workspaces may
// share one MLP for concurrent inference and input gradients.
type Workspace struct {
	// H[l] is the representation after layer l; H[0] is the input batch
	// (not owned) and H[len(Layers)] the logits.
	H    []*tensor.Mat
	dH   []*tensor.Mat // gradient with respect to H[l]
	bsum []float32
	perm [][]int32 // MaxMin: where each entry of H[l] came from (see GroupSort)
}

// NewWorkspace returns an empty workspace for m; buffers grow on first use.
func (m *MLP) NewWorkspace() *Workspace {
	L := len(m.Layers)
	ws := &Workspace{H: make([]*tensor.Mat, L+1), dH: make([]*tensor.Mat, L+1)}
	for l := 1; l <= L; l++ {
		ws.H[l] = &tensor.Mat{}
		ws.dH[l] = &tensor.Mat{}
	}
	ws.dH[0] = &tensor.Mat{}
	return ws
}

// Forward runs x (N×InputDim) through the network, stores every
// representation in ws and returns the logits (owned by ws).
func (m *MLP) Forward(ws *Workspace, x *tensor.Mat) *tensor.Mat {
	if x.Cols != m.InputDim() {
		panic(fmt.Sprintf("nn: input has %d features, model expects %d", x.Cols, m.InputDim()))
	}
	ws.H[0] = x
	L := len(m.Layers)
	for l, layer := range m.Layers {
		out := ws.H[l+1]
		out.Resize(x.Rows, layer.Out)
		// z = h·Wᵀ + b
		tensor.Gemm(false, true, 1, ws.H[l], layer.Weight(), 0, out)
		b := layer.B.Data
		switch {
		case l == L-1:
			for i := 0; i < out.Rows; i++ {
				row := out.Row(i)
				for j := range row {
					row[j] += b[j]
				}
			}
		case m.Act == Tanh:
			tensor.AddBiasTanh(out, b)
		case m.Act == MaxMin:
			ws.maxMin(l+1, out, b)
		default:
			for i := 0; i < out.Rows; i++ {
				row := out.Row(i)
				for j := range row {
					row[j] = max(row[j]+b[j], 0)
				}
			}
		}
	}
	return ws.H[L]
}

// Backward propagates dLogits = ∂L/∂logits back through the pass stored in
// ws. extra, when not nil, maps a representation index l to an additional
// gradient ∂L/∂H[l] (the isometric term) that is added on the way down.
// When grads is true the parameter gradients are accumulated into each
// Param.Grad; when dx is not nil, ∂L/∂x is written into it (resized).
// Backward never changes the weights.
func (m *MLP) Backward(ws *Workspace, dLogits *tensor.Mat, extra map[int]*tensor.Mat, grads bool, dx *tensor.Mat) {
	L := len(m.Layers)
	// lowest is the lowest layer whose input gradient is needed.
	lowest := 0
	if dx == nil {
		lowest = 1
	}
	if e, ok := extra[L]; ok {
		ws.dH[L].CopyFrom(dLogits)
		addTo(ws.dH[L], e)
		dLogits = ws.dH[L]
	}
	dz := dLogits // ∂L/∂z for the current layer (z = pre-activation)
	for l := L - 1; l >= 0; l-- {
		layer := m.Layers[l]
		in := ws.H[l]
		if grads {
			// dW += dzᵀ·h_in ; db += Σ_rows dz
			tensor.Gemm(true, false, 1, dz, in, 1, layer.weightGrad())
			if cap(ws.bsum) < layer.Out {
				ws.bsum = make([]float32, layer.Out)
			}
			bsum := ws.bsum[:layer.Out]
			tensor.SumRows(bsum, dz)
			for j, v := range bsum {
				layer.B.Grad[j] += v
			}
		}
		if l < lowest {
			break
		}
		var dh *tensor.Mat
		if l == 0 {
			dh = dx
		} else {
			dh = ws.dH[l]
		}
		dh.Resize(dz.Rows, layer.In)
		// dh = dz·W
		tensor.Gemm(false, false, 1, dz, layer.Weight(), 0, dh)
		if l == 0 {
			if e, ok := extra[0]; ok {
				addTo(dh, e)
			}
			break
		}
		if e, ok := extra[l]; ok {
			addTo(dh, e)
		}
		// through the activation of layer l (its output is H[l]), in place.
		h := ws.H[l]
		if m.Act == Tanh {
			tensor.TanhBackward(dh, dh, h) // tanh' = 1 − tanh²
		} else if m.Act == MaxMin {
			ws.maxMinBackward(l, dh) // a permutation: its Jacobian's transpose undoes it
		} else {
			for i, y := range h.Data {
				if y <= 0 {
					dh.Data[i] = 0 // relu' = [z > 0]
				}
			}
		}
		dz = dh
	}
}

func addTo(dst, src *tensor.Mat) {
	if dst.Rows != src.Rows || dst.Cols != src.Cols {
		panic(fmt.Sprintf("nn: gradient shape %d×%d, want %d×%d", src.Rows, src.Cols, dst.Rows, dst.Cols))
	}
	for i, v := range src.Data {
		dst.Data[i] += v
	}
}

// Predict writes the arg-max class of each row of x into pred (len x.Rows).
func (m *MLP) Predict(ws *Workspace, pred []int, x *tensor.Mat) {
	logits := m.Forward(ws, x)
	for i := range pred {
		pred[i] = ArgMax(logits.Row(i))
	}
}

// ArgMax returns the index of the largest value (the first on ties).
func ArgMax(v []float32) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}
