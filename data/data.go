// Package data holds the labelled data sets isonet trains on and the readers
// and generators that make them: IDX files (MNIST and its look-alikes), CSV and
// .npy files of a user's own data, and the two toy sets of the paper, the
// entangled rings and the torus with hierarchical labels.
//
// Every reader of outside data checks each header field before it allocates,
// and returns one-line errors that name the file and the problem.
package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/isonet/isonet/tensor"
)

// Set is a labelled data set: one example per row of X.
//
// Labels may have several levels (a hierarchy): Labels[level][i] is the class
// of example i at that level, in [0, Classes[level]). Level 0 is the coarsest;
// a flat set has exactly one level.
type Set struct {
	Name       string
	X          *tensor.Mat // N×D float32
	Labels     [][]int     // Labels[level][i] in [0, Classes[level])
	Classes    []int       // number of classes per level
	ClassNames [][]string  // optional names per level (nil = "0", "1", ...)
}

// NewSet returns a set of the rows of x with the given label levels (coarsest
// first). The class count of each level is one more than its largest label.
// It returns an error when the levels disagree in length with x or each
// other, a label is negative, or the set fails Validate.
func NewSet(name string, x *tensor.Mat, levels ...[]int) (*Set, error) {
	if len(levels) == 0 {
		return nil, fmt.Errorf("data: set %q: no label levels", name)
	}
	s := &Set{Name: name, X: x, Labels: levels, Classes: make([]int, len(levels))}
	for k, lv := range levels {
		if x != nil && len(lv) != x.Rows {
			return nil, fmt.Errorf("data: set %q: label level %d has %d labels, want %d (one per example)", name, k, len(lv), x.Rows)
		}
		for _, y := range lv {
			s.Classes[k] = max(s.Classes[k], y+1)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Len returns the number of examples.
func (s *Set) Len() int { return s.X.Rows }

// Dim returns the number of features per example.
func (s *Set) Dim() int { return s.X.Cols }

// Y returns the labels of the finest level.
func (s *Set) Y() []int { return s.Labels[len(s.Labels)-1] }

// NumClasses returns the number of classes of the finest level.
func (s *Set) NumClasses() int { return s.Classes[len(s.Classes)-1] }

// Levels returns the number of label levels (1 for a flat set).
func (s *Set) Levels() int { return len(s.Labels) }

// ClassName returns the name of class c of the given level: its entry in
// ClassNames when there is one, else the decimal number c.
func (s *Set) ClassName(level, c int) string {
	if level < len(s.ClassNames) && c < len(s.ClassNames[level]) {
		return s.ClassNames[level][c]
	}
	return strconv.Itoa(c)
}

// Subset returns a new set holding copies of the rows idx (in that order) and
// their labels at every level. Class counts and names are kept, so a subset
// and its parent share one class numbering.
func (s *Set) Subset(idx []int) *Set {
	t := &Set{
		Name:    s.Name,
		X:       tensor.Gather(nil, s.X, idx),
		Labels:  make([][]int, len(s.Labels)),
		Classes: slices.Clone(s.Classes),
	}
	for k, lv := range s.Labels {
		t.Labels[k] = make([]int, len(idx))
		for j, i := range idx {
			t.Labels[k][j] = lv[i]
		}
	}
	if s.ClassNames != nil {
		t.ClassNames = make([][]string, len(s.ClassNames))
		for k, names := range s.ClassNames {
			t.ClassNames[k] = slices.Clone(names)
		}
	}
	return t
}

// Validate reports the first inconsistency in s: an empty set, a shape that
// disagrees with the data, a label level whose length is not one per
// example, a label out of range, class names that do not match the class
// counts, or a NaN or Inf in X.
func (s *Set) Validate() error {
	if s.X == nil {
		return fmt.Errorf("data: set %q: no feature matrix", s.Name)
	}
	n, d := s.X.Rows, s.X.Cols
	if n <= 0 || d <= 0 {
		return fmt.Errorf("data: set %q: empty set (%d examples × %d features)", s.Name, n, d)
	}
	if len(s.X.Data) != n*d {
		return fmt.Errorf("data: set %q: %d values for %d×%d features", s.Name, len(s.X.Data), n, d)
	}
	if len(s.Labels) == 0 {
		return fmt.Errorf("data: set %q: no label levels", s.Name)
	}
	if len(s.Classes) != len(s.Labels) {
		return fmt.Errorf("data: set %q: %d class counts for %d label levels", s.Name, len(s.Classes), len(s.Labels))
	}
	if s.ClassNames != nil && len(s.ClassNames) != len(s.Labels) {
		return fmt.Errorf("data: set %q: %d class-name lists for %d label levels", s.Name, len(s.ClassNames), len(s.Labels))
	}
	for k, lv := range s.Labels {
		if len(lv) != n {
			return fmt.Errorf("data: set %q: label level %d has %d labels, want %d (one per example)", s.Name, k, len(lv), n)
		}
		c := s.Classes[k]
		if c < 1 {
			return fmt.Errorf("data: set %q: label level %d has %d classes", s.Name, k, c)
		}
		for i, y := range lv {
			if y < 0 || y >= c {
				return fmt.Errorf("data: set %q: example %d has label %d at level %d, want 0 ≤ label < %d", s.Name, i, y, k, c)
			}
		}
		if s.ClassNames != nil && s.ClassNames[k] != nil && len(s.ClassNames[k]) != c {
			return fmt.Errorf("data: set %q: label level %d has %d class names for %d classes", s.Name, k, len(s.ClassNames[k]), c)
		}
	}
	for i, v := range s.X.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("data: set %q: example %d feature %d is %v", s.Name, i/d, i%d, v)
		}
	}
	return nil
}

// CheckRefines reports whether each label level refines the one before it:
// every class of level k+1 must lie inside a single class of level k. The
// error names the level, the class, and two examples that show the split.
// Levels must have equal lengths; level 0 is the coarsest.
func CheckRefines(labels [][]int) error {
	for k := 1; k < len(labels); k++ {
		coarse, fine := labels[k-1], labels[k]
		if len(fine) != len(coarse) {
			return fmt.Errorf("data: label level %d has %d labels but level %d has %d", k, len(fine), k-1, len(coarse))
		}
		parent := map[int]int{} // fine class → first example seen with it
		for i, c := range fine {
			first, ok := parent[c]
			if !ok {
				parent[c] = i
				continue
			}
			if coarse[first] != coarse[i] {
				return fmt.Errorf("data: label level %d does not refine level %d: its class %d spans level-%d classes %d (example %d) and %d (example %d)",
					k, k-1, c, k-1, coarse[first], first, coarse[i], i)
			}
		}
	}
	return nil
}

// Split shuffles the examples of s with the given seed and returns the first
// round(testFrac·N) of them as test and the rest as train, each kept in the
// original order (see SplitIndices). It panics when testFrac is outside
// [0, 1].
func Split(s *Set, testFrac float64, seed uint64) (train, test *Set) {
	trainIdx, testIdx := SplitIndices(s.Len(), testFrac, seed)
	return s.Subset(trainIdx), s.Subset(testIdx)
}

// SplitIndices returns the row indices, each part in increasing order, of
// the split Split makes of n examples: the first round(testFrac·n) of a
// seeded permutation are the test rows. When 0 < testFrac < 1 and n ≥ 2
// both parts hold at least one row. The same seed gives the same split. It
// panics when testFrac is outside [0, 1].
func SplitIndices(n int, testFrac float64, seed uint64) (trainIdx, testIdx []int) {
	if !(testFrac >= 0 && testFrac <= 1) {
		panic(fmt.Sprintf("data: Split test fraction %v outside [0, 1]", testFrac))
	}
	nTest := int(math.Round(testFrac * float64(n)))
	if testFrac > 0 && testFrac < 1 && n >= 2 {
		nTest = min(max(nTest, 1), n-1)
	}
	perm := newRand(seed).Perm(n)
	testIdx, trainIdx = perm[:nTest], perm[nTest:]
	slices.Sort(testIdx)
	slices.Sort(trainIdx)
	return trainIdx, testIdx
}

// RowsHash returns the sha256, in hex, of row indices written as decimal
// numbers each followed by a newline (so `seq`-style text of the rows
// hashes the same with sha256sum).
func RowsHash(rows []int) string {
	h := sha256.New()
	var buf []byte
	for _, r := range rows {
		buf = strconv.AppendInt(buf[:0], int64(r), 10)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// newRand returns the package's seeded generator.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
