package report

import "testing"

func TestMarkdownToHTML(t *testing.T) {
	md := "# Title & co\n\nSome `code` and **bold** [link](a.html).\nsecond line\n\n- one\n- two <b>\n\n| a | b |\n|---|--:|\n| x \\| y | 1.5 |\n\n![Curve <1>](fig/c.png)\n"
	want := "<h1>Title &amp; co</h1>\n" +
		"<p>Some <code>code</code> and <strong>bold</strong> <a href=\"a.html\">link</a>. second line</p>\n" +
		"<ul>\n<li>one</li>\n<li>two &lt;b&gt;</li>\n</ul>\n" +
		"<table>\n<thead><tr><th>a</th><th>b</th></tr></thead>\n<tbody>\n<tr><td>x | y</td><td class=\"num\">1.5</td></tr>\n</tbody>\n</table>\n" +
		"<figure><a href=\"fig/c.svg\"><img src=\"fig/c.png\" alt=\"Curve &lt;1&gt;\"></a><figcaption>Curve &lt;1&gt;</figcaption></figure>\n"
	if got := MarkdownToHTML(md); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
