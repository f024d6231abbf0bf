package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/isonet/isonet/data"
	"github.com/isonet/isonet/model"
)

// modelFlags binds the flags every command that applies a trained model to
// data shares: --model, --dataset, --data-dir, --test-frac, --seed, and
// optionally --test-subset and --layer.
type modelFlags struct {
	fs                    *flag.FlagSet
	dir, dataset, dataDir string
	seed                  uint64
	testFrac              float64
	subset, layer         int
	hasLayer              bool

	// report says, after load, which data was used against the data the
	// model was trained on.
	report *dataReport
}

// newModelFlags registers the shared flags on fs; what says what the
// command does with the test split ("attacked", "embedded", ...).
func newModelFlags(fs *flag.FlagSet, what string, subset, layer bool) *modelFlags {
	f := &modelFlags{fs: fs, hasLayer: layer}
	fs.StringVar(&f.dir, "model", "", "model folder (from isonet train)")
	fs.StringVar(&f.dataset, "dataset", "", "data set whose test split is "+what+" (default: exactly the data the model was trained on, as recorded in its config.json)")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder of IDX files for mnist or fashion-mnist (default: the model's own)")
	fs.Float64Var(&f.testFrac, "test-frac", 0, "CSV data: for the model's own file it must equal the fraction recorded at training (its held-out rows are used); for another file, hold out this fraction of it (default: all its rows)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed for the toy data and any subsample or random choice (0 = the model's training seed); a CSV model's split is always the recorded one")
	if subset {
		fs.IntVar(&f.subset, "test-subset", 0, "use the first N test examples only (0 = all)")
	}
	if layer {
		fs.IntVar(&f.layer, "layer", 0, "layer: 0 = input, 1.. hidden, last = logits (default: the model's isometric layer)")
	}
	return f
}

// required checks that --model was given.
func (f *modelFlags) required() error {
	if f.dir == "" {
		return fmt.Errorf("--model DIR is required")
	}
	return nil
}

// load loads the model and the test split of the data set (by default the
// one it was trained on, see resolveData), checking that they fit; with
// --layer it also resolves and checks the layer. f.report says which data
// was used.
func (f *modelFlags) load() (*model.Model, *dataPair, int, error) {
	if err := f.required(); err != nil {
		return nil, nil, 0, err
	}
	m, err := model.Load(f.dir)
	if err != nil {
		return nil, nil, 0, err
	}
	if f.seed == 0 {
		f.seed = m.Config.Seed // the toy data the model was trained with
	}
	l, rep, err := resolveData(m, f.dir, dataChoice{
		dataset: f.dataset, dataDir: f.dataDir, seed: f.seed, testFrac: f.testFrac, subset: f.subset,
		setDataset: isSet(f.fs, "dataset"), setDataDir: isSet(f.fs, "data-dir"),
		setSeed: isSet(f.fs, "seed"), setTestFrac: isSet(f.fs, "test-frac"), testOnly: true,
	})
	if err != nil {
		return nil, nil, 0, err
	}
	te := l.Test
	if in := m.Blocks[0].InputDim(); in != te.Dim() {
		return nil, nil, 0, fmt.Errorf("model %s takes %d inputs but data set %s has %d features", f.dir, in, te.Name, te.Dim())
	}
	if c := m.Net().NumClasses(); c != te.NumClasses() {
		return nil, nil, 0, fmt.Errorf("model %s has %d outputs but data set %s has %d classes", f.dir, c, te.Name, te.NumClasses())
	}
	layer := 0
	if f.hasLayer {
		layer = m.IsoLayer()
		if isSet(f.fs, "layer") {
			layer = f.layer
		}
		if err := m.CheckLayer(layer); err != nil {
			return nil, nil, 0, err
		}
	}
	f.report = rep
	return m, &dataPair{train: l.Train, test: te}, layer, nil
}

// printNotes writes the data report's lines, each prefixed by the
// command's name, to stderr once the command has succeeded (run prints the
// notes collected in ctx; without a collector they are written at once).
// A command that fails prints its one error line only.
func (f *modelFlags) printNotes(ctx context.Context, stderr io.Writer) {
	if f.report == nil {
		return
	}
	var lines []string
	for _, line := range f.report.lines() {
		lines = append(lines, f.fs.Name()+": "+line)
	}
	if n, ok := ctx.Value(notesKey{}).(*notes); ok {
		n.lines = append(n.lines, lines...)
		return
	}
	for _, l := range lines {
		fmt.Fprintln(stderr, l)
	}
}

// notes collects lines for stderr that are printed only on success.
type notes struct{ lines []string }

type notesKey struct{}

// withNotes returns ctx carrying a fresh notes collector.
func withNotes(ctx context.Context) (context.Context, *notes) {
	n := &notes{}
	return context.WithValue(ctx, notesKey{}, n), n
}

// flush writes the collected lines to w.
func (n *notes) flush(w io.Writer) {
	for _, l := range n.lines {
		fmt.Fprintln(w, l)
	}
}

// dataChoice is what the user said about the data of a command that reads
// a model.
type dataChoice struct {
	dataset, dataDir                             string
	seed                                         uint64
	testFrac                                     float64
	subset                                       int
	setDataset, setDataDir, setSeed, setTestFrac bool
	labelCols                                    []int // stacked eval's --label-cols (nil = as trained)
	testOnly                                     bool  // the command uses the test split only
}

// dataReport says which data a command used, against the data the model
// was trained on.
type dataReport struct {
	// TrainedOn describes the training data ("unknown" for a model folder
	// written before isonet recorded it); EvaluatedOn the data used now.
	TrainedOn   string `json:"trained_on"`
	EvaluatedOn string `json:"evaluated_on"`
	// Same is true when both are the same data set from the same place.
	Same bool `json:"same"`
	// Rows says which rows of a CSV file were used.
	Rows string `json:"rows,omitempty"`
	// Warnings: changed file contents, an unknown training set, a split
	// that could not be checked.
	Warnings []string `json:"warnings,omitempty"`
}

// lines is the report as text lines.
func (r *dataReport) lines() []string {
	var out []string
	switch {
	case r.TrainedOn == unknownData:
		out = append(out, "data: trained on unknown data (the model folder predates isonet recording it); evaluated on "+r.EvaluatedOn)
	case r.Same:
		out = append(out, "data: "+r.EvaluatedOn+", as trained")
	default:
		out = append(out, "data: trained on "+r.TrainedOn+", evaluated on "+r.EvaluatedOn)
	}
	if r.Rows != "" {
		out = append(out, "rows: "+r.Rows)
	}
	for _, w := range r.Warnings {
		out = append(out, "warning: "+w)
	}
	return out
}

const unknownData = "unknown"

// resolveData opens the data a command that reads model m (in dir) uses:
// by default exactly the data recorded in its config.json (the same files,
// the same CSV split and label columns, its classes mapped by name); with
// --dataset or --data-dir the data named, whose labels are mapped to the
// model's classes by name. It refuses a recorded pipe, a --test-frac that
// contradicts the recorded split, and a changed CSV split.
func resolveData(m *model.Model, dir string, c dataChoice) (*data.Loaded, *dataReport, error) {
	prov := m.Config.Data
	explicit := c.setDataset || c.setDataDir
	var (
		spec data.Spec
		opt  data.OpenOptions
		rep  = &dataReport{TrainedOn: unknownData}
	)
	if prov != nil {
		rep.TrainedOn = prov.String()
	}
	trainedCSV := prov != nil && prov.Source == data.SourceCSV
	switch {
	case !explicit && prov != nil:
		if prov.NotRegular {
			return nil, nil, fmt.Errorf("the model in %s was trained on %s, which cannot be read again; pass --dataset csv:PATH to say which file to use", dir, prov.String())
		}
		spec = prov.Spec()
	case !explicit:
		if m.Config.Dataset == "" {
			return nil, nil, fmt.Errorf("--dataset is required: the model in %s does not name its data set", dir)
		}
		spec = data.Spec{Name: m.Config.Dataset, Seed: c.seed}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the model in %s does not record its data (written before isonet did); using --dataset %s as named in its config.json", dir, m.Config.Dataset))
	default:
		spec = data.Spec{Name: c.dataset, Dir: c.dataDir}
		if !c.setDataset {
			switch {
			case prov != nil && !trainedCSV:
				spec.Name = prov.Name
			case prov == nil && m.Config.Dataset != "":
				spec.Name = m.Config.Dataset
			default:
				spec.Name = "mnist"
			}
		}
		spec.Seed = c.seed
		if prov != nil && prov.Source == data.SourceGenerated && !c.setSeed {
			spec.Seed = prov.Seed
		}
		if trainedCSV {
			spec.LabelCols = prov.LabelCols
		}
	}
	if c.setSeed && (spec.Kind() == "rings" || spec.Kind() == "torus") {
		spec.Seed = c.seed
	}
	if c.labelCols != nil {
		spec.LabelCols = c.labelCols
	}
	spec.TestSubset = c.subset
	if spec.Kind() == "csv" {
		if err := csvChoice(&spec, &opt, prov, c, rep); err != nil {
			return nil, nil, err
		}
	} else if c.setTestFrac {
		return nil, nil, fmt.Errorf("--test-frac is for csv: data sets; %s has a fixed test split", spec.Name)
	}
	if err := checkCSVColumns(m, dir, spec, prov, c); err != nil {
		return nil, nil, err
	}
	opt.TestOnly = c.testOnly
	l, err := spec.Open(opt)
	if err != nil {
		return nil, nil, err
	}
	now := &l.Prov
	copyOf := ""
	if opt.Whole && prov != nil && prov.Split != nil && sameContent(prov, now) {
		// A copy of the training file: its training rows must not be
		// scored, so use the recorded split.
		opt.Whole, opt.Split = false, prov.Split
		if l, err = spec.Open(opt); err != nil {
			return nil, nil, err
		}
		now = &l.Prov
		copyOf = " (the same content as the training file)"
	}
	rep.EvaluatedOn = now.String() + copyOf
	rep.Same = prov.Same(now)
	if rep.Same {
		rep.Warnings = append(rep.Warnings, prov.HashChanges(now)...)
	}
	if now.Source == data.SourceCSV {
		rep.Rows = csvRows(now, opt, l, c.subset)
	}
	for _, w := range l.Warnings {
		rep.Warnings = append(rep.Warnings, message(w))
	}
	return l, rep, nil
}

// checkCSVColumns refuses, before reading it, a CSV file other than the
// model's own whose columns are not the model's inputs and the label
// columns recorded at training: read with those label columns, an extra
// feature column would fail as a label or as "not a number" instead of
// naming the mismatch.
func checkCSVColumns(m *model.Model, dir string, spec data.Spec, prov *data.Provenance, c dataChoice) error {
	if spec.Kind() != "csv" || c.labelCols != nil || prov == nil || prov.Source != data.SourceCSV {
		return nil
	}
	path := strings.TrimPrefix(spec.Name, "csv:")
	n, ok := data.CSVColumns(path)
	if !ok {
		return nil
	}
	in, labels := m.Blocks[0].InputDim(), len(spec.LabelCols)
	if n == in+labels {
		return nil
	}
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	return fmt.Errorf("model %s takes %d inputs but data set %s has %d features (%d columns, %d of them labels as at training)", dir, in, strings.TrimSuffix(base, filepath.Ext(base)), n-labels, n, labels)
}

// csvChoice settles how a CSV file is read for a model: its own file with
// the recorded split and classes, another file whole (or split with
// --test-frac), labels mapped to the model's classes by name.
func csvChoice(spec *data.Spec, opt *data.OpenOptions, prov *data.Provenance, c dataChoice, rep *dataReport) error {
	path := strings.TrimPrefix(spec.Name, "csv:")
	trainedCSV := prov != nil && prov.Source == data.SourceCSV
	if trainedCSV {
		opt.Classes = prov.ClassNames
		if spec.LabelCols == nil {
			spec.LabelCols = prov.LabelCols
		}
	}
	own := trainedCSV && !prov.NotRegular && absPath(path) == prov.Path
	switch {
	case own && prov.Split != nil:
		if c.setTestFrac && c.testFrac != prov.Split.TestFrac {
			return fmt.Errorf("--test-frac %g disagrees with the split recorded at training (test fraction %g, split seed %d, %s of %d); omit --test-frac to evaluate exactly the held-out rows", c.testFrac, prov.Split.TestFrac, prov.Split.Seed, heldOut(prov.Split.TestRows), prov.Split.Rows)
		}
		opt.Split = prov.Split
	case prov == nil:
		// A model from before isonet recorded its split: re-split as
		// training did by default, and say that it cannot be checked.
		spec.TestFrac = 0.2
		if c.setTestFrac {
			spec.TestFrac = c.testFrac
		}
		spec.Seed = c.seed
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the held-out rows were not recorded at training; split afresh (test fraction %g, seed %d), which may include training rows if training used another split", spec.TestFrac, spec.Seed))
	case c.setTestFrac:
		if c.testFrac <= 0 || c.testFrac >= 1 {
			return fmt.Errorf("--test-frac must be in (0, 1), got %g", c.testFrac)
		}
		spec.TestFrac, spec.Seed = c.testFrac, c.seed
	default:
		opt.Whole = true
	}
	return nil
}

// csvRows says which rows of a CSV file were used.
func csvRows(p *data.Provenance, opt data.OpenOptions, l *data.Loaded, subset int) string {
	var s string
	switch {
	case opt.Whole:
		s = fmt.Sprintf("all %d rows of the file", l.Test.Len())
	case p.Split != nil:
		sp := p.Split
		s = fmt.Sprintf("the %s of %d (test fraction %g, split seed %d)", heldOut(sp.TestRows), sp.Rows, sp.TestFrac, sp.Seed)
		if opt.Split != nil {
			s += ", exactly those held out at training"
		}
	}
	if subset > 0 && l.Test.Len() == subset {
		s += fmt.Sprintf("; the first %d of them (--test-subset)", subset)
	}
	return s
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// sameContent reports whether the CSV file read now has the content of the
// file the model was trained on.
func sameContent(trained, now *data.Provenance) bool {
	if len(trained.SHA256) != 1 || len(now.SHA256) != 1 {
		return false
	}
	for _, a := range trained.SHA256 {
		for _, b := range now.SHA256 {
			return a == b
		}
	}
	return false
}

// heldOut is "1 held-out row" or "N held-out rows".
func heldOut(n int) string {
	if n == 1 {
		return "1 held-out row"
	}
	return fmt.Sprintf("%d held-out rows", n)
}
