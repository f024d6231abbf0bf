package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The installed Debian package loads with its checksums; skipped, saying
// why, only where the package is absent.
func TestFashionMNIST(t *testing.T) {
	if !isDir(FashionMNISTDir) {
		t.Skipf("%s absent: apt-get install dataset-fashion-mnist to run this test", FashionMNISTDir)
	}
	test, err := LoadFashionMNIST("", false)
	if err != nil {
		t.Fatal(err)
	}
	if test.Name != "fashion-mnist-test" || test.Len() != 10000 || test.Dim() != 784 || test.NumClasses() != 10 {
		t.Fatalf("test split %s: %d×%d, %d classes", test.Name, test.Len(), test.Dim(), test.NumClasses())
	}
	// The first test image is an ankle boot (label 9), as in every copy.
	if y := test.Y()[0]; y != 9 || test.ClassName(0, y) != "Ankle boot" {
		t.Errorf("first test label %d (%s), want 9 (Ankle boot)", y, test.ClassName(0, y))
	}
}

// A missing folder names the package to install; a file whose content
// differs from the canonical one fails the check, naming it and both hashes.
func TestFashionMNISTMissingAndDamaged(t *testing.T) {
	t.Setenv("ISONET_FASHION_MNIST_DIR", filepath.Join(t.TempDir(), "nope"))
	_, err := LoadFashionMNIST("", true)
	checkFieldErr(t, err, "apt-get install dataset-fashion-mnist", "pass --data-dir DIR")
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("error has several lines: %q", err)
	}

	dir := t.TempDir()
	img := writeFile(t, dir, "train-images-idx3-ubyte.gz", gzipBytes(t, idxBytes([]int{1, 1, 3}, []byte{0, 0, 255})))
	writeFile(t, dir, "train-labels-idx1-ubyte", idxBytes([]int{1}, []byte{1}))
	_, err = LoadFashionMNIST(dir, true)
	checkFieldErr(t, err, img, "content sha256", FashionMNISTSHA256["train-images-idx3-ubyte"], "use --dataset mnist --data-dir "+dir+" to read it unchecked")
	_, err = LoadFashionMNIST(dir, false)
	checkErr(t, err, "fashion-mnist: "+dir+": no t10k-images-idx3-ubyte file (looked for t10k-images-idx3-ubyte.gz, ")
}

// A gzipped copy whose gzip header differs (as Debian's does from the
// publisher's) passes: the check is on the uncompressed content.
func TestFashionMNISTRecompressed(t *testing.T) {
	if !isDir(FashionMNISTDir) {
		t.Skipf("%s absent: apt-get install dataset-fashion-mnist to run this test", FashionMNISTDir)
	}
	dir := t.TempDir()
	for _, base := range []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		raw, _, err := readContent(filepath.Join(FashionMNISTDir, base+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		if base == "t10k-labels-idx1-ubyte" {
			writeFile(t, dir, base+".gz", gzipBytes(t, raw)) // a new gzip stream
		} else if err := os.WriteFile(filepath.Join(dir, base), raw, 0o644); err != nil { // plain
			t.Fatal(err)
		}
	}
	s, err := LoadFashionMNIST(dir, false)
	if err != nil || s.Len() != 10000 {
		t.Fatalf("recompressed copy: %v", err)
	}
}
