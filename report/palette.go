package report

import (
	"image/color"
	"math"
)

// Palette is the Okabe–Ito palette of eight colours that stay distinct under
// the common forms of colour blindness, ordered so that the first colours
// read best on white (yellow, the weakest on white, is last).
var Palette = []color.Color{
	color.NRGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.NRGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.NRGBA{0x00, 0x9E, 0x73, 0xff}, // bluish green
	color.NRGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.NRGBA{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	color.NRGBA{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	color.NRGBA{0x00, 0x00, 0x00, 0xff}, // black
	color.NRGBA{0xF0, 0xE4, 0x42, 0xff}, // yellow
}

// Colors returns n class colours: the first n of Palette when n ≤ 8, and
// otherwise n hues evenly spaced around the OKLCH colour wheel, alternating
// between a darker and a lighter tone so that neighbouring classes also
// differ in lightness. No palette of more than about eight colours is
// distinguishable by every reader; beyond eight, the lightness alternation is
// what keeps adjacent classes apart.
func Colors(n int) []color.Color {
	if n <= len(Palette) {
		return append([]color.Color(nil), Palette[:max(n, 0)]...)
	}
	out := make([]color.Color, n)
	for i := range n {
		l := 0.52
		if i%2 == 1 {
			l = 0.74
		}
		h := 2 * math.Pi * (0.08 + float64(i)/float64(n))
		out[i] = oklch(l, 0.15, h)
	}
	return out
}

// oklch converts an OKLCH colour (lightness 0–1, chroma, hue in radians) to
// sRGB, reducing the chroma until the colour is inside the sRGB gamut.
func oklch(l, c, h float64) color.NRGBA {
	for ; c > 0; c -= 0.005 {
		if rgb, ok := oklabToSRGB(l, c*math.Cos(h), c*math.Sin(h)); ok {
			return rgb
		}
	}
	rgb, _ := oklabToSRGB(l, 0, 0)
	return rgb
}

// oklabToSRGB converts Oklab (Ottosson, 2020) to 8-bit sRGB; ok is false
// when the colour lies outside the sRGB gamut.
func oklabToSRGB(l, a, b float64) (color.NRGBA, bool) {
	l1 := l + 0.3963377774*a + 0.2158037573*b
	m1 := l - 0.1055613458*a - 0.0638541728*b
	s1 := l - 0.0894841775*a - 1.2914855480*b
	l3, m3, s3 := l1*l1*l1, m1*m1*m1, s1*s1*s1
	lin := [3]float64{
		+4.0767416621*l3 - 3.3077115913*m3 + 0.2309699292*s3,
		-1.2684380046*l3 + 2.6097574011*m3 - 0.3413193965*s3,
		-0.0041960863*l3 - 0.7034186147*m3 + 1.7076147010*s3,
	}
	var out [3]uint8
	for i, v := range lin {
		if v < -1e-4 || v > 1+1e-4 {
			return color.NRGBA{}, false
		}
		v = min(max(v, 0), 1)
		// sRGB transfer function.
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		out[i] = uint8(math.Round(255 * v))
	}
	return color.NRGBA{out[0], out[1], out[2], 0xff}, true
}

// withAlpha returns c with its opacity set to a (0–1).
func withAlpha(c color.Color, a float64) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(math.Round(255 * a))
	return n
}

// blend mixes c with white: t = 0 gives c, t = 1 gives white.
func blend(c color.Color, t float64) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	mix := func(v uint8) uint8 { return uint8(math.Round(float64(v) + t*(255-float64(v)))) }
	return color.NRGBA{mix(n.R), mix(n.G), mix(n.B), n.A}
}
