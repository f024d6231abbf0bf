package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestErrorNamesTarget: a write that fails on the temporary file (a full
// disk) is reported as "write TARGET: CAUSE", without the temporary name
// the user never sees; errors.Is still finds the cause.
func TestErrorNamesTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.json")
	err := Write(target, func(w io.Writer) error {
		return &fs.PathError{Op: "write", Path: w.(*os.File).Name(), Err: syscall.ENOSPC}
	})
	if want := "write " + target + ": no space left on device"; err == nil || err.Error() != want || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("error %v, want %q wrapping ENOSPC", err, want)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("left %v", names)
	}
}
