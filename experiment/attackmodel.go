package experiment

import (
	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// Attack losses.
const (
	LossCE    = "ce"    // cross-entropy of the logits (the field's standard)
	LossTrain = "train" // the training loss α·CE + β·iso, D_in from the clean batch (the authors')
)

// AttackModel adapts a trained network to attack.Model. It never changes
// the weights: backward passes compute only the input gradient.
type AttackModel struct {
	Net  *nn.MLP
	Loss string // LossCE or LossTrain
	// The training loss's settings (used when Loss is LossTrain).
	Alpha, Beta, K float64
	IsoLayer       int
	Mask           iso.Mask

	ws     *nn.Workspace
	dl     *tensor.Mat
	diso   *tensor.Mat
	iso    iso.Loss
	groups [][]int
	clean  bool
}

// NewAttackModel returns the attack view of m's network with the given
// attack loss, taking the training-loss settings from m's config.
func NewAttackModel(m *model.Model, loss string) *AttackModel {
	b := m.LastBlock()
	return &AttackModel{Net: m.Net(), Loss: loss, Alpha: b.Train.Alpha, Beta: b.Train.Beta, K: b.Train.K,
		IsoLayer: b.Train.IsoLayer, Mask: b.Train.Mask}
}

// InputDim implements attack.Model.
func (a *AttackModel) InputDim() int { return a.Net.InputDim() }

// NumClasses implements attack.Model.
func (a *AttackModel) NumClasses() int { return a.Net.NumClasses() }

func (a *AttackModel) init() {
	if a.ws == nil {
		a.ws = a.Net.NewWorkspace()
		a.dl, a.diso = &tensor.Mat{}, &tensor.Mat{}
	}
}

// Logits implements attack.Model.
func (a *AttackModel) Logits(dst, x *tensor.Mat) {
	a.init()
	dst.CopyFrom(a.Net.Forward(a.ws, x))
}

// SetClean tells the model the clean batch an attack starts from: the
// training loss measures input distances on it.
func (a *AttackModel) SetClean(x *tensor.Mat, y []int) {
	if a.Loss != LossTrain || a.Beta == 0 || a.Mask == iso.MaskNone {
		return // the attack loss does not look at input distances
	}
	a.groups = iso.Groups(a.groups, y, a.Mask)
	a.iso.Reset(x, a.groups, a.K)
	a.clean = true
}

// LossGrad implements attack.Model: the batch-mean attack loss and its
// gradient with respect to x.
func (a *AttackModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	a.init()
	logits := a.Net.Forward(a.ws, x)
	if a.Loss != LossTrain {
		loss := nn.SoftmaxCE(a.dl, logits, y, 1)
		a.Net.Backward(a.ws, a.dl, nil, false, dx)
		return loss
	}
	loss := a.Alpha * nn.SoftmaxCE(a.dl, logits, y, a.Alpha)
	var extra map[int]*tensor.Mat
	if a.Beta > 0 && a.Mask != iso.MaskNone {
		if !a.clean || a.iso.N != x.Rows {
			a.SetClean(x, y) // no clean batch given: measure D_in here
		}
		h := a.ws.H[a.IsoLayer]
		a.diso.Resize(h.Rows, h.Cols)
		a.diso.Zero()
		loss += a.Beta * a.iso.Eval(a.diso, h, a.Beta)
		extra = map[int]*tensor.Mat{a.IsoLayer: a.diso}
	}
	a.Net.Backward(a.ws, a.dl, extra, false, dx)
	return loss
}

// Fork implements attack.Model.
func (a *AttackModel) Fork() attack.Model {
	return &AttackModel{Net: a.Net, Loss: a.Loss, Alpha: a.Alpha, Beta: a.Beta, K: a.K, IsoLayer: a.IsoLayer, Mask: a.Mask}
}
