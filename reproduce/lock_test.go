package reproduce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPhaseLockNotFollowed: a symbolic link planted at a phase's lock path
// (run/phases/X.lock -> ~/victim.txt) is refused and its target left
// byte-identical (issue 29 item 2: reproduce wrote its lock line into the
// target); a plain file there that is not a phase lock is refused and kept.
func TestPhaseLockNotFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	lp := filepath.Join(dir, "X.lock")
	if err := os.Symlink(victim, lp); err != nil {
		t.Fatal(err)
	}
	l, _, err := tryLock(lp, "h")
	if l != nil {
		l.release()
	}
	if err == nil || !strings.Contains(err.Error(), "X.lock is a symbolic link, not a file isonet made") {
		t.Errorf("lock through a symbolic link: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("the link's target now holds %q", b)
	}
	os.Remove(lp)
	os.WriteFile(lp, []byte("my notes\n"), 0o644)
	if l, _, err = tryLock(lp, "h"); l != nil || err == nil || !strings.Contains(err.Error(), "is not an isonet phase lock") {
		t.Errorf("lock over a user's file: %v", err)
	}
	if b, _ := os.ReadFile(lp); string(b) != "my notes\n" {
		t.Errorf("the user's file now holds %q", b)
	}
	os.Remove(lp)
	l, _, err = tryLock(lp, "h")
	if err != nil || l == nil {
		t.Fatalf("a fresh lock: %v", err)
	}
	if b, _ := os.ReadFile(lp); !strings.HasPrefix(string(b), "isonet-phase-lock pid=") {
		t.Errorf("the lock file holds %q", b)
	}
	l.release()
}
