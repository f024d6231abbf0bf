package certify

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// gridMin returns the smallest margin z_y − z_j of net over a fine grid of
// the set around the 2-D point x0 (the L∞ square or the L2 disc, within
// [0, 1]²), for every j.
func gridMin(net *Network, x0 []float64, y int, norm string, eps float64) []float64 {
	const n = 400
	K := net.NumClasses()
	best := make([]float64, K)
	for j := range best {
		best[j] = posInf
	}
	m := make([]float64, K)
	p := make([]float64, 2)
	for a := 0; a <= n; a++ {
		for b := 0; b <= n; b++ {
			p[0] = x0[0] - eps + 2*eps*float64(a)/n
			p[1] = x0[1] - eps + 2*eps*float64(b)/n
			if p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1 {
				continue
			}
			if norm == Norm2 && math.Hypot(p[0]-x0[0], p[1]-x0[1]) > eps {
				continue
			}
			net.Margins(m, p, y)
			for j, v := range m {
				best[j] = min(best[j], v)
			}
		}
	}
	return best
}

// TestToyGrid: on 2-D tanh and ReLU networks, for every margin, IBP ≤
// CROWN ≤ α-CROWN ≤ the exact minimum over a 401×401 grid of the set, and
// at ε = 0.01 CROWN is within 1e-3 of it (its relaxation error shrinks
// with ε², so a bound far below would mean a wrong relaxation that is
// merely loose).
func TestToyGrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, act := range []nn.Activation{nn.Tanh, nn.ReLU} {
		mlp := randomMLP(t, []int{2, 6, 6, 3}, act, 2, rng)
		net, _ := FromMLP(mlp)
		x, y := randomInputs(mlp, 4, rng)
		for _, norm := range []string{NormInf, Norm2} {
			for _, eps := range []float64{0.01, 0.1, 0.3} {
				var bounds [3][]float64
				for i, method := range []string{MethodIBP, MethodCROWN, MethodAlphaCROWN} {
					bounds[i] = make([]float64, x.Rows*3)
					if err := Bounds(bounds[i], net, x, y, Config{Method: method, Norm: norm, Eps: eps}); err != nil {
						t.Fatal(err)
					}
				}
				for e := range x.Rows {
					x0 := []float64{float64(x.At(e, 0)), float64(x.At(e, 1))}
					exact := gridMin(net, x0, y[e], norm, eps)
					for j := range 3 {
						if j == y[e] {
							continue
						}
						q := e*3 + j
						ibp, crown, alpha := bounds[0][q], bounds[1][q], bounds[2][q]
						if !(ibp <= crown && crown <= alpha && alpha <= exact[j]+1e-9) {
							t.Errorf("%s %s ε=%g example %d margin %d: ibp %g, crown %g, alpha %g, grid minimum %g", act, norm, eps, e, j, ibp, crown, alpha, exact[j])
						}
						if eps == 0.01 && crown < exact[j]-1e-3 {
							t.Errorf("%s %s ε=%g example %d margin %d: crown %g is %g below the grid minimum %g", act, norm, eps, e, j, crown, exact[j]-crown, exact[j])
						}
					}
				}
			}
		}
	}
}

// TestSoundTrainedNet: the soundness check of TestSoundRandomNets on a
// network trained for a few hundred steps on data in [0, 1]⁶ labelled by a
// random linear teacher.
func TestSoundTrainedNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	mlp := randomMLP(t, []int{6, 16, 16, 3}, nn.Tanh, 1, rng)
	teacher := make([]float64, 6*3)
	for i := range teacher {
		teacher[i] = rng.NormFloat64()
	}
	const n = 2000
	x := tensor.New(n, 6)
	y := make([]int, n)
	for i := range n {
		best := math.Inf(-1)
		for c := range 3 {
			var s float64
			for f := range 6 {
				if c == 0 {
					x.Set(i, f, rng.Float32())
				}
				s += teacher[c*6+f] * float64(x.At(i, f)-0.5)
			}
			if s > best {
				best, y[i] = s, c
			}
		}
	}
	cfg := train.Defaults(len(mlp.Layers))
	cfg.Beta, cfg.LR = 0, 1e-2
	tr, err := train.NewTrainer(mlp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 400 {
		lo := (s * 100) % n
		tr.Step(tensor.FromSlice(100, 6, x.Data[lo*6:(lo+100)*6]), y[lo:lo+100], false)
	}
	right := 0
	for i, p := range predict(mlp, x) {
		if p == y[i] {
			right++
		}
	}
	if acc := float64(right) / n; acc < 0.9 {
		t.Fatalf("training reached accuracy %g only", acc)
	}
	net, _ := FromMLP(mlp)
	xs := tensor.FromSlice(8, 6, x.Data[:8*6])
	for _, method := range []string{MethodCROWN, MethodAlphaCROWN} {
		for _, eps := range []float64{0.02, 0.1} {
			bad, _ := violations(t, net, mlp, xs, y[:8], Config{Method: method, Eps: eps}, rng)
			if len(bad) > 0 {
				t.Errorf("%s ε=%g: %d violations, first: %s", method, eps, len(bad), bad[0])
			}
		}
	}
}

// TestDeterministicWorkers: the bounds are bit-identical on 1 and 3
// workers.
func TestDeterministicWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	mlp := randomMLP(t, []int{5, 12, 12, 4}, nn.Tanh, 2, rng)
	net, _ := FromMLP(mlp)
	x, y := randomInputs(mlp, 11, rng)
	for _, method := range []string{MethodIBP, MethodCROWN, MethodAlphaCROWN} {
		var got [2][]float64
		for i, w := range []int{1, 3} {
			got[i] = make([]float64, x.Rows*4)
			if err := Bounds(got[i], net, x, y, Config{Method: method, Eps: 0.1, BatchSize: 3, Workers: w}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range got[0] {
			if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
				t.Fatalf("%s: bound %d is %v on 1 worker, %v on 3", method, i, got[0][i], got[1][i])
			}
		}
	}
}

// TestCertifiedRadius: CROWN's radius is certified (every margin bound > 0
// there) and twice it is not (to within the bisection's resolution);
// the Lipschitz radius is exactly where its bound reaches 0, and at least
// the textbook margin/(√2·L).
func TestCertifiedRadius(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	mlp := randomMLP(t, []int{4, 10, 3}, nn.Tanh, 1, rng)
	net, _ := FromMLP(mlp)
	x, _ := randomInputs(mlp, 6, rng)
	y := predict(mlp, x)
	ctx := context.Background()
	for _, norm := range []string{NormInf, Norm2} {
		r := make([]float64, x.Rows)
		cfg := Config{Method: MethodCROWN, Norm: norm}
		if err := CertifiedRadius(ctx, r, net, x, y, cfg); err != nil {
			t.Fatal(err)
		}
		for e, re := range r {
			if re == 0 {
				continue
			}
			xe := tensor.FromSlice(1, 4, x.Data[e*4:(e+1)*4])
			b := make([]float64, 3)
			cfg.Eps = re
			Bounds(b, net, xe, y[e:e+1], cfg)
			if worst := minOf(b); !(worst > 0) {
				t.Errorf("%s example %d: radius %g, but the bound there is %g", norm, e, re, worst)
			}
			cfg.Eps = re + 2.0/(1<<16)*4 // beyond the bisection's resolution on [0, 2] at most
			Bounds(b, net, xe, y[e:e+1], cfg)
			if worst := minOf(b); worst > 0 && re < 0.99 {
				t.Errorf("%s example %d: radius %g, yet certified at %g", norm, e, re, cfg.Eps)
			}
		}
	}
	r := make([]float64, x.Rows)
	if err := CertifiedRadius(ctx, r, net, x, y, Config{Method: MethodLipschitz, Norm: Norm2}); err != nil {
		t.Fatal(err)
	}
	lp := newLipschitz(net)
	m := make([]float64, 3)
	for e, re := range r {
		x0 := make([]float64, 4)
		for i := range x0 {
			x0[i] = float64(x.At(e, i))
		}
		worst := net.Margins(m, x0, y[e])
		var L float64 = 1
		for _, ly := range net.Layers {
			L *= SpectralNorm(ly.W, ly.Out, ly.In)
		}
		if textbook := worst / (math.Sqrt2 * L); re < textbook*(1-1e-9) {
			t.Errorf("example %d: Lipschitz radius %g below margin/(√2·L) = %g", e, re, textbook)
		}
		xe := tensor.FromSlice(1, 4, x.Data[e*4:(e+1)*4])
		b := make([]float64, 3)
		Bounds(b, net, xe, y[e:e+1], Config{Method: MethodLipschitz, Norm: Norm2, Eps: re})
		if w := minOf(b); math.Abs(w) > 1e-9 {
			t.Errorf("example %d: Lipschitz bound %g at its radius %g, want 0", e, w, re)
		}
		_ = lp
	}
}

func minOf(v []float64) float64 {
	m := posInf
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

// TestSpectralNorm: SpectralNorm bounds ‖Wv‖ for random unit v and agrees
// with 500 steps of power iteration to 1e-6.
func TestSpectralNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	r, c := 30, 50
	w := make([]float64, r*c)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	s := SpectralNorm(w, r, c)
	mul := func(v []float64) []float64 {
		out := make([]float64, r)
		for i := range r {
			for j := range c {
				out[i] += w[i*c+j] * v[j]
			}
		}
		return out
	}
	norm := func(v []float64) float64 {
		var q float64
		for _, x := range v {
			q += x * x
		}
		return math.Sqrt(q)
	}
	v := make([]float64, c)
	for range 200 {
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		n := norm(v)
		for i := range v {
			v[i] /= n
		}
		if g := norm(mul(v)); g > s {
			t.Fatalf("‖Wv‖ = %g > spectral norm %g", g, s)
		}
	}
	// Power iteration on WᵀW.
	for range 500 {
		u := mul(v)
		nv := make([]float64, c)
		for i := range r {
			for j := range c {
				nv[j] += w[i*c+j] * u[i]
			}
		}
		n := norm(nv)
		for j := range nv {
			v[j] = nv[j] / n
		}
	}
	if p := norm(mul(v)); math.Abs(p-s) > 1e-6*s {
		t.Fatalf("power iteration %g, SpectralNorm %g", p, s)
	}
}

// TestValidate: each bad setting is refused naming its field.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Method: "beta-crown"}, `Method must be ibp, crown, alpha-crown or lipschitz, got "beta-crown"`},
		{Config{Method: MethodCROWN, Norm: "1"}, `Norm must be inf or 2, got "1"`},
		{Config{Method: MethodLipschitz}, `Method lipschitz certifies L2 balls only: use Norm 2`},
		{Config{Method: MethodCROWN, Eps: -1}, `Eps must be a finite number ≥ 0, got -1`},
		{Config{Method: MethodCROWN, Eps: math.NaN()}, `Eps must be a finite number ≥ 0, got NaN`},
		{Config{Method: MethodCROWN, BatchSize: -1}, `BatchSize must be ≥ 0, got -1`},
		{Config{Method: MethodCROWN, Workers: -2}, `Workers must be ≥ 0, got -2`},
		{Config{Method: MethodAlphaCROWN, AlphaSteps: -1}, `AlphaSteps must be ≥ 0, got -1`},
		{Config{Method: MethodAlphaCROWN, AlphaLR: math.Inf(1)}, `AlphaLR must be a finite number ≥ 0, got +Inf`},
	} {
		err := c.cfg.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: got %v, want %q", c.cfg, err, c.want)
		}
	}
	if err := (Config{Method: MethodCROWN, Eps: 0.1}).Validate(); err != nil {
		t.Errorf("a good config: %v", err)
	}
	// Inputs outside [0, 1] and labels out of range are refused too.
	rng := rand.New(rand.NewPCG(1, 2))
	net, _ := FromMLP(randomMLP(t, []int{2, 3, 2}, nn.ReLU, 1, rng))
	x := tensor.FromSlice(1, 2, []float32{0.5, 1.5})
	err := Bounds(make([]float64, 2), net, x, []int{0}, Config{Method: MethodIBP})
	if err == nil || !strings.Contains(err.Error(), "input 1.5 of example 0 outside [0, 1]") {
		t.Errorf("input outside [0, 1]: %v", err)
	}
}

// TestSoundFloat64Weights: a Network whose weights are not float32
// numbers (the float32 products then also pay for |W − fl(W)|) stays
// sound.
func TestSoundFloat64Weights(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	mlp := randomMLP(t, []int{4, 10, 10, 3}, nn.Tanh, 2, rng)
	net, _ := FromMLP(mlp)
	for _, ly := range net.Layers {
		for i := range ly.W {
			ly.W[i] += 1e-3 * rng.NormFloat64() * (1 + 1.0/3)
		}
	}
	x, y := randomInputs(mlp, 6, rng)
	for _, method := range []string{MethodCROWN, MethodAlphaCROWN} {
		bad, _ := violations(t, net, mlp, x, y, Config{Method: method, Eps: 0.1}, rng)
		if len(bad) > 0 {
			t.Errorf("%s: %d violations, first: %s", method, len(bad), bad[0])
		}
	}
	if b := newBounder(net, NormInf); b.dW[0] == nil {
		t.Fatal("the perturbed weights were taken for float32 numbers")
	}
}

// TestLinearExact: for a network of one affine layer every method but the
// Lipschitz one is exact under L∞: the worst margin over the ball ∩
// [0, 1]ⁿ is Σ_i min(c_i·lo_i, c_i·hi_i) + b_y − b_j with c = W_y − W_j,
// computed here by hand.
func TestLinearExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	mlp := randomMLP(t, []int{5, 3}, nn.Tanh, 1, rng)
	net, _ := FromMLP(mlp)
	x, y := randomInputs(mlp, 4, rng)
	const eps = 0.2
	ly := net.Layers[0]
	for _, method := range []string{MethodIBP, MethodCROWN, MethodAlphaCROWN} {
		b := make([]float64, x.Rows*3)
		if err := Bounds(b, net, x, y, Config{Method: method, Eps: eps}); err != nil {
			t.Fatal(err)
		}
		for e := range x.Rows {
			for j := range 3 {
				if j == y[e] {
					if !math.IsInf(b[e*3+j], 1) {
						t.Errorf("%s example %d: the true class's entry is %g, want +Inf", method, e, b[e*3+j])
					}
					continue
				}
				want := ly.B[y[e]] - ly.B[j]
				for i := range 5 {
					c := ly.W[y[e]*5+i] - ly.W[j*5+i]
					xi := float64(x.At(e, i))
					want += min(c*max(xi-eps, 0), c*min(xi+eps, 1))
				}
				if got := b[e*3+j]; math.Abs(got-want) > 1e-12 {
					t.Errorf("%s example %d margin %d: %.15g, want %.15g", method, e, j, got, want)
				}
			}
		}
	}
}

// TestDualL2: the Lagrangian bound on min a·x over the L2 disc ∩ [0, 1]²
// is below the minimum on a fine grid of the disc and within the grid's
// resolution (3e-3·‖a‖) of it (strong duality), not below the dual-norm
// and box bounds by more than the golden-section search's accuracy
// (concretize keeps the largest of the three anyway), and well above both
// in some cases (where the box cuts the ball).
func TestDualL2(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	better := 0
	for it := range 200 {
		a := []float64{rng.NormFloat64(), rng.NormFloat64()}
		x0 := []float64{rng.Float64(), rng.Float64()}
		if it%3 == 0 {
			x0[0] = 0 // on the box's edge, where the box matters most
		}
		eps := 0.05 + 0.5*rng.Float64()
		lo := []float64{max(x0[0]-eps, 0), max(x0[1]-eps, 0)}
		hi := []float64{min(x0[0]+eps, 1), min(x0[1]+eps, 1)}
		nrm := math.Hypot(a[0], a[1])
		d := dualL2(a, x0, lo, hi, eps, nrm, nil)
		grid := posInf
		const n = 600
		for i := 0; i <= n; i++ {
			for j := 0; j <= n; j++ {
				x := lo[0] + (hi[0]-lo[0])*float64(i)/n
				y := lo[1] + (hi[1]-lo[1])*float64(j)/n
				if math.Hypot(x-x0[0], y-x0[1]) <= eps {
					grid = min(grid, a[0]*x+a[1]*y)
				}
			}
		}
		ball := a[0]*x0[0] + a[1]*x0[1] - eps*nrm
		box := min(a[0]*lo[0], a[0]*hi[0]) + min(a[1]*lo[1], a[1]*hi[1])
		if d > grid+1e-12 || d < grid-3e-3*nrm || d < max(ball, box)-1e-6 {
			t.Fatalf("a %v x0 %v ε %g: dual %g, grid minimum %g, ball %g, box %g", a, x0, eps, d, grid, ball, box)
		}
		if d > max(ball, box)+1e-2 {
			better++
		}
	}
	if better < 10 {
		t.Fatalf("the dual bound beat the ball and box bounds by 0.01 in %d cases of 200", better)
	}
}
