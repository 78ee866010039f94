package httpx

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sonar-preflight/internal/secret"
)

// fwdProxy is a small forward proxy like a corporate one: it demands Basic
// credentials (407 with Proxy-Authenticate otherwise), tunnels CONNECT and
// forwards absolute-form plain HTTP requests.
type fwdProxy struct {
	user, pass string            // empty user: no authentication required
	routes     map[string]string // CONNECT host:port → address to dial (the proxy's own DNS)
	hits       atomic.Int32      // every request, refused ones included
	connects   atomic.Int32      // tunnels opened
	forwarded  atomic.Int32      // plain requests forwarded
}

func (p *fwdProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.hits.Add(1)
	if p.user != "" && r.Header.Get("Proxy-Authorization") != "Basic "+basic(p.user+":"+p.pass) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp proxy"`)
		http.Error(w, "Proxy Authentication Required", http.StatusProxyAuthRequired)
		return
	}
	if r.Method == http.MethodConnect {
		addr := r.Host
		if to, ok := p.routes[addr]; ok {
			addr = to
		}
		dst, err := net.Dial("tcp", addr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		p.connects.Add(1)
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			dst.Close()
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() {
			_, _ = io.Copy(dst, brw)
			_ = dst.(*net.TCPConn).CloseWrite()
		}()
		_, _ = io.Copy(conn, dst)
		conn.Close()
		dst.Close()
		return
	}
	p.forwarded.Add(1)
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func TestProxy(t *testing.T) {
	t.Parallel()
	const user, pass = "build-agent", "p@ss:w0rd/é%"
	const token = "squ_0123456789abcdef0123456789abcdef01234567"
	ca := newTestCA(t)
	var targetHits atomic.Int32
	target := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		if r.Header.Get("Proxy-Authorization") != "" {
			http.Error(w, "proxy credentials reached the server", http.StatusTeapot)
			return
		}
		_, _ = w.Write([]byte(`{"status":"UP"}`))
	})
	tlsTarget := tlsServer(t, target, ca.leaf(t, []string{"127.0.0.1", "sonar.corp.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))
	plainTarget := httptest.NewServer(target)
	t.Cleanup(plainTarget.Close)
	named := "https://sonar.corp.test/api/system/status"
	resolve := []string{"sonar.corp.test:443:127.0.0.1:" + port(t, tlsTarget)}

	proxyURL := func(p *httptest.Server, u *url.Userinfo) string {
		return (&url.URL{Scheme: "http", User: u, Host: p.Listener.Addr().String()}).String()
	}
	type want struct {
		viaProxy bool
		status   int    // 0: expect an error
		message  string // part of the error text
	}
	tests := []struct {
		name   string
		target string
		opts   func(p *httptest.Server) Options
		want   want
	}{
		{"agent proxy, credentials, https", tlsTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: pass}
		}, want{true, 200, ""}},
		{"agent proxy without scheme", tlsTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.Listener.Addr().String(), ProxyUsername: user, ProxyPassword: pass}
		}, want{true, 200, ""}},
		{"agent proxy, wrong password, https", tlsTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: "wrong"}
		}, want{true, 0, "rejected the credentials it was sent (it asks for Basic realm=\"corp proxy\")"}},
		{"agent proxy, no credentials, https", tlsTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL}
		}, want{true, 0, "requires credentials and none are configured"}},
		{"agent proxy, credentials, plain http", plainTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: pass}
		}, want{true, 200, ""}},
		{"agent proxy, wrong password, plain http", plainTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: "wrong"}
		}, want{true, 0, "rejected the credentials"}},
		{"bypass list matches the URL", tlsTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: pass,
				ProxyBypass: []string{`^https://127\.0\.0\.1:` + port(t, tlsTarget) + `/`}}
		}, want{false, 200, ""}},
		{"bypass list does not match", tlsTarget.URL, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: pass, ProxyBypass: []string{`dev\.azure\.com`}}
		}, want{true, 200, ""}},
		{"agent proxy wins over HTTPS_PROXY", named, func(p *httptest.Server) Options {
			return Options{ProxyURL: p.URL, ProxyUsername: user, ProxyPassword: pass, HTTPSProxy: "http://127.0.0.1:1", Resolve: resolve}
		}, want{true, 200, ""}},
		{"HTTPS_PROXY with credentials in the URL", named, func(p *httptest.Server) Options {
			return Options{HTTPSProxy: proxyURL(p, url.UserPassword(user, pass)), Resolve: resolve}
		}, want{true, 200, ""}},
		{"HTTPS_PROXY with a wrong password", named, func(p *httptest.Server) Options {
			return Options{HTTPSProxy: proxyURL(p, url.UserPassword(user, pass+"x")), Resolve: resolve}
		}, want{true, 0, "rejected the credentials"}},
		{"NO_PROXY matches the domain", named, func(p *httptest.Server) Options {
			return Options{HTTPSProxy: proxyURL(p, url.UserPassword(user, pass)), NoProxy: "localhost, .example.com,corp.test", Resolve: resolve}
		}, want{false, 200, ""}},
		{"HTTP_PROXY does not apply to https", named, func(p *httptest.Server) Options {
			return Options{HTTPProxy: proxyURL(p, url.UserPassword(user, pass)), Resolve: resolve}
		}, want{false, 200, ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &fwdProxy{user: user, pass: pass, routes: map[string]string{"sonar.corp.test:443": tlsTarget.Listener.Addr().String()}}
			ps := httptest.NewServer(p)
			t.Cleanup(ps.Close)
			o := tc.opts(ps)
			o.CAFiles = []string{ca.pemFile}
			c, logs := newTestClient(t, o)

			u := tc.target
			if u != named {
				u += "/api/system/status"
			}
			resp, err := fetch(t, c, "GET", u, http.Header{"Authorization": {"Basic " + basic(token+":")}}, 0)
			texts := []string{logs.String()}
			if err != nil {
				texts = append(texts, err.Error())
			}
			assertNoLeak(t, append(secret.Forms(pass), append(secret.Forms(token), basic(user+":"+pass))...), texts...)

			if tc.want.status != 0 {
				if err != nil || resp.Status != tc.want.status {
					t.Fatalf("got %v, %v; want %d", resp, err, tc.want.status)
				}
			} else {
				var he *Error
				if !errors.As(err, &he) || KindOf(err) != KindProxy {
					t.Fatalf("err = %v (kind %q), want a proxy error", err, KindOf(err))
				}
				var inner *Error
				if !errors.As(he.Err, &inner) || inner.Status != http.StatusProxyAuthRequired {
					t.Errorf("err = %#v, want the proxy's 407 inside", err)
				}
				if !strings.Contains(err.Error(), ps.Listener.Addr().String()) || !strings.Contains(err.Error(), tc.want.message) {
					t.Errorf("err = %q, want the proxy host and %q", err, tc.want.message)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("err = %q spans lines", err)
				}
			}
			if used := p.hits.Load() > 0; used != tc.want.viaProxy {
				t.Errorf("went through the proxy: %v, want %v", used, tc.want.viaProxy)
			}
			if tc.want.status == 0 && p.hits.Load() != 1 {
				t.Errorf("proxy saw %d requests after a 407, want 1 (no retry)", p.hits.Load())
			}
		})
	}
}

func TestBypassMatchesWholeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		patterns []string
		url      string
		bypass   bool
	}{
		{"host fragment", []string{`dev\.azure\.com`}, "https://dev.azure.com/contoso/_apis", true},
		{"case-insensitive", []string{`DEV\.AZURE\.COM`}, "https://Dev.Azure.com/contoso", true},
		{"path part of the URL", []string{`/_apis/connectionData`}, "https://dev.azure.com/contoso/_apis/connectionData", true},
		{"scheme part of the URL", []string{`^http://`}, "http://sonar.corp:9000/api", true},
		{"scheme mismatch", []string{`^http://`}, "https://sonar.corp/api", false},
		{"host-anchored pattern does not match a URL", []string{`^sonar\.corp$`}, "https://sonar.corp/api", false},
		{"empty path reads as /", []string{`^https://sonar\.corp/$`}, "https://sonar.corp", true},
		{"port is part of the URL", []string{`sonar\.corp:9000`}, "https://sonar.corp:9000/api", true},
		{"second pattern matches", []string{`nomatch`, `corp`}, "https://sonar.corp/api", true},
		{"no pattern", nil, "https://sonar.corp/api", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := proxyFunc(Options{ProxyURL: "http://proxy.corp:3128", ProxyBypass: tc.patterns})
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest("GET", tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			pu, err := f(req)
			if err != nil {
				t.Fatal(err)
			}
			if got := pu == nil; got != tc.bypass {
				t.Errorf("bypass = %v, want %v (proxy %v)", got, tc.bypass, pu)
			}
		})
	}
}

func TestNoProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		noProxy string
		url     string
		proxied bool
	}{
		{"", "https://sonar.corp/api", true},
		{"*", "https://sonar.corp/api", false},
		{"corp", "https://sonar.corp/api", false},
		{"sonar.corp", "https://sonar.corp/api", false},
		{"sonar.corp", "https://a.sonar.corp/api", false},
		{".sonar.corp", "https://sonar.corp/api", true},
		{".sonar.corp", "https://a.sonar.corp/api", false},
		{"*.sonar.corp", "https://a.sonar.corp/api", false},
		{"onar.corp", "https://sonar.corp/api", true},
		{"SONAR.CORP", "https://sonar.corp/api", false},
		{"sonar.corp:9000", "https://sonar.corp:9000/api", false},
		{"sonar.corp:9000", "https://sonar.corp/api", true},
		{"sonar.corp:443", "https://sonar.corp/api", false},
		{"10.0.0.0/8", "https://10.1.2.3/api", false},
		{"10.0.0.0/8", "https://11.1.2.3/api", true},
		{"10.1.2.3", "https://10.1.2.3/api", false},
		{"10.1.2.3:8443", "https://10.1.2.3/api", true},
		{"::1", "https://[::1]:9000/api", false},
		{"", "https://localhost:9000/api", false},
		{"", "https://127.0.0.1:9000/api", false},
		{" , foo.example , ", "https://sonar.corp/api", true},
	}
	for _, tc := range tests {
		f, err := proxyFunc(Options{HTTPSProxy: "proxy.corp:3128", NoProxy: tc.noProxy})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest("GET", tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		pu, err := f(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := pu != nil; got != tc.proxied {
			t.Errorf("NO_PROXY=%q %s: proxied = %v, want %v", tc.noProxy, tc.url, got, tc.proxied)
		}
		if pu != nil && pu.String() != "http://proxy.corp:3128" {
			t.Errorf("proxy = %v, want http://proxy.corp:3128", pu)
		}
	}
}

func TestProxyUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, logs := newTestClient(t, Options{ProxyURL: "http://" + addr, ProxyUsername: "u", ProxyPassword: "hunter2"})
	_, err = fetch(t, c, "GET", "https://sonar.corp.test/api/server/version", nil, 0)
	if KindOf(err) != KindProxy || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v (kind %q), want a proxy error naming %s", err, KindOf(err), addr)
	}
	assertNoLeak(t, append(secret.Forms("hunter2"), basic("u:hunter2")), err.Error(), logs.String())
}

// Entries Go cannot read are skipped with the reason, never an error; the
// others still apply. GoOnly marks what JavaScript (task-lib) and .NET (the
// agent) accept.
func TestBypassListSkipsWhatGoCannotRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		entry  string
		reason string // "" = applied
		goOnly bool
	}{
		{`\.contoso\.example`, "", false},
		{`^https://(?!public\.)`, "a look-ahead (?!...)", true},
		{`^https://(?=internal)`, "a look-ahead (?=...)", true},
		{`(?<!www\.)contoso`, "a look-behind (?<!...)", true},
		{`(?<=//)build`, "a look-behind (?<=...)", true},
		{`(a)\1`, `a back-reference \1`, true},
		{`(?<h>a)\k<h>`, `a back-reference \k`, true},
		{`\u0063ontoso`, `the escape \u`, true},
		{`a{1001}`, "a repeat count above Go's limit of 1000", true},
		{`[^]`, "an empty character class [^]", true},
		{`\Acontoso`, `the escape \A`, true}, // JavaScript reads a plain A
		{`(?i)contoso`, "the inline flags (?i)", false},
		{`(unclosed`, "not a valid regular expression (missing closing ))", false},
		{`[z-a]`, "not a valid regular expression (invalid character class range)", false},
		{`(?<host>contoso)`, "", false}, // named groups: both read them
		{`(?:dev|vssps)\.azure\.com`, "", false},
		{`\\Acontoso`, "", false}, // an escaped backslash, then a plain A
	}
	for _, tt := range tests {
		b := ParseBypassList([]string{tt.entry, "  "})
		switch {
		case tt.reason == "":
			if b.Len() != 1 || len(b.Skipped) != 0 {
				t.Errorf("%q: applied %d, skipped %+v; want it applied", tt.entry, b.Len(), b.Skipped)
			}
		case b.Len() != 0 || len(b.Skipped) != 1:
			t.Errorf("%q: applied %d, skipped %+v; want it skipped", tt.entry, b.Len(), b.Skipped)
		case !strings.Contains(b.Skipped[0].Reason, tt.reason) || b.Skipped[0].GoOnly != tt.goOnly || b.Skipped[0].Entry != tt.entry:
			t.Errorf("%q: skipped as %+v, want reason %q, GoOnly %v", tt.entry, b.Skipped[0], tt.reason, tt.goOnly)
		}
	}
}

// A list with an entry Go refuses still builds a client, and the other
// entries still exempt their hosts.
func TestProxyWithSkippedBypassEntry(t *testing.T) {
	t.Parallel()
	f, err := proxyFunc(Options{ProxyURL: "http://proxy.corp:3128", ProxyBypass: []string{`^https://(?!public)`, `sonar\.corp`}})
	if err != nil {
		t.Fatal(err)
	}
	for u, bypass := range map[string]bool{"https://sonar.corp/api": true, "https://dev.azure.com/contoso": false} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		pu, err := f(req)
		if err != nil || (pu == nil) != bypass {
			t.Errorf("%s: proxy %v, %v; want bypass %v", u, pu, err, bypass)
		}
	}
	b := ParseBypassList([]string{`sonar\.corp`})
	if e, ok := b.Match(&url.URL{Scheme: "https", Host: "SONAR.corp"}); !ok || e != `sonar\.corp` {
		t.Errorf("Match = %q, %v", e, ok)
	}
}

// Every entry is either applied or skipped with a reason, whatever it holds.
func FuzzParseBypassList(f *testing.F) {
	for _, s := range []string{`\.contoso\.example`, `^https://(?!x)`, `(a)\1`, `(?i)x`, `\\A`, `[^]`, `(`, `a{1001}`, `\u00e9`, `(?<n>x)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		b := ParseBypassList([]string{entry})
		want := 1
		if strings.TrimSpace(entry) == "" {
			want = 0
		}
		if b.Len()+len(b.Skipped) != want {
			t.Fatalf("%q: applied %d and skipped %d", entry, b.Len(), len(b.Skipped))
		}
		for _, s := range b.Skipped {
			if s.Reason == "" || s.Entry != entry {
				t.Fatalf("%q: skipped without a reason: %+v", entry, s)
			}
		}
		_, _ = b.Match(&url.URL{Scheme: "https", Host: "dev.azure.com", Path: "/contoso"})
	})
}
