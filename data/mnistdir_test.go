package data

import (
	"os"
	"path/filepath"
	"testing"
)

// The module cache named in the go command's environment file (go env -w
// GOMODCACHE=...) is found without running the go command: PATH is empty.
func TestMNISTDirGoEnvFile(t *testing.T) {
	cache := t.TempDir()
	want := filepath.Join(cache, filepath.FromSlash(mnistModDir), "data")
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, want, "train-images-idx3-ubyte.gz", nil)
	env := writeFile(t, t.TempDir(), "env", []byte("GOPROXY=off\nGOMODCACHE="+cache+"\n"))
	empty := t.TempDir()
	t.Setenv("ISONET_MNIST_DIR", "")
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOENV", env)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	t.Setenv("PATH", empty)
	got, err := MNISTDir()
	if err != nil || got != want {
		t.Errorf("MNISTDir() = %q, %v; want %q", got, err, want)
	}
}
