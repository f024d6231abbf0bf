package report

import (
	"html"
	"regexp"
	"strings"
)

var (
	imageRe = regexp.MustCompile(`^!\[([^\]]*)\]\(([^)]+)\)$`)
	linkRe  = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	codeRe  = regexp.MustCompile("`([^`]+)`")
	boldRe  = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// MarkdownToHTML renders the small Markdown subset isonet's reports use —
// headings, paragraphs, bullet lists, pipe tables, a line holding only an
// image ![alt](path.png), inline code, bold and links — as an HTML
// fragment. An image becomes a figure linking to its SVG twin.
func MarkdownToHTML(md string) string {
	var b strings.Builder
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " ")
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			level = min(level, 6)
			text := strings.TrimSpace(line[level:])
			b.WriteString("<h" + string(rune('0'+level)) + ">" + inline(text) + "</h" + string(rune('0'+level)) + ">\n")
		case imageRe.MatchString(line):
			m := imageRe.FindStringSubmatch(line)
			src := html.EscapeString(m[2])
			svg := html.EscapeString(strings.TrimSuffix(m[2], ".png") + ".svg")
			b.WriteString(`<figure><a href="` + svg + `"><img src="` + src + `" alt="` + html.EscapeString(m[1]) + `"></a><figcaption>` + inline(m[1]) + "</figcaption></figure>\n")
		case strings.HasPrefix(line, "|"):
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, splitRow(strings.TrimSpace(lines[i])))
			}
			i--
			if len(rows) >= 2 {
				body := rows[2:]
				b.WriteString(htmlTableInline(rows[0], body))
			}
		case strings.HasPrefix(line, "- "):
			b.WriteString("<ul>\n")
			for ; i < len(lines) && strings.HasPrefix(lines[i], "- "); i++ {
				b.WriteString("<li>" + inline(lines[i][2:]) + "</li>\n")
			}
			i--
			b.WriteString("</ul>\n")
		default:
			var para []string
			for ; i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "#") && !strings.HasPrefix(lines[i], "|") && !strings.HasPrefix(lines[i], "- ") && !imageRe.MatchString(lines[i]); i++ {
				para = append(para, lines[i])
			}
			i--
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
		}
	}
	return b.String()
}

func splitRow(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '|':
			cur.WriteByte('|')
			i++
		case s[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func htmlTableInline(header []string, rows [][]string) string {
	var b strings.Builder
	num := numericColumns(len(header), rows)
	b.WriteString("<table>\n<thead><tr>")
	for _, h := range header {
		b.WriteString("<th>" + inline(h) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for j, c := range r {
			if j < len(num) && num[j] {
				b.WriteString(`<td class="num">` + inline(c) + "</td>")
			} else {
				b.WriteString("<td>" + inline(c) + "</td>")
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	return b.String()
}

// inline escapes text and renders `code`, **bold** and [links](url).
func inline(s string) string {
	s = html.EscapeString(s)
	s = codeRe.ReplaceAllString(s, "<code>$1</code>")
	s = boldRe.ReplaceAllString(s, "<strong>$1</strong>")
	return linkRe.ReplaceAllString(s, `<a href="$2">$1</a>`)
}
