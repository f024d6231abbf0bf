package attack_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMELibrary checks that the Go code of the README's Library section
// is Example's: its imports are among example_test.go's, and its statements
// (with the expected output) are Example's body, line for line. So the
// README's lines compile, run and print what it says. train's Example must
// be the same lines up to the attack.
func TestREADMELibrary(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, lib, ok := strings.Cut(string(readme), "\n## Library\n")
	if !ok {
		t.Fatal("README.md has no ## Library section")
	}
	_, code, ok := strings.Cut(lib, "```go\n")
	code, _, ok2 := strings.Cut(code, "```\n")
	if !ok || !ok2 {
		t.Fatal("README.md's Library section has no ```go block")
	}
	imports, stmts, ok := strings.Cut(code, "\n)\n\n")
	if !ok || !strings.HasPrefix(imports, "import (\n") {
		t.Fatal("the README's Go block does not start with an import (…) block and a blank line")
	}
	fileImports, _, _ := strings.Cut(string(src), "\n)\n")
	fileImports += "\n"
	for _, l := range strings.Split(strings.TrimPrefix(imports, "import (\n"), "\n") {
		if l != "" && !strings.Contains(fileImports, "\n"+l+"\n") {
			t.Errorf("the README imports %s, example_test.go does not", strings.TrimSpace(l))
		}
	}
	_, body, ok := strings.Cut(string(src), "\nfunc Example() {\n")
	body, _, ok2 = strings.Cut(body, "\n}\n")
	if !ok || !ok2 {
		t.Fatal("example_test.go has no func Example")
	}
	want := strings.Split(body, "\n")
	for i, l := range want {
		want[i] = strings.TrimPrefix(l, "\t")
	}
	trainSrc, err := os.ReadFile("../train/example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, trainBody, _ := strings.Cut(string(trainSrc), "\nfunc Example() {\n")
	trainBody, _, _ = strings.Cut(trainBody, "\t// Output:\n")
	if !strings.HasPrefix(body, trainBody) || trainBody == "" {
		t.Errorf("train's Example is not the beginning of attack's Example (up to train's // Output:)")
	}
	got := strings.Split(strings.TrimSuffix(stmts, "\n"), "\n")
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("README.md's Library code differs from Example at its line %d:\nREADME:  %q\nExample: %q", i+1, g, w)
		}
	}
}
