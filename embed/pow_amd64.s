//go:build amd64 && !purego

#include "textflag.h"

// Broadcasts the 64-bit constant c into register z (through AX).
#define BCAST(c, z) MOVQ $c, AX; VPBROADCASTQ AX, z

// func powPos8(x *float64, y float64, out *float64, cells *float64, exp2 *float64) uint8
//
// out[i] = powPos(x[i], y) for 8 lanes, with powPos's operations in its
// order (FMA where it calls math.FMA, which rounds once as the instruction
// does). cells is log2Cells (pairs inv, log2), exp2 is exp2Cells. Bit i of
// the result is set where powPos would call math.Pow (x[i] not a normal
// positive number, or |y·log₂ x[i]| > 1000); out[i] is then meaningless.
TEXT ·powPos8(SB), NOSPLIT, $0-41
	MOVQ x+0(FP), SI
	MOVQ out+16(FP), DI
	MOVQ cells+24(FP), CX
	MOVQ exp2+32(FP), DX
	VMOVUPD (SI), Z0
	VBROADCASTSD y+8(FP), Z1

	// e = int64(bits>>52) − 1023; bad where uint64(e+1022) > 2044.
	VPSRLQ $52, Z0, Z2
	BCAST(1023, Z20)
	VPSUBQ Z20, Z2, Z2
	BCAST(1022, Z21)
	VPADDQ Z21, Z2, Z3
	BCAST(2044, Z21)
	VPCMPUQ $6, Z21, Z3, K1

	// The cell of m, and m itself in [1, 2).
	VPSRLQ $44, Z0, Z4
	BCAST(255, Z22)
	VPANDQ Z22, Z4, Z4
	VPADDQ Z4, Z4, Z6
	BCAST(0x000fffffffffffff, Z21)
	VPANDQ Z21, Z0, Z5
	BCAST(0x3ff0000000000000, Z21)
	VPORQ Z21, Z5, Z5
	KXNORW K2, K2, K2
	VGATHERQPD (CX)(Z6*8), K2, Z7
	KXNORW K3, K3, K3
	VGATHERQPD 8(CX)(Z6*8), K3, Z8

	// r = FMA(m, inv, −1)
	BCAST(0xbff0000000000000, Z21)
	VFMADD213PD Z21, Z7, Z5
	// q = FMA(r, c4, c3); q = FMA(r, q, c2); q = FMA(r, q, c1)
	BCAST(0xbfd71547652b82fe, Z10)
	BCAST(0x3fdec709dc3a03fd, Z21)
	VFMADD213PD Z21, Z5, Z10
	BCAST(0xbfe71547652b82fe, Z21)
	VFMADD213PD Z21, Z5, Z10
	BCAST(0x3ff71547652b82fe, Z21)
	VFMADD213PD Z21, Z5, Z10
	// l = FMA(r, q, float64(e) + log2 c)
	VCVTQQ2PD Z2, Z11
	VADDPD Z8, Z11, Z11
	VFMADD213PD Z11, Z5, Z10
	// t = y·l; bad where t > 1000 or t < −1000.
	VMULPD Z10, Z1, Z12
	BCAST(0x408f400000000000, Z21)
	VCMPPD $0x1e, Z21, Z12, K4
	BCAST(0xc08f400000000000, Z21)
	VCMPPD $0x11, Z21, Z12, K5
	KORW K4, K5, K4
	KORW K4, K1, K1

	// kf = FMA(t, 256, round) − round
	BCAST(0x4070000000000000, Z13)
	BCAST(0x4338000000000000, Z23)
	VFMADD213PD Z23, Z12, Z13
	VSUBPD Z23, Z13, Z13
	// g = FMA(kf, −1/256, t)·ln 2
	BCAST(0xbf70000000000000, Z14)
	VFMADD213PD Z12, Z13, Z14
	BCAST(0x3fe62e42fefa39ef, Z21)
	VMULPD Z21, Z14, Z14
	// k = int64(kf)
	VCVTTPD2QQ Z13, Z15
	// p = FMA(g, 1/24, 1/6); p = FMA(g, p, 1/2); p = FMA(g, p, 1) twice
	BCAST(0x3fa5555555555555, Z16)
	BCAST(0x3fc5555555555555, Z21)
	VFMADD213PD Z21, Z14, Z16
	BCAST(0x3fe0000000000000, Z21)
	VFMADD213PD Z21, Z14, Z16
	BCAST(0x3ff0000000000000, Z21)
	VFMADD213PD Z21, Z14, Z16
	VFMADD213PD Z21, Z14, Z16
	// p·2^(i/256)·2^(k>>8)
	VPANDQ Z22, Z15, Z17
	KXNORW K6, K6, K6
	VGATHERQPD (DX)(Z17*8), K6, Z18
	VPSRAQ $8, Z15, Z19
	VPADDQ Z20, Z19, Z19
	VPSLLQ $52, Z19, Z19
	VMULPD Z18, Z16, Z16
	VMULPD Z19, Z16, Z16
	VMOVUPD Z16, (DI)
	KMOVW K1, AX
	MOVB AL, ret+40(FP)
	VZEROUPPER
	RET
