// Package attack measures how robust a classifier is: it perturbs inputs
// within a small ball to change the predicted class, and counts the examples
// that resist.
//
// The attacks are those of SPEC §4 — FGSM, PGD and the authors'
// fixed-gradient PGD ("pgd-paper") — and the instruments of the robustness
// field: APGD on cross-entropy, on the DLR loss and on the targeted DLR loss
// (APGD-CE, APGD-DLR, APGD-T; Croce & Hein 2020), FAB and FAB-T (the
// minimal-perturbation attack of Croce & Hein, ICML 2020) and the
// gradient-free Square attack (Andriushchenko et al. 2020). AutoAttack runs
// them as the AutoAttack ensemble — each stage on the examples still robust,
// every adversarial re-checked before it counts — and computes the
// gradient-masking checks. RobustAccuracy measures a model's accuracy under
// one attack over a whole data set, in parallel and deterministically.
//
// Inputs live in [0, 1] unless Config.Lo/Hi (AutoAttackConfig.Lo/Hi) name
// another box: every attack clips its points to the box, and RobustAccuracy
// and AutoAttack reject data outside it. The threat model is a ball of
// radius ε around the clean input, in the L∞ norm ("inf") or the L2 norm
// ("2"). DLR and FAB need the optional LogitsGrader; Square is faster on a
// FirstLayerModel.
//
// The batch functions (FGSM, PGD, PGDPaper, APGD, APGDDLR, APGDT, FAB, FABT,
// Square) take the destination first and work on one batch in [0, 1]; they
// panic on mismatched shapes, which are programmer errors. RobustAccuracy,
// AutoAttack and Sweep validate what a user can get wrong and return errors.
package attack

import (
	"fmt"

	"github.com/isonet/isonet/tensor"
)

// Model is what an attack needs from a classifier. Implementations are not
// safe for concurrent use; Fork gives an independent copy sharing the weights.
type Model interface {
	InputDim() int
	NumClasses() int
	// Logits writes the logits for the rows of x into dst (dst is resized to x.Rows×NumClasses()).
	Logits(dst, x *tensor.Mat)
	// LossGrad evaluates the attack loss on the batch (x, y) and writes ∂loss/∂x into dx (same shape as x).
	// The loss is the mean over the batch of the per-example loss (CE by default; the model may
	// implement another, e.g. the training loss). It returns the loss. It must never change weights.
	LossGrad(dx, x *tensor.Mat, y []int) float64
	// Fork returns a Model that shares the weights but has its own buffers.
	Fork() Model
}

// CleanSetter is implemented by models whose attack loss depends on the
// clean batch under attack — the training loss measures its input distances
// D_in on the clean inputs (SPEC §4). FGSM, PGD, PGDPaper, APGD and
// InputGradStats call SetClean(x, y) with the clean batch before their first
// LossGrad on it, and then call LossGrad only on perturbed copies of that
// whole batch, rows in the same order.
type CleanSetter interface {
	SetClean(x *tensor.Mat, y []int)
}

// setClean tells m the clean batch, when m wants to know it.
func setClean(m Model, x *tensor.Mat, y []int) {
	if cs, ok := m.(CleanSetter); ok {
		cs.SetClean(x, y)
	}
}

// LogitsGrader is implemented by models that can back-propagate any
// function of their logits to their inputs — what the DLR loss and FAB need,
// where LossGrad offers only the model's own loss.
type LogitsGrader interface {
	// LogitsGrad runs the forward pass on x, writes the logits into logits
	// (resized to x.Rows×NumClasses()), calls fill(dLogits, logits), which
	// writes ∂L/∂logits into dLogits (already that shape), and writes
	// ∂L/∂x = (∂L/∂logits)·∂logits/∂x into dx (resized to x's shape). It
	// must never change weights.
	LogitsGrad(dx, logits, x *tensor.Mat, fill func(dLogits, logits *tensor.Mat))
}

// LossGradLogitser is implemented by models whose LossGrad runs the
// forward pass that Logits would: LossGradLogits is LossGrad that also
// writes those logits into logits (resized), saving APGD a second forward
// pass at the same point. The logits must equal Logits' on x.
type LossGradLogitser interface {
	LossGradLogits(dx, logits, x *tensor.Mat, y []int) float64
}

// FirstLayerModel is implemented by models whose first operation is a
// linear map of the input, x ↦ x·Wᵀ (then a bias, an activation and the
// rest of the network). Square uses it to score a proposal that changes a
// few inputs by updating x·Wᵀ instead of recomputing it.
type FirstLayerModel interface {
	// FirstLayer returns W (hidden units × InputDim), shared and read-only.
	FirstLayer() *tensor.Mat
	// LogitsFromFirst writes into dst the logits of the inputs whose
	// products x·Wᵀ are the rows of pre.
	LogitsFromFirst(dst, pre *tensor.Mat)
}

// FirstLayerGrader is a FirstLayerModel and a LogitsGrader that can start
// LogitsGrad after the first layer: LogitsGradFromFirst is LogitsGrad for
// the inputs whose first-layer products x·Wᵀ are the rows of pre (dx is
// still ∂L/∂x). FAB uses it: the products of a point moved back towards
// the clean one are a blend of known products.
type FirstLayerGrader interface {
	FirstLayerModel
	// GradsFromFirst reports whether LogitsGradFromFirst works on this model.
	GradsFromFirst() bool
	LogitsGradFromFirst(dx, logits, pre *tensor.Mat, fill func(dLogits, logits *tensor.Mat))
}

// logitsGrader returns m as a LogitsGrader, or an error naming what is
// missing for the attack.
func logitsGrader(m Model, attack string) (LogitsGrader, error) {
	if g, ok := m.(LogitsGrader); ok {
		return g, nil
	}
	return nil, fmt.Errorf("attack: %s needs gradients of the logits, which the model (%T) does not give (it does not implement attack.LogitsGrader)", attack, m)
}
