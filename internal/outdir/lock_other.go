//go:build !unix

package outdir

import "os"

func flock(*os.File) error { return errNoFlock }

// pidAlive cannot tell here; a lock is then taken to be live.
func pidAlive(int) bool { return true }

// openFlags: no such flags here; OpenRegular's Lstat and Stat checks remain.
const openFlags = 0
