package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteDir fills a temporary folder beside dir with fill and renames it to
// dir, so that dir appears complete or not at all. An existing dir is
// replaced when replace is true (and kept until the new one is in place),
// else it is an error.
func WriteDir(dir string, replace bool, fill func(tmp string) error) (err error) {
	if _, err := os.Stat(dir); err == nil && !replace {
		return fmt.Errorf("%s exists", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("write %s: %w", dir, err)
	}
	// MkdirTemp names it "./.m.tmp-…" under ".", but paths joined to it
	// (which error messages hold) are cleaned: ".m.tmp-…/config.json".
	tmp = filepath.Clean(tmp)
	done := false
	defer func() {
		if !done { // an error, or a panic in fill
			os.RemoveAll(tmp)
		}
	}()
	if err = fill(tmp); err != nil {
		return renameErr(err, tmp, dir)
	}
	if err = os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if err = replaceDir(tmp, dir); err != nil {
		return err
	}
	done = true
	return nil
}

// renameErr makes an error of fill name the files in dir, where the user
// will look, rather than in the temporary folder tmp: a failed write
// (a full disk) becomes "write DIR/FILE: CAUSE"; any other error has tmp
// replaced by dir in its message. errors.Is still sees the cause.
func renameErr(err error, tmp, dir string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Path, tmp+string(filepath.Separator)) {
		rel := strings.TrimPrefix(pe.Path, tmp+string(filepath.Separator))
		// atomicfile writes NAME through a hidden .NAME.tmp-* beside it.
		d, b := filepath.Split(rel)
		if i := strings.Index(b, ".tmp-"); strings.HasPrefix(b, ".") && i > 1 {
			b = b[1:i]
		}
		return &dirError{msg: "write " + filepath.Join(dir, d, b) + ": " + pe.Err.Error(), err: pe.Err}
	}
	if msg := err.Error(); strings.Contains(msg, tmp) {
		return &dirError{msg: strings.ReplaceAll(msg, tmp, dir), err: err}
	}
	return err
}

type dirError struct {
	msg string
	err error
}

func (e *dirError) Error() string { return e.msg }
func (e *dirError) Unwrap() error { return e.err }

// replaceDir renames tmp to dir, moving an existing dir out of the way first
// and deleting it only once the new one is in place.
func replaceDir(tmp, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		old := tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("model: %w", err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.Rename(old, dir)
			return fmt.Errorf("model: %w", err)
		}
		return os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// WriteJSON writes v as indented JSON to path atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFile(path, append(b, '\n'))
}
