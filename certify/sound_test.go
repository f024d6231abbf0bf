package certify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// randomMLP returns an MLP of the given sizes with PyTorch's initialisation
// scaled by gain (gain > 1 gives wider pre-activation ranges, so that more
// neurons straddle 0 and the relaxations matter).
func randomMLP(t testing.TB, sizes []int, act nn.Activation, gain float32, rng *rand.Rand) *nn.MLP {
	m, err := nn.NewMLP(sizes, act, nn.InitPyTorch, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		for i := range p.Data {
			p.Data[i] *= gain
		}
	}
	return m
}

// randomInputs returns n points uniform in [0, 1]^d and labels: the
// network's prediction for half of them, a random class for the rest.
func randomInputs(m *nn.MLP, n int, rng *rand.Rand) (*tensor.Mat, []int) {
	x := tensor.New(n, m.InputDim())
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	y := nn.Predict(m, x)
	for i := 1; i < n; i += 2 {
		y[i] = rng.IntN(m.NumClasses())
	}
	return x, y
}

// predict returns m's predicted class for every row of x.
func predict(m *nn.MLP, x *tensor.Mat) []int {
	y := make([]int, x.Rows)
	m.Predict(m.NewWorkspace(), y, x)
	return y
}

// probe is a point of some example's input set and where it came from.
type probe struct {
	x    []float64
	from string
}

// probes returns points of example e's set (the ball of radius eps ∩
// [0, 1]^d): random points, random vertices of the L∞ set (all of them
// for d ≤ 10), the attack package's PGD and APGD points, and a margin
// descent per wrong class on the float64 network.
func probes(net *Network, mlp *nn.MLP, x *tensor.Mat, y []int, e int, norm string, eps float64, box bool, rng *rand.Rand) []probe {
	d := x.Cols
	x0 := make([]float64, d)
	for i, v := range x.Row(e) {
		x0[i] = float64(v)
	}
	lo, hi := make([]float64, d), make([]float64, d)
	for i, v := range x0 {
		lo[i], hi[i] = v-eps, v+eps
		if box {
			lo[i], hi[i] = max(lo[i], 0), min(hi[i], 1)
		}
	}
	var ps []probe
	add := func(p []float64, from string) { ps = append(ps, probe{p, from}) }
	// Random points.
	for range 300 {
		p := make([]float64, d)
		if norm == NormInf {
			for i := range p {
				p[i] = lo[i] + rng.Float64()*(hi[i]-lo[i])
			}
		} else {
			var s float64
			for i := range p {
				p[i] = rng.NormFloat64()
				s += p[i] * p[i]
			}
			r := eps * math.Pow(rng.Float64(), 1/float64(d)) / math.Sqrt(s)
			for i := range p {
				p[i] = min(max(x0[i]+r*p[i], lo[i]), hi[i]) // clipping stays in the ball
			}
		}
		add(p, "random")
	}
	// Vertices of the L∞ set.
	if norm == NormInf {
		if d <= 10 {
			for mask := range 1 << d {
				p := make([]float64, d)
				for i := range p {
					p[i] = lo[i]
					if mask>>i&1 == 1 {
						p[i] = hi[i]
					}
				}
				add(p, "vertex")
			}
		} else {
			for range 200 {
				p := make([]float64, d)
				for i := range p {
					p[i] = lo[i]
					if rng.IntN(2) == 1 {
						p[i] = hi[i]
					}
				}
				add(p, "vertex")
			}
		}
	}
	if !box { // the attacks work in [0, 1]ⁿ; margin descent only
		for j := range net.NumClasses() {
			if j != y[e] {
				add(marginDescent(net, x0, lo, hi, y[e], j, norm, eps), fmt.Sprintf("descent on margin %d", j))
			}
		}
		return ps
	}
	// The attack package's points.
	am := train.NewAttackModel(mlp, train.CrossEntropy())
	xe := tensor.FromSlice(1, d, append([]float32(nil), x.Row(e)...))
	adv := tensor.New(1, d)
	for _, name := range []string{attack.AttackPGD, attack.AttackAPGD} {
		cfg := attack.Config{Attack: name, Norm: norm, Eps: eps, Step: eps / 4, Steps: 30}
		if name == attack.AttackPGD {
			attack.PGD(adv, am, xe, y[e:e+1], cfg)
		} else {
			attack.APGD(adv, am, xe, y[e:e+1], cfg)
		}
		p := make([]float64, d)
		for i, v := range adv.Data {
			p[i] = min(max(float64(v), lo[i]), hi[i]) // float32 rounding may leave the set by an ulp
		}
		if norm == Norm2 {
			project2(p, x0, eps)
		}
		add(p, name)
	}
	// Margin descent on the float64 network, one per wrong class.
	for j := range net.NumClasses() {
		if j != y[e] {
			add(marginDescent(net, x0, lo, hi, y[e], j, norm, eps), fmt.Sprintf("descent on margin %d", j))
		}
	}
	return ps
}

// project2 moves p into the L2 ball of radius eps around x0 (x0 and p in
// [0, 1]^d: scaling towards x0 keeps p in the box).
func project2(p, x0 []float64, eps float64) {
	var s float64
	for i := range p {
		s += (p[i] - x0[i]) * (p[i] - x0[i])
	}
	if s := math.Sqrt(s); s > eps {
		for i := range p {
			p[i] = x0[i] + (p[i]-x0[i])*eps/s*(1-1e-12)
		}
	}
}

// marginDescent lowers z_y − z_j by 60 steps of sign (L∞) or normalised
// (L2) gradient descent with central-difference gradients, projected on
// the set.
func marginDescent(net *Network, x0, lo, hi []float64, y, j int, norm string, eps float64) []float64 {
	d := len(x0)
	p := append([]float64(nil), x0...)
	m := make([]float64, net.NumClasses())
	f := func(q []float64) float64 { net.Margins(m, q, y); return m[j] }
	g := make([]float64, d)
	for step := range 60 {
		a := eps / 4 * math.Pow(0.95, float64(step))
		var s float64
		for i := range p {
			old := p[i]
			p[i] = old + 1e-6
			fp := f(p)
			p[i] = old - 1e-6
			fm := f(p)
			p[i] = old
			g[i] = (fp - fm) / 2e-6
			s += g[i] * g[i]
		}
		for i := range p {
			if norm == NormInf {
				p[i] -= a * math.Copysign(1, g[i])
			} else if s > 0 {
				p[i] -= a * g[i] / math.Sqrt(s)
			}
			p[i] = min(max(p[i], lo[i]), hi[i])
		}
		if norm == Norm2 {
			project2(p, x0, eps)
		}
	}
	return p
}

// violations bounds the margins of every example of x with cfg and
// returns the probes (see probes) at which a margin is below its bound by
// more than float64 rounding, with the smallest gap seen (margin − bound).
func violations(t *testing.T, net *Network, mlp *nn.MLP, x *tensor.Mat, y []int, cfg Config, rng *rand.Rand) (bad []string, minGap float64) {
	t.Helper()
	K := net.NumClasses()
	dst := make([]float64, x.Rows*K)
	if err := Bounds(dst, net, x, y, cfg); err != nil {
		t.Fatal(err)
	}
	m := make([]float64, K)
	minGap = posInf
	for e := range x.Rows {
		for _, p := range probes(net, mlp, x, y, e, cfg.withDefaults().Norm, cfg.Eps, !cfg.NoBox, rng) {
			net.Margins(m, p.x, y[e])
			for j := range K {
				if j == y[e] {
					continue
				}
				gap := m[j] - dst[e*K+j]
				minGap = min(minGap, gap)
				if gap < -1e-9*(1+math.Abs(m[j])) {
					bad = append(bad, fmt.Sprintf("example %d, margin %d: bound %.9g > %.9g at a %s point", e, j, dst[e*K+j], m[j], p.from))
				}
			}
		}
	}
	return bad, minGap
}

// TestSoundRandomNets: on random tanh and ReLU networks of 2 to 4 layers,
// L∞ and L2, every method's bound on every margin is at most the margin at
// every probe (random points, vertices, PGD, APGD and margin descent), and
// IBP ≤ CROWN ≤ α-CROWN margin by margin.
func TestSoundRandomNets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	nets := []struct {
		sizes []int
		act   nn.Activation
		gain  float32
	}{
		{[]int{2, 8, 3}, nn.Tanh, 3},
		{[]int{3, 10, 10, 4}, nn.Tanh, 2},
		{[]int{5, 12, 8, 8, 3}, nn.Tanh, 2},
		{[]int{2, 8, 3}, nn.ReLU, 3},
		{[]int{4, 10, 10, 3}, nn.ReLU, 2},
		{[]int{6, 12, 10, 8, 4}, nn.ReLU, 1.5},
	}
	checked := 0
	for _, c := range nets {
		mlp := randomMLP(t, c.sizes, c.act, c.gain, rng)
		net, err := FromMLP(mlp)
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomInputs(mlp, 6, rng)
		for _, norm := range []string{NormInf, Norm2} {
			for _, eps := range []float64{0.02, 0.1, 0.3} {
				var prev []float64
				for _, method := range []string{MethodIBP, MethodCROWN, MethodAlphaCROWN, MethodLipschitz} {
					if method == MethodLipschitz && norm != Norm2 {
						continue
					}
					cfg := Config{Method: method, Norm: norm, Eps: eps, BatchSize: 4}
					name := fmt.Sprintf("%v %s %s ε=%g %s", c.sizes, c.act, norm, eps, method)
					bad, _ := violations(t, net, mlp, x, y, cfg, rng)
					if len(bad) > 0 {
						t.Errorf("%s: %d violations, first: %s", name, len(bad), bad[0])
					}
					checked++
					if method == MethodLipschitz {
						continue
					}
					cur := make([]float64, x.Rows*net.NumClasses())
					if err := Bounds(cur, net, x, y, cfg); err != nil {
						t.Fatal(err)
					}
					for i := range prev {
						if cur[i] < prev[i] {
							t.Errorf("%s: margin %d bound %g below the previous method's %g", name, i, cur[i], prev[i])
							break
						}
					}
					prev = cur
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d configurations checked", checked)
	}
}

// unsoundTanh is a deliberately wrong relaxation: across 0 its lower line
// is the tangent at the midpoint, which lies above tanh wherever tanh is
// concave away from the midpoint.
func unsoundTanh(l, u float64) relax {
	r := tanhRelax(l, u)
	if l < 0 && u > 0 && u-l >= narrow {
		a, c := tangent((l + u) / 2)
		r.lower = side{a: a, c: c}
	}
	return r
}

// TestUnsoundRelaxationCaught: the soundness check of TestSoundRandomNets
// catches the unsound relaxation unsoundTanh: with it swapped in, CROWN's
// bounds exceed the margin at some probe on some of a few small networks,
// while with the sound relaxation no probe is below its bound.
func TestUnsoundRelaxationCaught(t *testing.T) {
	run := func(relaxation func(l, u float64) relax) (bad int, first string) {
		tanhRelaxation = relaxation
		defer func() { tanhRelaxation = tanhRelax }()
		rng := rand.New(rand.NewPCG(9, 10))
		for _, sizes := range [][]int{{2, 8, 3}, {3, 10, 10, 4}, {2, 4, 2}} {
			mlp := randomMLP(t, sizes, nn.Tanh, 4, rng)
			net, _ := FromMLP(mlp)
			x, y := randomInputs(mlp, 8, rng)
			for _, eps := range []float64{0.2, 0.5} {
				b, _ := violations(t, net, mlp, x, y, Config{Method: MethodCROWN, Eps: eps}, rng)
				if len(b) > 0 && first == "" {
					first = fmt.Sprintf("%v ε=%g: %s", sizes, eps, b[0])
				}
				bad += len(b)
			}
		}
		return bad, first
	}
	if bad, first := run(tanhRelax); bad > 0 {
		t.Fatalf("the sound relaxation: %d violations, first %s", bad, first)
	}
	bad, first := run(unsoundTanh)
	if bad == 0 {
		t.Fatal("the unsound relaxation went unnoticed")
	}
	t.Logf("unsound relaxation caught: %d violations, e.g. %s", bad, first)
}

// TestSoundNoBox: with Config.NoBox the set is the ball alone: inputs far
// outside [0, 1] are accepted and every method's bounds stay below the
// margins at random points, vertices and margin descents of the ball.
func TestSoundNoBox(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, act := range []nn.Activation{nn.Tanh, nn.ReLU} {
		mlp := randomMLP(t, []int{3, 10, 10, 4}, act, 2, rng)
		net, _ := FromMLP(mlp)
		x, y := randomInputs(mlp, 5, rng)
		for i := range x.Data {
			x.Data[i] = 3 * float32(rng.NormFloat64())
		}
		for _, norm := range []string{NormInf, Norm2} {
			for _, method := range []string{MethodIBP, MethodCROWN, MethodAlphaCROWN} {
				bad, _ := violations(t, net, mlp, x, y, Config{Method: method, Norm: norm, Eps: 0.2, NoBox: true}, rng)
				if len(bad) > 0 {
					t.Errorf("%s %s %s: %d violations, first: %s", act, norm, method, len(bad), bad[0])
				}
			}
		}
	}
	_, err := Accuracy(context.Background(), &Network{Layers: []Layer{{In: 1, Out: 2, W: []float64{1, -1}, B: []float64{0, 0}}}},
		tensor.FromSlice(1, 1, []float32{2}), []int{0}, Config{Method: MethodCROWN})
	if err == nil || err.Error() != "certify: input 2 of example 0 outside [0, 1]; set NoBox if the inputs are not pixels" {
		t.Errorf("an input outside [0, 1] with the box: %v", err)
	}
}
