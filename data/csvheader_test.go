package data

import (
	"reflect"
	"strings"
	"testing"
)

// TestCSVNumericHeader: a first row of numbers is a header when its
// fields are the column indices (pandas' header of an unnamed frame) or
// when its label is on no other row among few, repeated labels; it is
// data otherwise, and with Header 0 always (issue 29 item 7: pandas'
// "0,1,2" over labels 0 and 1 made a phantom class "2", exit 0).
func TestCSVNumericHeader(t *testing.T) {
	body := "0.5,1.5,0\n2.5,3.5,1\n4.5,5.5,0\n6.5,7.5,1\n"
	for _, c := range []struct {
		name, text string
		header     int
		rows       int
		classes    []string
		reason     string // "" = the first row is data (or a text header)
	}{
		{"pandas header", "0,1,2\n" + body, -1, 4, []string{"0", "1"}, "its fields are the column indices 0 to 2"},
		{"1-based header", "1,2,3\n" + body, -1, 4, []string{"0", "1"}, "its fields are the column indices 1 to 3"},
		{"label on no other row", "7,8,9\n" + body, -1, 4, []string{"0", "1"}, `its label "9" (column 3) is on no other row, whose labels are "0", "1"`},
		{"numeric first row of data", "9.5,9.5,1\n" + body, -1, 5, []string{"0", "1"}, ""},
		{"a new label, but a rare one elsewhere", "1,1,2\n0,0,0\n1,1,0\n2,2,1\n", -1, 4, []string{"0", "1", "2"}, ""},
		{"forced: no header", "0,1,2\n" + body, 0, 5, []string{"0", "1", "2"}, ""},
		{"text header", "x,y,label\n" + body, -1, 4, []string{"0", "1"}, ""},
		{"two columns: 0,1 is data", "0,1\n1,0\n2,1\n3,0\n", -1, 4, []string{"0", "1"}, ""},
	} {
		hd := headerDecision{}
		s, _, err := readCSVRows(strings.NewReader(c.text), c.name, CSVOptions{Header: c.header}, nil, &hd)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s.Len() != c.rows || !reflect.DeepEqual(s.ClassNames[0], c.classes) || hd.reason != c.reason {
			t.Errorf("%s: %d rows, classes %v, reason %q; want %d, %v, %q", c.name, s.Len(), s.ClassNames[0], hd.reason, c.rows, c.classes, c.reason)
		}
		if c.rows == 5 && c.header == -1 {
			// The first row kept as data is the first example, with its label.
			if got := s.X.Row(0); got[0] != 9.5 || s.ClassName(0, s.Y()[0]) != "1" {
				t.Errorf("%s: first example %v label %q", c.name, got, s.ClassName(0, s.Y()[0]))
			}
		}
	}
	// The set read with a detected header equals the set without that row.
	a, _, _, err := readCSV(strings.NewReader("0,1,2\n"+body), "a", CSVOptions{Header: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, _, _, err := readCSV(strings.NewReader(body), "a", CSVOptions{Header: 0})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.X.Data, b.X.Data) || !reflect.DeepEqual(a.Labels, b.Labels) {
		t.Error("the set with the header detected differs from the set without the row")
	}
	// A NaN in a held first row is reported at its line, as before.
	if _, _, _, err := readCSV(strings.NewReader("NaN,1,0\n"+body), "n", CSVOptions{Header: -1}); err == nil || err.Error() != `line 1, column 1: "NaN" is NaN or Inf as a float32 feature` {
		t.Errorf("NaN on the first row: %v", err)
	}
}
