package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isonet runs the command line in-process and returns exit status, stdout
// and stderr.
func isonet(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestSameSeedSameModel: the same seed and flags give bit-identical weights.
func TestSameSeedSameModel(t *testing.T) {
	dir := t.TempDir()
	var files [3][]byte
	for i, seed := range []string{"3", "3", "4"} {
		out := filepath.Join(dir, "m"+string(rune('a'+i)))
		code, _, stderr := isonet(t, "train", "--dataset", "rings", "--beta", "1", "--epochs", "30", "--seed", seed, "--quiet", "--out", out)
		if code != 0 {
			t.Fatalf("train failed (%d): %s", code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two runs with seed 3 wrote different model.safetensors")
	}
	if bytes.Equal(files[0], files[2]) {
		t.Error("seeds 3 and 4 wrote the same weights")
	}
}

func writeIDX(t *testing.T, path string, magic uint32, dims []uint32, payload []byte, gz bool) {
	t.Helper()
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	data := b.Bytes()
	if gz {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mnistDir writes a tiny valid MNIST-layout folder of n 2×2 images.
func mnistDir(t *testing.T, n int) string {
	dir := t.TempDir()
	for _, split := range []string{"train", "t10k"} {
		img := make([]byte, n*4)
		lab := make([]byte, n)
		for i := range lab {
			lab[i] = byte(i % 2)
			img[i*4+i%4] = 255
		}
		writeIDX(t, filepath.Join(dir, split+"-images-idx3-ubyte"), 0x803, []uint32{uint32(n), 2, 2}, img, false)
		writeIDX(t, filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), 0x801, []uint32{uint32(n)}, lab, true)
	}
	return dir
}

// TestBadInput: each kind of bad input gives exit status 2, one line on
// stderr naming the problem, and no model folder.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	csvRagged := filepath.Join(tmp, "ragged.csv")
	os.WriteFile(csvRagged, []byte("1,2,0\n3,4\n5,6,1\n"), 0o644)
	csvNaN := filepath.Join(tmp, "word.csv")
	os.WriteFile(csvNaN, []byte("1,2,0\n3,abc,1\n5,6,1\n"), 0o644)

	badMagic := mnistDir(t, 10)
	writeIDX(t, filepath.Join(badMagic, "train-images-idx3-ubyte"), 0x1234, []uint32{10, 2, 2}, make([]byte, 40), false)
	truncated := mnistDir(t, 10)
	writeIDX(t, filepath.Join(truncated, "train-images-idx3-ubyte"), 0x803, []uint32{10, 2, 2}, make([]byte, 25), false)
	mismatch := mnistDir(t, 10)
	writeIDX(t, filepath.Join(mismatch, "train-labels-idx1-ubyte.gz"), 0x801, []uint32{9}, make([]byte, 9), true)
	missing := t.TempDir()
	corruptGz := mnistDir(t, 10)
	os.WriteFile(filepath.Join(corruptGz, "train-labels-idx1-ubyte.gz"), []byte{0x1f, 0x8b, 8, 0, 1, 2, 3}, 0o644)

	existing := filepath.Join(tmp, "existing")
	os.MkdirAll(existing, 0o755)
	os.WriteFile(filepath.Join(existing, "keep.txt"), []byte("x"), 0o644)

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"beta<0", []string{"--dataset", "rings", "--beta", "-1"}, "--beta"},
		{"beta NaN", []string{"--dataset", "rings", "--beta", "NaN"}, "--beta"},
		{"batch 0", []string{"--dataset", "rings", "--batch", "0"}, "--batch"},
		{"unknown dataset", []string{"--dataset", "cifar"}, "unknown dataset"},
		{"unknown flag", []string{"--dataset", "rings", "--bogus", "1"}, "bogus"},
		{"ragged csv", []string{"--dataset", "csv:" + csvRagged}, "line 2"},
		{"non-number csv", []string{"--dataset", "csv:" + csvNaN}, "abc"},
		{"missing csv", []string{"--dataset", "csv:" + filepath.Join(tmp, "nope.csv")}, "nope.csv"},
		{"missing idx", []string{"--dataset", "mnist", "--data-dir", missing}, "train-images"},
		{"bad magic", []string{"--dataset", "mnist", "--data-dir", badMagic}, "magic"},
		{"truncated idx", []string{"--dataset", "mnist", "--data-dir", truncated}, "truncated"},
		{"count mismatch", []string{"--dataset", "mnist", "--data-dir", mismatch}, "9"},
		{"corrupt gzip", []string{"--dataset", "mnist", "--data-dir", corruptGz}, "train-labels"},
		{"lr 0", []string{"--dataset", "rings", "--lr", "0"}, "--lr"},
		{"depth 0", []string{"--dataset", "rings", "--depth", "0"}, "--depth"},
		{"unknown mask", []string{"--dataset", "rings", "--mask", "half"}, "mask"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(tmp, "out-"+strings.ReplaceAll(c.name, " ", "_"))
			args := append([]string{"train", "--quiet", "--epochs", "2", "--out", out}, c.args...)
			if c.name == "unknown flag" || c.name == "batch 0" || c.name == "beta<0" {
				args = append([]string{"train", "--quiet", "--out", out}, c.args...)
			}
			code, _, stderr := isonet(t, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q: want one line mentioning %q", stderr, c.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("panic trace: %s", stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("output folder %s left behind", out)
			}
		})
	}
	t.Run("existing out without --force", func(t *testing.T) {
		// A folder isonet did not write is refused with and without
		// --force (issue 12) and keeps its content.
		for _, force := range [][]string{nil, {"--force"}} {
			code, _, stderr := isonet(t, append([]string{"train", "--quiet", "--dataset", "rings", "--epochs", "2", "--out", existing}, force...)...)
			if code != 2 || !strings.Contains(stderr, "is not an isonet folder (it holds keep.txt)") {
				t.Fatalf("%v: exit %d, stderr %q", force, code, stderr)
			}
			if b, err := os.ReadFile(filepath.Join(existing, "keep.txt")); err != nil || string(b) != "x" {
				t.Error("existing folder's content was touched")
			}
		}
		// A model folder isonet wrote needs --force, and --force replaces it.
		mdir := filepath.Join(tmp, "model")
		args := []string{"train", "--quiet", "--dataset", "rings", "--epochs", "2", "--out", mdir}
		if code, _, stderr := isonet(t, args...); code != 0 {
			t.Fatalf("first run: exit %d, %s", code, stderr)
		}
		code, _, stderr := isonet(t, args...)
		if code != 2 || !strings.Contains(stderr, "--force") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		code, _, stderr = isonet(t, append(args, "--force")...)
		if code != 0 {
			t.Fatalf("with --force: exit %d, %s", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(mdir, "model.safetensors")); err != nil {
			t.Error("--force did not write the model")
		}
	})
}

// TestTinyIDXTrainEval trains on a user's IDX folder and evaluates it,
// checking that eval's JSON carries the accuracy train printed.
func TestTinyIDXTrainEval(t *testing.T) {
	dir := mnistDir(t, 40)
	out := filepath.Join(t.TempDir(), "m")
	code, stdout, stderr := isonet(t, "train", "--quiet", "--dataset", "mnist", "--data-dir", dir, "--epochs", "200", "--batch", "40", "--width", "8", "--lr", "0.01", "--out", out)
	if code != 0 {
		t.Fatalf("train: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "test accuracy 1.0000") {
		t.Errorf("a separable 4-pixel problem was not learned: %s", stdout)
	}
	code, stdout, stderr = isonet(t, "eval", "--model", out, "--data-dir", dir, "--json")
	if code != 0 || !strings.Contains(stdout, `"accuracy": 1`) {
		t.Errorf("eval: %d %s %s", code, stdout, stderr)
	}
	code, _, stderr = isonet(t, "eval", "--model", out, "--dataset", "rings")
	if code != 2 || !strings.Contains(stderr, "takes 4 inputs") {
		t.Errorf("eval on mismatched data: %d %q", code, stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, c := range []string{"train", "eval"} {
		code, _, stderr := isonet(t, c, "--help")
		if code != 0 || !strings.Contains(stderr, "Usage: isonet "+c) {
			t.Errorf("%s --help: %d %q", c, code, stderr)
		}
	}
	if code, _, _ := isonet(t, "frobnicate"); code != 2 {
		t.Error("unknown command accepted")
	}
}
