package model

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// blobs is a 4-class problem in [0,1]^8: class c lifts coordinates 2c and
// 2c+1 by 0.35 above a noisy 0.3 background.
func blobs(n int, seed uint64) *data.Set {
	rng := rand.New(rand.NewPCG(seed, 9))
	x := tensor.New(n, 8)
	y := make([]int, n)
	for i := range n {
		y[i] = i % 4
		for j := range 8 {
			v := 0.3 + 0.08*rng.NormFloat64()
			if j/2 == y[i] {
				v += 0.35
			}
			x.Set(i, j, float32(min(max(v, 0), 1)))
		}
	}
	return &data.Set{Name: "blobs", X: x, Labels: [][]int{y}, Classes: []int{4}}
}

// TestLipschitzCertifiedNeverExceedsRobust trains 1-Lipschitz networks
// (AOL and orthogonal, two margins; a tanh network too) into model
// folders, loads them, and checks at several L2 radii that the certified
// accuracy never exceeds the robust accuracy under APGD-CE + APGD-T +
// FAB-T, example by example: no attack breaks a certified example. It also
// checks that the check is not vacuous (something certified at the
// smallest radius, something broken at the largest), that the loaded
// network is 1-Lipschitz (∏σ ≤ 1 + 1e-5) and certifies at least margin/√2.
func TestLipschitzCertifiedNeverExceedsRobust(t *testing.T) {
	trainSet, testSet := blobs(400, 1), blobs(120, 2)
	eps := []float64{0.02, 0.05, 0.1, 0.2}
	base := train.Spec{Data: data.Spec{Name: "blobs"}, Width: 16, Depth: 2, Seed: 3,
		Train: train.Config{Epochs: 15, Batch: 40, LR: 1e-2}}
	aa := attack.AutoAttackConfig{Version: attack.VersionCustom, Attacks: []string{attack.StageAPGDCE, attack.StageAPGDT, attack.StageFABT},
		Steps: 30, TargetClasses: 3, Seed: 4, SkipChecks: true}
	for _, tc := range []struct {
		name   string
		method string
		param  string
		knob   float64
	}{
		{"aol", train.MethodLipschitz, nn.AOL, 0.05},
		{"aol-wide-margin", train.MethodLipschitz, nn.AOL, 0.2},
		{"orthogonal", train.MethodLipschitz, nn.Orthogonal, 0.1},
		{"tanh-cross-entropy", train.MethodLIL, "", 0},
	} {
		s := base
		if tc.param != "" {
			s.Train.Method, s.Train.LipParam = train.MethodLipschitz, tc.param
		}
		dir := filepath.Join(t.TempDir(), tc.name)
		if _, _, err := TrainBaseline(context.Background(), dir, s, tc.method, tc.knob, trainSet, testSet, TrainOptions{}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ev, err := EvaluateL2(context.Background(), m, testSet.X, testSet.Y(), eps, aa)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		t.Logf("%s: clean %.3f, L ≤ %.4f, certified %v, robust %v", tc.name, ev.Clean, ev.Lipschitz, ev.Certified, ev.Robust)
		if ev.Clean < 0.9 {
			t.Errorf("%s: clean accuracy %g on a separable set", tc.name, ev.Clean)
		}
		for i, r := range eps {
			if ev.Certified[i] > ev.Robust[i] {
				t.Errorf("%s: at L2 radius %g certified accuracy %g exceeds robust accuracy %g", tc.name, r, ev.Certified[i], ev.Robust[i])
			}
			for k, o := range ev.Attacks[i].Examples {
				if ev.Radii[k] > r && !o.Robust {
					t.Errorf("%s: example %d certified to radius %g was broken at %g by %s", tc.name, k, ev.Radii[k], r, o.BrokenBy)
				}
			}
		}
		if tc.method != train.MethodLipschitz {
			continue
		}
		if ev.Lipschitz > 1+1e-5 {
			t.Errorf("%s: Lipschitz bound %g > 1", tc.name, ev.Lipschitz)
		}
		if ev.Certified[0] == 0 || ev.Robust[len(eps)-1] >= ev.Clean {
			t.Errorf("%s: vacuous: certified %v, robust %v, clean %g", tc.name, ev.Certified, ev.Robust, ev.Clean)
		}
		if m.Net().Act != nn.MaxMin || m.LastBlock().Train.LipParam != tc.param {
			t.Errorf("%s: loaded %s with parametrisation %q", tc.name, m.Net().Act, m.LastBlock().Train.LipParam)
		}
		// Radius ≥ margin/√2 for every correctly classified example.
		logits := m.Net().Forward(m.Net().NewWorkspace(), testSet.X)
		for k, y := range testSet.Y() {
			row := logits.Row(k)
			mg := math.Inf(1)
			for j, v := range row {
				if j != y {
					mg = min(mg, float64(row[y]-v))
				}
			}
			if want := mg / math.Sqrt2; mg > 1e-4 && ev.Radii[k] < want*(1-1e-4)-1e-6 {
				t.Errorf("%s: example %d radius %g < margin/√2 = %g", tc.name, k, ev.Radii[k], want)
			}
		}
	}
}

// TestBaselineSpec: each method's knob lands in its setting.
func TestBaselineSpec(t *testing.T) {
	base := train.Spec{Width: 16, Depth: 2}
	for method, setting := range BaselineKnobs {
		s, err := BaselineSpec(base, method, 0.25)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		c := s.Train
		got := map[string]float64{"Beta": c.Beta, "AdvEps": c.AdvEps, "JacLambda": c.JacLambda, "SpecScale": c.SpecScale, "LipMargin": c.LipMargin, "TradesBeta": c.TradesBeta}
		if got[setting] != 0.25 {
			t.Errorf("%s: %s = %g, want 0.25", method, setting, got[setting])
		}
		for name, v := range got {
			if name != setting && name != "AdvEps" && v != 0 && !(method == train.MethodLIL && name == "Beta") {
				t.Errorf("%s: %s = %g set too", method, name, v)
			}
		}
	}
	if _, err := BaselineSpec(base, "mixup", 1); err == nil {
		t.Error("unknown method accepted")
	}
	if s, _ := BaselineSpec(train.Spec{Width: 15}, train.MethodLipschitz, 1); slices.Contains([]nn.Activation{nn.Tanh, nn.ReLU}, s.Act) {
		t.Error("lipschitz keeps a tanh/relu activation")
	}
	if _, err := BaselineSpec(train.Spec{Width: 15}, train.MethodLipschitz, 1); err == nil {
		t.Error("lipschitz with an odd width (MaxMin pairs) accepted")
	}
}

// TestLipschitzL2MatchesCertify: on tanh and ReLU networks, which certify
// takes, LipschitzL2's radii equal certify's Lipschitz method's exact radii
// (min_j margin_j/L_j), and its bound equals the product of the layers'
// spectral norms.
func TestLipschitzL2MatchesCertify(t *testing.T) {
	set := blobs(60, 5)
	for _, act := range []nn.Activation{nn.Tanh, nn.ReLU} {
		s := train.Spec{Width: 12, Depth: 2, Act: act, Seed: 6, Train: train.Config{Epochs: 20, Batch: 20, LR: 1e-2}}
		tr, _, err := train.Fit(context.Background(), s, set, nil, train.FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(tr.Spec(), tr.Net())
		if err != nil {
			t.Fatal(err)
		}
		radii, lip, err := LipschitzL2(m, set.X, set.Y())
		if err != nil {
			t.Fatal(err)
		}
		net, err := certify.FromMLP(tr.Net())
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, set.Len())
		if err := certify.CertifiedRadius(context.Background(), want, net, set.X, set.Y(), certify.Config{Method: certify.MethodLipschitz, Norm: certify.Norm2, Eps: 100}); err != nil {
			t.Fatal(err)
		}
		nonzero := 0
		for i, r := range radii {
			if math.Abs(r-want[i]) > 1e-6*want[i]+1e-12 {
				t.Errorf("%s: example %d radius %g, certify %g", act, i, r, want[i])
			}
			if r > 0 {
				nonzero++
			}
		}
		if nonzero < set.Len()/2 {
			t.Errorf("%s: only %d of %d examples have a radius", act, nonzero, set.Len())
		}
		p := 1.0
		for _, l := range tr.Net().Layers {
			w := make([]float64, len(l.W.Data))
			for i, v := range l.W.Data {
				w[i] = float64(v)
			}
			p *= certify.SpectralNorm(w, l.Out, l.In)
		}
		if math.Abs(lip-p) > 1e-12*p {
			t.Errorf("%s: bound %g, product of spectral norms %g", act, lip, p)
		}
	}
}
