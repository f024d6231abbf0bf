package report

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImageGrid: a valid grid writes a PNG of the configured size and an
// SVG; bad input is an error naming the problem and writes nothing.
func TestImageGrid(t *testing.T) {
	dir := t.TempDir()
	cell := func(v float32) ImageCell { return ImageCell{Pixels: []float32{0, v, v, 1}, Caption: "c"} }
	rows := [][]ImageCell{{cell(0.5), cell(0.2)}, {cell(1), {Pixels: []float32{1, 1, 0, 0}, Caption: "x", Wrong: true}}}
	base := filepath.Join(dir, "grid")
	if err := ImageGrid(base, "t", []string{"a", "b"}, rows); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	// Width: max(5 in, 2·0.15 + 2·0.85 + 0.12 in) = 5 in at DPI.
	if cfg.Width != 5*DPI {
		t.Errorf("PNG width %d, want %d", cfg.Width, 5*DPI)
	}
	if _, err := os.Stat(base + ".svg"); err != nil {
		t.Error(err)
	}
	nan := float32(math.NaN())
	for _, tc := range []struct {
		titles []string
		rows   [][]ImageCell
		want   string
	}{
		{[]string{"a"}, rows, "1 row titles for 2 rows"},
		{[]string{"a", "b"}, [][]ImageCell{rows[0], rows[1][:1]}, "row 1 has 1 images, row 0 has 2"},
		{[]string{"a", "b"}, [][]ImageCell{rows[0], {cell(1), {Pixels: []float32{1}}}}, "image [1][1] has 1 pixels, want 4"},
		{[]string{"a", "b"}, [][]ImageCell{rows[0], {cell(1), cell(nan)}}, "image [1][1]: pixel 1 is NaN"},
		{nil, nil, "without images"},
	} {
		b := filepath.Join(dir, "bad")
		err := ImageGrid(b, "t", tc.titles, tc.rows)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
		if _, err := os.Stat(b + ".png"); err == nil {
			t.Errorf("%q: wrote a picture", tc.want)
		}
	}
}
