package data

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		opt     CSVOptions
		x       []float32
		d       int
		labels  [][]int
		classes [][]string
	}{
		{
			name: "last column, no header, numeric labels sorted numerically",
			in:   "1,2,10\n3,4,9\n5,6,10\n-1e-3, 7 ,2\n",
			opt:  CSVOptions{Header: -1},
			x:    []float32{1, 2, 3, 4, 5, 6, -1e-3, 7}, d: 2,
			labels:  [][]int{{2, 1, 2, 0}},
			classes: [][]string{{"2", "9", "10"}},
		},
		{
			name: "header detected, string labels sorted lexicographically",
			in:   "\ufeffa,b,kind\n0.5,1,dog\n2,3,cat\n4,5,dog\n",
			opt:  CSVOptions{Header: -1},
			x:    []float32{0.5, 1, 2, 3, 4, 5}, d: 2,
			labels:  [][]int{{1, 0, 1}},
			classes: [][]string{{"cat", "dog"}},
		},
		{
			name: "two levels, first column and last, coarsest first",
			in:   "coarse,x,y,fine\nA,0,0,a1\nA,0,1,a2\nB,1,0,b1\nB,1,1,b1\n",
			opt:  CSVOptions{LabelCols: []int{0, -1}, Header: 1},
			x:    []float32{0, 0, 0, 1, 1, 0, 1, 1}, d: 2,
			labels:  [][]int{{0, 0, 1, 1}, {0, 1, 2, 2}},
			classes: [][]string{{"A", "B"}, {"a1", "a2", "b1"}},
		},
		{
			name: "1 and 1.0 are one class, named by the first seen",
			in:   "0,1.0\n1,1\n2,0\n",
			opt:  CSVOptions{},
			x:    []float32{0, 1, 2}, d: 1,
			labels:  [][]int{{1, 1, 0}},
			classes: [][]string{{"0", "1.0"}},
		},
		{
			name: "header 0 keeps a numeric first row; quoted fields; blank lines skipped",
			in:   "\"1\",2,3\n\n4,5,\"6\"\n",
			opt:  CSVOptions{Header: 0, LabelCols: []int{1}},
			x:    []float32{1, 3, 4, 6}, d: 2,
			labels:  [][]int{{0, 1}},
			classes: [][]string{{"2", "5"}},
		},
		{
			name: "gzipped",
			in:   string(gzipBytes(t, []byte("1,a\n2,b\n"))),
			opt:  CSVOptions{Header: -1},
			x:    []float32{1, 2}, d: 1,
			labels:  [][]int{{0, 1}},
			classes: [][]string{{"a", "b"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ReadCSV(strings.NewReader(tc.in), "t.csv", tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if s.Dim() != tc.d || !slices.Equal(s.X.Data, tc.x) {
				t.Errorf("X = %v (%d cols), want %v (%d cols)", s.X.Data, s.Dim(), tc.x, tc.d)
			}
			if len(s.Labels) != len(tc.labels) {
				t.Fatalf("%d levels, want %d", len(s.Labels), len(tc.labels))
			}
			for k := range tc.labels {
				if !slices.Equal(s.Labels[k], tc.labels[k]) || !slices.Equal(s.ClassNames[k], tc.classes[k]) || s.Classes[k] != len(tc.classes[k]) {
					t.Errorf("level %d: labels %v names %v (%d classes), want %v %v", k, s.Labels[k], s.ClassNames[k], s.Classes[k], tc.labels[k], tc.classes[k])
				}
			}
			if err := s.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  CSVOptions
		want []string
	}{
		{"empty", "", CSVOptions{Header: -1}, []string{"empty file"}},
		{"only blank lines", "\n\n", CSVOptions{Header: -1}, []string{"empty file"}},
		{"header only", "a,b,c\n", CSVOptions{Header: -1}, []string{"no data rows"}},
		{"ragged short", "1,2,0\n3,4,1\n5,1\n", CSVOptions{Header: -1}, []string{"line 3", "2 fields, want 3"}},
		{"ragged long", "a,b,y\n1,2,0\n3,4,5,1\n", CSVOptions{Header: -1}, []string{"line 3", "4 fields, want 3"}},
		{"not a number", "1,2,0\n3,x4,1\n", CSVOptions{Header: -1}, []string{"line 2, column 2", `not a number: "x4"`}},
		{"non-number in first row without header", "1,oops,0\n", CSVOptions{Header: 0}, []string{"line 1, column 2", `"oops"`}},
		{"NaN", "1,2,0\n3,NaN,1\n", CSVOptions{Header: -1}, []string{"line 2, column 2", "NaN or Inf"}},
		{"Inf", "1,-inf,0\n", CSVOptions{Header: 0}, []string{"line 1, column 2", "NaN or Inf"}},
		{"overflows float32", "1e39,2,0\n", CSVOptions{}, []string{"line 1, column 1", "NaN or Inf"}},
		{"empty label", "1,2,0\n3,4, \n", CSVOptions{Header: -1}, []string{"line 2, column 3", "empty label"}},
		{"empty label in second level", "1,a,x\n2,b,\n", CSVOptions{LabelCols: []int{1, 2}}, []string{"line 2, column 3", "label level 1"}},
		{"label column out of range", "1,2,0\n", CSVOptions{LabelCols: []int{3}}, []string{"label column 3 out of range", "3 columns"}},
		{"negative out of range", "1,2,0\n", CSVOptions{LabelCols: []int{-4}}, []string{"label column -4 out of range"}},
		{"duplicate label column", "1,2,0\n", CSVOptions{LabelCols: []int{2, -1}}, []string{"label column 2 given twice"}},
		{"no features", "0,1\n", CSVOptions{LabelCols: []int{0, 1}}, []string{"no feature columns"}},
		{"no label columns", "0,1\n", CSVOptions{LabelCols: []int{}}, []string{"no label columns"}},
		{"bad header option", "0,1\n", CSVOptions{Header: 2}, []string{"header option 2"}},
		{"bare quote", "1,2\"x,0\n", CSVOptions{}, []string{"line 1", "bare \""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in), "my.csv", tc.opt)
			checkErr(t, err, append([]string{"csv: my.csv: "}, tc.want...)...)
		})
	}
}

func TestReadCSVFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "iris-ish.csv", []byte("f1,f2,genus,species\n1,2,g0,s0\n3,4,g0,s1\n5,6,g1,s2\n"))
	s, err := ReadCSVFile(p, CSVOptions{LabelCols: []int{2, 3}, Header: -1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "iris-ish" || s.Len() != 3 || s.Dim() != 2 || !equalInts(s.Classes, []int{2, 3}) {
		t.Errorf("got %q %d×%d classes %v, want \"iris-ish\" 3×2 [2 3]", s.Name, s.Len(), s.Dim(), s.Classes)
	}
	if err := CheckRefines(s.Labels); err != nil {
		t.Error(err)
	}
	_, err = ReadCSVFile(filepath.Join(dir, "none.csv"), CSVOptions{})
	checkErr(t, err, "none.csv", "no such file")
	bad := writeFile(t, dir, "bad.csv", []byte("1,2,0\n3,4\n"))
	_, err = ReadCSVFile(bad, CSVOptions{})
	checkErr(t, err, "csv: "+bad+": line 2: 2 fields, want 3")
}
