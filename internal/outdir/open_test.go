package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLockNotFollowed: a symbolic link, a folder or a named pipe planted at
// an output's lock path is refused (issue 29 item 2) and the link's target
// is left byte-identical; before, Acquire followed the link and wrote its
// lock line into the target.
func TestLockNotFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	for _, content := range []string{"", "isonet-lock pid=1 host=h\n"} {
		if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "o")
		if err := os.Symlink(victim, LockPath(out)); err != nil {
			t.Fatal(err)
		}
		l, err := Acquire("--out", out)
		if err == nil {
			l.Release()
			t.Fatalf("a symbolic link as the lock file (victim holding %q) was taken", content)
		}
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(err.Error(), "o.lock is a symbolic link, not a file isonet made") {
			t.Errorf("error %v, want a refusal naming the symbolic link", err)
		}
		if b, _ := os.ReadFile(victim); string(b) != content {
			t.Errorf("the link's target now holds %q, want %q", b, content)
		}
		os.Remove(LockPath(out))
	}
	fifo := filepath.Join(dir, "p")
	if err := syscall.Mkfifo(LockPath(fifo), 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if _, err := Acquire("--out", fifo); err == nil || !strings.Contains(err.Error(), "p.lock is a named pipe, not a file isonet made") {
		t.Errorf("a named pipe as the lock file: %v", err)
	}
	os.Mkdir(LockPath(filepath.Join(dir, "d")), 0o755)
	if _, err := Acquire("--out", filepath.Join(dir, "d")); err == nil || !strings.Contains(err.Error(), "d.lock is a folder, not a file isonet made") {
		t.Errorf("a folder as the lock file: %v", err)
	}
}

// TestOpenRegular: a plain file is opened (and created); everything else is
// refused with ErrNotRegular.
func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	f, err := OpenRegular(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("x")
	f.Close()
	if b, _ := os.ReadFile(p); string(b) != "x" {
		t.Errorf("wrote %q", b)
	}
	link := filepath.Join(dir, "l")
	os.Symlink(p, link)
	if _, err := OpenRegular(link, os.O_RDWR|os.O_CREATE, 0o644); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a link to a plain file: %v, want ErrNotRegular", err)
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nowhere"), dangling)
	if _, err := OpenRegular(dangling, os.O_RDWR|os.O_CREATE, 0o644); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a dangling link: %v, want ErrNotRegular", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("opening a dangling link created its target")
	}
}
