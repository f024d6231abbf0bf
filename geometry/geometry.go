// Package geometry measures how a layer of a network reshapes its input.
//
// For every class it compares the distances between same-class inputs with the
// distances between their representations (the paper's Fig. 2B and its
// numbers: Pearson r, mean |ΔD|, normalised stress), the same between classes,
// and a local Lipschitz estimate of the map Φ from inputs to representations.
// It also maps a layer to two or three dimensions by UMAP or PCA
// (EmbedLayer). It only measures: package report draws the distance
// histograms (report.DrawWithin, report.DrawBetween) and the embeddings
// (report.DrawEmbedding).
//
// Representation distances are scaled by K, the representation-distance
// scale of the isometric loss (SPEC §1), so that "isometric" means
// K·‖Φ(x)−Φ(x′)‖ = ‖x−x′‖. The Lipschitz ratios are of Φ itself, unscaled.
package geometry

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/isonet/isonet/iso"
	"github.com/isonet/isonet/tensor"
)

// Options sets what Analyze measures and how much of the data it uses. The
// zero value of a field selects its default.
type Options struct {
	// K scales representation distances before they are compared with
	// input distances (default 1).
	K float64 `json:"iso_scale"`
	// MaxPerClass bounds the points per class used for the same-class
	// distances; larger classes are subsampled with Seed (default 500;
	// negative means all points).
	MaxPerClass int `json:"max_per_class"`
	// MaxBetweenPairs bounds the number of between-class pairs: each class
	// contributes at most m points, with m chosen so that all class pairs
	// together hold no more than this many pairs (default 2,000,000;
	// negative means all points).
	MaxBetweenPairs int `json:"max_between_pairs"`
	// Neighbors is the number of nearest input neighbours of each point over
	// which the Lipschitz ratios are taken (default 10).
	Neighbors int `json:"neighbors"`
	// MaxPoints bounds the points whose neighbourhoods enter the Lipschitz
	// estimate; with more points a subsample is drawn with Seed (default
	// 2000; negative means all). Neighbours are always searched among all
	// points.
	MaxPoints int `json:"max_points"`
	// Seed drives every subsample.
	Seed uint64 `json:"seed"`
}

// Defaults of Options.
const (
	DefaultMaxPerClass     = iso.MaxPerClass
	DefaultMaxBetweenPairs = 2_000_000
	DefaultNeighbors       = 10
	DefaultMaxPoints       = 2000
)

func (o Options) withDefaults() Options {
	if o.K == 0 {
		o.K = 1
	}
	if o.MaxPerClass == 0 {
		o.MaxPerClass = DefaultMaxPerClass
	}
	if o.MaxBetweenPairs == 0 {
		o.MaxBetweenPairs = DefaultMaxBetweenPairs
	}
	if o.Neighbors == 0 {
		o.Neighbors = DefaultNeighbors
	}
	if o.MaxPoints == 0 {
		o.MaxPoints = DefaultMaxPoints
	}
	return o
}

// ClassPair holds the distances between the points of two classes A < B.
type ClassPair struct {
	ClassA int `json:"class_a"`
	ClassB int `json:"class_b"`
	NA     int `json:"points_a"`
	NB     int `json:"points_b"`
	// DIn and DRep are the input and (K-scaled) representation distances of
	// the NA·NB cross pairs, in the same order.
	DIn  []float64 `json:"-"`
	DRep []float64 `json:"-"`
	iso.Agreement
}

// MarshalJSON writes undefined numbers as null with the reason (Agreement's
// method would otherwise stand for the whole pair).
func (p ClassPair) MarshalJSON() ([]byte, error) {
	why := ""
	if p.Agreement.Why() != "" {
		why = fmt.Sprintf("classes %d and %d: %s", p.ClassA, p.ClassB, p.Agreement.Why())
	}
	return json.Marshal(struct {
		ClassA int `json:"class_a"`
		ClassB int `json:"class_b"`
		NA     int `json:"points_a"`
		NB     int `json:"points_b"`
		iso.JSONAgreement
	}{p.ClassA, p.ClassB, p.NA, p.NB, p.Agreement.JSON(why)})
}

// Lipschitz is a local Lipschitz estimate of Φ: the ratios
// ‖Φ(x)−Φ(x′)‖/‖x−x′‖ over every analysed point x and each of its nearest
// input neighbours x′ (pairs at input distance 0 are skipped), summarised by
// their maximum, mean and quantiles.
type Lipschitz struct {
	Neighbors int     `json:"neighbors"`
	Points    int     `json:"points"` // points whose neighbourhoods were used
	Pairs     int     `json:"pairs"`  // ratios measured
	Max       float64 `json:"max"`
	Mean      float64 `json:"mean"`
	P50       float64 `json:"p50"`
	P90       float64 `json:"p90"`
	P99       float64 `json:"p99"`
	// Ratios holds every measured ratio (for histograms).
	Ratios []float64 `json:"-"`
}

// MarshalJSON writes the summary numbers of an estimate without ratios
// as null, with the reason.
func (l Lipschitz) MarshalJSON() ([]byte, error) {
	f := func(x float64) *float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return &x
	}
	j := struct {
		Neighbors int      `json:"neighbors"`
		Points    int      `json:"points"`
		Pairs     int      `json:"pairs"`
		Max       *float64 `json:"max"`
		Mean      *float64 `json:"mean"`
		P50       *float64 `json:"p50"`
		P90       *float64 `json:"p90"`
		P99       *float64 `json:"p99"`
		Undefined string   `json:"undefined,omitempty"`
	}{l.Neighbors, l.Points, l.Pairs, f(l.Max), f(l.Mean), f(l.P50), f(l.P90), f(l.P99), ""}
	if j.Max == nil || j.Mean == nil || j.P50 == nil || j.P90 == nil || j.P99 == nil {
		j.Undefined = "no neighbour pairs at a nonzero input distance"
	}
	return json.Marshal(j)
}

// Result is what Analyze measures.
type Result struct {
	Points int     `json:"points"`
	K      float64 `json:"iso_scale"`
	// Within holds, per class, the same-class pair distances and their
	// agreement; WithinAll pools all classes' pairs.
	Within    []iso.ClassDistances `json:"within_class"`
	WithinAll iso.Agreement        `json:"within_class_all"`
	// Between holds, per pair of classes, the cross pair distances and
	// their agreement; BetweenAll pools all of them.
	Between    []ClassPair   `json:"between_class"`
	BetweenAll iso.Agreement `json:"between_class_all"`
	Lipschitz  Lipschitz     `json:"lipschitz"`
}

// Analyze compares the inputs x with their representations phi (one row
// per point, same order) for points labelled labels. Errors report options
// a user can get wrong: a negative or non-finite K, fewer than one neighbour,
// or at least as many neighbours as there are points. Mismatched lengths of
// x, phi and labels are programmer errors and panic.
func Analyze(x, phi *tensor.Mat, labels []int, o Options) (*Result, error) {
	if x.Rows != phi.Rows || len(labels) != x.Rows {
		panic(fmt.Sprintf("geometry: %d inputs, %d representations, %d labels", x.Rows, phi.Rows, len(labels)))
	}
	o = o.withDefaults()
	n := x.Rows
	switch {
	case !(o.K > 0) || math.IsInf(o.K, 0):
		return nil, fmt.Errorf("geometry: iso scale K = %g, need a finite number > 0", o.K)
	case n < 2:
		return nil, fmt.Errorf("geometry: %d points, need at least 2", n)
	case o.Neighbors < 1:
		return nil, fmt.Errorf("geometry: neighbors = %d, need at least 1", o.Neighbors)
	case o.Neighbors >= n:
		return nil, fmt.Errorf("geometry: neighbors = %d, need fewer than the %d points", o.Neighbors, n)
	}
	for _, l := range labels {
		if l < 0 {
			return nil, fmt.Errorf("geometry: negative label %d", l)
		}
	}
	maxPer := max(o.MaxPerClass, 0)
	r := &Result{Points: n, K: o.K}
	r.Within, r.WithinAll = iso.WithinClass(x, phi, labels, o.K, maxPer, o.Seed)
	r.Between, r.BetweenAll = BetweenClass(x, phi, labels, o.K, o.MaxBetweenPairs, o.Seed)
	r.Lipschitz = LocalLipschitz(x, phi, o.Neighbors, o.MaxPoints, o.Seed)
	return r, nil
}

// BetweenClass compares input and (K-scaled) representation distances over
// the pairs of points from different classes, per pair of classes A < B,
// and pooled. With maxPairs > 0 each class is subsampled (with seed) to at
// most m points, the largest m for which all class pairs hold at most
// maxPairs pairs.
func BetweenClass(x, phi *tensor.Mat, labels []int, k float64, maxPairs int, seed uint64) ([]ClassPair, iso.Agreement) {
	groups := iso.Groups(nil, labels, iso.MaskClass)
	c := len(groups)
	if maxPairs > 0 && c > 1 {
		m := int(math.Sqrt(float64(maxPairs) / float64(c*(c-1)/2)))
		m = max(m, 1)
		rng := rand.New(rand.NewPCG(seed, seed^0xb37ee))
		for g, idx := range groups {
			if len(idx) > m {
				idx = slices.Clone(idx)
				rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
				idx = idx[:m]
				slices.Sort(idx)
				groups[g] = idx
			}
		}
	}
	var pairs []ClassPair
	for a := 0; a < c; a++ {
		for b := a + 1; b < c; b++ {
			pairs = append(pairs, ClassPair{ClassA: labels[groups[a][0]], ClassB: labels[groups[b][0]],
				NA: len(groups[a]), NB: len(groups[b])})
		}
	}
	// Each class pair fills its own slot, so the result does not depend on
	// the number of workers.
	parallelFor(len(pairs), func(p int) {
		cp := &pairs[p]
		ia, ib := groupOf(groups, labels, cp.ClassA), groupOf(groups, labels, cp.ClassB)
		cp.DIn = crossDistances(x, ia, ib, 1)
		cp.DRep = crossDistances(phi, ia, ib, k)
		cp.Agreement = iso.Agree(cp.DIn, cp.DRep)
	})
	var allIn, allRep []float64
	for _, cp := range pairs {
		allIn = append(allIn, cp.DIn...)
		allRep = append(allRep, cp.DRep...)
	}
	return pairs, iso.Agree(allIn, allRep)
}

func groupOf(groups [][]int, labels []int, class int) []int {
	for _, g := range groups {
		if labels[g[0]] == class {
			return g
		}
	}
	panic("geometry: class without a group")
}

// crossDistances returns scale·‖x_a − x_b‖ for a in ia, b in ib (a major),
// from exact differences.
func crossDistances(x *tensor.Mat, ia, ib []int, scale float64) []float64 {
	out := make([]float64, 0, len(ia)*len(ib))
	for _, a := range ia {
		ra := x.Row(a)
		for _, b := range ib {
			out = append(out, scale*math.Sqrt(tensor.SqDist(ra, x.Row(b))))
		}
	}
	return out
}

// LocalLipschitz estimates the local Lipschitz constant of the map taking
// row i of x to row i of phi: for each analysed point, the ratios
// ‖phi_i − phi_j‖/‖x_i − x_j‖ over its k nearest neighbours j in x (ties
// broken by index; pairs at input distance 0 are skipped). With maxPoints >
// 0 and more points than that, maxPoints points are drawn with seed; their
// neighbours are searched among all points. It panics unless
// 1 ≤ k < x.Rows (Analyze checks this for users).
func LocalLipschitz(x, phi *tensor.Mat, k, maxPoints int, seed uint64) Lipschitz {
	n := x.Rows
	if k < 1 || k >= n || phi.Rows != n {
		panic(fmt.Sprintf("geometry: LocalLipschitz with k = %d on %d points (%d representations)", k, n, phi.Rows))
	}
	anchors := make([]int, n)
	for i := range anchors {
		anchors[i] = i
	}
	if maxPoints > 0 && n > maxPoints {
		rng := rand.New(rand.NewPCG(seed, seed^0x11b5c))
		rng.Shuffle(n, func(i, j int) { anchors[i], anchors[j] = anchors[j], anchors[i] })
		anchors = anchors[:maxPoints]
		slices.Sort(anchors)
	}
	nbrs := nearest(x, anchors, k)
	ratios := make([]float64, len(anchors)*k)
	parallelFor(len(anchors), func(t int) {
		i := anchors[t]
		for s, j := range nbrs[t*k : (t+1)*k] {
			din := math.Sqrt(tensor.SqDist(x.Row(i), x.Row(j)))
			if din == 0 {
				ratios[t*k+s] = math.NaN()
				continue
			}
			ratios[t*k+s] = math.Sqrt(tensor.SqDist(phi.Row(i), phi.Row(j))) / din
		}
	})
	ratios = slices.DeleteFunc(ratios, math.IsNaN)
	l := Lipschitz{Neighbors: k, Points: len(anchors), Pairs: len(ratios), Ratios: ratios}
	if len(ratios) == 0 {
		l.Max, l.Mean, l.P50, l.P90, l.P99 = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return l
	}
	sorted := slices.Clone(ratios)
	slices.Sort(sorted)
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	l.Max, l.Mean = sorted[len(sorted)-1], sum/float64(len(sorted))
	l.P50, l.P90, l.P99 = Quantile(sorted, 0.5), Quantile(sorted, 0.9), Quantile(sorted, 0.99)
	return l
}

// Quantile returns the q-quantile of sorted (ascending, not empty) by
// linear interpolation between the order statistics at ranks ⌊h⌋ and ⌈h⌉,
// h = q·(n−1) — the definition numpy.quantile uses by default.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 || !(q >= 0 && q <= 1) {
		panic(fmt.Sprintf("geometry: Quantile(%d values, q = %g)", len(sorted), q))
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// gramMinCols is the input width from which nearest ranks candidates by
// squared distances from a Gram matrix (one GEMM per block of anchors)
// rather than from exact differences.
const gramMinCols = 16

// nearest returns, for each anchor a (in order), the indices of its k
// nearest other rows of x, nearest first, ties broken by the smaller index,
// as one slice of len(anchors)·k. Narrow data is ranked by squared
// distances from exact differences; wide data by ‖a‖² + ‖b‖² − 2a·b on the
// centred rows, which can only swap neighbours whose distances agree to
// float32 precision.
func nearest(x *tensor.Mat, anchors []int, k int) []int {
	n := x.Rows
	out := make([]int, len(anchors)*k)
	if x.Cols < gramMinCols {
		parallelFor(len(anchors), func(t int) {
			i := anchors[t]
			ri := x.Row(i)
			sel := newSelector(k)
			for j := 0; j < n; j++ {
				if j != i {
					sel.offer(tensor.SqDist(ri, x.Row(j)), j)
				}
			}
			sel.write(out[t*k : (t+1)*k])
		})
		return out
	}
	xc := centred(x)
	sq := make([]float64, n)
	for i := range sq {
		var s float64
		for _, v := range xc.Row(i) {
			s += float64(v) * float64(v)
		}
		sq[i] = s
	}
	const block = 128
	blocks := (len(anchors) + block - 1) / block
	// Blocks run one after another (each GEMM may use several cores); the
	// selection inside a block is spread over goroutines, one anchor each.
	var a, g tensor.Mat
	for bk := range blocks {
		lo, hi := bk*block, min((bk+1)*block, len(anchors))
		tensor.Gather(&a, xc, anchors[lo:hi])
		g.Resize(hi-lo, n)
		tensor.Gemm(false, true, 1, &a, xc, 0, &g)
		parallelFor(hi-lo, func(r int) {
			t := lo + r
			i := anchors[t]
			gr := g.Row(r)
			sel := newSelector(k)
			for j := 0; j < n; j++ {
				if j != i {
					sel.offer(max(sq[i]+sq[j]-2*float64(gr[j]), 0), j)
				}
			}
			sel.write(out[t*k : (t+1)*k])
		})
	}
	return out
}

// centred returns x minus its column means (distances do not change; the
// Gram formula loses less to cancellation).
func centred(x *tensor.Mat) *tensor.Mat {
	mean := make([]float64, x.Cols)
	for i := 0; i < x.Rows; i++ {
		for c, v := range x.Row(i) {
			mean[c] += float64(v)
		}
	}
	for c := range mean {
		mean[c] /= float64(x.Rows)
	}
	out := tensor.New(x.Rows, x.Cols)
	for i := 0; i < x.Rows; i++ {
		row := out.Row(i)
		for c, v := range x.Row(i) {
			row[c] = float32(float64(v) - mean[c])
		}
	}
	return out
}

// selector keeps the k smallest (distance, index) candidates offered,
// sorted ascending.
type selector struct {
	k    int
	best []cand
}

type cand struct {
	d float64
	j int
}

func (c cand) less(o cand) bool { return c.d < o.d || c.d == o.d && c.j < o.j }

func newSelector(k int) *selector { return &selector{k: k, best: make([]cand, 0, k)} }

func (s *selector) offer(d float64, j int) {
	c := cand{d, j}
	if len(s.best) == s.k && !c.less(s.best[s.k-1]) {
		return
	}
	pos := len(s.best)
	for pos > 0 && c.less(s.best[pos-1]) {
		pos--
	}
	if len(s.best) < s.k {
		s.best = append(s.best, cand{})
	}
	copy(s.best[pos+1:], s.best[pos:len(s.best)-1])
	s.best[pos] = c
}

func (s *selector) write(dst []int) {
	for i, c := range s.best {
		dst[i] = c.j
	}
}

// parallelFor calls f(i) for i in [0, n) on up to GOMAXPROCS goroutines;
// f must write only to slots of its own i.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
