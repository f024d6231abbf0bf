package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSHA256 checks the digest against sha256sum's for "abc\n" and that a
// missing file is an error.
func TestSHA256(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := SHA256(p)
	if want := "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb"; err != nil || got != want {
		t.Errorf("SHA256 = %q, %v; want %q", got, err, want)
	}
	if _, err := SHA256(p + "-missing"); err == nil {
		t.Error("a missing file gave no error")
	}
}
