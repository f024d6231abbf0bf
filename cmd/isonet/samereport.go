package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// setting is one flag that shapes a reproduce report, with its value in a
// canonical form (lists parsed and sorted).
type setting struct{ name, value string }

// reportSettings returns the flags of f that decide what its report holds:
// the experiment, --quick, --seeds, --protocol, --betas, --epochs,
// --data-dir, --extended and --baselines (not where it is written, how
// it is split into shards, or how it logs).
func (f *reproduceFlags) reportSettings() []setting {
	seeds := f.seedsText()
	if s, _, err := parseSeeds(seeds); err == nil {
		seeds = joinUints(s)
	}
	betas := *f.betas
	if b, _, err := parseBetas(betas); err == nil {
		betas = joinFloats(b)
	}
	return []setting{
		{"experiment", f.what},
		{"--quick", fmt.Sprint(*f.quick)},
		{"--seeds", seeds},
		{"--protocol", *f.protocol},
		{"--betas", betas},
		{"--epochs", fmt.Sprint(*f.epochs)},
		{"--data-dir", *f.dataDir},
		{"--extended", fmt.Sprint(*f.extended)},
		{"--baselines", fmt.Sprint(*f.baselines)},
	}
}

// storedReportSettings returns the settings of the report in out, read
// back from the command line its results.json records; ok is false when
// there is no report, and known false when its command line cannot be
// read back.
func storedReportSettings(out string) (s []setting, ok, known bool) {
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		return nil, false, false
	}
	var r struct {
		Command string `json:"command"`
	}
	if json.Unmarshal(b, &r) != nil {
		return nil, true, false
	}
	args := shellSplit(r.Command)
	if len(args) < 2 || args[0] != "isonet" || args[1] != "reproduce" {
		return nil, true, false
	}
	args = args[2:]
	what := "all"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		what, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g := newReproduceFlags(fs)
	g.what = what
	if fs.Parse(args) != nil || fs.NArg() > 0 {
		return nil, true, false
	}
	return g.reportSettings(), true, true
}

// checkSameReport refuses (unless force) a merge whose report would
// replace one in out computed from other settings: `--merge --seeds 0` on
// a folder holding a 2-seed report would overwrite it with a 1-seed one.
func (f *reproduceFlags) checkSameReport(out string, force bool) error {
	if force {
		return nil
	}
	stored, ok, known := storedReportSettings(out)
	if !ok {
		return nil
	}
	if !known {
		return fmt.Errorf("--merge: %s holds a report whose settings cannot be read back from its results.json; merging would replace it: give --force to replace it", filepath.Join(out, "results.json"))
	}
	var diff []string
	for i, s := range f.reportSettings() {
		if t := stored[i]; t.value != s.value {
			diff = append(diff, fmt.Sprintf("%s %s there, %s here", s.name, orNone(t.value), orNone(s.value)))
		}
	}
	if len(diff) == 0 {
		return nil
	}
	return fmt.Errorf("--merge: %s holds a report of other settings (%s); merging would replace it: give the same flags, or --force to replace it", filepath.Join(out, "results.json"), strings.Join(diff, "; "))
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// shellSplit splits a command line as shellJoin wrote it: words separated
// by blanks, single-quoted where they hold anything else (a quote inside
// is written as quote, backslash, quote, quote).
func shellSplit(s string) []string {
	var words []string
	var b strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			b.WriteByte(c)
		case c == '\'':
			quoted, in = true, true
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
			in = true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, b.String())
	}
	return words
}
