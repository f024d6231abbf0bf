package reproduce

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/isonet/isonet/experiment"
	"github.com/isonet/isonet/geometry"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/topology"
)

// TopologyOptions sets how CompareTopology summarises a persistence
// diagram. Both fractions are relative to each point cloud's own diameter,
// so the summaries do not depend on the scale of a layer.
type TopologyOptions struct {
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

// DefaultTopologyOptions returns Threshold 0 (the enclosing radius), the
// Betti numbers at 0.25 of the diameter and long H1 bars over 0.1 of it.
func DefaultTopologyOptions() TopologyOptions {
	return TopologyOptions{ScaleFraction: 0.25, LongFraction: 0.1}
}

// Validate checks the options.
func (o TopologyOptions) Validate() error {
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

// CloudTopology summarises the Vietoris–Rips persistence of one point
// cloud. Distances (Diameter, Threshold, Scale, persistences) are rounded
// to 4 decimals; the diagram's bars are not.
type CloudTopology struct {
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
	LongestH1 float64          `json:"longest_h1"`
	SecondH1  float64          `json:"second_h1"`
	Diagram   topology.Diagram `json:"diagram"`
}

// TopologyComparison compares one class's point cloud in the input with
// the same points in a representation.
type TopologyComparison struct {
	Points int `json:"points"`
	// K is the iso scale the representation distances were multiplied
	// by, so that both clouds are in input units.
	K     float64       `json:"iso_scale"`
	Input CloudTopology `json:"input"`
	Rep   CloudTopology `json:"representation"`
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

// CompareTopology computes the Vietoris–Rips persistence (H0 and H1) of the
// rows of x and of the rows of rep, whose distances are multiplied by k,
// and compares them. x and rep must have the same number of rows.
func CompareTopology(x, rep *tensor.Mat, k float64, o TopologyOptions) (*TopologyComparison, error) {
	if x.Rows != rep.Rows {
		panic(fmt.Sprintf("reproduce: CompareTopology: %d input rows, %d representation rows", x.Rows, rep.Rows))
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return nil, fmt.Errorf("topology: iso scale K = %g, need a finite number > 0", k)
	}
	in, err := cloudTopology(x, 1, o)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	out, err := cloudTopology(rep, k, o)
	if err != nil {
		return nil, fmt.Errorf("representation: %w", err)
	}
	c := &TopologyComparison{Points: x.Rows, K: k, Input: *in, Rep: *out, KeepsLoops: in.LongH1 == out.LongH1}
	c.BottleneckH0 = finiteR4(topology.Bottleneck(in.Diagram.H0, out.Diagram.H0))
	c.BottleneckH1 = finiteR4(topology.Bottleneck(in.Diagram.H1, out.Diagram.H1))
	return c, nil
}

func finiteR4(x float64) *float64 {
	if math.IsInf(x, 0) {
		return nil
	}
	v := R4(x)
	return &v
}

// pairDistances returns the Euclidean distances between the rows of x,
// times k, as an exactly symmetric matrix.
func pairDistances(x *tensor.Mat, k float64) ([][]float64, error) {
	n := x.Rows
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
	}
	for i := range n {
		xi := x.Row(i)
		for j := range i {
			xj := x.Row(j)
			var s float64
			for c, a := range xi {
				t := float64(a) - float64(xj[c])
				s += t * t
			}
			v := k * math.Sqrt(s)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("distance between points %d and %d is %v", j, i, v)
			}
			d[i][j], d[j][i] = v, v
		}
	}
	return d, nil
}

func cloudTopology(x *tensor.Mat, k float64, o TopologyOptions) (*CloudTopology, error) {
	d, err := pairDistances(x, k)
	if err != nil {
		return nil, err
	}
	diag, err := topology.RipsDistances(d, topology.Options{MaxDim: 1, Threshold: o.Threshold})
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
	c := &CloudTopology{Diameter: R4(diam), Threshold: R4(thr), Scale: R4(o.ScaleFraction * diam), Diagram: *diag}
	scale := o.ScaleFraction * diam
	c.Betti0 = topology.BettiAt(diag, 0, scale)
	c.Betti1 = topology.BettiAt(diag, 1, scale)
	var pers []float64
	for _, b := range diag.H1 {
		p := min(b.Death, thr) - b.Birth
		pers = append(pers, p)
		if p > o.LongFraction*diam {
			c.LongH1++
		}
	}
	for _, b := range topology.LongestBars(diag.H1, 2) {
		p := R4(min(b.Death, thr) - b.Birth)
		if c.LongestH1 == 0 {
			c.LongestH1 = p
		} else {
			c.SecondH1 = p
		}
	}
	return c, nil
}

// DrawDiagram draws d's H0 and H1 bars with report.PersistenceDiagram into
// base.png and base.svg.
func DrawDiagram(base, title string, d *topology.Diagram) error {
	dims := map[int][][2]float64{}
	for k, bars := range [][]topology.Bar{d.H0, d.H1} {
		for _, b := range bars {
			dims[k] = append(dims[k], [2]float64{b.Birth, b.Death})
		}
	}
	return report.PersistenceDiagram(base, title, dims)
}

// RingTopology is the persistence of one test ring in the input and in the
// last hidden layer of one model. The stored diagrams keep only their H1
// bars (the H0 bars are the single-linkage merge heights; their bottleneck
// distance is kept).
type RingTopology struct {
	Ring string `json:"ring"`
	TopologyComparison
	// KeepsLoop reports whether the representation keeps β₁ = 1: exactly
	// one long H1 bar.
	KeepsLoop bool `json:"keeps_loop"`
	// Figures maps "input" and "representation" to the diagrams' base
	// names (add .png or .svg), relative to the output folder.
	Figures map[string]string `json:"figures"`
}

// TopologyRun is the topology of the test rings for one trained model.
type TopologyRun struct {
	Beta      float64        `json:"beta"`
	Seed      uint64         `json:"seed"`
	Layer     int            `json:"layer"`
	LayerName string         `json:"layer_name"`
	Rings     []RingTopology `json:"per_ring"`
}

// TopologyResults is the persistent homology of the rings experiment.
type TopologyResults struct {
	Options  RingsOptions    `json:"options"`
	Topology TopologyOptions `json:"topology_options"`
	Runs     []TopologyRun   `json:"runs"`
	PerBeta  []BetaLoops     `json:"per_beta"`
}

// BetaLoops counts, for one β, the rings (over all seeds) whose last hidden
// layer keeps β₁ = 1.
type BetaLoops struct {
	Beta  float64 `json:"beta"`
	Rings int     `json:"rings"`
	Kept  int     `json:"kept"`
}

// ringsTopologyVersion changes when the topology phase's numbers or
// figures change, so that stored results are recomputed.
const ringsTopologyVersion = 1

// RingsTopology measures, for every β and seed of the rings experiment,
// the Vietoris–Rips persistence of each test ring (all its points) in the
// input and in the last hidden layer of the trained model (reused from the
// phase store, or trained), and draws the persistence diagrams into
// e.Dir/rings. Each model's measurement is a resumable phase named
// rings/beta=B/seed=S/topology.
func RingsTopology(ctx context.Context, e *Env, o RingsOptions) (*TopologyResults, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := e.Mkdir("rings"); err != nil {
		return nil, err
	}
	to := DefaultTopologyOptions()
	res := &TopologyResults{Options: o, Topology: to}
	perBeta := map[float64]int{} // β → index in res.PerBeta
	err := eachRingsModel(ctx, e, o, func(name string, tr Trained, spec experiment.Spec, beta float64, seed uint64) error {
		run, err := ringsTopologyPhase(ctx, e, name+"/topology", tr, spec, to, beta, seed)
		if err != nil {
			return err
		}
		res.Runs = append(res.Runs, run)
		k, ok := perBeta[beta]
		if !ok {
			k = len(res.PerBeta)
			perBeta[beta] = k
			res.PerBeta = append(res.PerBeta, BetaLoops{Beta: beta})
		}
		pb := &res.PerBeta[k]
		pb.Rings += len(run.Rings)
		for _, g := range run.Rings {
			if g.KeepsLoop {
				pb.Kept++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func ringsTopologyPhase(ctx context.Context, e *Env, name string, tr Trained, spec experiment.Spec, to TopologyOptions, beta float64, seed uint64) (TopologyRun, error) {
	settings := struct {
		Spec     experiment.Spec
		Topology TopologyOptions
		Version  int
	}{spec, to, ringsTopologyVersion}
	valid := func(r TopologyRun) bool {
		for _, g := range r.Rings {
			if !figuresExist(e.Dir, g.Figures["input"], g.Figures["representation"]) {
				return false
			}
		}
		return len(r.Rings) > 0
	}
	return Do(ctx, e, name, settings, valid, func(ctx context.Context) (TopologyRun, error) {
		m, err := model.Load(tr.Dir)
		if err != nil {
			return TopologyRun{}, err
		}
		_, te, err := e.Data(spec.Data)
		if err != nil {
			return TopologyRun{}, err
		}
		layer := spec.Train.IsoLayer // the last hidden layer
		run := TopologyRun{Beta: beta, Seed: seed, Layer: layer, LayerName: geometry.LayerName(m, layer)}
		phi, err := geometry.Representation(m, te.X, layer)
		if err != nil {
			return run, err
		}
		k := geometry.IsoScale(m)
		if k == 0 {
			k = 1
		}
		names := ringNames(te)
		y := te.Y()
		for c, rname := range names {
			if err := ctx.Err(); err != nil {
				return run, err
			}
			var idx []int
			for i, l := range y {
				if l == c {
					idx = append(idx, i)
				}
			}
			cmp, err := CompareTopology(pickRows(te.X, idx), pickRows(phi, idx), k, to)
			if err != nil {
				return run, fmt.Errorf("%s: %w", rname, err)
			}
			slug := strings.ReplaceAll(rname, " ", "-")
			g := RingTopology{Ring: rname, TopologyComparison: *cmp, KeepsLoop: cmp.Rep.LongH1 == 1, Figures: map[string]string{
				"input":          filepath.Join("rings", fmt.Sprintf("persistence-input-seed-%d-%s", seed, slug)),
				"representation": filepath.Join("rings", fmt.Sprintf("persistence-beta-%g-seed-%d-%s", beta, seed, slug)),
			}}
			title := fmt.Sprintf("%s, input (%d points)", rname, cmp.Points)
			if err := DrawDiagram(filepath.Join(e.Dir, g.Figures["input"]), title, &cmp.Input.Diagram); err != nil {
				return run, err
			}
			title = fmt.Sprintf("β = %g: %s, last hidden layer", beta, rname)
			if k != 1 {
				title += fmt.Sprintf(" × %g", k)
			}
			if err := DrawDiagram(filepath.Join(e.Dir, g.Figures["representation"]), title, &cmp.Rep.Diagram); err != nil {
				return run, err
			}
			g.Input.Diagram.H0, g.Rep.Diagram.H0 = nil, nil
			run.Rings = append(run.Rings, g)
		}
		return run, nil
	})
}

// pickRows returns the rows idx of x as a new matrix.
func pickRows(x *tensor.Mat, idx []int) *tensor.Mat {
	out := tensor.New(len(idx), x.Cols)
	for r, i := range idx {
		copy(out.Row(r), x.Row(i))
	}
	return out
}

// Markdown renders the topology summary: per β, seed and ring the two
// longest H1 persistences and the number of long H1 bars in the input and
// in the last hidden layer, whether β₁ = 1 is kept, the H1 bottleneck
// distance, a verdict per β, and the diagrams of the first seed.
func (r *TopologyResults) Markdown() string {
	var b strings.Builder
	if len(r.Runs) == 0 || len(r.Runs[0].Rings) == 0 {
		return "No rings topology was computed.\n"
	}
	first := r.Runs[0]
	fmt.Fprintf(&b, "Vietoris–Rips persistence of each test ring (%d points) in the input and in the last hidden layer (layer %d), distances of the layer multiplied by the iso scale K = %s so that both are in input units. ",
		first.Rings[0].Points, first.Layer, Num(first.Rings[0].K))
	fmt.Fprintf(&b, "An H1 bar counts as a loop (long) when its persistence exceeds %s × the cloud's own diameter; a ring keeps β₁ = 1 when its representation has exactly one long bar. ",
		Num(r.Topology.LongFraction))
	b.WriteString("Persistences are death − birth; the bottleneck distance is between the input's and the layer's H1 diagrams.\n\n")
	header := []string{"β", "seed", "ring", "input: diameter", "longest / second H1", "long bars", "hidden layer: diameter", "longest / second H1", "long bars", "keeps β₁ = 1", "bottleneck H1"}
	var rows [][]string
	for _, run := range r.Runs {
		for _, g := range run.Rings {
			bn := "∞"
			if g.BottleneckH1 != nil {
				bn = Num(*g.BottleneckH1)
			}
			keep := "no"
			if g.KeepsLoop {
				keep = "yes"
			}
			rows = append(rows, []string{Num(run.Beta), fmt.Sprint(run.Seed), g.Ring,
				Num(g.Input.Diameter), Num(g.Input.LongestH1) + " / " + Num(g.Input.SecondH1), fmt.Sprint(g.Input.LongH1),
				Num(g.Rep.Diameter), Num(g.Rep.LongestH1) + " / " + Num(g.Rep.SecondH1), fmt.Sprint(g.Rep.LongH1), keep, bn})
		}
	}
	b.WriteString(report.MarkdownTable(header, rows))
	b.WriteString("\n")
	for _, pb := range r.PerBeta {
		verdict := "every ring keeps its loop"
		switch {
		case pb.Kept == 0:
			verdict = "no ring keeps its loop"
		case pb.Kept < pb.Rings:
			verdict = "some rings lose their loop"
		}
		fmt.Fprintf(&b, "- β = %s: %s in the last hidden layer (%d of %d rings over all seeds).\n", Num(pb.Beta), verdict, pb.Kept, pb.Rings)
	}
	for _, run := range r.Runs {
		if run.Seed != first.Seed {
			continue
		}
		for _, g := range run.Rings {
			if run.Beta == r.Runs[0].Beta {
				fmt.Fprintf(&b, "\n![%s, input persistence](%s.png)\n", g.Ring, g.Figures["input"])
			}
			fmt.Fprintf(&b, "\n![β = %s, %s, hidden-layer persistence](%s.png)\n", Num(run.Beta), g.Ring, g.Figures["representation"])
		}
	}
	return b.String()
}
