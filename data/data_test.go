package data

import (
	"math"
	"slices"
	"testing"

	"github.com/isonet/isonet/tensor"
)

// twoLevel is a 6-example set with 2 coarse and 3 fine classes.
func twoLevel() *Set {
	x := tensor.FromSlice(6, 2, []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5})
	return &Set{
		Name:       "t",
		X:          x,
		Labels:     [][]int{{0, 0, 0, 1, 1, 1}, {0, 1, 1, 2, 2, 2}},
		Classes:    []int{2, 3},
		ClassNames: [][]string{{"even", "odd"}, nil},
	}
}

func TestSetBasics(t *testing.T) {
	s := twoLevel()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 6 || s.Dim() != 2 || s.NumClasses() != 3 || s.Levels() != 2 || !slices.Equal(s.Y(), []int{0, 1, 1, 2, 2, 2}) {
		t.Errorf("Len %d Dim %d NumClasses %d Levels %d Y %v", s.Len(), s.Dim(), s.NumClasses(), s.Levels(), s.Y())
	}
	if s.ClassName(0, 1) != "odd" || s.ClassName(1, 2) != "2" {
		t.Errorf("ClassName: %q, %q; want odd, 2", s.ClassName(0, 1), s.ClassName(1, 2))
	}
	sub := s.Subset([]int{5, 0, 3})
	if !slices.Equal(sub.X.Data, []float32{5, 5, 0, 0, 3, 3}) || !slices.Equal(sub.Labels[0], []int{1, 0, 1}) ||
		!slices.Equal(sub.Labels[1], []int{2, 0, 2}) || !slices.Equal(sub.Classes, []int{2, 3}) || sub.ClassName(0, 0) != "even" {
		t.Errorf("Subset: X %v labels %v classes %v", sub.X.Data, sub.Labels, sub.Classes)
	}
	sub.X.Data[0] = 99
	sub.Labels[0][0] = 0
	sub.ClassNames[0][0] = "changed"
	if s.X.At(5, 0) != 5 || s.Labels[0][5] != 1 || s.ClassNames[0][0] != "even" {
		t.Error("Subset shares memory with its parent")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(s *Set)
		want   []string
	}{
		{"no X", func(s *Set) { s.X = nil }, []string{"no feature matrix"}},
		{"empty", func(s *Set) { s.X = tensor.New(0, 2); s.Labels = [][]int{{}, {}} }, []string{"empty set"}},
		{"bad data length", func(s *Set) { s.X.Data = s.X.Data[:5] }, []string{"5 values for 6×2"}},
		{"no levels", func(s *Set) { s.Labels = nil; s.Classes = nil }, []string{"no label levels"}},
		{"class count per level", func(s *Set) { s.Classes = s.Classes[:1] }, []string{"1 class counts for 2 label levels"}},
		{"label count mismatch", func(s *Set) { s.Labels[1] = s.Labels[1][:4] }, []string{"label level 1 has 4 labels, want 6"}},
		{"label too big", func(s *Set) { s.Labels[1][3] = 3 }, []string{"example 3 has label 3 at level 1", "< 3"}},
		{"label negative", func(s *Set) { s.Labels[0][0] = -1 }, []string{"example 0 has label -1 at level 0"}},
		{"names mismatch", func(s *Set) { s.ClassNames[0] = []string{"x"} }, []string{"1 class names for 2 classes"}},
		{"names levels", func(s *Set) { s.ClassNames = s.ClassNames[:1] }, []string{"1 class-name lists for 2 label levels"}},
		{"NaN", func(s *Set) { s.X.Set(4, 1, float32(math.NaN())) }, []string{"example 4 feature 1 is NaN"}},
		{"Inf", func(s *Set) { s.X.Set(2, 0, float32(math.Inf(-1))) }, []string{"example 2 feature 0 is -Inf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := twoLevel()
			tc.change(s)
			checkErr(t, s.Validate(), append([]string{`data: set "t"`}, tc.want...)...)
		})
	}
}

func TestNewSet(t *testing.T) {
	x := tensor.FromSlice(3, 1, []float32{1, 2, 3})
	s, err := NewSet("n", x, []int{0, 0, 1}, []int{0, 3, 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Classes, []int{2, 4}) {
		t.Errorf("classes %v, want [2 4]", s.Classes)
	}
	_, err = NewSet("n", x, []int{0, 0, 1}, []int{0, 1})
	checkErr(t, err, "label level 1 has 2 labels, want 3")
	_, err = NewSet("n", x, []int{0, -1, 1})
	checkErr(t, err, "label -1")
	_, err = NewSet("n", x)
	checkErr(t, err, "no label levels")
}

func TestCheckRefines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels [][]int
		want   []string // nil: refines
	}{
		{"one level", [][]int{{0, 1, 2}}, nil},
		{"refines", [][]int{{0, 0, 1, 1}, {0, 1, 2, 3}, {0, 1, 2, 3}}, nil},
		{"non-contiguous refinement", [][]int{{1, 0, 1, 0}, {5, 2, 5, 2}}, nil},
		{"fine class spans two coarse", [][]int{{0, 0, 1, 1}, {0, 1, 1, 2}},
			[]string{"level 1 does not refine level 0", "class 1 spans level-0 classes 0 (example 1) and 1 (example 2)"}},
		{"third level", [][]int{{0, 0, 0, 0}, {0, 0, 1, 1}, {0, 1, 2, 1}},
			[]string{"level 2 does not refine level 1", "class 1 spans level-1 classes 0 (example 1) and 1 (example 3)"}},
		{"lengths differ", [][]int{{0, 0}, {0, 1, 1}}, []string{"label level 1 has 3 labels but level 0 has 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRefines(tc.labels)
			if tc.want == nil {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			checkErr(t, err, tc.want...)
		})
	}
}

func TestSplit(t *testing.T) {
	n := 50
	x := tensor.New(n, 1)
	y := make([]int, n)
	for i := range n {
		x.Data[i] = float32(i)
		y[i] = i % 3
	}
	s := &Set{Name: "s", X: x, Labels: [][]int{y}, Classes: []int{3}}
	for _, tc := range []struct {
		frac  float64
		nTest int
	}{{0.2, 10}, {0.5, 25}, {0.001, 1}, {0.999, 49}, {0, 0}, {1, 50}} {
		train, test := Split(s, tc.frac, 11)
		if test.Len() != tc.nTest || train.Len() != n-tc.nTest {
			t.Errorf("frac %v: %d train, %d test; want %d, %d", tc.frac, train.Len(), test.Len(), n-tc.nTest, tc.nTest)
		}
		// Together the parts hold every example once, each in original
		// order, with its own label.
		var all []float32
		for _, part := range []*Set{train, test} {
			if !slices.IsSorted(part.X.Data) {
				t.Errorf("frac %v: part not in original order: %v", tc.frac, part.X.Data)
			}
			for i, v := range part.X.Data {
				if part.Y()[i] != int(v)%3 {
					t.Errorf("frac %v: example %v has label %d", tc.frac, v, part.Y()[i])
				}
			}
			all = append(all, part.X.Data...)
		}
		slices.Sort(all)
		if !slices.Equal(all, x.Data) {
			t.Errorf("frac %v: parts do not partition the set", tc.frac)
		}
	}
	_, a := Split(s, 0.2, 11)
	_, b := Split(s, 0.2, 11)
	_, c := Split(s, 0.2, 12)
	if !slices.Equal(a.X.Data, b.X.Data) {
		t.Error("same seed, different split")
	}
	if slices.Equal(a.X.Data, c.X.Data) {
		t.Error("different seeds, same split")
	}
}
