package report

import (
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPareto: hand-made points, with dominance in one coordinate only,
// exact ties (both on the front) and a point tied in one coordinate but
// worse in the other (off the front).
func TestPareto(t *testing.T) {
	for _, c := range []struct {
		name string
		x, y []float64
		want []bool
	}{
		{"chain", []float64{0.9, 0.8, 0.7}, []float64{0.1, 0.5, 0.6}, []bool{true, true, true}},
		{"dominated", []float64{0.9, 0.8, 0.95}, []float64{0.5, 0.4, 0.6}, []bool{false, false, true}},
		{"tie", []float64{0.9, 0.9, 0.8}, []float64{0.5, 0.5, 0.4}, []bool{true, true, false}},
		{"same x, lower y", []float64{0.9, 0.9}, []float64{0.5, 0.4}, []bool{true, false}},
		{"same y, lower x", []float64{0.9, 0.85}, []float64{0.5, 0.5}, []bool{true, false}},
		{"one", []float64{0.3}, []float64{0.2}, []bool{true}},
		{"none", nil, nil, []bool{}},
	} {
		if got := Pareto(c.x, c.y); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if Dominates(0.5, 0.5, 0.5, 0.5) || !Dominates(0.5, 0.6, 0.5, 0.5) || Dominates(0.6, 0.4, 0.5, 0.5) {
		t.Error("Dominates: a tie dominates, or a strict gain in one coordinate does not, or a trade-off does")
	}
}

// TestFrontPlot: the figure has each line's colour, the legend's names, a
// knob label and both files; bad lines are refused by name and write
// nothing.
func TestFrontPlot(t *testing.T) {
	lines := []FrontLine{
		{Name: "LIL", X: []float64{0.97, 0.96, 0.88}, Y: []float64{0.02, 0.05, 0.1}, Labels: []string{"0", "1", "10"}},
		{Name: "PGD-AT", X: []float64{0.95, 0.9}, Y: []float64{0.6, 0.7}, Labels: []string{"0.1", "0.3"}},
		{Name: "1-Lipschitz", X: []float64{0.93}, Y: []float64{0.3}},
	}
	var x, y []float64
	for _, l := range lines {
		x, y = append(x, l.X...), append(y, l.Y...)
	}
	on := Pareto(x, y)
	k := 0
	for i := range lines {
		lines[i].OnFront = on[k : k+len(lines[i].X)]
		k += len(lines[i].X)
	}
	if want := []bool{true, true, false, true, true, false}; !slices.Equal(on, want) {
		t.Fatalf("front %v, want %v", on, want)
	}
	base := filepath.Join(outDir(t), "front")
	if err := FrontPlot(base, "MNIST clean vs robust", "clean accuracy", "robust accuracy", lines, WithLegendTitle("method")); err != nil {
		t.Fatal(err)
	}
	checkFigure(t, base, 6.5, 4.5, []color.Color{Palette[0], Palette[1], Palette[2]}, "MNIST clean vs robust", "PGD-AT", "1-Lipschitz", "Pareto front", "0.3")
	for _, c := range []struct {
		name string
		l    []FrontLine
		want string
	}{
		{"none", nil, "no line"},
		{"lengths", []FrontLine{{Name: "a", X: []float64{0.1, 0.2}, Y: []float64{0.1}, OnFront: []bool{true, true}}}, "2 x values, 1 y values"},
		{"range", []FrontLine{{Name: "a", X: []float64{1.5}, Y: []float64{0.1}, OnFront: []bool{true}}}, "not an accuracy"},
		{"labels", []FrontLine{{Name: "a", X: []float64{0.5}, Y: []float64{0.1}, OnFront: []bool{true}, Labels: []string{"1", "2"}}}, "2 labels for 1 points"},
	} {
		dir := t.TempDir()
		err := FrontPlot(filepath.Join(dir, "f"), "", "", "", c.l)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: wrote %d files", c.name, len(ents))
		}
	}
}
