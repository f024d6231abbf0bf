package report

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bracket is one model's robust accuracy bracketed from both sides against
// the radius X: Lo is a lower bound (a certificate) and Hi an upper bound
// (an attack), Lo[i] ≤ Hi[i]. X is increasing and starts at 0, where Lo and
// Hi are the clean accuracy.
type Bracket struct {
	Name   string
	X      []float64
	Lo, Hi []float64
}

// BracketPlot draws the robustness bracket: for each Bracket a translucent
// band between its lower and upper bound, the upper bound as a solid line
// with markers, the lower bound as a dashed line, one Okabe–Ito colour per
// bracket and the clean accuracy marked by a large marker at x = 0. The x
// axis has a square-root scale, so that small radii are not crowded at 0,
// with a tick at every x of the first bracket. It writes base.png and
// base.svg, 6 × 4 inches by default.
func BracketPlot(base, title, xlabel, ylabel string, brackets []Bracket, opts ...Option) error {
	cfg := newConfig(6, 4, opts)
	if err := checkBrackets(brackets); err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	p := newPlot(title, xlabel, ylabel)
	p.X.Scale = sqrtScale{}
	p.X.Tick.Marker = listTicks(brackets[0].X)
	p.Add(grid{})
	leg := &legendBlock{title: cfg.legendTitle, legend: newLegend()}
	colors := Colors(len(brackets))
	var bands, lines []plot.Plotter
	var xs []float64
	for i, b := range brackets {
		xs = append(xs, b.X...)
		n := len(b.X)
		ring := make(plotter.XYs, 0, 2*n)
		hi, lo := make(plotter.XYs, n), make(plotter.XYs, n)
		for j := range n {
			hi[j] = plotter.XY{X: b.X[j], Y: b.Hi[j]}
			lo[j] = plotter.XY{X: b.X[j], Y: b.Lo[j]}
			ring = append(ring, hi[j])
		}
		for j := n - 1; j >= 0; j-- {
			ring = append(ring, lo[j])
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return fmt.Errorf("report: %s: bracket %q: %w", base, b.Name, err)
		}
		poly.Color = withAlpha(colors[i], 0.18)
		poly.LineStyle.Width = 0
		bands = append(bands, poly)
		up, upPts, err := plotter.NewLinePoints(hi)
		if err != nil {
			return fmt.Errorf("report: %s: bracket %q: %w", base, b.Name, err)
		}
		up.Color, up.Width = colors[i], vg.Points(1.6)
		upPts.Color, upPts.Shape, upPts.Radius = colors[i], glyphs[i%len(glyphs)], vg.Points(3)
		down, err := plotter.NewLine(lo)
		if err != nil {
			return fmt.Errorf("report: %s: bracket %q: %w", base, b.Name, err)
		}
		down.Color, down.Width, down.Dashes = colors[i], vg.Points(1.3), []vg.Length{vg.Points(4), vg.Points(3)}
		clean, err := plotter.NewScatter(plotter.XYs{hi[0]})
		if err != nil {
			return fmt.Errorf("report: %s: bracket %q: %w", base, b.Name, err)
		}
		clean.Color, clean.Shape, clean.Radius = colors[i], glyphs[i%len(glyphs)], vg.Points(5)
		lines = append(lines, up, upPts, down, clean)
		if b.Name != "" {
			leg.add(b.Name, poly, up, upPts)
		}
	}
	p.Add(bands...)
	p.Add(lines...)
	lo, hi := span(0, xs)
	p.X.Min, p.X.Max = lo, hi*1.03
	p.Y.Min, p.Y.Max = 0, 1
	if cfg.yrange {
		p.Y.Min, p.Y.Max = cfg.ylo, cfg.yhi
	}
	return save(base, cfg, func(c draw.Canvas) { drawWithLegend(c, p, leg) })
}

func checkBrackets(brackets []Bracket) error {
	if len(brackets) == 0 {
		return fmt.Errorf("no bracket to plot")
	}
	for i, b := range brackets {
		name := b.Name
		if name == "" {
			name = "#" + strconv.Itoa(i)
		}
		switch {
		case len(b.X) == 0:
			return fmt.Errorf("bracket %q is empty", name)
		case len(b.Lo) != len(b.X) || len(b.Hi) != len(b.X):
			return fmt.Errorf("bracket %q has %d x values, %d lower and %d upper bounds", name, len(b.X), len(b.Lo), len(b.Hi))
		}
		for _, v := range []struct {
			what string
			vs   []float64
		}{{"x", b.X}, {"lower bound", b.Lo}, {"upper bound", b.Hi}} {
			if err := checkFinite(v.what, v.vs); err != nil {
				return fmt.Errorf("bracket %q: %w", name, err)
			}
		}
		for j := range b.X {
			switch {
			case b.X[j] < 0:
				return fmt.Errorf("bracket %q: x[%d] = %g is negative", name, j, b.X[j])
			case j > 0 && b.X[j] <= b.X[j-1]:
				return fmt.Errorf("bracket %q: x[%d] = %g does not increase", name, j, b.X[j])
			case b.Lo[j] > b.Hi[j]:
				return fmt.Errorf("bracket %q: the lower bound %g is above the upper bound %g at x = %g", name, b.Lo[j], b.Hi[j], b.X[j])
			}
		}
	}
	return nil
}

// sqrtScale is a square-root axis scale on x ≥ 0.
type sqrtScale struct{}

func (sqrtScale) Normalize(lo, hi, x float64) float64 {
	lo, hi, x = math.Sqrt(max(lo, 0)), math.Sqrt(max(hi, 0)), math.Sqrt(max(x, 0))
	if hi == lo {
		return 0.5
	}
	return (x - lo) / (hi - lo)
}

// listTicks labels exactly the given values.
type listTicks []float64

func (l listTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, v := range l {
		if v >= lo-1e-12 && v <= hi+1e-12 {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 3, 64)})
		}
	}
	return ticks
}
