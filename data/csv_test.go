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
			name: "1 and 1.0 are two classes: labels are text, ordered by bytes unless all are integers",
			in:   "0,1.0\n1,1\n2,0\n",
			opt:  CSVOptions{},
			x:    []float32{0, 1, 2}, d: 1,
			labels:  [][]int{{2, 1, 0}},
			classes: [][]string{{"0", "1", "1.0"}},
		},
		{
			name: "integer labels in canonical form, negative ones first",
			in:   "0,007\n1,+7\n2,-3\n3,-0\n4,0\n5,-12\n",
			opt:  CSVOptions{},
			x:    []float32{0, 1, 2, 3, 4, 5}, d: 1,
			labels:  [][]int{{3, 3, 1, 2, 2, 0}},
			classes: [][]string{{"-12", "-3", "0", "7"}},
		},
		{
			name: "float labels compared as written",
			in:   "0,0.5\n1,1e0\n2,0.50\n",
			opt:  CSVOptions{},
			x:    []float32{0, 1, 2}, d: 1,
			labels:  [][]int{{0, 2, 1}},
			classes: [][]string{{"0.5", "0.50", "1e0"}},
		},
		{
			name: "BOM, CRLF line ends, trailing empty line",
			in:   "\ufeffx,y,label\r\n1,2,a\r\n3,4,b\r\n\r\n",
			opt:  CSVOptions{Header: -1},
			x:    []float32{1, 2, 3, 4}, d: 2,
			labels:  [][]int{{0, 1}},
			classes: [][]string{{"a", "b"}},
		},
		{
			name: "BOM before a quoted header",
			in:   "\ufeff\"x\",\"label\"\n1,a\n",
			opt:  CSVOptions{Header: -1},
			x:    []float32{1}, d: 1,
			labels:  [][]int{{0}},
			classes: [][]string{{"a"}},
		},
		{
			name: "CR-only line ends (old Mac)",
			in:   "x,label\r1,a\r2,b\r",
			opt:  CSVOptions{Header: -1},
			x:    []float32{1, 2}, d: 1,
			labels:  [][]int{{0, 1}},
			classes: [][]string{{"a", "b"}},
		},
		{
			name: "quoted fields with commas, quotes and a newline in labels",
			in:   "\"x\",\"label\"\n\"1.5\",\"a, \"\"big\"\" one\"\n2,\"two\nlines\"\n",
			opt:  CSVOptions{Header: -1},
			x:    []float32{1.5, 2}, d: 1,
			labels:  [][]int{{0, 1}},
			classes: [][]string{{"a, \"big\" one", "two\nlines"}},
		},
		{
			name: "labels mapped to given class names, by canonical integer form",
			in:   "1,dog\n2,dog\n",
			opt:  CSVOptions{Classes: [][]string{{"cat", "dog"}}},
			x:    []float32{1, 2}, d: 1,
			labels:  [][]int{{1, 1}},
			classes: [][]string{{"cat", "dog"}},
		},
		{
			name: "numeric labels mapped by name: 01 is 1",
			in:   "1,01\n2,1\n",
			opt:  CSVOptions{Classes: [][]string{{"0", "1", "2"}}},
			x:    []float32{1, 2}, d: 1,
			labels:  [][]int{{1, 1}},
			classes: [][]string{{"0", "1", "2"}},
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
		{"hex float", "1,0x1p3,0\n", CSVOptions{Header: 0}, []string{"line 1, column 2", `not a number: "0x1p3"`}},
		{"hex float detected as a header, then a data row", "a,b\n0x10,1\n", CSVOptions{Header: -1}, []string{"line 2, column 1", `not a number: "0x10"`}},
		{"underscore digits", "1_000,0\n", CSVOptions{Header: 0}, []string{"line 1, column 1", `"1_000"`}},
		{"semicolon-delimited", "x;y;label\n1;2;a\n", CSVOptions{Header: -1}, []string{"line 1: one field per line", "';'-delimited", "tr ';' ','"}},
		{"tab-delimited", "1\t2\ta\n", CSVOptions{Header: -1}, []string{"line 1: one field per line", "tab-delimited", `tr '\t' ','`}},
		{"semicolons with decimal commas", "1,5;2,0;a\n", CSVOptions{Header: 0}, []string{"line 1, column 2", `not a number: "5;2"`, "';'-delimited"}},
		{"label not among the classes", "1,cat\n2,bird\n3,fish\n", CSVOptions{Classes: [][]string{{"cat", "dog"}}}, []string{`label level 0 (column 2): labels not among the model's classes: "bird" (line 2), "fish" (line 3); the model knows "cat", "dog"`}},
		{"1.0 is not the class 1", "1,1.0\n", CSVOptions{Classes: [][]string{{"0", "1"}}}, []string{`labels not among the model's classes: "1.0" (line 1)`}},
		{"class names for other levels", "1,a\n", CSVOptions{Classes: [][]string{{"a"}, {"b"}}}, []string{"1 label columns, but the class names given are for 2 levels"}},
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

// ReadCSVFileInfo reports the content hash (of the gunzipped text, so a
// gzipped copy hashes the same), whether the file is a regular one, and the
// warning about labels that are one number written two ways.
func TestReadCSVFileInfo(t *testing.T) {
	dir := t.TempDir()
	text := []byte("x,y\n1,1\n2,1.0\n3,0\n")
	plain := writeFile(t, dir, "a.csv", text)
	gz := writeFile(t, dir, "a.csv.gz", gzipBytes(t, text))
	a, err := ReadCSVFileInfo(plain, CSVOptions{Header: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadCSVFileInfo(gz, CSVOptions{Header: -1})
	if err != nil {
		t.Fatal(err)
	}
	// sha256 of the text, as `sha256sum a.csv` prints it.
	const want = "6af7804235a837bf8b0102f25230057cb06c97213f59bfb53f7ce0d5ca2ca095"
	if a.SHA256 != want || b.SHA256 != want || !a.Regular {
		t.Errorf("plain %s (regular %v), gzipped %s", a.SHA256, a.Regular, b.SHA256)
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], `labels "1" and "1.0" of level 0 are different classes`) {
		t.Errorf("warnings %q", a.Warnings)
	}
}
