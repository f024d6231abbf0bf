package reproduce

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/topology"
)

// circle returns n evenly spaced points on the circle of radius r in the
// plane z = 0 of R³.
func circle(n int, r float64) *tensor.Mat {
	x := tensor.New(n, 3)
	for i := range n {
		t := 2 * math.Pi * float64(i) / float64(n)
		x.Set(i, 0, float32(r*math.Cos(t)))
		x.Set(i, 1, float32(r*math.Sin(t)))
	}
	return x
}

// TestCompareTopologyHand checks topology.Compare on 12 evenly spaced points
// of the unit circle, whose Rips H1 is the single bar [2 sin(π/12), √3)
// (the loop fills when the chord of 4 steps, the side of the inscribed
// equilateral triangle, enters), against copies of it: scaled (and undone by
// K), and flattened onto a segment.
func TestCompareTopologyHand(t *testing.T) {
	x := circle(12, 1)
	birth, death := 2*math.Sin(math.Pi/12), math.Sqrt(3)
	scaled := circle(12, 2)
	flat := tensor.New(12, 3) // x-coordinates only: a segment, no loop
	for i := range 12 {
		flat.Set(i, 0, x.At(i, 0))
	}
	o := topology.CompareOptions{ScaleFraction: 0.5, LongFraction: 0.1}
	const tol = 1e-5

	c, err := topology.Compare(x, scaled, 0.5, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []topology.Cloud{c.Input, c.Rep} {
		if len(ct.Diagram.H1) != 1 || math.Abs(ct.Diagram.H1[0].Birth-birth) > tol || math.Abs(ct.Diagram.H1[0].Death-death) > tol {
			t.Errorf("H1 %+v, want [%g, %g)", ct.Diagram.H1, birth, death)
		}
		// Diameter and enclosing radius 2; Betti numbers at scale 1: one
		// component, one loop; the loop is long (1.2 > 0.1 × 2).
		if ct.Diameter != 2 || ct.Threshold != 2 || ct.Scale != 1 || ct.Betti0 != 1 || ct.Betti1 != 1 || ct.LongH1 != 1 {
			t.Errorf("summary %+v", ct)
		}
		if ct.LongestH1 != r4(death-birth) || ct.SecondH1 != 0 {
			t.Errorf("longest %g second %g, want %g and 0", ct.LongestH1, ct.SecondH1, r4(death-birth))
		}
	}
	if c.BottleneckH0 == nil || *c.BottleneckH0 > tol || c.BottleneckH1 == nil || *c.BottleneckH1 > tol || !c.KeepsLoops || c.K != 0.5 || c.Points != 12 {
		t.Errorf("scaled copy with K = 0.5: %+v", c)
	}

	f, err := topology.Compare(x, flat, 1, o)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rep.LongH1 != 0 || f.Rep.Betti1 != 0 || f.Rep.LongestH1 != 0 || f.KeepsLoops {
		t.Errorf("segment: %+v", f.Rep)
	}
	// The segment has no H1 bar: the input's loop is matched to the
	// diagonal at half its persistence.
	if want := r4((death - birth) / 2); f.BottleneckH1 == nil || math.Abs(*f.BottleneckH1-want) > 2e-4 {
		t.Errorf("bottleneck H1 %v, want %g", f.BottleneckH1, want)
	}

	// A threshold of 1 stops before the loop dies: it counts up to 1, and
	// the essential classes (1 component each) still match.
	o.Threshold = 1
	c, err = topology.Compare(x, x, 1, o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Input.Threshold != 1 || c.Input.LongestH1 != r4(1-birth) || !math.IsInf(c.Input.Diagram.H1[0].Death, 1) || *c.BottleneckH0 != 0 || *c.BottleneckH1 != 0 {
		t.Errorf("threshold 1: %+v, bottleneck %v %v", c.Input, *c.BottleneckH0, *c.BottleneckH1)
	}
	// Two points 1 apart, and 3 apart in the representation, with the
	// threshold 2 between: one essential class against two, so the H0
	// bottleneck distance is infinite (null in JSON).
	two := tensor.FromSlice(2, 1, []float32{0, 1})
	c, err = topology.Compare(two, two, 3, topology.CompareOptions{Threshold: 2, ScaleFraction: 0.1, LongFraction: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if c.BottleneckH0 != nil || c.Input.Betti0 != 2 || c.Rep.Diameter != 3 {
		t.Errorf("two points, input joined, representation not: %+v", c)
	}
	if b, _ := json.Marshal(c); !strings.Contains(string(b), `"bottleneck_h0":null`) {
		t.Errorf("infinite bottleneck not null in JSON: %s", b)
	}

	bad := []struct {
		o topology.CompareOptions
		k float64
	}{
		{topology.CompareOptions{Threshold: -1, ScaleFraction: 0.1, LongFraction: 0.1}, 1},
		{topology.CompareOptions{Threshold: math.Inf(1), ScaleFraction: 0.1, LongFraction: 0.1}, 1},
		{topology.CompareOptions{ScaleFraction: 0, LongFraction: 0.1}, 1},
		{topology.CompareOptions{ScaleFraction: 0.1, LongFraction: 1.5}, 1},
		{topology.CompareOptions{ScaleFraction: 0.1, LongFraction: math.NaN()}, 1},
		{topology.DefaultCompareOptions(), 0},
		{topology.DefaultCompareOptions(), math.NaN()},
	}
	for _, b := range bad {
		if _, err := topology.Compare(x, x, b.k, b.o); err == nil {
			t.Errorf("%+v, K = %g: no error", b.o, b.k)
		}
	}
}

// markdownNumbers returns the numbers printed in md: the words (runs of
// ASCII letters, digits, '_' and '.') that parse as numbers, so that "H1"
// or "2nd" do not count; image paths are left out.
func markdownNumbers(md string) []string {
	md = regexp.MustCompile(`\]\([^)]*\)`).ReplaceAllString(md, "]")
	var out []string
	for _, w := range regexp.MustCompile(`[A-Za-z0-9_.]+`).FindAllString(md, -1) {
		w = strings.TrimRight(w, ".")
		if _, err := strconv.ParseFloat(w, 64); err == nil {
			out = append(out, w)
		}
	}
	return out
}

// jsonNumbers collects every number in a decoded JSON value.
func jsonNumbers(v any, set map[float64]bool) {
	switch v := v.(type) {
	case float64:
		set[v] = true
	case []any:
		for _, e := range v {
			jsonNumbers(e, set)
		}
	case map[string]any:
		for _, e := range v {
			jsonNumbers(e, set)
		}
	}
}

// TestRingsTopologyQuick trains the two rings models briefly and checks:
// every test ring has one long H1 bar in the input, the stored summaries
// agree with the stored diagrams, the diagrams are drawn, every number in
// the Markdown is in the results' JSON, and a second call reuses every
// phase.
func TestRingsTopologyQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	dir := t.TempDir()
	e := &Env{Dir: dir, Seeds: []uint64{0}}
	o := DefaultRings(true)
	o.Epochs = 300
	res, err := RingsTopology(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || len(res.PerBeta) != 2 {
		t.Fatalf("runs %d, per β %d", len(res.Runs), len(res.PerBeta))
	}
	lf := res.Topology.LongFraction
	for _, run := range res.Runs {
		if len(run.Rings) != 2 || run.Layer != 4 {
			t.Fatalf("β=%g: %d rings, layer %d", run.Beta, len(run.Rings), run.Layer)
		}
		for i, g := range run.Rings {
			if g.Points != 500 || g.Ring != []string{"ring A", "ring B"}[i] {
				t.Errorf("β=%g: ring %q with %d points", run.Beta, g.Ring, g.Points)
			}
			if g.Input.LongH1 != 1 || g.Input.Betti1 != 1 || g.Input.Betti0 != 1 {
				t.Errorf("β=%g %s: input %d long H1 bars, β₀ %d β₁ %d; want 1, 1, 1", run.Beta, g.Ring, g.Input.LongH1, g.Input.Betti0, g.Input.Betti1)
			}
			// A unit ring: its loop lives from about the spacing to about √3.
			if g.Input.LongestH1 < 1.5 || g.Input.LongestH1 > 1.75 || g.Input.SecondH1 > 0.1 {
				t.Errorf("β=%g %s: input H1 persistences %g, %g", run.Beta, g.Ring, g.Input.LongestH1, g.Input.SecondH1)
			}
			for _, c := range []topology.Cloud{g.Input, g.Rep} {
				long := 0
				for _, b := range c.Diagram.H1 {
					if b.Persistence() > lf*c.Diameter {
						long++
					}
				}
				top := topology.LongestBars(c.Diagram.H1, 1)
				if long != c.LongH1 || len(top) == 0 || math.Abs(top[0].Persistence()-c.LongestH1) > 1e-4 || c.Diagram.H0 != nil {
					t.Errorf("β=%g %s: summary %d long / %g disagrees with the stored H1 bars (%d long)", run.Beta, g.Ring, c.LongH1, c.LongestH1, long)
				}
			}
			if bn := topology.Bottleneck(g.Input.Diagram.H1, g.Rep.Diagram.H1); g.BottleneckH1 == nil || *g.BottleneckH1 != r4(bn) {
				t.Errorf("β=%g %s: bottleneck H1 %v, recomputed %g", run.Beta, g.Ring, g.BottleneckH1, bn)
			}
			if g.KeepsLoop != (g.Rep.LongH1 == 1) {
				t.Errorf("β=%g %s: keeps loop %v with %d long bars", run.Beta, g.Ring, g.KeepsLoop, g.Rep.LongH1)
			}
			for _, f := range []string{g.Figures["input"], g.Figures["representation"]} {
				if !strings.HasPrefix(f, "rings"+string(filepath.Separator)) {
					t.Errorf("figure %s not under rings/", f)
				}
				for _, ext := range []string{".png", ".svg"} {
					if st, err := os.Stat(filepath.Join(dir, f+ext)); err != nil || st.Size() < 1000 {
						t.Errorf("figure %s%s missing or tiny (%v)", f, ext, err)
					}
				}
			}
			t.Logf("β=%g %s: input %g / %g (%d long), layer %g / %g (%d long), bottleneck H0 %v H1 %v",
				run.Beta, g.Ring, g.Input.LongestH1, g.Input.SecondH1, g.Input.LongH1, g.Rep.LongestH1, g.Rep.SecondH1, g.Rep.LongH1, *g.BottleneckH0, *g.BottleneckH1)
		}
	}
	// The isometric term keeps each ring's loop (deterministic: seeded
	// data and weights).
	if pb := res.PerBeta[1]; pb.Beta != 1 || pb.Rings != 2 || pb.Kept != 2 {
		t.Errorf("β = 1 keeps %d of %d loops, want 2 of 2", pb.Kept, pb.Rings)
	}
	// The input rings are the same data for both β.
	if a, b := res.Runs[0].Rings[0].Input, res.Runs[1].Rings[0].Input; a.LongestH1 != b.LongestH1 || a.Diameter != b.Diameter {
		t.Errorf("input of ring A differs between β: %+v vs %+v", a, b)
	}

	md := res.Markdown()
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	nums := map[float64]bool{}
	jsonNumbers(decoded, nums)
	printed := markdownNumbers(md)
	if len(printed) < 20 {
		t.Errorf("only %d numbers found in the Markdown:\n%s", len(printed), md)
	}
	for _, s := range printed {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !nums[v] {
			t.Errorf("Markdown prints %s, which is not a number in the results JSON", s)
		}
	}
	for _, want := range []string{"β = 0: ", "β = 1: ", "ring A", "keeps β₁ = 1", res.Runs[1].Rings[0].Figures["representation"] + ".png", res.Runs[0].Rings[1].Figures["input"] + ".png"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	t.Log("\n" + md)

	e2 := &Env{Dir: dir, Seeds: []uint64{0}}
	res2, err := RingsTopology(context.Background(), e2, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(e2.Timings) != 4 {
		t.Errorf("second call ran %d phases, want 4: %+v", len(e2.Timings), e2.Timings)
	}
	for _, tm := range e2.Timings {
		if !tm.Reused {
			t.Errorf("phase %s was not reused", tm.Phase)
		}
	}
	if res2.Markdown() != md {
		t.Error("reused results render differently")
	}
}

// TestMarkdownNumbers checks the number extraction the test above relies on.
func TestMarkdownNumbers(t *testing.T) {
	got := markdownNumbers("| 0 | 1.5 / 0.02 | H1 | 2nd | β₁ = 1 | ![x](rings/a-seed-7.png) | β = 0.25: x 3 of 4 4.")
	want := []string{"0", "1.5", "0.02", "1", "0.25", "3", "4", "4"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestRingsTopologyFull measures the paper's settings (10000 epochs) into
// the folder named by ISONET_RINGS_FULL, when set, reusing the models
// TestRingsFull trained there.
func TestRingsTopologyFull(t *testing.T) {
	dir := os.Getenv("ISONET_RINGS_FULL")
	if dir == "" {
		t.Skip("set ISONET_RINGS_FULL=DIR to measure the full rings experiment (minutes)")
	}
	e := &Env{Dir: dir, Seeds: []uint64{0}, Log: os.Stderr}
	res, err := RingsTopology(context.Background(), e, DefaultRings(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + res.Markdown())
	for _, run := range res.Runs {
		for _, g := range run.Rings {
			if g.Input.LongH1 != 1 {
				t.Errorf("β=%g %s: input has %d long H1 bars", run.Beta, g.Ring, g.Input.LongH1)
			}
		}
	}
}
