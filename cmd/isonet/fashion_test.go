package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReproduceFashionWithoutPackage: with the Debian package absent (its
// folder pointed elsewhere), `reproduce fashion` and `reproduce all
// --extended` exit 2 with one line on how to install it and write nothing;
// so does a package folder that lacks a file.
func TestReproduceFashionWithoutPackage(t *testing.T) {
	const hint = "install it (apt-get install dataset-fashion-mnist) or pass --data-dir DIR (a folder holding its four IDX files)"
	dir := t.TempDir()
	absent := filepath.Join(dir, "absent")
	t.Setenv("ISONET_FASHION_MNIST_DIR", absent)
	want := "isonet reproduce: fashion-mnist: " + absent + " not found; " + hint + "\n"
	for _, args := range [][]string{{"reproduce", "fashion"}, {"reproduce", "all", "--extended"}, {"reproduce", "fashion", "--partial"}} {
		if args[len(args)-1] == "--partial" {
			args = args[:2]
			os.MkdirAll(absent, 0o755)
			os.WriteFile(filepath.Join(absent, "train-images-idx3-ubyte.gz"), nil, 0o644)
			want = "isonet reproduce: fashion-mnist: " + absent + ": no train-labels-idx1-ubyte(.gz); " + hint + "\n"
		}
		out := filepath.Join(dir, "out")
		code, stdout, stderr := isonet(t, append(args, "--out", out)...)
		if code != 2 || stdout != "" || stderr != want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, nothing, %q", args, code, stdout, stderr, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v created %s", args, out)
		}
	}
}

// TestReproduceFashionDataDir: `reproduce fashion --data-dir DIR` runs the
// study (and its baselines) on any copy of the four IDX files, here a tiny
// synthetic one, and writes its report section.
func TestReproduceFashionDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and attacks 7 small models")
	}
	dir := t.TempDir()
	idx := filepath.Join(dir, "idx")
	os.MkdirAll(idx, 0o755)
	for _, split := range []string{"train", "t10k"} {
		n := 60
		img := make([]byte, n*16)
		lab := make([]byte, n)
		for i := range lab {
			lab[i] = byte(i % 2)
			for p := 0; p < 8; p++ {
				img[i*16+p+8*(i%2)] = byte(150 + (i*7+p*13)%100)
			}
		}
		writeIDX(t, filepath.Join(idx, split+"-images-idx3-ubyte.gz"), 0x803, []uint32{uint32(n), 4, 4}, img, true)
		writeIDX(t, filepath.Join(idx, split+"-labels-idx1-ubyte"), 0x801, []uint32{uint32(n)}, lab, false)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := isonet(t, "reproduce", "fashion", "--quick", "--quiet", "--data-dir", idx, "--betas", "0,1", "--protocol", "standard", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "fashion") {
		t.Errorf("stdout %q does not name the fashion experiment", stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"## Fashion-MNIST: the MNIST study on a harder data set", "PGD adversarial training at ε = 0.1", "--data-dir " + idx} {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "fashion", "image-grid.png")); err != nil {
		t.Error(err)
	}
}
