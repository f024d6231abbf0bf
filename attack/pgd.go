package attack

import "github.com/isonet/isonet/tensor"

// PGD writes into dst the projected-gradient-descent adversarial (Madry et
// al.) of each row of x under cfg's norm, ε, step a and step count T:
//
//	x⁰ = x (or a random point of the ball with cfg.RandomStart),
//	x^{t+1} = clip(Π_B(x,ε)(x^t + a·dir(∇_x L(x^t, y))), 0, 1),
//
// with the gradient recomputed at every step; dir is the sign (L∞) or the
// L2-normalised gradient (L2). With cfg.Restarts > 1 and a random start, the
// attack is rerun from new random points on the whole batch; an example's
// result is the first restart's final point that the model misclassifies, or
// the first restart's final point if none does. cfg.Seed seeds the random
// starts. dst is resized to x's shape and must not be x.
func PGD(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) {
	pgd(dst, m, x, y, cfg, false)
}

// PGDPaper is the authors' PGD, kept so that the paper's figure can be
// compared: by a bug, the sign of the gradient at the clean x is reused at
// every step instead of being recomputed. Its loop is PGD's, so for L∞ and
// no random start it equals FGSM with ε_eff = min(T·a, ε) (up to float32
// rounding): each coordinate walks in one direction until the ball or the box
// stops it. Never use it as a robustness evaluation.
func PGDPaper(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) {
	pgd(dst, m, x, y, cfg, true)
}

func pgd(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config, fixedGrad bool) {
	cfg = cfg.withDefaults()
	checkBatch(m, x, y)
	checkNorm(cfg.Norm)
	setClean(m, x, y)
	n, d := x.Rows, x.Cols
	restarts := cfg.Restarts
	if !cfg.RandomStart {
		restarts = 1 // every run would be the same
	}
	rng := newRNG(cfg.Seed)
	st := newStepper(d)
	cur, g := tensor.New(n, d), tensor.New(n, d)
	if fixedGrad {
		m.LossGrad(g, x, y) // the clean gradient, reused at every step
	}
	dst.Resize(n, d)
	broken := make([]bool, n)
	var logits tensor.Mat
	for r := 0; r < restarts && !cfg.stopped(); r++ {
		if cfg.RandomStart {
			randomStart(cur, x, cfg.Eps, cfg.Norm, rng)
		} else {
			cur.CopyFrom(x)
		}
		for t := 0; t < cfg.Steps && !cfg.stopped(); t++ {
			if !fixedGrad {
				m.LossGrad(g, cur, y)
			}
			st.step(cur, cur, g, x, cfg.Step, cfg.Eps, cfg.Norm)
		}
		if restarts == 1 {
			dst.CopyFrom(cur)
			return
		}
		m.Logits(&logits, cur)
		left := 0
		for i := 0; i < n; i++ {
			if r == 0 {
				copy(dst.Row(i), cur.Row(i))
			}
			if broken[i] {
				continue
			}
			if argmax(logits.Row(i)) != y[i] {
				broken[i] = true
				copy(dst.Row(i), cur.Row(i))
			} else {
				left++
			}
		}
		if left == 0 {
			return
		}
	}
}
