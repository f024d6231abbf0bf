package embed

import "math/rand/v2"

// layout is the optimisation problem of UMAP's second stage: the symmetric
// fuzzy graph as directed edges grouped by head (each undirected edge
// appears in both directions, as in umap-learn), with how often each is
// sampled.
type layout struct {
	n, dims         int
	ptr             []int // the edges with head i are ptr[i]..ptr[i+1]−1
	tail            []int32
	epochsPerSample []float64 // max weight / weight: sampled once every so many epochs
}

func newLayout(g *csr, dims int) *layout {
	l := &layout{n: g.n, dims: dims, ptr: g.ptr, tail: g.col}
	var top float64
	for _, v := range g.val {
		top = max(top, v)
	}
	l.epochsPerSample = make([]float64, len(g.val))
	for t, v := range g.val {
		l.epochsPerSample[t] = top / v
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
// in place on y (n×dims, row-major), with umap-learn's schedule. In epoch e
// an edge with epochsPerSample s is sampled when e reaches its next due
// time (then every s epochs). A sample pulls the edge's two ends together
// with the attractive gradient −2ab·d^(2(b−1))/(1 + a·d^(2b)), then pushes
// the head away from negRate/s random points per epoch with the repulsive
// gradient 2γb/((0.001 + d²)(1 + a·d^(2b))); every component is clipped at
// 4. The learning rate falls linearly from alpha to 0.
//
// One departure from umap-learn: the repulsions of one sample's negative
// points are all computed at the head's position before them and applied
// together (umap-learn moves the head after each). The computations are
// then independent of each other, which makes this loop, the bulk of UMAP's
// time, about 30% faster; on MNIST the trustworthiness and kNN accuracy are
// unchanged. The loop is serial, so the result is reproducible.
func (l *layout) optimize(y []float64, p sgdParams, rng *rand.Rand) {
	dims, n := l.dims, l.n
	ne := len(l.tail)
	nextPos := make([]float64, ne)
	negEvery := make([]float64, ne)
	nextNeg := make([]float64, ne)
	for t, s := range l.epochsPerSample {
		nextPos[t] = s
		negEvery[t] = s / p.negRate
		nextNeg[t] = negEvery[t]
	}
	a, b := p.a, p.b
	push := make([]float64, dims)
	for e := 0; e < p.epochs; e++ {
		alpha := p.alpha * (1 - float64(e)/float64(p.epochs))
		fe := float64(e)
		for j := 0; j < n; j++ {
			cur := y[j*dims : j*dims+dims]
			for t := l.ptr[j]; t < l.ptr[j+1]; t++ {
				if nextPos[t] > fe {
					continue
				}
				k := int(l.tail[t])
				oth := y[k*dims : k*dims+dims]
				var d2 float64
				for c := range cur {
					u := cur[c] - oth[c]
					d2 += u * u
				}
				if d2 > 0 {
					pb := powPos(d2, b) // d^(2b)
					gc := -2 * a * b * pb / (d2 * (a*pb + 1))
					for c := range cur {
						g := clip4(gc*(cur[c]-oth[c])) * alpha
						cur[c] += g
						oth[c] -= g
					}
				}
				nextPos[t] += l.epochsPerSample[t]

				nNeg := int((fe - nextNeg[t]) / negEvery[t])
				clear(push)
				for q := 0; q < nNeg; q++ {
					k := rng.IntN(n)
					if k == j {
						continue
					}
					oth := y[k*dims : k*dims+dims]
					var d2 float64
					for c := range cur {
						u := cur[c] - oth[c]
						d2 += u * u
					}
					if d2 > 0 {
						pb := powPos(d2, b)
						gc := 2 * p.gamma * b / ((0.001 + d2) * (a*pb + 1))
						for c := range cur {
							push[c] += clip4(gc*(cur[c]-oth[c])) * alpha
						}
					} else { // coincident points: push apart along every axis
						for c := range cur {
							push[c] += 4 * alpha
						}
					}
				}
				for c := range cur {
					cur[c] += push[c]
				}
				nextNeg[t] += float64(nNeg) * negEvery[t]
			}
		}
	}
}
