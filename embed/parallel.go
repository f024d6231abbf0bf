package embed

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// workerCount resolves a Workers option: 0 or less means GOMAXPROCS.
func workerCount(w int) int {
	if w <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}

// parallelFor calls fn(lo, hi) on consecutive chunks of [0, n) from up to
// workers goroutines. fn must only write memory owned by its chunk; then the
// result does not depend on the number of workers or on scheduling.
func parallelFor(n, workers, chunk int, fn func(lo, hi int)) {
	if chunk < 1 {
		chunk = 1
	}
	if workers <= 1 || n <= chunk {
		for lo := 0; lo < n; lo += chunk {
			fn(lo, min(lo+chunk, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// newRand returns a generator for one named random stream of a seed, so that
// the stages of UMAP draw independent, reproducible numbers. Seeds and
// streams pass through a strong mixer: PCG generators started from related
// states (seed, seed+1, …) would give related first outputs.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(pcgSeeds(seed, stream)))
}

// pcgSeeds are the two PCG seeds of newRand(seed, stream).
func pcgSeeds(seed, stream uint64) (uint64, uint64) {
	a := mix64(seed ^ mix64(stream))
	return a, mix64(a ^ 0x9e3779b97f4a7c15)
}

// mix64 is the SplitMix64 finaliser, a bijection that scrambles all bits.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Random streams, one per stage.
const (
	streamForest uint64 = iota + 1
	streamDescent
	streamSpectral
	streamInit
	streamSGD
)
