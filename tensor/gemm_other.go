//go:build !amd64 || purego

package tensor

// gemmPaths lists the GEMM implementations this build can run, fastest first.
func gemmPaths() []gemmPath { return []gemmPath{{"go", gemmGo}} }
