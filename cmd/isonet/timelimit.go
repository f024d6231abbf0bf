package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// exitTimeLimit is the exit status of a command stopped by SIGUSR1, the
// signal a batch system sends ahead of a job's time limit (sbatch
// --signal=B:USR1@120, which `isonet submit slurm` asks for): its progress
// is saved (a training phase's checkpoint, every finished phase) and the
// job may be requeued to resume. 75 is EX_TEMPFAIL of sysexits.h: try
// again later.
const exitTimeLimit = 75

// errTimeLimit is the cause of a context cancelled by SIGUSR1.
var errTimeLimit = errors.New("stopped by SIGUSR1 ahead of the batch system's time limit")

// signalContext returns a context cancelled by Ctrl-C or SIGTERM (cause
// context.Canceled) or by the time-limit signal (cause errTimeLimit), and
// a function that stops listening.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, append([]os.Signal{os.Interrupt, syscall.SIGTERM}, timeLimitSignals...)...)
	go func() {
		for s := range sigs {
			if isTimeLimitSignal(s) {
				cancel(errTimeLimit)
			} else {
				cancel(context.Canceled)
			}
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel(context.Canceled) }
}

// isTimeLimitSignal reports whether s is one of timeLimitSignals.
func isTimeLimitSignal(s os.Signal) bool {
	for _, t := range timeLimitSignals {
		if s == t {
			return true
		}
	}
	return false
}

// stoppedForTimeLimit reports whether ctx was cancelled by the time-limit
// signal.
func stoppedForTimeLimit(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errTimeLimit)
}
