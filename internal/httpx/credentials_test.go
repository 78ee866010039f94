package httpx

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"sonar-preflight/internal/secret"
)

// The guard refuses, before anything is sent, any request that carries a
// credential to a destination not on its list, however the request was
// built; allowed destinations are reached normally.
func TestCredentialGuard(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	const pat = "patpatpatpatpatpatpatpat0123456789"
	const tok = "squ_tokentokentoken0123"
	c, err := New(Options{Credentials: []Credential{
		{Name: "the Azure DevOps PAT", Value: pat, Allowed: []string{"http://" + u.Host + "/contoso", "https://app.vssps.visualstudio.com"}, Remedy: "Name the organization with --organization to allow it."},
		{Name: "the SonarQube token", Value: tok, Allowed: []string{"http://" + u.Host}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name    string
		url     string
		header  map[string]string
		allowed bool
	}{
		{"PAT to its organization", srv.URL + "/contoso/_apis/connectionData", map[string]string{"Authorization": basic("", pat)}, true},
		{"PAT to its organization, other letter case", srv.URL + "/CONTOSO/_apis/x", map[string]string{"Authorization": basic("", pat)}, true},
		{"PAT to another organization on the same host", srv.URL + "/northwind/_apis/connectionData", map[string]string{"Authorization": basic("", pat)}, false},
		{"PAT to a path that only starts like the organization", srv.URL + "/contoso-evil/_apis", map[string]string{"Authorization": basic("", pat)}, false},
		{"PAT as user name", srv.URL + "/northwind", map[string]string{"Authorization": basic(pat, "")}, false},
		{"PAT as Bearer", srv.URL + "/northwind", map[string]string{"Authorization": "Bearer " + pat}, false},
		{"PAT in another header", srv.URL + "/northwind", map[string]string{"X-Token": pat}, false},
		{"PAT in the query", srv.URL + "/northwind?pat=" + url.QueryEscape(pat), nil, false},
		{"PAT in the user info", "http://u:" + pat + "@" + u.Host + "/northwind", nil, false},
		{"token to its server", srv.URL + "/api/system/status", map[string]string{"Authorization": basic(tok, "")}, true},
		{"token to another port", "http://" + u.Hostname() + ":1/api", map[string]string{"Authorization": basic(tok, "")}, false},
		{"no credential anywhere", "http://" + u.Host + "/anything", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			var he *Error
			refused := errors.As(err, &he) && he.Kind == KindCredential
			if refused == tt.allowed {
				t.Fatalf("allowed=%v, got err %v", tt.allowed, err)
			}
			if refused {
				if hits.Load() != before {
					t.Errorf("the refused request reached the server")
				}
				for _, f := range secret.Forms(pat) {
					if strings.Contains(he.Error(), f) {
						t.Errorf("the error reveals the credential: %s", he.Error())
					}
				}
				if strings.Contains(tt.name, "PAT") && !strings.Contains(he.Error(), "--organization") {
					t.Errorf("the error does not say how to allow it: %s", he.Error())
				}
			}
		})
	}
}

func TestCredentialGuardRejectsBadDestination(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Credentials: []Credential{{Name: "x", Value: "12345678", Allowed: []string{"dev.azure.com/x"}}}}); err == nil {
		t.Error("a destination without scheme was accepted")
	}
}

// Answers are redacted as they arrive: an echoed credential, whole or cut,
// and an echoed Authorization header reach no reader.
func TestAnswersRedactedOnArrival(t *testing.T) {
	t.Parallel()
	const tok = "squ_0123456789abcdef0123456789abcdef01234567"
	reg := &secret.Registry{}
	reg.Add(tok)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.Header().Set("Location", "https://x/?t="+tok[:20])
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"errors":[{"msg":"`+strings.Repeat("x", 290)+` you sent `+r.Header.Get("Authorization")+` and `+tok[5:30]+`"}]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{Scrub: reg.Redact})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(tok+":")))
	resp, err := Fetch(context.Background(), c, req, 0)
	if err != nil {
		t.Fatal(err)
	}
	all := string(resp.Body) + resp.Header.Get("X-Echo") + resp.Header.Get("Location")
	for _, form := range []string{tok, base64.StdEncoding.EncodeToString([]byte(tok + ":"))} {
		for i := 0; i+secret.Window <= len(form); i++ {
			if strings.Contains(all, form[i:i+secret.Window]) {
				t.Fatalf("a run of a credential form arrived: %q", form[i:i+secret.Window])
			}
		}
	}
	if !strings.Contains(string(resp.Body), "you sent Basic ***") {
		t.Errorf("body: %s", resp.Body)
	}
}

func TestCredentialWildcardDestination(t *testing.T) {
	t.Parallel()
	d, ok := parseDestination("https://*.visualstudio.com")
	if !ok {
		t.Fatal("not parsed")
	}
	for raw, want := range map[string]bool{
		"https://contoso.visualstudio.com/_apis": true, "https://a.b.visualstudio.com/": true,
		"https://visualstudio.com/": false, "https://evilvisualstudio.com/": false, "http://contoso.visualstudio.com/": false,
		"https://contoso.visualstudio.com:8443/": false, "https://contoso.visualstudio.com.evil.example/": false,
	} {
		u, _ := url.Parse(raw)
		if got := d.allows(u); got != want {
			t.Errorf("%s: %v, want %v", raw, got, want)
		}
	}
}
