package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// file builds a safetensors file by hand: the length prefix, the header
// exactly as given (no padding added) and the data bytes.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// f32s returns the little-endian bytes of vs as float32.
func f32s(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func u16s(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	return b
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestReadHandWritten reads a file whose bytes are spelled out here: the
// layout of a Linear layer as PyTorch's safetensors writes it, with metadata
// and space padding.
func TestReadHandWritten(t *testing.T) {
	header := `{"__metadata__":{"format":"pt"},` +
		`"layers.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},` +
		`"layers.0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}   `
	data := []byte{
		0x00, 0x00, 0x80, 0x3f, // 1
		0x00, 0x00, 0x00, 0xc0, // -2
		0x00, 0x00, 0xc0, 0x3f, // 1.5
		0x00, 0x00, 0x00, 0x00, // 0
		0x00, 0x00, 0x80, 0xbe, // -0.25
		0xdb, 0x0f, 0x49, 0x40, // float32(pi)
		0x00, 0x00, 0x20, 0x41, // 10
		0x00, 0x00, 0x80, 0xff, // -Inf
	}
	raw := file(header, data)
	for _, size := range []int64{int64(len(raw)), -1} {
		f, err := Read(bytes.NewReader(raw), size)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		w, err := f.Get("layers.0.weight", 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		want := []float32{1, -2, 1.5, 0, -0.25, math.Pi}
		if !sameBits(w.Data, want) || w.DType != "F32" || w.Name != "layers.0.weight" {
			t.Errorf("weight = %+v, want data %v", w, want)
		}
		b, err := f.Get("layers.0.bias", 2)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(b.Data, []float32{10, float32(math.Inf(-1))}) {
			t.Errorf("bias = %v", b.Data)
		}
		if len(f.Metadata) != 1 || f.Metadata["format"] != "pt" {
			t.Errorf("metadata = %v", f.Metadata)
		}
		if got := f.Names(); !slices.Equal(got, []string{"layers.0.bias", "layers.0.weight"}) {
			t.Errorf("Names = %v", got)
		}
	}
}

// TestWriteExactBytes checks Write's output byte for byte against a file
// spelled out by hand.
func TestWriteExactBytes(t *testing.T) {
	var buf bytes.Buffer
	ts := []*Tensor{
		{Name: "z<&>", Shape: []int{2}, Data: []float32{1, -2}},
		{Name: "a", Shape: []int{}, Data: []float32{0.5}},
		{Name: "e", Shape: []int{0, 3}, Data: nil},
	}
	if err := Write(&buf, ts, map[string]string{"b": "2", "a": "x\"y"}); err != nil {
		t.Fatal(err)
	}
	header := `{"__metadata__":{"a":"x\"y","b":"2"},` +
		`"z<&>":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]},` +
		`"e":{"dtype":"F32","shape":[0,3],"data_offsets":[12,12]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	want := file(header, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0x3f})
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Write wrote\n%q\nwant\n%q", buf.Bytes(), want)
	}
	// No metadata: the key is omitted.
	buf.Reset()
	if err := Write(&buf, ts[1:2], map[string]string{}); err != nil {
		t.Fatal(err)
	}
	want = file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}   ` /* 53 bytes + 3 spaces */, f32s(0.5))
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Write wrote\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	var ts []*Tensor
	for i, shape := range [][]int{{3, 4}, {4}, {}, {2, 0}, {1, 1, 5}, {70000}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for j := range data {
			data[j] = float32(math.Sin(float64(i*1000+j))) * 1e3
		}
		ts = append(ts, &Tensor{Name: string(rune('a'+i)) + ".w", Shape: shape, Data: data})
	}
	ts[0].Data[0] = float32(math.NaN())
	ts[0].Data[1] = float32(math.Inf(1))
	ts[0].Data[2] = float32(math.Copysign(0, -1))
	ts[0].Data[3] = math.SmallestNonzeroFloat32
	meta := map[string]string{"seed": "7", "β": "1", "json": `{"a":[1,2]}`}

	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := WriteFile(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(raw)
	if hlen%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", hlen)
	}
	wantSize := 8 + int(hlen)
	for _, tt := range ts {
		wantSize += 4 * len(tt.Data)
	}
	if len(raw) != wantSize {
		t.Errorf("file is %d bytes, want %d", len(raw), wantSize)
	}
	// Deterministic: the same call gives the same bytes (map order varies).
	for range 5 {
		var buf bytes.Buffer
		if err := Write(&buf, ts, meta); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), raw) {
			t.Fatal("Write is not deterministic")
		}
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(ts) {
		t.Errorf("read %d tensors, want %d", len(f.Tensors), len(ts))
	}
	for _, want := range ts {
		got, err := f.Get(want.Name, want.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != "F32" || !slices.Equal(got.Shape, want.Shape) || !sameBits(got.Data, want.Data) {
			t.Errorf("tensor %s: got shape %v dtype %s, data equal %v", want.Name, got.Shape, got.DType, sameBits(got.Data, want.Data))
		}
	}
	if len(f.Metadata) != len(meta) {
		t.Errorf("metadata = %v, want %v", f.Metadata, meta)
	}
	for k, v := range meta {
		if f.Metadata[k] != v {
			t.Errorf("metadata[%q] = %q, want %q", k, f.Metadata[k], v)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want only the file", len(entries))
	}
}

func TestF16BF16F64(t *testing.T) {
	f16 := []struct {
		bits uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x3e00, 1.5}, {0x3555, 0.333251953125},
		{0x7bff, 65504}, {0x0400, 6.103515625e-05}, // smallest normal 2^-14
		{0x0001, 5.960464477539063e-08}, // smallest subnormal 2^-24
		{0x03ff, 6.097555160522461e-05}, // largest subnormal 1023·2^-24
		{0x8001, -5.960464477539063e-08},
		{0x0000, 0}, {0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	bf16 := []struct {
		bits uint16
		want float32
	}{
		{0x3f80, 1}, {0xc040, -3}, {0x4049, 3.140625}, {0x7f80, float32(math.Inf(1))},
		{0x7f7f, 3.3895313892515355e+38}, {0x0001, 9.183549615799121e-41}, // 2^-133
	}
	var fb, bb []uint16
	var fw, bw []float32
	for _, c := range f16 {
		if got := F16ToFloat32(c.bits); got != c.want {
			t.Errorf("F16ToFloat32(%#04x) = %g, want %g", c.bits, got, c.want)
		}
		fb, fw = append(fb, c.bits), append(fw, c.want)
	}
	for _, c := range bf16 {
		if got := BF16ToFloat32(c.bits); got != c.want {
			t.Errorf("BF16ToFloat32(%#04x) = %g, want %g", c.bits, got, c.want)
		}
		bb, bw = append(bb, c.bits), append(bw, c.want)
	}
	if got := F16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToFloat32(0x8000) = %g, want -0", got)
	}
	if got := F16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("F16ToFloat32(0x7e00) = %g, want NaN", got)
	}
	// F64 values, including ones that round or overflow float32.
	f64 := []float64{0.1, -1e300, 1e-50, 123456789.123}
	f64w := []float32{0.1, float32(math.Inf(-1)), 0, 123456792}
	var f64b []byte
	for _, v := range f64 {
		f64b = binary.LittleEndian.AppendUint64(f64b, math.Float64bits(v))
	}
	n1, n2 := 2*len(fb), 2*len(fb)+2*len(bb)
	header := `{"h":{"dtype":"F16","shape":[` + itoa(len(fb)) + `],"data_offsets":[0,` + itoa(n1) + `]},` +
		`"b":{"dtype":"BF16","shape":[` + itoa(len(bb)) + `],"data_offsets":[` + itoa(n1) + `,` + itoa(n2) + `]},` +
		`"d":{"dtype":"F64","shape":[2,2],"data_offsets":[` + itoa(n2) + `,` + itoa(n2+32) + `]}}`
	raw := file(header, append(append(u16s(fb...), u16s(bb...)...), f64b...))
	f, err := Read(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, dtype string
		want        []float32
	}{{"h", "F16", fw}, {"b", "BF16", bw}, {"d", "F64", f64w}} {
		got := f.Tensors[c.name]
		if got.DType != c.dtype || !slices.Equal(got.Data, c.want) {
			t.Errorf("tensor %s: dtype %s data %v, want %s %v", c.name, got.DType, got.Data, c.dtype, c.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCorrupt checks that each kind of damaged file is refused with an
// error naming the problem (and the tensor, where there is one).
func TestCorrupt(t *testing.T) {
	ok := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	two := func(a, b string) string {
		return `{"a":{"dtype":"F32","shape":[1],"data_offsets":` + a + `},"b":{"dtype":"F32","shape":[1],"data_offsets":` + b + `}}`
	}
	lenOnly := func(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }
	cases := []struct {
		name string
		raw  []byte
		want []string // substrings of the error
	}{
		{"empty", nil, []string{"shorter than the 8-byte"}},
		{"short", []byte{1, 2, 3}, []string{"shorter than the 8-byte"}},
		{"header past end", append(lenOnly(100), `{}`...), []string{"header length 100 exceeds the 2 bytes"}},
		{"header over cap", append(lenOnly(MaxHeaderSize+1), `{}`...), []string{"exceeds the limit"}},
		{"header length 0", lenOnly(0), []string{"too short"}},
		{"not json", file(`{"w":`, nil), []string{"malformed JSON"}},
		{"not object", file(`[1,2]`, nil), []string{"does not start with '{'"}},
		{"leading space", file(` {}`, nil), []string{"does not start with '{'"}},
		{"trailing garbage", file(`{}  x`, nil), []string{"trailing data"}},
		{"bad utf8", file("{\"\xff\":1}", nil), []string{"UTF-8"}},
		{"duplicate tensor", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32s(1, 2)), []string{`duplicate key "w"`}},
		{"duplicate field", file(`{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}`, f32s(1)), []string{`duplicate key "dtype"`, `"w"`}},
		{"missing dtype", file(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "missing dtype"}},
		{"missing shape", file(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "missing shape"}},
		{"missing offsets", file(`{"w":{"dtype":"F32","shape":[2]}}`, f32s(1, 2)), []string{`tensor "w"`, "missing data_offsets"}},
		{"info not object", file(`{"w":[1]}`, nil), []string{`tensor "w"`, "not a JSON object"}},
		{"dtype not string", file(`{"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "dtype is not a string"}},
		{"dtype null", file(`{"w":{"dtype":null,"shape":[2],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "dtype is not a string"}},
		{"unsupported dtype", file(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "unsupported dtype I64"}},
		{"unknown dtype", file(`{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, `unknown dtype "F33"`}},
		{"negative dim", file(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "negative"}},
		{"fractional dim", file(`{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "shape", "2.5"}},
		{"shape not array", file(`{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "shape: not an array"}},
		{"shape null", file(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "shape: not an array"}},
		{"three offsets", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "has 3 numbers"}},
		{"negative offset", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}`, f32s(1, 2)), []string{`tensor "w"`, "negative"}},
		{"begin after end", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, f32s(1, 2)), []string{`tensor "w"`, "begin is after end"}},
		{"byte count", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "hold 8 bytes", "needs 12"}},
		{"past buffer", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32s(1, 2)), []string{`tensor "w"`, "past the end of the 8-byte data buffer"}},
		{"gap at start", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "gap at the start"}},
		{"gap between", file(two("[0,4]", "[8,12]"), f32s(1, 2, 3)), []string{`tensor "b"`, `gap after tensor "a"`}},
		{"overlap", file(two("[0,4]", "[0,4]"), f32s(1)), []string{`overlap tensor "a"`}},
		{"overlap shifted", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32s(1, 2)), []string{`tensor "b"`, `overlap tensor "a"`}},
		{"uncovered tail", file(ok, f32s(1, 2, 3)), []string{"data buffer has 12 bytes but the tensors cover only 8"}},
		{"no tensors but data", file(`{}`, f32s(1)), []string{"lists no tensors"}},
		{"overflow", file(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "overflows"}},
		{"overflow x8", file(`{"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "overflows"}},
		{"huge dim", file(`{"w":{"dtype":"F32","shape":[18446744073709551615,0],"data_offsets":[0,0]}}`, nil), []string{`tensor "w"`, "too large"}},
		{"huge number", file(`{"w":{"dtype":"F32","shape":[1e30],"data_offsets":[0,8]}}`, f32s(1, 2)), []string{`tensor "w"`, "shape"}},
		{"metadata value", file(`{"__metadata__":{"k":1}}`, nil), []string{"__metadata__", `"k" is not a string`}},
		{"metadata null value", file(`{"__metadata__":{"k":null}}`, nil), []string{"__metadata__", `"k" is not a string`}},
		{"metadata not object", file(`{"__metadata__":"x"}`, nil), []string{"__metadata__", "not a JSON object"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.raw), int64(len(c.raw)))
			if err == nil {
				t.Fatalf("Read accepted a corrupt file")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not a one-line safetensors error", err)
			}
			// Unknown size: still an error (the same one unless the check
			// needed the size).
			if _, err := Read(bytes.NewReader(c.raw), -1); err == nil && len(c.raw) >= 8 &&
				!strings.Contains(c.name, "tail") && !strings.Contains(c.name, "but data") && !strings.Contains(c.name, "past") {
				t.Errorf("Read with unknown size accepted a corrupt file")
			}
		})
	}
	// The sanity check: the base file is fine.
	raw := file(ok, f32s(1, 2))
	if _, err := Read(bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
}

// TestTruncated cuts a valid file at every length; every prefix must fail.
func TestTruncated(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []*Tensor{{Name: "w", Shape: []int{3}, Data: []float32{1, 2, 3}}}, nil); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	for n := range len(raw) {
		for _, size := range []int64{int64(n), -1} {
			if _, err := Read(bytes.NewReader(raw[:n]), size); err == nil {
				t.Errorf("prefix of %d bytes (size %d) accepted", n, size)
			}
		}
	}
	// A size larger than the reader holds: the reader runs dry.
	_, err := Read(bytes.NewReader(raw[:len(raw)-4]), int64(len(raw)))
	if err == nil || !strings.Contains(err.Error(), `tensor "w"`) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("short reader: error %v, want tensor \"w\" ... truncated", err)
	}
}

// TestBoundedAllocation: headers that claim a lot of data in a short file
// are refused without allocating what they claim.
func TestBoundedAllocation(t *testing.T) {
	cases := map[string][]byte{
		// 10^9 float32s claimed, 8 bytes present, size unknown.
		"big tensor": file(`{"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}`, f32s(1, 2)),
		// A 90 MB header claimed, a few bytes present, size unknown.
		"big header": append(binary.LittleEndian.AppendUint64(nil, 90_000_000), `{"w":`...),
	}
	for name, raw := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Read(bytes.NewReader(raw), -1)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: error %v, want truncated", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("%s: allocated %d bytes", name, got)
		}
		// With the size known it is refused before reading the data.
		if _, err := Read(bytes.NewReader(raw), int64(len(raw))); err == nil {
			t.Errorf("%s: accepted with known size", name)
		}
	}
}

func TestUnknownSizeIgnoresTrailingBytes(t *testing.T) {
	raw := file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32s(7, 8))
	f, err := Read(bytes.NewReader(raw), -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Tensors["w"].Data; !slices.Equal(got, []float32{7}) {
		t.Errorf("w = %v, want [7]", got)
	}
}

func TestGet(t *testing.T) {
	f := &File{Tensors: map[string]*Tensor{"w": {Name: "w", DType: "F32", Shape: []int{2, 3}, Data: make([]float32, 6)}}}
	if _, err := f.Get("w", 2, 3); err != nil {
		t.Error(err)
	}
	if _, err := f.Get("w"); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		name  string
		shape []int
		want  string
	}{
		{"v", nil, `safetensors: tensor "v" is missing`},
		{"w", []int{3, 2}, `safetensors: tensor "w" has shape [2 3], want [3 2]`},
		{"w", []int{6}, `safetensors: tensor "w" has shape [2 3], want [6]`},
	} {
		_, err := f.Get(c.name, c.shape...)
		if err == nil || err.Error() != c.want {
			t.Errorf("Get(%q, %v) error %v, want %q", c.name, c.shape, err, c.want)
		}
	}
}

func TestWriteInvalid(t *testing.T) {
	cases := []struct {
		name string
		ts   []*Tensor
		meta map[string]string
		want string
	}{
		{"nil", []*Tensor{nil}, nil, "tensor 0 is nil"},
		{"reserved", []*Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}}, nil, "reserved"},
		{"duplicate", []*Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}}, nil, `tensor "a" appears twice`},
		{"length", []*Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1}}}, nil, `tensor "a": shape [2 2] needs 4 values, Data has 1`},
		{"negative", []*Tensor{{Name: "a", Shape: []int{-1}, Data: nil}}, nil, `tensor "a": negative dimension`},
		{"bad utf8 meta", nil, map[string]string{"k": "\xff"}, "not valid UTF-8"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Write(&buf, c.ts, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", c.name, buf.Len())
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "m.safetensors")
		if err := WriteFile(path, c.ts, c.meta); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: WriteFile error %v, want one naming %s", c.name, err, path)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: WriteFile left %d files", c.name, len(entries))
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteFailingWriter(t *testing.T) {
	ts := []*Tensor{{Name: "w", Shape: []int{100000}, Data: make([]float32, 100000)}}
	for _, n := range []int{0, 8, 100, 70000} {
		if err := Write(&failWriter{n: n}, ts, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("writer failing after %d bytes: error %v", n, err)
		}
	}
}

func TestWriteFileKeepsOldOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	good := []*Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}
	if err := WriteFile(path, good, nil); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	if err := WriteFile(path, []*Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1}}}, nil); err == nil {
		t.Fatal("WriteFile accepted a bad tensor")
	}
	now, _ := os.ReadFile(path)
	if !bytes.Equal(old, now) {
		t.Error("failed WriteFile changed the existing file")
	}
	if _, err := ReadFile(filepath.Join(dir, "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad"), []byte("not a model at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(filepath.Join(dir, "bad")); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "bad")) {
		t.Errorf("ReadFile of a corrupt file: %v, want an error naming the path", err)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("ReadFile of a directory: %v", err)
	}
}
