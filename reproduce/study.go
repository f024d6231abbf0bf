package reproduce

import (
	"context"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isonet/isonet/attack"
	"github.com/isonet/isonet/internal/phase"
	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/report"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/train"
)

// IsometryPerClass bounds the test points per class whose pairwise
// distances enter the within-class isometry (300 points: 44,850 pairs).
const IsometryPerClass = 300

// ClassIsometry is the agreement of same-class input distances with
// (K-scaled) iso-layer distances for one class.
type ClassIsometry struct {
	Class   int     `json:"class"`
	Pairs   int     `json:"pairs"`
	Pearson float64 `json:"pearson_r"`
}

// MNISTIsometry is the within-class isometry of one model's iso layer on
// the test set: Pearson r of input against representation distances, per
// class and over all classes' pairs pooled.
type MNISTIsometry struct {
	Protocol string          `json:"protocol"`
	Beta     float64         `json:"beta"`
	Seed     uint64          `json:"seed"`
	Layer    int             `json:"layer"`
	K        float64         `json:"iso_scale"`
	Classes  []ClassIsometry `json:"classes"`
	Pooled   float64         `json:"pooled_pearson_r"`
	Mean     float64         `json:"mean_pearson_r"` // mean of the per-class r
	Worst    float64         `json:"worst_pearson_r"`
}

// isometryPhase declares the within-class isometry of a study model's
// iso layer (trained by prefix/train, name being prefix/isometry).
func isometryPhase(e *Env, name string, spec train.Spec, proto string, beta float64, seed uint64) phase.Phase {
	settings := struct {
		Spec     train.Spec
		PerClass int
	}{spec, IsometryPerClass}
	trainName := path.Dir(name) + "/train"
	return phase.Of(name, settings, []string{trainName}, nil, func(ctx context.Context, in *phase.Inputs) (MNISTIsometry, error) {
		tr, err := phase.Input[Trained](in, trainName)
		if err != nil {
			return MNISTIsometry{}, err
		}
		m, err := model.Load(in.Path(tr.Dir))
		if err != nil {
			return MNISTIsometry{}, err
		}
		te, err := e.testData(spec.Data)
		if err != nil {
			return MNISTIsometry{}, err
		}
		layer := m.IsoLayer()
		phi, err := m.Representation(te.X, layer)
		if err != nil {
			return MNISTIsometry{}, err
		}
		per, all := iso.WithinClass(te.X, phi, te.Y(), m.IsoScale(), IsometryPerClass, seed)
		return newIsometry(proto, beta, seed, layer, m.IsoScale(), per, all), nil
	})
}

// newIsometry rounds Pearson r to 4 decimals, as the report prints it.
func newIsometry(proto string, beta float64, seed uint64, layer int, k float64, per []iso.ClassDistances, all iso.Agreement) MNISTIsometry {
	r := MNISTIsometry{Protocol: proto, Beta: beta, Seed: seed, Layer: layer, K: k, Pooled: r4(all.Pearson), Worst: 1}
	var sum float64
	for _, c := range per {
		p := r4(c.Pearson)
		if math.IsNaN(p) {
			p = 0
		}
		r.Classes = append(r.Classes, ClassIsometry{Class: c.Class, Pairs: c.Pairs, Pearson: p})
		sum += p
		r.Worst = min(r.Worst, p)
	}
	if len(per) > 0 {
		r.Mean = r4(sum / float64(len(per)))
	}
	if math.IsNaN(r.Pooled) {
		r.Pooled = 0
	}
	return r
}

// IsometryRow is one protocol's within-class isometry at one β over seeds.
type IsometryRow struct {
	Protocol string  `json:"protocol"`
	Beta     float64 `json:"beta"`
	Mean     Stat    `json:"mean_pearson_r"`
	Worst    Stat    `json:"worst_pearson_r"`
	PerClass []Stat  `json:"per_class_pearson_r"` // by class index
}

// isometryRows averages the isometry over seeds per protocol and β.
func (r *MNISTResults) isometryRows() []IsometryRow {
	var rows []IsometryRow
	for _, proto := range r.Options.Protocols {
		for _, b := range r.Options.Betas {
			var sel []MNISTIsometry
			for _, m := range r.Isometry {
				if m.Protocol == proto && m.Beta == b {
					sel = append(sel, m)
				}
			}
			if len(sel) == 0 {
				continue
			}
			row := IsometryRow{Protocol: proto, Beta: b}
			var mean, worst []float64
			for _, m := range sel {
				mean, worst = append(mean, m.Mean), append(worst, m.Worst)
			}
			row.Mean, row.Worst = newStat(mean), newStat(worst)
			for i := range sel[0].Classes {
				var v []float64
				for _, m := range sel {
					if i < len(m.Classes) {
						v = append(v, m.Classes[i].Pearson)
					}
				}
				row.PerClass = append(row.PerClass, newStat(v))
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// MostIsometric returns the β > 0 of the standard protocol whose iso layer
// has the highest mean within-class Pearson r (the first β when none has
// been measured).
func (s *MNISTSummary) MostIsometric() float64 {
	best, found := 0.0, false
	var bestR float64
	for _, row := range s.Isometry {
		if row.Protocol != Standard || row.Beta == 0 {
			continue
		}
		if !found || row.Mean.Mean > bestR {
			best, bestR, found = row.Beta, row.Mean.Mean, true
		}
	}
	return best
}

// GridImages is the number of test images in the report's image grid: the
// first test image of each class, up to this many.
const GridImages = 10

// GridRow is one row of the image grid: the test images attacked (or not,
// Beta < 0) and what a model predicts.
type GridRow struct {
	Beta    float64     `json:"beta"` // -1: the clean images with their labels
	Pred    []int       `json:"predicted"`
	Correct int         `json:"correct"`
	Pixels  [][]float32 `json:"pixels,omitempty"` // stored in the phase, dropped from results.json
}

// Grid is the report's opening picture: test images with their labels and,
// for β = 0 and the most isometric β, the same images after PGD at the
// study's key budget with the label each model predicts.
type Grid struct {
	Eps     float64   `json:"eps"`
	Index   []int     `json:"test_index"`
	Labels  []int     `json:"labels"`
	Rows    []GridRow `json:"rows"`
	Figure  string    `json:"figure"` // path relative to the output folder, without .png/.svg
	Classes []string  `json:"classes"`
}

// gridRowPhase attacks the first test image of each class with PGD at the
// study's key budget (step ε/4, 10 steps, as the budgets of the side-by-side
// table) on one standard-protocol model. It is a phase of the model's own
// group (NAME/grid beside NAME/train), so a shard that trains the model
// also draws its row and --merge finds every row stored. The clean row
// (Beta < 0) comes first.
func gridRowPhase(e *Env, name string, spec train.Spec, o MNISTOptions, beta float64, seed uint64) phase.Phase {
	st := o.Info()
	settings := struct {
		Spec train.Spec
		Eps  float64
		N    int
	}{spec, st.KeyEps, GridImages}
	trainName := path.Dir(name) + "/train"
	return phase.Of(name, settings, []string{trainName}, nil, func(ctx context.Context, in *phase.Inputs) (Grid, error) {
		tr, err := phase.Input[Trained](in, trainName)
		if err != nil {
			return Grid{}, err
		}
		te, err := e.testData(spec.Data)
		if err != nil {
			return Grid{}, err
		}
		g := Grid{Eps: st.KeyEps}
		seen := map[int]bool{}
		y := te.Y()
		for i := 0; i < len(y) && len(g.Index) < GridImages; i++ {
			if !seen[y[i]] {
				seen[y[i]] = true
				g.Index = append(g.Index, i)
			}
		}
		slices.SortFunc(g.Index, func(a, b int) int { return y[a] - y[b] })
		x := tensor.Gather(nil, te.X, g.Index)
		for _, i := range g.Index {
			g.Labels = append(g.Labels, y[i])
		}
		clean := GridRow{Beta: -1, Pred: g.Labels, Correct: len(g.Labels)}
		for i := range g.Index {
			clean.Pixels = append(clean.Pixels, slices.Clone(x.Row(i)))
		}
		m, err := model.Load(in.Path(tr.Dir))
		if err != nil {
			return g, err
		}
		am := train.NewAttackModel(m.Net(), train.CrossEntropy())
		cfg := attack.Config{Attack: attack.AttackPGD, Norm: attack.NormInf, Eps: st.KeyEps, Step: st.KeyEps / 4, Steps: 10, Seed: seed}
		var adv, logits tensor.Mat
		attack.PGD(&adv, am, x, g.Labels, cfg)
		am.Logits(&logits, &adv)
		row := GridRow{Beta: beta}
		for i := range g.Index {
			p := argmaxRow(logits.Row(i))
			row.Pred = append(row.Pred, p)
			if p == g.Labels[i] {
				row.Correct++
			}
			row.Pixels = append(row.Pixels, slices.Clone(adv.Row(i)))
		}
		g.Rows = []GridRow{clean, row}
		return g, nil
	})
}

// DrawGrid assembles the report's image grid from the stored grid rows of
// the first seed's standard-protocol models: the clean images, then β = 0
// and the most isometric β, and draws it into the study's folder. It
// returns nil where the run has no such models.
func DrawGrid(e *Env, o MNISTOptions, res *MNISTResults, sum *MNISTSummary) (*Grid, error) {
	st := o.Info()
	row := func(b float64) *Grid {
		for i := range res.Grids {
			if res.Grids[i].Rows[1].Beta == b {
				return &res.Grids[i]
			}
		}
		return nil
	}
	betas := []float64{0, sum.MostIsometric()}
	if betas[1] == 0 {
		betas = betas[:1]
	}
	var g Grid
	for _, b := range betas {
		r := row(b)
		if r == nil {
			return nil, nil // no standard-protocol model at this β: no grid
		}
		if g.Rows == nil {
			g = Grid{Eps: r.Eps, Index: r.Index, Labels: r.Labels, Rows: []GridRow{r.Rows[0]}}
		}
		g.Rows = append(g.Rows, r.Rows[1])
	}
	g.Classes = st.Classes
	g.Figure = filepath.Join(st.Name, "image-grid")
	if err := g.Draw(filepath.Join(e.Dir, g.Figure), st.Title); err != nil {
		return nil, err
	}
	for i := range g.Rows {
		g.Rows[i].Pixels = nil
	}
	return &g, nil
}

func argmaxRow(z []float32) int {
	best := 0
	for i, v := range z {
		if v > z[best] {
			best = i
		}
	}
	return best
}

// className names class c (its number when the study has no name for it).
func (g *Grid) className(c int) string {
	if c >= 0 && c < len(g.Classes) {
		return g.Classes[c]
	}
	return fmt.Sprint(c)
}

// RowTitle describes a grid row.
func (g *Grid) RowTitle(r GridRow) string {
	if r.Beta < 0 {
		return "test images, true label"
	}
	return fmt.Sprintf("β = %s after PGD ε = %s: predicted label (%d of %d right)", num(r.Beta), num(g.Eps), r.Correct, len(r.Pred))
}

// Draw writes base.png and base.svg.
func (g *Grid) Draw(base, title string) error {
	cells := make([][]report.ImageCell, len(g.Rows))
	var titles []string
	for i, r := range g.Rows {
		titles = append(titles, g.RowTitle(r))
		for j, px := range r.Pixels {
			cells[i] = append(cells[i], report.ImageCell{Pixels: px, Caption: g.className(r.Pred[j]), Wrong: r.Pred[j] != g.Labels[j]})
		}
	}
	return report.ImageGrid(base, title+" test images and PGD adversarials", titles, cells)
}

// Markdown describes the grid below its picture.
func (g *Grid) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "![image grid](%s.png)\n\n", g.Figure)
	fmt.Fprintf(&b, "The first test image of each class (top row, true label). Below, the same images after PGD at ε = %s (L∞, step ε/4, 10 steps, on the cross-entropy) against the standard protocol's model, with the label it predicts (red: wrong):\n\n", num(g.Eps))
	for _, r := range g.Rows[1:] {
		fmt.Fprintf(&b, "- %s\n", g.RowTitle(r))
	}
	return b.String()
}
