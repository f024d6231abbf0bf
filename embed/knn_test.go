package embed

import (
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// bruteKNN is the reference: every distance from differences in float64,
// sorted by (distance, index).
func bruteKNN(x *tensor.Mat, k int) ([][]int, [][]float64) {
	n := x.Rows
	idx, dist := make([][]int, n), make([][]float64, n)
	for i := 0; i < n; i++ {
		type nd struct {
			d float64
			j int
		}
		var all []nd
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			var s float64
			for c := 0; c < x.Cols; c++ {
				e := float64(x.At(i, c)) - float64(x.At(j, c))
				s += e * e
			}
			all = append(all, nd{math.Sqrt(s), j})
		}
		sort.Slice(all, func(a, b int) bool {
			return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].j < all[b].j)
		})
		for _, e := range all[:k] {
			idx[i] = append(idx[i], e.j)
			dist[i] = append(dist[i], e.d)
		}
	}
	return idx, dist
}

// recall is the fraction of true neighbours found.
func recall(got, want [][]int) float64 {
	hit, all := 0, 0
	for i := range want {
		for _, j := range got[i] {
			if slices.Contains(want[i], j) {
				hit++
			}
		}
		all += len(want[i])
	}
	return float64(hit) / float64(all)
}

func TestKNNExact(t *testing.T) {
	x, _ := blobs(4, 50, 12, 3, 11)
	// Integer grid points: many exactly tied distances.
	grid := tensor.New(64, 2)
	for i := 0; i < 64; i++ {
		grid.Set(i, 0, float32(i%8))
		grid.Set(i, 1, float32(i/8))
	}
	for _, tc := range []struct {
		name string
		x    *tensor.Mat
		k    int
	}{{"blobs", x, 7}, {"grid", grid, 4}, {"grid, k = n−1", grid, 63}} {
		idx, dist := KNN(tc.x, tc.k, 1, 3)
		wi, wd := bruteKNN(tc.x, tc.k)
		for i := range wi {
			for t2 := range wi[i] {
				if math.Abs(float64(dist[i][t2])-wd[i][t2]) > 1e-5*(1+wd[i][t2]) {
					t.Fatalf("%s: point %d neighbour %d at %g, want %g", tc.name, i, t2, dist[i][t2], wd[i][t2])
				}
			}
			if tc.name != "blobs" && !slices.Equal(idx[i], wi[i]) { // exact ties: same order
				t.Fatalf("%s: point %d neighbours %v, want %v", tc.name, i, idx[i], wi[i])
			}
		}
		if r := recall(idx, wi); r != 1 {
			t.Errorf("%s: exact search recall %.4f", tc.name, r)
		}
	}
}

func TestNNDescentRecall(t *testing.T) {
	// 3000 points: exact search would be used for this size, so NN-descent
	// is called directly. Structureless Gaussian data in 20-D is the hard
	// case for it.
	clustered, _ := blobs(30, 100, 40, 1.5, 12)
	gauss, _ := blobs(1, 3000, 20, 0, 14)
	for _, tc := range []struct {
		name string
		x    *tensor.Mat
		k    int
	}{{"30 clusters in 40-D", clustered, 15}, {"one Gaussian in 20-D", gauss, 15}, {"one Gaussian in 20-D", gauss, 39}} {
		p := newPoints(tc.x)
		want, _ := finish(p, exactKNN(p, tc.k, 2), 2) // checked against bruteKNN above
		idx, _ := finish(p, nnDescent(p, tc.k, 3, 2), 2)
		r := recall(idx, want)
		t.Logf("NN-descent recall, %s, k = %d: %.4f", tc.name, tc.k, r)
		if r < 0.9 {
			t.Errorf("%s: recall %.4f < 0.9", tc.name, r)
		}
		for i, row := range idx {
			if len(row) != tc.k || slices.Contains(row, i) {
				t.Fatalf("%s: point %d: neighbours %v", tc.name, i, row)
			}
		}
	}
}

func TestKNNDeterministic(t *testing.T) {
	// 5000 points: above the exact-search limit, so NN-descent.
	x, _ := blobs(10, 500, 8, 2, 13)
	i1, d1 := KNN(x, 10, 42, 1)
	i4, d4 := KNN(x, 10, 42, 4)
	for i := range i1 {
		if !slices.Equal(i1[i], i4[i]) || !slices.Equal(d1[i], d4[i]) {
			t.Fatalf("point %d: 1 worker %v, 4 workers %v", i, i1[i], i4[i])
		}
	}
	p := newPoints(x)
	want, _ := finish(p, exactKNN(p, 10, 2), 2)
	if r := recall(i1, want); r < 0.9 {
		t.Errorf("recall %.4f < 0.9", r)
	}
}
