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
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < 4 || strings.Contains(secret, "*") { // the mask itself could rebuild it
			return
		}
		var r Registry
		r.Add(secret)
		if out := r.Redact(text + secret + text); strings.Contains(out, secret) {
			t.Fatalf("secret survives redaction: %q", out)
		}
	})
}
