package outdir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// lockMagic starts every lock file isonet writes.
const lockMagic = "isonet-lock"

// LockPath returns the lock file of the output path: NAME.lock beside it
// (a lock inside a folder would vanish when the folder is replaced).
func LockPath(path string) string { return filepath.Clean(path) + ".lock" }

// Lock is an exclusive lock on one output path, held from Acquire until
// Release. It is an advisory lock (flock) on the file LockPath(path), which
// holds "isonet-lock pid=P host=H since=T": the kernel drops the lock when
// its holder dies, so a lock left by a crashed run (dead pid) is taken over
// by the next one. Where the file system offers no flock the holder's pid is
// checked instead: a lock whose pid is dead on this host is stale.
type Lock struct {
	f    *os.File
	path string
}

// Holder is what a lock file says about the run holding it.
type Holder struct {
	PID   int
	Host  string
	Since string
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another isonet run"
	}
	s := fmt.Sprintf("another isonet run (pid %d on %s", h.PID, h.Host)
	if h.Since != "" {
		s += ", since " + h.Since
	}
	return s + ")"
}

func parseHolder(b []byte) Holder {
	var h Holder
	for _, f := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "host":
			h.Host = v
		case "since":
			h.Since = v
		}
	}
	return h
}

// errNoFlock: the file system (or OS) offers no flock; fall back to pids.
var errNoFlock = errors.New("flock not supported")

// lockFile is flock, replaced in tests by a file system without flock.
var lockFile = flock

// errBusy: another process holds the flock.
var errBusy = errors.New("lock held")

// Acquire takes the lock on path (named by flag in messages). It returns at
// once: when another live run holds the lock the error is a *Refusal
// naming it ("--out o is being written by another isonet run (pid 12 on
// h, since ...); wait for it to finish or choose another --out"). A file
// NAME.lock that is not an isonet lock is refused and left alone.
func Acquire(flag, path string) (*Lock, error) {
	lp := LockPath(path)
	host, _ := os.Hostname()
	for try := 0; try < 10; try++ {
		f, err := OpenRegular(lp, os.O_RDWR|os.O_CREATE, 0o644)
		if errors.Is(err, ErrNotRegular) {
			return nil, refuse("%s %s: lock %v; choose another %s", flag, path, err, flag)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: lock: %w", flag, path, err)
		}
		old, _ := io.ReadAll(io.LimitReader(f, 4096))
		if len(old) > 0 && !strings.HasPrefix(string(old), lockMagic) {
			f.Close()
			return nil, refuse("%s %s: %s exists and is not an isonet lock file; choose another %s", flag, path, lp, flag)
		}
		busy := func() (*Lock, error) {
			f.Close()
			return nil, refuse("%s %s is being written by %s; wait for it to finish or choose another %s", flag, path, parseHolder(old), flag)
		}
		switch err := lockFile(f); {
		case errors.Is(err, errBusy):
			// Re-read: the holder may have written its line since.
			if b, rerr := os.ReadFile(lp); rerr == nil && len(b) > 0 {
				old = b
			}
			return busy()
		case errors.Is(err, errNoFlock):
			if h := parseHolder(old); h.PID != 0 && (h.Host != host || pidAlive(h.PID)) {
				return busy()
			}
		case err != nil:
			f.Close()
			return nil, fmt.Errorf("%s %s: lock %s: %w", flag, path, lp, err)
		}
		// The file may have been removed (released) between our open and
		// our flock: then we hold a lock on a file nobody else sees.
		if !samefile(f, lp) {
			f.Close()
			continue
		}
		// The line only informs; the flock is the lock. On a full disk the
		// line cannot be written, and the lock (an empty file) still holds.
		line := fmt.Sprintf("%s pid=%d host=%s since=%s\n", lockMagic, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
		if f.Truncate(0) == nil {
			if _, err := f.WriteAt([]byte(line), 0); err != nil {
				f.Truncate(0)
			}
		}
		return &Lock{f: f, path: lp}, nil
	}
	return nil, refuse("%s %s: could not take the lock %s (it keeps changing)", flag, path, lp)
}

// Release removes the lock file and drops the lock. It is safe on a nil
// Lock and when called twice.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	if samefile(l.f, l.path) {
		os.Remove(l.path)
	}
	l.f.Close() // drops the flock
	l.f = nil
}

func samefile(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}
