package tensor_test

import (
	"fmt"

	"github.com/isonet/isonet/tensor"
)

// A linear layer's forward pass, y = x·Wᵀ, with W stored [out, in] as in
// PyTorch's nn.Linear: transB = true.
func ExampleGemm() {
	x := tensor.FromSlice(2, 3, []float32{1, 2, 3, 4, 5, 6}) // 2 examples, 3 features
	w := tensor.FromSlice(2, 3, []float32{1, 0, 0, 1, 1, 1}) // 2 outputs
	y := tensor.New(2, 2)
	tensor.Gemm(false, true, 1, x, w, 0, y)
	fmt.Println(y.Row(0), y.Row(1))
	// Output:
	// [1 6] [4 15]
}
