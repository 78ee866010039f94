// Package text is the one sanitiser for text the program does not control:
// what servers answer (record keys, user names, error bodies, page titles,
// headers), what pipeline variables and files hold. That text reaches the
// Azure Pipelines agent, which runs every "##vso[" it finds on stdout and
// stderr alike (with a culture-sensitive search that skips invisible
// characters), terminals, which run escape sequences, and the build's
// summary tab, which renders Markdown.
//
// # The mechanism
//
// One rule, applied at one place: the renderers. The program's own structure
// (check ids, status words, headings, table rules, logging-command names and
// properties, the verdict, the summary path it made, its colours) is
// written by the renderers from trusted values. Every text a finding or the
// report's metadata carries (message, remedy, notes, evidence, the SonarQube
// URL, the project key) is untrusted as a whole, because catalog messages
// are fixed wording with server strings inside: the renderers pass each one
// through [Clean] (secrets redacted first by the caller) and print only the
// [Block] and [Line] values it returns, which nothing else can make. A check
// author writes messages as plain strings and needs to do nothing: whatever
// a message holds is cleaned on the way out. The debug log gets the same
// treatment from [LogWriter], for the values of every field.
//
// What cleaning does, in this order:
//   - invalid UTF-8 bytes are shown as \xNN;
//   - line breaks (CR, LF, CRLF, VT, FF, NEL U+0085, U+2028, U+2029) split
//     the text into lines;
//   - control characters (C0, DEL, C1), Unicode format characters (category
//     Cf: soft hyphen, zero-width, bidi controls, tags...) and the other
//     default-ignorable code points (variation selectors, Hangul fillers,
//     combining grapheme joiner) and unassigned code points are made visible
//     as \xNN or \uXXXX; a tab becomes a space;
//   - then logging-command prefixes are neutralised: two number signs (#,
//     U+FF03, U+FE5F) never stand next to each other, even with non-ASCII
//     characters between them, so neither "##vso[" nor "##[" survives,
//     whatever the agent's search skips;
//   - each run of non-space characters, each line, each text and the number
//     of lines are capped, with "… (N bytes more)".
//
// [Markdown] escapes what Markdown and HTML would act on, so a cleaned line
// shows as written and can never add a heading, list, rule, link or tag.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits cap what one untrusted text may print.
type Limits struct {
	Run   int // bytes of one run of non-space characters (a token, a URL)
	Line  int // bytes of one line
	Text  int // bytes of the whole text
	Lines int // lines of the whole text
}

// DefaultLimits fit every message the catalog writes (its longest remedy
// line is under 400 bytes) and keep a hostile one from flooding a log: a
// 1 MB record key prints as its first 256 bytes and a count.
var DefaultLimits = Limits{Run: 256, Line: 2048, Text: 6144, Lines: 40}

// Line is one line of cleaned text: valid UTF-8 without control or format
// characters, without two adjacent number signs, within its limits. Only
// this package makes one.
type Line struct{ s string }

// String returns the cleaned text.
func (l Line) String() string { return l.s }

// Empty reports whether the line holds nothing.
func (l Line) Empty() bool { return l.s == "" }

// Block is cleaned text of one or more lines.
type Block struct{ lines []Line }

// Lines returns the block's lines.
func (b Block) Lines() []Line { return b.lines }

// Empty reports whether the block holds no text at all.
func (b Block) Empty() bool {
	for _, l := range b.lines {
		if !l.Empty() {
			return false
		}
	}
	return true
}

// String joins the lines with LF.
func (b Block) String() string { return b.Join("\n") }

// Join joins the lines with sep (which the caller controls).
func (b Block) Join(sep string) string {
	parts := make([]string, len(b.lines))
	for i, l := range b.lines {
		parts[i] = l.s
	}
	return strings.Join(parts, sep)
}

// OneLine is the block on one line, its lines joined by spaces.
func (b Block) OneLine() Line { return Line{strings.Join(strings.Fields(b.Join(" ")), " ")} }

// Trusted wraps text the program wrote itself (an id, a status word, a
// constant) so that it can sit in a Line. It panics on text that could not
// have passed Clean unchanged, so a mistake shows in the tests rather than
// in a pipeline.
func Trusted(s string) Line {
	if c := Clean(s, DefaultLimits).OneLine(); c.s != strings.Join(strings.Fields(s), " ") {
		// The panic's text reaches stderr: it quotes s cleaned, never raw.
		panic("text.Trusted(" + CleanLine(s, DefaultLimits).String() + "): not plain text")
	}
	return Line{strings.Join(strings.Fields(s), " ")}
}

// Clean makes untrusted text safe to print anywhere; see the package
// documentation for what it does. Secrets must be redacted before: a cut
// could split one and leave a prefix no redactor would recognise.
func Clean(s string, lim Limits) Block {
	lim = lim.withDefaults()
	// Cleaning never makes text shorter than the runs it keeps, so what lies
	// beyond this much input could not be printed: it is only counted.
	unread := 0
	if scan := 4 * (lim.Text + lim.Line); len(s) > scan {
		unread = len(s) - len(cutTo(s, scan))
		s = s[:len(s)-unread]
	}
	out := clean(s, lim)
	if unread > 0 {
		// One note for all that is not shown: what the scanned part cut
		// (its note, if any, is replaced) and what was never scanned.
		n := len(out.lines)
		last := out.lines[n-1].s
		if i := strings.LastIndex(last, "… ("); i >= 0 && strings.HasSuffix(last, ")") {
			var a, b int
			note := last[i+len("… ("):]
			if _, err := fmt.Sscanf(note, "%d bytes more)", &a); err == nil {
				unread, last = unread+a, last[:i]
			} else if _, err := fmt.Sscanf(note, "%d more lines, %d bytes)", &a, &b); err == nil {
				unread, last = unread+b, last[:i]
			}
		}
		out.lines[n-1].s = last + fmt.Sprintf("… (%d bytes more)", unread)
	}
	return out
}

func clean(s string, lim Limits) Block {
	var out []Line
	total := 0
	raw := splitLines(s)
	for i, l := range raw {
		if len(out) == lim.Lines {
			rest := 0
			for _, r := range raw[i:] {
				rest += len(r) + 1
			}
			out = append(out, Line{fmt.Sprintf("… (%d more lines, %d bytes)", len(raw)-i, rest-1)})
			break
		}
		c := capRuns(neutralize(visible(l)), lim.Run)
		c = cut(c, lim.Line)
		if total+len(c) > lim.Text {
			room := max(lim.Text-total, 0)
			rest := len(c) - room
			for _, r := range raw[i+1:] {
				rest += len(r) + 1
			}
			out = append(out, Line{cutTo(c, room) + fmt.Sprintf("… (%d bytes more)", rest)})
			break
		}
		total += len(c) + 1
		out = append(out, Line{c})
	}
	return Block{out}
}

// CleanLine is Clean for a single-line place (a title, a table cell, a
// log field): line breaks become spaces.
func CleanLine(s string, lim Limits) Line {
	lim = lim.withDefaults()
	// Every line counts against the one line's budget, so the number of
	// lines needs no cap of its own beyond that.
	c := Clean(s, Limits{Run: lim.Run, Line: lim.Line, Text: lim.Line, Lines: lim.Line})
	return Line{cut(strings.Join(strings.Fields(c.Join(" ")), " "), lim.Line)}
}

func (l Limits) withDefaults() Limits {
	if l.Run <= 0 {
		l.Run = DefaultLimits.Run
	}
	if l.Line <= 0 {
		l.Line = DefaultLimits.Line
	}
	if l.Text <= 0 {
		l.Text = DefaultLimits.Text
	}
	if l.Lines <= 0 {
		l.Lines = DefaultLimits.Lines
	}
	return l
}

// splitLines splits at every character a terminal, the agent, a browser or
// a log viewer may take as a line end.
func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
			start = i + n
		case '\n', '\v', '\f', '\u0085', '\u2028', '\u2029':
			lines = append(lines, s[start:i])
			start = i + n
		}
		i += n
	}
	return append(lines, s[start:])
}

// Unsafe reports whether r may not be printed as itself: it controls a
// terminal, changes how text around it reads, or is invisible to a reader
// while a search may skip it.
func Unsafe(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false // a replacement character someone else wrote is visible
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r < 0x80:
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp,
		unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs)
}

// visible shows unsafe characters and invalid bytes as escapes.
func visible(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\t' || Unsafe(r) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func isNumberSign(r rune) bool { return r == '#' || r == '\uff03' || r == '\ufe5f' }

// neutralize puts a space after a number sign that another one follows,
// with nothing but non-ASCII characters between them: the agent finds
// "##vso[" with a culture-sensitive search that skips characters collation
// ignores, and no ASCII character after cleaning is one of those.
func neutralize(s string) string {
	if strings.IndexByte(s, '#') < 0 && !strings.Contains(s, "\uff03") && !strings.Contains(s, "\ufe5f") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+n])
		i += n
		if !isNumberSign(r) {
			continue
		}
		for j := i; j < len(s); {
			q, m := utf8.DecodeRuneInString(s[j:])
			if isNumberSign(q) {
				b.WriteByte(' ')
				break
			}
			if q < 0x80 {
				break
			}
			j += m
		}
	}
	return b.String()
}

// capRuns cuts every run of non-space characters longer than max bytes.
func capRuns(s string, max int) string {
	if len(s) <= max {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		sp := strings.IndexByte(s, ' ')
		word := s
		if sp >= 0 {
			word = s[:sp]
		}
		b.WriteString(cut(word, max))
		if sp < 0 {
			break
		}
		b.WriteByte(' ')
		s = s[sp+1:]
	}
	return b.String()
}

// cut keeps at most max bytes of s (at a character boundary) and says how
// many were left out.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	kept := cutTo(s, max)
	return kept + fmt.Sprintf("… (%d bytes more)", len(s)-len(kept))
}

func cutTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// Cut keeps at most max bytes of s at a character boundary and appends
// "… (N bytes more)" when it cut. Use it on text already redacted.
func Cut(s string, max int) string { return cut(s, max) }

// FirstN lists the first n items joined by sep and says how many more there
// are, so that a server with thousands of records cannot flood a message.
func FirstN(items []string, n int, sep string) string {
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:n], sep) + fmt.Sprintf("%s… and %d more", sep, len(items)-n)
}

// Plain makes one line of text safe without cutting it: unsafe characters
// made visible, command prefixes neutralised, line breaks made spaces. It
// is what a protocol writer applies to whatever it prints as text, the
// program's own lines included; it leaves cleaned text unchanged.
func Plain(s string) string {
	lines := splitLines(s)
	for i, l := range lines {
		lines[i] = neutralize(visible(l))
	}
	return strings.Join(lines, " ")
}

// Neutralize breaks logging-command prefixes (two number signs, with only
// non-ASCII characters between them) and nothing else.
func Neutralize(s string) string { return neutralize(s) }

// Lines makes a block of cleaned lines.
func Lines(lines ...Line) Block { return Block{append([]Line(nil), lines...)} }

// Text is a line the program composed from cleaned lines and its own
// words: the caller vouches that every part came from Clean, CleanLine,
// Trusted or a constant. The result passes Plain to keep that promise.
func Text(s string) Line { return Line{Plain(s)} }
