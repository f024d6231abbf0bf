package attack

import "github.com/isonet/isonet/tensor"

// FGSM writes into dst the fast-gradient-sign adversarial of each row of x:
// x' = clip(x + ε·sign(∇_x L(x, y)), 0, 1) for norm "inf", and
// x' = clip(x + ε·∇/‖∇‖₂, 0, 1) for norm "2", where L is m's attack loss.
// dst is resized to x's shape and must not be x.
func FGSM(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, eps float64, norm string) {
	checkBatch(m, x, y)
	checkNorm(norm)
	setClean(m, x, y)
	g := tensor.New(x.Rows, x.Cols)
	m.LossGrad(g, x, y)
	dst.Resize(x.Rows, x.Cols)
	newStepper(x.Cols).step(dst, x, g, x, eps, eps, norm)
}
