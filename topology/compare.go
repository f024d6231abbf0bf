package topology

import (
	"fmt"
	"math"

	"github.com/isonet/isonet/tensor"
)

// This file compares the persistent homology of one point cloud in two
// spaces — a class's points in a network's input and in one of its layers —
// by Vietoris–Rips persistence (H0 and H1) summarised relative to each
// cloud's own diameter.

// CompareOptions sets how Compare summarises a persistence
// diagram. Both fractions are relative to each point cloud's own diameter,
// so the summaries do not depend on the scale of a layer.
type CompareOptions struct {
	// Threshold is the largest edge of the Vietoris–Rips complexes, in
	// input units (representation distances are multiplied by the iso
	// scale K first). 0 means each cloud's enclosing radius, beyond which
	// no loop survives, so nothing is lost.
	Threshold float64 `json:"threshold"`
	// ScaleFraction sets the scale of the Betti numbers: β₀ and β₁ of the
	// Rips complex at ScaleFraction × the cloud's diameter. The default
	// 0.25 lies in the middle of a round loop's life, which runs from the
	// widest gap of the sample to about 0.87 × the diameter: a ring of 500
	// or 200 random points has gaps up to about 0.1 of its diameter, so at
	// 0.1 a sparse sample can still be a broken ring (β₁ = 0), while at
	// 0.25 it reads β₀ = β₁ = 1.
	ScaleFraction float64 `json:"scale_fraction"`
	// LongFraction sets which H1 bars count as loops: those whose
	// persistence exceeds LongFraction × the cloud's diameter.
	//
	// Why relative to the diameter, and why 0.1 by default: by the
	// stability theorem for Rips filtrations (bottleneck distance ≤ 2 ×
	// the Gromov–Hausdorff distance), a sample within Hausdorff distance h
	// of a shape has every H1 bar the shape lacks at persistence ≤ 4h.
	// With 0.1, a bar is taken as a real loop when the sample is within
	// 2.5% of its diameter of the underlying shape (for a ring of
	// diameter 2 sampled by 300–500 points with σ = 0.01 noise, h is about
	// 0.02, a quarter of the bound), while a round loop persists for about
	// 0.87 of its diameter (from the spacing to the side √3·r of the
	// inscribed equilateral triangle). A rule relative to the longest bar
	// (say, > 25% of it) would always find at least one loop, even in a
	// filled disk whose bars are all noise, so it cannot tell a loop
	// from none.
	LongFraction float64 `json:"long_fraction"`
}

// DefaultCompareOptions returns Threshold 0 (the enclosing radius), the
// Betti numbers at 0.25 of the diameter and long H1 bars over 0.1 of it.
func DefaultCompareOptions() CompareOptions {
	return CompareOptions{ScaleFraction: 0.25, LongFraction: 0.1}
}

// Validate checks the options.
func (o CompareOptions) Validate() error {
	if !(o.Threshold >= 0) || math.IsInf(o.Threshold, 0) {
		return fmt.Errorf("topology: threshold must be a finite number ≥ 0 (0 = enclosing radius), got %g", o.Threshold)
	}
	if !(o.ScaleFraction > 0 && o.ScaleFraction <= 1) {
		return fmt.Errorf("topology: scale fraction must be in (0, 1], got %g", o.ScaleFraction)
	}
	if !(o.LongFraction > 0 && o.LongFraction <= 1) {
		return fmt.Errorf("topology: long-bar fraction must be in (0, 1], got %g", o.LongFraction)
	}
	return nil
}

// Cloud summarises the Vietoris–Rips persistence of one point
// cloud. Distances (Diameter, Threshold, Scale, persistences) are rounded
// to 4 decimals; the diagram's bars are not.
type Cloud struct {
	// Diameter is the largest distance between two points.
	Diameter float64 `json:"diameter"`
	// Threshold is the largest edge of the complex that was computed.
	Threshold float64 `json:"threshold"`
	// Scale is ScaleFraction × Diameter, where Betti0 and Betti1 are taken.
	Scale  float64 `json:"scale"`
	Betti0 int     `json:"betti0"`
	Betti1 int     `json:"betti1"`
	// LongH1 counts the H1 bars longer than LongFraction × Diameter.
	LongH1 int `json:"long_h1"`
	// LongestH1 and SecondH1 are the two largest H1 persistences (0 when
	// there are fewer bars); a bar still open at the threshold counts up
	// to the threshold.
	LongestH1 float64 `json:"longest_h1"`
	SecondH1  float64 `json:"second_h1"`
	Diagram   Diagram `json:"diagram"`
}

// Comparison compares one class's point cloud in the input with
// the same points in a representation.
type Comparison struct {
	Points int `json:"points"`
	// K is the iso scale the representation distances were multiplied
	// by, so that both clouds are in input units.
	K     float64 `json:"iso_scale"`
	Input Cloud   `json:"input"`
	Rep   Cloud   `json:"representation"`
	// BottleneckH0 and BottleneckH1 are the bottleneck distances between
	// the input's and the representation's diagrams, in input units,
	// rounded to 4 decimals; null (nil) when infinite, which happens only
	// when a threshold leaves the two with different numbers of essential
	// classes.
	BottleneckH0 *float64 `json:"bottleneck_h0"`
	BottleneckH1 *float64 `json:"bottleneck_h1"`
	// KeepsLoops reports whether the representation has as many long H1
	// bars as the input.
	KeepsLoops bool `json:"keeps_loops"`
}

// Compare computes the Vietoris–Rips persistence (H0 and H1) of the
// rows of x and of the rows of rep, whose distances are multiplied by k,
// and compares them. x and rep must have the same number of rows.
func Compare(x, rep *tensor.Mat, k float64, o CompareOptions) (*Comparison, error) {
	if x.Rows != rep.Rows {
		panic(fmt.Sprintf("topology: Compare: %d input rows, %d representation rows", x.Rows, rep.Rows))
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return nil, fmt.Errorf("topology: iso scale K = %g, need a finite number > 0", k)
	}
	in, err := cloud(x, 1, o)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	out, err := cloud(rep, k, o)
	if err != nil {
		return nil, fmt.Errorf("representation: %w", err)
	}
	c := &Comparison{Points: x.Rows, K: k, Input: *in, Rep: *out, KeepsLoops: in.LongH1 == out.LongH1}
	c.BottleneckH0 = finiteRound4(Bottleneck(in.Diagram.H0, out.Diagram.H0))
	c.BottleneckH1 = finiteRound4(Bottleneck(in.Diagram.H1, out.Diagram.H1))
	return c, nil
}

func finiteRound4(x float64) *float64 {
	if math.IsInf(x, 0) {
		return nil
	}
	v := round4(x)
	return &v
}

// pairDistances returns the Euclidean distances between the rows of x,
// times k, as an exactly symmetric matrix.
func pairDistances(x *tensor.Mat, k float64) ([][]float64, error) {
	n := x.Rows
	dist := tensor.Distances(x)
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
	}
	for i := range n {
		for j := range i {
			v := k * dist[i*n+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("distance between points %d and %d is %v", j, i, v)
			}
			d[i][j], d[j][i] = v, v
		}
	}
	return d, nil
}

func cloud(x *tensor.Mat, k float64, o CompareOptions) (*Cloud, error) {
	d, err := pairDistances(x, k)
	if err != nil {
		return nil, err
	}
	diag, err := RipsDistances(d, Options{MaxDim: 1, Threshold: o.Threshold})
	if err != nil {
		return nil, err
	}
	diam, enclosing := 0.0, math.Inf(1)
	for _, row := range d {
		m := 0.0
		for _, v := range row {
			m = max(m, v)
		}
		diam, enclosing = max(diam, m), min(enclosing, m)
	}
	thr := o.Threshold
	if thr == 0 {
		thr = enclosing
	}
	c := &Cloud{Diameter: round4(diam), Threshold: round4(thr), Scale: round4(o.ScaleFraction * diam), Diagram: *diag}
	scale := o.ScaleFraction * diam
	c.Betti0 = BettiAt(diag, 0, scale)
	c.Betti1 = BettiAt(diag, 1, scale)
	var pers []float64
	for _, b := range diag.H1 {
		p := min(b.Death, thr) - b.Birth
		pers = append(pers, p)
		if p > o.LongFraction*diam {
			c.LongH1++
		}
	}
	for _, b := range LongestBars(diag.H1, 2) {
		p := round4(min(b.Death, thr) - b.Birth)
		if c.LongestH1 == 0 {
			c.LongestH1 = p
		} else {
			c.SecondH1 = p
		}
	}
	return c, nil
}

// round4 rounds x to 4 decimals, as the reports print numbers.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
