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
	if !(p.GFLOPS > 0.1*float64(p.Threads)) || p.Threads < 1 || p.ISA == "" {
		t.Fatalf("peak %+v", p)
	}
	fmaGo(1000)
	if sink == 0 {
		t.Fatal("fmaGo left no trace of its sums")
	}
}
