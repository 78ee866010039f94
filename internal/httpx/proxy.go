package httpx

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
)

// BypassList is AGENT_PROXYBYPASSLIST as this tool applies it: like the
// tasks that run after it, which read it with azure-pipelines-task-lib
// (task.ts getHttpProxyConfiguration: new RegExp(entry, 'i').test(url)) and
// typed-rest-client (the same, against url.parse(...).href), every entry is
// a JavaScript regular expression matched case-insensitively and unanchored
// against the whole request URL.
//
// The agent's own requests differ (Agent.Sdk AgentWebProxy.cs): it compiles
// each entry as a .NET ECMAScript regular expression, drops any entry that
// fails to compile without a word, matches "scheme://host[:port]" (no path),
// and always bypasses loopback addresses.
//
// Go's regular expressions (RE2) refuse some entries JavaScript and .NET
// accept: look-arounds, back-references, identity escapes such as \u, and
// repeat counts above 1000. Such entries are skipped, never an error, and
// Skipped says which and why, so that a report can name them.
type BypassList struct {
	entries []bypassEntry
	// Skipped lists the entries this tool cannot apply.
	Skipped []SkippedBypass
}

type bypassEntry struct {
	text string
	re   *regexp.Regexp
}

// SkippedBypass is a bypass entry this tool did not apply.
type SkippedBypass struct {
	Entry  string
	Reason string // what in it stops Go, e.g. "a look-ahead (?!...)"
	// GoOnly: JavaScript (the tasks) and .NET (the agent) accept the
	// entry; only Go refuses it or reads it otherwise, so the tasks bypass
	// the proxy for URLs it matches while this run does not.
	GoOnly bool
}

// ParseBypassList compiles the entries; blank ones are ignored (the agent
// never writes them).
func ParseBypassList(entries []string) BypassList {
	var b BypassList
	for _, e := range entries {
		if strings.TrimSpace(e) == "" {
			continue
		}
		re, skip := compileBypass(e)
		if skip != nil {
			b.Skipped = append(b.Skipped, *skip)
			continue
		}
		b.entries = append(b.entries, bypassEntry{text: e, re: re})
	}
	return b
}

// Len is the number of entries applied.
func (b BypassList) Len() int { return len(b.entries) }

// Match reports the first entry that exempts u from the proxy.
func (b BypassList) Match(u *url.URL) (string, bool) {
	s := bypassSubject(u)
	for _, e := range b.entries {
		if e.re.MatchString(s) {
			return e.text, true
		}
	}
	return "", false
}

// compileBypass compiles one entry the way JavaScript's new RegExp(entry,
// 'i') reads it, or says why it cannot.
func compileBypass(entry string) (*regexp.Regexp, *SkippedBypass) {
	if reason, jsReads := readDifferently(entry); reason != "" {
		return nil, &SkippedBypass{Entry: entry, Reason: reason, GoOnly: jsReads}
	}
	re, err := regexp.Compile("(?i)" + entry)
	if err == nil {
		return re, nil
	}
	var se *syntax.Error
	if !errors.As(err, &se) {
		return nil, &SkippedBypass{Entry: entry, Reason: "not a regular expression Go can read (" + err.Error() + ")"}
	}
	expr := se.Expr
	switch {
	case se.Code == syntax.ErrInvalidPerlOp && (strings.HasPrefix(expr, "(?=") || strings.HasPrefix(expr, "(?!")):
		return nil, &SkippedBypass{Entry: entry, Reason: "a look-ahead " + expr + "...)", GoOnly: true}
	case se.Code == syntax.ErrInvalidNamedCapture && (strings.HasPrefix(expr, "(?<=") || strings.HasPrefix(expr, "(?<!")):
		return nil, &SkippedBypass{Entry: entry, Reason: "a look-behind " + expr[:4] + "...)", GoOnly: true}
	case se.Code == syntax.ErrInvalidEscape && len(expr) == 2 && (expr[1] >= '1' && expr[1] <= '9' || expr[1] == 'k'):
		return nil, &SkippedBypass{Entry: entry, Reason: "a back-reference " + expr, GoOnly: true}
	case se.Code == syntax.ErrInvalidEscape:
		// JavaScript (without the u flag, as task-lib compiles) reads an
		// unknown escape as the character itself; \u and \c are its own.
		return nil, &SkippedBypass{Entry: entry, Reason: "the escape " + expr + ", which Go does not know", GoOnly: true}
	case se.Code == syntax.ErrInvalidRepeatSize:
		return nil, &SkippedBypass{Entry: entry, Reason: "a repeat count above Go's limit of 1000 (" + expr + ")", GoOnly: true}
	case se.Code == syntax.ErrMissingBracket && (strings.HasPrefix(expr, "[]") || strings.HasPrefix(expr, "[^]")):
		return nil, &SkippedBypass{Entry: entry, Reason: "an empty character class " + expr[:strings.Index(expr, "]")+1] + ", which Go reads differently", GoOnly: true}
	}
	return nil, &SkippedBypass{Entry: entry, Reason: fmt.Sprintf("not a valid regular expression (%s)", se.Code)}
}

// readDifferently finds constructs Go accepts but reads otherwise than
// JavaScript: escapes that are anchors or classes in Go and plain letters in
// JavaScript (which the tasks then apply: jsReads), and inline flag groups,
// which JavaScript refuses.
func readDifferently(entry string) (reason string, jsReads bool) {
	for i := 0; i < len(entry); i++ {
		switch c := entry[i]; {
		case c == '\\' && i+1 < len(entry):
			switch entry[i+1] {
			case 'A', 'z', 'p', 'P', 'Q', 'E':
				return `the escape \` + string(entry[i+1]) + ", which Go reads as an anchor or class and JavaScript as a plain letter", true
			}
			i++ // skip the escaped character
		case c == '(' && strings.HasPrefix(entry[i:], "(?"):
			j := i + 2
			for j < len(entry) && (entry[j] >= 'a' && entry[j] <= 'z' || entry[j] >= 'A' && entry[j] <= 'Z' || entry[j] == '-') {
				j++
			}
			if j > i+2 && j < len(entry) && (entry[j] == ')' || entry[j] == ':') {
				return "the inline flags " + entry[i:j+1] + ", which JavaScript refuses", false
			}
		}
	}
	return "", false
}
