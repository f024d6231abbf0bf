package main

import (
	"strings"
	"testing"
)

// TestSeedsHelp: --seeds' help says what the verdict code does — every
// verdict has a 95 % interval over the test examples at any seed count, and
// two or more seeds add the spread over seeds — not that three or more
// seeds are needed for an interval (issue 29 follow-up, item 8).
func TestSeedsHelp(t *testing.T) {
	_, stdout, stderr := isonet(t, "reproduce", "--help")
	help := strings.Join(strings.Fields(stdout+stderr), " ")
	if want := "every verdict has a 95 % interval over the test examples; two or more seeds add the spread over seeds (tables print mean ± sd)"; !strings.Contains(help, want) {
		t.Errorf("reproduce --help lacks %q:\n%s", want, help)
	}
	if strings.Contains(help, "three or more") {
		t.Error("reproduce --help still says three or more seeds give a 95 % interval")
	}
}
