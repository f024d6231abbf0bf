package attack

import (
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// imageShape returns the h×w grid Square lays an input of d values on: a
// square image when d is a perfect square (784 → 28×28), else one row.
func imageShape(d int) (h, w int) {
	s := int(math.Sqrt(float64(d)))
	for s*s > d {
		s--
	}
	for (s+1)*(s+1) <= d {
		s++
	}
	if s*s == d {
		return s, s
	}
	return 1, d
}

// squareP is the fraction of the input Square changes at iteration it of n,
// starting from p0 and halved at iterations 10, 50, 200, 500, 1000, 2000,
// 4000, 6000 and 8000 of a 10000-iteration run, rescaled to n iterations
// (Andriushchenko et al. 2020).
func squareP(it, n int, p0 float64) float64 {
	i := it * 10000 / n
	for _, b := range []int{10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000} {
		if i <= b {
			break
		}
		p0 /= 2
	}
	return p0
}

// squareSide is the side of the square window that holds a fraction p of an
// h×w image (the length of the window on a one-row image), at least 1 and at
// most one less than the image's side.
func squareSide(p float64, h, w int) int {
	if h == 1 {
		return max(min(int(math.Round(p*float64(w))), w-1), 1)
	}
	return max(min(int(math.Round(math.Sqrt(p*float64(h*w)))), h-1), 1)
}

// Square writes into dst the L∞ Square attack (Andriushchenko et al. 2020, "Square
// Attack: a query-efficient black-box adversarial attack via random search")
// of each row of x: gradient-free random search that needs only m.Logits, so
// masked or zero gradients cannot hide adversarials from it. Each input is
// laid on an image (imageShape). The search starts from vertical stripes
// x + ε·(±1 per column) and then, for cfg.Steps iterations, proposes to set a
// random square window of side √(p·h·w) to x + ε·(one random sign), p
// following the schedule of squareP from cfg.SquareP; a proposal is kept
// when it lowers the margin z_y − max_{k≠y} z_k. An example stops as soon as
// it is misclassified. Points are clipped to [0,1]. The result is the point
// found (the last accepted one). Restarts run the search again, from new
// stripes, on the examples no earlier run broke. cfg.Norm must be "inf".
// dst is resized to x's shape and must not be x.
func Square(dst *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config) {
	cfg = cfg.withDefaults()
	checkBatch(m, x, y)
	if cfg.Norm != NormInf {
		panic("attack: Square is L∞ only, got norm " + cfg.Norm)
	}
	n, d := x.Rows, x.Cols
	rng := newRNG(cfg.Seed)
	dst.Resize(n, d)
	broken := make([]bool, n)
	run := tensor.New(n, d)
	for r := 0; r < cfg.Restarts && !cfg.stopped(); r++ {
		out := dst
		if r > 0 {
			out = run
		}
		found := squareRun(out, m, x, y, cfg, broken, rng)
		left := 0
		for i := range broken {
			if found[i] && !broken[i] {
				broken[i] = true
				if r > 0 {
					copy(dst.Row(i), out.Row(i))
				}
			}
			if !broken[i] {
				left++
			}
		}
		if left == 0 {
			return
		}
	}
}

// squareRun runs one Square search on the examples not marked in skip,
// writing every example's point into cur, and reports which are misclassified.
func squareRun(cur *tensor.Mat, m Model, x *tensor.Mat, y []int, cfg Config, skip []bool, rng *rand.Rand) []bool {
	n, d := x.Rows, x.Cols
	h, w := imageShape(d)
	eps := cfg.Eps
	// Vertical stripes: one random sign per column.
	for i := 0; i < n; i++ {
		c, x0 := cur.Row(i), x.Row(i)
		if skip[i] {
			copy(c, x0)
			continue
		}
		for col := 0; col < w; col++ {
			s := eps
			if rng.IntN(2) == 0 {
				s = -eps
			}
			for row := 0; row < h; row++ {
				j := row*w + col
				c[j] = float32(clamp(float64(x0[j])+s, 0, 1))
			}
		}
	}
	var logits tensor.Mat
	m.Logits(&logits, cur)
	marg := make([]float64, n)
	found := make([]bool, n)
	var active []int
	for i := 0; i < n; i++ {
		z := logits.Row(i)
		marg[i] = margin(z, y[i])
		found[i] = argmax(z) != y[i]
		if !skip[i] && !found[i] {
			active = append(active, i)
		}
	}
	var prop tensor.Mat
	fl, fast := m.(FirstLayerModel)
	var inc *squareInc
	if fast {
		inc = newSquareInc(fl, cur)
	}
	type window struct {
		r0, c0 int
		s      float64
	}
	wins := make([]window, n)
	for it := 0; it < cfg.Steps && len(active) > 0 && !cfg.stopped(); it++ {
		side := squareSide(squareP(it, cfg.Steps, cfg.SquareP), h, w)
		sh := min(side, h) // window height: 1 on a one-row image
		if fast {
			inc.begin(cur, active, it)
		} else {
			tensor.Gather(&prop, cur, active)
		}
		for k, i := range active {
			c, x0 := cur.Row(i), x.Row(i)
			var p []float32
			if !fast {
				p = prop.Row(k)
			}
			r0, c0 := rng.IntN(h-sh+1), rng.IntN(w-side+1)
			s := eps
			if rng.IntN(2) == 0 {
				s = -eps
			}
			// A window that would not change the point is proposed with the other sign.
			for try := 0; try < 2; try++ {
				same := true
				for row := r0; row < r0+sh; row++ {
					for col := c0; col < c0+side; col++ {
						j := row*w + col
						v := float32(clamp(float64(x0[j])+s, 0, 1))
						if !fast {
							p[j] = v
						}
						same = same && v == c[j]
					}
				}
				if !same {
					break
				}
				s = -s
			}
			wins[k] = window{r0, c0, s}
			if fast {
				for row := r0; row < r0+sh; row++ {
					for col := c0; col < c0+side; col++ {
						j := row*w + col
						inc.move(k, j, float32(clamp(float64(x0[j])+s, 0, 1))-c[j])
					}
				}
			}
		}
		if fast {
			inc.logits(&logits)
		} else {
			m.Logits(&logits, &prop)
		}
		kept := active[:0]
		for k, i := range active {
			z := logits.Row(k)
			if mg := margin(z, y[i]); mg < marg[i] {
				marg[i] = mg
				if fast {
					c, x0, wk := cur.Row(i), x.Row(i), wins[k]
					for row := wk.r0; row < wk.r0+sh; row++ {
						for col := wk.c0; col < wk.c0+side; col++ {
							j := row*w + col
							c[j] = float32(clamp(float64(x0[j])+wk.s, 0, 1))
						}
					}
					inc.accept(k, i)
				} else {
					copy(cur.Row(i), prop.Row(k))
				}
				// The incremental logits only propose; a fresh forward pass decides.
				if argmax(z) != y[i] && (!fast || inc.misclassified(m, cur, i, y[i])) {
					found[i] = true
					continue
				}
			}
			kept = append(kept, i)
		}
		active = kept
	}
	return found
}

// squareRefresh is how often (in iterations) squareInc recomputes its
// first-layer products exactly, so that float32 rounding does not pile up.
const squareRefresh = 256

// squareInc evaluates Square's proposals through a FirstLayerModel: a
// proposal changes one window of the point, so its first-layer product is
// the current one plus the window's columns of W times the change — a few
// hundred multiply-adds instead of a whole first layer.
type squareInc struct {
	fl             FirstLayerModel
	wt             *tensor.Mat // Wᵀ: row j is input j's column of W
	pre, prop, tmp tensor.Mat
}

func newSquareInc(fl FirstLayerModel, cur *tensor.Mat) *squareInc {
	w := fl.FirstLayer()
	q := &squareInc{fl: fl, wt: tensor.New(w.Cols, w.Rows)}
	for a := 0; a < w.Rows; a++ {
		for b, v := range w.Row(a) {
			q.wt.Data[b*w.Rows+a] = v
		}
	}
	q.pre.Resize(cur.Rows, w.Rows)
	tensor.Gemm(false, true, 1, cur, w, 0, &q.pre)
	return q
}

// begin starts an iteration on the rows active of the points cur: their
// products are copied into the proposals' (and recomputed exactly every
// squareRefresh iterations).
func (q *squareInc) begin(cur *tensor.Mat, active []int, it int) {
	if it > 0 && it%squareRefresh == 0 {
		tensor.Gather(&q.tmp, cur, active)
		q.prop.Resize(len(active), q.pre.Cols)
		tensor.Gemm(false, true, 1, &q.tmp, q.fl.FirstLayer(), 0, &q.prop)
		for k, i := range active {
			copy(q.pre.Row(i), q.prop.Row(k))
		}
	}
	tensor.Gather(&q.prop, &q.pre, active)
}

// move adds the change dv of input j to proposal k's product.
func (q *squareInc) move(k, j int, dv float32) {
	if dv == 0 {
		return
	}
	p, col := q.prop.Row(k), q.wt.Row(j)
	for a := axpyVec(p, col, dv); a < len(col); a++ {
		p[a] += float32(dv * col[a]) // a rounded product, as the kernel
	}
}

// logits writes the proposals' logits into dst.
func (q *squareInc) logits(dst *tensor.Mat) { q.fl.LogitsFromFirst(dst, &q.prop) }

// accept makes proposal k row i's current point.
func (q *squareInc) accept(k, i int) { copy(q.pre.Row(i), q.prop.Row(k)) }

// misclassified checks row i of cur with a fresh forward pass.
func (q *squareInc) misclassified(m Model, cur *tensor.Mat, i, y int) bool {
	var z tensor.Mat
	m.Logits(&z, tensor.FromSlice(1, cur.Cols, cur.Row(i)))
	return argmax(z.Row(0)) != y
}
