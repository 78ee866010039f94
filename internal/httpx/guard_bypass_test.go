package httpx

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The allow-list is the one choke point for credentials, so every way a URL
// can name another destination while looking like an allowed one is tried:
// dot segments (plain, percent-encoded, behind an encoded slash or a
// backslash), which servers resolve before routing, so that
// /contoso/../northwind reaches organization northwind; another scheme;
// user info in front of the host; host spellings that are not the allowed
// host (trailing dot, full-width letters).
func TestCredentialGuardBypasses(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.RequestURI)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	port := u.Port()
	const pat = "patpatpatpatpatpatpatpat0123456789"
	c, err := New(Options{Credentials: []Credential{
		{Name: "the Azure DevOps PAT", Value: pat, Allowed: []string{"http://" + u.Host + "/contoso", "http://localhost:" + port + "/fabrikam"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+pat))
	tests := []struct {
		name    string
		url     string
		allowed bool
	}{
		{"its organization", srv.URL + "/contoso/_apis/projects", true},
		{"a project of its organization named with dots inside", srv.URL + "/contoso/my..project/_apis", true},
		{"dot-dot segment to another organization", srv.URL + "/contoso/../northwind/_apis/projects", false},
		{"dot segment", srv.URL + "/contoso/./_apis/projects", false},
		{"percent-encoded dot-dot", srv.URL + "/contoso/%2e%2e/northwind/_apis", false},
		{"percent-encoded dot-dot, upper case", srv.URL + "/contoso/%2E%2E/northwind/_apis", false},
		{"dot-dot behind an encoded slash", srv.URL + "/contoso/..%2Fnorthwind/_apis", false},
		{"encoded slash in a project name", srv.URL + "/contoso/a%2Fb/_apis", false},
		{"backslash dot-dot", srv.URL + `/contoso/..\northwind/_apis`, false},
		{"encoded backslash dot-dot", srv.URL + "/contoso/..%5Cnorthwind/_apis", false},
		{"dot-dot after a path parameter", srv.URL + "/contoso;x=/../northwind/_apis", false},
		{"https to an http destination", "https://" + u.Host + "/contoso/_apis", false},
		{"user info spelling the allowed host", "http://" + u.Host + "@localhost:1/contoso/_apis", false},
		{"allowed host in upper case", "http://LOCALHOST:" + port + "/fabrikam/_apis", true},
		{"allowed host with a trailing dot", "http://localhost.:" + port + "/fabrikam/_apis", false},
		{"allowed host in full-width letters", "http://ｌｏｃａｌｈｏｓｔ:" + port + "/fabrikam/_apis", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", auth)
			resp, err := c.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			var he *Error
			refused := errors.As(err, &he) && he.Kind == KindCredential
			if refused == tt.allowed {
				t.Errorf("%s: allowed=%v, got %v", tt.url, tt.allowed, err)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if strings.Contains(strings.ToLower(p), "northwind") {
			t.Errorf("a request carrying the PAT reached %s", p)
		}
	}
}

// Through a proxy, the guard still sees the request's own URL: a refused
// request does not even open a tunnel, and an allowed one sends the proxy
// a CONNECT that carries no credential.
func TestCredentialGuardThroughProxy(t *testing.T) {
	t.Parallel()
	var connects atomic.Int64
	var mu sync.Mutex
	var seen []string
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				connects.Add(1)
				mu.Lock()
				seen = append(seen, req.Method+" "+req.Host)
				for k, vs := range req.Header {
					seen = append(seen, k+": "+strings.Join(vs, ","))
				}
				mu.Unlock()
				_, _ = conn.Write([]byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
			}()
		}
	}()
	const pat = "patpatpatpatpatpatpatpat0123456789"
	c, err := New(Options{ProxyURL: "http://" + ln.Addr().String(), MaxAttempts: 1, Credentials: []Credential{
		{Name: "the Azure DevOps PAT", Value: pat, Allowed: []string{"https://dev.azure.com/contoso"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+pat))
	for _, tt := range []struct {
		url     string
		allowed bool
	}{
		{"https://attacker.example/contoso/_apis", false},
		{"https://dev.azure.com/northwind/_apis", false},
		{"https://dev.azure.com/contoso/_apis", true},
	} {
		before := connects.Load()
		req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
		req.Header.Set("Authorization", auth)
		resp, err := c.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		var he *Error
		refused := errors.As(err, &he) && he.Kind == KindCredential
		if refused == tt.allowed {
			t.Errorf("%s: allowed=%v, got %v", tt.url, tt.allowed, err)
		}
		if refused && connects.Load() != before {
			t.Errorf("%s: refused, yet the proxy was asked for a tunnel", tt.url)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, pat) || strings.Contains(s, auth[6:18]) || strings.Contains(s, "attacker") || strings.Contains(s, "northwind") {
			t.Errorf("the proxy saw %q", s)
		}
	}
	if len(seen) == 0 || !strings.HasPrefix(seen[0], "CONNECT dev.azure.com:443") {
		t.Errorf("the allowed request did not go through the proxy as a tunnel: %q", seen)
	}
}
