package embed

import (
	"math"
	"math/rand/v2"

	"github.com/isonet/isonet/tensor"
)

// subgraph returns the graph restricted to the points members (in that
// order), renumbered 0..len(members)-1.
func (m *csr) subgraph(members []int) *csr {
	pos := make(map[int32]int32, len(members))
	for k, i := range members {
		pos[int32(i)] = int32(k)
	}
	out := &csr{n: len(members), ptr: make([]int, 1, len(members)+1)}
	for _, i := range members {
		for t := m.ptr[i]; t < m.ptr[i+1]; t++ {
			if k, ok := pos[m.col[t]]; ok {
				out.col = append(out.col, k)
				out.val = append(out.val, m.val[t])
			}
		}
		out.ptr = append(out.ptr, len(out.col))
	}
	return out
}

// componentLayout is the spectral start of a disconnected graph: each
// connected component gets its own spectral layout, and the components are
// placed apart, at the principal-component coordinates of their centroids
// in the data (or on a circle when those coincide), each scaled to well
// under half the distance to its nearest neighbour. It reports false when
// no component could be laid out spectrally.
func componentLayout(x *tensor.Mat, g *csr, dims int, rng *rand.Rand, workers int) ([]float64, bool) {
	labels := g.componentLabels()
	byRoot := map[int32]int{}
	var parts [][]int
	for i, l := range labels {
		k, ok := byRoot[l]
		if !ok {
			k = len(parts)
			byRoot[l] = k
			parts = append(parts, nil)
		}
		parts[k] = append(parts[k], i)
	}
	anchors := componentAnchors(x, parts, dims)
	// The smallest distance between two anchors bounds each part's size.
	gap := math.Inf(1)
	for a := range parts {
		for b := a + 1; b < len(parts); b++ {
			var s float64
			for c := 0; c < dims; c++ {
				d := anchors[a*dims+c] - anchors[b*dims+c]
				s += d * d
			}
			gap = min(gap, math.Sqrt(s))
		}
	}
	if math.IsInf(gap, 1) || gap == 0 {
		gap = 1
	}
	y := make([]float64, x.Rows*dims)
	any := false
	for k, members := range parts {
		var local []float64
		ok := false
		if len(members)-1 >= dims && len(members) > dims+1 {
			local, ok = spectralLayout(g.subgraph(members), dims, rng, workers)
		}
		if !ok {
			local = make([]float64, len(members)*dims)
			for t := range local {
				local[t] = rng.Float64()*2 - 1
			}
		} else {
			any = true
		}
		var big float64
		for _, v := range local {
			big = max(big, math.Abs(v))
		}
		if big == 0 {
			big = 1
		}
		scale := 0.35 * gap / big
		for j, i := range members {
			for c := 0; c < dims; c++ {
				y[i*dims+c] = anchors[k*dims+c] + scale*local[j*dims+c]
			}
		}
	}
	return y, any
}

// componentAnchors places one point per component: the first principal
// components of the components' centroids in the data, or a circle when
// there are too few distinct centroids.
func componentAnchors(x *tensor.Mat, parts [][]int, dims int) []float64 {
	k := len(parts)
	cent := tensor.New(k, x.Cols)
	for p, members := range parts {
		row := cent.Row(p)
		for _, i := range members {
			for c, v := range x.Row(i) {
				row[c] += v
			}
		}
		for c := range row {
			row[c] /= float32(len(members))
		}
	}
	out := make([]float64, k*dims)
	if k > dims {
		if pc, err := PCA(cent, dims); err == nil {
			var big float64
			for _, v := range pc.Data {
				big = max(big, math.Abs(float64(v)))
			}
			if big > 0 {
				for t, v := range pc.Data {
					out[t] = 10 * float64(v) / big
				}
				return out
			}
		}
	}
	for p := 0; p < k; p++ {
		a := 2 * math.Pi * float64(p) / float64(k)
		out[p*dims] = 10 * math.Cos(a)
		if dims > 1 {
			out[p*dims+1] = 10 * math.Sin(a)
		}
	}
	return out
}
