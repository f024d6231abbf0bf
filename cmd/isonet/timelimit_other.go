//go:build !unix

package main

import "os"

// timeLimitSignals: no SIGUSR1 here.
var timeLimitSignals []os.Signal
