package bench

import "testing"

// TestLipschitzFLOPs checks the count against the products written out for
// the paper's 784-100-100-100-100-10 at batch 100.
func TestLipschitzFLOPs(t *testing.T) {
	// Network: forward 2·(784·100 + 3·100·100 + 100·10) = 218,800 per
	// example, twice (forward, weight gradients) plus the input gradients
	// of every layer but the first (218,800 − 156,800).
	net := 2*218800.0 + 62000
	// AOL per step: 4·out·in²: 4·100·784² + 3·4·100·100² + 4·10·100².
	aol := (4*100*784*784 + 3*4*100*100*100 + 4*10*100*100) / 100.0
	// Björck per step and iteration: 10·r²·k on the r×k orientation.
	bjorck := (10*100*100*784 + 3*10*100*100*100 + 10*10*10*100) / 100.0
	for _, tc := range []struct {
		iters int
		want  float64
	}{{0, net + aol}, {12, net + aol + 12*bjorck}} {
		if got := lipschitzFLOPs(mnistSizes, 100, tc.iters); got != tc.want {
			t.Errorf("%d Björck steps: %g FLOPs per example, want %g", tc.iters, got, tc.want)
		}
	}
}
