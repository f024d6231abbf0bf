package data

import (
	"fmt"
	"github.com/isonet/isonet/internal/field"
	"strings"
)

// RingsPoints and RingsSigma are the entangled rings' size (points per
// ring) and noise (SPEC §3.1).
const (
	RingsPoints = 500
	RingsSigma  = 0.01
)

// TorusNoise is the standard deviation of the torus coordinates' noise
// (SPEC §3.2).
const TorusNoise = 0.001

// Spec names a data set and where to find it.
type Spec struct {
	// Name is mnist, fashion-mnist, rings, torus, or csv:PATH.
	Name string `json:"dataset"`
	// Dir is a folder of IDX files for mnist ("" = the bundled MNIST) or
	// fashion-mnist ("" = Debian's package).
	Dir string `json:"data_dir,omitempty"`
	// Seed drives the toy generators and the CSV split.
	Seed uint64 `json:"data_seed"`
	// TestFrac is the held-out fraction of a CSV file (default 0.2).
	TestFrac float64 `json:"test_frac,omitempty"`
	// LabelCols lists a CSV file's label columns, coarsest first (nil = last).
	LabelCols []int `json:"label_cols,omitempty"`
	// CSVHeader says whether a CSV file's first row is a header: "yes",
	// "no", or "" to detect it (see CSVOptions.Header).
	CSVHeader string `json:"csv_header,omitempty"`
	// TrainSubset and TestSubset, when > 0, keep only the first that many
	// examples (for quick runs and tests).
	TrainSubset int `json:"train_subset,omitempty"`
	TestSubset  int `json:"test_subset,omitempty"`
}

// Names lists the named data sets, for messages.
const Names = "mnist, fashion-mnist, rings, torus or csv:PATH"

// Kind returns the data set's kind: mnist, fashion-mnist, rings, torus or csv.
func (d Spec) Kind() string {
	if strings.HasPrefix(d.Name, "csv:") {
		return "csv"
	}
	return d.Name
}

// IDX reports whether the data set is read from IDX files (mnist,
// fashion-mnist).
func (d Spec) IDX() bool { return d.Kind() == "mnist" || d.Kind() == "fashion-mnist" }

// Validate checks the name and options.
func (d Spec) Validate() error {
	switch d.Kind() {
	case "mnist", "fashion-mnist", "rings", "torus":
	case "csv":
		if strings.TrimPrefix(d.Name, "csv:") == "" {
			return field.Errorf("{Name} csv:PATH needs a path after csv:")
		}
	default:
		return fmt.Errorf("unknown dataset %q (want %s)", d.Name, Names)
	}
	switch {
	case d.CSVHeader != "" && d.CSVHeader != "yes" && d.CSVHeader != "no":
		return field.Errorf("{CSVHeader} must be yes or no, got %q", d.CSVHeader)
	case d.CSVHeader != "" && d.Kind() != "csv":
		return field.Errorf("{CSVHeader} is for csv:PATH data sets, not %s", d.Name)
	}
	if d.TestFrac < 0 || d.TestFrac >= 1 {
		return field.Errorf("{TestFrac} must be in [0, 1), got %g", d.TestFrac)
	}
	if d.TrainSubset < 0 {
		return field.Errorf("{TrainSubset} must be ≥ 0, got %d", d.TrainSubset)
	}
	if d.TestSubset < 0 {
		return field.Errorf("{TestSubset} must be ≥ 0, got %d", d.TestSubset)
	}
	return nil
}

// Load returns the training and test sets. For the toy sets the test set is
// a fresh sample (rings) or fresh noise (torus) from a different seed. A CSV
// file is split with TestFrac (0 = 0.2) and Seed (see Open).
func (d Spec) Load() (trainSet, testSet *Set, err error) {
	l, err := d.Open(OpenOptions{})
	if err != nil {
		return nil, nil, err
	}
	return l.Train, l.Test, nil
}

func head(s *Set, n int) *Set {
	if n <= 0 || n >= s.Len() {
		return s
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return s.Subset(idx)
}
