package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Pareto reports, for each point (x[i], y[i]), whether it is on the Pareto
// front of points where both coordinates are better when larger: true
// unless another point is at least as large in both coordinates and larger
// in one. Equal points do not dominate each other, so ties are all on the
// front. It panics when x and y differ in length.
func Pareto(x, y []float64) []bool {
	if len(x) != len(y) {
		panic(fmt.Sprintf("report: Pareto: %d x values for %d y values", len(x), len(y)))
	}
	on := make([]bool, len(x))
	for i := range x {
		on[i] = true
		for j := range x {
			if Dominates(x[j], y[j], x[i], y[i]) {
				on[i] = false
				break
			}
		}
	}
	return on
}

// Dominates reports whether the point (xa, ya) dominates (xb, yb): at least
// as large in both coordinates and larger in one.
func Dominates(xa, ya, xb, yb float64) bool {
	return xa >= xb && ya >= yb && (xa > xb || ya > yb)
}

// FrontLine is one method swept along its knob: its points (X[i], Y[i]) in
// the knob's order, each labelled (Labels[i], the knob's value; may be
// empty) and marked when on the Pareto front of all lines (OnFront[i]).
type FrontLine struct {
	Name    string
	X, Y    []float64
	Labels  []string
	OnFront []bool
}

// FrontPlot draws a Pareto figure: each FrontLine as a line with markers
// joining its points in the knob's order, one Okabe–Ito colour and marker
// shape per line, each point labelled by its knob value, the points on the
// front ringed in black and joined by a grey dashed staircase (the front
// itself). Both axes are accuracies in [0, 1] zoomed to the points. It
// writes base.png and base.svg, 6.5 × 4.5 inches by default.
func FrontPlot(base, title, xlabel, ylabel string, lines []FrontLine, opts ...Option) error {
	cfg := newConfig(6.5, 4.5, opts)
	if err := checkFronts(lines); err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	p := newPlot(title, xlabel, ylabel)
	p.Add(grid{})
	leg := &legendBlock{title: cfg.legendTitle, legend: newLegend()}
	colors := Colors(len(lines))
	var xs, ys []float64
	var front plotter.XYs
	var items []plot.Plotter
	for i, l := range lines {
		pts := make(plotter.XYs, len(l.X))
		for j := range l.X {
			pts[j] = plotter.XY{X: l.X[j], Y: l.Y[j]}
			if l.OnFront[j] {
				front = append(front, pts[j])
			}
		}
		xs, ys = append(xs, l.X...), append(ys, l.Y...)
		line, marks, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("report: %s: line %q: %w", base, l.Name, err)
		}
		line.Color, line.Width = colors[i], vg.Points(1.4)
		marks.Color, marks.Shape, marks.Radius = colors[i], glyphs[i%len(glyphs)], vg.Points(3.2)
		items = append(items, line, marks)
		if len(l.Labels) == len(l.X) {
			lab, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: l.Labels})
			if err != nil {
				return fmt.Errorf("report: %s: line %q: %w", base, l.Name, err)
			}
			for k := range lab.TextStyle {
				lab.TextStyle[k].Font = sans(7)
				lab.TextStyle[k].Color = colors[i]
			}
			lab.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(2)}
			items = append(items, lab)
		}
		leg.add(l.Name, line, marks)
	}
	if len(front) > 0 {
		stairs := frontStairs(front)
		st, err := plotter.NewLine(stairs)
		if err != nil {
			return fmt.Errorf("report: %s: front: %w", base, err)
		}
		st.Color, st.Width, st.Dashes = withAlpha(frontInk, 0.5), vg.Points(1), []vg.Length{vg.Points(3), vg.Points(2)}
		ring, err := plotter.NewScatter(front)
		if err != nil {
			return fmt.Errorf("report: %s: front: %w", base, err)
		}
		ring.Color, ring.Shape, ring.Radius = frontInk, draw.RingGlyph{}, vg.Points(6)
		p.Add(st)
		items = append(items, ring)
		leg.add("Pareto front", st, ring)
	}
	p.Add(items...)
	p.X.Min, p.X.Max = span(0.08, xs)
	p.Y.Min, p.Y.Max = span(0.08, ys)
	p.X.Min, p.Y.Min = max(p.X.Min, 0), max(p.Y.Min, 0)
	p.X.Max, p.Y.Max = min(p.X.Max, 1.02), min(p.Y.Max, 1.02)
	if cfg.yrange {
		p.Y.Min, p.Y.Max = cfg.ylo, cfg.yhi
	}
	return save(base, cfg, func(c draw.Canvas) { drawWithLegend(c, p, leg) })
}

// frontStairs returns the front's points sorted by x with the corners of
// the staircase between them (the region the front dominates).
func frontStairs(front plotter.XYs) plotter.XYs {
	pts := slices.Clone(front)
	slices.SortFunc(pts, func(a, b plotter.XY) int {
		if a.X != b.X {
			return cmpF(a.X, b.X)
		}
		return cmpF(b.Y, a.Y)
	})
	out := plotter.XYs{pts[0]}
	for _, q := range pts[1:] {
		last := out[len(out)-1]
		out = append(out, plotter.XY{X: last.X, Y: q.Y}, q)
	}
	return out
}

// frontInk marks the front: a dark grey, apart from the lines' colours.
var frontInk = color.NRGBA{0x33, 0x33, 0x33, 0xff}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func checkFronts(lines []FrontLine) error {
	if len(lines) == 0 {
		return fmt.Errorf("no line to plot")
	}
	for i, l := range lines {
		name := l.Name
		if name == "" {
			name = "#" + strconv.Itoa(i)
		}
		switch {
		case len(l.X) == 0:
			return fmt.Errorf("line %q is empty", name)
		case len(l.Y) != len(l.X) || len(l.OnFront) != len(l.X):
			return fmt.Errorf("line %q has %d x values, %d y values and %d front marks", name, len(l.X), len(l.Y), len(l.OnFront))
		case len(l.Labels) != 0 && len(l.Labels) != len(l.X):
			return fmt.Errorf("line %q has %d labels for %d points", name, len(l.Labels), len(l.X))
		}
		for _, v := range []struct {
			what string
			vs   []float64
		}{{"x", l.X}, {"y", l.Y}} {
			if err := checkFinite(v.what, v.vs); err != nil {
				return fmt.Errorf("line %q: %w", name, err)
			}
			for j, x := range v.vs {
				if x < 0 || x > 1 || math.IsNaN(x) {
					return fmt.Errorf("line %q: %s[%d] = %g is not an accuracy in [0, 1]", name, v.what, j, x)
				}
			}
		}
	}
	return nil
}
