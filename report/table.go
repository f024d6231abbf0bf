package report

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MarkdownTable renders a GitHub-flavoured Markdown table with columns
// padded to a common width, so it also reads well in a terminal. Columns
// whose body cells are all numbers (empty cells allowed) are right-aligned.
// A "|" in a cell is escaped as "\|" and a line break becomes a space. Rows
// shorter than the widest row are padded with empty cells.
func MarkdownTable(header []string, rows [][]string) string {
	ncol := len(header)
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		return ""
	}
	esc := func(s string) string {
		s = strings.ReplaceAll(s, "\r\n", " ")
		s = strings.ReplaceAll(s, "\n", " ")
		return strings.ReplaceAll(s, "|", `\|`)
	}
	cells := make([][]string, 0, len(rows)+1)
	for _, r := range append([][]string{header}, rows...) {
		row := make([]string, ncol)
		for j := range row {
			if j < len(r) {
				row[j] = esc(r[j])
			}
		}
		cells = append(cells, row)
	}
	num := numericColumns(ncol, rows)
	width := make([]int, ncol)
	for j := range width {
		width[j] = 3 // room for "---"
		for _, row := range cells {
			width[j] = max(width[j], utf8.RuneCountInString(row[j]))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		b.WriteString("|")
		for j, s := range row {
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(s))
			b.WriteString(" ")
			if num[j] {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(cells[0])
	b.WriteString("|")
	for j := range ncol {
		if num[j] {
			b.WriteString(" " + strings.Repeat("-", width[j]-1) + ": |")
		} else {
			b.WriteString(" " + strings.Repeat("-", width[j]) + " |")
		}
	}
	b.WriteString("\n")
	for _, row := range cells[1:] {
		line(row)
	}
	return b.String()
}

// HTMLTable renders an HTML table with the header in <thead> and every cell
// escaped. Cells of numeric columns (as in MarkdownTable) carry
// class="num" so a style sheet can right-align them. Rows shorter than the
// widest row are padded with empty cells.
func HTMLTable(header []string, rows [][]string) string {
	ncol := len(header)
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		return ""
	}
	num := numericColumns(ncol, rows)
	var b strings.Builder
	b.WriteString("<table>\n<thead>\n<tr>")
	for j := range ncol {
		s := ""
		if j < len(header) {
			s = header[j]
		}
		b.WriteString(cell("th", s, num[j]))
	}
	b.WriteString("</tr>\n</thead>\n<tbody>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for j := range ncol {
			s := ""
			if j < len(r) {
				s = r[j]
			}
			b.WriteString(cell("td", s, num[j]))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	return b.String()
}

func cell(tag, s string, num bool) string {
	if num {
		return "<" + tag + ` class="num">` + html.EscapeString(s) + "</" + tag + ">"
	}
	return "<" + tag + ">" + html.EscapeString(s) + "</" + tag + ">"
}

// numericColumns reports, per column, whether every non-empty body cell is
// a number and at least one is.
func numericColumns(ncol int, rows [][]string) []bool {
	num := make([]bool, ncol)
	for j := range num {
		seen := false
		ok := true
		for _, r := range rows {
			if j >= len(r) || strings.TrimSpace(r[j]) == "" {
				continue
			}
			seen = true
			if _, err := strconv.ParseFloat(strings.TrimSpace(r[j]), 64); err != nil {
				ok = false
				break
			}
		}
		num[j] = seen && ok
	}
	return num
}
