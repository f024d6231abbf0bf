package data

import (
	"math"
	"slices"
	"testing"
)

func TestTorus(t *testing.T) {
	s := Torus(0.001, 7)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1600 || s.Dim() != 3 || !equalInts(s.Classes, []int{2, 4, 8}) {
		t.Fatalf("got %d×%d with classes %v, want 1600×3 with [2 4 8]", s.Len(), s.Dim(), s.Classes)
	}
	if err := CheckRefines(s.Labels); err != nil {
		t.Error(err)
	}
	// Class sizes: 800, 400 and 200 points per class at levels 0, 1, 2.
	for k, want := range []int{800, 400, 200} {
		count := make([]int, s.Classes[k])
		for _, c := range s.Labels[k] {
			count[c]++
		}
		for c, n := range count {
			if n != want {
				t.Errorf("level %d class %d has %d points, want %d", k, c, n, want)
			}
		}
	}
	// One global min/max rescale: min 0 and max 1 over all coordinates.
	lo, hi := slices.Min(s.X.Data), slices.Max(s.X.Data)
	if lo != 0 || hi != 1 {
		t.Errorf("coordinates in [%v, %v], want min 0 and max 1", lo, hi)
	}

	// Recover the grid angles from the points alone. The rescale maps every
	// coordinate by the same v ↦ a·v + b, so angles about the centre (the
	// mean point) survive it.
	var c [3]float64
	for i := range s.Len() {
		for j := range 3 {
			c[j] += float64(s.X.At(i, j)) / float64(s.Len())
		}
	}
	rho := make([]float64, s.Len())
	meanRho := 0.0
	for i := range rho {
		rho[i] = math.Hypot(float64(s.X.At(i, 0))-c[0], float64(s.X.At(i, 1))-c[1])
		meanRho += rho[i] / float64(len(rho))
	}
	const step = 2 * math.Pi / 40
	gridIndex := func(angle float64) (int, float64) {
		k := math.Round(angle / step)
		return (int(k) + 40) % 40, math.Abs(angle - k*step)
	}
	seen := map[[2]int]bool{}
	var sx, sy, sxx, sxy float64 // least-squares fit of the rescale: x' = a·x + b
	var exact [][3]float64
	for i := range s.Len() {
		phi := math.Atan2(float64(s.X.At(i, 1))-c[1], float64(s.X.At(i, 0))-c[0])
		theta := math.Atan2(float64(s.X.At(i, 2))-c[2], rho[i]-meanRho)
		pi, dp := gridIndex(phi)
		ti, dt := gridIndex(theta)
		if dp > 0.1*step || dt > 0.1*step {
			t.Fatalf("point %d at φ=%.4f θ=%.4f is off the 40×40 grid", i, phi, theta)
		}
		seen[[2]int{pi, ti}] = true
		// Each class a contiguous band of θ: θ index / (40 / classes).
		for k, nc := range s.Classes {
			if want := ti / (40 / nc); s.Labels[k][i] != want {
				t.Fatalf("point %d (θ index %d): level %d class %d, want %d", i, ti, k, s.Labels[k][i], want)
			}
		}
		p, th := float64(pi)*step, float64(ti)*step
		e := [3]float64{(0.67 + 0.33*math.Cos(th)) * math.Cos(p), (0.67 + 0.33*math.Cos(th)) * math.Sin(p), 0.33 * math.Sin(th)}
		exact = append(exact, e)
		for j := range 3 {
			x, y := e[j], float64(s.X.At(i, j))
			sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		}
	}
	if len(seen) != 1600 {
		t.Errorf("%d distinct grid points, want 1600", len(seen))
	}
	n := float64(3 * s.Len())
	a := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	b := (sy - a*sx) / n
	// The noiseless x and y span [-1, 1], so the rescale is about v/2 + 1/2.
	if math.Abs(a-0.5) > 2e-3 || math.Abs(b-0.5) > 2e-3 {
		t.Errorf("rescale fit x' = %.5f·x + %.5f, want about 0.5·x + 0.5", a, b)
	}
	// The residuals are the noise (σ = 0.001) times a.
	ss := 0.0
	for i, e := range exact {
		for j := range 3 {
			r := float64(s.X.At(i, j)) - (a*e[j] + b)
			ss += r * r
		}
	}
	sd := math.Sqrt(ss / n)
	if math.Abs(sd-0.001*a) > 0.15*0.001*a {
		t.Errorf("noise sd after rescale %.6f, want %.6f ± 15%%", sd, 0.001*a)
	}
	t.Logf("rescale fit x' = %.5f·x + %.5f; residual sd %.6f (noise 0.001·a = %.6f)", a, b, sd, 0.001*a)

	// Seeded: same seed, same bits; another seed, other noise.
	if again := Torus(0.001, 7); !slices.Equal(again.X.Data, s.X.Data) {
		t.Error("same seed gave different points")
	}
	if other := Torus(0.001, 8); slices.Equal(other.X.Data, s.X.Data) {
		t.Error("different seeds gave the same points")
	}
}

func TestRings(t *testing.T) {
	const n, sigma = 500, 0.01
	s := Rings(n, sigma, 3)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2*n || s.Dim() != 3 || s.NumClasses() != 2 {
		t.Fatalf("got %d×%d with %d classes, want %d×3 with 2", s.Len(), s.Dim(), s.NumClasses(), 2*n)
	}
	ring := [2][][3]float64{}
	for i := range s.Len() {
		y := s.Y()[i]
		if want := i / n; y != want {
			t.Fatalf("point %d has label %d, want %d", i, y, want)
		}
		ring[y] = append(ring[y], [3]float64{float64(s.X.At(i, 0)), float64(s.X.At(i, 1)), float64(s.X.At(i, 2))})
	}
	// Radii ≈ 1 about each ring's centre, off-plane coordinate ≈ 0 with sd σ.
	for r, pts := range ring {
		var meanR, ssOff float64
		for _, p := range pts {
			var rad, off float64
			if r == 0 {
				rad, off = math.Hypot(p[0], p[1]), p[2]
			} else {
				rad, off = math.Hypot(p[0]-1, p[2]), p[1]
			}
			if math.Abs(rad-1) > 6*sigma {
				t.Errorf("ring %d: point %v at radius %.4f", r, p, rad)
			}
			meanR += rad / n
			ssOff += off * off
		}
		if math.Abs(meanR-1) > 3e-3 {
			t.Errorf("ring %d: mean radius %.5f, want 1", r, meanR)
		}
		if sd := math.Sqrt(ssOff / n); math.Abs(sd-sigma) > 0.15*sigma {
			t.Errorf("ring %d: off-plane sd %.5f, want %.5f", r, sd, sigma)
		}
	}
	// Ring B crosses the plane z = 0 through ring A's disk (near the origin)
	// and once outside it (near (2, 0, 0)).
	inside, outside := 0, 0
	for _, p := range ring[1] {
		if math.Abs(p[2]) < 0.05 {
			if math.Hypot(p[0], p[1]) < 1 {
				inside++
			} else {
				outside++
			}
		}
	}
	if inside == 0 || outside == 0 {
		t.Errorf("ring B near z = 0: %d points inside ring A's disk, %d outside; want both", inside, outside)
	}
	// Linked: the Gauss linking number of the two closed polygons through the
	// points (ordered by angle) is ±1.
	sortRing := func(pts [][3]float64, angle func([3]float64) float64) {
		slices.SortFunc(pts, func(a, b [3]float64) int {
			if angle(a) < angle(b) {
				return -1
			}
			return 1
		})
	}
	sortRing(ring[0], func(p [3]float64) float64 { return math.Atan2(p[1], p[0]) })
	sortRing(ring[1], func(p [3]float64) float64 { return math.Atan2(p[2], p[0]-1) })
	lk := linkingNumber(ring[0], ring[1])
	if math.Abs(math.Abs(lk)-1) > 0.05 {
		t.Errorf("linking number %.4f, want ±1", lk)
	}
	t.Logf("linking number %.4f; ring B points near z=0: %d inside ring A's disk, %d outside", lk, inside, outside)

	if again := Rings(n, sigma, 3); !slices.Equal(again.X.Data, s.X.Data) {
		t.Error("same seed gave different points")
	}
	if other := Rings(n, sigma, 4); slices.Equal(other.X.Data, s.X.Data) {
		t.Error("different seeds gave the same points")
	}
}

// linkingNumber approximates the Gauss linking integral of two closed
// polygons, (1/4π) ∮∮ (a − b)·(da × db) / |a − b|³, by the midpoint rule.
func linkingNumber(a, b [][3]float64) float64 {
	sub := func(u, v [3]float64) [3]float64 { return [3]float64{u[0] - v[0], u[1] - v[1], u[2] - v[2]} }
	mid := func(u, v [3]float64) [3]float64 {
		return [3]float64{(u[0] + v[0]) / 2, (u[1] + v[1]) / 2, (u[2] + v[2]) / 2}
	}
	sum := 0.0
	for i := range a {
		a0, a1 := a[i], a[(i+1)%len(a)]
		da, am := sub(a1, a0), mid(a0, a1)
		for j := range b {
			b0, b1 := b[j], b[(j+1)%len(b)]
			db, bm := sub(b1, b0), mid(b0, b1)
			r := sub(am, bm)
			cross := [3]float64{da[1]*db[2] - da[2]*db[1], da[2]*db[0] - da[0]*db[2], da[0]*db[1] - da[1]*db[0]}
			d := math.Sqrt(r[0]*r[0] + r[1]*r[1] + r[2]*r[2])
			sum += (r[0]*cross[0] + r[1]*cross[1] + r[2]*cross[2]) / (d * d * d)
		}
	}
	return sum / (4 * math.Pi)
}

// Two unlinked circles give linking number 0: the check above can fail.
func TestLinkingNumberUnlinked(t *testing.T) {
	var a, b [][3]float64
	for k := range 200 {
		th := 2 * math.Pi * float64(k) / 200
		a = append(a, [3]float64{math.Cos(th), math.Sin(th), 0})
		b = append(b, [3]float64{3 + math.Cos(th), 0, math.Sin(th)}) // centre moved out of A's reach
	}
	if lk := linkingNumber(a, b); math.Abs(lk) > 0.01 {
		t.Errorf("unlinked circles: linking number %.4f, want 0", lk)
	}
}
