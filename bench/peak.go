package bench

import (
	"runtime"
	"sync"
	"time"
)

// Peak is the machine's measured fp32 multiply-add peak: a loop of
// independent fused multiply-adds on registers only (no memory traffic),
// run on every core at once, as peak-FLOPS tools measure it.
type Peak struct {
	GFLOPS float64 `json:"gflops"`
	// OneCore is the same loop's peak on one thread alone: the limit of a
	// workload that runs on one core (a training step).
	OneCore float64 `json:"one_core_gflops"`
	ISA     string  `json:"isa"`     // avx512 (VFMADD231PS zmm), avx2 (ymm) or go (scalar)
	Threads int     `json:"threads"` // goroutines, one per core (GOMAXPROCS)
	Seconds float64 `json:"seconds"`
}

// goFlopsPerIter is the FLOPs of one iteration of fmaGo: 8 chains of a
// multiply and an add.
const goFlopsPerIter = 8 * 2

// fmaGo is the fallback: 8 independent multiply-add chains in scalar Go.
// Its result is kept in sink so that the compiler cannot drop the loop.
func fmaGo(iters int) {
	a0, a1, a2, a3, a4, a5, a6, a7 := float32(0), float32(1), float32(2), float32(3), float32(4), float32(5), float32(6), float32(7)
	const x, y = 0.999999, 1e-7
	for range iters {
		a0 = a0*x + y
		a1 = a1*x + y
		a2 = a2*x + y
		a3 = a3*x + y
		a4 = a4*x + y
		a5 = a5*x + y
		a6 = a6*x + y
		a7 = a7*x + y
	}
	sinkMu.Lock()
	sink += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
	sinkMu.Unlock()
}

var (
	sinkMu sync.Mutex
	sink   float32
)

// MeasurePeak runs the FMA loop on GOMAXPROCS goroutines (each locked to
// its thread) for about d and returns the best of three rounds, then the
// same on one thread (Peak.OneCore).
func MeasurePeak(d time.Duration) Peak {
	isa, per, loop := peakKernel()
	threads := runtime.GOMAXPROCS(0)
	// Calibrate the iterations of one round on one thread.
	iters := 1 << 16
	for {
		start := time.Now()
		loop(iters)
		if el := time.Since(start); el > d/20 || iters > 1<<40 {
			iters = int(float64(iters) * float64(d/3) / float64(el+1))
			break
		}
		iters *= 4
	}
	iters = max(iters, 1)
	best := Peak{ISA: isa, Threads: threads}
	best.GFLOPS, best.Seconds = peakRounds(loop, per, iters, threads)
	best.OneCore, _ = peakRounds(loop, per, iters, 1)
	return best
}

// peakRounds runs loop(iters) on threads goroutines, each locked to its
// thread, three times and returns the best rate in GFLOP/s (per FLOPs per
// iteration) and that round's seconds.
func peakRounds(loop func(int), per float64, iters, threads int) (gflops, seconds float64) {
	for range 3 {
		var wg sync.WaitGroup
		start := time.Now()
		for range threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				loop(iters)
			}()
		}
		wg.Wait()
		secs := time.Since(start).Seconds()
		if g := per * float64(iters) * float64(threads) / secs / 1e9; g > gflops {
			gflops, seconds = g, secs
		}
	}
	return gflops, seconds
}
