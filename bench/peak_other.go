//go:build !amd64 || purego

package bench

func peakKernel() (isa string, flopsPerIter float64, loop func(iters int)) {
	return "go", goFlopsPerIter, fmaGo
}
