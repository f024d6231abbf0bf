package embed

import (
	"fmt"
	"math"
	"slices"

	"github.com/isonet/isonet/tensor"
)

// exactKNNMax is the largest number of points for which KNN searches
// exhaustively; above it, KNN uses NN-descent. umap-learn switches at the
// same size.
const exactKNNMax = 4096

// Names of the neighbour searches, as reported in UMAPResult.KNNMethod.
const (
	KNNExact   = "exact"
	KNNDescent = "nn-descent"
)

// KNN returns, for every row of x, its k nearest other rows in Euclidean
// distance: idx[i] lists their indices and dist[i] their distances, nearest
// first (ties broken by the smaller index). The point itself is not listed.
//
// For up to 4096 points the search is exact (distances from matrix products);
// above, it is approximate: a random-projection forest followed by NN-descent
// (Dong, Moses & Li 2011), seeded by seed. The result is the same for any
// number of workers (0 means GOMAXPROCS). KNN panics unless 1 ≤ k < x.Rows.
func KNN(x *tensor.Mat, k int, seed uint64, workers int) (idx [][]int, dist [][]float32) {
	idx, dist, _ = knn(x, k, seed, workers)
	return idx, dist
}

// knn is KNN that also names the method it used.
func knn(x *tensor.Mat, k int, seed uint64, workers int) ([][]int, [][]float32, string) {
	if k < 1 || k >= x.Rows {
		panic(fmt.Sprintf("embed: KNN with k = %d for %d points", k, x.Rows))
	}
	workers = workerCount(workers)
	p := newPoints(x)
	var cand [][]neighbour
	method := KNNExact
	if x.Rows <= exactKNNMax {
		cand = exactKNN(p, k, workers)
	} else {
		cand, method = nnDescent(p, k, seed, workers), KNNDescent
	}
	idx, dist := finish(p, cand, workers)
	return idx, dist, method
}

// points is the data prepared for distance computations: centred (which
// leaves distances unchanged and makes ‖a‖²+‖b‖²−2a·b lose less precision)
// together with each row's squared norm.
type points struct {
	n, d  int
	x     *tensor.Mat
	norm2 []float32
}

func newPoints(x *tensor.Mat) *points {
	n, d := x.Rows, x.Cols
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
	}
	c := tensor.New(n, d)
	p := &points{n: n, d: d, x: c, norm2: make([]float32, n)}
	for i := 0; i < n; i++ {
		r, s := c.Row(i), 0.0
		for j, v := range x.Row(i) {
			r[j] = float32(float64(v) - mean[j]/float64(n))
			s += float64(r[j]) * float64(r[j])
		}
		p.norm2[i] = float32(s)
	}
	return p
}

// sqDist is the squared distance between rows i and j from their norms and
// dot product.
func (p *points) sqDist(i, j int) float32 {
	d := p.norm2[i] + p.norm2[j] - 2*dot32(p.x.Row(i), p.x.Row(j))
	return max(d, 0)
}

// exactDist is the Euclidean distance between rows i and j from their
// differences, accumulated in float64.
func (p *points) exactDist(i, j int) float32 {
	return float32(math.Sqrt(tensor.SqDist(p.x.Row(i), p.x.Row(j))))
}

// neighbour is a candidate neighbour with its (squared) distance.
type neighbour struct {
	d float32
	i int32
}

// less orders neighbours by distance, then index.
func (a neighbour) less(b neighbour) bool { return a.d < b.d || (a.d == b.d && a.i < b.i) }

// kBest keeps the k smallest neighbours seen, as a max-heap.
type kBest []neighbour

func (h kBest) siftDown(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		if r := l + 1; r < len(h) && h[l].less(h[r]) {
			l = r
		}
		if !h[i].less(h[l]) {
			return
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}

func (h *kBest) push(c neighbour, k int) {
	if len(*h) < k {
		*h = append(*h, c)
		for i := len(*h) - 1; i > 0; {
			p := (i - 1) / 2
			if !(*h)[p].less((*h)[i]) {
				break
			}
			(*h)[p], (*h)[i] = (*h)[i], (*h)[p]
			i = p
		}
		return
	}
	if c.less((*h)[0]) {
		(*h)[0] = c
		h.siftDown(0)
	}
}

// finish turns per-point candidate lists into KNN's result: exact distances
// recomputed from differences, sorted nearest first.
func finish(p *points, cand [][]neighbour, workers int) ([][]int, [][]float32) {
	idx := make([][]int, p.n)
	dist := make([][]float32, p.n)
	parallelFor(p.n, workers, 256, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c := cand[i]
			for t := range c {
				c[t].d = p.exactDist(i, int(c[t].i))
			}
			slices.SortFunc(c, func(a, b neighbour) int {
				if a.less(b) {
					return -1
				}
				if b.less(a) {
					return 1
				}
				return 0
			})
			idx[i] = make([]int, len(c))
			dist[i] = make([]float32, len(c))
			for t, e := range c {
				idx[i][t], dist[i][t] = int(e.i), e.d
			}
		}
	})
	return idx, dist
}

// distanceBlocks calls visit(lo, hi, d2) for consecutive blocks of rows,
// where d2 holds the squared distances (from ‖a‖² + ‖b‖² − 2a·b, one matrix
// product per block) from rows lo..hi−1 to every row. Within a block, visit
// may work in parallel.
func distanceBlocks(p *points, visit func(lo, hi int, d2 *tensor.Mat)) {
	const block = 256
	g := tensor.New(min(block, p.n), p.n)
	for lo := 0; lo < p.n; lo += block {
		hi := min(lo+block, p.n)
		gb := tensor.FromSlice(hi-lo, p.n, g.Data[:(hi-lo)*p.n])
		xb := tensor.FromSlice(hi-lo, p.d, p.x.Data[lo*p.d:hi*p.d])
		tensor.Gemm(false, true, -2, xb, p.x, 0, gb)
		for r := 0; r < hi-lo; r++ {
			row, ni := gb.Row(r), p.norm2[lo+r]
			for j := range row {
				row[j] = max(row[j]+ni+p.norm2[j], 0)
			}
		}
		visit(lo, hi, gb)
	}
}

// exactKNN searches exhaustively.
func exactKNN(p *points, k, workers int) [][]neighbour {
	cand := make([][]neighbour, p.n)
	distanceBlocks(p, func(lo, hi int, d2 *tensor.Mat) {
		parallelFor(hi-lo, workers, 16, func(a, b int) {
			for r := a; r < b; r++ {
				i := lo + r
				h := make(kBest, 0, k)
				for j, d := range d2.Row(r) {
					if j == i || (len(h) == k && d > h[0].d) {
						continue
					}
					h.push(neighbour{d, int32(j)}, k)
				}
				cand[i] = h
			}
		})
	})
	return cand
}
