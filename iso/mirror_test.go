package iso

import (
	"testing"

	"github.com/isonet/isonet/tensor"
)

// TestMirrorRows checks mirrorRows against its definition, c_ji = c_ij for
// the rows i in [lo, hi) and every j > i, on sizes around the block size,
// with and without the AVX-512 transposes.
func TestMirrorRows(t *testing.T) {
	defer func(v bool) { useAVX512 = v }(useAVX512)
	for _, vec := range []bool{useAVX512, false} {
		useAVX512 = vec
		testMirrorRows(t)
	}
}

func testMirrorRows(t *testing.T) {
	for _, n := range []int{1, 2, 5, 15, 16, 17, 31, 32, 33, 48, 64, 100, 257} {
		for _, r := range [][2]int{{0, n}, {0, n / 2}, {n / 3, n}, {n / 4, n / 2}, {n - 1, n}} {
			c, want := tensor.New(n, n), tensor.New(n, n)
			for i := range c.Data {
				c.Data[i] = float32(i + 1)
				want.Data[i] = float32(i + 1)
			}
			for i := r[0]; i < r[1]; i++ {
				for j := i + 1; j < n; j++ {
					want.Data[j*n+i] = want.Data[i*n+j]
				}
			}
			mirrorRows(c, r[0], r[1])
			for i := range c.Data {
				if c.Data[i] != want.Data[i] {
					t.Fatalf("AVX-512 %v, n %d, rows %v: element (%d,%d) = %v, want %v", useAVX512, n, r, i/n, i%n, c.Data[i], want.Data[i])
				}
			}
		}
	}
}

func BenchmarkMirrorRows(b *testing.B) {
	n := 1600
	c := tensor.New(n, n)
	for i := range c.Data {
		c.Data[i] = float32(i)
	}
	for range b.N {
		mirrorRows(c, 0, n)
	}
}
