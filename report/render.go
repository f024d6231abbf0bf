// Package report draws the figures and tables of the isonet report: line
// plots of robustness curves, 2-D and 3-D class scatter plots, paired
// distance histograms and persistence diagrams, each written as both
// base.png and base.svg, plus Markdown and HTML tables.
//
// Figures use the Okabe–Ito palette (see Palette and Colors), a sans-serif
// font, titles, axis labels and legends outside the data area. Every file is
// rendered into memory first and then written atomically, so a failed call
// leaves no partial file. Inputs a caller can get wrong (mismatched lengths,
// empty series, NaN values) are reported as errors.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/isonet/isonet/internal/atomicfile"
)

// DPI is the resolution of the PNG files.
const DPI = 150

// Option adjusts a figure: its size, axis labels or legend title.
type Option func(*config)

type config struct {
	w, h           vg.Length
	xlabel, ylabel string
	legendTitle    string
	ylo, yhi       float64
	yrange         bool
}

// WithSize sets the figure's size in inches (the PNG has DPI pixels per
// inch).
func WithSize(widthIn, heightIn float64) Option {
	return func(c *config) { c.w, c.h = vg.Length(widthIn)*vg.Inch, vg.Length(heightIn)*vg.Inch }
}

// WithAxisLabels sets the x and y axis labels of figures whose signature
// has none (Scatter, HistPairs, PersistenceDiagram); for Scatter3D they name
// the x and y axes of the box (z stays "z").
func WithAxisLabels(x, y string) Option {
	return func(c *config) { c.xlabel, c.ylabel = x, y }
}

// WithLegendTitle sets a heading shown above the legend entries, such as
// "β" for robustness curves.
func WithLegendTitle(t string) Option {
	return func(c *config) { c.legendTitle = t }
}

// WithYRange fixes the y axis of LinePlot and Scatter to [lo, hi] (for
// example [0, 1] for accuracies) instead of fitting it to the data.
func WithYRange(lo, hi float64) Option {
	return func(c *config) { c.ylo, c.yhi, c.yrange = lo, hi, true }
}

func newConfig(w, h float64, opts []Option) config {
	c := config{w: vg.Length(w) * vg.Inch, h: vg.Length(h) * vg.Inch}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Font sizes, in points.
const (
	titleSize  = 13
	labelSize  = 11
	tickSize   = 9
	legendSize = 10
)

var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

func sans(size vg.Length) font.Font {
	f := sansFont
	f.Size = size
	return f
}

// newPlot returns a plot styled for the report: sans-serif text, light grid
// colours, title and labels set.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize)
	p.Title.Padding = vg.Points(8)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sans(labelSize)
		ax.Tick.Label.Font = sans(tickSize)
		ax.Label.Padding = vg.Points(4)
	}
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.TextStyle.Font = sans(legendSize)
	return p
}

// grid is a plotter that draws light major grid lines (drawn first so data
// sits on top).
type grid struct{}

func (grid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.Gray{0xe4}, Width: vg.Points(0.5)}
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if t.IsMinor() || t.Value < p.X.Min || t.Value > p.X.Max {
			continue
		}
		x := trX(t.Value)
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if t.IsMinor() || t.Value < p.Y.Min || t.Value > p.Y.Max {
			continue
		}
		y := trY(t.Value)
		c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	}
}

// newLegend returns an empty legend in the report's style.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = sans(legendSize)
	l.Top = true
	l.Left = true
	l.ThumbnailWidth = vg.Points(18)
	l.Padding = vg.Points(3)
	return l
}

// legendBlock is a legend with an optional heading, drawn in its own column
// to the right of a plot.
type legendBlock struct {
	title  string
	legend plot.Legend
	n      int // entries
}

func (b *legendBlock) add(name string, thumbs ...plot.Thumbnailer) {
	b.legend.Add(name, thumbs...)
	b.n++
}

func (b *legendBlock) titleStyle() draw.TextStyle {
	s := b.legend.TextStyle
	s.Font = sans(legendSize + 1)
	return s
}

// width is the room the legend needs, padding included.
func (b *legendBlock) width(c draw.Canvas) vg.Length {
	if b.n == 0 {
		return 0
	}
	w := b.legend.Rectangle(c).Size().X
	if b.title != "" {
		w = max(w, b.titleStyle().Rectangle(b.title).Size().X)
	}
	return w + vg.Points(14)
}

// draw draws the legend in column c, its top at y.
func (b *legendBlock) draw(c draw.Canvas, top vg.Length) {
	if b.n == 0 {
		return
	}
	c.Min.X += vg.Points(8)
	c.Max.Y = top
	if b.title != "" {
		ts := b.titleStyle()
		h := ts.Rectangle(b.title).Size().Y
		c.FillText(ts, vg.Point{X: c.Min.X, Y: c.Max.Y - h + ts.FontExtents().Descent}, b.title)
		c.Max.Y -= h + vg.Points(3)
	}
	b.legend.Draw(c)
}

// drawWithLegend draws p into c with the legend in a column on the right,
// its top level with the top of the data area.
func drawWithLegend(c draw.Canvas, p *plot.Plot, leg *legendBlock) {
	fillWhite(c)
	lw := leg.width(c)
	pc := c
	pc.Max.X -= lw
	p.Draw(pc)
	if lw == 0 {
		return
	}
	lc := c
	lc.Min.X = pc.Max.X
	top := c.Max.Y
	if p.Title.Text != "" {
		top -= p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
	}
	leg.draw(lc, top-vg.Points(4))
}

func fillWhite(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
}

// save renders fn at the configured size to PNG and SVG in memory and
// writes base.png and base.svg.
func save(base string, cfg config, fn func(c draw.Canvas)) error {
	if base == "" {
		return errors.New("report: empty output name")
	}
	img := vgimg.NewWith(vgimg.UseWH(cfg.w, cfg.h), vgimg.UseDPI(DPI), vgimg.UseBackgroundColor(color.White))
	fn(draw.New(img))
	var png bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&png); err != nil {
		return fmt.Errorf("report: %s.png: %w", base, err)
	}
	svgc := vgsvg.New(cfg.w, cfg.h)
	fn(draw.New(svgc))
	var svg bytes.Buffer
	if _, err := svgc.WriteTo(&svg); err != nil {
		return fmt.Errorf("report: %s.svg: %w", base, err)
	}
	// Name fallbacks for viewers without the Liberation fonts.
	svgBytes := bytes.ReplaceAll(svg.Bytes(), []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	if err := atomicfile.WriteFile(base+".png", png.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := atomicfile.WriteFile(base+".svg", svgBytes); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// checkFinite returns an error naming what and the index of the first NaN
// or infinite value in v.
func checkFinite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] is %v", what, i, x)
		}
	}
	return nil
}

// glyphs are the marker shapes given to series in turn, so that series
// differ in shape as well as colour.
var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{},
	draw.RingGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PlusGlyph{},
}

// span returns the smallest and largest of the values, padded by frac of
// the range (or by 0.5 when all values are equal).
func span(frac float64, vs ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		for _, x := range v {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	if lo > hi {
		return 0, 1
	}
	if d := hi - lo; d > 0 {
		return lo - frac*d, hi + frac*d
	}
	return lo - 0.5, hi + 0.5
}

// niceTicks marks a linear axis with about four to seven labelled ticks at steps of
// 1, 2, 2.5 or 5 times a power of ten, labelled with just the decimals the
// step needs, and unlabelled minor ticks between them.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	raw := (hi - lo) / 6
	exp := math.Floor(math.Log10(raw))
	mag := math.Pow(10, exp)
	step, minor, m := 10*mag, 5, 10.0
	for _, c := range []struct {
		m     float64
		minor int
	}{{1, 5}, {2, 4}, {2.5, 5}, {5, 5}} {
		if c.m*mag >= raw*(1-1e-9) {
			step, minor, m = c.m*mag, c.minor, c.m
			break
		}
	}
	decimals := max(0, int(-exp))
	if m == 10 {
		decimals = max(0, decimals-1)
	}
	if m == 2.5 {
		decimals++
	}
	var ticks []plot.Tick
	first := math.Ceil(lo/step - 1e-9)
	for i := first - 1; ; i++ {
		v := i * step
		if v > hi+step*1e-9 {
			break
		}
		if v >= lo-step*1e-9 {
			label := strconv.FormatFloat(v, 'f', decimals, 64)
			if strings.Trim(label, "-0.") == "" {
				label = strings.TrimPrefix(label, "-")
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		for k := 1; k < minor; k++ {
			if mv := v + float64(k)*step/float64(minor); mv >= lo && mv <= hi {
				ticks = append(ticks, plot.Tick{Value: mv})
			}
		}
	}
	return ticks
}
