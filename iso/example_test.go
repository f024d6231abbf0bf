package iso_test

import (
	"fmt"

	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/tensor"
)

// The isometric loss of a representation that doubles every distance: with
// K = 1 each same-class pair costs (2d − d)² = d²; with K = 0.5 the doubled
// distances are scaled back and the loss vanishes. Points 0–2 are class 0 (a
// right triangle with legs 1), point 3 is alone in class 1, so the pairs are
// the triangle's six ordered ones: (1/N²)·2·(1 + 1 + 2) = 8/16.
func ExampleLoss() {
	x := tensor.FromSlice(4, 2, []float32{0, 0, 1, 0, 0, 1, 5, 5})
	phi := tensor.FromSlice(4, 2, []float32{0, 0, 2, 0, 0, 2, 10, 10})
	labels := []int{0, 0, 0, 1}
	groups := iso.Groups(nil, labels, iso.MaskClass)
	fmt.Println("blocks of G:", groups)
	for _, k := range []float64{1, 0.5} {
		l := iso.NewLoss(x, groups, k)
		fmt.Printf("K = %g: L_iso = %.4f\n", k, l.Eval(nil, phi, 1))
	}
	// Output:
	// blocks of G: [[0 1 2] [3]]
	// K = 1: L_iso = 0.5000
	// K = 0.5: L_iso = 0.0000
}

// WithinClass compares input and representation distances class by class:
// here the representation stretches class 0 by 2 (which K = 0.5 undoes) and
// scrambles class 1, whose input distances 1, 3, 2 become 5, 3, 2: by hand,
// r = −2/√(2·42/9) and stress = √(16/14).
func ExampleWithinClass() {
	x := tensor.FromSlice(6, 1, []float32{0, 1, 3, 10, 11, 13})
	phi := tensor.FromSlice(6, 1, []float32{0, 2, 6, 20, 30, 26})
	perClass, all := iso.WithinClass(x, phi, []int{0, 0, 0, 1, 1, 1}, 0.5, 0, 0)
	for _, c := range perClass {
		fmt.Printf("class %d: %d points, Pearson r %.3f, stress %.3f\n", c.Class, c.N, c.Pearson, c.Stress)
	}
	fmt.Printf("all: %d pairs, mean |ΔD| %.3f\n", all.Pairs, all.MeanAbsDiff)
	// Output:
	// class 0: 3 points, Pearson r 1.000, stress 0.000
	// class 1: 3 points, Pearson r -0.655, stress 1.069
	// all: 6 pairs, mean |ΔD| 0.667
}
