package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/isonet/isonet/tensor"
)

// IDX is the content of one IDX file (the format of the MNIST files): the
// element type code, the dimensions, and the raw big-endian data.
type IDX struct {
	Type byte   // element type; only 0x08 (unsigned byte) is read
	Dims []int  // dimensions, outermost first (e.g. [60000 28 28])
	Data []byte // the elements in row-major order

	// pixels holds the data of a trusted images file converted while read
	// (readIDX with pix), in place of Data.
	pixels *tensor.Mat
}

// IDX element type codes, and the ones this package reads.
const (
	idxUbyte = 0x08

	// MaxIDXBytes caps the data size an IDX header may claim (4 GiB); a
	// larger claim is refused before anything is allocated.
	MaxIDXBytes = 1 << 32

	idxMaxDims = 16
)

var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// ReadIDX reads one IDX file from r, gzip-compressed or not (gzip is
// recognised by its magic bytes 1f 8b). Only the unsigned-byte element type
// is supported. Header fields are checked before anything is allocated, and
// the data buffer grows only as bytes actually arrive, so a header that
// claims more data than the stream holds fails as a truncated file.
func ReadIDX(r io.Reader) (*IDX, error) {
	m, err := readIDX(r, -1, true, false)
	if err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	return m, nil
}

// ReadIDXFile reads the IDX file at path, gzip-compressed or plain (see
// ReadIDX). For a plain file, a header that claims more data than the file
// holds is refused before reading the data.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	m, err := readIDX(f, size, true, false)
	if err != nil {
		return nil, fmt.Errorf("idx: %s: %w", path, err)
	}
	return m, nil
}

// readIDX reads an IDX stream. size is the length of r in bytes when known
// (it is ignored for gzip input), -1 otherwise. gz says whether r may be
// gzip-compressed (one layer only). pix says the stream is trusted (its
// checksum was verified): the data of an N×… file is then converted to
// pixels in [0, 1] as it arrives, into a matrix allocated from the header,
// instead of being kept as bytes (which would double the memory a set
// needs while it is built).
func readIDX(r io.Reader, size int64, gz, pix bool) (*IDX, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if len(magic) == 0 {
		if err == io.EOF || err == nil {
			return nil, errors.New("empty file")
		}
		return nil, err
	}
	if gz && len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		m, err := readIDX(zr, -1, false, pix)
		if err != nil {
			return nil, fmt.Errorf("gzip content: %w", err)
		}
		return m, nil
	}
	if len(magic) < 4 {
		return nil, fmt.Errorf("truncated file: header needs 4 bytes of magic number, got %d", len(magic))
	}
	if magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > idxMaxDims {
		return nil, fmt.Errorf("bad magic number %02x %02x %02x %02x: want 00 00 <type> <1..%d dims> (is this an IDX file?)",
			magic[0], magic[1], magic[2], magic[3], idxMaxDims)
	}
	typ, nd := magic[2], int(magic[3])
	if typ != idxUbyte {
		name, ok := idxTypeNames[typ]
		if !ok {
			return nil, fmt.Errorf("bad magic number %02x %02x %02x %02x: unknown element type 0x%02x", magic[0], magic[1], magic[2], magic[3], typ)
		}
		return nil, fmt.Errorf("element type 0x%02x (%s) not supported: only unsigned byte (0x08) is", typ, name)
	}
	hdrLen := 4 + 4*nd
	hdr := make([]byte, hdrLen)
	if n, err := io.ReadFull(br, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("truncated file: header of %d dimensions needs %d bytes, got %d", nd, hdrLen, n)
		}
		return nil, err
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4+4*i:])
		dims[i] = int(d)
		if d != 0 && total > MaxIDXBytes/int64(d) {
			return nil, fmt.Errorf("header claims dimensions %s, more than the %d-byte limit", dimString(hdr[4:], nd), int64(MaxIDXBytes))
		}
		total *= int64(d)
	}
	if total > MaxIDXBytes {
		return nil, fmt.Errorf("header claims dimensions %s, more than the %d-byte limit", fmtDims(dims), int64(MaxIDXBytes))
	}
	if size >= 0 && total > size-int64(hdrLen) {
		return nil, fmt.Errorf("truncated file: header claims %s, got %d (from the file size)", claim(dims, total), max(size-int64(hdrLen), 0))
	}
	if pix && nd >= 2 && total > 0 {
		x := tensor.New(dims[0], int(total/int64(dims[0])))
		if got, err := readPixels(br, x.Data); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("truncated file: header claims %s, got %d", claim(dims, total), got)
			}
			return nil, err
		}
		if err := expectEOF(br); err != nil {
			return nil, fmt.Errorf("after %s: %w", claim(dims, total), err)
		}
		return &IDX{Type: typ, Dims: dims, pixels: x}, nil
	}
	buf, err := readExactly(br, total)
	if err != nil {
		var te *truncatedError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("truncated file: header claims %s, got %d", claim(dims, te.want), te.got)
		}
		return nil, err
	}
	if err := expectEOF(br); err != nil {
		return nil, fmt.Errorf("after %s: %w", claim(dims, total), err)
	}
	return &IDX{Type: typ, Dims: dims, Data: buf}, nil
}

// claim describes the data an IDX header promises: "2×3 = 6 data bytes".
func claim(dims []int, n int64) string {
	if len(dims) == 1 {
		return fmt.Sprintf("%d data bytes", n)
	}
	return fmt.Sprintf("%s = %d data bytes", fmtDims(dims), n)
}

func dimString(b []byte, nd int) string {
	dims := make([]int, nd)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(b[4*i:]))
	}
	return fmtDims(dims)
}

// fmtDims writes dims as 60000×28×28.
func fmtDims(dims []int) string {
	var sb strings.Builder
	for i, d := range dims {
		if i > 0 {
			sb.WriteString("×")
		}
		fmt.Fprint(&sb, d)
	}
	return sb.String()
}

// truncatedError says a stream ended after got of want bytes.
type truncatedError struct{ want, got int64 }

func (e *truncatedError) Error() string {
	return fmt.Sprintf("truncated file: expected %d bytes, got %d", e.want, e.got)
}

// readExactly reads exactly n bytes from r. Its buffer grows with the bytes
// actually read, so a stream that promises more than it holds costs memory
// in proportion to what it holds. A short stream gives a *truncatedError.
func readExactly(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<16))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, &truncatedError{want: n, got: int64(len(buf))}
			}
			return nil, err
		}
	}
	return buf, nil
}

// pixelScale maps a byte to its pixel value in [0, 1].
var pixelScale = func() (s [256]float32) {
	for i := range s {
		s[i] = float32(i) / 255
	}
	return s
}()

// readPixels fills dst with the next len(dst) bytes of r, each mapped by
// pixelScale, and returns how many bytes it read.
func readPixels(r io.Reader, dst []float32) (int, error) {
	var buf [32 << 10]byte
	got := 0
	for got < len(dst) {
		n, err := io.ReadFull(r, buf[:min(len(buf), len(dst)-got)])
		for i, b := range buf[:n] {
			dst[got+i] = pixelScale[b]
		}
		got += n
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// expectEOF checks that r has nothing left. Reading to the end also makes a
// gzip reader verify its checksum.
func expectEOF(r io.Reader) error {
	var b [512]byte
	extra := 0
	for {
		n, err := r.Read(b[:])
		extra += n
		if extra > 0 && (err != nil || extra >= 1<<20) {
			return fmt.Errorf("unexpected trailing data (%d+ bytes)", extra)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// LoadIDXPair loads a labelled set from an images IDX file (N×… unsigned
// bytes, each image flattened and scaled by 1/255 into [0, 1]) and a labels
// IDX file (N unsigned bytes). Either may be gzipped. The class count is one
// more than the largest label. Counts that differ are an error.
func LoadIDXPair(imagesPath, labelsPath string) (*Set, error) {
	img, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	lab, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(imagesPath), ".gz")
	return idxSet(name, img, lab, imagesPath, labelsPath)
}

// idxSet builds a set from images and labels IDX contents; the paths are for
// error messages.
func idxSet(name string, img, lab *IDX, imagesPath, labelsPath string) (*Set, error) {
	if len(img.Dims) < 2 {
		return nil, fmt.Errorf("idx: %s: images file has dimensions %s, want N×(pixels…) with at least 2 dimensions", imagesPath, fmtDims(img.Dims))
	}
	if len(lab.Dims) != 1 {
		return nil, fmt.Errorf("idx: %s: labels file has dimensions %s, want a single dimension N", labelsPath, fmtDims(lab.Dims))
	}
	n := img.Dims[0]
	if lab.Dims[0] != n {
		return nil, fmt.Errorf("idx: mismatched counts: %s has %d images but %s has %d labels", imagesPath, n, labelsPath, lab.Dims[0])
	}
	if n == 0 {
		return nil, fmt.Errorf("idx: %s: no images", imagesPath)
	}
	x := img.pixels
	if x == nil {
		d := len(img.Data) / n
		if d == 0 {
			return nil, fmt.Errorf("idx: %s: images of dimensions %s have no pixels", imagesPath, fmtDims(img.Dims))
		}
		x = tensor.New(n, d)
		for i, b := range img.Data {
			x.Data[i] = pixelScale[b]
		}
	}
	y := make([]int, n)
	classes := 0
	for i, b := range lab.Data {
		y[i] = int(b)
		classes = max(classes, int(b)+1)
	}
	return &Set{Name: name, X: x, Labels: [][]int{y}, Classes: []int{classes}}, nil
}

// sniffGzip wraps r in a gzip reader when it starts with the gzip magic bytes.
// The returned close function releases the gzip reader (a no-op otherwise).
func sniffGzip(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	}
	return br, func() {}, nil
}
