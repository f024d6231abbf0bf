package embed

import (
	"fmt"

	"github.com/isonet/isonet/tensor"
)

// Trustworthiness measures how far an embedding y of the points x avoids
// false neighbours (Venna & Kaski 2001): with U_k(i) the k nearest
// neighbours of i in y that are not among its k nearest in x, and r(i, j)
// the rank of j among i's neighbours in x (1 = nearest),
//
//	T(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ U_k(i)} (r(i, j) − k).
//
// T = 1 when every embedded neighbourhood is a true one. Distances are
// Euclidean; ties are broken by the smaller index. It is the definition of
// scikit-learn's trustworthiness. Cost: n² distances in x. It panics unless
// x and y have the same rows and 1 ≤ k < n/2.
func Trustworthiness(x, y *tensor.Mat, k int) float64 {
	n := x.Rows
	if y.Rows != n || k < 1 || 2*k >= n {
		panic(fmt.Sprintf("embed: Trustworthiness of %d→%d points with k = %d", x.Rows, y.Rows, k))
	}
	embedded := exactKNN(newPoints(y), k, workerCount(0))
	penalty := make([]int64, n)
	distanceBlocks(newPoints(x), func(lo, hi int, d2 *tensor.Mat) {
		parallelFor(hi-lo, workerCount(0), 4, func(a, b int) {
			for r := a; r < b; r++ {
				i := lo + r
				row := d2.Row(r)
				for _, e := range embedded[i] {
					j := int(e.i)
					dj := row[j]
					rank := int64(1) // 1 + the points before j in i's input order
					for l, d := range row {
						if l != i && (d < dj || (d == dj && l < j)) {
							rank++
						}
					}
					if rank > int64(k) {
						penalty[i] += rank - int64(k)
					}
				}
			}
		})
	})
	var sum int64
	for _, p := range penalty {
		sum += p
	}
	nf, kf := float64(n), float64(k)
	return 1 - 2/(nf*kf*(2*nf-3*kf-1))*float64(sum)
}

// KNNAccuracy is the leave-one-out accuracy of a k-nearest-neighbour vote in
// the embedding y: the fraction of points whose label wins the vote among
// their k nearest other points (Euclidean; a tied vote goes to the tied
// label with the nearest member). It panics unless len(labels) = y.Rows and
// 1 ≤ k < y.Rows.
func KNNAccuracy(y *tensor.Mat, labels []int, k int) float64 {
	n := y.Rows
	if len(labels) != n || k < 1 || k >= n {
		panic(fmt.Sprintf("embed: KNNAccuracy of %d points, %d labels, k = %d", n, len(labels), k))
	}
	idx, _ := finish(newPoints(y), exactKNN(newPoints(y), k, workerCount(0)), workerCount(0))
	correct := 0
	votes := map[int]int{}
	for i, nb := range idx {
		clear(votes)
		best, bestVotes := 0, 0
		for _, j := range nb { // nearest first: a later label must beat, not tie
			votes[labels[j]]++
		}
		for _, j := range nb {
			if v := votes[labels[j]]; v > bestVotes {
				best, bestVotes = labels[j], v
			}
		}
		if best == labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(n)
}
