//go:build unix

package main

import (
	"os"
	"syscall"
)

// timeLimitSignals are the signals that stop a command ahead of a batch
// system's time limit (see exitTimeLimit).
var timeLimitSignals = []os.Signal{syscall.SIGUSR1}
