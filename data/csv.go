package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/isonet/isonet/tensor"
)

// CSVOptions says how to read a CSV file of a user's data.
type CSVOptions struct {
	// LabelCols lists the 0-based indices of the label columns, one per
	// label level, coarsest level first. A negative index counts from the
	// end (-1 is the last column). nil means the last column alone.
	LabelCols []int
	// Header is -1 to detect a header row (the first row is a header when
	// one of its feature fields is not a number), 0 for no header, 1 when
	// the first row is a header.
	Header int
}

// ReadCSV reads a labelled set from comma-separated text: one example per
// row, every column that is not a label column a feature. Label fields are
// arbitrary tokens (surrounding spaces ignored); each label column becomes a
// level whose classes are its distinct tokens, numbered in numeric order
// when all of them are finite numbers (so "1" and "1.0" are one class) and
// in lexicographic order otherwise. The tokens are kept in ClassNames. Input
// may be gzipped. name is used in error messages and as the set's name.
//
// Errors name the line and column: a row with the wrong number of fields, a
// feature that is not a number or is NaN or Inf, an empty label field, and
// an empty file or one without data rows. Whether the levels refine each
// other is not checked here (see CheckRefines).
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Set, error) {
	s, err := readCSV(r, name, opt)
	if err != nil {
		return nil, fmt.Errorf("csv: %s: %w", name, err)
	}
	return s, nil
}

// ReadCSVFile reads the CSV file at path (see ReadCSV). The set is named for
// the file, without folder and extension.
func ReadCSVFile(path string, opt CSVOptions) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	s, err := ReadCSV(f, path, opt)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	return s, nil
}

// labelColumn gathers one label level while the file is read.
type labelColumn struct {
	col    int            // column index in the file
	ids    map[string]int // token → token id
	tokens []string       // token id → token
	rows   []int          // token id per row
}

func readCSV(r io.Reader, name string, opt CSVOptions) (*Set, error) {
	if opt.Header < -1 || opt.Header > 1 {
		return nil, fmt.Errorf("header option %d: want -1 (detect), 0 or 1", opt.Header)
	}
	in, done, err := sniffGzip(r)
	if err != nil {
		return nil, err
	}
	defer done()
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	var (
		ncols   int
		labels  []labelColumn
		isLabel []bool
		feats   []float32
		rows    int
		first   = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a UTF-8 byte-order mark
			ncols = len(rec)
			labels, isLabel, err = labelColumns(opt.LabelCols, ncols)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		}
		if len(rec) != ncols {
			return nil, fmt.Errorf("line %d: %d fields, want %d (as on the first line)", line, len(rec), ncols)
		}
		if first {
			first = false
			header := opt.Header == 1
			if opt.Header == -1 {
				for c, f := range rec {
					if !isLabel[c] {
						if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil {
							header = true
							break
						}
					}
				}
			}
			if header {
				continue
			}
		}
		for c, f := range rec {
			if isLabel[c] {
				continue
			}
			tok := strings.TrimSpace(f)
			v, err := strconv.ParseFloat(tok, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %d: not a number: %q", line, c+1, clip(tok))
			}
			v32 := float32(v)
			if math.IsNaN(float64(v32)) || math.IsInf(float64(v32), 0) {
				return nil, fmt.Errorf("line %d, column %d: %q is NaN or Inf as a float32 feature", line, c+1, clip(tok))
			}
			feats = append(feats, v32)
		}
		for k := range labels {
			lc := &labels[k]
			tok := strings.TrimSpace(rec[lc.col])
			if tok == "" {
				return nil, fmt.Errorf("line %d, column %d: empty label (label level %d needs a value on every row)", line, lc.col+1, k)
			}
			id, ok := lc.ids[tok]
			if !ok {
				id = len(lc.tokens)
				lc.ids[tok] = id
				lc.tokens = append(lc.tokens, strings.Clone(tok))
			}
			lc.rows = append(lc.rows, id)
		}
		rows++
	}
	if first {
		return nil, errors.New("empty file")
	}
	if rows == 0 {
		return nil, errors.New("no data rows (only a header)")
	}
	d := ncols - len(labels)
	s := &Set{
		Name:       name,
		X:          tensor.FromSlice(rows, d, feats),
		Labels:     make([][]int, len(labels)),
		Classes:    make([]int, len(labels)),
		ClassNames: make([][]string, len(labels)),
	}
	for k, lc := range labels {
		classOf, names := orderTokens(lc.tokens)
		s.Labels[k] = make([]int, rows)
		for i, id := range lc.rows {
			s.Labels[k][i] = classOf[id]
		}
		s.Classes[k] = len(names)
		s.ClassNames[k] = names
	}
	return s, nil
}

// labelColumns checks the label column indices against the column count and
// returns the label columns and a per-column flag.
func labelColumns(cols []int, ncols int) ([]labelColumn, []bool, error) {
	if cols == nil {
		cols = []int{-1}
	}
	if len(cols) == 0 {
		return nil, nil, errors.New("no label columns given")
	}
	isLabel := make([]bool, ncols)
	labels := make([]labelColumn, len(cols))
	for k, c := range cols {
		orig := c
		if c < 0 {
			c += ncols
		}
		if c < 0 || c >= ncols {
			return nil, nil, fmt.Errorf("label column %d out of range: the file has %d columns (0..%d)", orig, ncols, ncols-1)
		}
		if isLabel[c] {
			return nil, nil, fmt.Errorf("label column %d given twice", c)
		}
		isLabel[c] = true
		labels[k] = labelColumn{col: c, ids: map[string]int{}}
	}
	if len(cols) >= ncols {
		return nil, nil, fmt.Errorf("no feature columns: all %d columns are labels", ncols)
	}
	return labels, isLabel, nil
}

// orderTokens numbers distinct label tokens: numerically when all are finite
// numbers (equal values share a class named by the first token seen), else
// lexicographically. It returns the class of each token id and the names.
func orderTokens(tokens []string) (classOf []int, names []string) {
	vals := make([]float64, len(tokens))
	numeric := true
	for i, t := range tokens {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			numeric = false
			break
		}
		vals[i] = v
	}
	order := make([]int, len(tokens)) // token ids in class order
	for i := range order {
		order[i] = i
	}
	if numeric {
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case vals[a] < vals[b]:
				return -1
			case vals[a] > vals[b]:
				return 1
			}
			return a - b
		})
	} else {
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(tokens[a], tokens[b]) })
	}
	classOf = make([]int, len(tokens))
	for j, id := range order {
		if numeric && j > 0 && vals[id] == vals[order[j-1]] {
			classOf[id] = classOf[order[j-1]]
			continue
		}
		classOf[id] = len(names)
		names = append(names, tokens[id])
	}
	return classOf, names
}

// clip shortens a token for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
