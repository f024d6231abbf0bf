// Package atomicfile writes files so that a reader never sees half of one:
// the bytes go to a temporary file in the same folder, are synced, and the
// temporary file is renamed over the target only when everything succeeded.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write calls fill with a writer for a temporary file beside path and, if
// fill and the flush succeed, renames the temporary file to path. On any
// error, or a panic in fill, the temporary file is removed and path is
// left as it was.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, causeOf(err, ""))
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done { // an error, or a panic in fill
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = fill(f); err != nil {
		return fmt.Errorf("write %s: %w", path, causeOf(err, tmp))
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, causeOf(err, tmp))
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, causeOf(err, tmp))
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	return nil
}

// causeOf strips the temporary file's name from err (a *fs.PathError on
// tmp, or on any path when tmp is ""), so that messages name only the
// target the user knows: "write out/f.json: no space left on device".
// errors.Is still finds the cause.
func causeOf(err error, tmp string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && (tmp == "" || pe.Path == tmp) {
		return pe.Err
	}
	return err
}

// WriteFile writes data to path atomically (see Write).
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}
