package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/isonet/isonet/geometry"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
)

func init() {
	register(&command{name: "geometry", summary: "distance histograms, isometry and Lipschitz numbers of a layer", run: runGeometry})
}

// geometryReport is the content of geometry.json.
type geometryReport struct {
	Model     string            `json:"model"`
	Dataset   string            `json:"dataset"`
	Examples  int               `json:"examples"`
	Layer     int               `json:"layer"`
	LayerName string            `json:"layer_name"`
	Options   geometry.Options  `json:"options"`
	Result    *geometry.Result  `json:"result"`
	Figures   map[string]string `json:"figures"` // base names (PNG + SVG), relative to the output folder
	Data      *dataReport       `json:"data"`    // the data used, against the data the model was trained on
}

func runGeometry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("geometry", "--model DIR [--dataset D] [--layer L] [--neighbors 10] --out DIR", stderr)
	mf := newModelFlags(fs, "analysed", true, true)
	neighbors := fs.Int("neighbors", geometry.DefaultNeighbors, "nearest input neighbours per point for the Lipschitz ratios")
	maxPoints := fs.Int("max-points", geometry.DefaultMaxPoints, "points whose neighbourhoods enter the Lipschitz estimate (seeded subsample; -1 = all)")
	maxPerClass := fs.Int("max-per-class", geometry.DefaultMaxPerClass, "points per class for same-class distances (seeded subsample; -1 = all)")
	out := fs.String("out", "", "output folder: within_class.png/.svg, between_class.png/.svg, geometry.json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := mf.required(); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out DIR is required")
	}
	if *neighbors < 1 {
		return fmt.Errorf("--neighbors must be ≥ 1, got %d", *neighbors)
	}
	if *maxPoints == 0 || *maxPerClass == 0 {
		return fmt.Errorf("--max-points and --max-per-class must be ≥ 1 (or -1 for all)")
	}
	m, d, l, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	// Only geometry's own files are written into --out, and only over
	// files isonet wrote.
	files := []string{"within_class.png", "within_class.svg", "between_class.png", "between_class.svg", "geometry.json"}
	if err := outdir.CheckFolderFiles("--out", *out, files, modelInputs(mf, m)...); err != nil {
		return err
	}
	mf.printNotes(ctx, stderr)
	if n := d.test.Len(); *neighbors >= n {
		return fmt.Errorf("neighbors = %d must be below the number of points (%d)", *neighbors, n)
	}
	o := geometry.Options{Neighbors: *neighbors, MaxPoints: *maxPoints, MaxPerClass: *maxPerClass, Seed: mf.seed}
	res, err := interruptible(ctx, func() (*geometry.Result, error) { return geometry.AnalyzeLayer(m, d.test, l, o) })
	if err != nil {
		return err
	}
	o.K = res.K
	undo, err := newFolder(*out)
	if err != nil {
		return err
	}
	if err := outdir.Record(*out, "geometry", files...); err != nil {
		undo()
		return err
	}
	defer outdir.Forget(*out, files...) // those not written, on failure
	if err := writeGeometry(*out, m, d, l, o, res, mf.dir, mf.report, stdout); err != nil {
		undo()
		return err
	}
	return nil
}

// writeGeometry writes the figures and geometry.json into out and prints
// the summary.
func writeGeometry(out string, m *model.Model, d *dataPair, l int, o geometry.Options, res *geometry.Result, modelDir string, data *dataReport, stdout io.Writer) error {
	var names, panelNames []string
	for c := range d.test.NumClasses() {
		names = append(names, d.test.ClassName(d.test.Levels()-1, c))
		panelNames = append(panelNames, "class "+names[c])
	}
	lname := m.LayerName(l)
	rep := geometryReport{Model: modelDir, Dataset: d.test.Name, Examples: d.test.Len(), Layer: l, LayerName: lname,
		Options: o, Result: res, Figures: map[string]string{}, Data: data}
	repLabel := fmt.Sprintf("layer %d", l)
	if res.K != 1 {
		repLabel = fmt.Sprintf("%g × layer %d", res.K, l)
	}
	within := filepath.Join(out, "within_class")
	if err := report.DrawWithin(within, fmt.Sprintf("Same class: input vs %s", lname), res, panelNames, repLabel); err != nil {
		return err
	}
	rep.Figures["within_class"] = "within_class"
	if len(res.Between) > 0 {
		between := filepath.Join(out, "between_class")
		if err := report.DrawBetween(between, fmt.Sprintf("Between classes: input vs %s", lname), res, panelNames, repLabel); err != nil {
			return err
		}
		rep.Figures["between_class"] = "between_class"
	}
	if err := model.WriteJSON(filepath.Join(out, "geometry.json"), rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s, layer %d (%s), K = %g, %d examples\n", d.test.Name, l, lname, res.K, d.test.Len())
	fmt.Fprintf(stdout, "  %-14s %8s %10s %12s %8s\n", "same class", "pairs", "pearson_r", "mean|ΔD|", "stress")
	line := func(name string, a iso.Agreement, why string) {
		if why != "" {
			fmt.Fprintf(stdout, "  %-14s %8d undefined (%s)\n", name, a.Pairs, why)
			return
		}
		fmt.Fprintf(stdout, "  %-14s %8d %10.4f %12.4g %8.4f\n", name, a.Pairs, a.Pearson, a.MeanAbsDiff, a.Stress)
	}
	for _, c := range res.Within {
		why := c.Why()
		if why != "" {
			why = fmt.Sprintf("class %s has %d test point", names[c.Class], c.N)
			if c.N != 1 {
				why += "s"
			}
			if c.N >= 3 {
				why = c.Agreement.Why()
			}
		}
		line(names[c.Class], c.Agreement, why)
	}
	line("all", res.WithinAll, res.WithinAll.Why())
	line("between", res.BetweenAll, res.BetweenAll.Why())
	lp := res.Lipschitz
	if lp.Pairs == 0 {
		fmt.Fprintf(stdout, "local Lipschitz (%d points × %d neighbours): undefined (no neighbour pairs at a nonzero input distance)\n", lp.Points, lp.Neighbors)
	} else {
		fmt.Fprintf(stdout, "local Lipschitz (%d points × %d neighbours): median %.4g, 90%% %.4g, 99%% %.4g, max %.4g\n",
			lp.Points, lp.Neighbors, lp.P50, lp.P90, lp.P99, lp.Max)
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(out, "geometry.json"))
	return nil
}
