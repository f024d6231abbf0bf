package attack

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// hand2D is the 2-class, 2-input linear model with rows W0 = (1, −2) and
// W1 = (−1, 2): the CE gradient for label 0 is p1·(W1 − W0) = p1·(−2, 4), for
// label 1 it is p0·(2, −4), so the attack directions are known by hand:
// sign (−1, +1) resp. (+1, −1) for L∞, (−1, 2)/√5 resp. (1, −2)/√5 for L2.
func hand2D() *linearModel {
	return &linearModel{W: tensor.FromSlice(2, 2, []float32{1, -2, -1, 2}), B: []float32{0, 0}}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func checkRow(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	for j := range want {
		if !near(float64(got[j]), want[j], tol) {
			t.Errorf("%s: got %v, want %v", name, got, want)
			return
		}
	}
}

func TestTestModelGradients(t *testing.T) {
	// The test models' analytic input gradients against central differences
	// of their loss, so that the attack tests stand on correct gradients.
	models := map[string]Model{
		"linear": &linearModel{W: randMat(rand.New(rand.NewPCG(1, 1)), 3, 5, 1), B: []float32{0.1, -0.2, 0.3}},
		"mlp":    newMLP(2, 5, 7, 3, 1),
	}
	x := uniformData(3, 4, 5)
	y := []int{0, 2, 1, 2}
	for name, m := range models {
		g := tensor.New(4, 5)
		m.LossGrad(g, x, y)
		const h = 1e-2
		for k := range x.Data {
			orig := x.Data[k]
			x.Data[k] = orig + h
			lp := m.LossGrad(tensor.New(4, 5), x, y)
			x.Data[k] = orig - h
			lm := m.LossGrad(tensor.New(4, 5), x, y)
			x.Data[k] = orig
			fd := (lp - lm) / (2 * h)
			if !near(float64(g.Data[k]), fd, 2e-4+1e-2*math.Abs(fd)) {
				t.Errorf("%s: ∂L/∂x[%d] = %g, finite difference %g", name, k, g.Data[k], fd)
			}
		}
	}
}

func TestHandComputed(t *testing.T) {
	s5 := math.Sqrt(5)
	cases := []struct {
		name string
		x    []float32
		y    int
		cfg  Config // Attack "fgsm" uses Eps and Norm only
		want []float64
	}{
		{"fgsm inf", []float32{0.5, 0.5}, 0, Config{Attack: "fgsm", Norm: "inf", Eps: 0.1}, []float64{0.4, 0.6}},
		{"fgsm inf label 1", []float32{0.5, 0.5}, 1, Config{Attack: "fgsm", Norm: "inf", Eps: 0.1}, []float64{0.6, 0.4}},
		{"fgsm inf clipped", []float32{0.95, 0.02}, 1, Config{Attack: "fgsm", Norm: "inf", Eps: 0.1}, []float64{1, 0}},
		{"fgsm l2", []float32{0.5, 0.5}, 0, Config{Attack: "fgsm", Norm: "2", Eps: 0.1}, []float64{0.5 - 0.1/s5, 0.5 + 0.2/s5}},
		{"fgsm l2 clipped", []float32{0.98, 0.5}, 1, Config{Attack: "fgsm", Norm: "2", Eps: 0.1}, []float64{1, 0.5 - 0.2/s5}},
		{"fgsm eps 0", []float32{0.3, 0.7}, 0, Config{Attack: "fgsm", Norm: "inf", Eps: 0}, []float64{0.3, 0.7}},
		// PGD: two steps of 0.04 stay inside the ball; five hit its faces.
		{"pgd inf 2 steps", []float32{0.5, 0.5}, 0, Config{Attack: "pgd", Norm: "inf", Eps: 0.1, Step: 0.04, Steps: 2}, []float64{0.42, 0.58}},
		{"pgd inf projected", []float32{0.5, 0.5}, 0, Config{Attack: "pgd", Norm: "inf", Eps: 0.1, Step: 0.04, Steps: 5}, []float64{0.4, 0.6}},
		{"pgd inf box", []float32{0.97, 0.01}, 1, Config{Attack: "pgd", Norm: "inf", Eps: 0.1, Step: 0.02, Steps: 3}, []float64{1, 0}},
		// L2: a step of 0.3 overshoots the ball of 0.1 and is projected back onto its sphere.
		{"pgd l2 projected", []float32{0.5, 0.5}, 0, Config{Attack: "pgd", Norm: "2", Eps: 0.1, Step: 0.3, Steps: 3}, []float64{0.5 - 0.1/s5, 0.5 + 0.2/s5}},
		{"pgd l2 inside", []float32{0.5, 0.5}, 0, Config{Attack: "pgd", Norm: "2", Eps: 1, Step: 0.05, Steps: 2}, []float64{0.5 - 0.1/s5, 0.5 + 0.2/s5}},
		{"pgd step 0", []float32{0.5, 0.5}, 0, Config{Attack: "pgd", Norm: "inf", Eps: 0.1, Step: 0, Steps: 4}, []float64{0.5, 0.5}},
		{"pgd-paper inf", []float32{0.5, 0.5}, 0, Config{Attack: "pgd-paper", Norm: "inf", Eps: 0.1, Step: 0.03, Steps: 3}, []float64{0.41, 0.59}},
	}
	m := hand2D()
	for _, c := range cases {
		x := tensor.FromSlice(1, 2, append([]float32(nil), c.x...))
		var dst tensor.Mat
		if c.cfg.Attack == "fgsm" {
			FGSM(&dst, m, x, []int{c.y}, c.cfg.Eps, c.cfg.Norm)
		} else {
			attackBatch(&dst, m, x, []int{c.y}, c.cfg)
		}
		checkRow(t, c.name, dst.Row(0), c.want, 2e-7)
		if x.Data[0] != c.x[0] || x.Data[1] != c.x[1] {
			t.Errorf("%s: the clean input changed", c.name)
		}
	}
}

// refPGD is an independent float64 PGD on a linear softmax model.
func refPGD(w [][]float64, b []float64, x0 []float64, y int, a, eps float64, steps int, norm string) []float64 {
	x := append([]float64(nil), x0...)
	for t := 0; t < steps; t++ {
		z := make([]float64, len(w))
		var zmax = math.Inf(-1)
		for k := range w {
			z[k] = b[k]
			for j := range x {
				z[k] += w[k][j] * x[j]
			}
			zmax = math.Max(zmax, z[k])
		}
		var s float64
		for k := range z {
			z[k] = math.Exp(z[k] - zmax)
			s += z[k]
		}
		g := make([]float64, len(x))
		for k := range w {
			p := z[k] / s
			if k == y {
				p--
			}
			for j := range g {
				g[j] += p * w[k][j]
			}
		}
		var gn float64
		for _, v := range g {
			gn += v * v
		}
		gn = math.Sqrt(gn)
		for j := range x {
			if norm == "inf" {
				if g[j] > 0 {
					x[j] += a
				} else if g[j] < 0 {
					x[j] -= a
				}
			} else {
				x[j] += a * g[j] / gn
			}
		}
		if norm == "inf" {
			for j := range x {
				x[j] = math.Min(math.Max(x[j], x0[j]-eps), x0[j]+eps)
			}
		} else {
			var dn float64
			for j := range x {
				dn += (x[j] - x0[j]) * (x[j] - x0[j])
			}
			if dn = math.Sqrt(dn); dn > eps {
				for j := range x {
					x[j] = x0[j] + (x[j]-x0[j])*eps/dn
				}
			}
		}
		for j := range x {
			x[j] = math.Min(math.Max(x[j], 0), 1)
		}
	}
	return x
}

func TestPGDMatchesReference(t *testing.T) {
	// Three classes: the gradient direction changes along the path, so every
	// step's recomputation matters.
	rng := rand.New(rand.NewPCG(7, 7))
	m := &linearModel{W: randMat(rng, 3, 4, 1), B: []float32{0.2, -0.1, 0}}
	w := make([][]float64, 3)
	for k := range w {
		for _, v := range m.W.Row(k) {
			w[k] = append(w[k], float64(v))
		}
	}
	b := []float64{0.2, -0.1, 0}
	x := uniformData(8, 6, 4)
	y := []int{0, 1, 2, 0, 1, 2}
	for _, norm := range []string{"inf", "2"} {
		for _, p := range []struct{ a, eps float64 }{{0.03, 0.08}, {0.05, 0.3}, {0.2, 0.5}} {
			var dst tensor.Mat
			PGD(&dst, m, x, y, Config{Norm: norm, Eps: p.eps, Step: p.a, Steps: 7})
			for i := range y {
				x0 := make([]float64, 4)
				for j := range x0 {
					x0[j] = float64(x.At(i, j))
				}
				want := refPGD(w, b, x0, y[i], p.a, p.eps, 7, norm)
				checkRow(t, "pgd "+norm, dst.Row(i), want, 2e-6)
			}
		}
	}
}

func TestProjectRow(t *testing.T) {
	cases := []struct {
		name string
		v    []float64
		x0   []float32
		eps  float64
		norm string
		want []float64
	}{
		{"inf inside", []float64{0.55, 0.45}, []float32{0.5, 0.5}, 0.1, "inf", []float64{0.55, 0.45}},
		{"inf faces", []float64{0.9, 0.1}, []float32{0.5, 0.5}, 0.1, "inf", []float64{0.6, 0.4}},
		{"inf box", []float64{1.2, -0.3}, []float32{0.95, 0.05}, 0.5, "inf", []float64{1, 0}},
		{"inf eps 0", []float64{0.9, 0.1}, []float32{0.25, 0.75}, 0, "inf", []float64{0.25, 0.75}},
		{"l2 inside", []float64{0.53, 0.54}, []float32{0.5, 0.5}, 0.1, "2", []float64{0.53, 0.54}},
		{"l2 sphere", []float64{0.8, 0.9}, []float32{0.5, 0.5}, 0.1, "2", []float64{0.56, 0.58}}, // δ=(0.3,0.4), ‖δ‖=0.5
		{"l2 sphere then box", []float64{1.4, 0.5}, []float32{0.95, 0.5}, 0.2, "2", []float64{1, 0.5}},
		{"l2 eps 0", []float64{0.8, 0.9}, []float32{0.5, 0.5}, 0, "2", []float64{0.5, 0.5}},
	}
	for _, c := range cases {
		dst := make([]float32, len(c.v))
		projectRow(dst, c.v, c.x0, c.eps, c.norm)
		checkRow(t, c.name, dst, c.want, 1e-7)
	}
}

func TestRandomStartInBall(t *testing.T) {
	x := uniformData(4, 200, 30)
	for _, norm := range []string{"inf", "2"} {
		const eps = 0.2
		dst := tensor.New(200, 30)
		randomStart(dst, x, eps, norm, newRNG(5))
		var moved, meanAbs float64
		for i := 0; i < x.Rows; i++ {
			var l2 float64
			for j, v := range dst.Row(i) {
				d := float64(v) - float64(x.At(i, j))
				if v < 0 || v > 1 {
					t.Fatalf("%s: coordinate %g outside [0,1]", norm, v)
				}
				if norm == "inf" && math.Abs(d) > eps+1e-7 {
					t.Fatalf("%s: |δ| = %g > ε", norm, math.Abs(d))
				}
				l2 += d * d
				meanAbs += math.Abs(d)
			}
			if norm == "2" && math.Sqrt(l2) > eps*(1+1e-6) {
				t.Fatalf("l2: ‖δ‖ = %g > ε", math.Sqrt(l2))
			}
			moved += math.Sqrt(l2)
		}
		meanAbs /= float64(len(x.Data))
		if moved == 0 {
			t.Errorf("%s: the random start did not move", norm)
		}
		// Uniform on [−ε, ε] has mean |δ| = ε/2 before clipping; clipping lowers it a little.
		if norm == "inf" && !(meanAbs > 0.35*eps && meanAbs < 0.5*eps) {
			t.Errorf("inf: mean |δ| = %g, want about ε/2 = %g", meanAbs, eps/2)
		}
	}
	// The random start through PGD with step 0: the start point is the result.
	m := newMLP(1, 30, 8, 3, 1)
	var dst tensor.Mat
	PGD(&dst, m, x, predict(m, x), Config{Norm: "inf", Eps: 0.05, Steps: 1, RandomStart: true, Seed: 9})
	for k, v := range dst.Data {
		if math.Abs(float64(v)-float64(x.Data[k])) > 0.05+1e-7 {
			t.Fatalf("PGD random start left the ball: %g vs %g", v, x.Data[k])
		}
	}
}

// testSet is a random MLP with 16 inputs (a 4×4 image), 4 classes, and
// uniform data labelled by the model with every tenth label changed, so that
// the clean accuracy is 0.9 and every attack has examples to break.
func testSet(n int) (*mlpModel, *tensor.Mat, []int) {
	m := newMLP(11, 16, 32, 4, 1)
	x := uniformData(12, n, 16)
	y := predict(m, x)
	for i := 0; i < n; i += 10 {
		y[i] = (y[i] + 1) % 4
	}
	return m, x, y
}

func TestRestartsNeverLower(t *testing.T) {
	m, x, y := testSet(300)
	for _, attack := range []string{"pgd", "pgd-paper", "apgd", "square"} {
		for _, norm := range []string{"inf", "2"} {
			if attack == "square" && norm == "2" {
				continue
			}
			eps := 0.05
			if norm == "2" {
				eps = 0.2
			}
			cfg := Config{Attack: attack, Norm: norm, Eps: eps, Step: eps / 4, Steps: 5, RandomStart: true, Seed: 3, BatchSize: 64}
			one, err := RobustAccuracy(m, x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Restarts = 4
			four, err := RobustAccuracy(m, x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range y {
				if four.PerExample[i] && !one.PerExample[i] {
					t.Errorf("%s %s: example %d broken by 1 restart but not by 4", attack, norm, i)
				}
			}
			if four.Accuracy > one.Accuracy {
				t.Errorf("%s %s: 4 restarts %g > 1 restart %g", attack, norm, four.Accuracy, one.Accuracy)
			}
			t.Logf("%s %s ε=%g: robust accuracy 1 restart %.4f, 4 restarts %.4f", attack, norm, eps, one.Accuracy, four.Accuracy)
		}
	}
}

func TestPGDPaperEqualsFGSM(t *testing.T) {
	m, x, y := testSet(100)
	// Push some coordinates next to the box faces so clipping is exercised.
	for k := 0; k < len(x.Data); k += 7 {
		x.Data[k] = float32(k%2) * 0.99
	}
	for _, p := range []struct {
		a   float64
		t   int
		eps float64
	}{{0.01, 10, 0.5}, {0.05, 10, 0.5}, {0.1, 10, 0.5}, {0.3, 3, 0.2}, {0.02, 7, 0.1}} {
		var got, want tensor.Mat
		PGDPaper(&got, m, x, y, Config{Norm: "inf", Eps: p.eps, Step: p.a, Steps: p.t})
		FGSM(&want, m, x, y, math.Min(float64(p.t)*p.a, p.eps), "inf")
		for k := range got.Data {
			if !near(float64(got.Data[k]), float64(want.Data[k]), 1e-6) {
				t.Fatalf("a=%g T=%d ε=%g: pgd-paper %g, FGSM(min(Ta, ε)) %g at %d", p.a, p.t, p.eps, got.Data[k], want.Data[k], k)
			}
		}
	}
}

func TestZeroBudgetIsClean(t *testing.T) {
	m, x, y := testSet(120)
	for _, cfg := range []Config{
		{Attack: "fgsm", Eps: 0},
		{Attack: "fgsm", Norm: "2", Eps: 0},
		{Attack: "pgd", Eps: 0.3, Step: 0, Steps: 10},
		{Attack: "pgd", Eps: 0, Step: 0.1, Steps: 10},
		{Attack: "pgd", Eps: 0, Step: 0.1, Steps: 10, RandomStart: true, Restarts: 2},
		{Attack: "pgd", Norm: "2", Eps: 0, Step: 0.1, Steps: 10, RandomStart: true},
		{Attack: "pgd-paper", Eps: 0.3, Step: 0, Steps: 10},
		{Attack: "pgd-paper", Eps: 0, Step: 0.1, Steps: 10},
		{Attack: "apgd", Eps: 0, Steps: 10},
		{Attack: "apgd", Norm: "2", Eps: 0, Steps: 10, RandomStart: true},
		{Attack: "square", Eps: 0, Steps: 20},
	} {
		cfg.BatchSize = 50
		r, err := RobustAccuracy(m, x, y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Accuracy != r.Clean || r.Clean != 0.9 {
			t.Errorf("%+v: robust %v, clean %v; want both 0.9", cfg, r.Accuracy, r.Clean)
		}
		for i := range y {
			if r.PerExample[i] != (i%10 != 0) {
				t.Errorf("%+v: example %d robust=%v", cfg, i, r.PerExample[i])
				break
			}
		}
	}
}

func allConfigs() []Config {
	return []Config{
		{Attack: "fgsm", Eps: 0.1},
		{Attack: "fgsm", Norm: "2", Eps: 0.5},
		{Attack: "pgd", Eps: 0.1, Step: 0.025, Steps: 5, RandomStart: true, Restarts: 2},
		{Attack: "pgd", Norm: "2", Eps: 0.5, Step: 0.1, Steps: 5, RandomStart: true, Restarts: 2},
		{Attack: "pgd-paper", Eps: 0.1, Step: 0.025, Steps: 5},
		{Attack: "apgd", Eps: 0.1, Steps: 8, RandomStart: true, Restarts: 2},
		{Attack: "apgd", Norm: "2", Eps: 0.5, Steps: 8},
		{Attack: "square", Eps: 0.1, Steps: 30, Restarts: 2},
		{Attack: "apgd-dlr", Eps: 0.1, Steps: 8, RandomStart: true, Restarts: 2},
		{Attack: "apgd-t", Norm: "2", Eps: 0.5, Steps: 8, TargetClasses: 2},
		{Attack: "fab", Eps: 0.1, Steps: 8, Restarts: 2},
		{Attack: "fab-t", Norm: "2", Eps: 0.5, Steps: 8},
	}
}

func TestWeightsUnchanged(t *testing.T) {
	m, x, y := testSet(60)
	w1, w2 := m.W1.Clone(), m.W2.Clone()
	b1, b2 := append([]float32(nil), m.B1...), append([]float32(nil), m.B2...)
	x0 := x.Clone()
	for _, cfg := range allConfigs() {
		cfg.BatchSize = 16
		if _, err := RobustAccuracy(m, x, y, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(w1, m.W1) || !reflect.DeepEqual(w2, m.W2) || !reflect.DeepEqual(b1, m.B1) || !reflect.DeepEqual(b2, m.B2) {
		t.Error("attacking changed the model's weights")
	}
	if !reflect.DeepEqual(x0, x) {
		t.Error("attacking changed the data")
	}
}

func TestWorkersDeterministic(t *testing.T) {
	m, x, y := testSet(53)
	for _, cfg := range allConfigs() {
		cfg.BatchSize = 8
		cfg.Seed = 42
		var first Result
		for _, w := range []int{1, 2, 3} {
			cfg.Workers = w
			r, err := RobustAccuracy(m, x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if w == 1 {
				first = r
			} else if !reflect.DeepEqual(first, r) {
				t.Errorf("%s %s: workers=%d gives %v, workers=1 gives %v", cfg.Attack, cfg.Norm, w, r.Accuracy, first.Accuracy)
			}
		}
	}
}

// forkCounter counts the Logits calls of each of its forks.
type forkCounter struct {
	Model
	calls *[8]atomic.Int64
	id    int
	next  *int
}

func (f *forkCounter) Fork() Model {
	*f.next++
	return &forkCounter{Model: f.Model.Fork(), calls: f.calls, id: *f.next - 1, next: f.next}
}

func (f *forkCounter) Logits(dst, x *tensor.Mat) {
	f.calls[f.id%8].Add(1)
	f.Model.Logits(dst, x)
}

func (f *forkCounter) LogitsGrad(dx, z, x *tensor.Mat, fill func(dz, z *tensor.Mat)) {
	f.calls[f.id%8].Add(1)
	f.Model.(LogitsGrader).LogitsGrad(dx, z, x, fill)
}

// TestWiden checks that a narrow RobustAccuracy gives the same result
// whether Widen is closed before it starts, while it runs or never, and
// that its extra forks attack nothing unless Widen closes.
func TestWiden(t *testing.T) {
	m, x, y := testSet(53)
	for _, cfg := range allConfigs() {
		cfg.BatchSize, cfg.Seed, cfg.Workers = 4, 42, 1
		want, err := RobustAccuracy(m, x, y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, when := range []string{"before", "during", "never"} {
			widen := make(chan struct{})
			switch when {
			case "before":
				close(widen)
			case "during":
				go close(widen)
			}
			var calls [8]atomic.Int64
			next := 0
			c := cfg
			c.Widen = widen
			got, err := RobustAccuracy(&forkCounter{Model: m, calls: &calls, next: &next}, x, y, c)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s, widened %s: accuracy %v, narrow %v", cfg.Attack, cfg.Norm, when, got.Accuracy, want.Accuracy)
			}
			used := 0
			for i := range calls {
				if calls[i].Load() > 0 {
					used++
				}
			}
			if when == "never" && used != 1 {
				t.Errorf("%s, never widened: %d forks attacked, want 1", cfg.Attack, used)
			}
			if when == "before" && runtime.GOMAXPROCS(0) > 1 && next < 2 {
				t.Errorf("%s, widened before: %d forks made, want GOMAXPROCS", cfg.Attack, next)
			}
		}
	}
}

func TestFGSMMonotoneInEps(t *testing.T) {
	x, y := blobs(5, 600, 10, 3, 0.15)
	m := fitLogistic(x, y, 3, 400, 2)
	eps := append([]float64{0}, LogSpace(0.005, 0.5, 15)...)
	rs, err := Sweep(m, x, y, Config{Attack: "fgsm"}, eps, "eps")
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Clean < 0.9 {
		t.Fatalf("the fitted model's clean accuracy is only %g", rs[0].Clean)
	}
	if rs[0].Accuracy != rs[0].Clean {
		t.Errorf("ε = 0: robust %g ≠ clean %g", rs[0].Accuracy, rs[0].Clean)
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].Accuracy > rs[i-1].Accuracy {
			t.Errorf("FGSM accuracy rose from %g at ε=%g to %g at ε=%g", rs[i-1].Accuracy, eps[i-1], rs[i].Accuracy, eps[i])
		}
	}
	if last := rs[len(rs)-1].Accuracy; last > 0.05 {
		t.Errorf("FGSM at ε = 0.5 leaves accuracy %g", last)
	}
	t.Logf("clean %.4f; FGSM ε=%.3g: %.4f, ε=%.3g: %.4f, ε=%.3g: %.4f", rs[0].Clean, eps[4], rs[4].Accuracy, eps[9], rs[9].Accuracy, eps[15], rs[15].Accuracy)
}

func TestValidate(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string // "" for valid
	}{
		{Config{Attack: "fgsm", Eps: 0.1}, ""},
		{Config{Attack: "pgd", Norm: "2", Eps: 0.5, Step: 0.1, Steps: 10}, ""},
		{Config{Attack: "fgsm", Eps: -1}, "Eps must be ≥ 0, got -1"},
		{Config{Attack: "fgsm", Eps: math.NaN()}, "Eps must be ≥ 0, got NaN"},
		{Config{Attack: "pgd", Eps: 0.5, Step: 0.1, Steps: 0}, "Steps must be ≥ 1 for Attack pgd, got 0"},
		{Config{Attack: "pgd-paper", Eps: 0.5, Step: 0.1}, "Steps must be ≥ 1 for Attack pgd-paper, got 0"},
		{Config{Attack: "apgd", Eps: 0.5}, "Steps must be ≥ 1 for Attack apgd, got 0"},
		{Config{Attack: "square", Eps: 0.5}, "Steps must be ≥ 1 for Attack square, got 0"},
		{Config{Attack: "pgd", Eps: 0.5, Step: -0.1, Steps: 3}, "Step must be ≥ 0, got -0.1"},
		{Config{Attack: "fgsm", Norm: "1", Eps: 0.1}, `Norm must be inf or 2, got "1"`},
		{Config{Attack: "cw", Eps: 0.1}, `Attack must be one of fgsm, pgd, pgd-paper, apgd, square, apgd-dlr, apgd-t, fab, fab-t, got "cw"`},
		{Config{Attack: "square", Norm: "2", Eps: 0.1, Steps: 10}, "Norm 2 is not supported by Attack square (L∞ only)"},
		{Config{Attack: "fgsm", Eps: 0.1, Restarts: -1}, "Restarts must be ≥ 0, got -1"},
		{Config{Attack: "fgsm", Eps: 0.1, BatchSize: -5}, "BatchSize must be ≥ 0, got -5"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", c.cfg, err)
		case c.want != "" && (err == nil || err.Error() != c.want):
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q is not one line", err)
		}
	}
	// RobustAccuracy returns the same error rather than attacking.
	m, x, y := testSet(10)
	if _, err := RobustAccuracy(m, x, y, Config{Attack: "pgd", Eps: 0.3}); err == nil || !strings.HasPrefix(err.Error(), "Steps") {
		t.Errorf("RobustAccuracy with 0 steps: %v", err)
	}
}

func TestDataErrors(t *testing.T) {
	m, x, y := testSet(10)
	cfg := Config{Attack: "fgsm", Eps: 0.1}
	bad := x.Clone()
	bad.Data[35] = 1.5
	cases := []struct {
		x    *tensor.Mat
		y    []int
		want string
	}{
		{uniformData(1, 10, 15), y, "attack: model takes 16 inputs, data has 15"},
		{x, y[:9], "attack: 9 labels for 10 examples"},
		{x, append(append([]int(nil), y[:9]...), 4), "attack: label 4 of example 9 outside [0, 4)"},
		{bad, y, "attack: input 1.5 of example 2 outside [0, 1]"},
		{tensor.New(0, 16), nil, "attack: no examples"},
	}
	for _, c := range cases {
		_, err := RobustAccuracy(m, c.x, c.y, cfg)
		if err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestLogSpace(t *testing.T) {
	v := LogSpace(0.01, 1, 3)
	want := []float64{0.01, 0.1, 1}
	for i := range want {
		if !near(v[i], want[i], 1e-15) {
			t.Errorf("LogSpace(0.01, 1, 3)[%d] = %g, want %g", i, v[i], want[i])
		}
	}
	v = LogSpace(0.01, 1, 20)
	if len(v) != 20 || v[0] != 0.01 || v[19] != 1 {
		t.Errorf("LogSpace(0.01, 1, 20) ends %g..%g (%d values)", v[0], v[len(v)-1], len(v))
	}
	r := math.Pow(100, 1.0/19)
	for i := 1; i < 20; i++ {
		if !near(v[i]/v[i-1], r, 1e-12) {
			t.Errorf("ratio %d: %g, want %g", i, v[i]/v[i-1], r)
		}
	}
	if v := LogSpace(0.5, 2, 1); len(v) != 1 || v[0] != 0.5 {
		t.Errorf("LogSpace(0.5, 2, 1) = %v", v)
	}
}

func TestWorstOf(t *testing.T) {
	a := Result{PerExample: []bool{true, true, false, true}}
	b := Result{PerExample: []bool{true, false, true, true}}
	c := Result{PerExample: []bool{false, true, true, true}}
	for _, tc := range []struct {
		rs   []Result
		want float64
	}{{[]Result{a}, 0.75}, {[]Result{a, b}, 0.5}, {[]Result{a, b, c}, 0.25}} {
		if got := WorstOf(tc.rs...); got != tc.want {
			t.Errorf("WorstOf = %g, want %g", got, tc.want)
		}
	}
}

func TestSweep(t *testing.T) {
	m, x, y := testSet(80)
	base := Config{Attack: "pgd", Eps: 0.2, Steps: 3, BatchSize: 32}
	steps := []float64{0.01, 0.05}
	rs, err := Sweep(m, x, y, base, steps, "step")
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range steps {
		c := base
		c.Step = a
		r, _ := RobustAccuracy(m, x, y, c)
		if !reflect.DeepEqual(r, rs[i]) || rs[i].Step != a || rs[i].Eps != 0.2 {
			t.Errorf("sweep step %g: %+v, direct %+v", a, rs[i].Accuracy, r.Accuracy)
		}
	}
	if _, err := Sweep(m, x, y, base, steps, "steps"); err == nil || err.Error() != `attack: sweep parameter must be eps or step, got "steps"` {
		t.Errorf("bad sweep parameter: %v", err)
	}
	if _, err := Sweep(m, x, y, base, []float64{-1}, "eps"); err == nil || err.Error() != "attack: sweep eps = -1: Eps must be ≥ 0, got -1" {
		t.Errorf("negative ε in sweep: %v", err)
	}
}

func TestLabels(t *testing.T) {
	m, x, y := testSet(20)
	r, err := RobustAccuracy(m, x, y, Config{Attack: "pgd-paper", Eps: 0.5, Step: 0.01, Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Label != "pgd-paper (authors' fixed-gradient PGD)" || r.Attack != "pgd-paper" || r.Norm != "inf" || r.Steps != 10 || r.Restarts != 1 {
		t.Errorf("result names %+v", r)
	}
}

func TestInputGradStats(t *testing.T) {
	m, x, y := testSet(37)
	mean, max := InputGradStats(m, x, y, 10)
	// Independently: one example at a time, where the batch mean is the example's own loss.
	var wantMean, wantMax float64
	g := tensor.New(1, 16)
	for i := range y {
		m.LossGrad(g, tensor.FromSlice(1, 16, x.Row(i)), y[i:i+1])
		var s float64
		for _, v := range g.Data {
			s += float64(v) * float64(v)
		}
		wantMean += math.Sqrt(s) / float64(len(y))
		wantMax = math.Max(wantMax, math.Sqrt(s))
	}
	if !near(mean, wantMean, 1e-5*wantMean) || !near(max, wantMax, 1e-5*wantMax) {
		t.Errorf("InputGradStats = (%g, %g), one by one (%g, %g)", mean, max, wantMean, wantMax)
	}
}

// helpfulModel negates its inner model's gradient, so "attacks" move towards
// the label: clean mistakes get corrected, which must still count as wrong.
type helpfulModel struct{ Model }

func (h helpfulModel) Fork() Model { return helpfulModel{h.Model.Fork()} }
func (h helpfulModel) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	l := h.Model.LossGrad(dx, x, y)
	for k := range dx.Data {
		dx.Data[k] = -dx.Data[k]
	}
	return l
}

func TestCleanMistakesCountAsWrong(t *testing.T) {
	m, x, y := testSet(200)
	h := helpfulModel{m}
	var adv tensor.Mat
	FGSM(&adv, h, x, y, 0.5, "inf")
	fixed := 0
	for i, p := range predict(m, &adv) {
		if i%10 == 0 && p == y[i] {
			fixed++
		}
	}
	if fixed == 0 {
		t.Fatal("the helpful model corrected no clean mistake; the test proves nothing")
	}
	r, err := RobustAccuracy(h, x, y, Config{Attack: "fgsm", Eps: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(y); i += 10 {
		if r.PerExample[i] {
			t.Errorf("clean mistake %d counted as robust", i)
		}
	}
	if r.Accuracy > r.Clean {
		t.Errorf("robust accuracy %g above clean %g", r.Accuracy, r.Clean)
	}
	t.Logf("%d of 20 clean mistakes corrected by the helpful step; robust %g, clean %g", fixed, r.Accuracy, r.Clean)
}

// cleanTracker is a model whose loss wants the clean batch: it records the
// largest L∞ distance between a LossGrad input and the clean batch it was
// last told about, and how many LossGrad calls came before any SetClean.
type cleanTracker struct {
	*linearModel
	clean    *tensor.Mat
	maxDist  float64
	unset    int
	nSetting int
}

func (c *cleanTracker) Fork() Model {
	return &cleanTracker{linearModel: c.linearModel.Fork().(*linearModel)}
}
func (c *cleanTracker) SetClean(x *tensor.Mat, y []int) {
	c.clean = x.Clone()
	c.nSetting++
}
func (c *cleanTracker) LossGrad(dx, x *tensor.Mat, y []int) float64 {
	if c.clean == nil || c.clean.Rows != x.Rows {
		c.unset++
	} else {
		for k, v := range x.Data {
			c.maxDist = math.Max(c.maxDist, math.Abs(float64(v)-float64(c.clean.Data[k])))
		}
	}
	return c.linearModel.LossGrad(dx, x, y)
}

func TestCleanBatchIsGiven(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := uniformData(6, 90, 8)
	const eps = 0.05
	for _, cfg := range []Config{
		{Attack: "fgsm", Eps: eps},
		{Attack: "pgd", Eps: eps, Step: eps / 4, Steps: 4, RandomStart: true, Restarts: 2},
		{Attack: "pgd-paper", Eps: eps, Step: eps / 4, Steps: 4},
		{Attack: "apgd", Norm: "2", Eps: eps, Steps: 6},
	} {
		m := &cleanTracker{linearModel: &linearModel{W: randMat(rng, 3, 8, 1), B: make([]float32, 3)}}
		y := predict(m, x)
		cfg.BatchSize, cfg.Workers = 20, 1 // one fork attacks all five batches
		if _, err := RobustAccuracy(m, x, y, cfg); err != nil {
			t.Fatal(err)
		}
		// RobustAccuracy forked m; attack the batches through m itself to see its record.
		for lo := 0; lo < 90; lo += 20 {
			hi := min(lo+20, 90)
			var adv tensor.Mat
			attackBatch(&adv, m, tensor.FromSlice(hi-lo, 8, x.Data[lo*8:hi*8]), y[lo:hi], cfg)
		}
		if m.unset != 0 || m.nSetting != 5 || m.maxDist > eps+1e-6 {
			t.Errorf("%s: %d LossGrad calls without a clean batch, %d SetClean calls for 5 batches, inputs %g from the clean batch (ε = %g)",
				cfg.Attack, m.unset, m.nSetting, m.maxDist, eps)
		}
	}
	m := &cleanTracker{linearModel: &linearModel{W: randMat(rng, 3, 8, 1), B: make([]float32, 3)}}
	InputGradStats(m, x, predict(m, x), 20)
	if m.unset != 0 || m.nSetting != 5 || m.maxDist != 0 {
		t.Errorf("InputGradStats: %d unset, %d SetClean calls, distance %g", m.unset, m.nSetting, m.maxDist)
	}
}
