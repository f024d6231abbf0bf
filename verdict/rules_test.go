package verdict

import (
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestRulesStated: the package doc states five numbered rules, each
// naming tests that exist in this package, and Rules (the report's
// statement) says each of them and names the same tests in the same order.
func TestRulesStated(t *testing.T) {
	src, err := os.ReadFile("verdict.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src[:strings.Index(string(src), "package verdict")])
	tests := map[string]bool{}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for name, obj := range f.Scope.Objects {
				if obj.Kind.String() == "func" && strings.HasPrefix(name, "Test") {
					tests[name] = true
				}
			}
		}
	}
	starts := regexp.MustCompile(`(?m)^//  (\d)\. `).FindAllStringSubmatchIndex(doc, -1)
	n := len(starts)
	for i, st := range starts {
		end := len(doc)
		if i+1 < n {
			end = starts[i+1][0]
		}
		r := doc[st[0]:end]
		if got := doc[st[2]:st[3]]; got != string(rune('1'+i)) {
			t.Errorf("rule %d is numbered %s", i+1, got)
		}
		named := regexp.MustCompile(`\bTest[A-Z]\w*`).FindAllString(r, -1)
		if len(named) == 0 {
			t.Errorf("rule %d names no test", i+1)
		}
		if i < len(Rules) && !slices.Equal(named, Rules[i].Tests) {
			t.Errorf("rule %d (%s): the package doc names %v, Rules (the report's statement) %v", i+1, Rules[i].Name, named, Rules[i].Tests)
		}
		for _, name := range named {
			if !tests[name] {
				t.Errorf("rule %d names %s, which is not a test of this package", i+1, name)
			}
		}
	}
	if n != 5 || len(Rules) != n {
		t.Errorf("%d numbered rules in the package doc, %d in Rules, want 5", n, len(Rules))
	}
	var text []string
	for _, r := range Rules {
		if r.Name == "" || r.Text == "" {
			t.Errorf("rule %+v: no name or no text", r)
		}
		text = append(text, r.Text)
	}
	all := strings.Join(text, " ")
	for _, phrase := range []string{"Wilson score interval", "Newcombe's paired score interval", "Welch–Satterthwaite", "excludes 0 on the claimed side",
		"Holm at family-wise 5 %", "chosen only among the members that hold", "within ± 2 points", "slope over every β", "(1 seed: indicative)"} {
		if !strings.Contains(all, phrase) {
			t.Errorf("Rules does not say %q", phrase)
		}
	}
}
