//go:build !amd64 || purego

package attack

var stepAVX512 = false

func stepInfVec(dst, cur, g, x0 []float32, ab uint64, eps float64) int { return 0 }

func apgdInfVec(next, cur, prev, g, x0 []float32, eb uint64, eps float64, momentum bool) int {
	return 0
}

func fabApplyVec(x1, x0, w []float32, r1, r0 []float64, flip1, flip0 uint32, tau1, tau0, alpha, lo, hi float64) int {
	return 0
}

func fabBuildVec(x1, x0, w []float32, r1, r0, u1, a1, u0, a0 []float64, flip1, flip0 uint32, lo, hi float64) (done, n1, n0 int, m1, m0 float64) {
	return 0, 0, 0, 0, 0
}

func newtonVec(la, lb, ln *[8]float64, u, a []float64, tau float64) int { return 0 }

func axpyVec(dst, x []float32, a float32) int { return 0 }

func distInfVec(a, b []float32) (int, float64) { return 0, 0 }

func blendVec(x1, x0 []float32, beta float64) int { return 0 }

func projL2Vec(dst []float32, v []float64, x0 []float32, scale float64) int { return 0 }

func divVec(s []float64, g []float32, n float64) int { return 0 }

func axpyRowVec(v []float64, cur []float32, s []float64, eta float64) int { return 0 }

func momentumVec(v []float64, cur, z, prev []float32) int { return 0 }
