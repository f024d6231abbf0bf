package reproduce

import (
	"strings"
	"testing"

	"github.com/isonet/isonet/report"
)

// TestReportCommandInert: the command line shown in report.md and
// index.html is one line of code whatever the user typed: a newline in a
// folder name cannot start a heading or an image of its own, a backquote
// cannot end the code span, and [x](javascript:…) is no link.
func TestReportCommandInert(t *testing.T) {
	r := &Results{Command: "isonet reproduce rings --out 'a\n# Pwned\n![x](http://evil/x.png)`<b>[y](javascript:alert(1))\x1b'"}
	md := r.Markdown()
	var line string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "- command: ") {
			line = l
		}
	}
	if want := "- command: `isonet reproduce rings --out 'a\\n# Pwned\\n![x]\u200b(http://evil/x.png)'<b>[y]\u200b(javascript:alert(1))\\x1b'`"; line != want {
		t.Errorf("command line\n got %q\nwant %q", line, want)
	}
	if strings.Contains(md, "\n# Pwned") {
		t.Error("the command started a heading")
	}
	page := report.MarkdownToHTML(md)
	for _, bad := range []string{"<img src=\"http://evil", "href=\"javascript:", "<b>", "<h1>Pwned"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html holds %q", bad)
		}
	}
}
