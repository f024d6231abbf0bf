//go:build amd64 && !purego

#include "textflag.h"

// func adam512(p, grad, m, v *float32, n int, k *adamConsts)
// For i < n (a multiple of 16), exactly as Adam.Step's scalar loop (float32
// operations, each rounded, no fused multiply-add):
//	m = b1·m + omb1·g; v = b2·v + (omb2·g)·g
//	denom = sqrt(v)/sqrtBC2 + eps; p = p − (stepSize·m)/denom
// (the float32 square root equals float32(math.Sqrt(float64(v)))).
TEXT ·adam512(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	SHRQ $4, CX
	JZ adone
	VBROADCASTSS 0(AX), Z20  // b1
	VBROADCASTSS 4(AX), Z21  // 1 − b1
	VBROADCASTSS 8(AX), Z22  // b2
	VBROADCASTSS 12(AX), Z23 // 1 − b2
	VBROADCASTSS 16(AX), Z24 // stepSize
	VBROADCASTSS 20(AX), Z25 // sqrtBC2
	VBROADCASTSS 24(AX), Z26 // eps
aloop:
	VMOVUPS 0(SI), Z0        // g
	VMULPS 0(R8), Z20, Z1    // b1·m
	VMULPS Z0, Z21, Z2       // omb1·g
	VADDPS Z2, Z1, Z1        // m
	VMOVUPS Z1, 0(R8)
	VMULPS 0(R9), Z22, Z3    // b2·v
	VMULPS Z0, Z23, Z4       // omb2·g
	VMULPS Z0, Z4, Z4        // (omb2·g)·g
	VADDPS Z4, Z3, Z3        // v
	VMOVUPS Z3, 0(R9)
	VSQRTPS Z3, Z5
	VDIVPS Z25, Z5, Z5       // sqrt(v)/sqrtBC2
	VADDPS Z26, Z5, Z5       // + eps
	VMULPS Z1, Z24, Z6       // stepSize·m
	VDIVPS Z5, Z6, Z6        // /denom
	VMOVUPS 0(DI), Z7
	VSUBPS Z6, Z7, Z7
	VMOVUPS Z7, 0(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ CX
	JNZ aloop
	VZEROUPPER
adone:
	RET
