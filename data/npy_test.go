package data

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// npyBytes writes an .npy file by hand: magic, version, header length, the
// header dict padded with spaces and a newline to a multiple of 64 bytes
// (as numpy does), then data.
func npyBytes(major byte, header string, data []byte) []byte {
	pre := 10
	if major >= 2 {
		pre = 12
	}
	h := header
	for (pre+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := []byte("\x93NUMPY")
	b = append(b, major, 0)
	if major >= 2 {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	}
	b = append(b, h...)
	return append(b, data...)
}

func TestReadNPY(t *testing.T) {
	le := binary.LittleEndian
	var f4, f8, i4, i8 []byte
	vals := []float64{1.5, -2, 0, 1e6, 3.25, -7}
	for _, v := range vals {
		f4 = le.AppendUint32(f4, math.Float32bits(float32(v)))
		f8 = le.AppendUint64(f8, math.Float64bits(v))
		i4 = le.AppendUint32(i4, uint32(int32(math.Floor(v))))
		i8 = le.AppendUint64(i8, uint64(int64(math.Floor(v))))
	}
	floors := []float32{1, -2, 0, 1e6, 3, -7}
	for _, tc := range []struct {
		name  string
		b     []byte
		shape []int
		want  []float32
	}{
		{"f4 v1", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4), []int{2, 3}, []float32{1.5, -2, 0, 1e6, 3.25, -7}},
		{"f8 v2, keys reordered, double quotes", npyBytes(2, `{"shape": (3, 2), "fortran_order": False, "descr": "<f8"}`, f8), []int{3, 2}, []float32{1.5, -2, 0, 1e6, 3.25, -7}},
		{"i4 1-D", npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", i4), []int{6}, floors},
		{"i8 v3 python2 long", npyBytes(3, "{'descr': '<i8', 'fortran_order': False, 'shape': (6L, 1L), }", i8), []int{6, 1}, floors},
		{"u1", npyBytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }", []byte{0, 128, 255}), []int{1, 3}, []float32{0, 128, 255}},
		{"scalar", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f4[:4]), []int{}, []float32{1.5}},
		{"empty array", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", nil), []int{0, 5}, []float32{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shape, data, err := ReadNPY(bytes.NewReader(tc.b))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, tc.shape) || !slices.Equal(data, tc.want) {
				t.Errorf("got shape %v data %v, want %v %v", shape, data, tc.shape, tc.want)
			}
		})
	}
}

func TestReadNPYErrors(t *testing.T) {
	hdr := func(descr, fortran, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
	}
	good := npyBytes(1, hdr("<f4", "False", "(2,)"), make([]byte, 8))
	nan := binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(math.NaN())))
	big := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300))
	for _, tc := range []struct {
		name string
		b    []byte
		want []string
	}{
		{"empty", nil, []string{"empty file"}},
		{"bad magic", []byte("PK\x03\x04 not numpy"), []string{"bad magic number"}},
		{"short preamble", []byte("\x93NUM"), []string{"truncated", "got 4"}},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), good[8:]...), []string{"version 4.0"}},
		{"short header", good[:40], []string{"truncated", "header needs 118 bytes, got 30"}},
		{"short data", good[:len(good)-3], []string{"truncated", "needs 8 data bytes, got 5"}},
		{"trailing data", append(append([]byte{}, good...), 0), []string{"trailing data"}},
		{"big-endian", npyBytes(1, hdr(">f4", "False", "(2,)"), make([]byte, 8)), []string{"big-endian"}},
		{"complex", npyBytes(1, hdr("<c8", "False", "(2,)"), make([]byte, 16)), []string{`dtype "<c8" not supported`}},
		{"fortran", npyBytes(1, hdr("<f4", "True", "(2, 2)"), make([]byte, 16)), []string{"Fortran-order"}},
		{"missing shape", npyBytes(1, "{'descr': '<f4', 'fortran_order': False}", nil), []string{`no "shape" key`}},
		{"unknown key", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", nil), []string{`unknown key "x"`}},
		{"negative dim", npyBytes(1, hdr("<f4", "False", "(-1,)"), nil), []string{"shape: want a tuple"}},
		{"not a dict", npyBytes(1, "hello", nil), []string{"not a dict"}},
		{"NaN", npyBytes(1, hdr("<f4", "False", "(1,)"), nan), []string{"element 0", "NaN"}},
		{"f8 overflows float32", npyBytes(1, hdr("<f8", "False", "(1,)"), big), []string{"element 0", "+Inf"}},
		{"huge claim", npyBytes(1, hdr("<f4", "False", "(1000000000, 784)"), nil), []string{"limit"}},
		{"huge header length", append([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), good[10:]...), []string{"header length 4294967295"}},
		{"claim beyond data", npyBytes(1, hdr("<f4", "False", "(1000000000,)"), make([]byte, 8)), []string{"truncated", "needs 4000000000 data bytes, got 8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadNPY(bytes.NewReader(tc.b))
			checkErr(t, err, append([]string{"npy: "}, tc.want...)...)
			if grew := allocBytes(func() { ReadNPY(bytes.NewReader(tc.b)) }); grew > 4<<20 {
				t.Errorf("allocated %d bytes for a %d-byte input", grew, len(tc.b))
			}
		})
	}
	if !strings.HasPrefix(string(good), "\x93NUMPY\x01\x00") || (len(good)-8)%64 != 0 {
		t.Fatalf("test helper wrote a bad preamble or padding")
	}
}
