package reproduce

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isonet/isonet/verdict"
)

// testsIn returns the names of the Test functions of the package in dir.
func testsIn(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool { return strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for name, obj := range f.Scope.Objects {
				if obj.Kind.String() == "func" && strings.HasPrefix(name, "Test") {
					out[name] = true
				}
			}
		}
	}
	return out
}

// TestVerdictsSection: the report states the rules once, in its section
// "How the verdicts are reached" after the claims table — verdict's rules
// and the report's own, each naming tests that exist in the package it
// names.
func TestVerdictsSection(t *testing.T) {
	pkgs := map[string]map[string]bool{"verdict": testsIn(t, filepath.Join("..", "verdict")), "reproduce": testsIn(t, "."), "cmd/isonet": testsIn(t, filepath.Join("..", "cmd", "isonet"))}
	check := func(rule string, names []string, pkg string) {
		if len(names) == 0 {
			t.Errorf("rule %q names no test", rule)
		}
		for _, n := range names {
			p, name := pkg, n
			if i := strings.LastIndex(n, "."); i >= 0 {
				p, name = n[:i], n[i+1:]
			}
			if !pkgs[p][name] {
				t.Errorf("rule %q names %s, which is not a test of package %s", rule, name, p)
			}
		}
	}
	for _, r := range verdict.Rules {
		check(r.Name, r.Tests, "verdict")
	}
	for _, r := range reportRules() {
		check(r.name, r.tests, "reproduce")
	}
	res := &Results{Claims: []Claim{{Claim: "a claim", Holds: "holds"}}}
	md := res.Markdown()
	if n := strings.Count(md, "## How the verdicts are reached"); n != 1 {
		t.Fatalf("the section is in the report %d times:\n%s", n, md)
	}
	sec := md[strings.Index(md, "## How the verdicts are reached"):]
	if strings.Index(md, "| a claim") > strings.Index(md, "## How the verdicts are reached") {
		t.Error("the section comes before the claims table")
	}
	for _, r := range verdict.Rules {
		if strings.Count(md, r.Text) != 1 || !strings.Contains(sec, "**"+r.Name+".** "+r.Text+" Tests: `"+r.Tests[0]+"`") {
			t.Errorf("rule %s is not stated once with its tests in the section", r.Name)
		}
	}
	for _, w := range []string{"key budgets L∞ 0.1 and L2 1 (one family, Holm)", "L∞ 0.01 and L2 0.1", "`TestInstrumentClaims` (reproduce)", "`TestDefaultSeeds` (cmd/isonet)",
		"seeds 0, 1 and 2", "within ± 2 points", "one-sided"} {
		if !strings.Contains(sec, w) {
			t.Errorf("the section lacks %q:\n%s", w, sec)
		}
	}
}

// TestFashionFloorOneSided: where the paper gives no numbers, the β = 0
// MLP is judged against the floor of published MLPs only: one well above
// the published range holds (a better baseline is not unfair), one below
// the floor does not, and the report says why the floor is the check.
func TestFashionFloorOneSided(t *testing.T) {
	floor := "Fashion-MNIST: β = 0 clean accuracy at least the floor of published MLPs"
	for _, c := range []struct {
		clean float64
		want  verdict.Outcome
	}{{0.95, verdict.Holds}, {0.86, verdict.Holds}, {0.78, verdict.DoesNotHold}} {
		r := handRuns([]string{Standard}, []float64{0, 10}, []uint64{0}, 2000, func(float64, uint64) float64 { return c.clean }, func(float64, uint64) float64 { return 0.3 })
		r.Options.Study = "fashion"
		res, _ := claimsOf(t, r)
		found := false
		for _, cl := range res.Claims {
			if strings.HasPrefix(cl.Claim, floor) {
				found = true
				if cl.Outcome != c.want {
					t.Errorf("β = 0 clean %g: %s (%s), want %s", c.clean, cl.Outcome, cl.Measured, c.want)
				}
			}
		}
		if !found {
			t.Fatalf("no floor claim among %+v", res.Claims)
		}
		if md := res.MNISTSummary.Markdown(); !strings.Contains(md, "a β = 0 network above the range is a stronger baseline, not an unfair one") {
			t.Errorf("the Fashion section does not justify the floor:\n%s", md)
		}
	}
}
