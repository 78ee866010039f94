package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

const testToken = "ghp_S3cr3tT0kenValue0123456789abcdef"

// repoJSON is an abridged GET /repos/{owner}/{repo} answer for a token that
// can push.
const repoJSON = `{"id":1296269,"node_id":"MDEwOlJlcG9zaXRvcnkxMjk2MjY5","name":"web-app","full_name":"contoso/web-app",` +
	`"private":true,"owner":{"login":"contoso","id":1,"type":"Organization"},"html_url":"https://github.com/contoso/web-app",` +
	`"default_branch":"main","visibility":"private",` +
	`"permissions":{"admin":false,"maintain":false,"push":true,"triage":true,"pull":true}}`

// answer is how the fake GitHub replies to GET .../repos/contoso/web-app.
type answer struct {
	status int
	header map[string]string
	body   string
}

// newGitHub serves answer under prefix ("" for github.com, "/api/v3" for
// GitHub Enterprise Server). Like go-github's own tests, it fails any
// request that lost the prefix, and it answers 401 to a request without
// the token, as GitHub does.
func newGitHub(t *testing.T, prefix string, a answer) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/repos/contoso/web-app", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-GitHub-Request-Id", "C0DE:1234:5678:9ABC:66AA0000")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if prefix != "" && !strings.HasPrefix(r.URL.Path, prefix+"/") {
			t.Errorf("request %s %s lost the %s prefix", r.Method, r.URL.Path, prefix)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "<html><body>Not Found</body></html>")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// noRedirects is how the preflight's HTTP client behaves.
func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func dotComClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	c, err := New(Host{APIURL: srv.URL + "/", WebHost: "github.com"}, secret.New(testToken), noRedirects())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRepositoryOK(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		header   map[string]string
		wantExp  time.Time
		wantRate int
	}{
		{"expiry in UTC form", map[string]string{"GitHub-Authentication-Token-Expiration": "2026-06-01 12:00:00 UTC", "X-RateLimit-Remaining": "4999"}, want, 4999},
		{"expiry in offset form", map[string]string{"GitHub-Authentication-Token-Expiration": "2026-06-01 05:00:00 -0700", "X-RateLimit-Remaining": "0"}, want, 0},
		{"no expiry, no rate headers", nil, time.Time{}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newGitHub(t, "", answer{status: 200, header: tt.header, body: repoJSON})
			got, err := dotComClient(t, srv).Repository(context.Background(), "contoso", "web-app")
			if err != nil {
				t.Fatal(err)
			}
			if got.FullName != "contoso/web-app" || !got.Private || !got.Permissions["push"] || got.Permissions["admin"] {
				t.Errorf("Repository = %+v", got)
			}
			if !got.TokenExpiration.Equal(tt.wantExp) {
				t.Errorf("TokenExpiration = %v, want %v", got.TokenExpiration, tt.wantExp)
			}
			if got.RateRemaining != tt.wantRate {
				t.Errorf("RateRemaining = %d, want %d", got.RateRemaining, tt.wantRate)
			}
		})
	}
}

func TestRepositoryRefused(t *testing.T) {
	t.Parallel()
	const ssoURL = "https://github.com/orgs/contoso/sso?authorization_request=A5ZKDBNQ4YO2UXZZRL6VVZ3JI6XM7AZLNFXGG5DBORUW63TBOZUQ"
	tests := []struct {
		name        string
		a           answer
		failure     Failure
		status      int
		message     string
		sso         string
		resetAt     time.Time
		permissions string
		location    string
	}{
		{
			name:    "bad credentials",
			a:       answer{401, nil, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`},
			failure: FailureBadCredentials, status: 401, message: "Bad credentials",
		},
		{
			name: "SAML SSO not authorised",
			a: answer{403, map[string]string{"X-GitHub-SSO": "required; url=" + ssoURL},
				`{"message":"Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.","documentation_url":"https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/"}`},
			failure: FailureSSORequired, status: 403, sso: ssoURL,
			message: "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.",
		},
		{
			name:    "not visible to this token",
			a:       answer{404, nil, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/repos/repos#get-a-repository","status":"404"}`},
			failure: FailureNotFound, status: 404, message: "Not Found",
		},
		{
			name: "primary rate limit on 403",
			a: answer{403, map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000", "X-RateLimit-Reset": "1780315200", "X-RateLimit-Resource": "core"},
				`{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`},
			failure: FailureRateLimited, status: 403, message: "API rate limit exceeded for user ID 1.",
			resetAt: time.Unix(1780315200, 0),
		},
		{
			name: "rate limit on 429 with Retry-After",
			a: answer{429, map[string]string{"Retry-After": "60", "Date": "Mon, 01 Jun 2026 12:00:00 GMT"},
				`{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`},
			failure: FailureRateLimited, status: 429, message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			resetAt: time.Date(2026, 6, 1, 12, 1, 0, 0, time.UTC),
		},
		{
			name: "secondary rate limit on 403",
			a: answer{403, map[string]string{"Retry-After": "30", "Date": "Mon, 01 Jun 2026 12:00:00 GMT"},
				`{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`},
			failure: FailureRateLimited, status: 403, message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			resetAt: time.Date(2026, 6, 1, 12, 0, 30, 0, time.UTC),
		},
		{
			name: "fine-grained token without the permission",
			a: answer{403, map[string]string{"X-Accepted-GitHub-Permissions": "metadata=read"},
				`{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/repos/repos#get-a-repository","status":"403"}`},
			failure: FailureForbidden, status: 403, message: "Resource not accessible by personal access token", permissions: "metadata=read",
		},
		{
			name: "renamed repository",
			a: answer{301, map[string]string{"Location": "https://api.github.com/repositories/1296269"},
				`{"message":"Moved Permanently","url":"https://api.github.com/repositories/1296269","documentation_url":"https://docs.github.com/v3/#http-redirects"}`},
			failure: FailureMoved, status: 301, message: "Moved Permanently", location: "https://api.github.com/repositories/1296269",
		},
		{
			name:    "server error",
			a:       answer{502, nil, `{"message":"Server Error"}`},
			failure: FailureOther, status: 502, message: "Server Error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newGitHub(t, "", tt.a)
			_, err := dotComClient(t, srv).Repository(context.Background(), "contoso", "web-app")
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if got := Classify(err); got != tt.failure {
				t.Errorf("Classify = %q, want %q", got, tt.failure)
			}
			if got := httpx.StatusOf(err); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			var he *httpx.Error
			if !errors.As(err, &he) || he.Message != tt.message || he.ActivityID != "C0DE:1234:5678:9ABC:66AA0000" {
				t.Errorf("httpx.Error = %+v, want message %q and the request id", he, tt.message)
			}
			wantText := fmt.Sprintf("GET %s/repos/contoso/web-app: %d %s: %s", srv.URL, tt.status, http.StatusText(tt.status), tt.message)
			if err.Error() != wantText {
				t.Errorf("text = %q\nwant   %q", err.Error(), wantText)
			}
			if ge.SSOURL != tt.sso || !ge.ResetAt.Equal(tt.resetAt) || ge.AcceptedPermissions != tt.permissions || ge.Location != tt.location {
				t.Errorf("Error = %+v, want sso %q reset %v permissions %q location %q", ge, tt.sso, tt.resetAt, tt.permissions, tt.location)
			}
			assertNoToken(t, err)
		})
	}
}

// GitHub Enterprise Server answers under /api/v3; the host comes from the
// repository URL exactly as the pipeline gives it.
func TestRepositoryEnterprise(t *testing.T) {
	t.Parallel()
	srv := newGitHub(t, "/api/v3", answer{200, map[string]string{"X-GitHub-Enterprise-Version": "3.14.2"}, repoJSON})
	h, err := HostFromRepoURI(srv.URL + "/contoso/web-app")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Enterprise || h.APIURL != srv.URL+"/api/v3/" {
		t.Fatalf("host = %+v", h)
	}
	c, err := New(h, secret.New(testToken), noRedirects())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Repository(context.Background(), "contoso", "web-app")
	if err != nil {
		t.Fatal(err)
	}
	if got.FullName != "contoso/web-app" {
		t.Errorf("FullName = %q", got.FullName)
	}

	// GHES's own answer to a token it does not know.
	bad, err := New(h, secret.New("ghp_unknown"), noRedirects())
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Repository(context.Background(), "contoso", "web-app")
	if Classify(err) != FailureBadCredentials || !strings.HasPrefix(err.Error(), "GET "+srv.URL+"/api/v3/repos/contoso/web-app: 401 Unauthorized") {
		t.Errorf("err = %v (%q)", err, Classify(err))
	}
}

// The client must send through the caller's *http.Client: that is where the
// proxy, CA bundle and resolve map live.
func TestRepositoryUsesGivenHTTPClient(t *testing.T) {
	t.Parallel()
	srv := newGitHub(t, "", answer{200, nil, repoJSON})
	var calls atomic.Int32
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := New(Host{APIURL: srv.URL}, secret.New(testToken), hc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Repository(context.Background(), "contoso", "web-app"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("transport saw %d requests, want 1", calls.Load())
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRepositoryNoAnswer(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		url  string
		ctx  context.Context
		kind httpx.Kind
	}{
		{"connection refused", closedURL, context.Background(), httpx.KindRefused},
		{"untrusted certificate", tlsSrv.URL, context.Background(), httpx.KindTLS},
		{"canceled", tlsSrv.URL, canceled, httpx.KindCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Host{APIURL: tt.url + "/"}, secret.New(testToken), noRedirects())
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Repository(tt.ctx, "contoso", "web-app")
			if Classify(err) != FailureUnreachable || httpx.KindOf(err) != tt.kind {
				t.Fatalf("err = %v: failure %q kind %q, want %q %q", err, Classify(err), httpx.KindOf(err), FailureUnreachable, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), "GET "+tt.url+"/repos/contoso/web-app: ") || strings.Count(err.Error(), tt.url) != 1 {
				t.Errorf("text = %q", err.Error())
			}
			assertNoToken(t, err)
		})
	}
}

// A proxy or portal answering 200 with HTML is not a repository.
func TestRepositoryUnreadableBody(t *testing.T) {
	t.Parallel()
	srv := newGitHub(t, "", answer{200, map[string]string{"Content-Type": "text/html"}, "<html>Sign in</html>"})
	_, err := dotComClient(t, srv).Repository(context.Background(), "contoso", "web-app")
	if Classify(err) != FailureOther || httpx.KindOf(err) != httpx.KindDecode || httpx.StatusOf(err) != 200 {
		t.Fatalf("err = %v: failure %q kind %q", err, Classify(err), httpx.KindOf(err))
	}
	assertNoToken(t, err)
}

func TestNewAndRepositoryRejectBadInput(t *testing.T) {
	t.Parallel()
	if _, err := New(Host{APIURL: "https://api.github.com/"}, secret.New(testToken), nil); err == nil {
		t.Error("New without an HTTP client: want an error")
	}
	if _, err := New(Host{APIURL: "https://api.github.com/"}, secret.Secret{}, noRedirects()); err == nil {
		t.Error("New without a token: want an error")
	}
	if _, err := New(Host{APIURL: "api.github.com"}, secret.New(testToken), noRedirects()); err == nil {
		t.Error("New with a relative API URL: want an error")
	}
	// The fake GitHub fails the test on any request, so a name that would
	// change the API path must be refused before sending.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
	}))
	t.Cleanup(srv.Close)
	c := dotComClient(t, srv)
	for _, p := range [][2]string{{"contoso", ".."}, {"..", "web-app"}, {"contoso", "web-app/issues"}, {"", "web-app"}} {
		if _, err := c.Repository(context.Background(), p[0], p[1]); !errors.Is(err, ErrRepoName) {
			t.Errorf("Repository(%q, %q) = %v, want ErrRepoName", p[0], p[1], err)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	if got := Classify(nil); got != "" {
		t.Errorf("Classify(nil) = %q", got)
	}
	if got := Classify(errors.New("x")); got != FailureOther {
		t.Errorf("Classify(foreign) = %q", got)
	}
	wrapped := fmt.Errorf("check: %w", &Error{Failure: FailureSSORequired})
	if got := Classify(wrapped); got != FailureSSORequired {
		t.Errorf("Classify(wrapped) = %q", got)
	}
}

func assertNoToken(t *testing.T, err error) {
	t.Helper()
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, f := range secret.Forms(testToken) {
			if strings.Contains(text, f) {
				t.Fatalf("error output reveals the token (form %q): %s", f, text)
			}
		}
	}
}

// The organization's installations are read page by page (Link rel=next),
// up to the bound; a listing cut at the bound says it is incomplete.
func TestOrgInstallationsPages(t *testing.T) {
	t.Parallel()
	for _, pages := range []int{1, 3, maxInstallationPages + 2} {
		t.Run(fmt.Sprint(pages, " pages"), func(t *testing.T) {
			t.Parallel()
			var served atomic.Int32
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/orgs/contoso/installations" || r.URL.Query().Get("per_page") != "100" {
					t.Errorf("request %s", r.URL)
				}
				served.Add(1)
				page := 1
				fmt.Sscan(r.URL.Query().Get("page"), &page)
				if page < pages {
					w.Header().Set("Link", fmt.Sprintf(`<%s/orgs/contoso/installations?per_page=100&page=%d>; rel="next"`, srv.URL, page+1))
				}
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				fmt.Fprintf(w, `{"total_count":%d,"installations":[{"id":%d,"account":{"login":"contoso","type":"Organization"},"repository_selection":"all","app_id":%d,"app_slug":"app-%d","target_type":"Organization","suspended_at":null}]}`, pages, page, 1000+page, page)
			}))
			t.Cleanup(srv.Close)
			list, complete, err := dotComClient(t, srv).OrgInstallations(context.Background(), "contoso")
			if err != nil {
				t.Fatal(err)
			}
			want := min(pages, maxInstallationPages)
			if len(list) != want || int(served.Load()) != want || complete != (pages <= maxInstallationPages) {
				t.Errorf("%d installations from %d requests, complete %v", len(list), served.Load(), complete)
			}
			if list[0].AppID != 1001 || list[0].Account != "contoso" || list[0].RepositorySelection != "all" || list[0].Suspended {
				t.Errorf("first installation %+v", list[0])
			}
		})
	}
	if _, _, err := (&Client{}).OrgInstallations(context.Background(), "bad/name"); !errors.Is(err, ErrRepoName) {
		t.Errorf("an invalid organization name: %v", err)
	}
}
