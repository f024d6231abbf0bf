package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"github.com/isonet/isonet/data"
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
	f := newTopologyFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	mf := f.model
	m, d, l, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	te := d.test
	files, err := f.checkFiles(m, te.NumClasses(), l)
	if err != nil {
		return err
	}
	mf.printNotes(ctx, stderr)
	k := isoScaleOr1(m)
	phi, err := m.Representation(te.X, l)
	if err != nil {
		return err
	}
	if err := outdir.Record(filepath.Dir(f.out), "files", files...); err != nil {
		return err
	}
	defer outdir.Forget(filepath.Dir(f.out), files...) // those not written, on failure or Ctrl-C
	rep := topologyReport{Model: mf.dir, Dataset: te.Name, Examples: te.Len(), Layer: l, LayerName: m.LayerName(l),
		K: k, MaxPoints: f.points, Seed: mf.seed, Options: f.options(), Data: mf.report}
	if err := f.compareClasses(ctx, &rep, te, phi); err != nil {
		return err
	}
	if err := model.WriteJSON(f.out+".json", rep); err != nil {
		return err
	}
	if f.asJSON {
		return writeJSON(stdout, rep)
	}
	f.print(stdout, &rep)
	return nil
}

// topologyFlags are topology's flags.
type topologyFlags struct {
	model            *modelFlags
	points           int
	threshold, scale float64
	long             float64
	asJSON           bool
	out              string
}

// newTopologyFlags registers topology's flags on fs.
func newTopologyFlags(fs *flag.FlagSet) *topologyFlags {
	f := &topologyFlags{model: newModelFlags(fs, "analysed", false, true)}
	fs.IntVar(&f.points, "points", 300, "at most N points per class (seeded subsample of the test split; at least 3)")
	fs.Float64Var(&f.threshold, "threshold", 0, "largest Rips edge, in input units (the layer's distances are multiplied by the iso scale K); 0 = each cloud's enclosing radius, which loses nothing")
	defaults := topology.DefaultCompareOptions()
	fs.Float64Var(&f.scale, "scale", defaults.ScaleFraction, "Betti numbers are taken at this fraction of each cloud's diameter")
	fs.Float64Var(&f.long, "long", defaults.LongFraction, "an H1 bar is a loop (long) when its persistence exceeds this fraction of its cloud's diameter")
	fs.BoolVar(&f.asJSON, "json", false, "print the JSON report to stdout instead of the text summary")
	fs.StringVar(&f.out, "out", "", "output base name: BASE.json and the diagrams BASE-classC-input.png/.svg and BASE-classC-layerL.png/.svg")
	return f
}

// check validates the flags that need no model.
func (f *topologyFlags) check() error {
	if err := f.model.required(); err != nil {
		return err
	}
	if f.out == "" {
		return fmt.Errorf("--out BASE is required")
	}
	if f.points < 3 || f.points > maxTopologyPoints {
		return fmt.Errorf("--points must be between 3 and %d (a loop needs 3 points), got %d", maxTopologyPoints, f.points)
	}
	if err := f.options().Validate(); err != nil {
		return fmt.Errorf("--threshold, --scale or --long: %w", err)
	}
	return nil
}

// options returns the comparison's options.
func (f *topologyFlags) options() topology.CompareOptions {
	return topology.CompareOptions{Threshold: f.threshold, ScaleFraction: f.scale, LongFraction: f.long}
}

// checkFiles returns the files written for --out (see topologyFiles),
// having checked that they may be written.
func (f *topologyFlags) checkFiles(m *model.Model, classes, l int) ([]string, error) {
	files := topologyFiles(f.out, classes, l)
	if err := outdir.CheckFiles("--out", f.out, files, modelInputs(f.model, m)...); err != nil {
		return nil, err
	}
	return files, nil
}

// isoScaleOr1 returns m's iso scale K, which multiplies the layer's
// distances, or 1 when it has none.
func isoScaleOr1(m *model.Model) float64 {
	k := m.IsoScale()
	if k == 0 {
		k = 1
	}
	return k
}

// topologyFiles returns the files written for base: BASE.json and two
// diagrams (PNG and SVG) per class, input and layer l.
func topologyFiles(base string, classes, l int) []string {
	files := []string{base + ".json"}
	for c := range classes {
		for _, f := range []string{"input", fmt.Sprintf("layer%d", l)} {
			files = append(files, withExts(fmt.Sprintf("%s-class%d-%s", base, c, f), ".png", ".svg")...)
		}
	}
	return files
}

// compareClasses fills rep.Classes: for each class of te, a seeded sample
// of its examples and, when there are at least 3, the comparison of their
// persistence in the input and in phi, with its diagrams.
func (f *topologyFlags) compareClasses(ctx context.Context, rep *topologyReport, te *data.Set, phi *tensor.Mat) error {
	rng := rand.New(rand.NewPCG(rep.Seed, rep.Seed^0x9e3779b97f4a7c15))
	y := te.Y()
	for c := range te.NumClasses() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ct := classTopology{Class: c, Name: te.ClassName(te.Levels()-1, c)}
		ct.Indices, ct.Examples = sampleTopologyClass(rng, y, c, f.points)
		if len(ct.Indices) >= 3 {
			if err := f.compareClass(ctx, &ct, rep, te.X, phi); err != nil {
				return err
			}
		}
		rep.Classes = append(rep.Classes, ct)
	}
	return nil
}

// sampleTopologyClass returns, ascending, the rows of y labelled c, at most n of
// them drawn with rng, and how many rows are labelled c.
func sampleTopologyClass(rng *rand.Rand, y []int, c, n int) (idx []int, examples int) {
	idx = []int{}
	for i, lab := range y {
		if lab == c {
			idx = append(idx, i)
		}
	}
	examples = len(idx)
	if len(idx) > n {
		perm := rng.Perm(len(idx))[:n]
		sel := make([]int, n)
		for j, p := range perm {
			sel[j] = idx[p]
		}
		slices.Sort(sel)
		idx = sel
	}
	return idx, examples
}

// compareClass compares the persistence of ct's rows of x and phi and
// draws the two diagrams.
func (f *topologyFlags) compareClass(ctx context.Context, ct *classTopology, rep *topologyReport, x, phi *tensor.Mat) error {
	cmp, err := interruptible(ctx, func() (*topology.Comparison, error) {
		return topology.Compare(rows(x, ct.Indices), rows(phi, ct.Indices), rep.K, rep.Options)
	})
	if err != nil && ctx.Err() != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("class %s: %w", ct.Name, err)
	}
	ct.Comparison = cmp
	stem := filepath.Base(f.out)
	ct.Figures = map[string]string{
		"input":          fmt.Sprintf("%s-class%d-input", stem, ct.Class),
		"representation": fmt.Sprintf("%s-class%d-layer%d", stem, ct.Class, rep.Layer),
	}
	return drawClassDiagrams(filepath.Dir(f.out), ct, rep)
}

// drawClassDiagrams draws ct's input and layer diagrams into dir.
func drawClassDiagrams(dir string, ct *classTopology, rep *topologyReport) error {
	cmp := ct.Comparison
	base := filepath.Join(dir, ct.Figures["input"])
	title := fmt.Sprintf("Class %s, input (%d points)", ct.Name, cmp.Points)
	if err := report.DrawDiagram(base, title, &cmp.Input.Diagram); err != nil {
		return err
	}
	base = filepath.Join(dir, ct.Figures["representation"])
	title = fmt.Sprintf("Class %s, %s", ct.Name, rep.LayerName)
	if rep.K != 1 {
		title = fmt.Sprintf("Class %s, %g × %s", ct.Name, rep.K, rep.LayerName)
	}
	return report.DrawDiagram(base, title, &cmp.Rep.Diagram)
}

// print prints rep as text.
func (f *topologyFlags) print(stdout io.Writer, rep *topologyReport) {
	fmt.Fprintf(stdout, "%s, layer %d (%s), K = %g: Vietoris–Rips persistence of up to %d test points per class\n", rep.Dataset, rep.Layer, rep.LayerName, rep.K, f.points)
	fmt.Fprintf(stdout, "Betti numbers at %g × each cloud's diameter; a long H1 bar persists over %g × its cloud's diameter\n", f.scale, f.long)
	fmt.Fprintf(stdout, "  %-22s %9s %4s %4s %7s %10s %10s\n", "", "diameter", "β0", "β1", "long H1", "longest H1", "2nd H1")
	for _, ct := range rep.Classes {
		printClassTopology(stdout, ct, rep.Layer)
	}
	fmt.Fprintf(stdout, "wrote %s.json and %d persistence diagrams\n", f.out, 2*countDiagrams(rep.Classes))
}

// printClassTopology prints one class of the text summary.
func printClassTopology(stdout io.Writer, ct classTopology, l int) {
	if ct.Comparison == nil {
		fmt.Fprintf(stdout, "  class %s: %d test examples, too few for a diagram\n", ct.Name, ct.Examples)
		return
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
