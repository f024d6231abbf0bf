package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/isonet/isonet/geometry"
)

// DrawEmbedding draws e coloured by class, with a legend, as base.png and
// base.svg. A 3-D embedding is drawn in perspective, as Scatter3D draws it,
// on axes x, y, z; for PCA each axis is first scaled to unit standard
// deviation (as the 2-D scatter stretches each axis to fill the plot), since
// the first principal axis often dwarfs the others.
func DrawEmbedding(base, title string, e *geometry.Embedding) error {
	axis := map[string]string{geometry.MethodUMAP: "UMAP", geometry.MethodPCA: "PC"}[e.Method]
	if e.Dims == 3 {
		pts := make([][3]float64, e.Y.Rows)
		for i := range pts {
			r := e.Y.Row(i)
			pts[i] = [3]float64{float64(r[0]), float64(r[1]), float64(r[2])}
		}
		if e.Method == geometry.MethodPCA {
			standardise(pts)
		}
		return Scatter3D(base, title, pts, e.Labels, e.ClassNames, -60, 25, WithLegendTitle("class"))
	}
	pts := make([][2]float64, e.Y.Rows)
	for i := range pts {
		r := e.Y.Row(i)
		pts[i] = [2]float64{float64(r[0]), float64(r[1])}
	}
	return Scatter(base, title, pts, e.Labels, e.ClassNames,
		WithAxisLabels(axis+" 1", axis+" 2"), WithLegendTitle("class"))
}

// standardise scales each coordinate of pts to unit standard deviation
// about its mean (a constant coordinate is left centred at 0).
func standardise(pts [][3]float64) {
	for d := range 3 {
		var m, s float64
		for _, p := range pts {
			m += p[d]
		}
		m /= float64(len(pts))
		for _, p := range pts {
			s += (p[d] - m) * (p[d] - m)
		}
		s = math.Sqrt(s / float64(len(pts)))
		for i := range pts {
			pts[i][d] -= m
			if s > 0 {
				pts[i][d] /= s
			}
		}
	}
}

// DrawWithin draws the paper's Fig. 2B for r: per class, the histograms of
// same-class input distances and of (K-scaled) representation distances,
// overlaid, as base.png and base.svg. Panels are titled with the class's
// entry in classNames (for example "class 3" or "ring A") and its Pearson r;
// repLabel names the representation (for example "layer 4").
func DrawWithin(base, title string, r *geometry.Result, classNames []string, repLabel string) error {
	var panels []HistPanel
	for _, c := range r.Within {
		if c.Pairs == 0 {
			continue
		}
		panels = append(panels, HistPanel{
			Title: fmt.Sprintf("%s: r = %s", className(classNames, c.Class), geometry.FormatR(c.Pearson)),
			A:     c.DIn, B: c.DRep,
			ALabel: "input", BLabel: repLabel,
		})
	}
	if len(panels) == 0 {
		return fmt.Errorf("%s: no class has two points", base)
	}
	return HistPairs(base, title, panels, histSize(len(panels))...)
}

// DrawBetween draws the between-class counterpart of DrawWithin: one panel
// per pair of classes when there are at most 10 pairs, else one per class
// pooling its pairs with every other class.
func DrawBetween(base, title string, r *geometry.Result, classNames []string, repLabel string) error {
	var panels []HistPanel
	if len(r.Between) <= 10 {
		for _, p := range r.Between {
			panels = append(panels, HistPanel{
				Title: fmt.Sprintf("%s vs %s: r = %s", className(classNames, p.ClassA), className(classNames, p.ClassB), geometry.FormatR(p.Pearson)),
				A:     p.DIn, B: p.DRep,
				ALabel: "input", BLabel: repLabel,
			})
		}
	} else {
		for _, w := range r.Within {
			var din, drep []float64
			for _, p := range r.Between {
				if p.ClassA == w.Class || p.ClassB == w.Class {
					din = append(din, p.DIn...)
					drep = append(drep, p.DRep...)
				}
			}
			panels = append(panels, HistPanel{
				Title: fmt.Sprintf("%s vs rest", className(classNames, w.Class)),
				A:     din, B: drep,
				ALabel: "input", BLabel: repLabel,
			})
		}
	}
	if len(panels) == 0 {
		return fmt.Errorf("%s: only one class, no between-class pairs", base)
	}
	return HistPairs(base, title, panels, histSize(len(panels))...)
}

// histSize widens a HistPairs figure of one panel so that its title fits
// (HistPairs lays out up to five panels a row, 3.2 × 2.6 inches each).
func histSize(panels int) []Option {
	if panels > 1 {
		return nil
	}
	return []Option{WithSize(5.5, 2.6+0.7)}
}

// className returns names[c], or c's number when names has no entry for it.
func className(names []string, c int) string {
	if c < len(names) {
		return names[c]
	}
	return strconv.Itoa(c)
}
