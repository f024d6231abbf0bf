package nn

import "github.com/isonet/isonet/tensor"

// inferBatch is the number of rows Predict and Representation evaluate at
// once: it bounds their workspace, not their result.
const inferBatch = 1000

// Predict returns m's class (the arg-max logit, the first on ties) for every
// row of x. It evaluates x in batches with a workspace of its own, so it may
// be called on one network from several goroutines.
func Predict(m *MLP, x *tensor.Mat) []int {
	ws := m.NewWorkspace()
	pred := make([]int, x.Rows)
	for lo := 0; lo < x.Rows; lo += inferBatch {
		hi := min(lo+inferBatch, x.Rows)
		m.Predict(ws, pred[lo:hi], rows(x, lo, hi))
	}
	return pred
}

// Accuracy returns the fraction of rows of x that m classifies as y
// (len(y) == x.Rows); NaN when x has no rows.
func Accuracy(m *MLP, x *tensor.Mat, y []int) float64 {
	correct := 0
	for i, p := range Predict(m, x) {
		if p == y[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(y))
}

// Representation returns H[layer] of m for every row of x, one row each
// (layer numbered as in MLP: 0 the input, len(m.Layers) the logits). Like
// Predict it evaluates in batches with a workspace of its own.
func Representation(m *MLP, x *tensor.Mat, layer int) *tensor.Mat {
	ws := m.NewWorkspace()
	var out *tensor.Mat
	for lo := 0; lo < x.Rows; lo += inferBatch {
		hi := min(lo+inferBatch, x.Rows)
		m.Forward(ws, rows(x, lo, hi))
		h := ws.H[layer]
		if out == nil {
			out = tensor.New(x.Rows, h.Cols)
		}
		copy(out.Data[lo*h.Cols:hi*h.Cols], h.Data)
	}
	return out
}

// rows returns a view of rows lo..hi-1 of x.
func rows(x *tensor.Mat, lo, hi int) *tensor.Mat {
	return tensor.FromSlice(hi-lo, x.Cols, x.Data[lo*x.Cols:hi*x.Cols])
}
