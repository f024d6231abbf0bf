package reproduce

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
)

// writeSyntheticIDX writes a small data set in the MNIST IDX layout into
// dir: side×side grey images of the given number of classes, class c a
// bright bar in the c-th band of rows, plus deterministic noise; images
// gzipped, labels plain.
func writeSyntheticIDX(t *testing.T, dir string, nTrain, nTest, side, classes int) {
	t.Helper()
	state := uint32(12345)
	noise := func() byte {
		state = state*1664525 + 1013904223
		return byte(state >> 26) // 0..63
	}
	write := func(path string, magic uint32, dims []uint32, payload []byte, gz bool) {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, magic)
		for _, d := range dims {
			binary.Write(&b, binary.BigEndian, d)
		}
		b.Write(payload)
		out := b.Bytes()
		if gz {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(out)
			w.Close()
			out = z.Bytes()
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, split := range []struct {
		name string
		n    int
	}{{"train", nTrain}, {"t10k", nTest}} {
		img := make([]byte, split.n*side*side)
		lab := make([]byte, split.n)
		band := side / classes
		for i := range lab {
			c := i % classes
			lab[i] = byte(c)
			px := img[i*side*side : (i+1)*side*side]
			for p := range px {
				px[p] = noise()
			}
			for r := c * band; r < (c+1)*band; r++ {
				for col := 1; col < side-1; col++ {
					px[r*side+col] = 190 + noise()
				}
			}
		}
		write(filepath.Join(dir, split.name+"-images-idx3-ubyte.gz"), 0x803, []uint32{uint32(split.n), uint32(side), uint32(side)}, img, true)
		write(filepath.Join(dir, split.name+"-labels-idx1-ubyte"), 0x801, []uint32{uint32(split.n)}, lab, false)
	}
}

// TestFashionPipelineSynthetic runs the whole fashion experiment (both
// protocols and the cross, the isometry, the image grid and the baselines)
// on a small synthetic IDX set and checks the report section, the grid
// picture, the claims rows, that no NaN is written, and that a rerun
// reuses every phase.
func TestFashionPipelineSynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and attacks 9 small models")
	}
	idx := t.TempDir()
	const classes, side = 3, 12
	writeSyntheticIDX(t, idx, 300, 90, side, classes)
	dir := t.TempDir()
	o := DefaultOptions(true)
	o.Experiments, o.Command = []string{"fashion"}, "isonet reproduce fashion --quick"
	o.Fashion.DataDir, o.Fashion.Betas, o.Fashion.SweepPoints = idx, []float64{0, 10}, 2
	env := &Env{Dir: dir, Quick: true, Seeds: []uint64{0}}
	r, err := Run(context.Background(), env, o)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, dir)
	for _, tm := range env.Timings {
		if !strings.HasPrefix(tm.Phase, "fashion/") {
			t.Errorf("phase %s outside the fashion study", tm.Phase)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	js, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	for _, b := range [][]byte{md, js} {
		if regexp.MustCompile(`(?i)\bnan\b`).Match(b) { // a word, not "dominance"
			t.Errorf("NaN in the output:\n%s", b)
		}
	}
	// The section opens with the grid.
	sec := string(md)[strings.Index(string(md), "## Fashion-MNIST: the MNIST study"):]
	if first := strings.SplitN(sec, "\n", 4)[2]; first != "![image grid](fashion/image-grid.png)" {
		t.Errorf("section opens with %q, want the image grid", first)
	}
	for _, w := range []string{"### Fashion-MNIST: Table 1: clean Fashion-MNIST test accuracy", "| cross    |", "Was isometry reached?", "| T-shirt/top | Trouser | Pullover |",
		"PGD adversarial training at ε = 0.05", "PGD adversarial training at ε = 0.2", "Square", "an MLP of this size reaches 0.83 to 0.89",
		"The field's instruments: AutoAttack and CROWN", "![Fashion-MNIST robustness bracket L∞](fashion/bracket-linf.png)"} {
		if !strings.Contains(sec, w) {
			t.Errorf("fashion section lacks %q", w)
		}
	}
	// The grid picture: three rows (clean, β = 0, the most isometric β) of
	// one image per class.
	f, err := os.Open(filepath.Join(dir, "fashion", "image-grid.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width < 400 || cfg.Height < 300 {
		t.Errorf("image grid: %v, %dx%d", err, cfg.Width, cfg.Height)
	}
	g := r.FashionGrid
	if g == nil || len(g.Rows) != 3 || len(g.Labels) != classes || g.Rows[2].Beta != 10 || g.Eps != 0.1 {
		t.Fatalf("grid %+v", g)
	}
	for i, row := range g.Rows {
		if len(row.Pred) != classes || row.Pixels != nil {
			t.Errorf("grid row %d: %d predictions, pixels kept %v", i, len(row.Pred), row.Pixels != nil)
		}
	}
	// Within-class isometry: one Pearson r per class, per protocol and β.
	if n := len(r.FashionSummary.Isometry); n != 4 {
		t.Errorf("%d isometry rows, want 2 protocols × 2 β", n)
	}
	for _, row := range r.FashionSummary.Isometry {
		if len(row.PerClass) != classes || row.Mean.Mean < -1 || row.Mean.Mean > 1 {
			t.Errorf("isometry row %+v", row)
		}
	}
	// The claims table has the Fashion-MNIST rows, from the MNIST claim code.
	want := []string{"Fashion-MNIST: β = 0 clean accuracy at least the floor of published MLPs", "Fashion-MNIST: ours, not the paper's claim: the clean accuracy cost of β = 10",
		"Fashion-MNIST: robustness rises with β, by the paper's instruments (FGSM at ε = 0.1, 10-step PGD at ε = 0.1; slope over every β; family: the two instruments, both must hold, an intersection–union test without correction), standard protocol",
		"Fashion-MNIST: robustness rises with β, by the paper's instruments (FGSM at ε = 0.1, 10-step PGD at ε = 0.1; slope over every β; family: the two instruments, both must hold, an intersection–union test without correction), authors protocol",
		// The field's instruments (instrument_claims.go).
		"Fashion-MNIST: robustness rises with β under AutoAttack (L∞ 0.1;", "Fashion-MNIST: robustness rises with β under AutoAttack (L2 1;",
		"Fashion-MNIST: certified robustness rises with β (L∞ 0.01;", "Fashion-MNIST: certified robustness rises with β (L2 0.1;",
		"Fashion-MNIST: LILs are more robust than plain CE under AutoAttack (L∞ 0.1;", "Fashion-MNIST: LILs are more robust than plain CE under AutoAttack (L2 1;",
		"Fashion-MNIST: LILs are more robust than plain CE under the strongest attacks (worst of PGD, APGD-CE, Square at ε = 0.1; family: every β > 0 against β = 0, Holm",
		"Fashion-MNIST: a LIL matches PGD adversarial training at ε = 0.1 (worst-of-all accuracy within ± 0.02",
		"Fashion-MNIST: robustness rises with β under the strongest attacks (worst of PGD, APGD-CE, Square at ε = 0.1; slope over every β; a single pre-declared comparison, no correction), standard protocol",
		// The Pareto fronts (fronts.go).
		"Fashion-MNIST: a LIL (β > 0) lies on the Pareto front of clean accuracy against AutoAttack robust accuracy at L∞ 0.1 (",
		"Fashion-MNIST: a LIL (β > 0) lies on the Pareto front of clean accuracy against AutoAttack robust accuracy at L2 ",
		"Fashion-MNIST: a LIL (β > 0) lies on the Pareto front of clean accuracy against certified accuracy at L∞ 0.01 (",
		"Fashion-MNIST: a LIL (β > 0) lies on the Pareto front of clean accuracy against certified accuracy at L2 0.1 ("}
	if len(r.Claims) != len(want) {
		t.Errorf("%d claims, want %d: %+v", len(r.Claims), len(want), r.Claims)
	}
	for i, c := range r.Claims {
		if i < len(want) && !strings.HasPrefix(c.Claim, want[i]) {
			t.Errorf("claim %d: %q, want %q…", i, c.Claim, want[i])
		}
		if c.Holds == "" || c.Holds == "not run" || c.Measured == "" {
			t.Errorf("claim %q: holds %q, measured %q", c.Claim, c.Holds, c.Measured)
		}
	}
	// Adversarial training is trained at each budget and scored at it.
	for _, run := range r.FashionBaselines.Runs {
		if run.Method == "adv" && (len(run.Budgets) != 1 || run.Budgets[0].Eps != run.AdvEps) {
			t.Errorf("adversarial training at ε = %g scored at %+v", run.AdvEps, run.Budgets)
		}
	}
	// A rerun reuses every phase and writes the same report.
	env2 := &Env{Dir: dir, Quick: true, Seeds: []uint64{0}}
	if _, err := Run(context.Background(), env2, o); err != nil {
		t.Fatal(err)
	}
	for _, tm := range env2.Timings {
		if !tm.Reused {
			t.Errorf("rerun recomputed %s", tm.Phase)
		}
	}
}

// TestFashionRealData: where Debian's package is installed, the fashion
// study reads it: 60,000 training and 10,000 test images of 28×28 in 10
// classes, the first test image an ankle boot (class 9).
func TestFashionRealData(t *testing.T) {
	if err := data.CheckIDXDir(""); err != nil {
		t.Skip("dataset-fashion-mnist not installed:", err)
	}
	e := &Env{Dir: t.TempDir()}
	spec := MNISTSpec(e, DefaultFashion(false), Standard, 0, 0)
	if spec.Data.Name != "fashion-mnist" || spec.Data.Dir != "" {
		t.Errorf("fashion study reads %+v, want the named, checked set", spec.Data)
	}
	tr, te, err := spec.Data.Load()
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 60000 || te.Len() != 10000 || tr.Dim() != 784 || te.NumClasses() != 10 {
		t.Errorf("train %d, test %d, %d pixels, %d classes", tr.Len(), te.Len(), tr.Dim(), te.NumClasses())
	}
	if y := te.Y()[0]; y != 9 || Studies["fashion"].Classes[y] != "Ankle boot" {
		t.Errorf("first test label %d", y)
	}
}
