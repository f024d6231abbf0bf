package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Large products are split over helper goroutines by blocks of columns (or,
// for narrow products, rows) of dst. Every element of dst is computed by the
// same sequence of operations whatever the split, so results do not depend on
// the number of threads. A part is handed to a helper only if the helper is
// idle at that moment; otherwise the caller computes it itself, so concurrent
// callers never queue behind each other.

// parallelMinWork is the smallest m·n·k worth splitting: below it the hand-off
// costs more than it saves.
const parallelMinWork = 1 << 20

var (
	threads   atomic.Int32 // 0 means "not set": use min(GOMAXPROCS, 2)
	helpersMu sync.Mutex
	helpers   []*gemmHelper
)

// SetThreads sets how many goroutines (the caller included) one Gemm may use,
// and returns the previous setting. n < 1 means 1. Results do not depend on
// it. The default is min(GOMAXPROCS, 2).
func SetThreads(n int) int {
	prev := Threads()
	if n < 1 {
		n = 1
	}
	threads.Store(int32(n))
	return prev
}

// Threads returns how many goroutines one Gemm may use.
func Threads() int {
	if t := threads.Load(); t > 0 {
		return int(t)
	}
	return min(runtime.GOMAXPROCS(0), 2)
}

type gemmTask struct {
	ks             *kernelSet
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	done           chan struct{}
}

func (t *gemmTask) run() {
	gemmBlocked(t.ks, t.transA, t.transB, t.m, t.n, t.k, t.alpha, t.a, t.lda, t.b, t.ldb, t.beta, t.c, t.ldc)
}

type gemmHelper struct{ tasks chan gemmTask }

func (h *gemmHelper) loop() {
	for t := range h.tasks {
		t.run()
		t.done <- struct{}{}
	}
}

// getHelpers returns n helpers, starting them if need be.
func getHelpers(n int) []*gemmHelper {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for len(helpers) < n {
		h := &gemmHelper{tasks: make(chan gemmTask)}
		go h.loop()
		helpers = append(helpers, h)
	}
	return helpers[:n]
}

var donePool = sync.Pool{New: func() any { return make(chan struct{}, 8) }}

// gemmParallel is gemmBlocked split over up to Threads() goroutines.
func gemmParallel(ks *kernelSet, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	nt := Threads()
	if nt <= 1 || m*n*k < parallelMinWork {
		gemmBlocked(ks, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Split columns in whole vectors when there are enough of them; else rows
	// in whole tiles.
	nr := ks.w * ks.nv
	byCols := n >= 2*nr
	units := (m + ks.mr - 1) / ks.mr
	unit := ks.mr
	if byCols {
		units = (n + ks.w - 1) / ks.w
		unit = ks.w
	}
	nt = min(nt, units)
	if nt <= 1 {
		gemmBlocked(ks, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	hs := getHelpers(nt - 1)
	done := donePool.Get().(chan struct{})
	handed := 0
	var own [8]gemmTask
	nown := 0
	for i := 0; i < nt; i++ {
		lo, hi := units*i/nt*unit, units*(i+1)/nt*unit
		t := gemmTask{ks: ks, transA: transA, transB: transB, k: k, alpha: alpha, beta: beta, lda: lda, ldb: ldb, ldc: ldc, done: done}
		if byCols {
			hi = min(hi, n)
			t.m, t.n = m, hi-lo
			t.a = a
			if transB {
				t.b = b[lo*ldb:]
			} else {
				t.b = b[lo:]
			}
			t.c = c[lo:]
		} else {
			hi = min(hi, m)
			t.m, t.n = hi-lo, n
			if transA {
				t.a = a[lo:]
			} else {
				t.a = a[lo*lda:]
			}
			t.b = b
			t.c = c[lo*ldc:]
		}
		if i > 0 {
			select {
			case hs[i-1].tasks <- t:
				handed++
				continue
			default:
			}
		}
		if nown < len(own) {
			own[nown] = t
			nown++
		} else {
			t.run()
		}
	}
	for i := 0; i < nown; i++ {
		own[i].run()
	}
	for ; handed > 0; handed-- {
		<-done
	}
	donePool.Put(done)
}
