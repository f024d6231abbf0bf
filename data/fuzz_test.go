package data

import (
	"bytes"
	"math"
	"slices"
	"testing"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/ and run as ordinary
// tests under `go test`; `go test -fuzz=FuzzReadIDX ./data/` explores more.

// FuzzReadIDX checks that no input panics, and that a successful read is
// self-consistent: an unsigned-byte file whose data length is the product of
// its dimensions.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 2}, []byte{1, 2, 3, 4}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range m.Dims {
			n *= d
		}
		if m.Type != 0x08 || len(m.Dims) == 0 || n != len(m.Data) {
			t.Fatalf("type %#x dims %v with %d data bytes", m.Type, m.Dims, len(m.Data))
		}
	})
}

// FuzzReadCSV checks that no input panics, and that a successful read gives
// a valid set in which every class has a name and at least one member.
// lab picks the label columns (0: the default; else one or two of the first
// few columns, counted from either end); hdr picks the header mode.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b,y\n1,2,x\n3,4,z\n"), uint8(0), uint8(0))
	f.Add([]byte("a,b,y\n1,2,x\n3,4,01\n"), uint8(0), uint8(0x80))
	f.Fuzz(func(t *testing.T, b []byte, lab, hdr uint8) {
		opt := CSVOptions{Header: int(hdr%3) - 1}
		if lab != 0 {
			opt.LabelCols = []int{int(lab&7) - 4}
			if lab&8 != 0 {
				opt.LabelCols = append(opt.LabelCols, int(lab>>4&7)-4)
			}
		}
		if hdr&0x80 != 0 { // map labels to given names
			opt.Classes = make([][]string, max(len(opt.LabelCols), 1))
			for k := range opt.Classes {
				opt.Classes[k] = []string{"x", "z", "1", "-2"}
			}
		}
		s, err := ReadCSV(bytes.NewReader(b), "fuzz.csv", opt)
		if err != nil {
			return
		}
		if opt.Classes != nil && !slices.EqualFunc(s.ClassNames, opt.Classes, slices.Equal) {
			t.Fatalf("class names %q, want the given %q", s.ClassNames, opt.Classes)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("ReadCSV gave an invalid set: %v", err)
		}
		for k, lv := range s.Labels {
			if len(s.ClassNames[k]) != s.Classes[k] {
				t.Fatalf("level %d: %d names for %d classes", k, len(s.ClassNames[k]), s.Classes[k])
			}
			seen := make([]bool, s.Classes[k])
			for _, c := range lv {
				seen[c] = true
			}
			for c, ok := range seen {
				if !ok && opt.Classes == nil {
					t.Fatalf("level %d: class %d (%q) has no member", k, c, s.ClassNames[k][c])
				}
			}
		}
	})
}

// FuzzReadNPY checks that no input panics, and that a successful read holds
// as many finite values as its shape says.
func FuzzReadNPY(f *testing.F) {
	f.Add(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", []byte{0, 0, 128, 63}))
	f.Fuzz(func(t *testing.T, b []byte) {
		shape, data, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(data) {
			t.Fatalf("shape %v with %d values", shape, len(data))
		}
		for i, v := range data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("value %d is %v", i, v)
			}
		}
	})
}
