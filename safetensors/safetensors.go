// Package safetensors reads and writes the Hugging Face safetensors format,
// in which isonet stores a model's weights.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON
// describing each tensor as {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the start of the byte buffer) plus an optional
// "__metadata__" object of string values, then the byte buffer itself.
//
// Read accepts F32, F64, F16 and BF16 tensors and converts them to float32;
// it validates every header field before allocating. Write stores F32 only,
// in the order given, with the header padded by spaces to a multiple of 8
// bytes as the reference implementation does, so its output is deterministic.
package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/isonet/isonet/internal/atomicfile"
)

// MaxHeaderSize is the largest JSON header Read accepts, in bytes (the
// reference implementation's limit).
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding free-form string metadata.
const metadataKey = "__metadata__"

// Tensor is one named tensor. Data holds prod(Shape) values in row-major
// order, converted to float32 whatever the stored dtype; DType is the dtype as
// stored in the file ("F32", "F64", "F16", "BF16").
type Tensor struct {
	Name  string
	DType string
	Shape []int
	Data  []float32
}

// File is the content of a safetensors file: its tensors by name and its
// "__metadata__" entries (nil when the file has none).
type File struct {
	Tensors  map[string]*Tensor
	Metadata map[string]string
}

// dtypeSizes gives the byte size of every dtype Read can convert.
var dtypeSizes = map[string]int{"F32": 4, "F64": 8, "F16": 2, "BF16": 2}

// knownDTypes lists the other dtypes of the format, which Read recognises but
// refuses.
var knownDTypes = map[string]bool{
	"BOOL": true, "U8": true, "I8": true, "I16": true, "U16": true, "I32": true,
	"U32": true, "I64": true, "U64": true, "F8_E5M2": true, "F8_E4M3": true,
	"F8_E8M0": true, "F6_E2M3": true, "F6_E3M2": true, "F4": true,
	"C64": true, "C128": true,
}

// entry is one tensor's header record, validated.
type entry struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
	n          uint64 // prod(shape)
}

// Read parses a safetensors file from r. size is the total length of the
// file in bytes when known (then the header and offsets are checked against it
// before anything is allocated and the buffer must end exactly at size), or
// negative when unknown (then allocation grows only with the bytes actually
// read, and bytes after the last tensor are not read).
func Read(r io.Reader, size int64) (*File, error) {
	f, err := read(r, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// ReadFile reads the safetensors file at path (see Read).
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("safetensors: %s: not a regular file", path)
	}
	f, err := read(bufio.NewReaderSize(fh, 1<<16), st.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
}

func read(r io.Reader, size int64) (*File, error) {
	var lenBuf [8]byte
	if size >= 0 && size < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", size)
	}
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("reading header length: %w", truncated(err))
	}
	hlen := binary.LittleEndian.Uint64(lenBuf[:])
	if hlen > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", hlen, MaxHeaderSize)
	}
	if size >= 0 && hlen > uint64(size-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after the length field", hlen, size-8)
	}
	if hlen < 2 {
		return nil, fmt.Errorf("header length %d is too short for a JSON object", hlen)
	}
	header, err := readN(r, hlen, size >= 0)
	if err != nil {
		return nil, fmt.Errorf("reading %d-byte header: %w", hlen, err)
	}
	bufLen := int64(-1)
	if size >= 0 {
		bufLen = size - 8 - int64(hlen)
	}
	entries, meta, err := parseHeader(header, bufLen)
	if err != nil {
		return nil, err
	}

	f := &File{Tensors: make(map[string]*Tensor, len(entries)), Metadata: meta}
	chunk := make([]byte, 1<<16)
	for _, e := range entries {
		t, err := readTensor(r, e, size >= 0, chunk)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", e.name, err)
		}
		f.Tensors[e.name] = t
	}
	return f, nil
}

// readN reads exactly n bytes. When the total size was validated it
// allocates at once; otherwise it grows with the data actually read, so a
// lying length cannot make it allocate more than about twice the input.
func readN(r io.Reader, n uint64, validated bool) ([]byte, error) {
	if validated {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, truncated(err)
		}
		return b, nil
	}
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, r, int64(n))
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("file truncated: got %d of %d bytes", got, n)
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("file truncated")
	}
	return err
}

// readTensor reads e's bytes (which start at the reader's position) and
// converts them to float32.
func readTensor(r io.Reader, e entry, validated bool, chunk []byte) (*Tensor, error) {
	es := uint64(dtypeSizes[e.dtype])
	var data []float32
	if validated {
		data = make([]float32, 0, e.n)
	} else {
		data = make([]float32, 0, min(e.n, uint64(len(chunk))/es))
	}
	per := uint64(len(chunk)) / es // elements per chunk
	for left := e.n; left > 0; {
		k := min(left, per)
		b := chunk[:k*es]
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("reading data: %w", truncated(err))
		}
		data = decode(data, b, e.dtype)
		left -= k
	}
	return &Tensor{Name: e.name, DType: e.dtype, Shape: e.shape, Data: data}, nil
}

// decode appends the values in b, stored as dtype, to dst.
func decode(dst []float32, b []byte, dtype string) []float32 {
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, math.Float32frombits(le.Uint32(b[i:])))
		}
	case "F64":
		for i := 0; i+8 <= len(b); i += 8 {
			dst = append(dst, float32(math.Float64frombits(le.Uint64(b[i:]))))
		}
	case "F16":
		for i := 0; i+2 <= len(b); i += 2 {
			dst = append(dst, F16ToFloat32(le.Uint16(b[i:])))
		}
	case "BF16":
		for i := 0; i+2 <= len(b); i += 2 {
			dst = append(dst, BF16ToFloat32(le.Uint16(b[i:])))
		}
	default:
		panic("safetensors: decode: unsupported dtype " + dtype)
	}
	return dst
}

// F16ToFloat32 converts an IEEE 754 binary16 value, given by its bits, to
// float32 exactly (every binary16 value, subnormals, infinities and NaN
// included, is representable in float32).
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN; keep the payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	default: // subnormal: frac · 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// BF16ToFloat32 converts a bfloat16 value, given by its bits, to float32
// exactly (bfloat16 is the upper half of a float32).
func BF16ToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// parseHeader validates the JSON header and returns the tensors sorted by
// their offsets. bufLen is the byte buffer's length, or negative if unknown.
func parseHeader(header []byte, bufLen int64) ([]entry, map[string]string, error) {
	if !utf8.Valid(header) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if header[0] != '{' {
		return nil, nil, fmt.Errorf("header does not start with '{' (got %q)", header[0])
	}
	fields, err := objectFields(header)
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	var meta map[string]string
	entries := make([]entry, 0, len(fields))
	for _, kv := range fields {
		if kv.key == metadataKey {
			meta, err = parseMetadata(kv.value)
			if err != nil {
				return nil, nil, fmt.Errorf("header: %s: %w", metadataKey, err)
			}
			continue
		}
		e, err := parseEntry(kv.key, kv.value)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", kv.key, err)
		}
		entries = append(entries, e)
	}
	if err := checkOffsets(entries, bufLen); err != nil {
		return nil, nil, err
	}
	return entries, meta, nil
}

// checkOffsets sorts entries by offset and checks that they tile the buffer
// [0, bufLen) exactly: no gap, no overlap, nothing outside. A negative bufLen
// means the length is unknown; the tiling is still checked from 0.
func checkOffsets(entries []entry, bufLen int64) error {
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].begin != entries[j].begin {
			return entries[i].begin < entries[j].begin
		}
		return entries[i].end < entries[j].end
	})
	var pos uint64
	prev := ""
	for _, e := range entries {
		if bufLen >= 0 && e.end > uint64(bufLen) {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] extend past the end of the %d-byte data buffer", e.name, e.begin, e.end, bufLen)
		}
		switch {
		case e.begin > pos && prev == "":
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap at the start of the data buffer", e.name, e.begin, e.end)
		case e.begin > pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after tensor %q, which ends at %d", e.name, e.begin, e.end, prev, pos)
		case e.begin < pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d", e.name, e.begin, e.end, prev, pos)
		}
		pos = e.end
		prev = e.name
	}
	if bufLen >= 0 && pos != uint64(bufLen) {
		if prev == "" {
			return fmt.Errorf("data buffer has %d bytes but the header lists no tensors", bufLen)
		}
		return fmt.Errorf("data buffer has %d bytes but the tensors cover only %d (last is %q)", bufLen, pos, prev)
	}
	return nil
}

// parseEntry validates one tensor's header record.
func parseEntry(name string, raw json.RawMessage) (entry, error) {
	e := entry{name: name}
	fields, err := objectFields(raw)
	if err != nil {
		return e, err
	}
	var haveDType, haveShape, haveOffsets bool
	for _, kv := range fields {
		switch kv.key {
		case "dtype":
			if len(kv.value) == 0 || kv.value[0] != '"' || json.Unmarshal(kv.value, &e.dtype) != nil {
				return e, fmt.Errorf("dtype is not a string: %s", clip(kv.value))
			}
			haveDType = true
		case "shape":
			nums, err := uintArray(kv.value)
			if err != nil {
				return e, fmt.Errorf("shape: %w", err)
			}
			e.shape = make([]int, len(nums))
			for i, d := range nums {
				if d > math.MaxInt {
					return e, fmt.Errorf("shape: dimension %d is %d, too large", i, d)
				}
				e.shape[i] = int(d)
			}
			haveShape = true
		case "data_offsets":
			nums, err := uintArray(kv.value)
			if err != nil {
				return e, fmt.Errorf("data_offsets: %w", err)
			}
			if len(nums) != 2 {
				return e, fmt.Errorf("data_offsets has %d numbers, want 2 [begin, end]", len(nums))
			}
			e.begin, e.end = nums[0], nums[1]
			haveOffsets = true
		}
		// Unknown fields are ignored, as the reference implementation does.
	}
	switch {
	case !haveDType:
		return e, errors.New("missing dtype")
	case !haveShape:
		return e, errors.New("missing shape")
	case !haveOffsets:
		return e, errors.New("missing data_offsets")
	}
	es, ok := dtypeSizes[e.dtype]
	if !ok {
		if knownDTypes[e.dtype] {
			return e, fmt.Errorf("unsupported dtype %s (supported: F32, F64, F16, BF16)", e.dtype)
		}
		return e, fmt.Errorf("unknown dtype %q", clip([]byte(e.dtype)))
	}
	if e.begin > e.end {
		return e, fmt.Errorf("data_offsets [%d, %d]: begin is after end", e.begin, e.end)
	}
	n := uint64(1)
	for _, d := range e.shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt64/8 {
			return e, fmt.Errorf("shape %v: element count overflows", e.shape)
		}
		n = lo
	}
	e.n = n
	if want := n * uint64(es); e.end-e.begin != want {
		return e, fmt.Errorf("data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d", e.begin, e.end, e.end-e.begin, e.shape, e.dtype, want)
	}
	return e, nil
}

// parseMetadata validates the "__metadata__" object: string keys, string
// values.
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	fields, err := objectFields(raw)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(fields))
	for _, kv := range fields {
		var s string
		if len(kv.value) == 0 || kv.value[0] != '"' || json.Unmarshal(kv.value, &s) != nil {
			return nil, fmt.Errorf("value of %q is not a string: %s", kv.key, clip(kv.value))
		}
		m[kv.key] = s
	}
	return m, nil
}

type keyValue struct {
	key   string
	value json.RawMessage
}

// objectFields parses raw as one JSON object followed only by whitespace
// and returns its members in order, rejecting duplicate keys.
func objectFields(raw []byte) ([]keyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object: %s", clip(raw))
	}
	var out []keyValue
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("malformed JSON: key %v is not a string", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("malformed JSON at %q: %w", key, err)
		}
		if seen[key] {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		out = append(out, keyValue{key, v})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	rest := raw[dec.InputOffset():]
	if len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return nil, fmt.Errorf("trailing data after the JSON object: %s", clip(rest))
	}
	return out, nil
}

// uintArray parses a JSON array of non-negative integers.
func uintArray(raw json.RawMessage) ([]uint64, error) {
	var nums []json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&nums); err != nil || nums == nil {
		return nil, fmt.Errorf("not an array of integers: %s", clip(raw))
	}
	out := make([]uint64, len(nums))
	for i, s := range nums {
		v, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			if len(s) > 0 && s[0] == '-' {
				return nil, fmt.Errorf("element %d is negative (%s)", i, s)
			}
			return nil, fmt.Errorf("element %d is not a non-negative integer below 2^64 (%s)", i, clip([]byte(s)))
		}
		out[i] = v
	}
	return out, nil
}

// clip shortens b for an error message.
func clip(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// Get returns the tensor called name. If shape is given, the tensor's shape
// must equal it. The error names the tensor and, for a mismatch, both shapes.
func (f *File) Get(name string, shape ...int) (*Tensor, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: tensor %q is missing", name)
	}
	if len(shape) > 0 && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("safetensors: tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	return t, nil
}

// Names returns the names of f's tensors, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Tensors))
	for n := range f.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Write writes tensors to w in safetensors format, as F32 in the order
// given (each tensor's DType is ignored), with metadata as "__metadata__"
// (omitted when empty; keys sorted). The header is padded with spaces to a
// multiple of 8 bytes, as the reference implementation does. The same
// arguments give the same bytes. Names must be distinct and not
// "__metadata__", and len(Data) must equal the product of Shape; these are
// checked before anything is written.
func Write(w io.Writer, tensors []*Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	buf := make([]byte, 0, 1<<16)
	for _, t := range tensors {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return fmt.Errorf("safetensors: %w", err)
				}
				buf = buf[:0]
			}
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("safetensors: %w", err)
		}
	}
	return nil
}

// WriteFile writes tensors to path (see Write) atomically: the file either
// appears complete or is left as it was.
func WriteFile(path string, tensors []*Tensor, metadata map[string]string) error {
	if _, err := encodeHeader(tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return Write(w, tensors, metadata)
	})
}

// encodeHeader validates tensors and builds the padded JSON header.
func encodeHeader(tensors []*Tensor, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		sep()
		writeString(&b, metadataKey)
		b.WriteString(":{")
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k)
			b.WriteByte(':')
			writeString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	var off uint64
	for i, t := range tensors {
		if t == nil {
			return nil, fmt.Errorf("tensor %d is nil", i)
		}
		switch {
		case t.Name == metadataKey:
			return nil, fmt.Errorf("tensor %d: the name %q is reserved", i, metadataKey)
		case seen[t.Name]:
			return nil, fmt.Errorf("tensor %q appears twice", t.Name)
		case !utf8.ValidString(t.Name):
			return nil, fmt.Errorf("tensor %q: name is not valid UTF-8", t.Name)
		}
		seen[t.Name] = true
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v needs %d values, Data has %d", t.Name, t.Shape, n, len(t.Data))
		}
		sep()
		writeString(&b, t.Name)
		b.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := off + 4*uint64(n)
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("metadata %q: not valid UTF-8", k)
		}
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// writeString writes s as a JSON string without HTML escaping (as
// serde_json does).
func writeString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}
