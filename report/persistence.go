package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"github.com/isonet/isonet/topology"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PersistenceDiagram draws a persistence diagram: for each homology
// dimension k (the map key), its (birth, death) pairs as points labelled
// "Hk" in the legend, with the diagonal death = birth, and writes base.png
// and base.svg, 5.5 × 5 inches by default. A death of +Inf (a class that
// never dies) is drawn on a dashed line at the top marked "∞". The axes
// read "birth" and "death" unless set with WithAxisLabels. Errors: no pairs
// at all, a negative dimension, a birth that is not finite, a NaN or −Inf
// death, or a death before its birth.
func PersistenceDiagram(base, title string, dims map[int][][2]float64, opts ...Option) error {
	cfg := newConfig(5.5, 5, opts)
	if cfg.xlabel == "" && cfg.ylabel == "" {
		cfg.xlabel, cfg.ylabel = "birth", "death"
	}
	keys := make([]int, 0, len(dims))
	total := 0
	var finite []float64
	anyInf := false
	for k, pairs := range dims {
		if k < 0 {
			return fmt.Errorf("report: %s: negative homology dimension %d", base, k)
		}
		keys = append(keys, k)
		total += len(pairs)
		for i, bd := range pairs {
			b, d := bd[0], bd[1]
			switch {
			case math.IsNaN(b) || math.IsInf(b, 0):
				return fmt.Errorf("report: %s: H%d pair %d: birth is %v", base, k, i, b)
			case math.IsNaN(d) || math.IsInf(d, -1):
				return fmt.Errorf("report: %s: H%d pair %d: death is %v", base, k, i, d)
			case d < b:
				return fmt.Errorf("report: %s: H%d pair %d: death %g is before birth %g", base, k, i, d, b)
			}
			finite = append(finite, b)
			if math.IsInf(d, 1) {
				anyInf = true
			} else {
				finite = append(finite, d)
			}
		}
	}
	if total == 0 {
		return fmt.Errorf("report: %s: no persistence pairs to draw", base)
	}
	sort.Ints(keys)

	lo, hi := span(0, finite)
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	pad := 0.05 * (hi - lo)
	infY := hi + 2*pad
	top := hi + pad
	if anyInf {
		top = infY + pad
	}

	p := newPlot(title, cfg.xlabel, cfg.ylabel)
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.Y.Min, p.Y.Max = lo-pad, top
	p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for _, t := range (niceTicks{}).Ticks(min, hi+pad) {
			if t.Value <= hi+pad {
				ts = append(ts, t)
			}
		}
		if anyInf {
			ts = append(ts, plot.Tick{Value: infY, Label: "∞"})
		}
		return ts
	})
	p.Add(grid{})
	diag, _ := plotter.NewLine(plotter.XYs{{X: lo - pad, Y: lo - pad}, {X: hi + pad, Y: hi + pad}})
	diag.Color = color.Gray{0x80}
	diag.Width = vg.Points(1)
	p.Add(diag)
	if anyInf {
		inf, _ := plotter.NewLine(plotter.XYs{{X: lo - pad, Y: infY}, {X: hi + pad, Y: infY}})
		inf.Color = color.Gray{0x80}
		inf.Width = vg.Points(0.8)
		inf.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(inf)
	}
	leg := &legendBlock{title: cfg.legendTitle, legend: newLegend()}
	colors := Colors(len(keys))
	for i, k := range keys {
		pairs := dims[k]
		if len(pairs) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(pairs))
		for j, bd := range pairs {
			y := bd[1]
			if math.IsInf(y, 1) {
				y = infY
			}
			xys[j] = plotter.XY{X: bd[0], Y: y}
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("report: %s: H%d: %w", base, k, err)
		}
		sc.Color = colors[i]
		sc.Shape = glyphs[i%len(glyphs)]
		sc.Radius = vg.Points(3)
		p.Add(sc)
		leg.add(fmt.Sprintf("H%d (%d)", k, len(pairs)), sc)
	}
	return save(base, cfg, func(c draw.Canvas) { drawWithLegend(c, p, leg) })
}

// DrawDiagram draws d's H0 and H1 bars with PersistenceDiagram into
// base.png and base.svg.
func DrawDiagram(base, title string, d *topology.Diagram) error {
	dims := map[int][][2]float64{}
	for k, bars := range [][]topology.Bar{d.H0, d.H1} {
		for _, b := range bars {
			dims[k] = append(dims[k], [2]float64{b.Birth, b.Death})
		}
	}
	return PersistenceDiagram(base, title, dims)
}
