package audit

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/httpx"
)

// Show makes text that came from a server (project names, keys, record
// keys, repository names, error messages) safe to print on a terminal, in
// a pipeline log or in a summary: control and format characters go, the
// pipeline's command markers are broken, and the text is cut to a sane
// length. Every renderer of the audit prints server text through it alone,
// so that adopting the shared sanitiser is a change here.
func Show(s string) string {
	const maxRunes = 2000
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= maxRunes {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar:
			continue
		}
		b.WriteRune(r)
		n++
	}
	return azp.Neutralize(b.String())
}

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
