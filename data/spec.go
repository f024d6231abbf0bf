package data

import (
	"fmt"
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
			return fmt.Errorf("--dataset csv:PATH needs a path after csv:")
		}
	default:
		return fmt.Errorf("unknown dataset %q (want %s)", d.Name, Names)
	}
	if d.TestFrac < 0 || d.TestFrac >= 1 {
		return fmt.Errorf("--test-frac must be in [0, 1), got %g", d.TestFrac)
	}
	if d.TrainSubset < 0 {
		return fmt.Errorf("--subset must be ≥ 0, got %d", d.TrainSubset)
	}
	if d.TestSubset < 0 {
		return fmt.Errorf("--test-subset must be ≥ 0, got %d", d.TestSubset)
	}
	return nil
}

// Load returns the training and test sets. For the toy sets the test set is
// a fresh sample (rings) or fresh noise (torus) from a different seed.
func (d Spec) Load() (trainSet, testSet *Set, err error) {
	if err := d.Validate(); err != nil {
		return nil, nil, err
	}
	switch d.Kind() {
	case "mnist":
		if trainSet, err = LoadMNIST(d.Dir, true); err != nil {
			return nil, nil, err
		}
		if testSet, err = LoadMNIST(d.Dir, false); err != nil {
			return nil, nil, err
		}
	case "fashion-mnist":
		if trainSet, err = LoadFashionMNIST(d.Dir, true); err != nil {
			return nil, nil, err
		}
		if testSet, err = LoadFashionMNIST(d.Dir, false); err != nil {
			return nil, nil, err
		}
	case "rings":
		trainSet = Rings(RingsPoints, RingsSigma, d.Seed)
		testSet = Rings(RingsPoints, RingsSigma, d.Seed+1_000_003)
	case "torus":
		trainSet = Torus(TorusNoise, d.Seed)
		testSet = Torus(TorusNoise, d.Seed+1_000_003)
	case "csv":
		path := strings.TrimPrefix(d.Name, "csv:")
		all, err := ReadCSVFile(path, CSVOptions{LabelCols: d.LabelCols, Header: -1})
		if err != nil {
			return nil, nil, err
		}
		frac := d.TestFrac
		if frac == 0 {
			frac = 0.2
		}
		trainSet, testSet = Split(all, frac, d.Seed)
	}
	trainSet = head(trainSet, d.TrainSubset)
	testSet = head(testSet, d.TestSubset)
	return trainSet, testSet, nil
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
