package report

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"sonar-preflight/internal/preflight"
)

const (
	lineWidth = 100 // every line of the text report fits a 100-column terminal or log
	maxIDCol  = 24  // longer ids are printed whole and push their message right
	detailCol = 6   // where remedies, notes and evidence start: under the id
)

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
)

func statusWord(s preflight.Status) string {
	switch s {
	case preflight.Pass:
		return "PASS"
	case preflight.Skip:
		return "SKIP"
	case preflight.Warn:
		return "WARN"
	case preflight.Fail:
		return "FAIL"
	}
	return strings.ToUpper(s.String())
}

func statusColour(s preflight.Status) string {
	switch s {
	case preflight.Pass:
		return "\x1b[32m" // green
	case preflight.Skip:
		return "\x1b[2m" // dim
	case preflight.Warn:
		return "\x1b[33m" // yellow
	case preflight.Fail:
		return "\x1b[31m" // red
	}
	return ""
}

// text is the terminal report. Every line fits lineWidth columns: text
// wraps at spaces, a word longer than its room is broken, and wrapped lines
// keep their column. The only escape sequences are the program's own
// colours; the texts are cleaned values.
func text(v view) string {
	var b strings.Builder
	paint := func(code, s string) string {
		if !v.meta.color || code == "" {
			return s
		}
		return code + s + ansiReset
	}

	header := "sonar-preflight"
	if !v.meta.version.Empty() {
		header += " " + v.meta.version.String()
	}
	if !v.meta.target.Empty() {
		header += " · SonarQube " + v.meta.target.String()
	}
	if !v.meta.projectKey.Empty() {
		header += " · project " + v.meta.projectKey.String()
	}
	wrap(&b, header, "", 0, "  ")

	idCol := 0
	for _, r := range v.results {
		idCol = max(idCol, min(columns(r.id.String()), maxIDCol))
	}
	for _, r := range v.results {
		word := statusWord(r.status)
		id := r.id.String()
		lead := paint(statusColour(r.status), word) + "  " + pad(id, idCol) + "  "
		hangWidth := columns(word) + 2 + max(idCol, columns(id)) + 2
		if hangWidth > lineWidth/2 {
			hangWidth = detailCol + 2 // an id so long that its message would have no room
		}
		hang := strings.Repeat(" ", hangWidth)
		leadWidth := columns(word) + 2 + max(idCol, columns(id)) + 2
		// Messages keep their line breaks (config lists one problem a line).
		for i, l := range r.message.Lines() {
			if i == 0 {
				wrap(&b, l.String(), lead, leadWidth, hang)
			} else {
				wrap(&b, l.String(), hang, hangWidth, hang)
			}
		}
		if len(r.message.Lines()) == 0 {
			b.WriteString(strings.TrimRight(lead, " ") + "\n")
		}
		indent := strings.Repeat(" ", detailCol)
		if r.status == preflight.Pass {
			// A pass still states what it did not prove (notes), never its evidence.
			for _, n := range r.notes {
				wrap(&b, n.OneLine().String(), indent+"note: ", detailCol+6, indent+"      ")
			}
			continue
		}
		for i, l := range r.remedy.Lines() {
			first := indent + "  "
			if i == 0 {
				first = indent + "→ "
			}
			wrap(&b, l.String(), first, detailCol+2, indent+"  ")
		}
		for _, n := range r.notes {
			wrap(&b, n.OneLine().String(), indent+"note: ", detailCol+6, indent+"      ")
		}
		for _, e := range r.evidence {
			wrap(&b, e.String(), indent+"evidence: ", detailCol+10, indent+"          ")
		}
	}

	verdict := statusWord(v.verdict)
	closing := fmt.Sprintf("%s in %s; %s.", v.counts.tally(), elapsed(v.elapsed), v.exitMeaning())
	lead := paint(ansiBold+statusColour(v.verdict), "Verdict: "+verdict) + " — "
	wrap(&b, closing, lead, columns("Verdict: "+verdict+" — "), "  ")
	return b.String()
}

func pad(s string, n int) string {
	if k := columns(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// columns is how many terminal columns s takes: East Asian wide and
// fullwidth characters two, combining marks none.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n += runeColumns(r)
	}
	return n
}

func runeColumns(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1F300 && r <= 0x1FAFF: // emoji pictographs: shown double width
		return 2
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

var listMarker = regexp.MustCompile(`^(?:[-*•]|\d{1,2}[.)]) `)

// wrap writes one line of text word-wrapped to lineWidth: first (whose
// visible width is firstWidth: it may hold colour codes) before the first
// line, rest before the others. Leading white space of the text is kept (it
// may indent a list in a remedy), and continuation lines of a list item
// align with its text. A word longer than the room of a line is broken
// across lines.
func wrap(b *strings.Builder, s, first string, firstWidth int, rest string) {
	trimmed := strings.TrimLeft(s, " ")
	lead := s[:len(s)-len(trimmed)]
	if columns(rest)+columns(lead) > lineWidth/2 {
		lead = "" // indentation that would leave no room is dropped
	}
	b.WriteString(first)
	b.WriteString(lead)
	col := firstWidth + columns(lead)
	start := col
	if m := listMarker.FindString(trimmed); m != "" {
		lead += strings.Repeat(" ", columns(m))
	}
	restWidth := columns(rest) + columns(lead)
	newline := func() {
		b.WriteByte('\n')
		b.WriteString(rest)
		b.WriteString(lead)
		col = restWidth
		start = col
	}
	for _, w := range strings.Fields(trimmed) {
		n := columns(w)
		switch {
		case col == start:
		case col+1+n > lineWidth:
			newline()
		default:
			b.WriteByte(' ')
			col++
		}
		// A word longer than the room left: break it.
		for col+n > lineWidth {
			room := lineWidth - col
			if room <= 0 {
				newline()
				continue
			}
			head, tail := splitColumns(w, room)
			if head == "" { // a wide character in a one-column gap
				newline()
				continue
			}
			b.WriteString(head)
			w, n = tail, columns(tail)
			newline()
		}
		b.WriteString(w)
		col += n
	}
	b.WriteByte('\n')
}

// splitColumns splits w after at most room columns.
func splitColumns(w string, room int) (string, string) {
	c := 0
	for i, r := range w {
		rc := runeColumns(r)
		if c+rc > room {
			return w[:i], w[i:]
		}
		c += rc
	}
	return w, ""
}
