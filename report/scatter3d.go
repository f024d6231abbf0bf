package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Scatter3D draws 3-D points coloured by class (for example the entangled
// rings input) in orthographic projection and writes base.png and
// base.svg, 6 × 5 inches by default. The view looks at the origin from
// azimuth degrees around the z axis (measured from the x axis) and elevation
// degrees above the x–y plane, as matplotlib's view_init does. The points'
// bounding box is drawn with its three far faces shaded; all axes share one
// scale, so shapes are not distorted. Points are painted far to near, and
// farther points are paler and smaller. labels and classNames are as for
// Scatter; WithAxisLabels renames the x and y axes.
func Scatter3D(base, title string, pts [][3]float64, labels []int, classNames []string, azimuth, elevation float64, opts ...Option) error {
	cfg := newConfig(6, 5, opts)
	if cfg.xlabel == "" && cfg.ylabel == "" {
		cfg.xlabel, cfg.ylabel = "x", "y"
	}
	names, err := checkLabels(len(pts), labels, classNames)
	if err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	for i, p := range pts {
		if err := checkFinite(fmt.Sprintf("point %d", i), p[:]); err != nil {
			return fmt.Errorf("report: %s: %w", base, err)
		}
	}
	if err := checkFinite("view angle", []float64{azimuth, elevation}); err != nil {
		return fmt.Errorf("report: %s: %w", base, err)
	}
	v := newView(azimuth, elevation)
	colors := Colors(len(names))
	leg := &legendBlock{title: cfg.legendTitle, legend: newLegend()}
	for k, name := range names {
		leg.add(name, swatch{colors[k]})
	}
	radius, _ := pointStyle(len(pts))
	radius = radius * 1.15

	// Bounding box, padded where flat.
	var lo, hi [3]float64
	for d := range 3 {
		col := make([]float64, len(pts))
		for i, p := range pts {
			col[i] = p[d]
		}
		lo[d], hi[d] = span(0, col)
	}
	// Painter's order: far to near; depth normalised to [0, 1], 1 nearest.
	order := make([]int, len(pts))
	depth := make([]float64, len(pts))
	dlo, dhi := math.Inf(1), math.Inf(-1)
	for i, p := range pts {
		order[i] = i
		depth[i] = v.depth(p)
		dlo, dhi = min(dlo, depth[i]), max(dhi, depth[i])
	}
	sort.SliceStable(order, func(a, b int) bool { return depth[order[a]] < depth[order[b]] })

	return save(base, cfg, func(c draw.Canvas) {
		fillWhite(c)
		ts := draw.TextStyle{Font: sans(titleSize), Color: color.Black, XAlign: draw.XCenter, Handler: plot.DefaultTextHandler}
		area := c
		area.Max.X -= leg.width(c)
		if title != "" {
			h := ts.Rectangle(title).Size().Y
			c.FillText(ts, vg.Point{X: (area.Min.X + area.Max.X) / 2, Y: c.Max.Y - h}, title)
			area.Max.Y -= h + vg.Points(8)
		}
		legc := c
		legc.Min.X = area.Max.X
		leg.draw(legc, area.Max.Y-vg.Points(4))

		// Fit the projected box into the area with room for axis labels.
		pad := vg.Points(24)
		area.Min.X += pad
		area.Max.X -= pad
		area.Min.Y += pad
		area.Max.Y -= pad / 2
		corners := boxCorners(lo, hi)
		sxlo, sxhi, sylo, syhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, q := range corners {
			x, y := v.screen(q)
			sxlo, sxhi, sylo, syhi = min(sxlo, x), max(sxhi, x), min(sylo, y), max(syhi, y)
		}
		scale := min(float64(area.Max.X-area.Min.X)/(sxhi-sxlo), float64(area.Max.Y-area.Min.Y)/(syhi-sylo))
		cx, cy := (area.Min.X+area.Max.X)/2, (area.Min.Y+area.Max.Y)/2
		mx, my := (sxlo+sxhi)/2, (sylo+syhi)/2
		toCanvas := func(q [3]float64) vg.Point {
			x, y := v.screen(q)
			return vg.Point{X: cx + vg.Length((x-mx)*scale), Y: cy + vg.Length((y-my)*scale)}
		}

		// The three far faces, shaded by orientation.
		edge := draw.LineStyle{Color: color.Gray{0xa8}, Width: vg.Points(0.7)}
		shades := [3]color.Color{color.Gray{0xf2}, color.Gray{0xf6}, color.Gray{0xea}}
		for d := range 3 {
			face := v.farFace(d, lo, hi)
			poly := make([]vg.Point, len(face))
			for i, q := range face {
				poly[i] = toCanvas(q)
			}
			c.FillPolygon(shades[d], poly)
			c.StrokeLines(edge, append(poly, poly[0]))
		}

		// Points, far to near.
		for _, i := range order {
			t := 1.0
			if dhi > dlo {
				t = (depth[i] - dlo) / (dhi - dlo)
			}
			r := radius * vg.Length(0.8+0.4*t)
			pt := toCanvas(pts[i])
			c.DrawGlyph(draw.GlyphStyle{Color: blend(colors[labels[i]], 0.5*(1-t)), Radius: r, Shape: draw.CircleGlyph{}}, pt)
			c.DrawGlyph(draw.GlyphStyle{Color: color.NRGBA{0xff, 0xff, 0xff, 0x99}, Radius: r, Shape: draw.RingGlyph{}}, pt)
		}

		// Axis names beside the edges that carry them.
		ls := draw.TextStyle{Font: sans(labelSize), Color: color.Black, XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: ts.Handler}
		center := toCanvas([3]float64{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2})
		for _, a := range v.axisEdges(lo, hi, toCanvas) {
			mid := toCanvas(a.mid)
			dx, dy := float64(mid.X-center.X), float64(mid.Y-center.Y)
			n := math.Hypot(dx, dy)
			if n == 0 {
				dx, dy, n = 0, -1, 1
			}
			off := vg.Points(13)
			lp := vg.Point{X: mid.X + vg.Length(dx/n)*off, Y: mid.Y + vg.Length(dy/n)*off}
			name := [3]string{cfg.xlabel, cfg.ylabel, "z"}[a.axis]
			c.FillText(ls, lp, name)
		}
	})
}

// view is an orthographic camera: e1 and e2 span the screen, dir points
// from the scene towards the viewer.
type view struct{ e1, e2, dir [3]float64 }

func newView(azimuthDeg, elevationDeg float64) view {
	az, el := azimuthDeg*math.Pi/180, elevationDeg*math.Pi/180
	sa, ca := math.Sincos(az)
	se, ce := math.Sincos(el)
	return view{
		e1:  [3]float64{-sa, ca, 0},
		e2:  [3]float64{-se * ca, -se * sa, ce},
		dir: [3]float64{ce * ca, ce * sa, se},
	}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// screen returns the projection of q onto the screen plane.
func (v view) screen(q [3]float64) (x, y float64) { return dot(q, v.e1), dot(q, v.e2) }

// depth grows towards the viewer.
func (v view) depth(q [3]float64) float64 { return dot(q, v.dir) }

func boxCorners(lo, hi [3]float64) [][3]float64 {
	var out [][3]float64
	for m := range 8 {
		var q [3]float64
		for d := range 3 {
			q[d] = lo[d]
			if m&(1<<d) != 0 {
				q[d] = hi[d]
			}
		}
		out = append(out, q)
	}
	return out
}

// farFace returns the corners, in order around it, of the box face
// perpendicular to axis d that faces away from the viewer.
func (v view) farFace(d int, lo, hi [3]float64) [][3]float64 {
	fixed := lo[d]
	if v.dir[d] < 0 {
		fixed = hi[d]
	}
	a, b := (d+1)%3, (d+2)%3
	var face [][3]float64
	for _, ab := range [][2]bool{{false, false}, {true, false}, {true, true}, {false, true}} {
		var q [3]float64
		q[d] = fixed
		q[a], q[b] = lo[a], lo[b]
		if ab[0] {
			q[a] = hi[a]
		}
		if ab[1] {
			q[b] = hi[b]
		}
		face = append(face, q)
	}
	return face
}

type axisEdge struct {
	axis int
	mid  [3]float64
}

// axisEdges picks, for each axis, the box edge along it on which to write
// its name: for x and y an edge of the far z face nearest the viewer, for z
// the vertical edge furthest left on screen.
func (v view) axisEdges(lo, hi [3]float64, toCanvas func([3]float64) vg.Point) []axisEdge {
	zf := lo[2]
	if v.dir[2] < 0 {
		zf = hi[2]
	}
	near := func(d int) float64 { // the coordinate of axis d nearest the viewer
		if v.dir[d] >= 0 {
			return hi[d]
		}
		return lo[d]
	}
	out := []axisEdge{
		{0, [3]float64{(lo[0] + hi[0]) / 2, near(1), zf}},
		{1, [3]float64{near(0), (lo[1] + hi[1]) / 2, zf}},
	}
	best := axisEdge{axis: 2}
	bestX := vg.Length(math.Inf(1))
	for _, xy := range [][2]float64{{lo[0], lo[1]}, {lo[0], hi[1]}, {hi[0], lo[1]}, {hi[0], hi[1]}} {
		mid := [3]float64{xy[0], xy[1], (lo[2] + hi[2]) / 2}
		if x := toCanvas(mid).X; x < bestX-1e-9 {
			best.mid, bestX = mid, x
		}
	}
	return append(out, best)
}
