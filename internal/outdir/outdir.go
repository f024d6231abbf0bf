// Package outdir keeps isonet's commands from destroying files they did not
// write. It answers three questions about an output path:
//
//   - What is there? Classify sorts a path into Missing, Empty, Owned (a
//     folder isonet wrote: every entry is listed in its marker file, or it
//     is a model or checkpoint folder written before markers existed),
//     Foreign (a folder holding anything else) or File.
//   - May it be written? CheckDir (a command that writes a whole folder, as
//     train and geometry do) and CheckFiles (a command that writes named
//     files, as embed, topology and attack --sweep do) refuse the current
//     folder and those above it, the home folder, a missing parent folder,
//     an existing file, a folder holding files isonet did not write, and
//     any path that is, holds or lies inside one of the command's inputs.
//   - Is someone else writing it? Lock takes an exclusive lock per output
//     (a file NAME.lock beside it holding pid and host); a lock whose holder
//     died is taken over.
//
// Every error is a *Refusal whose message starts with the flag and the path
// as the user typed them ("--out proj is not an isonet folder ..."), ready
// for the CLI's "isonet CMD: " prefix.
//
// A folder is marked as isonet's by its marker file MarkerFile, a small JSON
// manifest naming the command that wrote it and every entry it wrote
// (Mark, Record). model.SaveForce, geometry, embed, topology and attack
// --sweep write it; reproduce may use the same file with its own Kind.
package outdir

import (
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

// MarkerFile is the name of the manifest isonet writes into every folder it
// writes output into.
const MarkerFile = ".isonet"

// MarkerFormat is the value of the marker's "format" field.
const MarkerFormat = "isonet-folder/1"

// Marker is the content of MarkerFile.
type Marker struct {
	Format string `json:"format"`
	// Kind names what wrote the folder: "model", "checkpoint", "geometry",
	// "files" (loose files of embed, topology, attack --sweep), "reproduce".
	Kind string `json:"kind"`
	// Files lists the entries (files or folders, by base name) isonet wrote
	// directly in the folder, sorted.
	Files []string `json:"files"`
}

// Kind is what Classify found at a path.
type Kind int

const (
	Missing Kind = iota // nothing at the path
	Empty               // an empty folder
	Owned               // a folder isonet wrote, holding nothing else
	Foreign             // a folder holding entries isonet did not write
	File                // a file, or anything else that is not a folder
)

func (k Kind) String() string {
	return [...]string{"missing", "empty", "owned", "foreign", "file"}[k]
}

// Info describes what is at a path.
type Info struct {
	Path string
	Kind Kind
	// What names the writer of an Owned folder (Marker.Kind, or "model" /
	// "checkpoint" for a folder written before markers existed).
	What string
	// Foreign lists the entries of a Foreign folder isonet did not write
	// (sorted; a folder's name ends in "/").
	Foreign []string
}

// legacy lists the entries of folders isonet wrote before marker files,
// recognised by the format field of their JSON file.
var legacy = []struct {
	what, file, format string
	files              []string
}{
	{"model", "config.json", "isonet-model/", []string{"config.json", "model.safetensors", "metrics.json"}},
	{"checkpoint", "checkpoint.json", "isonet-checkpoint/", []string{"checkpoint.json", "state.safetensors"}},
}

// Classify reports what is at path. A folder is Owned only when isonet
// wrote everything in it at any depth: each entry is listed in its marker
// (or is a legacy folder's file), and a listed entry that is a folder is
// itself Owned, by a marker of its own. A folder listed by name only (a
// reproduce run's rings/, where the user may keep notes) makes its parent
// Foreign.
func Classify(path string) (Info, error) { return classify(path, 0) }

// maxDepth bounds Classify's descent into subfolders listed in markers.
const maxDepth = 16

func classify(path string, depth int) (Info, error) {
	info := Info{Path: path}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		info.Kind = Missing
		return info, nil
	}
	if err != nil {
		return info, err
	}
	if !fi.IsDir() {
		info.Kind = File
		return info, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return info, err
	}
	if len(ents) == 0 {
		info.Kind = Empty
		return info, nil
	}
	known := map[string]bool{}
	if mk, ok := ReadMarker(path); ok {
		info.What = mk.Kind
		for _, f := range mk.Files {
			known[f] = true
		}
		known[MarkerFile] = true
	} else {
		for _, l := range legacy {
			if hasFormat(filepath.Join(path, l.file), l.format) {
				info.What = l.what
				for _, f := range l.files {
					known[f] = true
				}
				break
			}
		}
	}
	seen := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "."+MarkerFile+".tmp-") {
			continue // another isonet process writing the marker right now
		}
		seen++
		if known[e.Name()] && (!e.IsDir() || ownedBelow(filepath.Join(path, e.Name()), depth)) {
			continue
		}
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		info.Foreign = append(info.Foreign, name)
	}
	if seen == 0 {
		info.Kind = Empty
		return info, nil
	}
	if len(info.Foreign) > 0 { // without a marker every entry is foreign
		info.Kind = Foreign
		info.What = ""
		return info, nil
	}
	info.Kind = Owned
	return info, nil
}

// ownedBelow reports whether the subfolder dir, listed in its parent's
// marker, is itself a folder isonet wrote throughout.
func ownedBelow(dir string, depth int) bool {
	if depth >= maxDepth {
		return false
	}
	info, err := classify(dir, depth+1)
	return err == nil && (info.Kind == Owned || info.Kind == Empty)
}

// hasFormat reports whether the JSON object in file has a "format" field
// starting with prefix.
func hasFormat(file, prefix string) bool {
	b, err := os.ReadFile(file)
	if err != nil || len(b) > 1<<20 {
		return false
	}
	var v struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(b, &v) == nil && strings.HasPrefix(v.Format, prefix)
}

// ReadMarker reads dir's marker file; ok is false when there is none or it
// is not a valid marker.
func ReadMarker(dir string) (m Marker, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if err != nil || len(b) > 1<<20 {
		return m, false
	}
	if json.Unmarshal(b, &m) != nil || m.Format != MarkerFormat {
		return Marker{}, false
	}
	return m, true
}

// Mark writes dir's marker file saying that kind wrote every entry now in
// dir (call it last, on the temporary folder, before renaming it into
// place).
func Mark(dir, kind string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if e.Name() != MarkerFile {
			names = append(names, e.Name())
		}
	}
	return writeMarker(dir, Marker{Format: MarkerFormat, Kind: kind, Files: names})
}

// Record adds the base names of paths (which must lie directly in dir) to
// dir's marker file, creating it with kind when there is none: isonet wrote
// them. An existing marker keeps its kind.
func Record(dir, kind string, paths ...string) error {
	mk, ok := ReadMarker(dir)
	if !ok {
		mk = Marker{Format: MarkerFormat, Kind: kind}
	}
	for _, p := range paths {
		if b := filepath.Base(p); !slices.Contains(mk.Files, b) {
			mk.Files = append(mk.Files, b)
		}
	}
	return writeMarker(dir, mk)
}

// Forget removes from dir's marker the base names of those paths (lying
// directly in dir) that do not exist: a command records the files it is
// about to write (so that a crash leaves none of them unclaimed), and
// forgets, once it is done or has failed, those it did not write, so that
// the marker never claims a name isonet did not write (a file the user
// saves there later under that name stays theirs).
func Forget(dir string, paths ...string) error {
	mk, ok := ReadMarker(dir)
	if !ok {
		return nil
	}
	gone := map[string]bool{}
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(dir, filepath.Base(p))); errors.Is(err, fs.ErrNotExist) {
			gone[filepath.Base(p)] = true
		}
	}
	kept := mk.Files[:0:0]
	for _, f := range mk.Files {
		if !gone[f] {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(mk.Files) {
		return nil
	}
	mk.Files = kept
	return writeMarker(dir, mk)
}

func writeMarker(dir string, mk Marker) error {
	sort.Strings(mk.Files)
	b, err := json.MarshalIndent(mk, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, MarkerFile), append(b, '\n'))
}

// Refusal is the error of every check: an output path the command will not
// write. Its message names the flag and the path as given.
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return r.Msg }

func refuse(format string, args ...any) error { return &Refusal{fmt.Sprintf(format, args...)} }

// Input is something a command reads: a model folder, a data file or an
// IDX folder. No output may be it, hold it, or lie inside it.
type Input struct {
	Path  string // the file or folder read ("" is ignored)
	Given string // how the user named it, for messages: "--model m", "--dataset csv:d.csv"
	What  string // "the model being read", "the data being read"
}

// ModelInput is the model folder a command reads (--model dir).
func ModelInput(dir string) Input {
	return Input{Path: dir, Given: "--model " + dir, What: "the model being read"}
}

// DataInput is a data file or folder a command reads, named by given.
func DataInput(path, given string) Input {
	return Input{Path: path, Given: given, What: "the data being read"}
}

// abs returns the absolute, cleaned, symlink-resolved form of p (resolving
// as much of it as exists).
func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if r, err := filepath.EvalSymlinks(a); err == nil {
		return r
	}
	// Resolve the existing parent and keep the missing tail.
	dir, base := filepath.Split(a)
	if dir == a || dir == "" {
		return a
	}
	return filepath.Join(abs(filepath.Clean(dir)), base)
}

// within reports whether p is q or lies inside q (both absolute, clean).
func within(p, q string) bool {
	if p == q {
		return true
	}
	if q == string(filepath.Separator) {
		return true
	}
	return strings.HasPrefix(p, q+string(filepath.Separator))
}

// checkPlace refuses the places no output may go: the current folder and
// those above it, the home folder, a dangling symbolic link, and a path
// whose parent folder is missing or not a folder.
func checkPlace(flag, path string) error {
	p := abs(path)
	if wd, err := os.Getwd(); err == nil {
		if wd = abs(wd); within(wd, p) {
			if p == wd {
				return refuse("%s %s is the current folder; give a new folder's name", flag, path)
			}
			return refuse("%s %s holds the current folder; give a new folder's name", flag, path)
		}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" && abs(home) == p {
		return refuse("%s %s is the home folder; give a new folder's name", flag, path)
	}
	if li, err := os.Lstat(path); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		if _, err := os.Stat(path); err != nil {
			target, _ := os.Readlink(path)
			return refuse("%s %s is a symbolic link to %s, which does not exist; isonet does not write through a dangling link: remove it or choose another %s", flag, path, target, flag)
		}
	}
	parent := filepath.Dir(filepath.Clean(path))
	fi, err := os.Stat(parent)
	if err != nil {
		return refuse("%s %s: folder %s does not exist", flag, path, parent)
	}
	if !fi.IsDir() {
		return refuse("%s %s: %s is not a folder", flag, path, parent)
	}
	return nil
}

// CheckPlace refuses the places no output may go, for commands with rules
// of their own for what is inside: the current folder and those above it,
// the home folder, and a path whose parent folder is missing or not a
// folder.
func CheckPlace(flag, path string) error { return checkPlace(flag, path) }

// CheckInputs refuses an output path that is one of inputs, holds one, or
// lies inside an input folder ("--out m is the model being read (--model
// m)").
func CheckInputs(flag, path string, inputs ...Input) error {
	return checkInputs(flag+" "+path, path, inputs)
}

// checkInputs refuses an output path that is one of the inputs, holds one,
// or lies inside an input folder; subject starts the message.
func checkInputs(subject, path string, inputs []Input) error {
	p := abs(path)
	for _, in := range inputs {
		if in.Path == "" {
			continue
		}
		q := abs(in.Path)
		switch {
		case p == q:
			return refuse("%s is %s (%s)", subject, in.What, in.Given)
		case within(q, p):
			return refuse("%s holds %s (%s)", subject, in.What, in.Given)
		case within(p, q):
			if fi, err := os.Stat(q); err == nil && fi.IsDir() {
				return refuse("%s lies inside %s (%s)", subject, in.What, in.Given)
			}
		}
	}
	return nil
}

// list names up to three entries: "a", "a and b", "a, b and c", "a, b, c
// and 4 more".
func list(names []string) string {
	switch n := len(names); {
	case n == 1:
		return names[0]
	case n <= 3:
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", n-3)
	}
}

// ModelKind is the marker kind of a model folder (model.SaveForce).
const ModelKind = "model"

// CheckDir decides whether a command may write the model folder path
// (given with flag, e.g. "--out"), replacing what is there. It is allowed
// when path is missing or an empty folder, or, with force, a model folder
// isonet wrote, everything in it at any depth (see Classify). It refuses
// (a *Refusal) the current folder and those above it, the home folder, a
// missing parent, a file, a folder isonet wrote for something other than a
// model (a reproduce run, a checkpoint: "... is an isonet reproduce
// folder, not a model folder ..."; even with force), a folder holding
// anything isonet did not write (naming up to three of its entries; even
// with force), a model folder without force ("... exists and is not empty
// (use --force to replace it)"), and a path that is, holds or lies inside
// one of inputs. Nothing is changed.
func CheckDir(flag, path string, force bool, inputs ...Input) (Info, error) {
	if err := checkPlace(flag, path); err != nil {
		return Info{}, err
	}
	if err := checkInputs(flag+" "+path, path, inputs); err != nil {
		return Info{}, err
	}
	info, err := Classify(path)
	if err != nil {
		return info, refuse("%s %s: %v", flag, path, err)
	}
	if mk, ok := ReadMarker(path); ok && info.Kind != File && mk.Kind != ModelKind {
		// A reproduce run, a checkpoint, a geometry folder: never a model
		// command's to replace, whatever it holds.
		how := "choose another " + flag
		if force {
			how = "--force replaces only model folders isonet wrote"
		}
		return info, refuse("%s %s is an isonet %s folder, not a model folder; %s", flag, path, mk.Kind, how)
	}
	switch info.Kind {
	case File:
		return info, refuse("%s %s is a file, not a folder; isonet does not write over files", flag, path)
	case Foreign:
		if force {
			return info, refuse("%s %s is not an isonet folder (it holds %s); --force replaces only folders isonet wrote", flag, path, list(info.Foreign))
		}
		return info, refuse("%s %s is not an isonet folder (it holds %s); choose another %s", flag, path, list(info.Foreign), flag)
	case Owned:
		if !force {
			return info, refuse("%s %s exists and is not empty (use --force to replace it)", flag, path)
		}
	}
	return info, nil
}

// CheckFiles decides whether a command may write the files paths, derived
// from base, the value of flag ("--out e" writes e.png, e.svg and e.csv;
// base itself may be one of paths). Each may be missing or a file isonet
// wrote (listed in its folder's marker). Refused: checkPlace's places for
// base, a folder, a file isonet did not write, an input, and a path inside
// an input folder. Nothing is changed.
func CheckFiles(flag, base string, paths []string, inputs ...Input) error {
	if err := checkPlace(flag, base); err != nil {
		return err
	}
	for _, p := range paths {
		subject := flag + " " + base
		if p != base {
			subject += ": " + p
		}
		if err := checkInputs(subject, p, inputs); err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return refuse("%s: %v", subject, err)
		}
		if fi.IsDir() {
			return refuse("%s is a folder; choose another %s", subject, flag)
		}
		mk, ok := ReadMarker(filepath.Dir(p))
		if !fi.Mode().IsRegular() || !ok || !slices.Contains(mk.Files, filepath.Base(p)) {
			return refuse("%s exists and was not written by isonet; choose another %s", subject, flag)
		}
	}
	return nil
}

// CheckFolderFiles decides whether a command may write the files names
// into the folder dir (given with flag), as geometry writes its figures
// and JSON into --out DIR: dir may be missing or a folder; each file in it
// may be missing or one isonet wrote (listed in dir's marker), so nothing
// else in the folder is ever touched. Refused: checkPlace's places, a file
// at dir, a dir that is, holds or lies inside an input, and a file isonet
// did not write. Nothing is changed.
func CheckFolderFiles(flag, dir string, names []string, inputs ...Input) error {
	if err := checkPlace(flag, dir); err != nil {
		return err
	}
	if err := checkInputs(flag+" "+dir, dir, inputs); err != nil {
		return err
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return refuse("%s %s is a file, not a folder; isonet does not write over files", flag, dir)
	}
	mk, _ := ReadMarker(dir)
	for _, n := range names {
		p := filepath.Join(dir, n)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return refuse("%s %s: %v", flag, dir, err)
		}
		if !fi.Mode().IsRegular() || !slices.Contains(mk.Files, n) {
			return refuse("%s %s: %s exists and was not written by isonet; choose another %s", flag, dir, p, flag)
		}
	}
	return nil
}
