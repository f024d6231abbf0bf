//go:build !amd64 || purego

package certify

var sumsAVX512 = false

func boxVec[F float32 | float64](acc *lanes, a []F, lo, hi []float64) int { return 0 }

func l2Vec[F float32 | float64](b, d, q, m *lanes, a []F, x0, lo, hi, mid []float64) int { return 0 }

func dualVec[F float32 | float64](acc *lanes, a []F, x0, lo, hi []float64, lam float64) int {
	return 0
}

func relaxVec[F float32 | float64](sl, cl *lanes, fa []float32, a []F, ls *lineCols, hm, bm, cv []float64) int {
	return 0
}

func dot2Vec(x, y *lanes, a, b, c, d []float64) int { return 0 }
