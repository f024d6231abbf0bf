//go:build amd64 && !purego

#include "textflag.h"

// func packT8(dst *float32, width int, src *float32, ldb int, k8 int)
//
// packT8 transposes 8 rows of src (row stride ldb floats) × 8·k8 columns into
// 8·k8 rows of dst (row stride width floats) × 8 columns: dst[p*width+j] =
// src[j*ldb+p] for j < 8, p < 8·k8. It needs AVX.
TEXT ·packT8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ width+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ k8+32(FP), CX
	LEAQ (R9)(R9*2), R10 // 3·ldb
	LEAQ (R8)(R8*2), R11 // 3·width
	TESTQ CX, CX
	JZ done
loop:
	MOVQ SI, AX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R9*1), Y1
	VMOVUPS (AX)(R9*2), Y2
	VMOVUPS (AX)(R10*1), Y3
	LEAQ (AX)(R9*4), AX
	VMOVUPS (AX), Y4
	VMOVUPS (AX)(R9*1), Y5
	VMOVUPS (AX)(R9*2), Y6
	VMOVUPS (AX)(R10*1), Y7
	VUNPCKLPS Y1, Y0, Y8  // r0[0] r1[0] r0[1] r1[1] | 4 5
	VUNPCKHPS Y1, Y0, Y9  // r0[2] r1[2] r0[3] r1[3] | 6 7
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0 // column 0 rows 0-3 | column 4
	VSHUFPS $0xEE, Y10, Y8, Y1 // column 1 | 5
	VSHUFPS $0x44, Y11, Y9, Y2 // column 2 | 6
	VSHUFPS $0xEE, Y11, Y9, Y3 // column 3 | 7
	VSHUFPS $0x44, Y14, Y12, Y4 // rows 4-7
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R8*1)
	VMOVUPS Y10, (DI)(R8*2)
	VMOVUPS Y11, (DI)(R11*1)
	LEAQ (DI)(R8*4), DI
	VMOVUPS Y12, (DI)
	VMOVUPS Y13, (DI)(R8*1)
	VMOVUPS Y14, (DI)(R8*2)
	VMOVUPS Y15, (DI)(R11*1)
	LEAQ (DI)(R8*4), DI
	ADDQ $32, SI
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET
