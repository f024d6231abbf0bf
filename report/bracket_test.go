package report

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBracketPlot: the figure has each bracket's colour, its legend names,
// the tick labels of the radii (the square-root axis labels exactly the
// radii given), and both files; bad brackets are refused by name and write
// nothing.
func TestBracketPlot(t *testing.T) {
	x := []float64{0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1}
	var bs []Bracket
	for i, name := range []string{"β = 0", "β = 1", "β = 10"} {
		b := Bracket{Name: name, X: x}
		for j := range x {
			hi := 0.97 - 0.05*float64(i) - 4*x[j]
			b.Hi = append(b.Hi, hi)
			b.Lo = append(b.Lo, max(0, hi-30*x[j]))
		}
		bs = append(bs, b)
	}
	base := filepath.Join(outDir(t), "bracket")
	if err := BracketPlot(base, "MNIST robustness bracket", "ε (L∞)", "accuracy", bs, WithLegendTitle("β")); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base, 6, 4, []color.Color{Palette[0], Palette[1], Palette[2]}, "MNIST robustness bracket", "β = 10", "0.001", "0.005", "0.05")

	for _, c := range []struct {
		name string
		b    []Bracket
		want string
	}{
		{"none", nil, "no bracket"},
		{"lengths", []Bracket{{Name: "a", X: []float64{0, 1}, Lo: []float64{0}, Hi: []float64{1, 1}}}, "2 x values, 1 lower"},
		{"crossed", []Bracket{{Name: "a", X: []float64{0, 1}, Lo: []float64{0.5, 0.6}, Hi: []float64{0.5, 0.4}}}, "lower bound 0.6 is above the upper bound 0.4 at x = 1"},
		{"order", []Bracket{{Name: "a", X: []float64{0, 0}, Lo: []float64{0, 0}, Hi: []float64{1, 1}}}, "x[1] = 0 does not increase"},
	} {
		dir := t.TempDir()
		err := BracketPlot(filepath.Join(dir, "f"), "", "", "", c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: wrote %d files", c.name, len(ents))
		}
	}
	if v := (sqrtScale{}).Normalize(0, 0.04, 0.01); v != 0.5 {
		t.Errorf("sqrt scale: 0.01 on [0, 0.04] at %g, want 0.5", v)
	}
}
