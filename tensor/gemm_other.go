//go:build !amd64 || purego

package tensor

// gemmPaths lists the GEMM implementations this build can run, fastest first.
func gemmPaths() []gemmPath { return []gemmPath{{"go", gemmGo}} }

const hasPackT8 = false

func packT8(dst *float32, width int, src *float32, ldb int, k8 int) { panic("unreachable") }
