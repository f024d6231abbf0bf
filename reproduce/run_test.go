package reproduce

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/isonet/isonet/data"
)

var numberRe = regexp.MustCompile(`-?\d+(\.\d+)?(e[-+]?\d+)?`)

// checkReport checks that every file index.html links exists and that
// every number in report.md also appears in results.json.
func checkReport(t *testing.T, dir string) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllStringSubmatch(string(page), -1)
	if len(links) == 0 {
		t.Error("index.html links no file")
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(dir, l[1])); err != nil {
			t.Errorf("index.html links %s, which does not exist", l[1])
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Links and image paths are not numbers of the report, nor are the
	// years of citations and the machine line (its Go version).
	text := regexp.MustCompile(`\]\([^)]*\)`).ReplaceAllString(string(md), "]")
	text = regexp.MustCompile(`(et al\.|& [A-Z][a-z]+) (19|20)\d\d|(?m)^- machine: .*$`).ReplaceAllString(text, "")
	// Nor are the names of the tests the verdict rules cite (TestIssue30Defects).
	text = regexp.MustCompile("`Test\\w+`").ReplaceAllString(text, "")
	missing := map[string]bool{}
	for _, n := range numberRe.FindAllString(text, -1) {
		if !containsToken(string(js), n) && !containsToken(string(js), strings.TrimPrefix(n, "-")) {
			missing[n] = true
		}
	}
	if len(missing) > 0 {
		t.Errorf("numbers in report.md not in results.json: %v", missing)
	}
}

// containsToken reports whether s holds n not embedded in a longer number.
func containsToken(s, n string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], n)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !strings.ContainsAny(s[j-1:j], "0123456789.")
		end := j + len(n)
		after := end == len(s) || !strings.ContainsAny(s[end:end+1], "0123456789")
		if before && after {
			return true
		}
		i = j + 1
	}
}

// TestQuickReportAndResume runs the quick reproduction, checks the report,
// then reruns it and checks that every phase is reused. (Interrupting a
// run midway and resuming only the remaining phases is
// TestInterruptedPhasesResume's subject.)
func TestQuickReportAndResume(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip("MNIST not available:", err)
	}
	if testing.Short() {
		t.Skip("runs the quick reproduction")
	}
	dir := t.TempDir()
	o := DefaultOptions(true)
	o.Command = "isonet reproduce all --quick"
	o.MNIST.TrainSubset, o.MNIST.TestSubset, o.MNIST.Betas = 2000, 300, []float64{0, 1}
	env := &Env{Dir: dir, Quick: true, Seeds: []uint64{0}}
	r, err := Run(context.Background(), env, o)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, dir)
	if len(r.Sections) != len(Experiments) {
		t.Errorf("sections %v, want %v", r.Sections, Experiments)
	}
	// A rerun reuses every phase.
	env2 := &Env{Dir: dir, Quick: true, Seeds: []uint64{0}}
	if _, err := Run(context.Background(), env2, o); err != nil {
		t.Fatal(err)
	}
	for _, tm := range env2.Timings {
		if !tm.Reused {
			t.Errorf("rerun recomputed %s", tm.Phase)
		}
	}
}

// TestInterruptedPhasesResume: a run whose third phase fails keeps the two
// finished phases; the rerun runs only the failed and later ones.
func TestInterruptedPhasesResume(t *testing.T) {
	dir := t.TempDir()
	ran := map[string]int{}
	fail := true
	phases := func(e *Env) error {
		for i, name := range []string{"a", "b", "c", "d"} {
			_, err := doFunc(context.Background(), e, name, map[string]int{"i": i}, func(context.Context) (int, error) {
				ran[name]++
				if name == "c" && fail {
					return 0, context.Canceled
				}
				return i * i, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := phases(&Env{Dir: dir}); err == nil {
		t.Fatal("the failing phase did not fail the run")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "phases"))
	if len(entries) != 2 {
		t.Fatalf("stored phases after the failure: %d, want 2 (a, b)", len(entries))
	}
	fail = false
	e := &Env{Dir: dir}
	if err := phases(e); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"a": 1, "b": 1, "c": 2, "d": 1}
	for k, v := range want {
		if ran[k] != v {
			t.Errorf("phase %s ran %d times, want %d", k, ran[k], v)
		}
	}
	// A phase stored with other settings is refused (a folder holds one
	// setting of each phase), and replaced when forced.
	_, err := doFunc(context.Background(), e, "a", map[string]int{"i": 99}, func(context.Context) (int, error) { ran["a"]++; return 0, nil })
	var conflict *SettingsConflictError
	if !errors.As(err, &conflict) || ran["a"] != 1 {
		t.Errorf("changed settings: %v (ran %d), want a refusal", err, ran["a"])
	}
	_, err = doFunc(context.Background(), &Env{Dir: dir, Force: true}, "a", map[string]int{"i": 99}, func(context.Context) (int, error) { ran["a"]++; return 0, nil })
	if err != nil || ran["a"] != 2 {
		t.Errorf("changed settings, forced: %v (ran %d)", err, ran["a"])
	}
}
