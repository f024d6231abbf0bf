package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/isonet/isonet/internal/field"
)

// idxBytes encodes an unsigned-byte IDX file by hand: 00 00 08 nd, the dims
// big-endian, then data.
func idxBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIDXRoundTrip(t *testing.T) {
	dims := []int{3, 2, 4}
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(i*11 + 7)
	}
	plain := idxBytes(dims, data)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"plain.idx", plain},
		{"zipped.idx.gz", gzipBytes(t, plain)},
		{"zipped-no-suffix", gzipBytes(t, plain)},
	} {
		p := writeFile(t, dir, tc.name, tc.b)
		for _, via := range []string{"file", "reader"} {
			var m *IDX
			var err error
			if via == "file" {
				m, err = ReadIDXFile(p)
			} else {
				m, err = ReadIDX(bytes.NewReader(tc.b))
			}
			if err != nil {
				t.Fatalf("%s via %s: %v", tc.name, via, err)
			}
			if m.Type != 0x08 || !equalInts(m.Dims, dims) || !bytes.Equal(m.Data, data) {
				t.Errorf("%s via %s: got type %#x dims %v data %v, want 0x08 %v %v", tc.name, via, m.Type, m.Dims, m.Data, dims, data)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIDXErrors(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	corruptGz := gzipBytes(t, good)
	corruptGz[len(corruptGz)-6] ^= 0xff // the CRC-32 in the gzip trailer
	for _, tc := range []struct {
		name string
		b    []byte
		want []string // substrings of the error
	}{
		{"empty", nil, []string{"empty file"}},
		{"bad magic", append([]byte{'P', 'K', 3, 4}, good[4:]...), []string{"bad magic number 50 4b 03 04"}},
		{"zero dims", []byte{0, 0, 8, 0}, []string{"bad magic number"}},
		{"short magic", []byte{0, 0}, []string{"truncated", "got 2"}},
		{"float type", []byte{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}, []string{"0x0d (float32) not supported"}},
		{"unknown type", []byte{0, 0, 0x42, 1, 0, 0, 0, 1, 0}, []string{"unknown element type 0x42"}},
		{"short header", good[:9], []string{"truncated", "needs 12 bytes, got 9"}},
		{"short data", good[:len(good)-2], []string{"truncated", "2×3 = 6 data bytes, got 4"}},
		{"short gzipped data", gzipBytes(t, good[:len(good)-2]), []string{"gzip content", "truncated", "6 data bytes, got 4"}},
		{"trailing data", append(append([]byte{}, good...), 9, 9), []string{"trailing data"}},
		{"bad gzip checksum", corruptGz, []string{"checksum"}},
		{"bad gzip header", []byte{0x1f, 0x8b, 0, 0}, []string{"gzip"}},
		{"gzip of gzip", gzipBytes(t, gzipBytes(t, good)), []string{"bad magic number 1f 8b"}},
		{"huge claim", idxBytes([]int{1000000000, 28, 28}, nil), []string{"1000000000×28×28", "limit"}},
		{"huge labels", idxBytes([]int{1000000000}, []byte{1, 2, 3}), []string{"truncated", "1000000000 data bytes, got 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, via := range []string{"reader", "file"} {
				var err error
				if via == "reader" {
					_, err = ReadIDX(bytes.NewReader(tc.b))
				} else {
					p := writeFile(t, t.TempDir(), "f.idx", tc.b)
					_, err = ReadIDXFile(p)
					if err != nil && !strings.Contains(err.Error(), p) {
						t.Errorf("file error %q does not name the file", err)
					}
				}
				checkErr(t, err, tc.want...)
			}
		})
	}
}

// checkErr fails unless err is a one-line error containing every want.
// flags names Spec's fields as the command line's flags do.
var flags = map[string]string{"Dir": "--data-dir", "Name": "--dataset"}

// checkFieldErr is checkErr for an error naming Spec's fields: it must be
// a field error whose text names no flag, and want is looked for in its
// text with the fields named by flags, as the command line prints it.
func checkFieldErr(t *testing.T, err error, want ...string) {
	t.Helper()
	var fe *field.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a field error", err)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("library error %q names a flag", err)
	}
	checkErr(t, errors.New(strings.Replace(err.Error(), fe.Error(), fe.Render(func(f string) string {
		if n, ok := flags[f]; ok {
			return n
		}
		t.Errorf("error %q names field %s, not a field of Spec", err, f)
		return f
	}), 1)), want...)
}

func checkErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

// allocBytes returns the bytes f allocates.
func allocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A header claiming 10⁹ images must be refused without allocating for them.
func TestIDXHostileHeaderAllocates(t *testing.T) {
	for _, b := range [][]byte{
		idxBytes([]int{1000000000}, []byte{1, 2, 3}),   // under the cap, stream short
		idxBytes([]int{1000000000, 28, 28}, []byte{1}), // over the cap
		gzipBytes(t, idxBytes([]int{1000000000}, []byte{1})),
	} {
		if _, err := ReadIDX(bytes.NewReader(b)); err == nil {
			t.Fatal("no error")
		}
		if grew := allocBytes(func() { ReadIDX(bytes.NewReader(b)) }); grew > 4<<20 {
			t.Errorf("reading a %d-byte hostile file allocated %d bytes", len(b), grew)
		}
	}
}

// TestReadPixels checks that a trusted images stream converted while read
// gives the set the bytes give, bit for bit, and fails as they do when
// truncated or followed by extra data.
func TestReadPixels(t *testing.T) {
	const n, d = 5, 7001 // rows longer than readPixels' buffer
	data := make([]byte, n*d)
	for i := range data {
		data[i] = byte(i*37 + i/255)
	}
	img := gzipBytes(t, idxBytes([]int{n, d}, data))
	lab := idxBytes([]int{n}, []byte{1, 0, 4, 2, 3})
	read := func(b []byte, pix bool) (*IDX, error) {
		return readIDX(bytes.NewReader(b), -1, true, pix)
	}
	bi, err := read(img, false)
	if err != nil {
		t.Fatal(err)
	}
	pi, err := read(img, true)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Data != nil || pi.pixels == nil {
		t.Fatal("the trusted stream kept its bytes")
	}
	li, _ := read(lab, true)
	want, err := idxSet("x", bi, li, "img", "lab")
	if err != nil {
		t.Fatal(err)
	}
	got, err := idxSet("x", pi, li, "img", "lab")
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.X.Data {
		if math.Float32bits(got.X.Data[i]) != math.Float32bits(want.X.Data[i]) {
			t.Fatalf("pixel %d: %v converted while read, %v from bytes", i, got.X.Data[i], want.X.Data[i])
		}
	}
	if got.X.Rows != n || got.X.Cols != d {
		t.Errorf("shape %d×%d, want %d×%d", got.X.Rows, got.X.Cols, n, d)
	}
	short := gzipBytes(t, idxBytes([]int{n, d}, data[:n*d-3]))
	long := gzipBytes(t, append(idxBytes([]int{n, d}, data), 9))
	for _, b := range [][]byte{short, long} {
		_, e1 := read(b, false)
		_, e2 := read(b, true)
		if e1 == nil || e2 == nil || e1.Error() != e2.Error() {
			t.Errorf("errors differ: %v (bytes) and %v (pixels)", e1, e2)
		}
	}
}

func TestLoadIDXPair(t *testing.T) {
	dir := t.TempDir()
	pix := []byte{0, 255, 51, 102, 0, 0, 0, 0, 255, 255, 1, 254}
	img := writeFile(t, dir, "img.gz", gzipBytes(t, idxBytes([]int{3, 2, 2}, pix)))
	lab := writeFile(t, dir, "lab", idxBytes([]int{3}, []byte{4, 0, 2}))
	s, err := LoadIDXPair(img, lab)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 || s.Dim() != 4 || s.NumClasses() != 5 || !equalInts(s.Y(), []int{4, 0, 2}) {
		t.Fatalf("got %d×%d, %d classes, labels %v; want 3×4, 5 classes, [4 0 2]", s.Len(), s.Dim(), s.NumClasses(), s.Y())
	}
	for i, b := range pix {
		if want := float32(b) / 255; s.X.Data[i] != want {
			t.Errorf("pixel %d = %v, want %v", i, s.X.Data[i], want)
		}
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}

	lab2 := writeFile(t, dir, "lab2", idxBytes([]int{2}, []byte{1, 2}))
	_, err = LoadIDXPair(img, lab2)
	checkErr(t, err, "mismatched counts", img, "3 images", lab2, "2 labels")

	_, err = LoadIDXPair(lab, lab) // a labels file as images
	checkErr(t, err, lab, "at least 2 dimensions")
	_, err = LoadIDXPair(img, img) // an images file as labels
	checkErr(t, err, img, "single dimension")
	_, err = LoadIDXPair(filepath.Join(dir, "missing"), lab)
	checkErr(t, err, "missing", "no such file")
}

// LoadMNIST on a user folder: plain and gzipped files, the dotted naming,
// and the error for a folder without the files.
func TestLoadMNISTUserDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "t10k-images-idx3-ubyte", idxBytes([]int{2, 1, 3}, []byte{0, 255, 0, 255, 255, 255}))
	writeFile(t, dir, "t10k-labels.idx1-ubyte", idxBytes([]int{2}, []byte{3, 1}))
	writeFile(t, dir, "train-images-idx3-ubyte.gz", gzipBytes(t, idxBytes([]int{1, 1, 3}, []byte{0, 0, 255})))
	writeFile(t, dir, "train-labels-idx1-ubyte.gz", gzipBytes(t, idxBytes([]int{1}, []byte{12})))
	test, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 2 || test.Dim() != 3 || test.NumClasses() != 10 || test.X.At(1, 2) != 1 || test.X.At(0, 0) != 0 {
		t.Errorf("test split: %d×%d, %d classes, X %v", test.Len(), test.Dim(), test.NumClasses(), test.X.Data)
	}
	train, err := LoadMNIST(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 1 || train.NumClasses() != 13 {
		t.Errorf("train split: %d examples, %d classes; want 1, 13", train.Len(), train.NumClasses())
	}
	_, err = LoadMNIST(t.TempDir(), true)
	checkErr(t, err, "no train-images-idx3-ubyte file")
}

func TestMNISTDirEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ISONET_MNIST_DIR", dir)
	got, err := MNISTDir()
	if err != nil || got != dir {
		t.Errorf("MNISTDir() = %q, %v; want %q", got, err, dir)
	}
	t.Setenv("ISONET_MNIST_DIR", filepath.Join(dir, "nope"))
	_, err = MNISTDir()
	checkFieldErr(t, err, "ISONET_MNIST_DIR", "pass --data-dir DIR")
}

// A copy of the canonical folder with one byte changed must fail the sha256
// check, naming the file.
func TestMNISTChecksumMismatch(t *testing.T) {
	src, err := MNISTDir()
	if err != nil {
		t.Skip("MNIST not available:", err)
	}
	dir := t.TempDir()
	for name := range MNISTSHA256 {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "t10k-labels-idx1-ubyte.gz" {
			b[len(b)/2] ^= 1
		}
		writeFile(t, dir, name, b)
	}
	t.Setenv("ISONET_MNIST_DIR", dir)
	_, err = LoadMNIST("", false)
	checkErr(t, err, "t10k-labels-idx1-ubyte.gz", "sha256", MNISTSHA256["t10k-labels-idx1-ubyte.gz"])
	// The train split does not read the damaged file.
	if _, err := LoadMNIST("", true); err != nil {
		t.Errorf("train split: %v", err)
	}
}

func TestMNIST(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Skip("MNIST not available:", err)
	}
	for name, want := range MNISTSHA256 {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, want %s", name, got, want)
		}
	}
	// Label counts of the canonical MNIST files (LeCun et al.).
	for _, tc := range []struct {
		train bool
		n     int
		hist  [10]int
	}{
		{true, 60000, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{false, 10000, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	} {
		s, err := LoadMNIST("", tc.train)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != tc.n || s.Dim() != 784 || s.NumClasses() != 10 || s.Levels() != 1 {
			t.Fatalf("train=%v: %d×%d, %d classes, %d levels; want %d×784, 10, 1", tc.train, s.Len(), s.Dim(), s.NumClasses(), s.Levels(), tc.n)
		}
		var hist [10]int
		for _, y := range s.Y() {
			hist[y]++
		}
		if hist != tc.hist {
			t.Errorf("train=%v: label histogram %v, want %v", tc.train, hist, tc.hist)
		}
		lo, hi, sum := float32(1), float32(0), 0.0
		for _, v := range s.X.Data {
			lo, hi = min(lo, v), max(hi, v)
			sum += float64(v)
		}
		mean := sum / float64(len(s.X.Data))
		if lo != 0 || hi != 1 {
			t.Errorf("train=%v: pixels in [%v, %v], want [0, 1]", tc.train, lo, hi)
		}
		// The customary normalisation constant: the train mean is 0.1307, test 0.1325.
		wantMean := map[bool]float64{true: 0.1307, false: 0.1325}[tc.train]
		if math.Abs(mean-wantMean) > 2e-4 {
			t.Errorf("train=%v: mean pixel %.5f, want %.4f", tc.train, mean, wantMean)
		}
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// MNISTDir looks in the module cache named by GOMODCACHE, with the cache's
// case encoding of the module path.
func TestMNISTDirModCache(t *testing.T) {
	cache := t.TempDir()
	want := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, want, "train-images-idx3-ubyte.gz", nil)
	t.Setenv("ISONET_MNIST_DIR", "")
	t.Setenv("GOMODCACHE", cache)
	got, err := MNISTDir()
	if err != nil || got != want {
		t.Errorf("MNISTDir() = %q, %v; want %q", got, err, want)
	}
	// LookupMNIST finds it too, and with PATH empty it could not have run
	// the go command.
	t.Setenv("PATH", "")
	if got, ok, err := LookupMNIST(); !ok || err != nil || got != want {
		t.Errorf("LookupMNIST() = %q, %v, %v; want %q", got, ok, err, want)
	}
}

// With no cache anywhere and no go command, the error says how to fix it.
func TestMNISTDirMissing(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("ISONET_MNIST_DIR", "")
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	t.Setenv("PATH", empty)
	if d, ok, err := LookupMNIST(); ok || err != nil {
		t.Errorf("LookupMNIST() = %q, %v, %v; want nothing found, no error", d, ok, err)
	}
	_, err := MNISTDir()
	checkFieldErr(t, err, "not found", "no go command", "pass --data-dir DIR", "ISONET_MNIST_DIR")
	_, err = LoadMNIST("", true)
	checkFieldErr(t, err, "pass --data-dir DIR")
}

func BenchmarkLoadMNISTTrain(b *testing.B) {
	if _, err := MNISTDir(); err != nil {
		b.Skip("MNIST not available:", err)
	}
	for b.Loop() {
		if _, err := LoadMNIST("", true); err != nil {
			b.Fatal(err)
		}
	}
}
