package tensor

import (
	"fmt"
	"math"
)

// The fused element-wise kernels of a tanh layer. Each has a pure-Go version
// (the reference, and the fallback) and, on amd64, an assembly version that
// performs exactly the same floating-point operations, so both give the same
// bits.

// Constants of tanh64.
const (
	tanhClamp  = 10.0 // tanh(x) rounds to ±1 in float32 for |x| > 9.1
	log2e      = 1.44269504088896338700e+00
	ln2Hi      = 6.93147180369123816490e-01 // ln2Hi + ln2Lo = ln 2
	ln2Lo      = 1.90821492927058770002e-10
	roundMagic = 6755399441055744.0 // 1.5·2⁵²: adding it rounds to an integer
	rcpMagic   = 0x7fde623822fc16e6 // bits(1/d) ≈ rcpMagic − bits(d) within 5.1%
	// Taylor coefficients 1/k! of expm1 on |r| ≤ ln2/2.
	expC2 = 1.0 / 2
	expC3 = 1.0 / 6
	expC4 = 1.0 / 24
	expC5 = 1.0 / 120
	expC6 = 1.0 / 720
	expC7 = 1.0 / 5040
	expC8 = 1.0 / 40320
	expC9 = 1.0 / 362880
)

// Tanh returns the hyperbolic tangent of x, computed in float64 and rounded
// once: within one float32 ulp of math.Tanh (6e-8 absolute), and correctly
// rounded but for rare ties. It is the scalar version of the tanh in
// AddBiasTanh, and gives the same bits.
func Tanh(x float32) float32 { return float32(tanh64(float64(x))) }

// tanh64 computes tanh(x) = sign(x)·(e−1)/(e+1) with e = exp(2|x|) = 2ⁿ·(1+p):
// n = round(2|x|/ln 2), p = expm1(r) for the remainder r, by a degree-9 Taylor
// polynomial (relative error below 1e-11). (e−1) is formed as 2ⁿ·p + (2ⁿ−1), so
// it keeps its relative accuracy for small |x|; the quotient is (e−1) times a
// reciprocal of (e+1) refined to float64 accuracy. The sequence of operations is
// the one the assembly versions run.
func tanh64(x float64) float64 {
	ax := math.Abs(x)
	if ax > tanhClamp {
		ax = tanhClamp
	}
	y := ax + ax
	t := math.FMA(y, log2e, roundMagic)
	n := t - roundMagic
	r := math.FMA(-n, ln2Hi, y)
	r = math.FMA(-n, ln2Lo, r)
	q := math.FMA(expC9, r, expC8)
	q = math.FMA(q, r, expC7)
	q = math.FMA(q, r, expC6)
	q = math.FMA(q, r, expC5)
	q = math.FMA(q, r, expC4)
	q = math.FMA(q, r, expC3)
	q = math.FMA(q, r, expC2)
	p := math.FMA(q, r*r, r)
	s := math.Float64frombits((math.Float64bits(t) + 1023) << 52) // 2ⁿ
	em1 := math.FMA(s, p, s-1)
	ep1 := math.FMA(s, p, s+1)
	// 1/ep1 by Newton's iteration from a bit-pattern guess (relative error
	// 0.051, squared by each step), which pipelines far better than a division.
	rcp := math.Float64frombits(rcpMagic - math.Float64bits(ep1))
	for range 4 {
		e := math.FMA(-ep1, rcp, 1)
		rcp = math.FMA(rcp, e, rcp)
	}
	return math.Copysign(em1*rcp, x)
}

// AddBiasTanh sets y = tanh(y + bias) in place, adding bias[j] to column j of
// every row: the activation of a tanh layer after its matrix product. It
// panics unless len(bias) == y.Cols.
func AddBiasTanh(y *Mat, bias []float32) {
	if len(bias) != y.Cols || len(y.Data) < y.Rows*y.Cols {
		panic(fmt.Sprintf("tensor: AddBiasTanh: %d biases for a %d×%d matrix", len(bias), y.Rows, y.Cols))
	}
	rows, cols := y.Rows, y.Cols
	// Narrow rows go through the kernel k at a time with the bias repeated
	// k times, k·cols a multiple of 8: fewer calls and no padded vector per
	// row. The kernel is element-wise, so every number is the same.
	k := 0
	if cols > 0 && cols <= tanhGroup/2 {
		m := 8 / gcd(cols, 8) // rows per whole number of vectors
		k = tanhGroup / (m * cols) * m
	}
	i := 0
	if k > 1 && rows >= k {
		var rep [tanhGroup]float32
		for r := range k {
			copy(rep[r*cols:], bias)
		}
		for ; i+k <= rows; i += k {
			addBiasTanh(y.Data[i*cols:(i+k)*cols], rep[:k*cols])
		}
	}
	for ; i < rows; i++ {
		addBiasTanh(y.Data[i*cols:(i+1)*cols], bias)
	}
}

// tanhGroup bounds the elements of one AddBiasTanh kernel call over several
// rows.
const tanhGroup = 256

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// addBiasTanhGo is the pure-Go version of addBiasTanh: x[j] = tanh(x[j]+b[j]).
func addBiasTanhGo(x, b []float32) {
	b = b[:len(x)]
	for j, v := range x {
		x[j] = float32(tanh64(float64(v + b[j])))
	}
}

// TanhBackward sets dz = dy ⊙ (1 − y²), the gradient through y = tanh(z)
// (tanh′(z) = 1 − tanh²(z)). dz may be dy. It panics unless the three
// shapes agree.
func TanhBackward(dz, dy, y *Mat) {
	if dz.Rows != dy.Rows || dz.Cols != dy.Cols || y.Rows != dy.Rows || y.Cols != dy.Cols {
		panic(fmt.Sprintf("tensor: TanhBackward shapes %d×%d, %d×%d, %d×%d",
			dz.Rows, dz.Cols, dy.Rows, dy.Cols, y.Rows, y.Cols))
	}
	n := dy.Rows * dy.Cols
	tanhBackward(dz.Data[:n], dy.Data[:n], y.Data[:n])
}

// tanhBackwardGo is the pure-Go version of tanhBackward.
func tanhBackwardGo(dz, dy, y []float32) {
	dy, y = dy[:len(dz)], y[:len(dz)]
	for i := range dz {
		dz[i] = dy[i] * (1 - y[i]*y[i])
	}
}

// SumRows sets dst[j] to the sum of column j of m (the sum of m's rows): the
// gradient of a bias from the gradient of a layer's output. Rows are added in
// order, in float32. It panics unless len(dst) == m.Cols.
func SumRows(dst []float32, m *Mat) {
	if len(dst) != m.Cols || len(m.Data) < m.Rows*m.Cols {
		panic(fmt.Sprintf("tensor: SumRows: %d sums for a %d×%d matrix", len(dst), m.Rows, m.Cols))
	}
	sumRows(dst, m.Data, m.Rows, m.Cols)
}

// sumRowsGo is the pure-Go version of sumRows.
func sumRowsGo(dst, m []float32, rows, cols int) {
	clear(dst)
	for i := 0; i < rows; i++ {
		row := m[i*cols : (i+1)*cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}
