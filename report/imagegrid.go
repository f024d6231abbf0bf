package report

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ImageCell is one picture of an ImageGrid: grey pixels in [0, 1], row by
// row, of a square image (a non-square count is drawn as one row), and the
// caption below it, in red when Wrong.
type ImageCell struct {
	Pixels  []float32
	Caption string
	Wrong   bool
}

// ImageGrid draws rows of small grey images, each row under its title and
// each image over its caption, and writes base.png and base.svg. Every row
// must have the same number of cells and every cell the same number of
// pixels; pixels must be finite.
func ImageGrid(base, title string, rowTitles []string, cells [][]ImageCell) error {
	if len(cells) == 0 || len(cells[0]) == 0 {
		return errors.New("report: image grid without images")
	}
	if len(rowTitles) != len(cells) {
		return fmt.Errorf("report: image grid: %d row titles for %d rows", len(rowTitles), len(cells))
	}
	ncol, npx := len(cells[0]), len(cells[0][0].Pixels)
	if npx == 0 {
		return errors.New("report: image grid: empty image")
	}
	imgs := make([][]image.Image, len(cells))
	for i, row := range cells {
		if len(row) != ncol {
			return fmt.Errorf("report: image grid: row %d has %d images, row 0 has %d", i, len(row), ncol)
		}
		for j, cell := range row {
			if len(cell.Pixels) != npx {
				return fmt.Errorf("report: image grid: image [%d][%d] has %d pixels, want %d", i, j, len(cell.Pixels), npx)
			}
			img, err := grey(cell.Pixels)
			if err != nil {
				return fmt.Errorf("report: image grid: image [%d][%d]: %w", i, j, err)
			}
			imgs[i] = append(imgs[i], img)
		}
	}
	const (
		side    = 0.85 // inches per image
		gap     = 0.12
		caption = 0.2
		rowHead = 0.26
		margin  = 0.15
		head    = 0.4
	)
	w := 2*margin + float64(ncol)*side + float64(ncol-1)*gap
	h := head + float64(len(cells))*(rowHead+side+caption) + margin
	cfg := newConfig(max(w, 5), h, nil)
	in := func(x float64) vg.Length { return vg.Length(x) * vg.Inch }
	return save(base, cfg, func(c draw.Canvas) {
		fillWhite(c)
		ts := newLegend().TextStyle
		ts.Font = sans(titleSize)
		ts.XAlign = draw.XCenter
		mid := (c.Min.X + c.Max.X) / 2
		c.FillText(ts, vg.Point{X: mid, Y: c.Max.Y - in(head) + in(0.12)}, title)
		left := mid - in(w)/2 + in(margin)
		y := c.Max.Y - in(head)
		for i, row := range cells {
			rs := newLegend().TextStyle
			rs.Font = sans(legendSize)
			c.FillText(rs, vg.Point{X: left, Y: y - in(rowHead) + in(0.07)}, rowTitles[i])
			y -= in(rowHead)
			for j, cell := range row {
				x := left + in(float64(j)*(side+gap))
				r := vg.Rectangle{Min: vg.Point{X: x, Y: y - in(side)}, Max: vg.Point{X: x + in(side), Y: y}}
				c.DrawImage(r, imgs[i][j])
				cs := newLegend().TextStyle
				cs.Font = sans(tickSize)
				cs.XAlign = draw.XCenter
				if cell.Wrong {
					cs.Color = color.NRGBA{R: 0xc0, G: 0x1c, B: 0x1c, A: 0xff}
				}
				c.FillText(cs, vg.Point{X: x + in(side)/2, Y: y - in(side) - in(caption) + in(0.06)}, cell.Caption)
			}
			y -= in(side + caption)
		}
	})
}

// grey turns pixels in [0, 1] into an image, white on black as MNIST
// stores them.
func grey(px []float32) (image.Image, error) {
	n := len(px)
	s := int(math.Round(math.Sqrt(float64(n))))
	hgt, wid := s, s
	if s*s != n {
		hgt, wid = 1, n
	}
	img := image.NewGray(image.Rect(0, 0, wid, hgt))
	for k, v := range px {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("pixel %d is %v", k, v)
		}
		img.Pix[k] = uint8(math.Round(255 * min(max(float64(v), 0), 1)))
	}
	return img, nil
}
