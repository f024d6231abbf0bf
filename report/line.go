package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one curve of a line plot: Y against X, with an optional
// ± YErr band (nil for none; otherwise one non-negative value per point).
type Series struct {
	Name string
	X, Y []float64
	YErr []float64
}

// LinePlot draws one line with markers per series (for example robustness
// curves: accuracy against ε, one line per β) and writes base.png and
// base.svg, 6 × 4 inches by default. With logX the x axis is logarithmic
// and every x must be positive. Series get the colours of Palette (Colors
// beyond eight) and distinct marker shapes; named series appear in a legend
// to the right of the plot; a YErr band is drawn as a translucent area.
func LinePlot(base, title, xlabel, ylabel string, series []Series, logX bool, opts ...Option) error {
	cfg := newConfig(6, 4, opts)
	if err := checkSeries(series, logX); err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	p := newPlot(title, xlabel, ylabel)
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	p.Add(grid{})
	leg := &legendBlock{title: cfg.legendTitle, legend: newLegend()}
	colors := Colors(len(series))
	var bands, lines []plot.Plotter
	for i, s := range series {
		xys := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		line, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("report: %s: series %q: %w", base, s.Name, err)
		}
		line.Color = colors[i]
		line.Width = vg.Points(1.6)
		pts.Color = colors[i]
		pts.Shape = glyphs[i%len(glyphs)]
		pts.Radius = vg.Points(3)
		if len(s.YErr) > 0 {
			bands = append(bands, errBand(s, colors[i]))
		}
		lines = append(lines, line, pts)
		if s.Name != "" {
			leg.add(s.Name, line, pts)
		}
	}
	p.Add(bands...)
	p.Add(lines...)
	// Keep markers off the frame: pad the data range a little.
	var xs, ys []float64
	for _, s := range series {
		xs = append(xs, s.X...)
		ys = append(ys, s.Y...)
		for j, e := range s.YErr {
			ys = append(ys, s.Y[j]-e, s.Y[j]+e)
		}
	}
	if logX {
		lo, hi := span(0, xs)
		f := math.Pow(hi/lo, 0.03)
		if f == 1 {
			f = 1.1
		}
		p.X.Min, p.X.Max = lo/f, hi*f
	} else {
		p.X.Min, p.X.Max = span(0.03, xs)
	}
	p.Y.Min, p.Y.Max = span(0.05, ys)
	if cfg.yrange {
		p.Y.Min, p.Y.Max = cfg.ylo, cfg.yhi
	}
	return save(base, cfg, func(c draw.Canvas) { drawWithLegend(c, p, leg) })
}

// errBand returns the translucent polygon Y ± YErr of s (X assumed sorted
// as given).
func errBand(s Series, clr color.Color) plot.Plotter {
	n := len(s.X)
	ring := make(plotter.XYs, 0, 2*n)
	for j := 0; j < n; j++ {
		ring = append(ring, plotter.XY{X: s.X[j], Y: s.Y[j] + s.YErr[j]})
	}
	for j := n - 1; j >= 0; j-- {
		ring = append(ring, plotter.XY{X: s.X[j], Y: s.Y[j] - s.YErr[j]})
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		panic(err) // values were checked finite
	}
	poly.Color = withAlpha(clr, 0.18)
	poly.LineStyle.Width = 0
	return poly
}

func checkSeries(series []Series, logX bool) error {
	if len(series) == 0 {
		return fmt.Errorf("no series to plot")
	}
	for i, s := range series {
		name := s.Name
		if name == "" {
			name = "#" + strconv.Itoa(i)
		}
		switch {
		case len(s.X) == 0:
			return fmt.Errorf("series %q is empty", name)
		case len(s.X) != len(s.Y):
			return fmt.Errorf("series %q has %d x values and %d y values", name, len(s.X), len(s.Y))
		case len(s.YErr) != 0 && len(s.YErr) != len(s.Y):
			return fmt.Errorf("series %q has %d y values and %d YErr values", name, len(s.Y), len(s.YErr))
		}
		for _, v := range []struct {
			what string
			vs   []float64
		}{{"x", s.X}, {"y", s.Y}, {"YErr", s.YErr}} {
			if err := checkFinite(v.what, v.vs); err != nil {
				return fmt.Errorf("series %q: %w", name, err)
			}
		}
		for j, e := range s.YErr {
			if e < 0 {
				return fmt.Errorf("series %q: YErr[%d] = %g is negative", name, j, e)
			}
		}
		if logX {
			for j, x := range s.X {
				if x <= 0 {
					return fmt.Errorf("series %q: x[%d] = %g cannot go on a logarithmic axis", name, j, x)
				}
			}
		}
	}
	return nil
}

// logTicks marks a logarithmic axis: labelled powers of ten, with 2× and 5×
// labelled as well when the axis spans less than two decades, and minor
// ticks at the other integer multiples.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return nil
	}
	kLo, kHi := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	few := math.Log10(hi/lo) < 2
	var ticks []plot.Tick
	for k := kLo; k <= kHi; k++ {
		p := math.Pow(10, float64(k))
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (few && (m == 2 || m == 5)) {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	labelled := 0
	for _, t := range ticks {
		if t.Label != "" {
			labelled++
		}
	}
	if labelled < 2 { // a narrow axis: label every tick
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
		}
	}
	return ticks
}
