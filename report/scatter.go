package report

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Scatter draws 2-D points coloured by class (for example a UMAP embedding)
// and writes base.png and base.svg, 6.5 × 5 inches by default. labels[i] is
// the class of pts[i], an index into classNames; with classNames nil the
// classes are named by their numbers. Points are small and translucent, and
// drawn in a fixed shuffled order so that no class hides another; the legend
// shows each class with its number of points. Axis labels are empty unless
// set with WithAxisLabels.
func Scatter(base, title string, pts [][2]float64, labels []int, classNames []string, opts ...Option) error {
	cfg := newConfig(6.5, 5, opts)
	names, err := checkLabels(len(pts), labels, classNames)
	if err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p[0], p[1]
	}
	if err := checkFinite("point x", xs); err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	if err := checkFinite("point y", ys); err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	colors := Colors(len(names))
	radius, alpha := pointStyle(len(pts))
	p := newPlot(title, cfg.xlabel, cfg.ylabel)
	p.X.Min, p.X.Max = span(0.03, xs)
	p.Y.Min, p.Y.Max = span(0.03, ys)
	if cfg.yrange {
		p.Y.Min, p.Y.Max = cfg.ylo, cfg.yhi
	}
	p.Add(grid{})
	p.Add(&points{xs: xs, ys: ys, labels: labels, colors: colors, radius: radius, alpha: alpha})
	leg := &legendBlock{title: cfg.legendTitle, legend: newLegend()}
	counts := make([]int, len(names))
	for _, l := range labels {
		counts[l]++
	}
	for k, name := range names {
		leg.add(fmt.Sprintf("%s (%d)", name, counts[k]), swatch{colors[k]})
	}
	return save(base, cfg, func(c draw.Canvas) { drawWithLegend(c, p, leg) })
}

// checkLabels checks that there are n > 0 points with one label each, every
// label naming a class, and returns the class names.
func checkLabels(n int, labels []int, classNames []string) ([]string, error) {
	if n == 0 {
		return nil, fmt.Errorf("no points to plot")
	}
	if len(labels) != n {
		return nil, fmt.Errorf("%d points but %d labels", n, len(labels))
	}
	names := classNames
	if names == nil {
		top := 0
		for _, l := range labels {
			top = max(top, l)
		}
		if top >= 1000 {
			return nil, fmt.Errorf("label %d: too many classes to draw; give classNames", top)
		}
		for k := 0; k <= top; k++ {
			names = append(names, strconv.Itoa(k))
		}
	}
	for i, l := range labels {
		if l < 0 || l >= len(names) {
			return nil, fmt.Errorf("label %d of point %d is outside the %d classes", l, i, len(names))
		}
	}
	return names, nil
}

// pointStyle chooses the marker radius and opacity for n points: large and
// opaque for a few, small and translucent for many.
func pointStyle(n int) (vg.Length, float64) {
	r := 3.2 / math.Pow(max(float64(n)/300, 1), 0.25)
	a := 0.85 / math.Pow(max(float64(n)/500, 1), 0.2)
	return vg.Points(max(r, 1.1)), max(a, 0.35)
}

// points is a plotter that draws coloured discs in a fixed shuffled order.
type points struct {
	xs, ys []float64
	labels []int
	colors []color.Color
	radius vg.Length
	alpha  float64
}

func (s *points) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	fills := make([]color.Color, len(s.colors))
	for k, clr := range s.colors {
		fills[k] = withAlpha(clr, s.alpha)
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(s.xs))
	sty := draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: s.radius}
	for _, i := range order {
		sty.Color = fills[s.labels[i]]
		c.DrawGlyph(sty, vg.Point{X: trX(s.xs[i]), Y: trY(s.ys[i])})
	}
}

func (s *points) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = span(0, s.xs)
	ymin, ymax = span(0, s.ys)
	return
}

// swatch is a legend thumbnail: an opaque disc.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle{Color: s.c, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}, c.Center())
}
