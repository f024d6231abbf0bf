package main

import (
	"os"
	"path/filepath"
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

// TestJacobianDivergenceAdvice: a --method jacobian run that diverges under
// a huge --jacobian-lambda names that flag, with its value, and --lr — not
// --beta, which the method does not use (issue 29 follow-up, item 5).
func TestJacobianDivergenceAdvice(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	code, _, stderr := isonet(t, "train", "--quiet", "--dataset", "rings", "--epochs", "2", "--method", "jacobian", "--jacobian-lambda", "1e30", "--out", out)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if want := "): try a smaller --jacobian-lambda (the Jacobian penalty's weight, 1e+30 here) or --lr"; code != 2 || !strings.HasPrefix(last, "isonet train: training diverged at epoch 1, step 1 (") || !strings.HasSuffix(last, want) {
		t.Errorf("exit %d, stderr %q; want a divergence ending %q", code, stderr, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written by a run that diverged", out)
	}
}
