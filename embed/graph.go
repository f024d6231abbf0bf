package embed

import (
	"math"
	"slices"
)

// Constants of the smooth-kNN bandwidth search (as in umap-learn).
const (
	smoothKTolerance = 1e-5
	minKDistScale    = 1e-3
	smoothKIters     = 64
)

// smoothKNN finds, for each point, the offset ρ (the distance to its nearest
// neighbour at a non-zero distance) and the bandwidth σ for which
// Σ_j exp(−max(0, d_j − ρ)/σ) = log₂(k), by bisection. dist holds each
// point's neighbour distances without the point itself, so a point has
// k − 1 of them (k counts the point, as umap-learn's n_neighbors does).
// σ is kept above 10⁻³ times the mean neighbour distance.
func smoothKNN(dist [][]float32, k, workers int) (sigma, rho []float64) {
	n := len(dist)
	sigma, rho = make([]float64, n), make([]float64, n)
	target := math.Log2(float64(k))
	var total float64
	var count int
	for _, row := range dist {
		for _, d := range row {
			total += float64(d)
		}
		count += len(row) + 1 // the point itself, at distance 0
	}
	meanAll := total / float64(count)
	parallelFor(n, workers, 256, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := dist[i]
			var sum float64
			for _, d := range row {
				sum += float64(d)
				if d > 0 && rho[i] == 0 {
					rho[i] = float64(d)
				}
			}
			lo, hi, mid := 0.0, math.Inf(1), 1.0
			for it := 0; it < smoothKIters; it++ {
				var psum float64
				for _, d := range row {
					if e := float64(d) - rho[i]; e > 0 {
						psum += math.Exp(-e / mid)
					} else {
						psum++
					}
				}
				if math.Abs(psum-target) < smoothKTolerance {
					break
				}
				if psum > target {
					hi = mid
					mid = (lo + hi) / 2
				} else {
					lo = mid
					if math.IsInf(hi, 1) {
						mid *= 2
					} else {
						mid = (lo + hi) / 2
					}
				}
			}
			sigma[i] = mid
			floor := meanAll
			if rho[i] > 0 {
				floor = sum / float64(len(row)+1)
			}
			sigma[i] = max(sigma[i], minKDistScale*floor)
		}
	})
	return sigma, rho
}

// csr is a sparse n×n matrix in compressed rows, columns sorted in each row.
type csr struct {
	n   int
	ptr []int
	col []int32
	val []float64
}

// nnz is the number of stored entries.
func (m *csr) nnz() int { return len(m.col) }

// fuzzyGraph builds the fuzzy simplicial set of the data: the directed
// memberships w_ij = exp(−max(0, d_ij − ρ_i)/σ_i) of each point's neighbours,
// then their fuzzy union w_ij + w_ji − w_ij·w_ji, as a symmetric matrix.
func fuzzyGraph(idx [][]int, dist [][]float32, sigma, rho []float64) *csr {
	n := len(idx)
	// Bucket every directed entry and its transpose by row; a and b hold
	// w_ij and w_ji.
	type entry struct {
		j    int32
		a, b float64
	}
	count := make([]int, n+1)
	for i, row := range idx {
		count[i+1] += len(row)
		for _, j := range row {
			count[j+1]++
		}
	}
	for i := 0; i < n; i++ {
		count[i+1] += count[i]
	}
	fill := slices.Clone(count[:n])
	ents := make([]entry, count[n])
	for i, row := range idx {
		for t, j := range row {
			w := 1.0
			if e := float64(dist[i][t]) - rho[i]; e > 0 && sigma[i] > 0 {
				w = math.Exp(-e / sigma[i])
			}
			ents[fill[i]] = entry{int32(j), w, 0}
			fill[i]++
			ents[fill[j]] = entry{int32(i), 0, w}
			fill[j]++
		}
	}
	g := &csr{n: n, ptr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		row := ents[count[i]:count[i+1]]
		slices.SortFunc(row, func(x, y entry) int { return int(x.j) - int(y.j) })
		for s := 0; s < len(row); {
			e := row[s]
			for s++; s < len(row) && row[s].j == e.j; s++ {
				e.a += row[s].a
				e.b += row[s].b
			}
			if v := e.a + e.b - e.a*e.b; v > 0 {
				g.col = append(g.col, e.j)
				g.val = append(g.val, v)
			}
		}
		g.ptr[i+1] = len(g.col)
	}
	return g
}

// prune drops the entries below max/epochs, which SGD would sample less than
// once, as umap-learn does.
func (m *csr) prune(epochs int) *csr {
	var top float64
	for _, v := range m.val {
		top = max(top, v)
	}
	cut := top / float64(epochs)
	out := &csr{n: m.n, ptr: make([]int, m.n+1)}
	for i := 0; i < m.n; i++ {
		for t := m.ptr[i]; t < m.ptr[i+1]; t++ {
			if m.val[t] >= cut {
				out.col = append(out.col, m.col[t])
				out.val = append(out.val, m.val[t])
			}
		}
		out.ptr[i+1] = len(out.col)
	}
	return out
}

// components counts the connected components of the graph.
func (m *csr) components() int {
	labels := m.componentLabels()
	c := 0
	for i, l := range labels {
		if int(l) == i {
			c++
		}
	}
	return c
}

// componentLabels labels each point with the smallest point of its
// connected component.
func (m *csr) componentLabels() []int32 {
	parent := make([]int32, m.n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := 0; i < m.n; i++ {
		for t := m.ptr[i]; t < m.ptr[i+1]; t++ {
			if a, b := find(int32(i)), find(m.col[t]); a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	for i := range parent {
		parent[i] = find(int32(i))
	}
	return parent
}
