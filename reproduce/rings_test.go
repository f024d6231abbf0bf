package reproduce

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isonet/isonet/verdict"
)

// TestRingsFull runs the paper's settings (10000 epochs) into the folder
// named by ISONET_RINGS_FULL, when set, and checks the same claims.
func TestRingsFull(t *testing.T) {
	dir := os.Getenv("ISONET_RINGS_FULL")
	if dir == "" {
		t.Skip("set ISONET_RINGS_FULL=DIR to run the full rings experiment (minutes)")
	}
	e := &Env{Dir: dir, Seeds: []uint64{0}, Log: os.Stderr}
	res, err := Rings(context.Background(), e, DefaultRings(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + res.Markdown())
	for _, tm := range e.Timings {
		t.Logf("%s: %.1fs (reused %v)", tm.Phase, tm.Seconds, tm.Reused)
	}
	r0, r1 := res.Runs[0].worstRing(), res.Runs[len(res.Runs)-1].worstRing()
	if r1 < 0.99 || r0 >= r1 {
		t.Errorf("worst per-ring Pearson r: β=0 %g, β=1 %g; want β=1 ≥ 0.99 > β=0", r0, r1)
	}
	// The report's verdict, by its own rule (intervals, not points).
	if c := ringsClaim(res); c.Outcome != verdict.Holds {
		t.Errorf("rings claim: %s (%s)", c.Holds, c.Measured)
	}
}

// TestRingsQuick runs the rings experiment with quick settings: the figures
// exist, the isometric term keeps same-ring distances (r ≥ 0.99) better than
// plain cross-entropy, and a second call reuses every phase.
func TestRingsQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	dir := t.TempDir()
	e := &Env{Dir: dir, Seeds: []uint64{0}}
	o := DefaultRings(true)
	res, err := Rings(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || res.Runs[0].Beta != 0 || res.Runs[1].Beta != 1 {
		t.Fatalf("runs %+v", res.Runs)
	}
	bases := []string{res.Input}
	for _, run := range res.Runs {
		bases = append(bases, run.Figures["umap"], run.Figures["hist"])
		if run.TestAccuracy < 0.99 {
			t.Errorf("β=%g: test accuracy %g", run.Beta, run.TestAccuracy)
		}
		if len(run.Rings) != 2 || run.Rings[0].Pairs != 500*499/2 || run.Between.Pairs != 500*500 {
			t.Errorf("β=%g: per-ring groups %+v, between %+v", run.Beta, run.Rings, run.Between)
		}
		lp := run.Lipschitz
		if lp.Points != 1000 || !(0 < lp.P50 && lp.P50 <= lp.P90 && lp.P90 <= lp.P99 && lp.P99 <= lp.Max) {
			t.Errorf("β=%g: Lipschitz %+v", run.Beta, lp)
		}
		t.Logf("β=%g: acc %g, r %g / %g, |ΔD| %g / %g, Lipschitz p50 %g p90 %g p99 %g max %g, UMAP %s T=%g",
			run.Beta, run.TestAccuracy, run.Rings[0].Pearson, run.Rings[1].Pearson, run.Rings[0].MeanAbsDiff, run.Rings[1].MeanAbsDiff,
			lp.P50, lp.P90, lp.P99, lp.Max, run.UMAPInit, run.UMAPTrustworthiness)
	}
	for _, b := range bases {
		for _, ext := range []string{".png", ".svg"} {
			p := filepath.Join(dir, b+ext)
			if st, err := os.Stat(p); err != nil || st.Size() < 1000 {
				t.Errorf("figure %s missing or tiny (%v)", p, err)
			}
		}
		if !strings.HasPrefix(b, "rings"+string(filepath.Separator)) {
			t.Errorf("figure %s not relative to the output folder's rings/", b)
		}
	}
	r0, r1 := res.Runs[0].worstRing(), res.Runs[1].worstRing()
	if r1 < 0.99 || r0 >= r1 {
		t.Errorf("worst per-ring Pearson r: β=0 %g, β=1 %g; want β=1 ≥ 0.99 > β=0", r0, r1)
	}
	md := res.Markdown()
	for _, want := range []string{"β = 0 |", "β = 1 |", "Pearson r, ring A", num(res.Runs[1].Rings[0].Pearson), res.Runs[1].Figures["umap"] + ".png"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}

	e2 := &Env{Dir: dir, Seeds: []uint64{0}}
	res2, err := Rings(context.Background(), e2, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(e2.Timings) != 5 {
		t.Errorf("second call ran %d phases, want 5: %+v", len(e2.Timings), e2.Timings)
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
