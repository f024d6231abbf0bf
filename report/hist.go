package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HistPanel is one panel of HistPairs: two samples drawn as overlaid
// histograms on shared bins (for example, for one class, the distances
// between same-class inputs, A, and between their representations, B).
// Bins is the number of bins; 0 chooses one from the sample sizes.
type HistPanel struct {
	Title          string
	A, B           []float64
	ALabel, BLabel string
	Bins           int
}

// MaxBins is the largest number of bins HistPairs accepts.
const MaxBins = 10000

// HistPairs draws a grid of panels, each with two overlaid, translucent
// density histograms (as the paper's Fig. 2B does for input against
// representation distances), and writes base.png and base.svg. Panels are
// laid out up to five to a row, about 3.2 × 2.6 inches each. When all panels
// share their labels a single legend sits under the title; otherwise each
// panel has its own. The axes read "distance" and "density" unless set with
// WithAxisLabels. A panel may have one empty sample (it draws the other);
// both empty, or a NaN or infinite value, is an error.
func HistPairs(base, title string, panels []HistPanel, opts ...Option) error {
	if len(panels) == 0 {
		return fmt.Errorf("report: %s: no panels to draw", base)
	}
	rows := (len(panels) + 4) / 5
	cols := (len(panels) + rows - 1) / rows
	cfg := newConfig(3.2*float64(cols), 2.6*float64(rows)+0.7, opts)
	if cfg.xlabel == "" && cfg.ylabel == "" {
		cfg.xlabel, cfg.ylabel = "distance", "density"
	}
	shared := true
	for i, pn := range panels {
		if err := checkPanel(pn); err != nil {
			return fmt.Errorf("report: %s: panel %d (%q): %w", base, i, pn.Title, err)
		}
		if pn.ALabel != panels[0].ALabel || pn.BLabel != panels[0].BLabel {
			shared = false
		}
	}
	colA, colB := Palette[0], Palette[1]
	grid2 := make([][]*plot.Plot, rows)
	for r := range grid2 {
		grid2[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		r, col := i/cols, i%cols
		below := (r+1)*cols+col < len(panels)
		xl, yl := cfg.xlabel, cfg.ylabel
		if below {
			xl = ""
		}
		if col > 0 {
			yl = ""
		}
		p := newPlot(pn.Title, xl, yl)
		p.Title.TextStyle.Font = sans(labelSize)
		p.Title.Padding = vg.Points(4)
		p.Add(grid{})
		lo, hi := span(0, pn.A, pn.B)
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		bins := pn.Bins
		if bins == 0 {
			bins = defaultBins(max(len(pn.A), len(pn.B)))
		}
		ha := densityHist(pn.A, lo, hi, bins, colA)
		hb := densityHist(pn.B, lo, hi, bins, colB)
		for _, h := range []*plotter.Histogram{ha, hb} {
			if h != nil {
				p.Add(h)
			}
		}
		// Headroom above the bars; more when a legend sits in the panel.
		top := 0.0
		for _, h := range []*plotter.Histogram{ha, hb} {
			if h != nil {
				for _, b := range h.Bins {
					top = max(top, b.Weight)
				}
			}
		}
		p.Y.Min, p.Y.Max = 0, 1.06*top
		if !shared {
			p.Y.Max = 1.4 * top
		}
		if !shared {
			p.Legend = newLegend()
			p.Legend.Left = false
			p.Legend.TextStyle.Font = sans(tickSize)
			p.Legend.ThumbnailWidth = vg.Points(10)
			if ha != nil && pn.ALabel != "" {
				p.Legend.Add(pn.ALabel, ha)
			}
			if hb != nil && pn.BLabel != "" {
				p.Legend.Add(pn.BLabel, hb)
			}
		}
		grid2[r][col] = p
	}
	return save(base, cfg, func(c draw.Canvas) {
		fillWhite(c)
		top := c.Max.Y - vg.Points(6)
		if title != "" {
			ts := draw.TextStyle{Font: sans(titleSize), Color: color.Black, XAlign: draw.XCenter, Handler: plot.DefaultTextHandler}
			h := ts.Rectangle(title).Size().Y
			c.FillText(ts, vg.Point{X: c.Center().X, Y: top - h}, title)
			top -= h + vg.Points(6)
		}
		if shared {
			top = drawRowLegend(c, top, []string{panels[0].ALabel, panels[0].BLabel}, []color.Color{colA, colB})
		}
		area := c
		area.Max.Y = top - vg.Points(4)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(10), PadY: vg.Points(10),
			PadLeft: vg.Points(4), PadRight: vg.Points(10), PadBottom: vg.Points(4)}
		canvases := plot.Align(grid2, tiles, area)
		for r := range rows {
			for col := range cols {
				if p := grid2[r][col]; p != nil {
					p.Draw(canvases[r][col])
				}
			}
		}
	})
}

func checkPanel(pn HistPanel) error {
	if len(pn.A) == 0 && len(pn.B) == 0 {
		return fmt.Errorf("both samples are empty")
	}
	if pn.Bins < 0 || pn.Bins > MaxBins {
		return fmt.Errorf("bins = %d, want 0 (automatic) to %d", pn.Bins, MaxBins)
	}
	if err := checkFinite("A", pn.A); err != nil {
		return err
	}
	return checkFinite("B", pn.B)
}

// defaultBins is the square-root rule, kept between 10 and 60.
func defaultBins(n int) int {
	return min(max(int(math.Ceil(math.Sqrt(float64(n)))), 10), 60)
}

// densityHist bins v into bins equal bins over [lo, hi] and scales the
// heights so the histogram's area is 1; nil for an empty sample.
func densityHist(v []float64, lo, hi float64, bins int, clr color.Color) *plotter.Histogram {
	if len(v) == 0 {
		return nil
	}
	w := (hi - lo) / float64(bins)
	h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: w}
	for i := range h.Bins {
		h.Bins[i].Min = lo + float64(i)*w
		h.Bins[i].Max = lo + float64(i+1)*w
	}
	for _, x := range v {
		i := int((x - lo) / w)
		i = min(max(i, 0), bins-1)
		h.Bins[i].Weight++
	}
	for i := range h.Bins {
		h.Bins[i].Weight /= float64(len(v)) * w
	}
	h.FillColor = withAlpha(clr, 0.45)
	h.LineStyle = draw.LineStyle{Color: clr, Width: vg.Points(0.6)}
	return h
}

// drawRowLegend draws a one-line legend of coloured squares and names,
// centred under y, and returns the y below it.
func drawRowLegend(c draw.Canvas, y vg.Length, names []string, colors []color.Color) vg.Length {
	ts := draw.TextStyle{Font: sans(legendSize), Color: color.Black, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
	box := vg.Points(10)
	gap := vg.Points(5)
	sep := vg.Points(18)
	var total vg.Length
	var shown int
	for _, n := range names {
		if n == "" {
			continue
		}
		total += box + gap + ts.Rectangle(n).Size().X
		shown++
	}
	if shown == 0 {
		return y
	}
	total += sep * vg.Length(shown-1)
	h := max(ts.Rectangle("Mg").Size().Y, box)
	mid := y - h/2
	x := c.Center().X - total/2
	for i, n := range names {
		if n == "" {
			continue
		}
		sq := []vg.Point{{X: x, Y: mid - box/2}, {X: x + box, Y: mid - box/2}, {X: x + box, Y: mid + box/2}, {X: x, Y: mid + box/2}}
		c.FillPolygon(withAlpha(colors[i], 0.45), sq)
		c.StrokeLines(draw.LineStyle{Color: colors[i], Width: vg.Points(0.8)}, append(sq, sq[0]))
		x += box + gap
		c.FillText(ts, vg.Point{X: x, Y: mid}, n)
		x += ts.Rectangle(n).Size().X + sep
	}
	return y - h - vg.Points(4)
}
