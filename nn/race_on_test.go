//go:build race

package nn_test

// raceEnabled: the race detector allocates on its own; allocation counts
// are not checked under it.
const raceEnabled = true
