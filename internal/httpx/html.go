package httpx

import (
	"bytes"
	"html"
	"strings"
	"unicode/utf8"
)

// HTMLTitle returns the <title> of an HTML page (a proxy's or a sign-in
// page's), whitespace collapsed and cut to max runes, or "" when there is none.
// It names the page in messages like "got text/html (Sign in to your account)".
func HTMLTitle(body []byte, max int) string {
	const limit = 64 << 10
	if len(body) > limit {
		body = body[:limit]
	}
	// ASCII-only lowering keeps byte offsets equal to the body's; a Unicode
	// lowering would not on invalid UTF-8 (found by fuzzing).
	lower := asciiLower(body)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := len(body)
	if k := bytes.Index(lower[start:], []byte("</title")); k >= 0 {
		end = start + k
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(html.UnescapeString(string(body[start:end])), "")), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
