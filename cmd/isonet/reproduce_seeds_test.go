package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDefaultSeeds: without --seeds the plan of a default reproduce trains
// every model of every experiment with seeds 0, 1 and 2 (issue 30), --quick
// with seed 0 alone, and a given --seeds wins over both; the help says the
// defaults and what one seed leaves out.
func TestDefaultSeeds(t *testing.T) {
	t.Chdir(t.TempDir())
	seedsOf := func(args ...string) []string {
		t.Helper()
		code, stdout, stderr := isonet(t, append([]string{"reproduce", "--plan", "--out", "p"}, args...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
		}
		var seeds []string
		for _, m := range regexp.MustCompile(`(?m)^\s+\d+\s+(\S+)/seed=(\d+)/train\s`).FindAllStringSubmatch(stdout, -1) {
			if !slices.Contains(seeds, m[2]) {
				seeds = append(seeds, m[2])
			}
			if strings.HasPrefix(m[1], "mnist/") || strings.HasPrefix(m[1], "rings/") || strings.HasPrefix(m[1], "torus") {
				continue
			}
			t.Errorf("%v: unexpected training phase %s", args, m[0])
		}
		slices.Sort(seeds)
		return seeds
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"0", "1", "2"}},
		{[]string{"--quick"}, []string{"0"}},
		{[]string{"--seeds", "4"}, []string{"4"}},
		{[]string{"--quick", "--seeds", "1,3"}, []string{"1", "3"}},
	} {
		if got := seedsOf(c.args...); !slices.Equal(got, c.want) {
			t.Errorf("reproduce --plan %v: seeds %v, want %v", c.args, got, c.want)
		}
	}
	_, stdout, stderr := isonet(t, "reproduce", "--help")
	help := strings.Join(strings.Fields(stdout+stderr), " ")
	for _, want := range []string{"default 0,1,2, with --quick 0", `one seed leaves the training variance out and marks its verdicts "(1 seed: indicative)"`} {
		if !strings.Contains(help, want) {
			t.Errorf("reproduce --help lacks %q", want)
		}
	}
}
