package tensor

import (
	"sync"
	"sync/atomic"
)

// Large products are cut into parts, blocks of columns (or, for narrow
// products, rows) of dst, which the caller and idle helper goroutines claim
// one at a time. Every element of dst is computed by the same sequence of
// operations whatever the cut and whoever computes it, so results do not
// depend on the number of threads or on timing. A helper is only ever offered
// work when it is idle, and the caller keeps claiming parts itself, so when
// the helpers are slow to start (a loaded machine) the caller simply does the
// whole product: splitting never makes a product much slower than computing
// it on one goroutine.

const (
	// parallelMinWork is the smallest m·n·k worth splitting: below it the
	// hand-off costs more than it saves.
	parallelMinWork = 1 << 20
	// maxParts bounds the number of parts of one product.
	maxParts = 16
)

var (
	threads   atomic.Int32 // 0 means "not set": use one
	helpersMu sync.Mutex
	helpers   []*gemmHelper
)

// SetThreads sets how many goroutines (the caller included) one Gemm may use,
// and returns the previous setting. n < 1 means 1. Results do not depend on
// it. The default is one: on the 2-vCPU machine the project is measured on,
// waking an idle helper takes 1.4 to 1.7 ms (the other vCPU halts), longer
// than most products, and every workload of isonet bench ran 4 to 9 %
// faster with one thread than with two (means of two alternating rounds;
// train-b0 234k against 215k examples/s); the torus trained 5 % faster. Where goroutines wake quickly
// and products are large, two or more may pay.
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
	return 1
}

// parCall is one product being split. Its claim word packs the call's
// generation, the number of parts and the next part to claim, so that a helper
// holding an offer from an earlier use of the same parCall can never claim
// anything.
type parCall struct {
	claim    atomic.Uint64 // gen<<16 | nparts<<8 | next
	finished atomic.Int32
	done     chan struct{} // receives once when a helper finishes the last part
	gen      uint64

	ks             *kernelSet
	transA, transB bool
	byCols         bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	units, unit    int
	packed         []float32 // B packed once for all row parts, or nil
}

var parPool = sync.Pool{New: func() any { return &parCall{done: make(chan struct{}, 1)} }}

// work claims and computes parts until none is left. It reports whether the
// caller finished the last part of the product.
func (x *parCall) work(gen uint64, helper bool) (last bool) {
	for {
		v := x.claim.Load()
		nparts, next := int(v>>8&0xff), int(v&0xff)
		if v>>16 != gen || next >= nparts {
			return false
		}
		if !x.claim.CompareAndSwap(v, v+1) {
			continue
		}
		x.part(next, nparts)
		if helper {
			helperParts.Add(1)
		}
		if x.finished.Add(1) == int32(nparts) {
			return true
		}
	}
}

// part computes part i of nparts.
func (x *parCall) part(i, nparts int) {
	lo, hi := x.units*i/nparts*x.unit, x.units*(i+1)/nparts*x.unit
	if x.byCols {
		hi = min(hi, x.n)
		var b []float32
		if x.transB {
			b = x.b[lo*x.ldb:]
		} else {
			b = x.b[lo:]
		}
		gemmBlocked(x.ks, x.transA, x.transB, x.m, hi-lo, x.k, x.alpha, x.a, x.lda, b, x.ldb, x.beta, x.c[lo:], x.ldc)
		return
	}
	hi = min(hi, x.m)
	var a []float32
	if x.transA {
		a = x.a[lo:]
	} else {
		a = x.a[lo*x.lda:]
	}
	if x.packed != nil {
		gemmPacked(x.ks, x.transA, hi-lo, x.n, x.k, x.alpha, a, x.lda, x.packed, x.beta, x.c[lo*x.ldc:], x.ldc)
		return
	}
	gemmBlocked(x.ks, x.transA, x.transB, hi-lo, x.n, x.k, x.alpha, a, x.lda, x.b, x.ldb, x.beta, x.c[lo*x.ldc:], x.ldc)
}

type parOffer struct {
	call *parCall
	gen  uint64
}

type gemmHelper struct{ offers chan parOffer }

// helperParts counts the parts computed by helpers (for tests).
var helperParts atomic.Int64

func (h *gemmHelper) loop() {
	for o := range h.offers {
		if o.call.work(o.gen, true) {
			o.call.done <- struct{}{}
		}
	}
}

// getHelpers returns n helpers, starting them if need be.
func getHelpers(n int) []*gemmHelper {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for len(helpers) < n {
		h := &gemmHelper{offers: make(chan parOffer)}
		go h.loop()
		helpers = append(helpers, h)
	}
	return helpers[:n]
}

// gemmParallel is gemmBlocked, split over up to Threads() goroutines.
func gemmParallel(ks *kernelSet, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	nt := Threads()
	if nt <= 1 || m*n*k < parallelMinWork {
		gemmBlocked(ks, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Cut columns into whole panels when there are enough of them (each part
	// packs only its own columns of B); else rows into whole tiles, one part
	// per thread, sharing B packed once when it is a single block (else each
	// part packs all of B).
	nr := ks.w * ks.nv
	byCols := n >= 2*nr
	units, unit, nparts := (m+ks.mr-1)/ks.mr, ks.mr, nt
	if byCols {
		units, unit, nparts = (n+nr-1)/nr, nr, 4*nt
	}
	nparts = min(nparts, units, maxParts)
	if nparts <= 1 {
		gemmBlocked(ks, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	x := parPool.Get().(*parCall)
	x.gen++
	gen := x.gen
	x.ks, x.transA, x.transB, x.byCols = ks, transA, transB, byCols
	x.m, x.n, x.k, x.alpha, x.beta = m, n, k, alpha, beta
	x.a, x.b, x.c, x.lda, x.ldb, x.ldc = a, b, c, lda, ldb, ldc
	x.units, x.unit = units, unit
	var bufp *[]float32
	if !byCols && oneBlock(n, k) {
		bufp = packPool.Get().(*[]float32)
		packB(*bufp, transB, b, ldb, 0, k, 0, n, ks.w, nr)
		x.packed = *bufp
	}
	x.finished.Store(0)
	x.claim.Store(gen<<16 | uint64(nparts)<<8)
	for _, h := range getHelpers(min(nt, nparts) - 1) {
		select {
		case h.offers <- parOffer{x, gen}:
		default: // busy with another product
		}
	}
	if !x.work(gen, false) {
		<-x.done
	}
	x.a, x.b, x.c, x.packed = nil, nil, nil, nil
	parPool.Put(x)
	if bufp != nil {
		packPool.Put(bufp)
	}
}
