package main

import (
	"os"
	"testing"
)

// The fashion study's bad input: a --data-dir without the four IDX files.
func init() {
	errorTables = append(errorTables, errorTable{fixtures: fashionFixtures, cases: fashionCases})
}

func fashionFixtures(t *testing.T) {
	t.Helper()
	os.MkdirAll("nofashion", 0o755)
	os.MkdirAll("halffashion", 0o755)
	for _, f := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte.gz"} {
		if err := os.WriteFile("halffashion/"+f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var fashionCases = []errorCase{
	{"reproduce fashion: empty --data-dir", []string{"reproduce", "fashion", "--data-dir", "nofashion", "--out", "fo"}, `isonet reproduce: --data-dir nofashion: no train-images-idx3-ubyte(.gz) file; want a folder holding the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not)`},
	{"reproduce fashion: --data-dir lacks a file", []string{"reproduce", "fashion", "--data-dir", "halffashion", "--out", "fo"}, `isonet reproduce: --data-dir halffashion: no t10k-labels-idx1-ubyte(.gz) file; want a folder holding the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not)`},
}
