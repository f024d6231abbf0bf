package data

import (
	"fmt"
	"math"

	"github.com/isonet/isonet/tensor"
)

// Rings returns the entangled rings of SPEC §3.1: two linked unit circles in
// 3-D, n points each (2n in all). Ring A (label 0, the first n rows) lies in
// the xy-plane centred at the origin; ring B (label 1, the last n rows) lies
// in the xz-plane centred at (1, 0, 0), so it passes through ring A's disk at
// the origin and the two cannot be separated without cutting one. Angles are
// uniform on [0, 2π); each coordinate gets Gaussian noise of standard
// deviation sigma (the paper's setting: n = 500, sigma = 0.01). The same
// seed gives the same points. It panics when n or sigma is negative.
func Rings(n int, sigma float64, seed uint64) *Set {
	if n < 0 || !(sigma >= 0) {
		panic(fmt.Sprintf("data: Rings(n=%d, sigma=%v): want n ≥ 0 and sigma ≥ 0", n, sigma))
	}
	rng := newRand(seed)
	x := tensor.New(2*n, 3)
	y := make([]int, 2*n)
	for i := range 2 * n {
		t := 2 * math.Pi * rng.Float64()
		var p [3]float64
		if i < n { // ring A: (cos t, sin t, 0)
			p = [3]float64{math.Cos(t), math.Sin(t), 0}
		} else { // ring B: (1 + cos t, 0, sin t)
			p = [3]float64{1 + math.Cos(t), 0, math.Sin(t)}
			y[i] = 1
		}
		for c := range p {
			x.Set(i, c, float32(p[c]+sigma*rng.NormFloat64()))
		}
	}
	return &Set{
		Name:       "rings",
		X:          x,
		Labels:     [][]int{y},
		Classes:    []int{2},
		ClassNames: [][]string{{"A", "B"}},
	}
}

// Torus geometry and grid of SPEC §3.2.
const (
	torusR    = 0.67 // radius of the main circle
	torusTube = 0.33 // radius of the tube
	torusGrid = 40   // grid points per angle; 40×40 = 1600 points
)

// torusClasses is the number of classes of each label level, coarsest first.
var torusClasses = [...]int{2, 4, 8}

// Torus returns the torus with hierarchical labels of SPEC §3.2 (the paper's
// Fig. 4): the points
//
//	x = (R + r·cos θ)·cos φ, y = (R + r·cos θ)·sin φ, z = r·sin θ
//
// with R = 0.67, r = 0.33, on the regular 40×40 grid of φ, θ ∈ {2πk/40 : k =
// 0..39} (row φ_i·40 + θ_j holds grid point (i, j)), plus Gaussian noise of
// standard deviation noise on each coordinate (the paper's: 0.001); then all
// coordinates are rescaled to [0, 1] with one global minimum and maximum.
//
// It has 3 label levels with 2, 4 and 8 classes. The class of a point at
// level k is its θ index divided by 40/2^(k+1): a contiguous band of θ over
// all φ, and each level splits every class of the level before in two. The
// same seed gives the same points. It panics when noise is negative.
func Torus(noise float64, seed uint64) *Set {
	if !(noise >= 0) {
		panic(fmt.Sprintf("data: Torus(noise=%v): want noise ≥ 0", noise))
	}
	const g = torusGrid
	rng := newRand(seed)
	p := make([]float64, 0, 3*g*g)
	labels := make([][]int, len(torusClasses))
	for k := range labels {
		labels[k] = make([]int, 0, g*g)
	}
	for i := range g {
		phi := 2 * math.Pi * float64(i) / g
		for j := range g {
			theta := 2 * math.Pi * float64(j) / g
			rho := torusR + torusTube*math.Cos(theta)
			p = append(p,
				rho*math.Cos(phi)+noise*rng.NormFloat64(),
				rho*math.Sin(phi)+noise*rng.NormFloat64(),
				torusTube*math.Sin(theta)+noise*rng.NormFloat64())
			for k, c := range torusClasses {
				labels[k] = append(labels[k], j*c/g)
			}
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range p {
		lo, hi = min(lo, v), max(hi, v)
	}
	x := tensor.New(g*g, 3)
	for i, v := range p {
		x.Data[i] = float32((v - lo) / (hi - lo))
	}
	return &Set{
		Name:    "torus",
		X:       x,
		Labels:  labels,
		Classes: append([]int(nil), torusClasses[:]...),
	}
}
