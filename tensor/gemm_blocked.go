package tensor

import (
	"sync"
	"unsafe"
)

// The blocked GEMM follows the usual layered scheme: dst is computed in
// tiles of at most mr rows × nv·w columns by a micro-kernel that reads A in
// place and B from a packed panel (kc rows × nv·w columns, zero padded), so
// that the panel stays in cache while the tiles of one block of rows reuse it.
// k is split into blocks of at most kcMax; each element of dst sums its
// products in the same order whatever the tiling of dst, which is what lets
// the parallel split (by rows or columns of dst only) stay bit-identical.

// Block sizes: the packed block of B (kcMax·ncMax floats) stays in L2, and one
// micro-panel of it (kcMax × 32 floats) in L1.
const (
	kcMax = 256 // most k steps per packed block
	ncMax = 512 // most columns of B per packed block
	nrMax = 32  // most columns of a micro-panel, over all kernel sets
)

// tileFunc computes one tile: c[0:mr, 0:cols] = alpha·op(A)[0:mr, 0:k]·Bp +
// beta·c, where op(A)(r, p) is a[r*lda+p] (transA false) or a[p*lda+r]
// (transA true), bp holds k rows of nv·w packed floats, and c has row stride
// ldc. cols ≤ nv·w; when beta is 0, c is not read.
type tileFunc func(transA bool, mr, nv, k int, a []float32, lda int, bp []float32, c []float32, ldc, cols int, alpha, beta float32)

// kernelSet describes one family of micro-kernels.
type kernelSet struct {
	name string
	mr   int // most rows per tile
	w    int // floats per vector
	nv   int // most vectors per tile
	tile tileFunc
}

// packLen is the size of a packing buffer: one block of B, whose column count
// may exceed ncMax by up to a panel when rounded to whole panels.
const packLen = kcMax * (ncMax + nrMax)

// packPool holds the packing buffers, one per goroutine in flight.
var packPool = sync.Pool{New: func() any {
	buf := make([]float32, packLen+16)
	// Align to 64 bytes so that packed panels start on cache lines.
	off := (64 - int(uintptr(unsafe.Pointer(&buf[0]))%64)) % 64 / 4
	buf = buf[off : off+packLen]
	return &buf
}}

// splitEven returns the block size that splits total into the fewest blocks
// of at most max, as evenly as possible, rounded up to a multiple of q.
func splitEven(total, max, q int) int {
	nb := (total + max - 1) / max
	s := (total + nb - 1) / nb
	return (s + q - 1) / q * q
}

// gemmBlocked computes c = alpha·op(a)·op(b) + beta·c with the micro-kernels
// of ks, for rows [0, m) and columns [0, n) of c. It requires k ≥ 1.
func gemmBlocked(ks *kernelSet, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bufp := packPool.Get().(*[]float32)
	defer packPool.Put(bufp)
	buf := *bufp
	nr := ks.w * ks.nv
	kc := splitEven(k, kcMax, 4)
	nc := splitEven(n, ncMax, nr)
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			packB(buf, transB, b, ldb, pc, kb, jc, nb, ks.w, nr)
			var as []float32
			if transA {
				as = a[pc*lda:]
			} else {
				as = a[pc:]
			}
			gemmPacked(ks, transA, m, nb, kb, alpha, as, lda, buf, bt, c[jc:], ldc)
		}
	}
}

// oneBlock reports whether gemmBlocked packs all of B as a single block.
func oneBlock(n, k int) bool { return n <= ncMax && k <= kcMax }

// gemmPacked computes c[0:m, 0:nb] = alpha·op(A)[0:m, 0:kb]·Bp + beta·c, where
// bp holds a block of B packed by packB.
func gemmPacked(ks *kernelSet, transA bool, m, nb, kb int, alpha float32, a []float32, lda int, bp []float32, beta float32, c []float32, ldc int) {
	nr := ks.w * ks.nv
	for ic := 0; ic < m; ic += ks.mr {
		mb := min(ks.mr, m-ic)
		var as []float32
		if transA {
			as = a[ic:]
		} else {
			as = a[ic*lda:]
		}
		for jr := 0; jr < nb; jr += nr {
			cols := min(nr, nb-jr)
			nv := (cols + ks.w - 1) / ks.w
			ks.tile(transA, mb, nv, kb, as, lda, bp[jr*kb:], c[ic*ldc+jr:], ldc, cols, alpha, beta)
		}
	}
}

// packB packs rows [pc, pc+kb) and columns [jc, jc+nb) of op(b) into dst as
// panels of nr columns (the last one rounded up to a multiple of w), each
// stored as kb rows of its width, zero padded.
func packB(dst []float32, transB bool, b []float32, ldb, pc, kb, jc, nb, w, nr int) {
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		width := (cols + w - 1) / w * w
		panel := dst[jr*kb : jr*kb+kb*width]
		j0 := jc + jr
		if !transB {
			switch {
			case cols == 32 && width == 32:
				for p := 0; p < kb; p++ {
					o := (pc+p)*ldb + j0
					*(*[32]float32)(panel[p*32:]) = *(*[32]float32)(b[o:])
				}
			case cols == 16 && width == 16:
				for p := 0; p < kb; p++ {
					o := (pc+p)*ldb + j0
					*(*[16]float32)(panel[p*16:]) = *(*[16]float32)(b[o:])
				}
			case cols < 8:
				// Narrow edge: an element loop beats a copy call per row.
				clear(panel)
				for p := 0; p < kb; p++ {
					src := b[(pc+p)*ldb+j0 : (pc+p)*ldb+j0+cols]
					row := panel[p*width : p*width+cols]
					for j, v := range src {
						row[j] = v
					}
				}
			default:
				if cols < width {
					clear(panel)
				}
				for p := 0; p < kb; p++ {
					copy(panel[p*width:p*width+cols], b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+cols])
				}
			}
			continue
		}
		if cols < width {
			clear(panel)
		}
		jj := 0
		if k8 := kb / 8; k8 > 0 && hasPackT8 {
			for ; jj+8 <= cols; jj += 8 {
				// The last source row read is (j0+jj+7)*ldb+pc+8*k8-1.
				_ = b[(j0+jj+7)*ldb+pc+8*k8-1]
				packT8(&panel[jj], width, &b[(j0+jj)*ldb+pc], ldb, k8)
			}
			for jq := 0; jq < jj; jq++ {
				src := b[(j0+jq)*ldb+pc+8*k8 : (j0+jq)*ldb+pc+kb]
				for p, v := range src {
					panel[(8*k8+p)*width+jq] = v
				}
			}
		}
		for ; jj < cols; jj++ {
			src := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
			for p, v := range src {
				panel[p*width+jj] = v
			}
		}
	}
}

// goKernels is the pure-Go micro-kernel family: tiles of 2×4, whose eight
// accumulators stay in registers.
var goKernels = kernelSet{name: "go", mr: 2, w: 4, nv: 1, tile: goTile}

// goTile is the pure-Go tileFunc for goKernels.
func goTile(transA bool, mr, nv, k int, a []float32, lda int, bp []float32, c []float32, ldc, cols int, alpha, beta float32) {
	var acc [2][4]float32
	bp = bp[:4*k]
	if mr == 2 {
		var c00, c01, c02, c03, c10, c11, c12, c13 float32
		if transA {
			for p := 0; p < k; p++ {
				b := bp[4*p : 4*p+4 : 4*p+4]
				x := a[p*lda : p*lda+2 : p*lda+2]
				x0, x1 := x[0], x[1]
				c00 += x0 * b[0]
				c01 += x0 * b[1]
				c02 += x0 * b[2]
				c03 += x0 * b[3]
				c10 += x1 * b[0]
				c11 += x1 * b[1]
				c12 += x1 * b[2]
				c13 += x1 * b[3]
			}
		} else {
			a0, a1 := a[:k], a[lda:lda+k]
			for p, x0 := range a0 {
				b := bp[4*p : 4*p+4 : 4*p+4]
				x1 := a1[p]
				c00 += x0 * b[0]
				c01 += x0 * b[1]
				c02 += x0 * b[2]
				c03 += x0 * b[3]
				c10 += x1 * b[0]
				c11 += x1 * b[1]
				c12 += x1 * b[2]
				c13 += x1 * b[3]
			}
		}
		acc = [2][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}}
	} else {
		var c00, c01, c02, c03 float32
		for p := 0; p < k; p++ {
			b := bp[4*p : 4*p+4 : 4*p+4]
			var x0 float32
			if transA {
				x0 = a[p*lda]
			} else {
				x0 = a[p]
			}
			c00 += x0 * b[0]
			c01 += x0 * b[1]
			c02 += x0 * b[2]
			c03 += x0 * b[3]
		}
		acc[0] = [4]float32{c00, c01, c02, c03}
	}
	for r := 0; r < mr; r++ {
		cr := c[r*ldc : r*ldc+cols]
		if beta == 0 {
			for j := range cr {
				cr[j] = alpha * acc[r][j]
			}
		} else {
			for j := range cr {
				cr[j] = alpha*acc[r][j] + beta*cr[j]
			}
		}
	}
}
