package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

const (
	// MaxNPYBytes caps the data size an .npy header may claim (4 GiB); a
	// larger claim is refused before anything is allocated.
	MaxNPYBytes = 1 << 32

	npyMaxHeader = 1 << 16 // numpy itself refuses headers over 10000 bytes by default
	npyMaxDims   = 32
)

// ReadNPY reads a NumPy .npy array (format version 1, 2 or 3) in C order with
// a little-endian element type f4, f8, u1, i4 or i8, and returns its shape
// and its elements converted to float32. An element that is NaN or Inf after
// conversion is an error. The header is checked before the data is
// allocated, and the data buffer grows only as bytes arrive.
func ReadNPY(r io.Reader) (shape []int, data []float32, err error) {
	shape, data, err = readNPY(r)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	return shape, data, nil
}

// npyTypes maps the supported dtype descriptors to element sizes.
var npyTypes = map[string]int{"<f4": 4, "<f8": 8, "|u1": 1, "<u1": 1, "<i4": 4, "<i8": 8}

func readNPY(r io.Reader) ([]int, []float32, error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	n, err := io.ReadFull(br, pre[:])
	if n == 0 && (err == io.EOF || err == nil) {
		return nil, nil, errors.New("empty file")
	}
	if n >= 6 && string(pre[:6]) != "\x93NUMPY" || n < 6 && string(pre[:n]) != "\x93NUMPY"[:n] {
		return nil, nil, fmt.Errorf("bad magic number %q: want \"\\x93NUMPY\" (is this an .npy file?)", pre[:min(n, 6)])
	}
	if err != nil {
		return nil, nil, fmt.Errorf("truncated file: preamble needs 8 bytes, got %d", n)
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if m, err := io.ReadFull(br, b[:]); err != nil {
			return nil, nil, fmt.Errorf("truncated file: header length needs 2 bytes, got %d", m)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if m, err := io.ReadFull(br, b[:]); err != nil {
			return nil, nil, fmt.Errorf("truncated file: header length needs 4 bytes, got %d", m)
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > npyMaxHeader {
			return nil, nil, fmt.Errorf("header length %d over the %d-byte limit", h, npyMaxHeader)
		}
		hlen = int(h)
	default:
		return nil, nil, fmt.Errorf("format version %d.%d not supported (want 1, 2 or 3)", major, pre[7])
	}
	hdr := make([]byte, hlen)
	if m, err := io.ReadFull(br, hdr); err != nil {
		return nil, nil, fmt.Errorf("truncated file: header needs %d bytes, got %d", hlen, m)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, nil, fmt.Errorf("header %q: %w", clip(strings.TrimSpace(string(hdr))), err)
	}
	size, ok := npyTypes[descr]
	if !ok {
		if strings.HasPrefix(descr, ">") {
			return nil, nil, fmt.Errorf("dtype %q is big-endian: only little-endian <f4, <f8, |u1, <i4, <i8 are supported", descr)
		}
		return nil, nil, fmt.Errorf("dtype %q not supported: want <f4, <f8, |u1, <i4 or <i8", descr)
	}
	if fortran {
		return nil, nil, errors.New("Fortran-order arrays not supported: save in C order (np.ascontiguousarray)")
	}
	count := int64(1)
	for _, d := range shape {
		if d != 0 && count > MaxNPYBytes/int64(size)/int64(d) {
			return nil, nil, fmt.Errorf("shape %s claims more than the %d-byte limit", fmtDims(shape), int64(MaxNPYBytes))
		}
		count *= int64(d)
	}
	buf, err := readExactly(br, count*int64(size))
	if err != nil {
		var te *truncatedError
		if errors.As(err, &te) {
			return nil, nil, fmt.Errorf("truncated file: shape %s of %s needs %d data bytes, got %d", fmtDims(shape), descr, te.want, te.got)
		}
		return nil, nil, err
	}
	if err := expectEOF(br); err != nil {
		return nil, nil, fmt.Errorf("after %d data bytes: %w", len(buf), err)
	}
	data := make([]float32, count)
	le := binary.LittleEndian
	for i := range data {
		switch descr {
		case "<f4":
			data[i] = math.Float32frombits(le.Uint32(buf[4*i:]))
		case "<f8":
			data[i] = float32(math.Float64frombits(le.Uint64(buf[8*i:])))
		case "|u1", "<u1":
			data[i] = float32(buf[i])
		case "<i4":
			data[i] = float32(int32(le.Uint32(buf[4*i:])))
		case "<i8":
			data[i] = float32(int64(le.Uint64(buf[8*i:])))
		}
		if v := float64(data[i]); math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("element %d is %v as float32 (NaN and Inf are not allowed)", i, data[i])
		}
	}
	return shape, data, nil
}

// parseNPYHeader parses the Python dict literal of an .npy header, such as
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//
// It accepts exactly the three keys, each once, in any order.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	p := &pyLexer{s: h}
	if !p.eat('{') {
		return "", false, nil, errors.New("not a dict")
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return "", false, nil, errors.New("want a quoted key")
		}
		if seen[key] {
			return "", false, nil, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return "", false, nil, fmt.Errorf("want ':' after key %q", key)
		}
		switch key {
		case "descr":
			if descr, ok = p.str(); !ok {
				return "", false, nil, errors.New("descr: want a quoted dtype string")
			}
		case "fortran_order":
			switch w := p.word(); w {
			case "True":
				fortran = true
			case "False":
				fortran = false
			default:
				return "", false, nil, fmt.Errorf("fortran_order: want True or False, got %q", clip(w))
			}
		case "shape":
			if shape, ok = p.tuple(); !ok {
				return "", false, nil, errors.New("shape: want a tuple of non-negative integers")
			}
		default:
			return "", false, nil, fmt.Errorf("unknown key %q", clip(key))
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return "", false, nil, errors.New("want ',' or '}'")
			}
			break
		}
	}
	if strings.TrimSpace(p.s[p.i:]) != "" {
		return "", false, nil, errors.New("text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return "", false, nil, fmt.Errorf("no %q key", k)
		}
	}
	return descr, fortran, shape, nil
}

// pyLexer reads the few Python literals an .npy header uses.
type pyLexer struct {
	s string
	i int
}

func (p *pyLexer) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat consumes c (after spaces) if it comes next.
func (p *pyLexer) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string quoted with ' or " (no escapes).
func (p *pyLexer) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// word reads a run of letters, digits and underscores.
func (p *pyLexer) word() string {
	p.skip()
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

// tuple reads (), (n,), or (n, m, ...) of non-negative integers (an L suffix,
// as Python 2 wrote, is accepted).
func (p *pyLexer) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, true
		}
		w := strings.TrimSuffix(p.word(), "L")
		d, err := strconv.ParseUint(w, 10, 31)
		if err != nil || len(shape) >= npyMaxDims {
			return nil, false
		}
		shape = append(shape, int(d))
		if !p.eat(',') {
			return shape, p.eat(')')
		}
	}
}
