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

// Registry collects every secret of a run. It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	forms []string // longest first, so that replacement masks whole values
}

// Add registers a secret value and its derived forms. Empty values are ignored.
func (r *Registry) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		r.forms = append(r.forms, Forms(v)...)
	}
	r.forms = uniq(r.forms)
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
}

// Values returns every registered form, longest first.
func (r *Registry) Values() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.forms...)
}

// Redact replaces every registered form in s with Mask.
func (r *Registry) Redact(s string) string {
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
	return s
}
