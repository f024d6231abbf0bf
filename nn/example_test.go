package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/isonet/isonet/nn"
	"github.com/isonet/isonet/tensor"
)

// A forward pass through a 2-16-16-3 tanh MLP: the workspace keeps every
// representation H[l], from the input H[0] to the logits H[3]; the default
// isometric layer is the last hidden one, H[2].
func ExampleMLP_Forward() {
	net, err := nn.NewMLP([]int{2, 16, 16, 3}, nn.Tanh, nn.InitPyTorch, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		panic(err)
	}
	ws := net.NewWorkspace()
	x := tensor.FromSlice(4, 2, []float32{0, 0, 0, 1, 1, 0, 1, 1}) // a batch of 4 points
	logits := net.Forward(ws, x)
	for l, h := range ws.H {
		fmt.Printf("H[%d]: %d×%d\n", l, h.Rows, h.Cols)
	}
	fmt.Println(logits == ws.H[len(net.Layers)])
	// Output:
	// H[0]: 4×2
	// H[1]: 4×16
	// H[2]: 4×16
	// H[3]: 4×3
	// true
}
