package train

import (
	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// AttackModel is the attack.Model view of a network under an Objective:
// its LossGrad is the objective and its gradient with respect to the
// inputs. It never changes the weights: its backward passes compute only
// the input gradient. With the isometric term on, the input distances are
// those of the clean batch the attack starts from (attack.CleanSetter),
// else of the batch LossGrad is given.
type AttackModel struct {
	net *nn.MLP
	obj *Objective
	ws  *nn.Workspace
	dz  tensor.Mat
}

// NewAttackModel returns the attack view of net under obj — CrossEntropy()
// for the standard attack loss, Config.Objective for the training loss.
// The model takes obj over; Fork gives each copy its own.
func NewAttackModel(net *nn.MLP, obj *Objective) *AttackModel {
	return &AttackModel{net: net, obj: obj}
}

// InputDim implements attack.Model.
func (a *AttackModel) InputDim() int { return a.net.InputDim() }

// NumClasses implements attack.Model.
func (a *AttackModel) NumClasses() int { return a.net.NumClasses() }

func (a *AttackModel) workspace() *nn.Workspace {
	if a.ws == nil {
		a.ws = a.net.NewWorkspace()
	}
	return a.ws
}

// Logits implements attack.Model.
func (a *AttackModel) Logits(dst, x *tensor.Mat) {
	dst.CopyFrom(a.net.Forward(a.workspace(), x))
}

// SetClean implements attack.CleanSetter: the isometric term measures the
// input distances on the clean batch.
func (a *AttackModel) SetClean(x *tensor.Mat, y []int) { a.obj.SetInputs(x, y) }

// LossGrad implements attack.Model: the batch-mean objective and its
// gradient with respect to x.
func (a *AttackModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	return a.LossGradLogits(dx, nil, x, y)
}

// LossGradLogits implements attack.LossGradLogitser: LossGrad, with the
// logits of its forward pass copied into logits when it is not nil.
func (a *AttackModel) LossGradLogits(dx, logits, x *tensor.Mat, y []int) float64 {
	ws := a.workspace()
	z := a.net.Forward(ws, x)
	if logits != nil {
		logits.CopyFrom(z)
	}
	if a.obj.Isometric() && !a.obj.HasInputs(x.Rows) {
		a.obj.SetInputs(x, y) // no clean batch given: measure D_in here
	}
	ce, il, dl, extra := a.obj.Eval(ws, z, y)
	a.net.Backward(ws, dl, extra, false, dx)
	return a.obj.Value(ce, il)
}

// LogitsGrad implements attack.LogitsGrader: the forward pass, fill's
// ∂L/∂logits, and its back-propagation to the inputs alone (no weight
// gradients, no isometric term).
func (a *AttackModel) LogitsGrad(dx, logits, x *tensor.Mat, fill func(dLogits, logits *tensor.Mat)) {
	ws := a.workspace()
	z := a.net.Forward(ws, x)
	logits.CopyFrom(z)
	a.dz.Resize(z.Rows, z.Cols)
	fill(&a.dz, logits)
	a.net.Backward(ws, &a.dz, nil, false, dx)
}

// FirstLayer implements attack.FirstLayerModel: the first layer's weight.
func (a *AttackModel) FirstLayer() *tensor.Mat { return a.net.Layers[0].Weight() }

// LogitsFromFirst implements attack.FirstLayerModel: nn.MLP.Forward from
// the first layer's products x·W₀ᵀ on.
func (a *AttackModel) LogitsFromFirst(dst, pre *tensor.Mat) {
	dst.CopyFrom(a.forwardFrom(a.workspace(), pre))
}

// GradsFromFirst implements attack.FirstLayerGrader: LogitsGradFromFirst
// works on tanh and ReLU networks (MaxMin's backward pass needs what only
// nn.MLP.Forward keeps).
func (a *AttackModel) GradsFromFirst() bool { return a.net.Act == nn.Tanh || a.net.Act == nn.ReLU }

// LogitsGradFromFirst implements attack.FirstLayerGrader: LogitsGrad from
// the first layer's products x·W₀ᵀ on (∂L/∂x still goes through W₀). It
// panics unless GradsFromFirst.
func (a *AttackModel) LogitsGradFromFirst(dx, logits, pre *tensor.Mat, fill func(dLogits, logits *tensor.Mat)) {
	if !a.GradsFromFirst() {
		panic("train: LogitsGradFromFirst on a " + string(a.net.Act) + " network")
	}
	ws := a.workspace()
	z := a.forwardFrom(ws, pre)
	logits.CopyFrom(z)
	a.dz.Resize(z.Rows, z.Cols)
	fill(&a.dz, logits)
	a.net.Backward(ws, &a.dz, nil, false, dx)
}

// forwardFrom is nn.MLP.Forward from the first layer's products pre on,
// the representations stored in ws for Backward (which, without weight
// gradients, never reads the input); it returns the logits (owned by ws).
func (a *AttackModel) forwardFrom(ws *nn.Workspace, pre *tensor.Mat) *tensor.Mat {
	L := len(a.net.Layers)
	ws.H[0] = nil
	for l, layer := range a.net.Layers {
		h := ws.H[l+1]
		if l == 0 {
			h.CopyFrom(pre)
		} else {
			h.Resize(pre.Rows, layer.Out)
			tensor.Gemm(false, true, 1, ws.H[l], layer.Weight(), 0, h) // z = h·Wᵀ (+ b below)
		}
		b := layer.B.Data
		switch {
		case l == L-1:
			for i := 0; i < h.Rows; i++ {
				row := h.Row(i)
				for j := range row {
					row[j] += b[j]
				}
			}
		case a.net.Act == nn.Tanh:
			tensor.AddBiasTanh(h, b)
		case a.net.Act == nn.MaxMin:
			nn.AddBiasMaxMin(h, b)
		default:
			for i := 0; i < h.Rows; i++ {
				row := h.Row(i)
				for j := range row {
					row[j] = max(row[j]+b[j], 0)
				}
			}
		}
	}
	return ws.H[L]
}

// Fork implements attack.Model.
func (a *AttackModel) Fork() attack.Model { return &AttackModel{net: a.net, obj: a.obj.Fork()} }
