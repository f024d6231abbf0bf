//go:build ignore

// gen_kernels writes kernels_amd64.s and kernels_amd64.go: the GEMM
// micro-kernels for AVX-512 and AVX2+FMA. Run it with `go generate` in this
// directory (see gemm_amd64.go).
//
// Each kernel computes one tile C[0:mr, 0:nv·W] = alpha·A·Bp + beta·C, where W is
// the vector width (16 floats for AVX-512, 8 for AVX2), Bp is a packed panel of
// B (k rows of nv·W floats each, zero padded) and A is read in place:
//
//   - family N (A not transposed): row r of the tile starts at a + r·lda and
//     runs along k with unit stride;
//   - family T (A transposed): the mr values of step p are contiguous at
//     a + p·lda.
//
// The last vector of each row is stored through a mask so that narrow edge
// tiles never touch memory outside C. When beta is 0, C is never read.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
)

type isa struct {
	name   string // function-name prefix
	reg    string // "Z" or "Y"
	width  int    // floats per vector
	maxMR  int
	maxNV  int
	bregs  []int // registers for B vectors
	bcast  []int // registers for broadcast A values
	unroll int
}

var (
	avx512 = isa{name: "k16", reg: "Z", width: 16, maxMR: 12, maxNV: 2, bregs: []int{28, 29}, bcast: []int{30, 31}, unroll: 4}
	avx2   = isa{name: "k8", reg: "Y", width: 8, maxMR: 6, maxNV: 2, bregs: []int{12, 13}, bcast: []int{14, 15}, unroll: 4}
)

type gen struct{ b bytes.Buffer }

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.b, format+"\n", args...) }

// Register use (ABI0, all caller-saved):
//
//	CX loop counter, DX packed B, SI/R10/R11/R12 A row-group pointers (family N)
//	or A step pointer (family T), R8 lda in bytes, R13 3·lda, R14 4·lda,
//	DI C row pointer, R9 ldc in bytes.
var groupRegs = []string{"SI", "R10", "R11", "R12"}

func (g *gen) kernel(is isa, fam byte, mr, nv int) {
	name := fmt.Sprintf("%s%c_%dx%d", is.name, fam, mr, nv)
	vb := is.width * 4 // bytes per vector
	stepB := nv * vb   // bytes of packed B per k step
	acc := func(r, v int) string { return fmt.Sprintf("%s%d", is.reg, r*nv+v) }
	R := func(n int) string { return fmt.Sprintf("%s%d", is.reg, n) }

	g.p("// func %s(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32, mask uintptr)", name)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-64", name)
	g.p("\tMOVQ k+0(FP), CX")
	g.p("\tMOVQ a+8(FP), SI")
	g.p("\tMOVQ lda+16(FP), R8")
	g.p("\tSHLQ $2, R8")
	g.p("\tMOVQ b+24(FP), DX")
	g.p("\tLEAQ (R8)(R8*2), R13")
	g.p("\tLEAQ (R8)(R8*4), R14")
	g.p("\tSUBQ R8, R14")
	if fam == 'N' {
		for gi := 1; gi*3 < mr; gi++ {
			g.p("\tLEAQ (%s)(R13*1), %s", groupRegs[gi-1], groupRegs[gi])
		}
	}
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			if is.reg == "Z" {
				g.p("\tVPXORD %s, %s, %s", acc(r, v), acc(r, v), acc(r, v))
			} else {
				g.p("\tVXORPS %s, %s, %s", acc(r, v), acc(r, v), acc(r, v))
			}
		}
	}
	// aAddr returns the address of A(r, step u) relative to the current pointers.
	aAddr := func(r, u int) string {
		if fam == 'N' {
			gr := groupRegs[r/3]
			disp := 4 * u
			switch r % 3 {
			case 0:
				return fmt.Sprintf("%d(%s)", disp, gr)
			case 1:
				return fmt.Sprintf("%d(%s)(R8*1)", disp, gr)
			default:
				return fmt.Sprintf("%d(%s)(R8*2)", disp, gr)
			}
		}
		disp := 4 * r
		switch u {
		case 0:
			return fmt.Sprintf("%d(SI)", disp)
		case 1:
			return fmt.Sprintf("%d(SI)(R8*1)", disp)
		case 2:
			return fmt.Sprintf("%d(SI)(R8*2)", disp)
		default:
			return fmt.Sprintf("%d(SI)(R13*1)", disp)
		}
	}
	step := func(u int) {
		for v := 0; v < nv; v++ {
			g.p("\tVMOVUPS %d(DX), %s", u*stepB+v*vb, R(is.bregs[v]))
		}
		for r := 0; r < mr; r++ {
			bc := R(is.bcast[r%2])
			g.p("\tVBROADCASTSS %s, %s", aAddr(r, u), bc)
			for v := 0; v < nv; v++ {
				g.p("\tVFMADD231PS %s, %s, %s", bc, R(is.bregs[v]), acc(r, v))
			}
		}
	}
	advance := func(steps int) {
		g.p("\tADDQ $%d, DX", steps*stepB)
		if fam == 'N' {
			for gi := 0; gi*3 < mr; gi++ {
				g.p("\tADDQ $%d, %s", 4*steps, groupRegs[gi])
			}
		} else if steps == 1 {
			g.p("\tADDQ R8, SI")
		} else {
			g.p("\tADDQ R14, SI")
		}
	}
	U := is.unroll
	g.p("\tMOVQ CX, BX")
	g.p("\tSHRQ $%d, BX", log2(U))
	g.p("\tJZ %s_tail", name)
	g.p("%s_loop%d:", name, U)
	for u := 0; u < U; u++ {
		step(u)
	}
	advance(U)
	g.p("\tDECQ BX")
	g.p("\tJNZ %s_loop%d", name, U)
	g.p("%s_tail:", name)
	g.p("\tANDQ $%d, CX", U-1)
	g.p("\tJZ %s_store", name)
	g.p("%s_loop1:", name)
	step(0)
	advance(1)
	g.p("\tDECQ CX")
	g.p("\tJNZ %s_loop1", name)

	// Store: C = alpha·acc (+ beta·C).
	g.p("%s_store:", name)
	g.p("\tMOVQ c+32(FP), DI")
	g.p("\tMOVQ ldc+40(FP), R9")
	g.p("\tSHLQ $2, R9")
	g.p("\tMOVQ mask+56(FP), AX")
	alpha, beta, tmp := R(is.bcast[0]), R(is.bcast[1]), R(is.bregs[0])
	mreg := R(is.bregs[1])
	if is.reg == "Z" {
		g.p("\tKMOVW AX, K1")
	} else {
		g.p("\tVMOVDQU (AX), %s", mreg)
	}
	g.p("\tVBROADCASTSS alpha+48(FP), %s", alpha)
	g.p("\tVBROADCASTSS beta+52(FP), %s", beta)
	g.p("\tMOVL beta+52(FP), AX")
	g.p("\tANDL $0x7fffffff, AX") // -0 counts as 0
	g.p("\tJNZ %s_beta", name)
	storeLast := func(src string) {
		off := (nv - 1) * vb
		if is.reg == "Z" {
			g.p("\tVMOVUPS %s, K1, %d(DI)", src, off)
		} else {
			g.p("\tVMASKMOVPS %s, %s, %d(DI)", src, mreg, off)
		}
	}
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			g.p("\tVMULPS %s, %s, %s", alpha, acc(r, v), acc(r, v))
			if v < nv-1 {
				g.p("\tVMOVUPS %s, %d(DI)", acc(r, v), v*vb)
			} else {
				storeLast(acc(r, v))
			}
		}
		if r < mr-1 {
			g.p("\tADDQ R9, DI")
		}
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("%s_beta:", name)
	for r := 0; r < mr; r++ {
		for v := 0; v < nv; v++ {
			off := v * vb
			if v < nv-1 {
				g.p("\tVMULPS %d(DI), %s, %s", off, beta, tmp)
			} else {
				if is.reg == "Z" {
					g.p("\tVMOVUPS.Z %d(DI), K1, %s", off, tmp)
				} else {
					g.p("\tVMASKMOVPS %d(DI), %s, %s", off, mreg, tmp)
				}
				g.p("\tVMULPS %s, %s, %s", beta, tmp, tmp)
			}
			g.p("\tVFMADD231PS %s, %s, %s", alpha, acc(r, v), tmp)
			if v < nv-1 {
				g.p("\tVMOVUPS %s, %d(DI)", tmp, off)
			} else {
				storeLast(tmp)
			}
		}
		if r < mr-1 {
			g.p("\tADDQ R9, DI")
		}
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	return l
}

func main() {
	var s gen
	s.p("// Code generated by gen_kernels.go; DO NOT EDIT.")
	s.p("")
	s.p("//go:build amd64 && !purego")
	s.p("")
	s.p("#include \"textflag.h\"")
	s.p("")
	var gofile bytes.Buffer
	fmt.Fprintf(&gofile, "// Code generated by gen_kernels.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\npackage tensor\n\n")
	for _, is := range []isa{avx512, avx2} {
		for _, fam := range []byte{'N', 'T'} {
			for mr := 1; mr <= is.maxMR; mr++ {
				for nv := 1; nv <= is.maxNV; nv++ {
					s.kernel(is, fam, mr, nv)
					fmt.Fprintf(&gofile, "//go:noescape\nfunc %s%c_%dx%d(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32, mask uintptr)\n\n", is.name, fam, mr, nv)
				}
			}
			fmt.Fprintf(&gofile, "var %s%cKernels = [%d][%d]asmKernel{\n", is.name, fam, is.maxMR+1, is.maxNV+1)
			for mr := 1; mr <= is.maxMR; mr++ {
				fmt.Fprintf(&gofile, "\t%d: {", mr)
				for nv := 1; nv <= is.maxNV; nv++ {
					fmt.Fprintf(&gofile, "%d: %s%c_%dx%d, ", nv, is.name, fam, mr, nv)
				}
				fmt.Fprintf(&gofile, "},\n")
			}
			fmt.Fprintf(&gofile, "}\n\n")
		}
	}
	src, err := format.Source(gofile.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernels_amd64.s", s.b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernels_amd64.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
