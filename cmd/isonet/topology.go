package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/topology"
)

func init() {
	register(&command{name: "topology", summary: "persistent homology (H0, H1) of each class, input vs a layer", run: runTopology})
}

// maxTopologyPoints bounds --points: the distance matrix of a class holds
// N² numbers and the H1 reduction enumerates up to N³/6 triangles.
const maxTopologyPoints = 5000

// topologyReport is the content of BASE.json.
type topologyReport struct {
	Model     string `json:"model"`
	Dataset   string `json:"dataset"`
	Examples  int    `json:"examples"`
	Layer     int    `json:"layer"`
	LayerName string `json:"layer_name"`
	// K multiplies the layer's distances so that they are in input units.
	K         float64                 `json:"iso_scale"`
	MaxPoints int                     `json:"max_points_per_class"`
	Seed      uint64                  `json:"seed"`
	Options   topology.CompareOptions `json:"options"`
	Classes   []classTopology         `json:"classes"`
	Data      *dataReport             `json:"data"` // the data used, against the data the model was trained on
}

// classTopology is one class: which test examples were used and, when
// there were at least 3, the comparison of their persistence in the input
// and in the layer, with the figures' base names relative to BASE's folder.
type classTopology struct {
	Class    int    `json:"class"`
	Name     string `json:"name"`
	Examples int    `json:"examples"` // test examples of the class
	Indices  []int  `json:"indices"`  // the rows of the test set used, ascending
	*topology.Comparison
	Figures map[string]string `json:"figures,omitempty"`
}

func runTopology(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("topology", "--model DIR [--dataset D] [--layer L] [--points 300] [--threshold T] [--scale 0.25] [--long 0.1] [--seed S] [--json] --out BASE", stderr)
	mf := newModelFlags(fs, "analysed", false, true)
	points := fs.Int("points", 300, "at most N points per class (seeded subsample of the test split; at least 3)")
	threshold := fs.Float64("threshold", 0, "largest Rips edge, in input units (the layer's distances are multiplied by the iso scale K); 0 = each cloud's enclosing radius, which loses nothing")
	defaults := topology.DefaultCompareOptions()
	scale := fs.Float64("scale", defaults.ScaleFraction, "Betti numbers are taken at this fraction of each cloud's diameter")
	long := fs.Float64("long", defaults.LongFraction, "an H1 bar is a loop (long) when its persistence exceeds this fraction of its cloud's diameter")
	asJSON := fs.Bool("json", false, "print the JSON report to stdout instead of the text summary")
	out := fs.String("out", "", "output base name: BASE.json and the diagrams BASE-classC-input.png/.svg and BASE-classC-layerL.png/.svg")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := mf.required(); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out BASE is required")
	}
	if *points < 3 || *points > maxTopologyPoints {
		return fmt.Errorf("--points must be between 3 and %d (a loop needs 3 points), got %d", maxTopologyPoints, *points)
	}
	o := topology.CompareOptions{Threshold: *threshold, ScaleFraction: *scale, LongFraction: *long}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("--threshold, --scale or --long: %w", err)
	}
	m, d, l, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	// BASE.json and two diagrams (PNG and SVG) per class, only over files
	// isonet wrote.
	files := []string{*out + ".json"}
	for c := range d.test.NumClasses() {
		for _, f := range []string{"input", fmt.Sprintf("layer%d", l)} {
			files = append(files, withExts(fmt.Sprintf("%s-class%d-%s", *out, c, f), ".png", ".svg")...)
		}
	}
	if err := outdir.CheckFiles("--out", *out, files, modelInputs(mf, m)...); err != nil {
		return err
	}
	mf.printNotes(ctx, stderr)
	k := m.IsoScale()
	if k == 0 {
		k = 1
	}
	te := d.test
	phi, err := m.Representation(te.X, l)
	if err != nil {
		return err
	}
	if err := outdir.Record(filepath.Dir(*out), "files", files...); err != nil {
		return err
	}
	lname := m.LayerName(l)
	rep := topologyReport{Model: mf.dir, Dataset: te.Name, Examples: te.Len(), Layer: l, LayerName: lname,
		K: k, MaxPoints: *points, Seed: mf.seed, Options: o, Data: mf.report}
	rng := rand.New(rand.NewPCG(mf.seed, mf.seed^0x9e3779b97f4a7c15))
	y := te.Y()
	stem := filepath.Base(*out)
	for c := range te.NumClasses() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ct := classTopology{Class: c, Name: te.ClassName(te.Levels()-1, c), Indices: []int{}}
		for i, lab := range y {
			if lab == c {
				ct.Indices = append(ct.Indices, i)
			}
		}
		ct.Examples = len(ct.Indices)
		if len(ct.Indices) > *points {
			perm := rng.Perm(len(ct.Indices))[:*points]
			sel := make([]int, *points)
			for j, p := range perm {
				sel[j] = ct.Indices[p]
			}
			slices.Sort(sel)
			ct.Indices = sel
		}
		if len(ct.Indices) < 3 {
			rep.Classes = append(rep.Classes, ct)
			continue
		}
		cmp, err := interruptible(ctx, func() (*topology.Comparison, error) {
			return topology.Compare(rows(te.X, ct.Indices), rows(phi, ct.Indices), k, o)
		})
		if err != nil && ctx.Err() != nil {
			return err
		}
		if err != nil {
			return fmt.Errorf("class %s: %w", ct.Name, err)
		}
		ct.Comparison = cmp
		ct.Figures = map[string]string{
			"input":          fmt.Sprintf("%s-class%d-input", stem, c),
			"representation": fmt.Sprintf("%s-class%d-layer%d", stem, c, l),
		}
		base := filepath.Join(filepath.Dir(*out), ct.Figures["input"])
		title := fmt.Sprintf("Class %s, input (%d points)", ct.Name, cmp.Points)
		if err := report.DrawDiagram(base, title, &cmp.Input.Diagram); err != nil {
			return err
		}
		base = filepath.Join(filepath.Dir(*out), ct.Figures["representation"])
		title = fmt.Sprintf("Class %s, %s", ct.Name, lname)
		if k != 1 {
			title = fmt.Sprintf("Class %s, %g × %s", ct.Name, k, lname)
		}
		if err := report.DrawDiagram(base, title, &cmp.Rep.Diagram); err != nil {
			return err
		}
		rep.Classes = append(rep.Classes, ct)
	}
	if err := model.WriteJSON(*out+".json", rep); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "%s, layer %d (%s), K = %g: Vietoris–Rips persistence of up to %d test points per class\n", te.Name, l, lname, k, *points)
	fmt.Fprintf(stdout, "Betti numbers at %g × each cloud's diameter; a long H1 bar persists over %g × its cloud's diameter\n", *scale, *long)
	fmt.Fprintf(stdout, "  %-22s %9s %4s %4s %7s %10s %10s\n", "", "diameter", "β0", "β1", "long H1", "longest H1", "2nd H1")
	for _, ct := range rep.Classes {
		if ct.Comparison == nil {
			fmt.Fprintf(stdout, "  class %s: %d test examples, too few for a diagram\n", ct.Name, ct.Examples)
			continue
		}
		fmt.Fprintf(stdout, "  class %s (%d points)\n", ct.Name, ct.Points)
		for _, row := range []struct {
			name string
			c    topology.Cloud
		}{{"input", ct.Input}, {fmt.Sprintf("layer %d", l), ct.Rep}} {
			c := row.c
			fmt.Fprintf(stdout, "    %-20s %9.4f %4d %4d %7d %10.4f %10.4f\n", row.name, c.Diameter, c.Betti0, c.Betti1, c.LongH1, c.LongestH1, c.SecondH1)
		}
		kept := "no"
		if ct.KeepsLoops {
			kept = "yes"
		}
		fmt.Fprintf(stdout, "    bottleneck distance H0 %s, H1 %s; same number of long H1 bars: %s\n", fmtDist(ct.BottleneckH0), fmtDist(ct.BottleneckH1), kept)
	}
	fmt.Fprintf(stdout, "wrote %s.json and %d persistence diagrams\n", *out, 2*countDiagrams(rep.Classes))
	return nil
}

func fmtDist(p *float64) string {
	if p == nil {
		return "∞"
	}
	return fmt.Sprintf("%.4f", *p)
}

func countDiagrams(cs []classTopology) int {
	n := 0
	for _, c := range cs {
		if c.Comparison != nil {
			n++
		}
	}
	return n
}

// rows returns the rows idx of x as a new matrix.
func rows(x *tensor.Mat, idx []int) *tensor.Mat {
	out := tensor.New(len(idx), x.Cols)
	for r, i := range idx {
		copy(out.Row(r), x.Row(i))
	}
	return out
}
