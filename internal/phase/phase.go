// Package phase is the engine of a resumable computation made of phases,
// stored in a run folder like the results of a build system's action
// cache. It knows nothing of what the phases compute.
//
// A phase is declared as data (Phase): its name, its settings (a plain
// value, encoded as JSON), the phases whose results it reads (Needs), and
// the function computing its result from those results. Its key is the
// sha256 of its settings and the keys and content digests of the results
// it reads (Key), so a result is reused only for the very inputs it was
// computed from; the build is recorded beside the key and compared on its
// own, so that a merge may accept phases of several builds.
//
// A result is stored in DIR/phases/NAME.json (Record) with the sha256 of
// its own JSON and of every file it refers to (a model's weights, a
// figure), named by paths relative to the run folder: the folder can be
// moved, copied, or reached by any path. Before a stored result is used it
// is verified (Store.Load): a file that changed, vanished or cannot be read
// is named, and the phase is computed again (or, when nothing may be
// computed, refused as corrupt).
//
// Engine.Do does one phase: it reuses a verified result, refuses one of
// other settings (a folder holds one setting of each phase), or computes the
// phase under its lock and stores it, recording it in the run's Ledger,
// from which the phases that read it take their inputs.
package phase

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/isonet/isonet/internal/atomicfile"
)

// Phase is one declared step of a run.
type Phase struct {
	// Name identifies the phase in the run folder ("a/b/train"); slashes
	// group phases, they make no folders.
	Name string
	// Settings determine the result together with the results of Needs; their
	// JSON encoding enters the key.
	Settings any
	// Needs are the phases whose results Run reads, declared before it runs:
	// Input refuses any other.
	Needs []string
	// Run computes the result from the needed results.
	Run func(ctx context.Context, in *Inputs) (any, error)
	// Files returns the files (or folders, taken whole) a result refers to,
	// relative to the run folder; nil: none.
	Files func(result any) []string
	// Data, when not nil, returns a digest of what the phase reads from
	// outside the run folder (a data set's content), which enters its key
	// as a result it reads would: a phase is not reused on other data.
	Data func() (string, error)
	// decode reads a stored result.
	decode func(b []byte) (any, error)
}

// Of declares a phase whose result is a T. files may be nil.
func Of[T any](name string, settings any, needs []string, files func(T) []string, run func(ctx context.Context, in *Inputs) (T, error)) Phase {
	p := Phase{Name: name, Settings: settings, Needs: needs,
		Run: func(ctx context.Context, in *Inputs) (any, error) { return run(ctx, in) },
		decode: func(b []byte) (any, error) {
			var v T
			err := json.Unmarshal(b, &v)
			return v, err
		},
	}
	if files != nil {
		p.Files = func(r any) []string {
			v, _ := r.(T)
			return files(v)
		}
	}
	return p
}

// Decode reads a result of p stored as JSON.
func (p Phase) Decode(b []byte) (any, error) {
	if p.decode == nil {
		var v any
		err := json.Unmarshal(b, &v)
		return v, err
	}
	return p.decode(b)
}

// Done is a phase's result in this process: computed, or read from the
// store and verified.
type Done struct {
	Name string
	// Key is the phase's key (Key); Digest the sha256 of its content
	// (Record.Digest): its result's JSON and its files.
	Key, Digest string
	Result      any
	Seconds     float64
	// Reused says the result was read from the store; Outdated that it
	// was computed because another build had stored it.
	Reused, Outdated bool
}

// Inputs are the results a phase's Run may read: those of its Needs.
type Inputs struct {
	// Dir is the run folder: the files results name are relative to it.
	Dir  string
	name string
	done map[string]Done
}

// NewInputs returns the inputs of phase name: the results done holds for
// its needs.
func NewInputs(dir, name string, done map[string]Done) *Inputs {
	return &Inputs{Dir: dir, name: name, done: done}
}

// Path returns the path of rel, a path relative to the run folder.
func (in *Inputs) Path(rel string) string { return filepath.Join(in.Dir, filepath.FromSlash(rel)) }

// Input returns the result of need, which must be one of the phase's
// declared Needs, as a T.
func Input[T any](in *Inputs, need string) (T, error) {
	var zero T
	d, ok := in.done[need]
	if !ok {
		return zero, fmt.Errorf("phase %s reads %s, which it does not declare among its needs", in.name, need)
	}
	v, ok := d.Result.(T)
	if !ok {
		return zero, fmt.Errorf("phase %s reads %s as %T, but it is a %T", in.name, need, zero, d.Result)
	}
	return v, nil
}

// SettingsHash returns the hex sha256 of settings' JSON encoding.
func SettingsHash(settings any) (string, error) {
	b, err := json.Marshal(settings)
	if err != nil {
		return "", err
	}
	return sum(b), nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Key returns a phase's key: the sha256 of its settings hash and the name,
// key and digest of every result it reads (and of its data: DataInput).
// (The build that computes a phase is recorded and compared beside it:
// Record.Version.)
func Key(settingsHash string, needs []Done) string {
	var b strings.Builder
	fmt.Fprintf(&b, "settings %s\n", settingsHash)
	for _, d := range needs {
		fmt.Fprintf(&b, "reads %q key %s digest %s\n", d.Name, d.Key, d.Digest)
	}
	return sum([]byte(b.String()))
}

// resultSum returns the sha256 of a result's JSON in a canonical form:
// its values as written (numbers as their text), objects' keys sorted, no
// space. Rewriting a stored phase with the same values keeps it; changing
// any value does not.
func resultSum(raw []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return sum(b), nil
}

// DataInput is the input standing for a phase's data (Phase.Data) among
// those its key hashes.
func DataInput(digest string) Done { return Done{Name: "(data)", Digest: digest} }

// KeyInputs returns what phase p's key hashes: the results of its needs
// (done, in p's order) and, when p declares its data, their digest.
func KeyInputs(p Phase, needs []Done) ([]Done, error) {
	if p.Data == nil {
		return needs, nil
	}
	d, err := p.Data()
	if err != nil {
		return nil, fmt.Errorf("phase %s: %w", p.Name, err)
	}
	return append(append([]Done{}, needs...), DataInput(d)), nil
}

// Record is the file format of a stored phase.
type Record struct {
	Phase        string `json:"phase"`
	SettingsHash string `json:"settings_hash"`
	Version      string `json:"isonet_version"`
	Key          string `json:"key"`
	// Needs names the phases whose results it read.
	Needs    []string        `json:"needs"`
	Settings json.RawMessage `json:"settings"`
	Seconds  float64         `json:"seconds"`
	Result   json.RawMessage `json:"result"`
	// ResultSHA256 is the sha256 of Result's canonical JSON (resultSum);
	// Files the sha256 of every file the result refers to, by its path
	// relative to the run folder (slash-separated).
	ResultSHA256 string            `json:"result_sha256"`
	Files        map[string]string `json:"files"`
}

// Digest returns the sha256 of the record's content: its result's and
// files' hashes.
func (r *Record) Digest() string {
	var b strings.Builder
	fmt.Fprintf(&b, "result %s\n", r.ResultSHA256)
	names := make([]string, 0, len(r.Files))
	for n := range r.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "file %q %s\n", n, r.Files[n])
	}
	return sum([]byte(b.String()))
}

// Store is the phases stored in a run folder.
type Store struct {
	Dir string // the run folder
}

// Path returns the file storing phase name.
func (s Store) Path(name string) string {
	return filepath.Join(s.Dir, "phases", FileName(name))
}

// FileName is the base name of phase name's file: its slashes become "__".
func FileName(name string) string { return strings.ReplaceAll(name, "/", "__") + ".json" }

// rel names a path in the store relative to the run folder, for messages.
func (s Store) rel(p string) string {
	if r, err := filepath.Rel(s.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}

// StoredSettings returns the settings hash phase name is stored with, and
// whether a readable record of it is stored.
func (s Store) StoredSettings(name string) (string, bool) {
	b, err := os.ReadFile(s.Path(name))
	if err != nil {
		return "", false
	}
	var r Record
	if json.Unmarshal(b, &r) != nil || r.SettingsHash == "" {
		return "", false
	}
	return r.SettingsHash, true
}

// State is what Store.Load found.
type State int

const (
	Missing  State = iota // no stored result
	Valid                 // stored and verified
	Conflict              // stored with other settings
	Outdated              // stored by another build
	Stale                 // computed from other inputs (its key differs)
	Corrupt               // a file changed, vanished or cannot be read
)

// Found is what Store.Load found for a phase.
type Found struct {
	State  State
	Record *Record
	// Why says, in a few words, why a stored result is not used; File
	// names the file at fault (relative to the run folder) when State is
	// Corrupt.
	Why, File string
	Result    any
}

// Load reads phase p's stored result and verifies it: its settings hash
// against settingsHash, its build against version (unless anyVersion), its
// key against the one p gets from needs, its result
// JSON and every file against their recorded sha256.
func (s Store) Load(p Phase, settingsHash, version string, anyVersion bool, needs []Done) Found {
	path := s.Path(p.Name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Found{State: Missing}
	}
	if err != nil {
		return Found{State: Corrupt, File: s.rel(path), Why: s.rel(path) + " cannot be read: " + errors.Unwrap(err).Error()}
	}
	var r Record
	if json.Unmarshal(b, &r) != nil || r.Result == nil {
		return Found{State: Corrupt, File: s.rel(path), Why: s.rel(path) + " is not a stored phase (unreadable JSON)"}
	}
	f := Found{Record: &r}
	switch {
	case r.SettingsHash != settingsHash:
		f.State, f.Why = Conflict, "it is stored with other settings"
		return f
	case r.Version != version && !anyVersion:
		f.State, f.Why = Outdated, fmt.Sprintf("its stored result was computed by isonet %s, this is %s", orUnknown(r.Version), version)
		return f
	case r.Key != Key(settingsHash, needs):
		f.State, f.Why = Stale, "it was computed from other inputs than those now stored (the results it reads, or its data)"
		return f
	}
	if h, err := resultSum(r.Result); err != nil || h != r.ResultSHA256 {
		f.State, f.File, f.Why = Corrupt, s.rel(path), s.rel(path)+" does not match its recorded sha256 (edited?)"
		return f
	}
	names := make([]string, 0, len(r.Files))
	for n := range r.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h, err := atomicfile.SHA256(filepath.Join(s.Dir, filepath.FromSlash(n)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.State, f.File, f.Why = Corrupt, n, n+" is missing"
		case err != nil:
			f.State, f.File, f.Why = Corrupt, n, n+" cannot be read"
		case h != r.Files[n]:
			f.State, f.File, f.Why = Corrupt, n, n+" does not match its recorded sha256"
		default:
			continue
		}
		return f
	}
	res, err := p.Decode(r.Result)
	if err != nil {
		f.State, f.File, f.Why = Corrupt, s.rel(path), s.rel(path)+" holds a result of another form"
		return f
	}
	f.State, f.Result = Valid, res
	return f
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown version)"
	}
	return v
}

// Save stores result as phase p's, computed in seconds under the given
// key, with the sha256 of its JSON and of every file p.Files names (a
// folder: each regular file in it), and returns the record.
func (s Store) Save(p Phase, settingsHash, version, key string, seconds float64, result any) (*Record, error) {
	rb, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("phase %s: %w", p.Name, err)
	}
	sb, err := json.Marshal(p.Settings)
	if err != nil {
		return nil, fmt.Errorf("phase %s: %w", p.Name, err)
	}
	rs, err := resultSum(rb)
	if err != nil {
		return nil, fmt.Errorf("phase %s: %w", p.Name, err)
	}
	r := &Record{Phase: p.Name, SettingsHash: settingsHash, Version: version, Key: key, Needs: append([]string{}, p.Needs...), Settings: sb,
		Seconds: seconds, Result: rb, ResultSHA256: rs, Files: map[string]string{}}
	if p.Files != nil {
		for _, rel := range p.Files(result) {
			if err := s.hashFiles(r.Files, rel); err != nil {
				return nil, fmt.Errorf("phase %s: %w", p.Name, err)
			}
		}
	}
	path := s.Path(p.Name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteJSON(path, r); err != nil {
		return nil, err
	}
	return r, nil
}

// hashFiles adds the sha256 of rel (a file, or every regular file in a
// folder) to files.
func (s Store) hashFiles(files map[string]string, rel string) error {
	root := filepath.Join(s.Dir, filepath.FromSlash(rel))
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		h, err := atomicfile.SHA256(p)
		if err != nil {
			return err
		}
		r, err := filepath.Rel(s.Dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(r)] = h
		return nil
	})
}

// Ordered reports whether every phase's needs come before it in phases,
// and returns an error naming the first that does not (or a need that is
// not declared at all).
func Ordered(phases []Phase) error {
	seen := map[string]bool{}
	for _, p := range phases {
		for _, n := range p.Needs {
			if !seen[n] {
				return fmt.Errorf("phase %s needs %s, which is not declared before it", p.Name, n)
			}
		}
		seen[p.Name] = true
	}
	return nil
}

// Names returns the phases' names, in order, each once.
func Names(phases []Phase) []string {
	var out []string
	for _, p := range phases {
		if !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}
