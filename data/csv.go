package data

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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
	// Header is -1 to detect a header row, 0 for no header, 1 when the
	// first row is a header. Detected, the first row is a header when one
	// of its feature fields is not a number, or, all numbers (pandas
	// writes the column names 0,1,2 of an unnamed frame), when its fields
	// are the column indices 0, 1, … (or 1, 2, …), or when a label of it
	// occurs on no other row while the other rows' labels are few (at
	// most 10, each on at least two rows): a header's number among labels
	// 0 and 1. The numeric cases are reported (CSVFile.HeaderReason).
	Header int
	// Classes, when not nil, are the class names of each level (a trained
	// model's): labels are mapped to them by name, and a label that is not
	// among them is an error naming it. nil numbers the classes found in
	// the file (see ReadCSV).
	Classes [][]string
}

// CanonicalLabel returns the form in which a label token is compared: the
// token with surrounding spaces removed, and, when it is a decimal integer
// (an optional sign and digits), without '+' and leading zeros ("007" and
// "+7" are "7", "-0" is "0"). Any other token is compared exactly as
// written: "1.0" is not "1", "1e3" is not "1000".
func CanonicalLabel(tok string) string {
	tok = strings.TrimSpace(tok)
	neg, digits, ok := splitInteger(tok)
	if !ok {
		return tok
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0"
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// splitInteger splits a decimal integer token into its sign and digits.
func splitInteger(tok string) (neg bool, digits string, ok bool) {
	if tok != "" && (tok[0] == '+' || tok[0] == '-') {
		neg, tok = tok[0] == '-', tok[1:]
	}
	if tok == "" {
		return false, "", false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return false, "", false
		}
	}
	return neg, tok, true
}

// ReadCSV reads a labelled set from comma-separated text: one example per
// row, every column that is not a label column a feature. Label fields are
// text, compared in the form CanonicalLabel gives them (integers in
// canonical form, anything else exactly as written); each label column
// becomes a level whose classes are its distinct labels, numbered in
// numeric order when all of them are integers (negative ones included) and
// in byte order of the text otherwise. The labels are kept in ClassNames.
// With opt.Classes the labels are mapped to those names instead. Input may
// be gzipped; a UTF-8 byte-order mark, CRLF or CR-only line ends, quoted
// fields and blank lines are accepted. name is used in error messages and
// as the set's name.
//
// Errors name the line and column: a row with the wrong number of fields, a
// feature that is not a decimal number (hex floats such as 0x1p3 are not
// accepted) or is NaN or Inf, an empty label field, a label not among
// opt.Classes, and an empty file or one without data rows. A file that
// seems to be delimited by ';' or tabs says so. Whether the levels refine
// each other is not checked here (see CheckRefines).
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Set, error) {
	s, _, _, err := readCSV(r, name, opt)
	if err != nil {
		return nil, fmt.Errorf("csv: %s: %w", name, err)
	}
	return s, nil
}

// CSVFile is a CSV file as read by ReadCSVFileInfo: the set and what the
// file was.
type CSVFile struct {
	Set *Set
	// SHA256 is the sha256 of the file's content (after gunzip), in hex.
	SHA256 string
	// Regular is false when the path is a pipe, a /dev/fd file or another
	// non-regular file that cannot be read again.
	Regular bool
	// Warnings is advice about the labels, such as "1" and "1.0" being
	// two classes.
	Warnings []string
	// Header reports whether the first row was taken as a header.
	Header bool
	// HeaderReason says why a first row of numbers was taken as a header
	// when CSVOptions.Header asked to detect it ("" otherwise), such as
	// "its fields are the column indices 0 to 2".
	HeaderReason string
}

// ReadCSVFile reads the CSV file at path (see ReadCSV). The set is named for
// the file, without folder and extension.
func ReadCSVFile(path string, opt CSVOptions) (*Set, error) {
	f, err := ReadCSVFileInfo(path, opt)
	if err != nil {
		return nil, err
	}
	return f.Set, nil
}

// ReadCSVFileInfo is ReadCSVFile, also returning the content's hash,
// whether the file is a regular one, and warnings about the labels.
func ReadCSVFileInfo(path string, opt CSVOptions) (*CSVFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	out := &CSVFile{}
	if st, err := f.Stat(); err == nil {
		out.Regular = st.Mode().IsRegular()
	}
	h := sha256.New()
	s, warn, hd, err := readCSVHashed(f, path, opt, h)
	if err != nil {
		return nil, fmt.Errorf("csv: %s: %w", path, err)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	out.Set, out.Warnings, out.SHA256 = s, warn, hex.EncodeToString(h.Sum(nil))
	out.Header, out.HeaderReason = hd.header, hd.reason
	return out, nil
}

// CSVColumns returns the number of fields on the first row of the CSV file
// at path (gzipped or not), reading no further; ok is false when it cannot
// tell (a pipe or other non-regular file, which reading would consume, or
// an unreadable or empty file: reading it will say why).
func CSVColumns(path string) (n int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return 0, false
	}
	in, done, err := sniffGzip(f)
	if err != nil {
		return 0, false
	}
	defer done()
	br := bufio.NewReader(in)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(&crReader{r: br})
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return 0, false
	}
	return len(rec), true
}

// labelColumn gathers one label level while the file is read.
type labelColumn struct {
	col    int            // column index in the file
	ids    map[string]int // token → token id
	tokens []string       // token id → token
	rows   []int          // token id per row
	lines  []int          // token id → first line it is on
}

func readCSV(r io.Reader, name string, opt CSVOptions) (*Set, []string, headerDecision, error) {
	return readCSVHashed(r, name, opt, nil)
}

// headerDecision is what readCSVHashed decided about the first row.
type headerDecision struct {
	header bool
	reason string // why a row of numbers is a header ("" when not detected so)
}

// pendingRow is a first row of numbers held back while the rest of the
// file decides whether it is a header.
type pendingRow struct {
	line   int
	fields []string
	feats  []float32
	labels []string // canonical label per level
}

// numericHeader decides whether the first row p, all numbers, is a header
// (see CSVOptions.Header) given the label columns of the other rows, and
// says why.
func numericHeader(p *pendingRow, labels []labelColumn) (bool, string) {
	n := len(p.fields)
	for _, from := range []int{0, 1} {
		idx := true
		for c, f := range p.fields {
			if CanonicalLabel(f) != strconv.Itoa(c+from) {
				idx = false
				break
			}
		}
		if idx && n > 2 { // "0,1" is as likely a row of data
			return true, fmt.Sprintf("its fields are the column indices %d to %d", from, n-1+from)
		}
	}
	for k, lc := range labels {
		if len(lc.rows) == 0 || len(lc.tokens) > 10 {
			continue
		}
		if _, seen := lc.ids[p.labels[k]]; seen {
			continue
		}
		count := make([]int, len(lc.tokens))
		for _, id := range lc.rows {
			count[id]++
		}
		if slices.Min(count) < 2 {
			continue
		}
		return true, fmt.Sprintf("its label %q (column %d) is on no other row, whose labels are %s", clip(p.labels[k]), lc.col+1, quoteList(orderedTokens(lc.tokens), 10))
	}
	return false, ""
}

// orderedTokens returns tokens in the order of their classes.
func orderedTokens(tokens []string) []string {
	_, names := orderTokens(tokens)
	return names
}

// readCSVHashed reads the CSV text from r; h, when not nil, receives the
// content after gunzip.
func readCSVHashed(r io.Reader, name string, opt CSVOptions, h hash.Hash) (*Set, []string, headerDecision, error) {
	var hd headerDecision
	s, w, err := readCSVRows(r, name, opt, h, &hd)
	return s, w, hd, err
}

// readCSVRows is readCSVHashed, recording the header decision in hd.
func readCSVRows(r io.Reader, name string, opt CSVOptions, h hash.Hash, hd *headerDecision) (*Set, []string, error) {
	if opt.Header < -1 || opt.Header > 1 {
		return nil, nil, fmt.Errorf("header option %d: want -1 (detect), 0 or 1", opt.Header)
	}
	in, done, err := sniffGzip(r)
	if err != nil {
		return nil, nil, err
	}
	defer done()
	if h != nil {
		in = io.TeeReader(in, h)
	}
	br := bufio.NewReader(in)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3) // a UTF-8 byte-order mark, before any quote
	}
	cr := csv.NewReader(&crReader{r: br})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	var (
		ncols   int
		labels  []labelColumn
		isLabel []bool
		feats   []float32
		rows    int
		first   = true
		pending *pendingRow // a first row of numbers, header or data
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			ncols = len(rec)
			if ncols == 1 {
				if d := otherDelimiter(rec[0]); d != "" {
					return nil, nil, fmt.Errorf("line %d: one field per line, holding %s: the file seems to be %s-delimited, but isonet reads comma-separated values; convert it (e.g. tr '%s' ',' < FILE > FILE.csv, minding decimal commas)", line, d, d, trChar(d))
				}
			}
			labels, isLabel, err = labelColumns(opt.LabelCols, ncols)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", line, err)
			}
			if opt.Classes != nil && len(opt.Classes) != len(labels) {
				return nil, nil, fmt.Errorf("%d label columns, but the class names given are for %d levels", len(labels), len(opt.Classes))
			}
		}
		if len(rec) != ncols {
			return nil, nil, fmt.Errorf("line %d: %d fields, want %d (as on the first line)", line, len(rec), ncols)
		}
		if first {
			first = false
			header := opt.Header == 1
			if opt.Header == -1 {
				for c, f := range rec {
					if !isLabel[c] {
						if _, ok := parseNumber(strings.TrimSpace(f)); !ok {
							header = true
							break
						}
					}
				}
				if !header {
					if pending, err = holdRow(rec, line, isLabel, labels); err != nil {
						return nil, nil, err
					}
				}
			}
			hd.header = header
			if header || pending != nil {
				continue
			}
		}
		for c, f := range rec {
			if isLabel[c] {
				continue
			}
			tok := strings.TrimSpace(f)
			v, ok := parseNumber(tok)
			if !ok {
				msg := fmt.Sprintf("line %d, column %d: not a number: %q", line, c+1, clip(tok))
				if d := otherDelimiter(tok); d != "" {
					msg += fmt.Sprintf(" (the file seems to be %s-delimited, but isonet reads comma-separated values)", d)
				}
				return nil, nil, errors.New(msg)
			}
			v32 := float32(v)
			if math.IsNaN(float64(v32)) || math.IsInf(float64(v32), 0) {
				return nil, nil, fmt.Errorf("line %d, column %d: %q is NaN or Inf as a float32 feature", line, c+1, clip(tok))
			}
			feats = append(feats, v32)
		}
		for k := range labels {
			lc := &labels[k]
			tok := CanonicalLabel(rec[lc.col])
			if tok == "" {
				return nil, nil, fmt.Errorf("line %d, column %d: empty label (label level %d needs a value on every row)", line, lc.col+1, k)
			}
			id, ok := lc.ids[tok]
			if !ok {
				id = len(lc.tokens)
				lc.ids[tok] = id
				lc.tokens = append(lc.tokens, strings.Clone(tok))
				lc.lines = append(lc.lines, line)
			}
			lc.rows = append(lc.rows, id)
		}
		rows++
	}
	if first {
		return nil, nil, errors.New("empty file")
	}
	if pending != nil {
		if hd.header, hd.reason = numericHeader(pending, labels); !hd.header {
			feats = prependRow(pending, feats, labels)
			rows++
		}
	}
	if rows == 0 {
		return nil, nil, errors.New("no data rows (only a header)")
	}
	d := ncols - len(labels)
	s := &Set{
		Name:       name,
		X:          tensor.FromSlice(rows, d, feats),
		Labels:     make([][]int, len(labels)),
		Classes:    make([]int, len(labels)),
		ClassNames: make([][]string, len(labels)),
	}
	var warnings []string
	for k, lc := range labels {
		var classOf []int
		var names []string
		if opt.Classes != nil {
			names = slices.Clone(opt.Classes[k])
			if classOf, err = mapTokens(lc, names); err != nil {
				return nil, nil, fmt.Errorf("label level %d (column %d): %w", k, lc.col+1, err)
			}
		} else {
			classOf, names = orderTokens(lc.tokens)
			warnings = append(warnings, sameNumber(lc, k)...)
		}
		s.Labels[k] = make([]int, rows)
		for i, id := range lc.rows {
			s.Labels[k][i] = classOf[id]
		}
		s.Classes[k] = len(names)
		s.ClassNames[k] = names
	}
	return s, warnings, nil
}

// holdRow keeps the first row rec (on line), whose feature fields are all
// numbers, until the rest of the file says whether it is a header. It is
// checked now as any data row is (NaN or Inf, an empty label).
func holdRow(rec []string, line int, isLabel []bool, labels []labelColumn) (*pendingRow, error) {
	p := &pendingRow{line: line, fields: slices.Clone(rec)}
	for c, f := range rec {
		if isLabel[c] {
			continue
		}
		tok := strings.TrimSpace(f)
		v, _ := parseNumber(tok)
		v32 := float32(v)
		if math.IsNaN(float64(v32)) || math.IsInf(float64(v32), 0) {
			return nil, fmt.Errorf("line %d, column %d: %q is NaN or Inf as a float32 feature", line, c+1, clip(tok))
		}
		p.feats = append(p.feats, v32)
	}
	for k, lc := range labels {
		tok := CanonicalLabel(rec[lc.col])
		if tok == "" {
			return nil, fmt.Errorf("line %d, column %d: empty label (label level %d needs a value on every row)", line, lc.col+1, k)
		}
		p.labels = append(p.labels, strings.Clone(tok))
	}
	return p, nil
}

// prependRow makes the held first row p the first data row: its features
// go before feats (returned), its labels before every level's rows.
func prependRow(p *pendingRow, feats []float32, labels []labelColumn) []float32 {
	for k := range labels {
		lc := &labels[k]
		tok := p.labels[k]
		id, ok := lc.ids[tok]
		if !ok {
			id = len(lc.tokens)
			lc.ids[tok] = id
			lc.tokens = append(lc.tokens, tok)
			lc.lines = append(lc.lines, p.line)
		} else {
			lc.lines[id] = p.line // the first line it is on
		}
		lc.rows = append([]int{id}, lc.rows...)
	}
	return append(p.feats, feats...)
}

// parseNumber parses a feature: a decimal floating-point number as
// strconv.ParseFloat reads it, but not a hexadecimal one (0x1p3) and
// without the underscores it allows there.
func parseNumber(tok string) (float64, bool) {
	if strings.ContainsAny(tok, "xX_") {
		return 0, false
	}
	v, err := strconv.ParseFloat(tok, 64)
	return v, err == nil
}

// otherDelimiter returns "';'" or "a tab" when tok holds one, else "".
func otherDelimiter(tok string) string {
	switch {
	case strings.Contains(tok, ";"):
		return "';'"
	case strings.Contains(tok, "\t"):
		return "tab"
	}
	return ""
}

func trChar(d string) string {
	if d == "tab" {
		return "\\t"
	}
	return ";"
}

// mapTokens maps the tokens of a label column to the given class names; the
// tokens not among them are an error naming them (up to five) and the line
// each is first on.
func mapTokens(lc labelColumn, names []string) ([]int, error) {
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[CanonicalLabel(n)] = i
	}
	classOf := make([]int, len(lc.tokens))
	var unknown []string
	for id, t := range lc.tokens {
		c, ok := index[t]
		if !ok {
			if len(unknown) < 5 {
				unknown = append(unknown, fmt.Sprintf("%q (line %d)", clip(t), lc.lines[id]))
			} else if len(unknown) == 5 {
				unknown = append(unknown, "…")
			}
			continue
		}
		classOf[id] = c
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("labels not among the model's classes: %s; the model knows %s", strings.Join(unknown, ", "), quoteList(names, 10))
	}
	return classOf, nil
}

// quoteList quotes up to max names, comma-separated.
func quoteList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", … (%d in all)", len(names))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", clip(n))
	}
	return b.String()
}

// sameNumber warns about distinct labels of one level that are the same
// number written differently ("1" and "1.0"): they are different classes.
func sameNumber(lc labelColumn, level int) []string {
	byValue := map[float64]string{}
	var w []string
	for _, t := range lc.tokens {
		v, ok := parseNumber(t)
		if !ok || math.IsNaN(v) {
			continue
		}
		if prev, dup := byValue[v]; dup {
			w = append(w, fmt.Sprintf("labels %q and %q of level %d are different classes: labels are compared as written (integers in canonical form)", clip(prev), clip(t), level))
			continue
		}
		byValue[v] = t
	}
	return w
}

// crReader turns a lone carriage return (the line end of old Mac files)
// into a newline, so that encoding/csv, which ends lines at '\n' only,
// reads CR-only files. CRLF is left alone (encoding/csv removes the CR).
type crReader struct {
	r *bufio.Reader
}

func (c *crReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := c.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b == '\r' {
			if next, err := c.r.Peek(1); err != nil || next[0] != '\n' {
				b = '\n'
			}
		}
		p[n] = b
		n++
		if c.r.Buffered() == 0 && n > 0 {
			break
		}
	}
	return n, nil
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

// orderTokens numbers distinct canonical label tokens: in numeric order
// when all are integers, else in byte order. It returns the class of each
// token id and the names.
func orderTokens(tokens []string) (classOf []int, names []string) {
	integer := true
	for _, t := range tokens {
		if _, _, ok := splitInteger(t); !ok {
			integer = false
			break
		}
	}
	order := make([]int, len(tokens)) // token ids in class order
	for i := range order {
		order[i] = i
	}
	if integer {
		slices.SortFunc(order, func(a, b int) int { return compareIntegers(tokens[a], tokens[b]) })
	} else {
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(tokens[a], tokens[b]) })
	}
	classOf = make([]int, len(tokens))
	for j, id := range order {
		classOf[id] = j
		names = append(names, tokens[id])
	}
	return classOf, names
}

// compareIntegers compares canonical decimal integers of any length.
func compareIntegers(a, b string) int {
	an, bn := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	switch {
	case an && !bn:
		return -1
	case !an && bn:
		return 1
	}
	a, b = strings.TrimPrefix(a, "-"), strings.TrimPrefix(b, "-")
	c := len(a) - len(b)
	if c == 0 {
		c = strings.Compare(a, b)
	}
	if an {
		return -c
	}
	return c
}

// clip shortens a token for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
