//go:build unix

package bench

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user + system CPU time so far (0 where
// the system does not say).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
