package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/isonet/isonet/internal/field"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// the four Fashion-MNIST IDX files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTSHA256 holds the sha256 of each Fashion-MNIST IDX file's
// content after gunzip, by file name without ".gz".
//
// The Fashion-MNIST project (github.com/zalandoresearch/fashion-mnist,
// README "Get the Data") publishes only the MD5 of its gzipped files
// (train-images 8d4fb7e6…, train-labels 25c81989…, t10k-images bef4ecab…,
// t10k-labels bb300cfd…). Debian's package recompresses them (new gzip
// timestamps), so the .gz files differ byte for byte from the published ones
// while their content does not; we therefore check the uncompressed content.
// These values were computed from the Debian package's files
// (0.0~git20200523.55506a9-1) and agree with the sha256 of the uncompressed
// files recorded independently by several public projects that verify the
// downloads against the publisher's MD5s. No sha256 is published by the
// Fashion-MNIST project itself.
var FashionMNISTSHA256 = map[string]string{
	"train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
	"train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
	"t10k-images-idx3-ubyte":  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
	"t10k-labels-idx1-ubyte":  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

// FashionMNISTClasses names Fashion-MNIST's ten classes, by label.
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// fashionHint says how to get Fashion-MNIST when it is missing, naming
// Spec.Dir as a field (internal/field) for a field error's format.
const fashionHint = "install it (apt-get install dataset-fashion-mnist) or pass {Dir} DIR (a folder holding its four IDX files)"

// FashionMNISTFolder returns the folder holding Fashion-MNIST:
// $ISONET_FASHION_MNIST_DIR when set, else FashionMNISTDir. A missing folder
// is an error saying how to install the package.
func FashionMNISTFolder() (string, error) {
	d := FashionMNISTDir
	if e := os.Getenv("ISONET_FASHION_MNIST_DIR"); e != "" {
		d = e
	}
	if !isDir(d) {
		return "", field.Errorf("fashion-mnist: %s not found; "+fashionHint, d)
	}
	return d, nil
}

// LoadFashionMNIST loads the training (train = true, 60000 images) or test
// (10000) split of Fashion-MNIST from dir ("" = FashionMNISTFolder), as 784
// pixels in [0, 1] per example, checking each file's uncompressed content
// against FashionMNISTSHA256. The classes carry Fashion-MNIST's names.
func LoadFashionMNIST(dir string, train bool) (*Set, error) {
	s, _, _, err := loadFashionMNIST(dir, train)
	return s, err
}

// loadFashionMNIST is LoadFashionMNIST, also returning the content sha256
// of the two files read (by name without .gz) and their folder.
func loadFashionMNIST(dir string, train bool) (*Set, map[string]string, string, error) {
	given := dir != ""
	if !given {
		d, err := FashionMNISTFolder()
		if err != nil {
			return nil, nil, "", err
		}
		dir = d
	}
	sums := map[string]string{}
	prefix, split := "t10k", "test"
	if train {
		prefix, split = "train", "train"
	}
	var idx [2]*IDX
	var paths [2]string
	for i, base := range []string{prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte"} {
		p, err := findIDX(dir, base)
		if err != nil && given {
			return nil, nil, "", fmt.Errorf("fashion-%w", err) // "mnist: DIR: no FILE (looked for …)"
		}
		if err != nil {
			return nil, nil, "", field.Errorf("fashion-mnist: %s: no %s; the package seems damaged: reinstall it (apt-get install --reinstall dataset-fashion-mnist) or pass {Dir} DIR (a folder holding its four IDX files)", dir, base)
		}
		raw, sum, err := readContent(p)
		if err != nil {
			return nil, nil, "", fmt.Errorf("fashion-mnist: %w", err)
		}
		if want := FashionMNISTSHA256[base]; sum != want {
			return nil, nil, "", field.Errorf("fashion-mnist: %s: content sha256 %s, want %s: the file is damaged or not the canonical one; reinstall dataset-fashion-mnist, or use {Name} mnist {Dir} %s to read it unchecked", p, sum, want, dir)
		}
		if idx[i], err = readIDX(bytes.NewReader(raw), int64(len(raw)), false, false); err != nil {
			return nil, nil, "", fmt.Errorf("idx: %s: %w", p, err)
		}
		paths[i] = p
		sums[base] = sum
	}
	s, err := idxSet("fashion-mnist-"+split, idx[0], idx[1], paths[0], paths[1])
	if err != nil {
		return nil, nil, "", err
	}
	s.Classes[0] = max(s.Classes[0], len(FashionMNISTClasses))
	s.ClassNames = [][]string{FashionMNISTClasses[:s.Classes[0]:s.Classes[0]]}
	return s, sums, dir, nil
}

// readContent reads the file at path, gunzipping it when it is gzipped,
// and returns its content and the content's sha256 in hex.
func readContent(path string) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	r, done, err := sniffGzip(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	defer done()
	b, err := io.ReadAll(io.LimitReader(r, MaxIDXBytes+1<<20))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", filepath.Clean(path), err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}
