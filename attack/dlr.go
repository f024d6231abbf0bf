package attack

import (
	"github.com/isonet/isonet/internal/field"
	"github.com/isonet/isonet/tensor"
)

// The Difference of Logits Ratio loss (Croce & Hein 2020, "Reliable
// evaluation of adversarial robustness with an ensemble of diverse
// parameter-free attacks", eq. 6 and its targeted form). With the logits
// sorted z_π1 ≥ z_π2 ≥ …,
//
//	DLR(z, y)    = −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3),
//	DLR_T(z,y,t) = −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2).
//
// Both are invariant to a shift and to a positive scale of the logits, so a
// rescaled representation cannot flatten them as it flattens the
// cross-entropy. The untargeted form needs 3 classes, the targeted 4.

// dlrDenomEps keeps the denominators positive when the top logits tie (the
// reference implementation's 1e-12).
const dlrDenomEps = 1e-12

// MinClassesDLR and MinClassesDLRTargeted are the numbers of classes the
// untargeted and the targeted DLR loss need: the third-largest logit, and
// the third- and fourth-largest.
const (
	MinClassesDLR         = 3
	MinClassesDLRTargeted = 4
)

// top4 returns the indices of the four largest entries of z (fewer when z
// is shorter), largest first; ties go to the lower index.
func top4(z []float64) (idx [4]int, n int) {
	n = min(len(z), 4)
	for k := range idx {
		idx[k] = -1
	}
	for j, v := range z {
		for r := 0; r < n; r++ {
			if idx[r] < 0 || v > z[idx[r]] {
				copy(idx[r+1:n], idx[r:n-1])
				idx[r] = j
				break
			}
		}
	}
	return idx, n
}

// dlrGrad returns DLR(z, y) and, when g is not nil, writes ∂DLR/∂z into g.
// With a = z_y − z_m (m the largest other class) and D = z_π1 − z_π3:
// ∂/∂z_y = −1/D, ∂/∂z_m = 1/D, ∂/∂z_π1 += a/D², ∂/∂z_π3 −= a/D².
func dlrGrad(g, z []float64, y int) float64 {
	p, _ := top4(z)
	m := p[0]
	if m == y {
		m = p[1]
	}
	a := z[y] - z[m]
	d := z[p[0]] - z[p[2]] + dlrDenomEps
	if g != nil {
		clear(g)
		g[y] -= 1 / d
		g[m] += 1 / d
		g[p[0]] += a / (d * d)
		g[p[2]] -= a / (d * d)
	}
	return -a / d
}

// dlrTargetedGrad returns DLR_T(z, y, t) and, when g is not nil, writes
// ∂DLR_T/∂z into g. With a = z_y − z_t and D = z_π1 − (z_π3 + z_π4)/2:
// ∂/∂z_y = −1/D, ∂/∂z_t = 1/D, ∂/∂z_π1 += a/D², ∂/∂z_π3 and ∂/∂z_π4 −= a/(2D²).
func dlrTargetedGrad(g, z []float64, y, t int) float64 {
	p, _ := top4(z)
	a := z[y] - z[t]
	d := z[p[0]] - (z[p[2]]+z[p[3]])/2 + dlrDenomEps
	if g != nil {
		clear(g)
		g[y] -= 1 / d
		g[t] += 1 / d
		g[p[0]] += a / (d * d)
		g[p[2]] -= a / (2 * d * d)
		g[p[3]] -= a / (2 * d * d)
	}
	return -a / d
}

// DLR returns the DLR loss of the logits z for the true class y, or with
// target ≥ 0 the targeted DLR loss towards class target. It panics when z
// has fewer classes than the loss needs (MinClassesDLR, MinClassesDLRTargeted).
func DLR(z []float32, y, target int) float64 {
	need := MinClassesDLR
	if target >= 0 {
		need = MinClassesDLRTargeted
	}
	if len(z) < need {
		panic("attack: DLR needs more classes than the logits have")
	}
	return dlrRow(nil, z, y, target, make([]float64, 2*len(z)))
}

// dlrRow is DLR on a float32 row with scratch s (2·len(z)); when g is not
// nil, ∂/∂z times scale is written into it.
func dlrRow(g []float32, z []float32, y, target int, s []float64) float64 {
	zz, gg := s[:len(z)], s[len(z):2*len(z)]
	for j, v := range z {
		zz[j] = float64(v)
	}
	if g == nil {
		gg = nil
	}
	var l float64
	if target < 0 {
		l = dlrGrad(gg, zz, y)
	} else {
		l = dlrTargetedGrad(gg, zz, y, target)
	}
	for j, v := range gg {
		g[j] = float32(v)
	}
	return l
}

// dlrFill returns a LogitsGrader fill writing the gradient of the batch's
// summed DLR loss (targeted where targets is not nil) into dLogits and each
// example's loss into f.
func dlrFill(y, targets []int, f []float64) func(dz, z *tensor.Mat) {
	var s []float64
	return func(dz, z *tensor.Mat) {
		if len(s) < 2*z.Cols {
			s = make([]float64, 2*z.Cols)
		}
		for i := 0; i < z.Rows; i++ {
			t := -1
			if targets != nil {
				t = targets[i]
			}
			f[i] = dlrRow(dz.Row(i), z.Row(i), y[i], t, s)
		}
	}
}

// checkClasses returns an error when an attack on DLR cannot run on a model
// with c classes, naming what DLR needs and the way out (FallbackCE).
func checkClasses(name string, c int, targeted bool) error {
	need, what := MinClassesDLR, "the third-largest logit z_π3"
	if targeted {
		need, what = MinClassesDLRTargeted, "the third- and fourth-largest logits z_π3, z_π4"
	}
	if c >= need {
		return nil
	}
	return field.Errorf("%s needs a model with ≥ %d classes (the DLR loss divides by a gap to %s), this one has %d; set {FallbackCE} to attack cross-entropy instead", name, need, what, c)
}
