//go:build !amd64 || purego

package nn

var adamAVX512 = false

func adamVec(p, g, m, v []float32, k *adamConsts) int { return 0 }
