package attack

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// The building blocks every attack shares: the ascent direction, the
// projection onto the ε-ball intersected with [0,1], the random start, and the
// per-example losses computed from logits. Points are computed in float64 and
// rounded to float32 once.

// newRNG returns the generator an attack draws from for seed.
func newRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// splitmix64 is a bijective mixer used to derive independent seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// batchSeed is the seed of batch b of a run seeded with seed.
func batchSeed(seed uint64, b int) uint64 { return splitmix64(seed ^ splitmix64(uint64(b)+1)) }

// checkNorm panics on an unknown norm: the batch functions expect a validated one.
func checkNorm(norm string) {
	if norm != NormInf && norm != NormL2 {
		panic(fmt.Sprintf("attack: unknown norm %q", norm))
	}
}

// checkBatch panics when x, y and m do not fit together.
func checkBatch(m Model, x *tensor.Mat, y []int) {
	if x.Cols != m.InputDim() {
		panic(fmt.Sprintf("attack: model takes %d inputs, batch has %d columns", m.InputDim(), x.Cols))
	}
	if len(y) != x.Rows {
		panic(fmt.Sprintf("attack: %d labels for %d rows", len(y), x.Rows))
	}
}

// projectRow writes into dst the point v projected onto the ball of radius eps
// around x0 in norm, then clipped to [0,1]: L∞ clamps each coordinate to
// [x0−ε, x0+ε] ∩ [0,1]; L2 rescales δ = v − x0 to length ε when it is longer,
// then clips (clipping only shrinks each |δ_j|, so the point stays in the ball).
// dst may share memory with x0.
func projectRow(dst []float32, v []float64, x0 []float32, eps float64, norm string) {
	switch norm {
	case NormInf:
		for j, vj := range v {
			c := float64(x0[j])
			dst[j] = float32(clamp(vj, max(c-eps, 0), min(c+eps, 1)))
		}
	case NormL2:
		var s float64
		for j, vj := range v {
			d := vj - float64(x0[j])
			s += d * d
		}
		scale := 1.0
		if n := math.Sqrt(s); n > eps {
			scale = eps / n
		}
		x0 = x0[:len(v)]
		dst = dst[:len(v)]
		for j := projL2Vec(dst, v, x0, scale); j < len(v); j++ { // the same arithmetic, 8 at a time
			c := float64(x0[j])
			dst[j] = float32(clamp(c+(v[j]-c)*scale, 0, 1))
		}
	default:
		checkNorm(norm)
	}
}

// clamp returns v limited to [lo, hi] (branch-free: see stepInf).
func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }

// direction writes into s the ascent direction of the gradient row g: its
// sign (L∞; sign 0 is 0) or g/‖g‖₂ (L2; zero when g is zero). Both are
// invariant to a positive scale of g, so the 1/N of a batch-mean gradient
// does not matter.
func direction(s []float64, g []float32, norm string) {
	switch norm {
	case NormInf:
		for j, gj := range g {
			switch {
			case gj > 0:
				s[j] = 1
			case gj < 0:
				s[j] = -1
			default:
				s[j] = 0
			}
		}
	case NormL2:
		var n float64
		for _, gj := range g {
			n += float64(gj) * float64(gj)
		}
		n = math.Sqrt(n)
		if !(n > 0) {
			clear(s[:len(g)])
			return
		}
		s = s[:len(g)]
		for j := divVec(s, g, n); j < len(g); j++ { // the same arithmetic, 8 at a time
			s[j] = float64(g[j]) / n
		}
	default:
		checkNorm(norm)
	}
}

// stepper holds the scratch rows of an attack's steps.
type stepper struct {
	s, v []float64
}

func newStepper(d int) *stepper { return &stepper{s: make([]float64, d), v: make([]float64, d)} }

// step sets dst = clip(Π_B(x0,eps)(cur + a·dir(g))) for every row. dst may
// be cur; it must not be x0.
func (st *stepper) step(dst, cur, g, x0 *tensor.Mat, a, eps float64, norm string) {
	if norm == NormInf {
		stepInf(dst.Data, cur.Data, g.Data, x0.Data, a, eps)
		return
	}
	for i := 0; i < cur.Rows; i++ {
		direction(st.s, g.Row(i), norm)
		c := cur.Row(i)
		for j := range st.v {
			st.v[j] = float64(c[j]) + a*st.s[j]
		}
		projectRow(dst.Row(i), st.v, x0.Row(i), eps, norm)
	}
}

// randomStart sets dst to a random point of the ball of radius eps around x0,
// clipped to [0,1]: uniform in the cube for L∞; uniform in the ball for L2
// (a Gaussian direction with radius ε·U^(1/d)).
func randomStart(dst, x0 *tensor.Mat, eps float64, norm string, rng *rand.Rand) {
	v := make([]float64, x0.Cols)
	for i := 0; i < x0.Rows; i++ {
		c := x0.Row(i)
		switch norm {
		case NormInf:
			for j := range v {
				v[j] = float64(c[j]) + eps*(2*rng.Float64()-1)
			}
		case NormL2:
			var s float64
			for j := range v {
				v[j] = rng.NormFloat64()
				s += v[j] * v[j]
			}
			r := eps * math.Pow(rng.Float64(), 1/float64(len(v)))
			if s > 0 {
				r /= math.Sqrt(s)
			}
			for j := range v {
				v[j] = float64(c[j]) + r*v[j]
			}
		default:
			checkNorm(norm)
		}
		projectRow(dst.Row(i), v, c, eps, norm)
	}
}

// argmax returns the index of the largest logit (the first on ties).
func argmax(z []float32) int {
	k := 0
	for j, v := range z {
		if v > z[k] {
			k = j
		}
	}
	return k
}

// crossEntropy returns −log softmax(z)_y = logsumexp(z) − z_y, in float64.
func crossEntropy(z []float32, y int) float64 {
	m := float64(z[argmax(z)])
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s) - float64(z[y])
}

// margin returns z_y − max_{k≠y} z_k: negative when some other class wins.
func margin(z []float32, y int) float64 {
	best := math.Inf(-1)
	for k, v := range z {
		if k != y && float64(v) > best {
			best = float64(v)
		}
	}
	return float64(z[y]) - best
}

// stepInf is step for L∞ on whole matrices, fused into one pass: the same
// arithmetic as direction and projectRow (float64, one rounding), without the
// scratch rows. The sign is copied bitwise and the clamps use the min/max
// builtins, which compile without branches: once PGD's points sit on the
// faces of the ball, branchy clamps mispredict and run four times slower.
func stepInf(dst, cur, g, x0 []float32, a, eps float64) {
	if len(dst) == 0 {
		return
	}
	_, _, _ = cur[len(dst)-1], g[len(dst)-1], x0[len(dst)-1]
	ab := math.Float64bits(math.Abs(a))
	done := stepInfVec(dst, cur, g, x0, ab, eps) // the same arithmetic, 8 at a time
	for j := done; j < len(dst); j++ {
		gb := math.Float32bits(g[j])
		d := math.Float64frombits(ab | uint64(gb&0x80000000)<<32) // a·sign(g)
		if gb&0x7fffffff == 0 {
			d = 0 // sign(±0) = 0
		}
		c := float64(x0[j])
		lo := max(c-eps, 0)
		hi := min(c+eps, 1)
		dst[j] = float32(min(max(float64(cur[j])+d, lo), hi))
	}
}
