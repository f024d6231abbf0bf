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

// TestWriteDirBareName: a folder named without a parent ("m", in the
// current folder) whose fill fails on a full disk is reported as "write
// m/config.json: no space left on device", never the hidden temporary
// folder (issue 29 item 9: "write .m.tmp-3394888552/config.json", because
// MkdirTemp names the temporary folder "./.m.tmp-…" and the joined paths
// in messages are cleaned).
func TestWriteDirBareName(t *testing.T) {
	t.Chdir(t.TempDir())
	err := WriteDir("m", false, func(tmp string) error {
		return WriteFile(filepath.Join(tmp, "config.json"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll("m")
	for _, fail := range []func(tmp string) error{
		func(tmp string) error { // as atomicfile.Write reports it
			return Write(filepath.Join(tmp, "config.json"), func(w io.Writer) error {
				return &fs.PathError{Op: "write", Path: w.(*os.File).Name(), Err: syscall.ENOSPC}
			})
		},
		func(tmp string) error { // a raw *fs.PathError on the file in tmp
			return &fs.PathError{Op: "write", Path: filepath.Join(tmp, "config.json"), Err: syscall.ENOSPC}
		},
	} {
		err := WriteDir("m", false, fail)
		if want := "write m/config.json: no space left on device"; err == nil || err.Error() != want || !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("error %v, want %q wrapping ENOSPC", err, want)
		}
		if names := listDir(t, "."); len(names) != 0 {
			t.Errorf("left %v", names)
		}
	}
}
