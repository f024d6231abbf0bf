package data

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCheckIDXDir: a folder is accepted once it holds the four IDX files,
// gzipped or not, and until then the error names the first one missing
// and Spec.Dir as a field (the command line's --data-dir); an empty dir
// checks the Fashion-MNIST package folder and says how to install it.
func TestCheckIDXDir(t *testing.T) {
	dir := t.TempDir()
	for i, f := range idxFiles {
		checkFieldErr(t, CheckIDXDir(dir), "--data-dir "+dir+": no "+f+"(.gz) file; want a folder holding the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not)")
		name := f
		if i%2 == 0 {
			name += ".gz"
		}
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckIDXDir(dir); err != nil {
		t.Errorf("a folder with the four files: %v", err)
	}

	t.Setenv("ISONET_FASHION_MNIST_DIR", filepath.Join(dir, "nope"))
	checkFieldErr(t, CheckIDXDir(""), "fashion-mnist: "+filepath.Join(dir, "nope")+" not found; install it (apt-get install dataset-fashion-mnist) or pass --data-dir DIR")
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, idxFiles[0]), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ISONET_FASHION_MNIST_DIR", half)
	checkFieldErr(t, CheckIDXDir(""), "fashion-mnist: "+half+": no "+idxFiles[1]+"(.gz); install it")
	t.Setenv("ISONET_FASHION_MNIST_DIR", dir)
	if err := CheckIDXDir(""); err != nil {
		t.Errorf("the package folder with the four files: %v", err)
	}
}
