package iso

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/isonet/isonet/tensor"
)

// Agreement says how well representation distances match input distances
// over a set of pairs.
type Agreement struct {
	Pairs int `json:"pairs"`
	// Pearson is the correlation of D_in and K·D_rep over the pairs.
	Pearson float64 `json:"pearson_r"`
	// MeanAbsDiff is the mean of |K·D_rep − D_in|.
	MeanAbsDiff float64 `json:"mean_abs_diff"`
	// Stress is the normalised stress √(Σ(K·D_rep − D_in)² / Σ D_in²).
	Stress float64 `json:"stress"`
}

// Agree computes the Agreement of paired distance lists din and drep
// (drep already scaled by K).
func Agree(din, drep []float64) Agreement {
	if len(din) != len(drep) {
		panic("iso: distance lists of different lengths")
	}
	a := Agreement{Pairs: len(din), Pearson: Pearson(din, drep)}
	if len(din) == 0 {
		a.Pearson, a.MeanAbsDiff, a.Stress = math.NaN(), math.NaN(), math.NaN()
		return a
	}
	var sad, num, den float64
	for i := range din {
		d := drep[i] - din[i]
		sad += math.Abs(d)
		num += d * d
		den += din[i] * din[i]
	}
	a.MeanAbsDiff = sad / float64(len(din))
	a.Stress = math.Sqrt(num / den)
	return a
}

// Pearson returns the Pearson correlation of a and b (NaN when either is
// constant or empty).
func Pearson(a, b []float64) float64 {
	n := float64(len(a))
	if len(a) == 0 {
		return math.NaN()
	}
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return sab / math.Sqrt(saa*sbb)
}

// ClassDistances holds the within-class pair distances of one class.
type ClassDistances struct {
	Class int       `json:"class"`
	N     int       `json:"points"`
	DIn   []float64 `json:"-"`
	DRep  []float64 `json:"-"` // scaled by K
	Agreement
}

// MaxPerClass is the usual bound on the points per class of WithinClass
// (the evaluation of a model, its geometry): 500 points give 124,750
// pairs per class.
const MaxPerClass = 500

// WithinClass compares the distances between same-class points of the
// input x and of the representation phi, per class. Classes with more than
// maxPerClass points (when maxPerClass > 0) are subsampled with seed, so the
// cost stays bounded on large test sets. It also returns the agreement over
// all classes' pairs pooled.
func WithinClass(x, phi *tensor.Mat, labels []int, k float64, maxPerClass int, seed uint64) ([]ClassDistances, Agreement) {
	groups := Groups(nil, labels, MaskClass)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	var out []ClassDistances
	var allIn, allRep []float64
	for _, idx := range groups {
		if maxPerClass > 0 && len(idx) > maxPerClass {
			idx = slices.Clone(idx)
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			idx = idx[:maxPerClass]
			slices.Sort(idx)
		}
		cd := ClassDistances{Class: labels[idx[0]], N: len(idx)}
		din := pairDistances(nil, x, idx)
		drep := pairDistances(nil, phi, idx)
		n := len(idx)
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				cd.DIn = append(cd.DIn, din[a*n+b])
				cd.DRep = append(cd.DRep, k*drep[a*n+b])
			}
		}
		cd.Agreement = Agree(cd.DIn, cd.DRep)
		allIn = append(allIn, cd.DIn...)
		allRep = append(allRep, cd.DRep...)
		out = append(out, cd)
	}
	return out, Agree(allIn, allRep)
}
