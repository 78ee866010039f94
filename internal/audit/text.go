package audit

import (
	"errors"
	"strconv"
	"strings"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/text"
)

// Show makes text that came from a server (project names, keys, record
// keys, repository names, error messages) safe to print on a terminal, in
// a pipeline log or in a summary, on one line: the shared sanitiser
// (internal/text) makes control and format characters visible, breaks the
// pipeline's command markers and caps the length. Every renderer of the
// audit prints server text through it.
func Show(s string) string { return text.CleanLine(s, text.DefaultLimits).String() }

// quote is Show inside quotation marks, for names in messages; a name
// longer than 200 characters is cut.
func quote(s string) string {
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return strconv.Quote(Show(s))
}

// oneLine is an error's text on one line.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// serverMessage is the server's own words in a failed answer, else the
// error's text.
func serverMessage(err error) string {
	var he *httpx.Error
	if errors.As(err, &he) && he.Message != "" {
		return he.Message
	}
	return oneLine(err)
}
