//go:build amd64 && !purego

package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestGemmGoPackingScalar runs the pure-Go path with the assembly packing
// routine switched off, as it runs on other architectures, and checks it
// against the path that uses it.
func TestGemmGoPackingScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, cs := range append(gemmCases, gemmCase{50, 70, 300}) {
		a, b := randMat(rng, cs.m, cs.k), randMat(rng, cs.n, cs.k)
		with, without := New(cs.m, cs.n), New(cs.m, cs.n)
		gemmGo(false, true, cs.m, cs.n, cs.k, 1, a.Data, cs.k, b.Data, cs.k, 0, with.Data, cs.n)
		hasPackT8 = false
		gemmGo(false, true, cs.m, cs.n, cs.k, 1, a.Data, cs.k, b.Data, cs.k, 0, without.Data, cs.n)
		hasPackT8 = hasAVX2
		for i := range with.Data {
			if with.Data[i] != without.Data[i] {
				t.Fatalf("%v: element %d: %v with packT8, %v without", cs, i, with.Data[i], without.Data[i])
			}
		}
	}
}
