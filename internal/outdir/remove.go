package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// RemoveOwned removes the folder dir that isonet wrote for what (a
// Marker.Kind such as "checkpoint"; "" for any kind), deleting only the
// entries its marker lists (or a legacy folder's files), and those of
// listed subfolders by their own markers, then dir itself. A symbolic link
// at dir, a folder of another kind, or one holding anything else (see
// Classify) is refused and left as it is. An entry that appears meanwhile,
// which no marker lists, is never deleted: dir is then kept, holding it,
// and an error says so. An empty folder is removed; a missing one is not
// an error.
func RemoveOwned(dir, what string) error {
	li, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link; isonet removes only folders it wrote", dir)
	}
	info, err := Classify(dir)
	if err != nil {
		return err
	}
	switch {
	case info.Kind == Missing:
		return nil
	case info.Kind == Empty:
		return removeEmpty(dir)
	case info.Kind != Owned:
		return fmt.Errorf("%s is not a folder isonet wrote alone; it is kept", dir)
	case what != "" && info.What != what:
		return fmt.Errorf("%s is an isonet %s folder, not a %s folder; it is kept", dir, info.What, what)
	}
	return removeListed(dir, 0)
}

// removeListed removes the entries dir's marker (or legacy list) names,
// descending into listed folders, then the marker and dir.
func removeListed(dir string, depth int) error {
	if depth >= maxDepth {
		return fmt.Errorf("%s: folders nested too deep", dir)
	}
	var names []string
	if mk, ok := ReadMarker(dir); ok {
		names = mk.Files
	} else {
		for _, l := range legacy {
			if hasFormat(filepath.Join(dir, l.file), l.format) {
				names = l.files
				break
			}
		}
	}
	for _, n := range names {
		if n == "" || n == "." || n == ".." || n != filepath.Base(n) || n == MarkerFile {
			continue // a marker names entries of its own folder only
		}
		p := filepath.Join(dir, n)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.IsDir() {
			if err := removeListed(p, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Remove(filepath.Join(dir, MarkerFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return removeEmpty(dir)
}

// removeEmpty removes dir when it is empty; a folder holding anything is
// kept, and the error names what it holds.
func removeEmpty(dir string) error {
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		var left []string
		if ents, rerr := os.ReadDir(dir); rerr == nil {
			for _, e := range ents {
				left = append(left, e.Name())
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("%s is kept: it holds %s, which isonet did not write", dir, list(left))
		}
		return err
	}
	return nil
}
