// Package secret holds credentials in a type that refuses to print itself,
// and knows every form in which a credential could leak (raw, Basic header
// payloads, URL-encoded), so that outputs can be scrubbed and the pipeline
// can be told to mask them.
package secret

import (
	"encoding/base64"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask is what a Secret prints instead of its value.
const Mask = "***"

// Secret is a credential. Its zero value is the empty secret.
// It implements fmt.Stringer, fmt.GoStringer, encoding.TextMarshaler and
// slog.LogValuer so that no formatting path reveals the value.
type Secret struct{ v string }

// New wraps a credential.
func New(v string) Secret { return Secret{v: v} }

// Value returns the credential itself. Call it only where the value is put
// on the wire.
func (s Secret) Value() string { return s.v }

// Empty reports whether no credential is held.
func (s Secret) Empty() bool { return s.v == "" }

func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return Mask
}

// GoString keeps %#v from printing the struct field.
func (s Secret) GoString() string { return "secret.Secret(" + s.String() + ")" }

// MarshalText keeps JSON and other encoders from revealing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue keeps slog from revealing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Forms returns the strings under which this secret could appear in output:
// the value itself, base64 of the usual Basic-auth pairs (token as user, token
// as password, SonarQube's "accessToken:" user) and its URL-encoded forms.
func Forms(v string) []string {
	if v == "" {
		return nil
	}
	b64 := func(s string) []string {
		std := base64.StdEncoding.EncodeToString([]byte(s))
		raw := base64.RawStdEncoding.EncodeToString([]byte(s))
		url := base64.URLEncoding.EncodeToString([]byte(s))
		return []string{std, raw, url}
	}
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	forms = append(forms, b64(v)...)
	forms = append(forms, b64(v+":")...)
	forms = append(forms, b64(":"+v)...)
	forms = append(forms, b64("accessToken:"+v)...)
	return uniq(forms)
}

func uniq(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// Window is the shortest run of a secret's characters that counts as a
// leak: no 12 consecutive characters of a secret, or of its base64 or
// URL-encoded forms, may be printed, so a server that echoes part of a
// credential, or a message cut in the middle of one, reveals nothing.
const Window = 12

// Registry collects every secret of a run. It is safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	forms   []string            // longest first, so that replacement masks whole values
	windows map[string]struct{} // every Window-byte run of every form, at every base64 alignment
	filter  []uint64            // bit set over rolling hashes of the windows: most positions need no map lookup
}

// filterBits sizes the window filter (2^20 bits, 128 KiB).
const filterBits = 20

// rollBase is the multiplier of the rolling hash over Window bytes.
const rollBase = 1099511628211

// rollOut is rollBase^Window, what the byte leaving the window weighs.
var rollOut = func() uint64 {
	p := uint64(1)
	for range Window {
		p *= rollBase
	}
	return p
}()

func rollHash(s string) uint64 {
	var h uint64
	for i := 0; i < len(s); i++ {
		h = h*rollBase + uint64(s[i]) + 1
	}
	return h
}

// Add registers a secret value and its derived forms. Empty values are ignored.
func (r *Registry) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.windows == nil {
		r.windows = map[string]struct{}{}
		r.filter = make([]uint64, 1<<filterBits/64)
	}
	for _, v := range values {
		r.forms = append(r.forms, Forms(v)...)
		for _, f := range runForms(v) {
			for i := 0; i+Window <= len(f); i++ {
				w := f[i : i+Window]
				r.windows[w] = struct{}{}
				h := rollHash(w) >> (64 - filterBits)
				r.filter[h/64] |= 1 << (h % 64)
			}
		}
	}
	r.forms = uniq(r.forms)
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
}

// runForms are the strings no Window-long part of which may be printed: the
// full forms, and the base64 of v at each of the three alignments it can
// have inside a longer payload (user:password pairs with a user we do not
// know), without the characters that also encode the unknown neighbours.
func runForms(v string) []string {
	if len(v) < Window {
		return nil
	}
	out := Forms(v)
	for k := 0; k < 3; k++ {
		payload := append(make([]byte, k), v...)
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			e := enc.EncodeToString(payload)
			// The first k+1 characters carry bits of the k unknown bytes
			// before v; the last 3 may carry bits of what follows it.
			if lo, hi := k+1, len(e)-3; hi-lo >= Window {
				out = append(out, e[lo:hi])
			}
		}
	}
	return out
}

// Values returns every registered form, longest first.
func (r *Registry) Values() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.forms...)
}

// Redact masks, in text the program did not write: anything that looks like
// an echoed Authorization header (whoever's credential it is), every
// registered form, and every run of Window characters of one. Call it
// before any cut, so that no prefix of a secret is left behind.
func (r *Registry) Redact(s string) string {
	s = StripAuthorization(s)
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, Mask)
		}
	}
	return r.maskWindows(s)
}

// maskWindows replaces every stretch of s covered by registered windows.
func (r *Registry) maskWindows(s string) string {
	if len(r.windows) == 0 || len(s) < Window {
		return s
	}
	var b strings.Builder
	last := 0    // end of what was copied or masked
	covered := 0 // end of the current masked stretch
	start := -1
	h := rollHash(s[:Window])
	for i := 0; i+Window <= len(s); i++ {
		if i > 0 {
			h = h*rollBase + uint64(s[i+Window-1]) + 1 - (uint64(s[i-1])+1)*rollOut
		}
		if f := h >> (64 - filterBits); r.filter[f/64]&(1<<(f%64)) == 0 {
			continue
		}
		if _, ok := r.windows[s[i:i+Window]]; !ok {
			continue
		}
		if start >= 0 && i <= covered {
			covered = i + Window
			continue
		}
		if start >= 0 {
			b.WriteString(Mask)
			last = covered
		}
		start = i
		for start > last && !utf8.RuneStart(s[start]) {
			start--
		}
		b.WriteString(s[last:start])
		covered = i + Window
	}
	if start < 0 {
		return s
	}
	for covered < len(s) && !utf8.RuneStart(s[covered]) {
		covered++
	}
	b.WriteString(Mask)
	b.WriteString(s[covered:])
	return b.String()
}

// credentialWords precede a credential in an echoed header or a quoted
// request: authentication schemes (Basic, Bearer, GitHub's token,
// Negotiate, NTLM) and header names that hold one.
var credentialWords = []string{"basic", "bearer", "token", "negotiate", "ntlm",
	"authorization", "x-api-key", "api-key", "api_key", "apikey", "private-token"}

// StripAuthorization masks credentials that appear after an authentication
// scheme or a credential header's name, whatever they are: a server that
// echoes another request's header must not print it either. A value is a
// run of 8 or more characters of base64, URL or token alphabets that is not
// an ordinary word ("Basic authentication", "token expired" stay).
func StripAuthorization(s string) string {
	lower := asciiLower(s) // ASCII keywords; byte offsets stay those of s
	type span struct{ from, to int }
	var cuts []span
	for _, w := range credentialWords {
		for i := 0; ; {
			j := strings.Index(lower[i:], w)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(w)
			if at > 0 && isWordByte(s[at-1]) || i < len(s) && isWordByte(s[i]) && s[i] != '-' && s[i] != '_' {
				continue // part of a longer word
			}
			k := i
			// Separator: spaces, or an optional quote, ':' or '=' and spaces.
			sep := false
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
				sep = true
			}
			if k < len(s) && s[k] == '"' {
				k++
			}
			if k < len(s) && (s[k] == ':' || s[k] == '=') {
				k++
				sep = true
				for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '"') {
					k++
				}
			}
			if !sep {
				continue
			}
			v := k
			for v < len(s) && isCredentialByte(s[v]) {
				v++
			}
			for v < len(s) && s[v] == '=' {
				v++
			}
			if v-k < 8 || isSchemeWord(s[k:v]) || isCredentialWord(lower[k:v]) {
				continue
			}
			cuts = append(cuts, span{k, v})
		}
	}
	if len(cuts) == 0 {
		return s
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].from < cuts[j].from })
	var b strings.Builder
	last := 0
	for _, c := range cuts {
		if c.from < last {
			continue
		}
		b.WriteString(s[last:c.from])
		b.WriteString(Mask)
		last = c.to
	}
	b.WriteString(s[last:])
	return b.String()
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func isCredentialByte(c byte) bool {
	return isWordByte(c) || c == '+' || c == '/' || c == '.' || c == '~' || c == '%'
}

func isCredentialWord(lower string) bool {
	for _, w := range credentialWords {
		if lower == w {
			return true
		}
	}
	return false
}

// isSchemeWord is true for the ordinary words that follow "token", "Basic"
// and the like in prose ("Basic authentication", "token expired"): lower
// case or capitalised letters. Credentials mix digits, symbols or cases.
func isSchemeWord(v string) bool {
	for i, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c == '-':
		case i == 0 && c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return true
}
