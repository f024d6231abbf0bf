//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

//go:noescape
func adam512(p, grad, m, v *float32, n int, k *adamConsts)

// adamAVX512 says whether Adam's vector kernel runs; tests turn it off.
var adamAVX512 = cpu.X86.HasAVX512F

// adamVec updates the longest multiple of 16 of the parameters with the
// vector kernel and returns how many it did.
func adamVec(p, g, m, v []float32, k *adamConsts) int {
	n := len(p) &^ 15
	if !adamAVX512 || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adam512(&p[0], &g[0], &m[0], &v[0], n, k)
	return n
}
