package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/tensor"
	"github.com/isonet/isonet/topology"
)

// topoRingsModel trains a rings model with β = 1 for the given epochs
// (300 take about a second) into a temporary folder.
func topoRingsModel(t *testing.T, epochs int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m")
	if code, _, stderr := isonet(t, "train", "--dataset", "rings", "--beta", "1", "--epochs", strconv.Itoa(epochs), "--quiet", "--out", out); code != 0 {
		t.Fatalf("train failed (%d): %s", code, stderr)
	}
	return out
}

func readTopologyReport(t *testing.T, path string) topologyReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r topologyReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func sameBars(a, b []topology.Bar, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i].Birth-b[i].Birth) > tol || (a[i].Death != b[i].Death && math.Abs(a[i].Death-b[i].Death) > tol) {
			return false
		}
	}
	return true
}

// TestTopologyRings: each ring of the test set has one long H1 bar and
// β₀ = β₁ = 1 in the input; the subsample has the requested size, holds
// only the class's points and is reproducible from the seed; the stored
// diagrams equal Rips diagrams recomputed from the data and the model
// (H0 deaths equal the single-linkage heights), the bottleneck distances
// and Betti numbers follow from them, and the figures exist.
func TestTopologyRings(t *testing.T) {
	m := topoRingsModel(t, 300)
	base := filepath.Join(t.TempDir(), "out", "topo")
	os.Mkdir(filepath.Dir(base), 0o755) // a missing parent folder is refused
	code, stdout, stderr := isonet(t, "topology", "--model", m, "--points", "200", "--seed", "3", "--out", base)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"class A (200 points)", "class B (200 points)", "layer 4", "bottleneck distance H0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	r := readTopologyReport(t, base+".json")
	if r.Layer != 4 || r.K != 1 || len(r.Classes) != 2 || r.Examples != 1000 || r.MaxPoints != 200 || r.Seed != 3 {
		t.Fatalf("report header %+v", r)
	}
	if r.Options != (topology.CompareOptions{ScaleFraction: 0.25, LongFraction: 0.1}) {
		t.Errorf("options %+v", r.Options)
	}

	_, te, err := (&data.Spec{Name: "rings", Seed: 3}).Load()
	if err != nil {
		t.Fatal(err)
	}
	mm, err := model.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	phi, err := mm.Representation(te.X, 4)
	if err != nil {
		t.Fatal(err)
	}
	y := te.Y()
	for c, ct := range r.Classes {
		if ct.Comparison == nil || ct.Class != c || ct.Name != []string{"A", "B"}[c] || ct.Examples != 500 || ct.Points != 200 || len(ct.Indices) != 200 {
			t.Fatalf("class %d: %+v", c, ct)
		}
		for j, i := range ct.Indices {
			if y[i] != c || (j > 0 && i <= ct.Indices[j-1]) {
				t.Fatalf("class %d: index %d (label %d) out of order or of another class", c, i, y[i])
			}
		}
		in, out := ct.Input, ct.Rep
		if in.LongH1 != 1 || in.Betti0 != 1 || in.Betti1 != 1 {
			t.Errorf("ring %s input: %d long H1 bars, β₀ %d, β₁ %d; want 1, 1, 1", ct.Name, in.LongH1, in.Betti0, in.Betti1)
		}
		// The input diagram is the Rips diagram of those rows of the data.
		want, err := topology.RipsPoints(rows(te.X, ct.Indices), topology.Options{MaxDim: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !sameBars(in.Diagram.H0, want.H0, 1e-12) || !sameBars(in.Diagram.H1, want.H1, 1e-12) {
			t.Errorf("ring %s: input diagram differs from RipsPoints", ct.Name)
		}
		heights := topology.SingleLinkageHeights(pairwise(rows(te.X, ct.Indices)))
		for i, h := range heights {
			if math.Abs(in.Diagram.H0[i].Death-h) > 1e-9 {
				t.Fatalf("ring %s: H0 death %d = %g, single linkage %g", ct.Name, i, in.Diagram.H0[i].Death, h)
			}
		}
		wantRep, err := topology.RipsPoints(rows(phi, ct.Indices), topology.Options{MaxDim: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !sameBars(out.Diagram.H0, wantRep.H0, 1e-12) || !sameBars(out.Diagram.H1, wantRep.H1, 1e-12) {
			t.Errorf("ring %s: layer diagram differs from RipsPoints of the representation", ct.Name)
		}
		for _, cl := range []topology.Cloud{in, out} {
			if b0, b1 := topology.BettiAt(&cl.Diagram, 0, cl.Scale), topology.BettiAt(&cl.Diagram, 1, cl.Scale); math.Abs(cl.Scale-r4(0.25*cl.Diameter)) > 1e-9 || b0 != cl.Betti0 || b1 != cl.Betti1 {
				t.Errorf("ring %s: Betti (%d, %d) at %g, recomputed (%d, %d)", ct.Name, cl.Betti0, cl.Betti1, cl.Scale, b0, b1)
			}
		}
		b0 := r4(topology.Bottleneck(in.Diagram.H0, out.Diagram.H0))
		b1 := r4(topology.Bottleneck(in.Diagram.H1, out.Diagram.H1))
		if ct.BottleneckH0 == nil || *ct.BottleneckH0 != b0 || ct.BottleneckH1 == nil || *ct.BottleneckH1 != b1 {
			t.Errorf("ring %s: bottleneck %v %v, recomputed %g %g", ct.Name, ct.BottleneckH0, ct.BottleneckH1, b0, b1)
		}
		if ct.KeepsLoops != (out.LongH1 == in.LongH1) {
			t.Errorf("ring %s: keeps_loops %v with %d and %d long bars", ct.Name, ct.KeepsLoops, in.LongH1, out.LongH1)
		}
		for _, f := range []string{ct.Figures["input"], ct.Figures["representation"]} {
			checkPNG(t, filepath.Join(filepath.Dir(base), f+".png"))
		}
		t.Logf("ring %s: input %g / %g (%d long), layer %g / %g (%d long), bottleneck H0 %g H1 %g",
			ct.Name, in.LongestH1, in.SecondH1, in.LongH1, out.LongestH1, out.SecondH1, out.LongH1, b0, b1)
	}
	if f := r.Classes[1].Figures["representation"]; f != "topo-class1-layer4" {
		t.Errorf("figure name %q", f)
	}

	// The same seed gives the same file; another seed another subsample.
	base2 := filepath.Join(filepath.Dir(base), "again")
	if code, _, stderr := isonet(t, "topology", "--model", m, "--points", "200", "--seed", "3", "--out", base2); code != 0 {
		t.Fatal(stderr)
	}
	r2 := readTopologyReport(t, base2+".json")
	for c := range r.Classes {
		r2.Classes[c].Figures = r.Classes[c].Figures
	}
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(r2)
	if string(a) != string(b) {
		t.Error("same seed, different report")
	}
}

// TestTopologyLayerZeroAndJSON: at layer 0 the representation is the input
// (K = 1), so the diagrams agree and both bottleneck distances are 0; all
// points are used when --points exceeds the class; --json prints the
// file's report.
func TestTopologyLayerZeroAndJSON(t *testing.T) {
	m := topoRingsModel(t, 20)
	base := filepath.Join(t.TempDir(), "z")
	code, stdout, stderr := isonet(t, "topology", "--model", m, "--layer", "0", "--points", "600", "--json", "--out", base)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var printed topologyReport
	if err := json.Unmarshal([]byte(stdout), &printed); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	r := readTopologyReport(t, base+".json")
	a, _ := json.Marshal(printed)
	b, _ := json.Marshal(r)
	if string(a) != string(b) {
		t.Error("--json output differs from the file")
	}
	for _, ct := range r.Classes {
		if ct.Points != 500 || len(ct.Indices) != 500 {
			t.Errorf("class %s: %d points, want all 500", ct.Name, ct.Points)
		}
		if *ct.BottleneckH0 != 0 || *ct.BottleneckH1 != 0 || !ct.KeepsLoops || ct.Input.LongestH1 != ct.Rep.LongestH1 || ct.Rep.LongH1 != 1 {
			t.Errorf("class %s at layer 0: %+v", ct.Name, ct.Comparison)
		}
	}
}

// pairwise returns the Euclidean distance matrix of x's rows.
func pairwise(x *tensor.Mat) [][]float64 {
	d := make([][]float64, x.Rows)
	for i := range d {
		d[i] = make([]float64, x.Rows)
		for j := range x.Rows {
			var s float64
			for k, a := range x.Row(i) {
				t := float64(a) - float64(x.Row(j)[k])
				s += t * t
			}
			d[i][j] = math.Sqrt(s)
		}
	}
	return d
}

// TestTopologyErrors: bad flags and bad inputs give exit status 2 and one
// line on stderr naming the problem, before any file is written.
func TestTopologyErrors(t *testing.T) {
	m := topoRingsModel(t, 1)
	dir := t.TempDir()
	out := filepath.Join(dir, "t")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "--model DIR is required"},
		{[]string{"--model", m}, "--out BASE is required"},
		{[]string{"--model", m, "--out", out, "--points", "2"}, "--points must be between 3"},
		{[]string{"--model", m, "--out", out, "--points", "100000"}, "--points must be between 3"},
		{[]string{"--model", m, "--out", out, "--layer", "6"}, "layer 6 out of range 0..5"},
		{[]string{"--model", m, "--out", out, "--layer", "-1"}, "layer -1 out of range"},
		{[]string{"--model", m, "--out", out, "--dataset", "nosuch"}, "unknown dataset"},
		{[]string{"--model", m, "--out", out, "--dataset", "torus"}, "2 outputs but data set torus has 8 classes"},
		{[]string{"--model", m, "--out", out, "--threshold", "-1"}, "threshold must be"},
		{[]string{"--model", m, "--out", out, "--threshold", "NaN"}, "threshold must be"},
		{[]string{"--model", m, "--out", out, "--scale", "0"}, "scale fraction"},
		{[]string{"--model", m, "--out", out, "--long", "1.5"}, "long-bar fraction"},
		{[]string{"--model", filepath.Join(dir, "missing"), "--out", out}, "missing"},
		{[]string{"--model", m, "--out", out, "stray"}, "unexpected argument"},
		{[]string{"--model", m, "--out", out, "--points", "x"}, "invalid value"},
	}
	for _, c := range cases {
		code, _, stderr := isonet(t, append([]string{"topology"}, c.args...)...)
		if code != 2 || !strings.HasPrefix(stderr, "isonet topology: ") || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args, code, stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("errors left files: %v", entries)
	}
}

// r4 rounds to 4 decimals, as the JSON does.
func r4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
