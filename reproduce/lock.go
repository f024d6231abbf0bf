package reproduce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/isonet/isonet/internal/outdir"
)

// phaseLock is the lock file DIR/phases/NAME.lock held while a phase is
// computed. It is an advisory lock (flock) on the file, which says
// "isonet-phase-lock pid=P host=H since=T": the kernel (or, on NFS, the
// server's lease) drops the lock when its holder dies, so the lock of a
// process killed with SIGKILL is taken over by the next run at once. Where
// the file system offers no flock, a lock file whose pid is dead on this
// host is stale and taken over; one of another host is waited for.
type phaseLock struct {
	f    *os.File
	path string
}

// lockPhase takes the lock of the phase stored at path, waiting (and
// saying so) while another live process holds it. waited reports that it
// had to wait, so that the caller looks for the other process's result.
func lockPhase(ctx context.Context, e *Env, name, path string) (l *phaseLock, waited bool, err error) {
	lpath := strings.TrimSuffix(path, ".json") + ".lock"
	poll := e.LockPoll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	host, _ := os.Hostname()
	for {
		l, holder, err := tryLock(lpath, host)
		if err != nil {
			return nil, waited, err
		}
		if l != nil {
			return l, waited, nil
		}
		if !waited {
			e.Logf("%s: held by another isonet process (%s); waiting for it", name, holder)
		}
		waited = true
		select {
		case <-ctx.Done():
			return nil, waited, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// tryLock takes the lock at once, or returns nil and what the lock file
// says about its holder.
func tryLock(lpath, host string) (*phaseLock, string, error) {
	// Not through a symbolic link or into anything but a plain file: the
	// folder may be shared, and a link planted at the lock's path would
	// make the run truncate its target.
	f, err := outdir.OpenRegular(lpath, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, outdir.ErrNotRegular) {
		return nil, "", fmt.Errorf("lock %v; remove it and run again", err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("lock %s: %w", lpath, err)
	}
	// A file there that is not a phase lock is someone's: left alone.
	if b, _ := io.ReadAll(io.LimitReader(f, 4096)); len(b) > 0 && !strings.HasPrefix(string(b), phaseLockMagic) {
		f.Close()
		return nil, "", fmt.Errorf("lock %s exists and is not an isonet phase lock; remove it and run again", lpath)
	}
	err = flockNB(f)
	switch {
	case errors.Is(err, errLocked):
		b, _ := os.ReadFile(lpath)
		f.Close()
		return nil, holderOf(b), nil
	case err != nil: // no flock here: fall back to the pid in the file
		b, _ := os.ReadFile(lpath)
		if h := strings.TrimSpace(string(b)); h != "" && !staleHolder(h, host) {
			f.Close()
			return nil, holderOf(b), nil
		}
	}
	// The file may have been removed (and a new one made) by the holder
	// between our open and our flock: then ours is not the lock.
	if fi, err1 := f.Stat(); err1 != nil {
		f.Close()
		return nil, "", err1
	} else if pi, err2 := os.Stat(lpath); err2 != nil || !os.SameFile(fi, pi) {
		f.Close()
		return nil, "a process that just finished", nil
	}
	f.Truncate(0)
	fmt.Fprintf(f, phaseLockMagic+" pid=%d host=%s since=%s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	f.Sync()
	return &phaseLock{f: f, path: lpath}, "", nil
}

// phaseLockMagic starts every phase lock file.
const phaseLockMagic = "isonet-phase-lock"

// errLocked: another process holds the flock.
var errLocked = errors.New("locked")

func holderOf(b []byte) string {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "isonet-phase-lock"))
	if s == "" {
		return "no details in its lock file"
	}
	return s
}

// staleHolder reports whether the lock line names a dead pid on this host.
func staleHolder(line, host string) bool {
	var pid int
	var h string
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "pid="); ok {
			pid, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(f, "host="); ok {
			h = v
		}
	}
	if pid <= 0 || h != host {
		return false
	}
	return pidDead(pid)
}

// release removes the lock file and drops the lock (removing first, so that
// a waiting process never locks a file that is about to vanish unnoticed:
// it checks that its file is still the one at the path).
func (l *phaseLock) release() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close()
	l.f = nil
}
