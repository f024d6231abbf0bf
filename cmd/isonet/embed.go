package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/isonet/isonet/geometry"
	"github.com/isonet/isonet/internal/outdir"
	"github.com/isonet/isonet/report"
)

func init() {
	register(&command{name: "embed", summary: "picture a layer in 2-D or 3-D (UMAP or PCA), coloured by class", run: runEmbed})
}

func runEmbed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("embed", "--model DIR [--dataset D] [--layer L] [--method umap|pca] [--neighbors 40 --min-dist 0.25 --dims 2] [--points N] [--seed S] --out BASE", stderr)
	mf := newModelFlags(fs, "embedded", false, true)
	method := fs.String("method", geometry.MethodUMAP, "embedding: umap or pca")
	neighbors := fs.Int("neighbors", geometry.PaperNeighbors, "UMAP n_neighbors (counting the point itself)")
	minDist := fs.Float64("min-dist", geometry.PaperMinDist, "UMAP min_dist")
	dims := fs.Int("dims", 2, "dimensions of the picture: 2 or 3")
	points := fs.Int("points", 0, "embed a seeded random subsample of N test points (0 = all)")
	out := fs.String("out", "", "output base name: writes BASE.png, BASE.svg and BASE.csv")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := mf.required(); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out BASE is required")
	}
	o := geometry.EmbedOptions{Method: *method, Neighbors: *neighbors, MinDist: *minDist, Dims: *dims, Points: *points, Seed: mf.seed}
	// Options that are wrong whatever the data: fail before loading it.
	if err := geometry.CheckEmbedOptions(o, 1<<30); err != nil {
		return err
	}
	m, d, l, err := mf.loadContext(ctx)
	if err != nil {
		return err
	}
	files := withExts(*out, ".png", ".svg", ".csv")
	if err := outdir.CheckFiles("--out", *out, files, modelInputs(mf, m)...); err != nil {
		return err
	}
	mf.printNotes(ctx, stderr)
	n := d.test.Len()
	if *points > 0 {
		n = min(n, *points)
	}
	if err := geometry.CheckEmbedOptions(o, n); err != nil {
		return err
	}
	e, err := interruptible(ctx, func() (*geometry.Embedding, error) { return geometry.EmbedLayerContext(ctx, m, d.test, l, o) })
	if err != nil {
		return err
	}
	if err := outdir.Record(filepath.Dir(*out), "files", files...); err != nil {
		return err
	}
	defer outdir.Forget(filepath.Dir(*out), files...) // those not written, on failure
	title := fmt.Sprintf("%s of %s, %s (%d points)", map[string]string{"umap": "UMAP", "pca": "PCA"}[e.Method], m.LayerName(l), d.test.Name, e.Y.Rows)
	if e.Dims == 3 && e.Method == geometry.MethodPCA {
		title = fmt.Sprintf("PCA of %s (axes scaled), %s", m.LayerName(l), d.test.Name)
	}
	if err := report.DrawEmbedding(*out, title, e); err != nil {
		return err
	}
	if err := e.WriteCSV(*out + ".csv"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d points of layer %d (%s) → %d-D", e.Method, e.Y.Rows, l, m.LayerName(l), e.Dims)
	if e.UMAP != nil {
		fmt.Fprintf(stdout, ", %s init, %s kNN", e.UMAP.Init, e.UMAP.KNNMethod)
	}
	fmt.Fprintf(stdout, "\ntrustworthiness(k=%d) %.4f, %d-NN label accuracy %.4f\nwrote %s.png, %s.svg, %s.csv\n",
		e.QualityK, e.Trustworthiness, e.QualityK, e.KNNAccuracy, *out, *out, *out)
	return nil
}
