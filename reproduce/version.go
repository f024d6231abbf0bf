package reproduce

import (
	"flag"
	"os"
	"runtime/debug"
	"sync"

	"github.com/isonet/isonet/internal/atomicfile"
)

var buildVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(bi, ok, testBinary(), executableHash)
})

// testBinary reports whether this is a `go test` binary, whose generated
// main registers the -test.v flag before any test runs, without linking
// package testing into the command.
func testBinary() bool { return flag.Lookup("test.v") != nil }

// BuildVersion names the isonet build computing phases, so that phases
// stored by another build are not silently reused:
//
//   - a released module version (go install …@v1.2.3): "v1.2.3";
//   - a build from a clean git checkout: its revision, "rev 0123456789ab";
//   - a build from a checkout with uncommitted changes: the revision and a
//     hash of the executable, "rev 0123456789ab+dirty sha256 89abcdef0123"
//     (a rebuild with other changes gets another hash);
//   - no VCS information (go run, a binary built outside git): the hash of
//     the executable, "exe sha256 89abcdef0123";
//   - a `go test` binary: "test", the same for every test of one build.
func BuildVersion() string { return buildVersion() }

func versionOf(bi *debug.BuildInfo, ok, testBinary bool, exeHash func() string) string {
	if testBinary {
		return "test"
	}
	if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	rev, dirty := "", false
	if ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	switch {
	case rev != "" && !dirty:
		return "rev " + rev
	case rev != "":
		return "rev " + rev + "+dirty sha256 " + exeHash()
	}
	return "exe sha256 " + exeHash()
}

// executableHash returns the first 12 hex digits of the running
// executable's sha256 ("unknown" when it cannot be read).
func executableHash() string {
	p, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	sum, err := atomicfile.SHA256(p)
	if err != nil {
		return "unknown"
	}
	return sum[:12]
}
