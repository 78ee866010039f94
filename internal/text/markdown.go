package text

import (
	"strings"
)

// mdInline escapes what CommonMark, GitHub-flavoured Markdown and the HTML
// they allow act on anywhere in a line: emphasis, code, links and images,
// tables, strikethrough, math, headings and work-item links (#), raw HTML
// and entities.
var mdInline = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"#", `\#`, "|", `\|`, "~", `\~`, "$", `\$`, "&", "&amp;", "<", "&lt;", ">", "&gt;",
)

// Markdown is l escaped for a Markdown paragraph, list item, heading or
// table cell: it shows as written and can add no structure. A character
// that would start a block at the beginning of a line (a list marker, a
// rule, a setext underline, a quote, a fence, an ordered-list number,
// indentation) is escaped there too, because callers may put a line break
// before it.
func Markdown(l Line) string {
	s := strings.TrimLeft(l.s, " ")
	if s == "" {
		return ""
	}
	lead := ""
	switch s[0] {
	case '-', '+', '=':
		lead, s = `\`+s[:1], s[1:]
	default:
		// "1. " and "1) " start an ordered list.
		i := 0
		for i < len(s) && i < 10 && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
			lead, s = s[:i]+`\`+s[i:i+1], s[i+1:]
		}
	}
	return lead + mdInline.Replace(s)
}

// MarkdownCode is l as an inline code span, whose fence is longer than any
// run of backticks inside, so nothing inside can end it. In a table cell
// pipes must still be escaped (GFM splits cells first): set cell.
func MarkdownCode(l Line, cell bool) string {
	s := l.s
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	out := fence + s + fence
	if cell {
		out = strings.ReplaceAll(out, "|", `\|`)
	}
	return out
}

// MarkdownCodeBlock is b as a fenced code block, whose fence is longer than
// any backtick run inside.
func MarkdownCodeBlock(b Block) string {
	s := b.String()
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "text\n" + s + "\n" + fence + "\n\n"
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
