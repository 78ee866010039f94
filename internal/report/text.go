package report

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"sonar-preflight/internal/preflight"
)

const (
	width     = 100 // the text report must read well in a 100-column terminal or log
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

func text(v view) string {
	var b strings.Builder
	paint := func(code, s string) string {
		if !v.meta.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}

	header := "sonar-preflight"
	if v.meta.Version != "" {
		header += " " + v.meta.Version
	}
	if v.meta.Target != "" {
		header += " · SonarQube " + v.meta.Target
	}
	if v.meta.ProjectKey != "" {
		header += " · project " + v.meta.ProjectKey
	}
	writeWrapped(&b, header, "", "  ")

	idCol := 0
	for _, r := range v.results {
		idCol = max(idCol, min(utf8.RuneCountInString(r.ID), maxIDCol))
	}
	for _, r := range v.results {
		word := statusWord(r.Status)
		lead := paint(statusColour(r.Status), word) + "  " + pad(r.ID, idCol) + "  "
		hang := strings.Repeat(" ", utf8.RuneCountInString(word)+2+max(idCol, utf8.RuneCountInString(r.ID))+2)
		// Messages keep their line breaks (config lists one problem a line).
		for i, l := range lines(r.Message) {
			if i == 0 {
				writeWrappedVisible(&b, l, lead, len(hang), hang)
			} else {
				writeWrapped(&b, l, hang, hang)
			}
		}
		indent := strings.Repeat(" ", detailCol)
		if r.Status == preflight.Pass {
			// A pass still states what it did not prove (notes), never its evidence.
			for _, n := range r.Notes {
				writeWrapped(&b, strings.Join(lines(n), " "), indent+"note: ", indent+"      ")
			}
			continue
		}
		if r.Remedy != "" {
			for i, l := range lines(r.Remedy) {
				first := indent + "  "
				if i == 0 {
					first = indent + "→ "
				}
				writeWrapped(&b, l, first, indent+"  ")
			}
		}
		for _, n := range r.Notes {
			writeWrapped(&b, strings.Join(lines(n), " "), indent+"note: ", indent+"      ")
		}
		for _, e := range r.Evidence {
			writeWrapped(&b, e.String(), indent+"evidence: ", indent+"          ")
		}
	}

	verdict := statusWord(v.verdict)
	closing := fmt.Sprintf("%s in %s; %s.", v.counts.tally(), elapsed(v.elapsed), v.exitMeaning())
	lead := paint(ansiBold+statusColour(v.verdict), "Verdict: "+verdict) + " — "
	visible := len("Verdict: ") + len(verdict) + len(" — ")
	writeWrappedVisible(&b, closing, lead, visible, "  ")
	return b.String()
}

func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

var listMarker = regexp.MustCompile(`^(?:[-*•]|\d{1,2}[.)]) `)

// writeWrapped writes one line of text, word-wrapped at width with first
// before the first line and rest before the others. Leading white space of
// the text is kept (it may indent a list in a remedy); words are never split,
// so a word longer than the room it has (a URL) runs past the width.
func writeWrapped(b *strings.Builder, s, first, rest string) {
	writeWrappedVisible(b, s, first, utf8.RuneCountInString(first), rest)
}

// writeWrappedVisible is writeWrapped for a prefix whose visible width
// differs from its length (it holds colour codes).
func writeWrappedVisible(b *strings.Builder, s, first string, firstWidth int, rest string) {
	trimmed := strings.TrimLeft(s, " \t")
	lead := s[:len(s)-len(trimmed)]
	words := strings.Fields(trimmed)
	b.WriteString(first)
	b.WriteString(lead)
	col := firstWidth + utf8.RuneCountInString(lead)
	start := col
	// Continuation lines of a list item ("- x", "1. x") align with its text.
	if m := listMarker.FindString(trimmed); m != "" {
		lead += strings.Repeat(" ", utf8.RuneCountInString(m))
	}
	for _, w := range words {
		n := utf8.RuneCountInString(w)
		switch {
		case col == start:
		case col+1+n > width:
			b.WriteByte('\n')
			b.WriteString(rest)
			b.WriteString(lead)
			col = utf8.RuneCountInString(rest) + utf8.RuneCountInString(lead)
			start = col
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
	}
	b.WriteByte('\n')
}
