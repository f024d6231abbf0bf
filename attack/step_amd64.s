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
