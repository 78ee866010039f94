package secret

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	const v = "squ_0123456789abcdef"
	s := New(v)
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", s)
	js, _ := json.Marshal(struct{ T Secret }{s})
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s), string(js), logged.String(),
	} {
		if strings.Contains(out, v) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Value() != v || s.Empty() || !New("").Empty() || New("").String() != "" {
		t.Error("accessors")
	}
}

func TestFormsAndRedact(t *testing.T) {
	t.Parallel()
	const pat = "abcdefghijklmnopqrstuvwxyz012345678901234567890AZDO"
	forms := Forms(pat)
	for _, want := range []string{
		pat,
		base64.StdEncoding.EncodeToString([]byte(":" + pat)),
		base64.StdEncoding.EncodeToString([]byte(pat + ":")),
		base64.StdEncoding.EncodeToString([]byte("accessToken:" + pat)),
	} {
		found := false
		for _, f := range forms {
			found = found || f == want
		}
		if !found {
			t.Errorf("Forms lacks %q", want)
		}
	}
	var r Registry
	r.Add(pat, "", "p@ss word")
	in := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+pat)) + " url?pw=p%40ss+word raw " + pat
	out := r.Redact(in)
	if strings.Contains(out, pat) || strings.Contains(out, "p%40ss+word") || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(":"+pat))) {
		t.Errorf("not redacted: %s", out)
	}
	if (*Registry)(nil).Redact("x") != "x" {
		t.Error("nil registry")
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("squ_abcdef123456", "prefix squ_abcdef123456 suffix")
	f.Add("p;a]ss%", "x")
	f.Add("0123456789abcdef0123", "Authorization: Basic MDEyMzQ1Njc4OWFiY2RlZjAxMjM6")
	f.Add("ghp_0123456789abcdefABCDEF", "é0123456789abcdefABé")
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < 4 || strings.Contains(secret, "*") { // the mask itself could rebuild it
			return
		}
		var r Registry
		r.Add(secret)
		out := r.Redact(text + secret + text)
		if strings.Contains(out, secret) {
			t.Fatalf("secret survives redaction: %q", out)
		}
		// No run of Window characters of any form survives either.
		for _, f := range runForms(secret) {
			for i := 0; i+Window <= len(f); i++ {
				if strings.Contains(out, f[i:i+Window]) {
					t.Fatalf("%q survives redaction in %q", f[i:i+Window], out)
				}
			}
		}
	})
}

// leak returns the longest run of at least Window bytes that out shares
// with form, or "".
func leak(out, form string) string {
	best := ""
	for i := 0; i+Window <= len(form); i++ {
		if j := strings.Index(out, form[i:i+Window]); j >= 0 {
			k := Window
			for i+k < len(form) && j+k < len(out) && form[i+k] == out[j+k] {
				k++
			}
			if k > len(best) {
				best = form[i : i+k]
			}
		}
	}
	return best
}

func TestRedactRuns(t *testing.T) {
	t.Parallel()
	const tok = "squ_0123456789abcdef0123456789abcdef01234567"
	const pat = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopAZDOqrst"
	var r Registry
	r.Add(tok, pat)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ name, in, form string }{
		{"first 20 characters of a token", "echo: " + tok[:20] + "…", tok},
		{"middle of a token", "x" + tok[10:30] + "y", tok},
		{"Basic payload cut after 59 characters", `not SonarQube's JSON but text/plain: "Authorization ` + b64(tok + ":")[:59] + `…"`, b64(tok + ":")},
		{"Basic payload with a user we do not know", "user=" + b64("someone:"+pat), b64("someone:" + pat)},
		{"Basic payload, another alignment", b64("ab:" + pat), b64("ab:" + pat)},
		{"URL-safe base64 without padding", base64.RawURLEncoding.EncodeToString([]byte("x" + pat + "y")), base64.RawURLEncoding.EncodeToString([]byte("x" + pat + "y"))},
		{"URL-encoded", "q=" + strings.ReplaceAll(tok, "_", "%5F")[:30], strings.ReplaceAll(tok, "_", "%5F")},
	}
	for _, tt := range tests {
		out := r.Redact(tt.in)
		// Only the secret's own bytes count: the form's first and last
		// characters may encode neighbours too.
		if l := leak(out, tt.form); l != "" && strings.Contains(tt.form, l) && len(l) >= Window+2 {
			t.Errorf("%s: %q leaks %q", tt.name, out, l)
		}
		if !strings.Contains(out, Mask) {
			t.Errorf("%s: nothing masked in %q", tt.name, out)
		}
	}
	// Text around a masked run is kept, and a multi-byte neighbour is not split.
	if got := r.Redact("é" + tok[5:25] + "é"); got != "é"+Mask+"é" {
		t.Errorf("got %q", got)
	}
}

func TestStripAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic ***"},
		{"authorization=Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig", "authorization=Bearer ***"},
		{"header token ghp_abcdefghijklmnop1234", "header token ***"},
		{`{"Authorization":"0123456789abcdef"}`, `{"Authorization":"***"}`},
		{"Proxy-Authorization: Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1", "Proxy-Authorization: Negotiate ***"},
		{"Use Basic authentication or a token instead", "Use Basic authentication or a token instead"},
		{"The token expired; give it Basic access", "The token expired; give it Basic access"},
		{"Bearer realm=\"sonar\"", "Bearer realm=\"sonar\""},
	}
	for _, tt := range tests {
		if got := StripAuthorization(tt.in); got != tt.want {
			t.Errorf("StripAuthorization(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Short, common-word secrets (a proxy password "pass") are masked where they
// stand in untrusted text; callers keep them away from the program's own
// words by redacting only untrusted parts.
func TestRedactShortSecret(t *testing.T) {
	t.Parallel()
	var r Registry
	r.Add("pass")
	if got := r.Redact("user pass word"); got != "user *** word" {
		t.Errorf("got %q", got)
	}
}

func BenchmarkRedact4MiB(b *testing.B) {
	var r Registry
	r.Add("squ_0123456789abcdef0123456789abcdef01234567", strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 2)+"AZDOqrst", "svc:pw%;]:0123456789abcdef")
	body := strings.Repeat(`{"key":"value-0123456789","url":"https://dev.azure.com/contoso/x"},`, 4<<20/64)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r.Redact(body)
	}
}
