package nn

import (
	"math"

	"github.com/isonet/isonet/tensor"
)

// SoftmaxCE returns the mean cross-entropy of logits against labels y and,
// when dLogits is not nil, writes scale·∂CE/∂logits into it:
// ∂CE/∂z_ic = (softmax(z_i)_c − [c = y_i]) / N.
func SoftmaxCE(dLogits, logits *tensor.Mat, y []int, scale float64) float64 {
	n := logits.Rows
	if dLogits != nil {
		dLogits.Resize(n, logits.Cols)
	}
	var loss float64
	for i := 0; i < n; i++ {
		row := logits.Row(i)
		mx := row[0]
		for _, v := range row {
			if v > mx {
				mx = v
			}
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v - mx))
		}
		lse := float64(mx) + math.Log(sum)
		loss += lse - float64(row[y[i]])
		if dLogits != nil {
			d := dLogits.Row(i)
			f := scale / float64(n)
			for j, v := range row {
				p := math.Exp(float64(v)-lse) * f
				if j == y[i] {
					p -= f
				}
				d[j] = float32(p)
			}
		}
	}
	return loss / float64(n)
}
