package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is the cause of OpenRegular's refusals: the path is a
// symbolic link, a folder, a pipe, a device or anything else that is not a
// plain file.
var ErrNotRegular = errors.New("not a regular file")

// OpenRegular opens (creating it with perm when flag holds os.O_CREATE)
// the plain file at path for writing, without following a symbolic link at
// path (O_NOFOLLOW) and without blocking on a pipe (O_NONBLOCK), and
// refuses anything at path that is not a plain file: a link planted in a
// shared folder (run/phases/X.lock -> ~/victim.txt) must not make isonet
// write into its target. The error wraps ErrNotRegular and says what is
// there: "lock run/phases/X.lock is a symbolic link, not a file isonet
// made".
func OpenRegular(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	f, err := os.OpenFile(path, flag|openFlags, perm)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, notRegular(path, fi.Mode())
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, fi.Mode())
	}
	return f, nil
}

// notRegular says what is at path instead of a plain file.
func notRegular(path string, m fs.FileMode) error {
	what := "not a plain file"
	switch {
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case m.IsDir():
		what = "a folder"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return &notRegularError{fmt.Sprintf("%s is %s, not a file isonet made", path, what)}
}

type notRegularError struct{ msg string }

func (e *notRegularError) Error() string { return e.msg }
func (e *notRegularError) Unwrap() error { return ErrNotRegular }
