package geometry

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/embed"
	"github.com/isonet/isonet/internal/atomicfile"
	"github.com/isonet/isonet/model"
	"github.com/isonet/isonet/tensor"
)

// Embedding methods.
const (
	MethodUMAP = "umap"
	MethodPCA  = "pca"
)

// EmbedOptions says how EmbedLayer pictures a layer. The zero value of a
// field selects its default.
type EmbedOptions struct {
	Method    string  `json:"method"`    // umap (default) or pca
	Neighbors int     `json:"neighbors"` // UMAP n_neighbors, counting the point itself (default 40, the paper's)
	MinDist   float64 `json:"min_dist"`  // UMAP min_dist (default 0.25, the paper's)
	Dims      int     `json:"dims"`      // 2 (default) or 3
	Points    int     `json:"points"`    // embed a seeded subsample of this many points (0: all)
	Seed      uint64  `json:"seed"`
}

// Paper's UMAP settings (Fig. 2).
const (
	PaperNeighbors = 40
	PaperMinDist   = 0.25
)

func (o EmbedOptions) withDefaults() EmbedOptions {
	if o.Method == "" {
		o.Method = MethodUMAP
	}
	if o.Neighbors == 0 {
		o.Neighbors = PaperNeighbors
	}
	if o.MinDist == 0 {
		o.MinDist = PaperMinDist
	}
	if o.Dims == 0 {
		o.Dims = 2
	}
	return o
}

// QualityNeighbors is the k of the trustworthiness and kNN accuracy that
// Embed reports.
const QualityNeighbors = 10

// Embedding is a layer of a model mapped to two or three dimensions.
type Embedding struct {
	EmbedOptions
	Layer int `json:"layer"`
	// Index lists the rows of the set that were embedded, in order.
	Index []int `json:"-"`
	// Y holds one row per embedded point, Dims columns.
	Y          *tensor.Mat `json:"-"`
	Labels     []int       `json:"-"`
	ClassNames []string    `json:"class_names"`
	// UMAP says how UMAP ran (nil for PCA).
	UMAP *embed.UMAPResult `json:"umap,omitempty"`
	// Trustworthiness and KNNAccuracy (k = QualityNeighbors, or fewer on a
	// tiny set) score the embedding against the layer's representation.
	Trustworthiness float64 `json:"trustworthiness"`
	KNNAccuracy     float64 `json:"knn_accuracy"`
	QualityK        int     `json:"quality_k"`
}

// CheckEmbedOptions returns a one-line error for options that cannot work on
// n points: an unknown method, dims other than 2 or 3, or (for UMAP) fewer
// than 2 neighbours or at least as many neighbours as points.
func CheckEmbedOptions(o EmbedOptions, n int) error {
	o = o.withDefaults()
	switch {
	case o.Method != MethodUMAP && o.Method != MethodPCA:
		return fmt.Errorf("unknown method %q (want umap or pca)", o.Method)
	case o.Dims != 2 && o.Dims != 3:
		return fmt.Errorf("dims must be 2 or 3, got %d", o.Dims)
	case o.Points < 0:
		return fmt.Errorf("points must be ≥ 0, got %d", o.Points)
	case n < 4:
		return fmt.Errorf("%d points: need at least 4 to embed", n)
	case o.Method == MethodUMAP && o.Neighbors < 2:
		return fmt.Errorf("neighbors must be ≥ 2, got %d", o.Neighbors)
	case o.Method == MethodUMAP && o.Neighbors >= n:
		return fmt.Errorf("neighbors = %d must be below the number of points (%d)", o.Neighbors, n)
	case o.Method == MethodUMAP && !(o.MinDist > 0 && o.MinDist <= 1):
		return fmt.Errorf("min-dist must be in (0, 1], got %g", o.MinDist)
	}
	return nil
}

// EmbedLayer maps layer of m, evaluated on set (or a seeded subsample of
// o.Points of its rows), to o.Dims dimensions by UMAP or PCA, and scores the
// embedding. Errors report bad options (see CheckEmbedOptions) or a layer out
// of range.
func EmbedLayer(m *model.Model, set *data.Set, layer int, o EmbedOptions) (*Embedding, error) {
	return EmbedLayerContext(context.Background(), m, set, layer, o)
}

// EmbedLayerContext is EmbedLayer stopped by ctx (UMAP checks it at every
// epoch).
func EmbedLayerContext(ctx context.Context, m *model.Model, set *data.Set, layer int, o EmbedOptions) (*Embedding, error) {
	o = o.withDefaults()
	if err := m.CheckLayer(layer); err != nil {
		return nil, err
	}
	idx := make([]int, set.Len())
	for i := range idx {
		idx[i] = i
	}
	if o.Points > 0 && o.Points < len(idx) {
		rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0xe3bed))
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:o.Points]
		slices.Sort(idx)
	}
	if err := CheckEmbedOptions(o, len(idx)); err != nil {
		return nil, err
	}
	sub := set
	if len(idx) < set.Len() {
		sub = set.Subset(idx)
	}
	rep, err := m.Representation(sub.X, layer)
	if err != nil {
		return nil, err
	}
	e := &Embedding{EmbedOptions: o, Layer: layer, Index: idx, Labels: sub.Y()}
	for c := range set.NumClasses() {
		e.ClassNames = append(e.ClassNames, set.ClassName(set.Levels()-1, c))
	}
	switch o.Method {
	case MethodUMAP:
		r, err := embed.UMAPContext(ctx, rep, embed.UMAPOptions{Neighbors: o.Neighbors, MinDist: o.MinDist, Dims: o.Dims, Seed: o.Seed})
		if err != nil {
			return nil, err
		}
		e.UMAP, e.Y = r, r.Y
	case MethodPCA:
		if e.Y, err = embed.PCA(rep, min(o.Dims, rep.Cols)); err != nil {
			return nil, err
		}
		if e.Y.Cols < o.Dims { // a layer narrower than the picture: pad with zeros
			y := tensor.New(e.Y.Rows, o.Dims)
			for i := range e.Y.Rows {
				copy(y.Row(i), e.Y.Row(i))
			}
			e.Y = y
		}
	}
	n := len(idx)
	e.QualityK = min(QualityNeighbors, (n-1)/2)
	e.Trustworthiness = embed.Trustworthiness(rep, e.Y, e.QualityK)
	e.KNNAccuracy = embed.KNNAccuracy(e.Y, e.Labels, e.QualityK)
	return e, nil
}

// WriteCSV writes the embedding to path (atomically): a header
// "index,x,y[,z],label,class" and one row per point, index being its row in
// the data set.
func (e *Embedding) WriteCSV(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		cols := []string{"x", "y", "z"}[:e.Y.Cols]
		fmt.Fprint(bw, "index")
		for _, c := range cols {
			fmt.Fprint(bw, ",", c)
		}
		fmt.Fprintln(bw, ",label,class")
		var buf []byte
		for i := range e.Y.Rows {
			buf = strconv.AppendInt(buf[:0], int64(e.Index[i]), 10)
			for _, v := range e.Y.Row(i) {
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
			}
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(e.Labels[i]), 10)
			buf = append(buf, ',')
			buf = append(buf, csvField(e.ClassNames[e.Labels[i]])...)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// csvField quotes s when it holds a comma, quote or line break.
func csvField(s string) string {
	for _, r := range s {
		if r == ',' || r == '"' || r == '\n' || r == '\r' {
			return strconv.Quote(s)
		}
	}
	return s
}

// FormatR formats a correlation with four decimals, or five when it is so
// close to 1 that four would print 1.0000.
func FormatR(r float64) string {
	if r >= 0.99995 && r < 1 {
		return strconv.FormatFloat(r, 'f', 5, 64)
	}
	return strconv.FormatFloat(r, 'f', 4, 64)
}
