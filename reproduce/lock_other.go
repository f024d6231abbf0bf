//go:build !unix

package reproduce

import (
	"errors"
	"os"
)

func flockNB(*os.File) error { return errors.ErrUnsupported }

func pidDead(int) bool { return false }
