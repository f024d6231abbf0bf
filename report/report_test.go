package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// outDir is where figures go: a temporary folder, or $REPORT_KEEP to keep
// them for a look.
func outDir(t *testing.T) string {
	if d := os.Getenv("REPORT_KEEP"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// checkFigure checks that base.png is a PNG of the expected pixel size with
// more than one colour, containing each of wantColors (within a small
// tolerance), that base.svg is well-formed XML mentioning each of
// wantText, and that nothing else was left in the folder.
func checkFigure(t *testing.T, base string, wIn, hIn float64, wantColors []color.Color, wantText ...string) image.Image {
	t.Helper()
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s.png: %v", base, err)
	}
	b := img.Bounds()
	if w, h := int(math.Round(wIn*DPI)), int(math.Round(hIn*DPI)); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s.png is %d×%d pixels, want %d×%d", base, b.Dx(), b.Dy(), w, h)
	}
	distinct := map[color.RGBA]bool{}
	found := make([]bool, len(wantColors))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if len(distinct) < 1000 {
				distinct[c] = true
			}
			for i, wc := range wantColors {
				if !found[i] && near(c, wc, 6) {
					found[i] = true
				}
			}
		}
	}
	if len(distinct) < 3 {
		t.Errorf("%s.png has only %d colours", base, len(distinct))
	}
	for i, ok := range found {
		if !ok {
			t.Errorf("%s.png lacks colour %v", base, wantColors[i])
		}
	}
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(svg, []byte("<?xml")) && !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("%s.svg starts with %q", base, svg[:min(len(svg), 20)])
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var root string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s.svg is not well-formed XML: %v", base, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s.svg: root element %q, want svg", base, root)
	}
	if !bytes.Contains(svg, []byte("sans-serif")) {
		t.Errorf("%s.svg names no generic font fallback", base)
	}
	for _, s := range wantText {
		if !bytes.Contains(svg, []byte(">"+escapeXML(s)+"</text>")) {
			t.Errorf("%s.svg does not contain the text %q", base, s)
		}
	}
	if os.Getenv("REPORT_KEEP") == "" {
		entries, _ := os.ReadDir(filepath.Dir(base))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		want := []string{filepath.Base(base) + ".png", filepath.Base(base) + ".svg"}
		if !slices.Equal(names, want) {
			t.Errorf("folder holds %v, want %v", names, want)
		}
	}
	return img
}

func escapeXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func near(c color.RGBA, want color.Color, tol int) bool {
	w := color.RGBAModel.Convert(want).(color.RGBA)
	d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
	return d(c.R, w.R) <= tol && d(c.G, w.G) <= tol && d(c.B, w.B) <= tol
}

func TestLinePlot(t *testing.T) {
	eps := []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.3}
	var series []Series
	for i, beta := range []string{"β = 0", "β = 1", "β = 10"} {
		s := Series{Name: beta, X: eps}
		for _, e := range eps {
			s.Y = append(s.Y, 0.98*math.Exp(-e*float64(10-3*i)))
			s.YErr = append(s.YErr, 0.02)
		}
		series = append(series, s)
	}
	dir := outDir(t)
	base := filepath.Join(dir, "robustness")
	if err := LinePlot(base, "FGSM robustness on MNIST", "ε (L∞ budget, pixel scale 0–1)", "test accuracy", series, true, WithLegendTitle("isometry weight")); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base, 6, 4, []color.Color{Palette[0], Palette[1], Palette[2]},
		"FGSM robustness on MNIST", "test accuracy", "β = 10", "0.01", "0.1", "0.2")

	// Linear axis, a custom size, one unnamed series: no legend column.
	dir2 := outDir(t)
	base2 := filepath.Join(dir2, "linear")
	if err := LinePlot(base2, "loss", "epoch", "loss", []Series{{X: []float64{0, 1, 2}, Y: []float64{3, 2, 1.5}}}, false, WithSize(4, 3)); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base2, 4, 3, []color.Color{Palette[0]}, "epoch")
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{0.01, 0.3, []string{"0.01", "0.02", "0.05", "0.1", "0.2"}},
		{0.001, 10, []string{"0.001", "0.01", "0.1", "1", "10"}},
		{0.03, 0.045, []string{"0.03", "0.04"}},
	} {
		if got := labels(c.lo, c.hi); !slices.Equal(got, c.want) {
			t.Errorf("log ticks on [%g, %g] = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}

// blobs returns k Gaussian clusters of n points each.
func blobs(k, n int, seed uint64) ([][2]float64, []int) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var pts [][2]float64
	var labels []int
	for c := range k {
		a := 2 * math.Pi * float64(c) / float64(k)
		for range n {
			pts = append(pts, [2]float64{8*math.Cos(a) + r.NormFloat64(), 8*math.Sin(a) + r.NormFloat64()})
			labels = append(labels, c)
		}
	}
	return pts, labels
}

func TestScatter(t *testing.T) {
	pts, labels := blobs(10, 300, 1)
	names := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	dir := outDir(t)
	base := filepath.Join(dir, "umap")
	if err := Scatter(base, "UMAP of the last hidden layer", pts, labels, names, WithAxisLabels("UMAP 1", "UMAP 2")); err != nil {
		t.Fatal(err)
	}
	// Legend swatches are opaque, so every class colour appears exactly.
	checkFigure(t, base, 6.5, 5, Colors(10), "UMAP 1", "nine (300)")

	// Two classes, names from the labels.
	pts2, labels2 := blobs(2, 100, 2)
	dir2 := outDir(t)
	base2 := filepath.Join(dir2, "two")
	if err := Scatter(base2, "two blobs", pts2, labels2, nil); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base2, 6.5, 5, Palette[:2], "0 (100)", "1 (100)")
}

// rings returns the two entangled rings of the paper's Fig. 2: one in the
// x–y plane around the origin, one in the x–z plane around (1, 0, 0).
func rings(n int) ([][3]float64, []int) {
	r := rand.New(rand.NewPCG(3, 4))
	var pts [][3]float64
	var labels []int
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		s, c := math.Sincos(a)
		pts = append(pts, [3]float64{c + 0.05*r.NormFloat64(), s + 0.05*r.NormFloat64(), 0.05 * r.NormFloat64()})
		labels = append(labels, 0)
		pts = append(pts, [3]float64{1 + c + 0.05*r.NormFloat64(), 0.05 * r.NormFloat64(), s + 0.05*r.NormFloat64()})
		labels = append(labels, 1)
	}
	return pts, labels
}

func TestScatter3D(t *testing.T) {
	pts, labels := rings(400)
	dir := outDir(t)
	base := filepath.Join(dir, "rings")
	if err := Scatter3D(base, "Entangled rings (input)", pts, labels, []string{"ring A", "ring B"}, -60, 25); err != nil {
		t.Fatal(err)
	}
	img := checkFigure(t, base, 6, 5, Palette[:2], "ring A", "Entangled rings (input)", "z")
	// The nearest points are drawn in the full class colour; the farthest
	// are paler. Both rings must show their full colour somewhere in the
	// plot area, i.e. left of the legend.
	b := img.Bounds()
	for k := range 2 {
		ok := false
		for y := b.Min.Y; y < b.Max.Y && !ok; y++ {
			for x := b.Min.X; x < b.Min.X+b.Dx()*3/4 && !ok; x++ {
				ok = near(color.RGBAModel.Convert(img.At(x, y)).(color.RGBA), Palette[k], 16)
			}
		}
		if !ok {
			t.Errorf("class %d's colour is missing from the plot area", k)
		}
	}
}

func TestProjection(t *testing.T) {
	// Azimuth 0, elevation 0: looking along −x, screen x is world y, screen
	// y is world z, depth is world x.
	v := newView(0, 0)
	for _, c := range []struct {
		q          [3]float64
		sx, sy, dz float64
	}{
		{[3]float64{1, 0, 0}, 0, 0, 1},
		{[3]float64{0, 1, 0}, 1, 0, 0},
		{[3]float64{0, 0, 1}, 0, 1, 0},
	} {
		x, y := v.screen(c.q)
		if math.Abs(x-c.sx) > 1e-12 || math.Abs(y-c.sy) > 1e-12 || math.Abs(v.depth(c.q)-c.dz) > 1e-12 {
			t.Errorf("view(0,0) of %v = (%g, %g, depth %g), want (%g, %g, %g)", c.q, x, y, v.depth(c.q), c.sx, c.sy, c.dz)
		}
	}
	// Elevation 90: looking down; depth is z, and the screen is the x–y
	// plane rotated by the azimuth. Projection preserves lengths in the
	// screen plane: e1, e2, dir are orthonormal for any angles.
	for _, ang := range [][2]float64{{0, 90}, {-60, 25}, {137, -40}} {
		v := newView(ang[0], ang[1])
		vs := [][3]float64{v.e1, v.e2, v.dir}
		for i := range 3 {
			for j := range 3 {
				want := 0.0
				if i == j {
					want = 1
				}
				if got := dot(vs[i], vs[j]); math.Abs(got-want) > 1e-12 {
					t.Errorf("view %v: basis %d·%d = %g, want %g", ang, i, j, got, want)
				}
			}
		}
	}
	if d := newView(0, 90).depth([3]float64{0, 0, 2}); math.Abs(d-2) > 1e-12 {
		t.Errorf("view(0,90) depth of (0,0,2) = %g, want 2", d)
	}
	// The far face for axis x is at x = lo when the viewer is on the +x side.
	face := newView(0, 10).farFace(0, [3]float64{-1, -2, -3}, [3]float64{1, 2, 3})
	for _, q := range face {
		if q[0] != -1 {
			t.Errorf("far x face corner %v, want x = -1", q)
		}
	}
}

func TestHistPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sample := func(n int, mu, sd float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Abs(mu + sd*r.NormFloat64())
		}
		return v
	}
	var panels []HistPanel
	for k := range 2 {
		panels = append(panels, HistPanel{
			Title: []string{"ring A", "ring B"}[k], A: sample(2000, 1.2, 0.4), B: sample(2000, 1.0+0.3*float64(k), 0.5),
			ALabel: "input distance", BLabel: "representation distance",
		})
	}
	dir := outDir(t)
	base := filepath.Join(dir, "hist2")
	if err := HistPairs(base, "Same-class distances, β = 1", panels); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base, 6.4, 3.3, []color.Color{Palette[0], Palette[1]}, "ring B", "representation distance", "density")

	// Ten panels in two rows; labels differ per panel, so each has a legend;
	// one panel has an empty B.
	panels = panels[:0]
	for k := range 10 {
		panels = append(panels, HistPanel{Title: "digit " + string(rune('0'+k)), A: sample(500, 10, 2), B: sample(500, 8, 3),
			ALabel: "input", BLabel: "layer " + string(rune('0'+k%3)), Bins: 25})
	}
	panels[9].B = nil
	dir2 := outDir(t)
	base2 := filepath.Join(dir2, "hist10")
	if err := HistPairs(base2, "MNIST", panels, WithAxisLabels("L2 distance", "density")); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base2, 16, 5.9, nil, "digit 9", "layer 2", "L2 distance")
}

func TestDensityHist(t *testing.T) {
	// Four values on [0, 2] in 2 bins: 0, 0.5 | 1.5, 2 (the top value goes
	// in the last bin); density = count / (n · width) = 2 / (4 · 1) = 0.5.
	h := densityHist([]float64{0, 0.5, 1.5, 2}, 0, 2, 2, Palette[0])
	area := 0.0
	for i, want := range []float64{0.5, 0.5} {
		if got := h.Bins[i].Weight; math.Abs(got-want) > 1e-12 {
			t.Errorf("bin %d = %g, want %g", i, got, want)
		}
		area += h.Bins[i].Weight * (h.Bins[i].Max - h.Bins[i].Min)
	}
	if math.Abs(area-1) > 1e-12 {
		t.Errorf("area = %g, want 1", area)
	}
	h = densityHist([]float64{0.1, 0.2, 0.3, 2.9}, 0, 3, 3, Palette[0])
	for i, want := range []float64{0.75, 0, 0.25} {
		if got := h.Bins[i].Weight; math.Abs(got-want) > 1e-12 {
			t.Errorf("bin %d = %g, want %g", i, got, want)
		}
	}
}

func TestPersistenceDiagram(t *testing.T) {
	dims := map[int][][2]float64{
		0: {{0, 0.3}, {0, 0.5}, {0, 0.9}, {0, math.Inf(1)}},
		1: {{0.6, 1.4}, {0.8, 0.95}},
	}
	dir := outDir(t)
	base := filepath.Join(dir, "pd")
	if err := PersistenceDiagram(base, "Vietoris–Rips persistence", dims); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base, 5.5, 5, []color.Color{Palette[0], Palette[1]}, "H0 (4)", "H1 (2)", "∞", "birth", "death")
}

func TestValidation(t *testing.T) {
	nan := math.NaN()
	ok2 := [][2]float64{{0, 0}, {1, 1}}
	cases := []struct {
		name string
		call func(base string) error
		want string
	}{
		{"no series", func(b string) error { return LinePlot(b, "", "", "", nil, false) }, "no series"},
		{"empty series", func(b string) error { return LinePlot(b, "", "", "", []Series{{Name: "s"}}, false) }, `series "s" is empty`},
		{"x/y lengths", func(b string) error {
			return LinePlot(b, "", "", "", []Series{{Name: "s", X: []float64{1, 2}, Y: []float64{1}}}, false)
		}, "2 x values and 1 y values"},
		{"yerr length", func(b string) error {
			return LinePlot(b, "", "", "", []Series{{Name: "s", X: []float64{1, 2}, Y: []float64{1, 2}, YErr: []float64{1}}}, false)
		}, "1 YErr values"},
		{"negative yerr", func(b string) error {
			return LinePlot(b, "", "", "", []Series{{X: []float64{1}, Y: []float64{1}, YErr: []float64{-1}}}, false)
		}, `series "#0": YErr[0] = -1 is negative`},
		{"nan y", func(b string) error {
			return LinePlot(b, "", "", "", []Series{{Name: "s", X: []float64{1, 2}, Y: []float64{1, nan}}}, false)
		}, `series "s": y[1] is NaN`},
		{"log of zero", func(b string) error {
			return LinePlot(b, "", "", "", []Series{{Name: "s", X: []float64{0, 1}, Y: []float64{1, 2}}}, true)
		}, "x[0] = 0 cannot go on a logarithmic axis"},
		{"no points", func(b string) error { return Scatter(b, "", nil, nil, nil) }, "no points"},
		{"labels length", func(b string) error { return Scatter(b, "", ok2, []int{0}, nil) }, "2 points but 1 labels"},
		{"label range", func(b string) error { return Scatter(b, "", ok2, []int{0, 2}, []string{"a", "b"}) }, "label 2 of point 1 is outside the 2 classes"},
		{"negative label", func(b string) error { return Scatter(b, "", ok2, []int{-1, 0}, nil) }, "label -1 of point 0"},
		{"nan point", func(b string) error { return Scatter(b, "", [][2]float64{{0, nan}}, []int{0}, nil) }, "point y[0] is NaN"},
		{"3d labels", func(b string) error { return Scatter3D(b, "", [][3]float64{{0, 0, 0}}, nil, nil, 0, 0) }, "1 points but 0 labels"},
		{"3d inf", func(b string) error {
			return Scatter3D(b, "", [][3]float64{{0, math.Inf(1), 0}}, []int{0}, nil, 0, 0)
		}, "point 0[1] is +Inf"},
		{"3d angle", func(b string) error { return Scatter3D(b, "", [][3]float64{{0, 0, 0}}, []int{0}, nil, nan, 0) }, "view angle[0] is NaN"},
		{"no panels", func(b string) error { return HistPairs(b, "", nil) }, "no panels"},
		{"empty panel", func(b string) error { return HistPairs(b, "", []HistPanel{{Title: "c"}}) }, `panel 0 ("c"): both samples are empty`},
		{"bins", func(b string) error { return HistPairs(b, "", []HistPanel{{A: []float64{1}, Bins: -3}}) }, "bins = -3"},
		{"nan hist", func(b string) error { return HistPairs(b, "", []HistPanel{{A: []float64{1}, B: []float64{nan}}}) }, "B[0] is NaN"},
		{"no pairs", func(b string) error { return PersistenceDiagram(b, "", map[int][][2]float64{0: nil}) }, "no persistence pairs"},
		{"death before birth", func(b string) error {
			return PersistenceDiagram(b, "", map[int][][2]float64{1: {{0.5, 0.2}}})
		}, "H1 pair 0: death 0.2 is before birth 0.5"},
		{"inf birth", func(b string) error {
			return PersistenceDiagram(b, "", map[int][][2]float64{0: {{math.Inf(1), math.Inf(1)}}})
		}, "birth is +Inf"},
		{"negative dim", func(b string) error { return PersistenceDiagram(b, "", map[int][][2]float64{-1: {{0, 1}}}) }, "negative homology dimension"},
		{"empty base", func(string) error {
			return LinePlot("", "", "", "", []Series{{X: []float64{1}, Y: []float64{1}}}, false)
		}, "empty output name"},
		{"missing folder", func(b string) error {
			return Scatter(filepath.Join(b, "no", "such"), "", ok2, []int{0, 1}, nil)
		}, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			err := c.call(filepath.Join(dir, "fig"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "report: ") {
				t.Errorf("error %q lacks the report: prefix", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a failed call left %d files", len(entries))
			}
		})
	}
}

func TestColors(t *testing.T) {
	if got := Colors(3); len(got) != 3 || got[0] != Palette[0] || got[2] != Palette[2] {
		t.Errorf("Colors(3) = %v, want the first three of Palette", got)
	}
	// Okabe–Ito blue is #0072B2.
	if c := color.NRGBAModel.Convert(Palette[0]).(color.NRGBA); c != (color.NRGBA{0, 0x72, 0xB2, 0xff}) {
		t.Errorf("Palette[0] = %v", c)
	}
	// Oklab reference: L = 1 is white, L = 0 black; Oklab (0.6279554, 0.22486,
	// 0.12585) is sRGB red (Ottosson's published example values).
	for _, c := range []struct {
		l, a, b float64
		want    color.NRGBA
	}{
		{1, 0, 0, color.NRGBA{255, 255, 255, 255}},
		{0, 0, 0, color.NRGBA{0, 0, 0, 255}},
		{0.6279554, 0.2248631, 0.1258463, color.NRGBA{255, 0, 0, 255}},
	} {
		got, ok := oklabToSRGB(c.l, c.a, c.b)
		if !ok || !near(color.RGBA(got), c.want, 1) {
			t.Errorf("oklab(%g, %g, %g) = %v (in gamut %v), want %v", c.l, c.a, c.b, got, ok, c.want)
		}
	}
	// Beyond eight: n distinct colours, alternating lightness.
	cs := Colors(12)
	seen := map[color.Color]bool{}
	for i, c := range cs {
		seen[c] = true
		if i > 0 {
			l0, l1 := luma(cs[i-1]), luma(c)
			if math.Abs(l0-l1) < 0.1 {
				t.Errorf("Colors(12)[%d] and [%d] have luma %.2f and %.2f: too close", i-1, i, l0, l1)
			}
		}
	}
	if len(seen) != 12 {
		t.Errorf("Colors(12) has %d distinct colours", len(seen))
	}
}

func luma(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

func TestMarkdownTable(t *testing.T) {
	got := MarkdownTable([]string{"dataset", "β", "accuracy"}, [][]string{
		{"mnist", "0", "0.9712"},
		{"a|b", "10", ""},
		{"rings\nA"},
	})
	want := "" +
		"| dataset |   β | accuracy |\n" +
		"| ------- | --: | -------: |\n" +
		"| mnist   |   0 |   0.9712 |\n" +
		"| a\\|b    |  10 |          |\n" +
		"| rings A |     |          |\n"
	if got != want {
		t.Errorf("MarkdownTable =\n%s\nwant\n%s", got, want)
	}
	if got := MarkdownTable(nil, nil); got != "" {
		t.Errorf("empty table = %q", got)
	}
}

func TestHTMLTable(t *testing.T) {
	got := HTMLTable([]string{"name", "<r>"}, [][]string{{"a & b", "0.5"}, {`"q"`}})
	want := "<table>\n<thead>\n<tr><th>name</th><th class=\"num\">&lt;r&gt;</th></tr>\n</thead>\n<tbody>\n" +
		"<tr><td>a &amp; b</td><td class=\"num\">0.5</td></tr>\n" +
		"<tr><td>&#34;q&#34;</td><td class=\"num\"></td></tr>\n" +
		"</tbody>\n</table>\n"
	if got != want {
		t.Errorf("HTMLTable =\n%s\nwant\n%s", got, want)
	}
}

func TestNiceTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (niceTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-2.9, 2.4, []string{"-2", "-1", "0", "1", "2"}},
		{-12, 11, []string{"-10", "-5", "0", "5", "10"}},
		{0.9, 0.98, []string{"0.90", "0.92", "0.94", "0.96", "0.98"}},
		{0, 1.5, []string{"0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50"}},
		{0, 4000, []string{"0", "1000", "2000", "3000", "4000"}},
		{3, 3, []string{"3"}},
	} {
		if got := labels(c.lo, c.hi); !slices.Equal(got, c.want) {
			t.Errorf("ticks on [%g, %g] = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}

// BenchmarkScatter10k draws a 10000-point, 10-class scatter plot (the size
// of a UMAP of the MNIST test set) to PNG and SVG.
func BenchmarkScatter10k(b *testing.B) {
	pts, labels := blobs(10, 1000, 7)
	base := filepath.Join(b.TempDir(), "s")
	for b.Loop() {
		if err := Scatter(base, "10k", pts, labels, nil); err != nil {
			b.Fatal(err)
		}
	}
}
