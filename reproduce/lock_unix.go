//go:build unix

package reproduce

import (
	"errors"
	"os"
	"syscall"
)

// flockNB takes an exclusive flock on f without waiting: errLocked when
// another process holds it, another error when the file system has none.
func flockNB(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

// pidDead reports whether no process with this pid exists on this host.
func pidDead(pid int) bool { return syscall.Kill(pid, 0) == syscall.ESRCH }
