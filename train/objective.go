package train

import (
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// Objective is the paper's loss α·CE + β·iso of a network on a batch: the
// mean cross-entropy of the logits plus the isometric term at
// representation H[Layer] (SPEC §2). Training minimises it; an attack on
// the training loss (attack loss "train") maximises it over the inputs.
// Both compute it here, so that they cannot drift apart.
//
// The zero value is not useful; build one from a Config (Config.Objective)
// or with CrossEntropy. An Objective holds buffers and is not safe for
// concurrent use; Fork gives an independent one with the same settings.
type Objective struct {
	Alpha float64  // weight of the cross-entropy term
	Beta  float64  // weight of the isometric term
	K     float64  // representation distance scale
	Layer int      // representation index H[Layer] the isometric term acts on
	Mask  iso.Mask // which pairs the isometric term compares

	dl     tensor.Mat // ∂loss/∂logits
	diso   tensor.Mat // ∂(β·iso)/∂H[Layer]
	extra  map[int]*tensor.Mat
	loss   iso.Loss
	groups [][]int
	ready  bool // SetInputs has measured a batch's input distances
}

// Objective returns the loss c trains with.
func (c *Config) Objective() *Objective {
	return &Objective{Alpha: c.Alpha, Beta: c.Beta, K: c.K, Layer: c.IsoLayer, Mask: c.Mask}
}

// CrossEntropy returns the objective of plain cross-entropy (α = 1, β = 0),
// the standard attack loss.
func CrossEntropy() *Objective { return &Objective{Alpha: 1, K: 1, Mask: iso.MaskNone} }

// Fork returns an objective with o's settings and buffers of its own.
func (o *Objective) Fork() *Objective {
	return &Objective{Alpha: o.Alpha, Beta: o.Beta, K: o.K, Layer: o.Layer, Mask: o.Mask}
}

// Isometric reports whether the isometric term is on (β > 0 and a mask
// other than none); when it is off the objective is α·CE.
func (o *Objective) Isometric() bool { return o.Beta > 0 && o.Mask != iso.MaskNone }

// SetInputs measures the input distances D_in of the batch (x, y) — the
// labels define the class mask's partition — which the isometric term
// compares the representation distances with until the next call. It does
// nothing when the isometric term is off.
func (o *Objective) SetInputs(x *tensor.Mat, y []int) {
	if !o.Isometric() {
		return
	}
	o.groups = iso.Groups(o.groups, y, o.Mask)
	o.loss.Reset(x, o.groups, o.K)
	o.ready = true
}

// HasInputs reports whether input distances of a batch of n rows are set.
func (o *Objective) HasInputs(n int) bool { return o.ready && o.loss.N == n }

// Eval evaluates the objective on the forward pass that ws holds (logits
// its output, labels y) and returns the mean cross-entropy and the
// isometric loss (before α and β), the gradient of α·CE + β·iso with
// respect to the logits, and the gradients it adds at representations,
// keyed by layer (nil when the isometric term is off) — the arguments of
// nn.MLP.Backward. The input distances are those of the last SetInputs.
// The returned matrices belong to o and change with its next Eval.
func (o *Objective) Eval(ws *nn.Workspace, logits *tensor.Mat, y []int) (ce, isoLoss float64, dl *tensor.Mat, extra map[int]*tensor.Mat) {
	ce = nn.SoftmaxCE(&o.dl, logits, y, o.Alpha)
	if !o.Isometric() {
		return ce, 0, &o.dl, nil
	}
	h := ws.H[o.Layer]
	o.diso.Resize(h.Rows, h.Cols)
	o.diso.Zero()
	isoLoss = o.loss.Eval(&o.diso, h, o.Beta)
	if o.extra == nil {
		o.extra = map[int]*tensor.Mat{}
	}
	o.extra[o.Layer] = &o.diso
	return ce, isoLoss, &o.dl, o.extra
}

// Value returns α·ce + β·isoLoss as Eval's results combine: the isometric
// part is added only when the term is on.
func (o *Objective) Value(ce, isoLoss float64) float64 {
	v := o.Alpha * ce
	if o.Isometric() {
		v += o.Beta * isoLoss
	}
	return v
}
