package httpx

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		max  int
		want string
	}{
		{"<html><head><TITLE>Sign in to your account</TITLE></head>", 80, "Sign in to your account"},
		{"<title lang=en>\n  Azure   DevOps &amp; Services\n</title>", 80, "Azure DevOps & Services"},
		{"<title>unterminated title text", 80, "unterminated title text"},
		{"no title here", 80, ""},
		{"<title", 80, ""},
		{"\xe5\xe5\xe5\xe5<title>x</title>", 80, "x"},
		{"<\xfd<title>", 80, ""},
		{"<title>" + strings.Repeat("é", 100) + "</title>", 10, strings.Repeat("é", 10) + "…"},
	}
	for _, tt := range tests {
		if got := HTMLTitle([]byte(tt.body), tt.max); got != tt.want {
			t.Errorf("HTMLTitle(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func FuzzHTMLTitle(f *testing.F) {
	f.Add([]byte("<title>Sign in</title>"))
	f.Add([]byte("\xe5\xe5\xe5\xe5<title"))
	f.Add([]byte("<\xfd<title>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := HTMLTitle(body, 40)
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") || utf8.RuneCountInString(s) > 41 {
			t.Fatalf("HTMLTitle = %q", s)
		}
	})
}

// Every reader of a body is capped, not only Fetch: go-github decodes
// straight from the response.
func TestBodyCapInTransport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for range 160 { // 10 MiB, streamed
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := New(Options{MaxBody: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	var le *BodyLimitError
	if !errors.As(err, &le) || n != 1<<20 || Classify(err) != KindBodyLimit {
		t.Fatalf("read %d bytes, err %v", n, err)
	}
}
