//go:build amd64 && !purego

#include "textflag.h"

DATA isoc_two<>+0(SB)/8, $0x4000000000000000
GLOBL isoc_two<>(SB), RODATA|NOPTR, $8
DATA isoc_near<>+0(SB)/8, $0x3f847ae147ae147b
GLOBL isoc_near<>(SB), RODATA|NOPTR, $8

// func pairRow512(gram *float32, sq, din *float64, c *float32, rr *float64, near *uint8, n int, sqa, k float64)
//
// For j < n (n a multiple of 8), exactly as evalPairRowGo does it lane by lane:
//	s2 = (sqa + sq[j]) − 2·float64(g[j]); near bit j set iff s2 < 1e-2·(sqa + sq[j])
//	dist = √s2; r = k·dist − din[j]; rr[j] = (2·r)·r; c[j] = float32(r/dist) if dist > 0 else 0
// Lanes with the near bit set hold garbage; the caller recomputes them.
// No fused multiply-add: every operation rounds as Go's scalar code does.
TEXT ·pairRow512(SB), NOSPLIT, $0-72
	MOVQ gram+0(FP), SI
	MOVQ sq+8(FP), BX
	MOVQ din+16(FP), DX
	MOVQ c+24(FP), DI
	MOVQ rr+32(FP), R8
	MOVQ near+40(FP), R9
	MOVQ n+48(FP), CX
	SHRQ $3, CX
	JZ prdone
	VBROADCASTSD sqa+56(FP), Z0
	VBROADCASTSD k+64(FP), Z1
	VBROADCASTSD isoc_near<>(SB), Z2
	VBROADCASTSD isoc_two<>(SB), Z3
	VPXORQ Z4, Z4, Z4
prloop:
	VCVTPS2PD 0(SI), Z5
	VADDPD 0(BX), Z0, Z7        // sqa + sq[j]
	VMULPD Z3, Z5, Z5           // 2·g (exact)
	VSUBPD Z5, Z7, Z8           // s2 = (sqa+sq) − 2g
	VMULPD Z7, Z2, Z9           // 1e-2·(sqa+sq)
	VCMPPD $0x11, Z9, Z8, K1    // s2 < thr (LT_OQ)
	KMOVB K1, AX
	MOVB AX, 0(R9)
	VSQRTPD Z8, Z10             // dist
	VMULPD Z10, Z1, Z11         // k·dist
	VSUBPD 0(DX), Z11, Z11      // r = k·dist − din
	VMULPD Z3, Z11, Z13         // 2r
	VMULPD Z11, Z13, Z13        // (2r)·r
	VMOVUPD Z13, 0(R8)
	VCMPPD $0x1e, Z4, Z10, K2   // dist > 0 (GT_OQ)
	VDIVPD Z10, Z11, Z14        // r/dist
	VCVTPD2PS.Z Z14, K2, Y15
	VMOVUPS Y15, 0(DI)
	ADDQ $32, SI
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $32, DI
	ADDQ $64, R8
	INCQ R9
	DECQ CX
	JNZ prloop
	VZEROUPPER
prdone:
	RET

// func colSum512(acc *float64, c *float32, rows, n, ldc int)
// acc[j] += Σ_{i<rows, in order} float64(c[i·ldc+j]) for j < n (n a multiple of 8).
TEXT ·colSum512(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ ldc+32(FP), R9
	SHLQ $2, R9
	SHRQ $3, CX
	JZ csdone
	TESTQ R8, R8
	JZ csdone
cscol:
	VMOVUPD 0(DI), Z0
	MOVQ SI, AX
	MOVQ R8, DX
csrow:
	VCVTPS2PD 0(AX), Z1
	VADDPD Z1, Z0, Z0
	ADDQ R9, AX
	DECQ DX
	JNZ csrow
	VMOVUPD Z0, 0(DI)
	ADDQ $64, DI
	ADDQ $32, SI
	DECQ CX
	JNZ cscol
	VZEROUPPER
csdone:
	RET

// func sqd2x16(xa, xb *float64, ld, d int, out *float64)
// For rows r = 0, 1 and lanes j < 16 of a k-major block (row stride ld
// floats): out[16·r + j] = Σ_{k<d, in order} (xa[k·ld + r] − xb[k·ld + j])².
TEXT ·sqd2x16(SB), NOSPLIT, $0-40
	MOVQ xa+0(FP), SI
	MOVQ xb+8(FP), DI
	MOVQ ld+16(FP), R8
	SHLQ $3, R8
	MOVQ d+24(FP), CX
	MOVQ out+32(FP), DX
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11
	TESTQ CX, CX
	JZ sqdstore
sqdloop:
	VBROADCASTSD 0(SI), Z0
	VBROADCASTSD 8(SI), Z1
	VMOVUPD 0(DI), Z2
	VMOVUPD 64(DI), Z3
	VSUBPD Z2, Z0, Z4
	VSUBPD Z3, Z0, Z5
	VSUBPD Z2, Z1, Z6
	VSUBPD Z3, Z1, Z7
	VMULPD Z4, Z4, Z4
	VMULPD Z5, Z5, Z5
	VMULPD Z6, Z6, Z6
	VMULPD Z7, Z7, Z7
	VADDPD Z4, Z8, Z8
	VADDPD Z5, Z9, Z9
	VADDPD Z6, Z10, Z10
	VADDPD Z7, Z11, Z11
	ADDQ R8, SI
	ADDQ R8, DI
	DECQ CX
	JNZ sqdloop
sqdstore:
	VMOVUPD Z8, 0(DX)
	VMOVUPD Z9, 64(DX)
	VMOVUPD Z10, 128(DX)
	VMOVUPD Z11, 192(DX)
	VZEROUPPER
	RET

// func pairGrad512(ga, gb, ra, rb *float32, n int, c float64)
// For k < n (a multiple of 8): diff = c·(float64(ra[k]) − float64(rb[k]));
// ga[k] += float32(diff); gb[k] −= float32(diff).
TEXT ·pairGrad512(SB), NOSPLIT, $0-48
	MOVQ ga+0(FP), DI
	MOVQ gb+8(FP), R8
	MOVQ ra+16(FP), SI
	MOVQ rb+24(FP), R9
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ pgdone
	VBROADCASTSD c+40(FP), Z0
pgloop:
	VCVTPS2PD 0(SI), Z1
	VCVTPS2PD 0(R9), Z2
	VSUBPD Z2, Z1, Z1
	VMULPD Z1, Z0, Z1
	VCVTPD2PS Z1, Y1
	VMOVUPS 0(DI), Y2
	VADDPS Y1, Y2, Y2
	VMOVUPS Y2, 0(DI)
	VMOVUPS 0(R8), Y3
	VSUBPS Y1, Y3, Y3
	VMOVUPS Y3, 0(R8)
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, SI
	ADDQ $32, R9
	DECQ CX
	JNZ pgloop
	VZEROUPPER
pgdone:
	RET

// PAIR8 finishes 8 pairs whose Gram values (float32) are at i·32(R10): the
// same operations as pairRow512's loop body. Z0 sqa, Z1 k, Z2 1e-2, Z3 2, Z4 0.
#define PAIR8(i) \
	VCVTPS2PD (i*32)(R10), Z5 \
	VADDPD (i*64)(BX), Z0, Z7 \
	VMULPD Z3, Z5, Z5 \
	VSUBPD Z5, Z7, Z8 \
	VMULPD Z7, Z2, Z9 \
	VCMPPD $0x11, Z9, Z8, K1 \
	KMOVB K1, AX \
	MOVB AX, i(R9) \
	VSQRTPD Z8, Z10 \
	VMULPD Z10, Z1, Z11 \
	VSUBPD (i*64)(DX), Z11, Z11 \
	VMULPD Z3, Z11, Z13 \
	VMULPD Z11, Z13, Z13 \
	VMOVUPD Z13, (i*64)(R8) \
	VCMPPD $0x1e, Z4, Z10, K2 \
	VDIVPD Z10, Z11, Z14 \
	VCVTPD2PS.Z Z14, K2, Y15 \
	VMOVUPS Y15, (i*32)(DI)

// func pairRowG512(pa, pt *float32, ldp, d int, sq, din *float64, c *float32, rr *float64, near *uint8, n int, sqa, k float64, tmp *float32)
// pairRow512 for n lanes (a multiple of 32) whose Gram values it computes
// itself: g_j = Σ_{t<d, in order} pa[t]·pt[t·ldp + j], one fused
// multiply-add per term from 0, exactly as the AVX-512 GEMM kernels do
// (k ≤ 256: one block). tmp is scratch for 32 floats.
TEXT ·pairRowG512(SB), NOSPLIT, $0-104
	MOVQ pa+0(FP), SI
	MOVQ pt+8(FP), R11
	MOVQ ldp+16(FP), R12
	SHLQ $2, R12
	MOVQ sq+32(FP), BX
	MOVQ din+40(FP), DX
	MOVQ c+48(FP), DI
	MOVQ rr+56(FP), R8
	MOVQ near+64(FP), R9
	MOVQ n+72(FP), CX
	MOVQ tmp+96(FP), R10
	SHRQ $5, CX
	JZ pgrdone
	VBROADCASTSD sqa+80(FP), Z0
	VBROADCASTSD k+88(FP), Z1
	VBROADCASTSD isoc_near<>(SB), Z2
	VBROADCASTSD isoc_two<>(SB), Z3
	VPXORQ Z4, Z4, Z4
pgrloop:
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	MOVQ d+24(FP), R13
	MOVQ SI, R14
	MOVQ R11, R15
	TESTQ R13, R13
	JZ pgrdot
pgrk:
	VBROADCASTSS 0(R14), Z18
	VFMADD231PS 0(R15), Z18, Z16
	VFMADD231PS 64(R15), Z18, Z17
	ADDQ $4, R14
	ADDQ R12, R15
	DECQ R13
	JNZ pgrk
pgrdot:
	VMOVUPS Z16, 0(R10)
	VMOVUPS Z17, 64(R10)
	PAIR8(0)
	PAIR8(1)
	PAIR8(2)
	PAIR8(3)
	ADDQ $128, R11
	ADDQ $256, BX
	ADDQ $256, DX
	ADDQ $128, DI
	ADDQ $256, R8
	ADDQ $4, R9
	DECQ CX
	JNZ pgrloop
	VZEROUPPER
pgrdone:
	RET

// MIRROR4 stores columns j, 4+j, 8+j and 12+j of a 16×16 block whose rows
// 4g..4g+3 hold, lane L of register Rg, column 4L+j (A..D: g = 0..3) at
// DI, DI+4·stride, DI+8·stride and DI+12·stride (R9 = 4·stride, R10 = 12·stride).
#define MIRROR4(A, B, C, D) \
	VSHUFF32X4 $0x88, B, A, Z16 \
	VSHUFF32X4 $0xDD, B, A, Z17 \
	VSHUFF32X4 $0x88, D, C, Z18 \
	VSHUFF32X4 $0xDD, D, C, Z19 \
	VSHUFF32X4 $0x88, Z18, Z16, Z20 \
	VSHUFF32X4 $0xDD, Z18, Z16, Z21 \
	VSHUFF32X4 $0x88, Z19, Z17, Z22 \
	VSHUFF32X4 $0xDD, Z19, Z17, Z23 \
	VMOVUPS Z20, (DI) \
	VMOVUPS Z22, (DI)(R9*1) \
	VMOVUPS Z21, (DI)(R9*2) \
	VMOVUPS Z23, (DI)(R10*1)

// func transpose16(dst *float32, ldd int, src *float32, lds int)
//
// Writes the transpose of the 16×16 block at src (row stride lds floats)
// to dst (row stride ldd): dst[c·ldd + r] = src[r·lds + c]. Only moves.
TEXT ·transpose16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), BX
	SHLQ $2, BX
	VMOVUPS (SI), Z0
	ADDQ BX, SI
	VMOVUPS (SI), Z1
	ADDQ BX, SI
	VMOVUPS (SI), Z2
	ADDQ BX, SI
	VMOVUPS (SI), Z3
	ADDQ BX, SI
	VMOVUPS (SI), Z4
	ADDQ BX, SI
	VMOVUPS (SI), Z5
	ADDQ BX, SI
	VMOVUPS (SI), Z6
	ADDQ BX, SI
	VMOVUPS (SI), Z7
	ADDQ BX, SI
	VMOVUPS (SI), Z8
	ADDQ BX, SI
	VMOVUPS (SI), Z9
	ADDQ BX, SI
	VMOVUPS (SI), Z10
	ADDQ BX, SI
	VMOVUPS (SI), Z11
	ADDQ BX, SI
	VMOVUPS (SI), Z12
	ADDQ BX, SI
	VMOVUPS (SI), Z13
	ADDQ BX, SI
	VMOVUPS (SI), Z14
	ADDQ BX, SI
	VMOVUPS (SI), Z15
	// Pairs of rows interleaved, then pairs of pairs: lane L of Z(4g+j)
	// holds column 4L+j of rows 4g..4g+3.
	VUNPCKLPS Z1, Z0, Z16
	VUNPCKHPS Z1, Z0, Z17
	VUNPCKLPS Z3, Z2, Z18
	VUNPCKHPS Z3, Z2, Z19
	VUNPCKLPS Z5, Z4, Z20
	VUNPCKHPS Z5, Z4, Z21
	VUNPCKLPS Z7, Z6, Z22
	VUNPCKHPS Z7, Z6, Z23
	VUNPCKLPS Z9, Z8, Z24
	VUNPCKHPS Z9, Z8, Z25
	VUNPCKLPS Z11, Z10, Z26
	VUNPCKHPS Z11, Z10, Z27
	VUNPCKLPS Z13, Z12, Z28
	VUNPCKHPS Z13, Z12, Z29
	VUNPCKLPS Z15, Z14, Z30
	VUNPCKHPS Z15, Z14, Z31
	VUNPCKLPD Z18, Z16, Z0
	VUNPCKHPD Z18, Z16, Z1
	VUNPCKLPD Z19, Z17, Z2
	VUNPCKHPD Z19, Z17, Z3
	VUNPCKLPD Z22, Z20, Z4
	VUNPCKHPD Z22, Z20, Z5
	VUNPCKLPD Z23, Z21, Z6
	VUNPCKHPD Z23, Z21, Z7
	VUNPCKLPD Z26, Z24, Z8
	VUNPCKHPD Z26, Z24, Z9
	VUNPCKLPD Z27, Z25, Z10
	VUNPCKHPD Z27, Z25, Z11
	VUNPCKLPD Z30, Z28, Z12
	VUNPCKHPD Z30, Z28, Z13
	VUNPCKLPD Z31, Z29, Z14
	VUNPCKHPD Z31, Z29, Z15
	MOVQ R8, R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	MIRROR4(Z0, Z4, Z8, Z12)
	ADDQ R8, DI
	MIRROR4(Z1, Z5, Z9, Z13)
	ADDQ R8, DI
	MIRROR4(Z2, Z6, Z10, Z14)
	ADDQ R8, DI
	MIRROR4(Z3, Z7, Z11, Z15)
	VZEROUPPER
	RET
