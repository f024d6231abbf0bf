package attack

import (
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// FAB constants of Croce & Hein (ICML 2020), as in their experiments: the
// largest weight α_max of the clean point in the biased step, the
// extrapolation factor η of the projection step and the backtracking
// factor β applied when an iterate is adversarial.
const (
	fabAlphaMax = 0.1
	fabEta      = 1.05
	fabBeta     = 0.9
)

// FAB writes into dst the FAB adversarial (Croce & Hein 2020, "Minimally
// distorted adversarial examples with a fast adaptive boundary attack") of
// each row of x under cfg's norm: the smallest perturbation it finds that
// changes the predicted class, found by Steps iterations per run of
//
//	linearise every margin f_k − f_y at x¹ and take the class k whose
//	hyperplane is nearest (|f_k − f_y| / ‖∇f_k − ∇f_y‖_q, q the dual norm);
//	project x¹ and the clean x⁰ onto that hyperplane within the box: d¹, d⁰;
//	x¹ ← clip((1−α)(x¹ + η·d¹) + α(x⁰ + η·d⁰)),  α = min(‖d¹‖/(‖d¹‖+‖d⁰‖), α_max);
//	when x¹ is adversarial, keep it if it is the closest so far and move it
//	back towards x⁰: x¹ ← x⁰ + β(x¹ − x⁰),
//
// with η = 1.05, β = 0.9, α_max = 0.1. The projection onto the hyperplane
// intersected with the box is exact (projector.project). The first run
// starts at x⁰, the cfg.Restarts − 1 others at a random point at half the
// distance of the best adversarial so far (at most ε). The gradients of the
// C − 1 margins come from one backward pass over the batch replicated once
// per class; through a FirstLayerGrader that pass starts from first-layer
// products (a point moved back by β blends x⁰'s and x¹'s, the layer being
// linear). A row's result is its closest adversarial, or x itself when
// none was found; norms (when not nil, length x.Rows) receives its norm
// (+Inf when none). With cfg.Eps > 0 a row stops once it has an
// adversarial within ε, which is all a robust accuracy needs; with Eps 0
// every row runs every step. FAB returns an error when m is not a
// LogitsGrader; dst is then untouched.
func FAB(dst *tensor.Mat, norms []float64, m Model, x *tensor.Mat, y []int, cfg Config) error {
	lg, err := logitsGrader(m, "FAB")
	if err != nil {
		return err
	}
	fab(dst, norms, m, lg, x, y, cfg, false)
	return nil
}

// FABT is the targeted FAB (FAB-T) of Croce & Hein: for r = 1 … K
// (K = cfg.TargetClasses, by default min(9, C−1)), FAB restricted to the
// margin f_t − f_y of the class t with the r-th largest clean logit among
// the wrong ones, on the rows without an adversarial within ε so far. The
// result and norms are FAB's. It returns an error when m is not a
// LogitsGrader; dst is then untouched.
func FABT(dst *tensor.Mat, norms []float64, m Model, x *tensor.Mat, y []int, cfg Config) error {
	lg, err := logitsGrader(m, "FAB-T")
	if err != nil {
		return err
	}
	fab(dst, norms, m, lg, x, y, cfg, true)
	return nil
}

func fab(dst *tensor.Mat, norms []float64, m Model, lg LogitsGrader, x *tensor.Mat, y []int, cfg Config, targeted bool) {
	cfg = cfg.withDefaults()
	checkBatch(m, x, y)
	checkNorm(cfg.Norm)
	n, d := x.Rows, x.Cols
	dst.Resize(n, d)
	dst.CopyFrom(x)
	if norms == nil {
		norms = make([]float64, n)
	}
	if len(norms) != n {
		panic("attack: FAB norms length differs from the batch")
	}
	var clean tensor.Mat
	m.Logits(&clean, x)
	for i := range norms {
		norms[i] = math.Inf(1)
		if argmax(clean.Row(i)) != y[i] {
			norms[i] = 0 // already misclassified
		}
	}
	f := newFABRun(m, lg, cfg)
	if !targeted {
		rng := newRNG(cfg.Seed)
		for r := 0; r < cfg.Restarts && !cfg.stopped(); r++ {
			f.run(dst, norms, x, y, nil, r > 0, rng)
		}
		return
	}
	targets := make([]int, n)
	for r := 1; r <= cfg.targetClasses(m.NumClasses()) && !cfg.stopped(); r++ {
		rankTargets(targets, &clean, y, r)
		rng := newRNG(splitmix64(cfg.Seed ^ uint64(r)<<32))
		for k := 0; k < cfg.Restarts && !cfg.stopped(); k++ {
			f.run(dst, norms, x, y, targets, k > 0, rng)
		}
	}
}

// fabRun holds FAB's buffers.
type fabRun struct {
	m   Model
	lg  LogitsGrader
	cfg Config

	x0, x1, rep, dg, logits, z tensor.Mat
	pre0, pre1                 tensor.Mat // first-layer products of x0, x1 (FirstLayerGrader)
	y, t                       []int
	d1, d2                     []float64
	proj                       *projector
}

func newFABRun(m Model, lg LogitsGrader, cfg Config) *fabRun {
	return &fabRun{m: m, lg: lg, cfg: cfg, proj: &projector{}}
}

// done reports whether a row with best norm v needs no more search.
func (f *fabRun) done(v float64) bool {
	if f.cfg.Eps > 0 {
		return v <= f.cfg.Eps
	}
	return v == 0
}

// run performs one FAB run (targeted towards targets[i] when targets is
// not nil) on the rows not yet done, updating best and norms.
func (f *fabRun) run(best *tensor.Mat, norms []float64, x *tensor.Mat, y, targets []int, randStart bool, rng *rand.Rand) {
	cfg := f.cfg
	var active []int
	for i, v := range norms {
		if !f.done(v) {
			active = append(active, i)
		}
	}
	if len(active) == 0 {
		return
	}
	d, c := x.Cols, f.m.NumClasses()
	tensor.Gather(&f.x0, x, active)
	f.x1.Resize(len(active), d)
	f.x1.CopyFrom(&f.x0)
	const lo, hi = 0.0, 1.0
	if randStart {
		v := make([]float64, d)
		for k, i := range active {
			r := min(norms[i], cfg.Eps)
			if cfg.Eps == 0 {
				r = norms[i]
			}
			if math.IsInf(r, 1) {
				r = 0
			}
			var s float64
			for j := range v {
				if cfg.Norm == NormInf {
					v[j] = 2*rng.Float64() - 1
					s = max(s, math.Abs(v[j]))
				} else {
					v[j] = rng.NormFloat64()
					s += v[j] * v[j]
				}
			}
			if cfg.Norm == NormL2 {
				s = math.Sqrt(s)
			}
			x0, x1 := f.x0.Row(k), f.x1.Row(k)
			for j := range v {
				step := 0.0
				if s > 0 {
					step = r * v[j] / s * 0.5
				}
				x1[j] = float32(clamp(float64(x0[j])+step, lo, hi))
			}
		}
	}
	f.y = f.y[:0]
	f.t = f.t[:0]
	for _, i := range active {
		f.y = append(f.y, y[i])
		if targets != nil {
			f.t = append(f.t, targets[i])
		}
	}
	if len(f.d1) < d {
		f.d1, f.d2 = make([]float64, d), make([]float64, d)
	}
	// pos[k] is row k of the current batch in active.
	pos := make([]int, len(active))
	for k := range pos {
		pos[k] = k
	}
	// Through a FirstLayerGrader, the first layer's products of x1 come
	// from the check's pass, and those of a row moved back towards x0 by
	// β are the same blend of x0's and x1's (the layer is linear): the
	// gradients' pass starts after the first layer.
	fg, first := f.m.(FirstLayerGrader)
	first = first && fg.GradsFromFirst()
	if first {
		w0 := fg.FirstLayer()
		f.pre0.Resize(f.x0.Rows, w0.Rows)
		tensor.Gemm(false, true, 1, &f.x0, w0, 0, &f.pre0)
		f.pre1.Resize(f.x1.Rows, w0.Rows)
		tensor.Gemm(false, true, 1, &f.x1, w0, 0, &f.pre1)
	}
	for it := 0; it < cfg.Steps && len(pos) > 0 && !cfg.stopped(); it++ {
		na := f.x1.Rows
		// The margins' values and gradients: row k·R + r of dg is
		// ∇(f_{cls} − f_y) at x1 row k, R classes per row (1 when targeted).
		per := c
		if targets != nil {
			per = 1
		}
		src := &f.x1
		if first {
			src = &f.pre1
		}
		if per > 1 {
			f.rep.Resize(na*per, src.Cols)
			for k := 0; k < na; k++ {
				row := src.Row(k)
				for r := 0; r < per; r++ {
					copy(f.rep.Row(k*per+r), row)
				}
			}
			src = &f.rep
		}
		gradOf := f.lg.LogitsGrad
		if first {
			gradOf = fg.LogitsGradFromFirst
		}
		gradOf(&f.dg, &f.logits, src, func(dz, _ *tensor.Mat) {
			clear(dz.Data)
			for k := 0; k < na; k++ {
				yk := f.y[k]
				for r := 0; r < per; r++ {
					cls := r
					if per == 1 {
						cls = f.t[k]
					}
					if cls == yk {
						continue
					}
					row := dz.Row(k*per + r)
					row[cls], row[yk] = 1, -1
				}
			}
		})
		for k := 0; k < na; k++ {
			z := f.logits.Row(k * per)
			yk := f.y[k]
			// The nearest linearised boundary (targeted: the target's, the only one).
			bestR, bestDist := -1, math.Inf(1)
			if per == 1 {
				bestR = 0
			}
			for r := 0; r < per && per > 1; r++ {
				cls := r
				if per == 1 {
					cls = f.t[k]
				}
				if cls == yk {
					continue
				}
				g := f.dg.Row(k*per + r)
				var q float64
				if cfg.Norm == NormInf {
					for _, v := range g {
						q += math.Abs(float64(v))
					}
				} else {
					for _, v := range g {
						q += float64(v) * float64(v)
					}
					q = math.Sqrt(q)
				}
				dist := math.Abs(float64(z[cls])-float64(z[yk])) / (q + 1e-12)
				if bestR < 0 || dist < bestDist {
					bestR, bestDist = r, dist
				}
			}
			cls := bestR
			if per == 1 {
				cls = f.t[k]
			}
			w := f.dg.Row(k*per + bestR)
			df := float64(z[cls]) - float64(z[yk])
			x0, x1 := f.x0.Row(k), f.x1.Row(k)
			// The hyperplane {p : ⟨w, p − x1⟩ + df = 0}.
			var wx1, wx0 float64
			for j, v := range w {
				wx1 += float64(v) * float64(x1[j])
				wx0 += float64(v) * float64(x0[j])
			}
			if cfg.Norm == NormInf && fabFused {
				f.proj.stepInf(x1, x0, w, -df, wx1-df-wx0, lo, hi)
				continue
			}
			a1 := max(f.proj.project(f.d1[:d], x1, w, -df, lo, hi, cfg.Norm), 1e-8)
			a2 := max(f.proj.project(f.d2[:d], x0, w, wx1-df-wx0, lo, hi, cfg.Norm), 1e-8)
			alpha := min(max(a1/(a1+a2), 0), fabAlphaMax)
			for j := range x1 {
				v := (float64(x1[j])+fabEta*f.d1[j])*(1-alpha) + (float64(x0[j])+fabEta*f.d2[j])*alpha
				x1[j] = float32(clamp(v, lo, hi))
			}
		}
		if first {
			tensor.Gemm(false, true, 1, &f.x1, fg.FirstLayer(), 0, &f.pre1)
			fg.LogitsFromFirst(&f.z, &f.pre1)
		} else {
			f.m.Logits(&f.z, &f.x1)
		}
		keep := 0
		for k := 0; k < na; k++ {
			i := active[pos[k]]
			x0, x1 := f.x0.Row(k), f.x1.Row(k)
			if argmax(f.z.Row(k)) != f.y[k] {
				t := rowDist(x1, x0, cfg.Norm)
				if t < norms[i] {
					norms[i] = t
					copy(best.Row(i), x1)
				}
				backTowards(x1, x0)
				if first {
					backTowards(f.pre1.Row(k), f.pre0.Row(k))
				}
			}
			if f.done(norms[i]) {
				continue
			}
			// Compact the still-active rows to the front.
			if keep != k {
				copy(f.x0.Row(keep), x0)
				copy(f.x1.Row(keep), x1)
				if first {
					copy(f.pre0.Row(keep), f.pre0.Row(k))
					copy(f.pre1.Row(keep), f.pre1.Row(k))
				}
				f.y[keep] = f.y[k]
				if targets != nil {
					f.t[keep] = f.t[k]
				}
			}
			pos[keep] = pos[k]
			keep++
		}
		pos = pos[:keep]
		f.x0.Rows, f.x1.Rows = keep, keep
		f.x0.Data, f.x1.Data = f.x0.Data[:keep*d], f.x1.Data[:keep*d]
		if first {
			h := f.pre0.Cols
			f.pre0.Rows, f.pre1.Rows = keep, keep
			f.pre0.Data, f.pre1.Data = f.pre0.Data[:keep*h], f.pre1.Data[:keep*h]
		}
		f.y = f.y[:keep]
		if targets != nil {
			f.t = f.t[:keep]
		}
	}
}

// vecNorm returns ‖v‖ in norm.
func vecNorm(v []float64, norm string) float64 {
	var s float64
	for _, x := range v {
		if norm == NormInf {
			s = max(s, math.Abs(x))
		} else {
			s += x * x
		}
	}
	if norm == NormL2 {
		s = math.Sqrt(s)
	}
	return s
}

// backTowards moves x1 back towards x0: x1 = x0 + (x1 − x0)·fabBeta, in
// float64 rounded to float32, element by element.
func backTowards(x1, x0 []float32) {
	x0 = x0[:len(x1)]
	for j := blendVec(x1, x0, fabBeta); j < len(x1); j++ {
		x1[j] = float32(float64(x0[j]) + (float64(x1[j])-float64(x0[j]))*fabBeta)
	}
}

// rowDist returns ‖a − b‖ in norm, in float64.
func rowDist(a, b []float32, norm string) float64 {
	var s float64
	j0 := 0
	if norm == NormInf {
		j0, s = distInfVec(a, b) // the maximum is exact in any order
	}
	for j := j0; j < len(a); j++ {
		d := float64(a[j]) - float64(b[j])
		if norm == NormInf {
			s = max(s, math.Abs(d))
		} else {
			s += d * d
		}
	}
	if norm == NormL2 {
		s = math.Sqrt(s)
	}
	return s
}

// projector holds project's scratch.
type projector struct {
	u, a, v, bu, ba []float64
	idx             []int
	bin             []uint8
}

// project writes into d the smallest perturbation (in norm) that moves the
// point p onto the hyperplane ⟨w, p + d⟩ = ⟨w, p⟩ + c while keeping p + d in
// the box [lo, hi]^n — or, when no point of the box lies on the hyperplane,
// the box's point nearest to it — and returns its norm. With s = sign(c),
// every coordinate moves in the direction of s·w_j by v_j·min(τ, u_j), where
// u_j is the room left in the box in that direction (L∞: v_j = ±1, u_j the
// room; L2: v_j = s·w_j, u_j the room over |w_j|), and τ ≥ 0 solves
// Σ_j a_j·min(τ, u_j) = |c| (a_j = |w_j| for L∞, w_j² for L2): an
// increasing piecewise-linear function, solved exactly (solveBucketed).
func (pr *projector) project(d []float64, p, w []float32, c, lo, hi float64, norm string) float64 {
	if c == 0 || math.IsNaN(c) {
		clear(d)
		return 0
	}
	neg := c < 0
	if cap(pr.u) < len(w) {
		pr.u, pr.a, pr.v, pr.idx = make([]float64, len(w)), make([]float64, len(w)), make([]float64, len(w)), make([]int, len(w))
	}
	u, a, v, idx := pr.u[:len(w)], pr.a[:len(w)], pr.v[:len(w)], pr.idx[:len(w)]
	inf := norm == NormInf
	if inf {
		return pr.projectInf(d, p, w, c, lo, hi)
	}
	clear(d)
	flip := uint32(0)
	if neg {
		flip = 1 << 31
	}
	n := 0
	for j, wj := range w {
		// Without branches, as projectInf: sg = ±1 is the sign of s·w_j,
		// room the room in that direction (hi − p_j or p_j − lo, exactly),
		// and a coordinate is kept when w_j ≠ 0 and room > 0 (without room
		// it cannot help).
		bits := (math.Float32bits(wj) ^ flip) & (1 << 31)
		sg := float64(math.Float32frombits(math.Float32bits(1) | bits))
		pj := float64(p[j])
		room := 0.5*(1+sg)*(hi-pj) + 0.5*(1-sg)*(pj-lo)
		aw := math.Abs(float64(wj))
		u[n], a[n], v[n], idx[n] = room/aw, aw*aw, sg*aw, j
		n += b2i(room > 0) & b2i(wj != 0)
	}
	tau := pr.solveBucketed(u[:n], a[:n], math.Abs(c))
	var s float64
	for k, j := range idx[:n] {
		dj := v[k] * min(tau, u[k])
		d[j] = dj
		if inf {
			s = max(s, math.Abs(dj))
		} else {
			s += dj * dj
		}
	}
	if !inf {
		s = math.Sqrt(s)
	}
	return s
}

// projectInf is project for L∞. Its first loop keeps, without branches
// (the signs and the box's faces are unpredictable), the coordinates that
// can move: w_j ≠ 0 and room left in the direction of s·w_j.
func (pr *projector) projectInf(d []float64, p, w []float32, c, lo, hi float64) float64 {
	u, a, v, idx := pr.u[:len(w)], pr.a[:len(w)], pr.v[:len(w)], pr.idx[:len(w)]
	flip := uint32(0)
	if c < 0 {
		flip = 1 << 31
	}
	n := 0
	for j, wj := range w {
		// sg = ±1: the sign of s·w_j.
		bits := (math.Float32bits(wj) ^ flip) & (1 << 31)
		sg := float64(math.Float32frombits(math.Float32bits(1) | bits))
		pj := float64(p[j])
		room := max(0.5*(1+sg)*(hi-pj)+0.5*(1-sg)*(pj-lo), 0)
		aw := math.Abs(float64(wj))
		u[n], a[n], v[n], idx[n] = room, aw, sg, j
		// Keep it when room·|w_j| > 0 (a positive float's bits are non-zero).
		r := math.Float64bits(room * aw)
		n += int((r | -r) >> 63)
	}
	tau := pr.solve(u[:n], a[:n], math.Abs(c))
	clear(d)
	var s float64
	for k, j := range idx[:n] {
		m := min(tau, u[k])
		d[j] = v[k] * m
		s = max(s, m)
	}
	return s
}

// solve returns the smallest τ ≥ 0 with Σ_j a_j·min(τ, u_j) = c (a_j > 0,
// u_j > 0, c > 0), or +Inf when there is none. It takes Newton steps from
// τ = 0 on the concave piecewise-linear sum: each step solves the sum's
// linear piece at τ, A + B·τ' = c (A over the saturated u_j ≤ τ, B the a_j
// of the others); the steps rise to the solution and stop, exactly, once τ'
// stays below the smallest unsaturated u_j — usually after one or two
// passes, as FAB's steps are short. After 8 it hands over to solveBucketed.
func (pr *projector) solve(u, a []float64, c float64) float64 {
	tau := 0.0
	for range 8 {
		sumA, sumB, next := newtonSums(u, a, tau)
		if sumB == 0 {
			return math.Inf(1) // every coordinate at its face, short of c
		}
		t := (c - sumA) / sumB
		if t <= next {
			return max(t, tau)
		}
		tau = t
	}
	return pr.solveBucketed(u, a, c)
}

// newtonSums returns, for the u_j ≤ tau, Σ a_j·u_j, and for the others Σ a_j
// and their smallest u_j (+Inf when none). The first multiple of 8 of the
// elements is summed in 8 lanes (element j in lane j mod 8, the lanes added
// pairwise), the rest after in order: the order of the vector kernel, which
// does the lanes.
func newtonSums(u, a []float64, tau float64) (sumA, sumB, next float64) {
	var la, lb [8]float64
	ln := [8]float64{math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)}
	done := newtonVec(&la, &lb, &ln, u, a, tau)
	if done == 0 {
		done = len(u) &^ 7
		for k := 0; k < done; k++ {
			l, x := k&7, u[k]
			if x > tau {
				lb[l] += a[k]
				ln[l] = min(ln[l], x)
			} else {
				la[l] += float64(a[k] * x) // rounded product: no fused multiply-add, as the kernel
			}
		}
	}
	sumA = ((la[0] + la[1]) + (la[2] + la[3])) + ((la[4] + la[5]) + (la[6] + la[7]))
	sumB = ((lb[0] + lb[1]) + (lb[2] + lb[3])) + ((lb[4] + lb[5]) + (lb[6] + lb[7]))
	next = min(min(min(ln[0], ln[1]), min(ln[2], ln[3])), min(min(ln[4], ln[5]), min(ln[6], ln[7])))
	for k := done; k < len(u); k++ {
		if x := u[k]; x > tau {
			sumB += a[k]
			next = min(next, x)
		} else {
			sumA += float64(a[k] * x)
		}
	}
	return sumA, sumB, next
}

// fabFused makes FAB's L∞ step go through projector.stepInf; tests turn
// it off to compare with the two projections and the update apart.
var fabFused = true

// stepInf is FAB's L∞ step on the point x1 with clean point x0 and the
// hyperplane's normal w: the projections of x1 (⟨w, d¹⟩ = c1) and of x0
// (⟨w, d⁰⟩ = c0), their norms, α, and the update of x1, with the
// arithmetic of project and the update loop — one pass over w builds both
// problems and one pass applies both projections without storing them.
// ‖dᵖ‖∞ = min(τ, max u) needs no pass of its own.
func (pr *projector) stepInf(x1, x0, w []float32, c1, c0, lo, hi float64) {
	n := len(w)
	if cap(pr.u) < 2*n {
		pr.u, pr.a, pr.v = make([]float64, 2*n), make([]float64, 2*n), make([]float64, 2*n)
	}
	u1, u0 := pr.u[:n], pr.u[n:2*n]   // compacted: the coordinates that can move
	a1s, a0s := pr.a[:n], pr.a[n:2*n] // their |w_j|
	r1, r0 := pr.v[:n], pr.v[n:2*n]   // every coordinate's room (0 where w_j = 0)
	flip1, flip0 := signFlip(c1), signFlip(c0)
	// The same arithmetic 8 at a time, then the rest.
	done, n1, n0, m1, m0 := fabBuildVec(x1, x0, w, r1, r0, u1, a1s, u0, a0s, flip1, flip0, lo, hi)
	for j := done; j < n; j++ {
		wj := w[j]
		aw := math.Abs(float64(wj))
		ab := math.Float64bits(aw)
		keep := float64((ab | -ab) >> 63) // 1 where w_j ≠ 0
		p1, p0 := float64(x1[j]), float64(x0[j])
		sg1 := signOf(wj, flip1)
		sg0 := signOf(wj, flip0)
		// The room is hi − p or p − lo, exactly and ≥ 0 (points lie in the box).
		// (The conversions keep the products rounded, as the kernel does.)
		room1 := (float64(0.5*(1+sg1)*(hi-p1)) + float64(0.5*(1-sg1)*(p1-lo))) * keep
		room0 := (float64(0.5*(1+sg0)*(hi-p0)) + float64(0.5*(1-sg0)*(p0-lo))) * keep
		r1[j], r0[j] = room1, room0
		if room1 > m1 { // rarely true: cheaper than max's NaN and ±0 handling
			m1 = room1
		}
		if room0 > m0 {
			m0 = room0
		}
		u1[n1], a1s[n1] = room1, aw
		u0[n0], a0s[n0] = room0, aw
		b1, b0 := math.Float64bits(room1*aw), math.Float64bits(room0*aw)
		n1 += int((b1 | -b1) >> 63)
		n0 += int((b0 | -b0) >> 63)
	}
	tau1, tau0 := 0.0, 0.0
	if c1 != 0 && !math.IsNaN(c1) {
		tau1 = pr.solve(u1[:n1], a1s[:n1], math.Abs(c1))
	}
	if c0 != 0 && !math.IsNaN(c0) {
		tau0 = pr.solve(u0[:n0], a0s[:n0], math.Abs(c0))
	}
	// project's norm: the largest min(τ, u_j) over the coordinates kept.
	nrm1, nrm0 := 0.0, 0.0
	if n1 > 0 && tau1 > 0 {
		nrm1 = min(tau1, m1)
	}
	if n0 > 0 && tau0 > 0 {
		nrm0 = min(tau0, m0)
	}
	d1n, d0n := max(nrm1, 1e-8), max(nrm0, 1e-8)
	alpha := min(max(d1n/(d1n+d0n), 0), fabAlphaMax)
	done = fabApplyVec(x1, x0, w, r1, r0, flip1, flip0, tau1, tau0, alpha, lo, hi) // the same arithmetic, 8 at a time
	for j := done; j < len(w); j++ {
		wj := w[j]
		d1 := signOf(wj, flip1) * min(tau1, r1[j])
		d0 := signOf(wj, flip0) * min(tau0, r0[j])
		v := float64((float64(x1[j])+float64(fabEta*d1))*(1-alpha)) + float64((float64(x0[j])+float64(fabEta*d0))*alpha)
		x1[j] = float32(clamp(v, lo, hi))
	}
}

// signFlip is the sign bit to apply to w for a right-hand side c.
func signFlip(c float64) uint32 {
	if c < 0 {
		return 1 << 31
	}
	return 0
}

// signOf returns ±1: the sign of w_j with flip applied (+1 for w_j = +0).
func signOf(wj float32, flip uint32) float64 {
	bits := (math.Float32bits(wj) ^ flip) & (1 << 31)
	return math.Float64frombits(0x3ff0000000000000 | uint64(bits)<<32)
}

// projBins is the number of bins solveBucketed sorts the u_j into.
const projBins = 64

// solveBucketed is solveCapped without reordering u and a: it bins the
// positive u_j on (0, max u] (those at 0, coordinates without room, add
// nothing and sit in bin 0), finds the bin holding τ from the bins' sums,
// and solves exactly (solveCappedFrom) among that bin's elements — two
// passes over the data and a small selection.
func (pr *projector) solveBucketed(u, a []float64, c float64) float64 {
	var total, umax float64
	for k, x := range u {
		total += a[k] * x
		umax = max(umax, x)
	}
	if total < c || umax == 0 {
		return math.Inf(1)
	}
	var sa, sb [projBins]float64 // per bin: Σ a·u, Σ a
	if cap(pr.bin) < len(u) {
		pr.bin = make([]uint8, len(u))
	}
	bin := pr.bin[:len(u)]
	sc := (projBins - 1) / umax
	// The sums of the bin last met stay in registers (ra, rb) until another
	// bin comes: each bin still adds its terms in index order, and a run of
	// one bin (most u_j often share the first) no longer waits on memory.
	cur, ra, rb := 0, 0.0, 0.0
	for k, x := range u {
		b := min(int(x*sc), projBins-2) + 1
		if x == 0 {
			b = 0
		}
		bin[k] = uint8(b)
		if b != cur {
			sa[cur], sb[cur] = ra, rb
			cur, ra, rb = b, sa[b], sb[b]
		}
		ra += a[k] * x
		rb += a[k]
	}
	sa[cur], sb[cur] = ra, rb
	var below, above float64
	for _, v := range sb[1:] {
		above += v
	}
	for b := 1; b < projBins; b++ {
		above -= sb[b]
		upper := float64(b) / sc
		if b < projBins-1 && below+sa[b]+upper*above < c {
			below += sa[b]
			continue
		}
		// τ lies in bin b: the bins below are saturated, those above not.
		// Its elements are gathered in order, without branches.
		if cap(pr.bu) < len(u) {
			pr.bu, pr.ba = make([]float64, len(u)), make([]float64, len(u))
		}
		bu, ba := pr.bu[:len(u)], pr.ba[:len(u)]
		m := 0
		for k, x := range u {
			bu[m], ba[m] = x, a[k]
			m += b2i(bin[k] == uint8(b))
		}
		return solveCappedFrom(bu[:m], ba[:m], c, below, max(above, 0))
	}
	panic("unreachable")
}

// b2i is 1 for true and 0 for false (compiled without a branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// solveCapped returns the smallest τ ≥ 0 with Σ_j a_j·min(τ, u_j) = c
// (a_j > 0, u_j ≥ 0, c > 0), or +Inf when even τ = ∞ falls short. It
// reorders u and a.
func solveCapped(u, a []float64, c float64) float64 {
	var total float64
	for j := range u {
		total += a[j] * u[j]
	}
	if total < c {
		return math.Inf(1)
	}
	return solveCappedFrom(u, a, c, 0, 0)
}

// solveCappedFrom returns the smallest τ with A + B·τ + Σ_j a_j·min(τ, u_j)
// = c, given that τ lies above the saturated u_j summed into A and below the
// unsaturated ones whose a_j are summed into B. It reorders u and a. Each
// round splits the candidates at a pivot u_p: if the sum at u_p reaches c,
// τ ≤ u_p and the u_j ≥ u_p are unsaturated at τ (their a_j join B); else
// τ > u_p and the u_j ≤ u_p are saturated (their a_j·u_j join A). At the
// end A + τ·B = c.
func solveCappedFrom(u, a []float64, c, sumA, sumB float64) float64 {
	for len(u) > 0 {
		// Median of three as the pivot.
		p0, p1, p2 := u[0], u[len(u)/2], u[len(u)-1]
		pv := max(min(p0, p1), min(max(p0, p1), p2))
		// The loops run without branches (v against pv is a coin toss):
		// a term left out is added as +0, which leaves these sums of
		// positive terms unchanged, and every element is written at the
		// kept count k ≤ j, which advances only for those kept.
		var below, above float64 // Σ a·u over u_j < pv; Σ a over u_j ≥ pv
		for j, v := range u {
			lt := -uint64(b2i(v < pv))
			below += math.Float64frombits(math.Float64bits(a[j]*v) & lt)
			above += math.Float64frombits(math.Float64bits(a[j]) &^ lt)
		}
		if sumA+below+pv*(sumB+above) >= c {
			sumB += above
			k := 0
			for j, v := range u {
				u[k], a[k] = v, a[j]
				k += b2i(v < pv)
			}
			u, a = u[:k], a[:k]
		} else {
			k := 0
			for j, v := range u {
				aj := a[j]
				gt := b2i(v > pv)
				sumA += math.Float64frombits(math.Float64bits(aj*v) &^ -uint64(gt))
				u[k], a[k] = v, aj
				k += gt
			}
			u, a = u[:k], a[:k]
		}
	}
	if sumB == 0 {
		return math.Inf(1)
	}
	return max((c-sumA)/sumB, 0)
}
