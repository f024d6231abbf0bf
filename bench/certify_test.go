package bench

import (
	"testing"

	"github.com/isonet/isonet/nn"
)

// TestCrownFLOPs: CROWN's products counted by hand. For 784-100⁴-10:
// hidden layer 2 (200 rows through 784·100), 3 (200 through 784·100 +
// 100·100), 4 (200 through 784·100 + 2·100·100), and the 10 margin rows
// through 784·100 + 3·100·100, two FLOPs per multiply-add.
func TestCrownFLOPs(t *testing.T) {
	m, _ := nn.NewMLP(mnistSizes, nn.Tanh, nn.InitPyTorch, nil)
	want := 2.0 * (200*78400 + 200*88400 + 200*98400 + 10*108400)
	if got := crownFLOPs(m); got != want || got != 108_248_000 {
		t.Fatalf("crownFLOPs = %g, want %g", got, want)
	}
	small, _ := nn.NewMLP([]int{3, 4, 2}, nn.ReLU, nn.InitPyTorch, nil)
	if got := crownFLOPs(small); got != 2*2*12 { // 2 margin rows through 4·3
		t.Fatalf("crownFLOPs(3-4-2) = %g, want 48", got)
	}
}
