package bench

import (
	"testing"
	"time"
)

// TestMeasurePeak checks that the peak loop runs and reports a positive,
// plausible rate (at least one FLOP per nanosecond on a loaded machine
// would be too strict, so only > 0.1 GFLOP/s per thread) for every kernel
// this CPU has.
func TestMeasurePeak(t *testing.T) {
	p := MeasurePeak(60 * time.Millisecond)
	if !(p.GFLOPS > 0.1*float64(p.Threads)) || !(p.OneCore > 0.1) || p.Threads < 1 || p.ISA == "" {
		t.Fatalf("peak %+v", p)
	}
	fmaGo(1000)
	if sink == 0 {
		t.Fatal("fmaGo left no trace of its sums")
	}
}

// TestPeakFraction: a one-core workload is measured against one core's
// peak, a workload spread over the cores against the all-core peak, and an
// unmeasured peak gives 0.
func TestPeakFraction(t *testing.T) {
	p := Peak{GFLOPS: 200, OneCore: 110, Threads: 2}
	for _, c := range []struct {
		r    Rate
		p    Peak
		want float64
	}{
		{Rate{GFLOPS: 55, Cores: 1}, p, 0.5},
		{Rate{GFLOPS: 50, Cores: 2}, p, 0.25},
		{Rate{GFLOPS: 50, Cores: 1}, Peak{GFLOPS: 100, Threads: 1}, 0.5}, // one thread: the all-core peak is one core's
		{Rate{GFLOPS: 50, Cores: 2}, Peak{}, 0},
	} {
		if got := peakFraction(c.r, c.p); got != c.want {
			t.Errorf("peakFraction(%+v, %+v) = %v, want %v", c.r, c.p, got, c.want)
		}
	}
}
