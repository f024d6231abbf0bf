package embed

import (
	"math/rand/v2"
)

// layout is the optimisation problem of UMAP's second stage: the symmetric
// fuzzy graph as a list of directed edges (each undirected edge appears in
// both directions, as in umap-learn), with how often each is sampled.
type layout struct {
	n, dims         int
	head, tail      []int32
	epochsPerSample []float64 // max weight / weight: sampled once every so many epochs
}

func newLayout(g *csr, dims int) *layout {
	l := &layout{n: g.n, dims: dims}
	var top float64
	for _, v := range g.val {
		top = max(top, v)
	}
	for i := 0; i < g.n; i++ {
		for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
			l.head = append(l.head, int32(i))
			l.tail = append(l.tail, g.col[t])
			l.epochsPerSample = append(l.epochsPerSample, top/g.val[t])
		}
	}
	return l
}

// sgdParams are the constants of the optimisation.
type sgdParams struct {
	a, b    float64 // low-dimensional similarity 1/(1 + a·d^(2b))
	gamma   float64 // weight of the repulsive (negative-sample) term
	alpha   float64 // initial learning rate, decayed linearly to 0
	negRate float64 // negative samples per positive sample
	epochs  int
}

// clip4 limits a gradient component to [−4, 4].
func clip4(g float64) float64 {
	if g > 4 {
		return 4
	}
	if g < -4 {
		return -4
	}
	return g
}

// optimize runs stochastic gradient descent on the fuzzy set cross-entropy,
// in place on y (n×dims, row-major). In epoch e an edge with
// epochsPerSample s is sampled when e reaches its next due time (then every
// s epochs); each sample pulls its two ends together with the attractive
// gradient −2ab·d^(2(b−1))/(1 + a·d^(2b)) and pushes its head away from
// negRate/s random points per epoch with the repulsive gradient
// 2γb/((0.001 + d²)(1 + a·d^(2b))), every component clipped at 4. The
// learning rate falls linearly from alpha to 0. This is umap-learn's
// schedule; it runs serially, so the result is reproducible.
func (l *layout) optimize(y []float64, p sgdParams, rng *rand.Rand) {
	dims, n := l.dims, l.n
	ne := len(l.head)
	nextPos := make([]float64, ne)
	negEvery := make([]float64, ne)
	nextNeg := make([]float64, ne)
	for i, s := range l.epochsPerSample {
		nextPos[i] = s
		negEvery[i] = s / p.negRate
		nextNeg[i] = negEvery[i]
	}
	a, b := p.a, p.b
	for e := 0; e < p.epochs; e++ {
		alpha := p.alpha * (1 - float64(e)/float64(p.epochs))
		fe := float64(e)
		for i := 0; i < ne; i++ {
			if nextPos[i] > fe {
				continue
			}
			j, k := int(l.head[i]), int(l.tail[i])
			cur := y[j*dims : j*dims+dims]
			oth := y[k*dims : k*dims+dims]
			var d2 float64
			for c := range cur {
				t := cur[c] - oth[c]
				d2 += t * t
			}
			var gc float64
			if d2 > 0 {
				pb := powPos(d2, b) // d^(2b)
				gc = -2 * a * b * pb / (d2 * (a*pb + 1))
			}
			for c := range cur {
				g := clip4(gc*(cur[c]-oth[c])) * alpha
				cur[c] += g
				oth[c] -= g
			}
			nextPos[i] += l.epochsPerSample[i]

			nNeg := int((fe - nextNeg[i]) / negEvery[i])
			for q := 0; q < nNeg; q++ {
				k := rng.IntN(n)
				if k == j {
					continue
				}
				oth := y[k*dims : k*dims+dims]
				var d2 float64
				for c := range cur {
					t := cur[c] - oth[c]
					d2 += t * t
				}
				if d2 > 0 {
					pb := powPos(d2, b)
					gc := 2 * p.gamma * b / ((0.001 + d2) * (a*pb + 1))
					for c := range cur {
						cur[c] += clip4(gc*(cur[c]-oth[c])) * alpha
					}
				} else { // coincident points: push apart along every axis
					for c := range cur {
						cur[c] += 4 * alpha
					}
				}
			}
			nextNeg[i] += float64(nNeg) * negEvery[i]
		}
	}
}
