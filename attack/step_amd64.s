//go:build amd64 && !purego

#include "textflag.h"

DATA stepc_sign<>+0(SB)/8, $0x80000000
GLOBL stepc_sign<>(SB), RODATA|NOPTR, $8
DATA stepc_abs<>+0(SB)/8, $0x7fffffff
GLOBL stepc_abs<>(SB), RODATA|NOPTR, $8
DATA stepc_one<>+0(SB)/8, $0x3ff0000000000000
GLOBL stepc_one<>(SB), RODATA|NOPTR, $8

// func stepInf512(dst, cur, grad, x0 *float32, n int, ab uint64, eps float64)
// stepInf for n elements (a multiple of 8), lane by lane the same float64
// arithmetic: d = ±|a| with g's sign (+0 where g = ±0), then
// float32(min(max(cur + d, max(x0 − eps, 0)), min(x0 + eps, 1))). Ties of
// zeros resolve as Go's min and max do for the values that can occur
// (the lower bound is never −0); the inputs are finite.
TEXT ·stepInf512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ cur+8(FP), SI
	MOVQ grad+16(FP), DX
	MOVQ x0+24(FP), R8
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ sdone
	VPBROADCASTQ ab+40(FP), Z0
	VBROADCASTSD eps+48(FP), Z1
	VPBROADCASTQ stepc_sign<>(SB), Z2
	VPBROADCASTQ stepc_abs<>(SB), Z3
	VBROADCASTSD stepc_one<>(SB), Z4
	VPXORQ Z5, Z5, Z5
sloop:
	VPMOVZXDQ 0(DX), Z6         // g bits, one per 64-bit lane
	VPTESTMQ Z3, Z6, K1         // g ≠ ±0
	VPANDQ Z2, Z6, Z7
	VPSLLQ $32, Z7, Z7          // g's sign at bit 63
	VPORQ Z0, Z7, Z7            // ±|a|
	VMOVAPD.Z Z7, K1, Z7        // +0 where g = ±0
	VCVTPS2PD 0(SI), Z8
	VADDPD Z7, Z8, Z8           // cur + d
	VCVTPS2PD 0(R8), Z9         // c
	VSUBPD Z1, Z9, Z10          // c − eps
	VMAXPD Z5, Z10, Z10         // lo = max(c − eps, +0)
	VADDPD Z1, Z9, Z11          // c + eps
	VMINPD Z4, Z11, Z11         // hi = min(c + eps, 1)
	VMAXPD Z10, Z8, Z8          // max(cur + d, lo)
	VMINPD Z11, Z8, Z8          // min(·, hi)
	VCVTPD2PS Z8, Y8
	VMOVUPS Y8, 0(DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ sloop
	VZEROUPPER
sdone:
	RET

DATA stepc_alpha<>+0(SB)/8, $0x3fe8000000000000
GLOBL stepc_alpha<>(SB), RODATA|NOPTR, $8
DATA stepc_beta<>+0(SB)/8, $0x3fd0000000000000
GLOBL stepc_beta<>(SB), RODATA|NOPTR, $8

// func apgdInf512(next, cur, prev, grad, x0 *float32, n int, eb uint64, eps float64, momentum bool)
// updateInf for n elements (a multiple of 8), lane by lane the same float64
// arithmetic: z = clamp(cur + d) as in stepInf512, then with momentum
// z = clamp((cur + 0.75·(z − cur)) + 0.25·(cur − prev)), clamp being
// min(max(·, max(x0 − eps, 0)), min(x0 + eps, 1)).
TEXT ·apgdInf512(SB), NOSPLIT, $0-65
	MOVQ next+0(FP), DI
	MOVQ cur+8(FP), SI
	MOVQ prev+16(FP), BX
	MOVQ grad+24(FP), DX
	MOVQ x0+32(FP), R8
	MOVQ n+40(FP), CX
	MOVBQZX momentum+64(FP), R9
	SHRQ $3, CX
	JZ adone
	VPBROADCASTQ eb+48(FP), Z0
	VBROADCASTSD eps+56(FP), Z1
	VPBROADCASTQ stepc_sign<>(SB), Z2
	VPBROADCASTQ stepc_abs<>(SB), Z3
	VBROADCASTSD stepc_one<>(SB), Z4
	VPXORQ Z5, Z5, Z5
	VBROADCASTSD stepc_alpha<>(SB), Z12
	VBROADCASTSD stepc_beta<>(SB), Z13
aloop:
	VPMOVZXDQ 0(DX), Z6         // g bits, one per 64-bit lane
	VPTESTMQ Z3, Z6, K1         // g ≠ ±0
	VPANDQ Z2, Z6, Z7
	VPSLLQ $32, Z7, Z7          // g's sign at bit 63
	VPORQ Z0, Z7, Z7            // ±|η|
	VMOVAPD.Z Z7, K1, Z7        // +0 where g = ±0
	VCVTPS2PD 0(SI), Z14        // c
	VADDPD Z7, Z14, Z8          // c + d
	VCVTPS2PD 0(R8), Z9         // x0
	VSUBPD Z1, Z9, Z10          // x0 − eps
	VMAXPD Z5, Z10, Z10         // lo = max(x0 − eps, +0)
	VADDPD Z1, Z9, Z11          // x0 + eps
	VMINPD Z4, Z11, Z11         // hi = min(x0 + eps, 1)
	VMAXPD Z10, Z8, Z8          // max(c + d, lo)
	VMINPD Z11, Z8, Z8          // z = min(·, hi)
	TESTQ R9, R9
	JZ astore
	VSUBPD Z14, Z8, Z8          // z − c
	VMULPD Z12, Z8, Z8          // 0.75·(z − c)
	VADDPD Z8, Z14, Z8          // c + 0.75·(z − c)
	VCVTPS2PD 0(BX), Z15        // prev
	VSUBPD Z15, Z14, Z15        // c − prev
	VMULPD Z13, Z15, Z15        // 0.25·(c − prev)
	VADDPD Z15, Z8, Z8          // (c + 0.75·(z − c)) + 0.25·(c − prev)
	VMAXPD Z10, Z8, Z8
	VMINPD Z11, Z8, Z8
astore:
	VCVTPD2PS Z8, Y8
	VMOVUPS Y8, 0(DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ aloop
	VZEROUPPER
adone:
	RET

DATA stepc_eta<>+0(SB)/8, $0x3ff0cccccccccccd
GLOBL stepc_eta<>(SB), RODATA|NOPTR, $8

// func fabApply512(x1, x0, w *float32, r1, r0 *float64, n int, flip1, flip0 uint64, tau1, tau0, alpha, lo, hi float64)
// The last loop of projector.stepInf for n elements (a multiple of 8), lane
// by lane the same float64 arithmetic: d = ±min(τ, r) with the sign of w
// (flipped), v = (x1 + η·d1)·(1 − α) + (x0 + η·d0)·α, x1 = float32(min(max(v, lo), hi)).
TEXT ·fabApply512(SB), NOSPLIT, $0-104
	MOVQ x1+0(FP), DI
	MOVQ x0+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ r1+24(FP), R8
	MOVQ r0+32(FP), R9
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ fdone
	VPBROADCASTQ flip1+48(FP), Z0
	VPBROADCASTQ flip0+56(FP), Z1
	VBROADCASTSD tau1+64(FP), Z2
	VBROADCASTSD tau0+72(FP), Z3
	VBROADCASTSD alpha+80(FP), Z4
	VBROADCASTSD stepc_one<>(SB), Z5
	VSUBPD Z4, Z5, Z15          // 1 − α
	VBROADCASTSD lo+88(FP), Z16
	VBROADCASTSD hi+96(FP), Z17
	VPBROADCASTQ stepc_sign<>(SB), Z18
	VBROADCASTSD stepc_eta<>(SB), Z19
floop:
	VPMOVZXDQ 0(DX), Z6         // w bits, one per 64-bit lane
	VPANDQ Z18, Z6, Z6
	VPSLLQ $32, Z6, Z6          // w's sign at bit 63
	VPXORQ Z0, Z6, Z7
	VPORQ Z5, Z7, Z7            // sg1 = ±1
	VPXORQ Z1, Z6, Z8
	VPORQ Z5, Z8, Z8            // sg0 = ±1
	VMOVUPD 0(R8), Z9
	VMINPD Z9, Z2, Z9           // min(τ1, r1)
	VMULPD Z9, Z7, Z9           // d1
	VMOVUPD 0(R9), Z10
	VMINPD Z10, Z3, Z10         // min(τ0, r0)
	VMULPD Z10, Z8, Z10         // d0
	VCVTPS2PD 0(DI), Z11        // x1
	VCVTPS2PD 0(SI), Z12        // x0
	VMULPD Z19, Z9, Z9          // η·d1
	VADDPD Z9, Z11, Z11         // x1 + η·d1
	VMULPD Z15, Z11, Z11        // ·(1 − α)
	VMULPD Z19, Z10, Z10        // η·d0
	VADDPD Z10, Z12, Z12        // x0 + η·d0
	VMULPD Z4, Z12, Z12         // ·α
	VADDPD Z12, Z11, Z11        // v
	VMAXPD Z16, Z11, Z11        // max(v, lo)
	VMINPD Z17, Z11, Z11        // min(·, hi)
	VCVTPD2PS Z11, Y11
	VMOVUPS Y11, 0(DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ CX
	JNZ floop
	VZEROUPPER
fdone:
	RET

DATA stepc_half<>+0(SB)/8, $0x3fe0000000000000
GLOBL stepc_half<>(SB), RODATA|NOPTR, $8
DATA stepc_abs64<>+0(SB)/8, $0x7fffffffffffffff
GLOBL stepc_abs64<>(SB), RODATA|NOPTR, $8

// func fabBuild512(x1, x0, w *float32, r1, r0, u1, a1, u0, a0 *float64, n int, flip1, flip0 uint64, lo, hi float64, m *[16]float64) (n1, n0 int)
// The first loop of projector.stepInf for n elements (a multiple of 8),
// lane by lane the same float64 arithmetic: a = |w|, keep = [a ≠ 0],
// sg = ±1 (w's sign, flipped), room = (0.5·(1 + sg)·(hi − p) + 0.5·(1 − sg)·(p − lo))·keep
// for p = x1 and x0, stored in r1, r0; the rooms and a where room·a ≠ 0
// compressed into u1, a1 and u0, a0 (n1, n0 of them; each block stores 8
// lanes, so those slices need n elements); the lanes' largest rooms in m.
TEXT ·fabBuild512(SB), NOSPLIT, $0-136
	MOVQ x1+0(FP), DI
	MOVQ x0+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ r1+24(FP), R8
	MOVQ r0+32(FP), R9
	MOVQ u1+40(FP), R10
	MOVQ a1+48(FP), R11
	MOVQ u0+56(FP), R12
	MOVQ a0+64(FP), R13
	MOVQ n+72(FP), CX
	VPBROADCASTQ flip1+80(FP), Z0
	VPBROADCASTQ flip0+88(FP), Z1
	VBROADCASTSD lo+96(FP), Z2
	VBROADCASTSD hi+104(FP), Z3
	VBROADCASTSD stepc_one<>(SB), Z4
	VBROADCASTSD stepc_half<>(SB), Z5
	VPBROADCASTQ stepc_abs64<>(SB), Z19
	VPBROADCASTQ stepc_sign<>(SB), Z20
	VPXORQ Z21, Z21, Z21        // largest room1
	VPXORQ Z22, Z22, Z22        // largest room0
	SHRQ $3, CX
	JZ bend
bloop:
	VPMOVZXDQ 0(DX), Z6         // w bits
	VCVTPS2PD 0(DX), Z7
	VPANDQ Z19, Z7, Z7          // a = |w|
	VPTESTMQ Z7, Z7, K1         // a ≠ 0
	VMOVAPD.Z Z4, K1, Z8        // keep
	VPANDQ Z20, Z6, Z6
	VPSLLQ $32, Z6, Z6          // w's sign at bit 63
	VPXORQ Z0, Z6, Z9
	VPORQ Z4, Z9, Z9            // sg1
	VPXORQ Z1, Z6, Z10
	VPORQ Z4, Z10, Z10          // sg0
	VCVTPS2PD 0(DI), Z11        // p1
	VCVTPS2PD 0(SI), Z12        // p0

	VADDPD Z9, Z4, Z13          // 1 + sg1
	VMULPD Z5, Z13, Z13         // 0.5·(1 + sg1)
	VSUBPD Z11, Z3, Z14         // hi − p1
	VMULPD Z14, Z13, Z13
	VSUBPD Z9, Z4, Z14          // 1 − sg1
	VMULPD Z5, Z14, Z14
	VSUBPD Z2, Z11, Z15         // p1 − lo
	VMULPD Z15, Z14, Z14
	VADDPD Z14, Z13, Z13
	VMULPD Z8, Z13, Z13         // room1

	VADDPD Z10, Z4, Z16         // 1 + sg0
	VMULPD Z5, Z16, Z16
	VSUBPD Z12, Z3, Z14         // hi − p0
	VMULPD Z14, Z16, Z16
	VSUBPD Z10, Z4, Z14         // 1 − sg0
	VMULPD Z5, Z14, Z14
	VSUBPD Z2, Z12, Z15         // p0 − lo
	VMULPD Z15, Z14, Z14
	VADDPD Z14, Z16, Z16
	VMULPD Z8, Z16, Z16         // room0

	VMOVUPD Z13, 0(R8)
	VMOVUPD Z16, 0(R9)
	VMAXPD Z13, Z21, Z21
	VMAXPD Z16, Z22, Z22

	VMULPD Z7, Z13, Z17         // room1·a
	VPTESTMQ Z17, Z17, K2
	VCOMPRESSPD Z13, K2, Z23    // in registers, then 8 lanes stored: the
	VCOMPRESSPD Z7, K2, Z24     // lanes past the kept ones are overwritten
	VMOVUPD Z23, 0(R10)         // by the next block (memory-destination
	VMOVUPD Z24, 0(R11)         // compresses are slow on some CPUs)
	KMOVW K2, R14
	POPCNTL R14, R14
	SHLQ $3, R14
	ADDQ R14, R10
	ADDQ R14, R11

	VMULPD Z7, Z16, Z18         // room0·a
	VPTESTMQ Z18, Z18, K3
	VCOMPRESSPD Z16, K3, Z25
	VCOMPRESSPD Z7, K3, Z26
	VMOVUPD Z25, 0(R12)
	VMOVUPD Z26, 0(R13)
	KMOVW K3, R15
	POPCNTL R15, R15
	SHLQ $3, R15
	ADDQ R15, R12
	ADDQ R15, R13

	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ CX
	JNZ bloop
bend:
	MOVQ m+112(FP), AX
	VMOVUPD Z21, 0(AX)
	VMOVUPD Z22, 64(AX)
	MOVQ u1+40(FP), AX
	SUBQ AX, R10
	SHRQ $3, R10
	MOVQ R10, n1+120(FP)
	MOVQ u0+56(FP), AX
	SUBQ AX, R12
	SHRQ $3, R12
	MOVQ R12, n0+128(FP)
	VZEROUPPER
	RET

// func newton512(la, lb, ln *[8]float64, u, a *float64, n int, tau float64)
// newtonSums' lanes for n elements (a multiple of 8): lane l of la adds
// a·u over its u ≤ tau, of lb adds a over its u > tau, of ln keeps the
// smallest such u, in element order.
TEXT ·newton512(SB), NOSPLIT, $0-56
	MOVQ la+0(FP), AX
	MOVQ lb+8(FP), BX
	MOVQ ln+16(FP), R8
	MOVQ u+24(FP), SI
	MOVQ a+32(FP), DX
	MOVQ n+40(FP), CX
	VBROADCASTSD tau+48(FP), Z0
	VMOVUPD 0(AX), Z1
	VMOVUPD 0(BX), Z2
	VMOVUPD 0(R8), Z3
	SHRQ $3, CX
	JZ nend
nloop:
	VMOVUPD 0(SI), Z4           // u
	VMOVUPD 0(DX), Z5           // a
	VCMPPD $0x1e, Z0, Z4, K1    // u > tau (GT_OQ)
	KNOTW K1, K2
	VADDPD Z5, Z2, K1, Z2       // lb += a where u > tau
	VMINPD Z4, Z3, K1, Z3       // ln = min(ln, u) there
	VMULPD Z4, Z5, Z6           // a·u
	VADDPD Z6, Z1, K2, Z1       // la += a·u elsewhere
	ADDQ $64, SI
	ADDQ $64, DX
	DECQ CX
	JNZ nloop
nend:
	VMOVUPD Z1, 0(AX)
	VMOVUPD Z2, 0(BX)
	VMOVUPD Z3, 0(R8)
	VZEROUPPER
	RET

// func axpy512(dst, x *float32, n int, a float32)
// dst[i] += a·x[i] for n elements (a multiple of 16), a product then a sum
// per element (no fused multiply-add), as Go computes it.
TEXT ·axpy512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Z0
	SHRQ $4, CX
	JZ xdone
xloop:
	VMULPS 0(SI), Z0, Z1
	VADDPS 0(DI), Z1, Z1
	VMOVUPS Z1, 0(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	DECQ CX
	JNZ xloop
	VZEROUPPER
xdone:
	RET

// func distInf512(a, b *float32, n int) float64
// max over n elements (a multiple of 8) of |float64(a) − float64(b)|, the
// subtraction exact in float64; the maximum does not depend on the order.
TEXT ·distInf512(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DX
	MOVQ n+16(FP), CX
	VPXORQ Z0, Z0, Z0
	SHRQ $3, CX
	JZ ddone
	VPBROADCASTQ stepc_abs64<>(SB), Z3
dloop:
	VCVTPS2PD 0(SI), Z1
	VCVTPS2PD 0(DX), Z2
	VSUBPD Z2, Z1, Z1
	VANDPD Z3, Z1, Z1
	VMAXPD Z1, Z0, Z0
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ dloop
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPD X1, X0, X0
	VPERMILPD $1, X0, X1
	VMAXSD X1, X0, X0
	VZEROUPPER
ddone:
	MOVSD X0, ret+24(FP)
	RET

// func blend512(x1, x0 *float32, n int, beta float64)
// x1 = float32(x0 + (x1 − x0)·beta) in float64, for n elements (a multiple
// of 8), lane by lane the arithmetic of backTowards.
TEXT ·blend512(SB), NOSPLIT, $0-32
	MOVQ x1+0(FP), DI
	MOVQ x0+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ bdone
	VBROADCASTSD beta+24(FP), Z3
bloop:
	VCVTPS2PD 0(DI), Z1
	VCVTPS2PD 0(SI), Z2
	VSUBPD Z2, Z1, Z1
	VMULPD Z3, Z1, Z1
	VADDPD Z1, Z2, Z1
	VCVTPD2PS Z1, Y1
	VMOVUPS Y1, 0(DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ bloop
	VZEROUPPER
bdone:
	RET

DATA stepc_q3<>+0(SB)/8, $0x3fe8000000000000
GLOBL stepc_q3<>(SB), RODATA|NOPTR, $8
DATA stepc_q1<>+0(SB)/8, $0x3fd0000000000000
GLOBL stepc_q1<>(SB), RODATA|NOPTR, $8

// func projL2512(dst *float32, v *float64, x0 *float32, n int, scale float64)
// dst = float32(min(max(c + (v − c)·scale, +0), 1)), c = float64(x0), for n
// elements (a multiple of 8). max returns its second operand, +0, when both
// are zeros, as Go's max(−0, +0) = +0.
TEXT ·projL2512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ x0+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ pdone
	VBROADCASTSD scale+32(FP), Z3
	VPXORQ Z4, Z4, Z4
	VBROADCASTSD stepc_one<>(SB), Z5
ploop:
	VCVTPS2PD 0(DX), Z1
	VMOVUPD 0(SI), Z2
	VSUBPD Z1, Z2, Z2
	VMULPD Z3, Z2, Z2
	VADDPD Z2, Z1, Z1
	VMAXPD Z4, Z1, Z1
	VMINPD Z5, Z1, Z1
	VCVTPD2PS Z1, Y1
	VMOVUPS Y1, 0(DI)
	ADDQ $32, DI
	ADDQ $64, SI
	ADDQ $32, DX
	DECQ CX
	JNZ ploop
	VZEROUPPER
pdone:
	RET

// func div512(s *float64, gr *float32, n int, d float64)
// s = float64(gr)/d for n elements (a multiple of 8).
TEXT ·div512(SB), NOSPLIT, $0-32
	MOVQ s+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ vdone
	VBROADCASTSD d+24(FP), Z3
vloop:
	VCVTPS2PD 0(SI), Z1
	VDIVPD Z3, Z1, Z1
	VMOVUPD Z1, 0(DI)
	ADDQ $64, DI
	ADDQ $32, SI
	DECQ CX
	JNZ vloop
	VZEROUPPER
vdone:
	RET

// func axpyRow512(v *float64, cur *float32, s *float64, n int, eta float64)
// v = float64(cur) + eta·s for n elements (a multiple of 8).
TEXT ·axpyRow512(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ cur+8(FP), SI
	MOVQ s+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ xdone
	VBROADCASTSD eta+32(FP), Z3
xloop:
	VCVTPS2PD 0(SI), Z1
	VMULPD 0(DX), Z3, Z2
	VADDPD Z2, Z1, Z1
	VMOVUPD Z1, 0(DI)
	ADDQ $64, DI
	ADDQ $32, SI
	ADDQ $64, DX
	DECQ CX
	JNZ xloop
	VZEROUPPER
xdone:
	RET

// func momentum512(v *float64, cur, z, prev *float32, n int)
// v = (xc + 0.75·(z − xc)) + 0.25·(xc − prev), xc = float64(cur), for n
// elements (a multiple of 8), as apgdRun.update computes it.
TEXT ·momentum512(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ cur+8(FP), SI
	MOVQ z+16(FP), DX
	MOVQ prev+24(FP), R8
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ mdone
	VBROADCASTSD stepc_q3<>(SB), Z6
	VBROADCASTSD stepc_q1<>(SB), Z7
mloop:
	VCVTPS2PD 0(SI), Z1
	VCVTPS2PD 0(DX), Z2
	VCVTPS2PD 0(R8), Z3
	VSUBPD Z1, Z2, Z2
	VMULPD Z6, Z2, Z2
	VADDPD Z2, Z1, Z2
	VSUBPD Z3, Z1, Z3
	VMULPD Z7, Z3, Z3
	VADDPD Z3, Z2, Z2
	VMOVUPD Z2, 0(DI)
	ADDQ $64, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ mloop
	VZEROUPPER
mdone:
	RET
