package model

import (
	"context"
	"fmt"
	"math"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/certify"
	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// BaselineKnobs names, for each training method, the Config setting a
// study sweeps it along (BaselineSpec sets it): the LIL's β, adversarial
// training's ε, the Jacobian penalty's λ, spectral normalisation's logit
// scale, the 1-Lipschitz network's target margin (L2 radius) and TRADES's β.
var BaselineKnobs = map[string]string{
	train.MethodLIL:       "Beta",
	train.MethodAdv:       "AdvEps",
	train.MethodJacobian:  "JacLambda",
	train.MethodSpecNorm:  "SpecScale",
	train.MethodLipschitz: "LipMargin",
	train.MethodTrades:    "TradesBeta",
}

// BaselineSpec returns s set up to train method with its knob (see
// BaselineKnobs) at the value knob. When s.Train.Method is already method,
// its other settings stay as s gives them (their zeros filled in by
// defaults), so that a caller can choose, say, LipParam orthogonal or a
// TRADES step count; otherwise they are the method's defaults
// (train.Config.SetMethod). For MethodLipschitz it also makes the network
// 1-Lipschitz end to end: MaxMin activations and orthogonal initial raw
// weights. adv's PGD step follows its ε (ε/4).
func BaselineSpec(s train.Spec, method string, knob float64) (train.Spec, error) {
	cur := s.Train.Method
	if cur == "" {
		cur = train.MethodLIL
	}
	if m := method; m == "" || m != cur {
		if err := s.Train.SetMethod(method); err != nil {
			return s, err
		}
	}
	c := &s.Train
	switch method {
	case train.MethodLIL, "":
		c.Beta = knob
	case train.MethodAdv:
		c.AdvEps, c.AdvStep = knob, knob/4
	case train.MethodJacobian:
		c.JacLambda = knob
	case train.MethodSpecNorm:
		c.SpecScale = knob
	case train.MethodLipschitz:
		c.LipMargin = knob
		s.Act, s.Init = nn.MaxMin, nn.InitOrthogonal
	case train.MethodTrades:
		c.TradesBeta = knob
	}
	s = s.WithDefaults()
	if err := s.ValidateTraining(); err != nil {
		return s, err
	}
	return s, nil
}

// TrainBaseline trains method at the knob value knob (BaselineSpec of s)
// into the model folder dir, as Train does.
func TrainBaseline(ctx context.Context, dir string, s train.Spec, method string, knob float64, trainSet, testSet *data.Set, o TrainOptions) (*Model, *train.Result, error) {
	bs, err := BaselineSpec(s, method, knob)
	if err != nil {
		return nil, nil, err
	}
	return Train(ctx, dir, bs, trainSet, testSet, o)
}

// LipschitzL2 returns a certified L2 radius for every row of x under m
// (0 for a misclassified row) and the bound L = ∏_k ‖W_k‖₂ on m's Lipschitz
// constant: with every activation 1-Lipschitz (tanh, ReLU, MaxMin), each
// margin z_y − z_j changes by at most ‖w_y − w_j‖₂·∏_{k<last} ‖W_k‖₂ per
// unit of ‖δ‖₂, so the prediction cannot change within
// r = min_{j≠y} (z_y − z_j)/(‖w_y − w_j‖₂·∏_{k<last} ‖W_k‖₂). For a
// 1-Lipschitz network (MethodLipschitz) this is at least margin/√2. The
// spectral norms are exact (SVD, widened by 1e-9) and the margins computed
// in float64 from the stored weights. It is certify's Lipschitz bound,
// computed here because certify does not take MaxMin networks.
func LipschitzL2(m *Model, x *tensor.Mat, y []int) (radii []float64, lip float64, err error) {
	if m.Stacked() {
		return nil, 0, fmt.Errorf("model: the Lipschitz certificate takes a flat model, this one has %d blocks", len(m.Blocks))
	}
	net := m.Net()
	if x.Cols != net.InputDim() || len(y) != x.Rows {
		return nil, 0, fmt.Errorf("model: %d rows of %d features and %d labels for a model of %d inputs", x.Rows, x.Cols, len(y), net.InputDim())
	}
	L := len(net.Layers)
	below := 1.0
	for k, l := range net.Layers {
		w := make([]float64, len(l.W.Data))
		for i, v := range l.W.Data {
			w[i] = float64(v)
		}
		s := certify.SpectralNorm(w, l.Out, l.In)
		if k < L-1 {
			below *= s
		} else {
			lip = below * s
		}
	}
	last := net.Layers[L-1]
	C, n := last.Out, last.In
	rows := make([]float64, C*C) // ‖w_y − w_j‖₂·below
	for a := range C {
		for b := range C {
			var s float64
			for i := range n {
				d := float64(last.W.Data[a*n+i]) - float64(last.W.Data[b*n+i])
				s += d * d
			}
			rows[a*C+b] = math.Sqrt(s) * (1 + 1e-9) * below
		}
	}
	radii = make([]float64, x.Rows)
	for i := range x.Rows {
		z := forward64(net, x.Row(i))
		c := y[i]
		if c < 0 || c >= C {
			return nil, 0, fmt.Errorf("model: label %d of row %d out of range 0..%d", c, i, C-1)
		}
		r := math.Inf(1)
		for j := range C {
			if j == c {
				continue
			}
			mg := z[c] - z[j]
			if mg <= 0 {
				r = 0
				break
			}
			r = min(r, mg/rows[c*C+j])
		}
		radii[i] = r
	}
	return radii, lip, nil
}

// forward64 returns net's logits of x computed in float64.
func forward64(net *nn.MLP, x []float32) []float64 {
	h := make([]float64, len(x))
	for i, v := range x {
		h[i] = float64(v)
	}
	L := len(net.Layers)
	for k, l := range net.Layers {
		z := make([]float64, l.Out)
		for o := range z {
			s := float64(l.B.Data[o])
			for i, w := range l.W.Data[o*l.In : (o+1)*l.In] {
				s += float64(w) * h[i]
			}
			z[o] = s
		}
		if k < L-1 {
			switch net.Act {
			case nn.Tanh:
				for i, v := range z {
					z[i] = math.Tanh(v)
				}
			case nn.ReLU:
				for i, v := range z {
					z[i] = max(v, 0)
				}
			case nn.MaxMin:
				for i := 0; i+1 < len(z); i += 2 {
					z[i], z[i+1] = max(z[i], z[i+1]), min(z[i], z[i+1])
				}
			default:
				panic(fmt.Sprintf("model: no float64 forward for activation %q", net.Act))
			}
		}
		h = z
	}
	return h
}

// CertifiedAccuracy returns the fraction of radii greater than eps (those
// examples are classified correctly everywhere in the L2 ball of radius eps).
func CertifiedAccuracy(radii []float64, eps float64) float64 {
	n := 0
	for _, r := range radii {
		if r > eps {
			n++
		}
	}
	return float64(n) / float64(len(radii))
}

// L2Eval is a baseline's evaluation at L2 radii: its clean accuracy, and at
// each radius the accuracy certified by the Lipschitz bound (LipschitzL2)
// and the robust accuracy under the AutoAttack-grade ensemble. For any
// network Certified[i] ≤ Robust[i]: a certified example cannot be broken.
type L2Eval struct {
	Clean     float64   `json:"clean_accuracy"`
	Lipschitz float64   `json:"lipschitz_bound"` // ∏ spectral norms
	Eps       []float64 `json:"eps"`
	Certified []float64 `json:"certified_accuracy"`
	Robust    []float64 `json:"robust_accuracy"`
	// Radii is each example's certified radius.
	Radii []float64 `json:"-"`
	// Attacks holds the ensemble's result at each radius.
	Attacks []*attack.AutoAttackResult `json:"-"`
}

// EvaluateL2 evaluates m on (x, y) at every L2 radius of eps: the
// Lipschitz certificate, and attack.AutoAttack with aa (its Norm set to
// "2" and its Eps to each radius; aa's zero value is the standard
// ensemble). The attack sees m's network under cross-entropy.
func EvaluateL2(ctx context.Context, m *Model, x *tensor.Mat, y []int, eps []float64, aa attack.AutoAttackConfig) (*L2Eval, error) {
	radii, lip, err := LipschitzL2(m, x, y)
	if err != nil {
		return nil, err
	}
	e := &L2Eval{Clean: nn.Accuracy(m.Net(), x, y), Lipschitz: lip, Eps: eps, Radii: radii}
	am, err := m.AttackModel(attack.LossCE)
	if err != nil {
		return nil, err
	}
	for _, r := range eps {
		cfg := aa
		cfg.Norm, cfg.Eps = attack.NormL2, r
		res, err := attack.AutoAttack(ctx, am, x, y, cfg)
		if err != nil {
			return nil, err
		}
		e.Certified = append(e.Certified, CertifiedAccuracy(radii, r))
		e.Robust = append(e.Robust, res.RobustAccuracy)
		e.Attacks = append(e.Attacks, res)
	}
	return e, nil
}
