package sonar

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

const (
	ctxPath   = "/sonarqube"
	testToken = "squ_4f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39"
	uaVersion = "1.2.3"
)

// setup serves mux under the context path, like a SonarQube behind
// https://host/sonarqube, and fails the test on any request that lost the
// prefix or arrived without the headers every call must carry.
func setup(t *testing.T) (*http.ServeMux, *Client) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(ctxPath+"/", http.StripPrefix(ctxPath, requireHeaders(t, mux)))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request %s %s lost the context path %s", r.Method, r.URL.Path, ctxPath)
		http.Error(w, "context path lost", http.StatusNotFound)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c, err := New(srv.URL+ctxPath+"/", secret.New(testToken), hc, WithVersion(uaVersion))
	if err != nil {
		t.Fatal(err)
	}
	return mux, c
}

func requireHeaders(t *testing.T, next http.Handler) http.Handler {
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testToken+":"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s: method %s, want GET", r.Method, r.URL.Path, r.Method)
		}
		if got := r.Header.Get("Authorization"); got != wantAuth {
			t.Errorf("%s: Authorization is not Basic base64(token+\":\")", r.URL.Path)
		}
		if got, want := r.Header.Get("User-Agent"), "sonar-preflight/"+uaVersion; got != want {
			t.Errorf("%s: User-Agent %q, want %q", r.URL.Path, got, want)
		}
		wantAccept := "application/json"
		if r.URL.Path == "/api/server/version" {
			wantAccept = "text/plain"
		}
		if got := r.Header.Get("Accept"); got != wantAccept {
			t.Errorf("%s: Accept %q, want %q", r.URL.Path, got, wantAccept)
		}
		next.ServeHTTP(w, r)
	})
}

// answer replies like SonarQube (or whatever stands in front of it).
func answer(status int, contentType, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// expectQuery wraps h and fails the test unless the request has query q.
func expectQuery(t *testing.T, q url.Values, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query(); !reflect.DeepEqual(got, q) && !(len(got) == 0 && len(q) == 0) {
			t.Errorf("%s: query %v, want %v", r.URL.Path, got, q)
		}
		h.ServeHTTP(w, r)
	})
}

func boolp(b bool) *bool { return &b }

func TestSuccessShapes(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json"
	exp := "2025-06-30T00:00:00+0200"
	tests := []struct {
		name   string
		path   string
		query  url.Values
		answer http.HandlerFunc
		call   func(context.Context, *Client) (any, error)
		want   any
	}{
		{
			name: "status", path: "/api/system/status",
			answer: answer(200, jsonCT, `{"id":"20150504120436","version":"10.7.0.96327","status":"UP"}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Status(ctx) },
			want:   &Status{ID: "20150504120436", Version: "10.7.0.96327", Status: StatusUp},
		},
		{
			name: "status without version", path: "/api/system/status",
			answer: answer(200, jsonCT, `{"status":"DB_MIGRATION_NEEDED"}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.Status(ctx) },
			want:   &Status{Status: StatusDBMigrationNeeded},
		},
		{
			name: "server version", path: "/api/server/version",
			answer: answer(200, "text/plain", "9.9.8.100196\n"),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ServerVersion(ctx) },
			want:   "9.9.8.100196",
		},
		{
			name: "validate true", path: "/api/authentication/validate",
			answer: answer(200, jsonCT, `{"valid":true}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ValidateToken(ctx) },
			want:   true,
		},
		{
			name: "validate false", path: "/api/authentication/validate",
			answer: answer(200, jsonCT, `{"valid":false}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ValidateToken(ctx) },
			want:   false,
		},
		{
			name: "current user with expiring token", path: "/api/users/current",
			answer: answer(200, jsonCT, `{"isLoggedIn":true,"login":"obiwan.kenobi","name":"Obiwan Kenobi","email":"obiwan.kenobi@starwars.com","local":true,"groups":["Jedi","Rebel"],"scmAccounts":[],"permissions":{"global":["profileadmin","scan"]},"homepage":{"type":"PROJECT","component":"death-star-key"},"dismissedNotices":{"educationPrinciples":false}}`,
				TokenExpirationHeader, exp),
			call: func(ctx context.Context, c *Client) (any, error) { return c.CurrentUser(ctx) },
			want: &CurrentUser{IsLoggedIn: true, Login: "obiwan.kenobi", Name: "Obiwan Kenobi",
				Permissions:     Permissions{Global: []string{"profileadmin", "scan"}},
				TokenExpiration: time.Date(2025, 6, 30, 0, 0, 0, 0, time.FixedZone("", 2*3600)), TokenExpirationRaw: exp},
		},
		{
			name: "current user anonymous", path: "/api/users/current",
			answer: answer(200, jsonCT, `{"isLoggedIn":false,"groups":[],"scmAccounts":[],"permissions":{"global":[]},"dismissedNotices":{}}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.CurrentUser(ctx) },
			want:   &CurrentUser{Permissions: Permissions{Global: []string{}}},
		},
		{
			name: "setting set", path: "/api/settings/values", query: url.Values{"keys": {"sonar.core.serverBaseURL"}},
			answer: answer(200, jsonCT, `{"settings":[{"key":"sonar.core.serverBaseURL","value":"https://sq.example.com","inherited":false}],"setSecuredSettings":[]}`),
			call:   setting("sonar.core.serverBaseURL"),
			want:   [2]any{"https://sq.example.com", true},
		},
		{
			name: "setting unset", path: "/api/settings/values", query: url.Values{"keys": {"sonar.core.serverBaseURL"}},
			answer: answer(200, jsonCT, `{"settings":[],"setSecuredSettings":[]}`),
			call:   setting("sonar.core.serverBaseURL"),
			want:   [2]any{"", false},
		},
		{
			name: "setting unset before 9.1", path: "/api/settings/values", query: url.Values{"keys": {"sonar.core.serverBaseURL"}},
			answer: answer(200, jsonCT, `{"settings":[]}`),
			call:   setting("sonar.core.serverBaseURL"),
			want:   [2]any{"", false},
		},
		{
			name: "setting multi-valued", path: "/api/settings/values", query: url.Values{"keys": {"sonar.exclusions"}},
			answer: answer(200, jsonCT, `{"settings":[{"key":"sonar.exclusions","values":["a/**","b/**"],"inherited":false}],"setSecuredSettings":[]}`),
			call:   setting("sonar.exclusions"),
			want:   [2]any{"a/**,b/**", true},
		},
		{
			name: "setting secured", path: "/api/settings/values", query: url.Values{"keys": {"sonar.auth.secret.secured"}},
			answer: answer(200, jsonCT, `{"settings":[],"setSecuredSettings":["sonar.auth.secret.secured"]}`),
			call:   setting("sonar.auth.secret.secured"),
			want:   [2]any{"", true},
		},
		{
			name: "list definitions", path: "/api/alm_settings/list_definitions",
			answer: answer(200, jsonCT, `{"github":[{"key":"gh1","url":"https://api.github.com","appId":"12345","clientId":"Iv1.12345c6789az"}],"azure":[{"key":"ado","url":"https://dev.azure.com/contoso"},{"key":"old"}],"bitbucket":[],"gitlab":[],"bitbucketcloud":[{"key":"bbc","workspace":"contoso","clientId":"abc"}]}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListDefinitions(ctx) },
			want: &Definitions{
				GitHub:         []GitHubDefinition{{Key: "gh1", URL: "https://api.github.com", AppID: "12345", ClientID: "Iv1.12345c6789az"}},
				Azure:          []Definition{{Key: "ado", URL: "https://dev.azure.com/contoso"}, {Key: "old"}},
				Bitbucket:      []Definition{},
				GitLab:         []Definition{},
				BitbucketCloud: []BitbucketCloudDefinition{{Key: "bbc", Workspace: "contoso", ClientID: "abc"}},
			},
		},
		{
			name: "list definitions empty", path: "/api/alm_settings/list_definitions",
			answer: answer(200, jsonCT, `{"github":[],"azure":[],"bitbucket":[],"gitlab":[],"bitbucketcloud":[]}`),
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListDefinitions(ctx) },
			want: &Definitions{GitHub: []GitHubDefinition{}, Azure: []Definition{}, Bitbucket: []Definition{},
				GitLab: []Definition{}, BitbucketCloud: []BitbucketCloudDefinition{}},
		},
		{
			name: "list for project", path: "/api/alm_settings/list", query: url.Values{"project": {"fabrikam-web-app"}},
			answer: answer(200, jsonCT, `{"almSettings":[{"key":"ado","alm":"azure","url":"https://dev.azure.com/contoso"},{"key":"gh1","alm":"github","url":"https://api.github.com"}]}`),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListForProject(ctx, "fabrikam-web-app")
			},
			want: []AlmSetting{{Key: "ado", Alm: AlmAzure, URL: "https://dev.azure.com/contoso"}, {Key: "gh1", Alm: AlmGitHub, URL: "https://api.github.com"}},
		},
		{
			name: "azure binding 2025.1", path: "/api/alm_settings/get_binding", query: url.Values{"project": {"fabrikam-web-app"}},
			answer: answer(200, jsonCT, `{"key":"ado","alm":"azure","repository":"web-app","url":"https://dev.azure.com/contoso","slug":"Fabrikam","monorepo":false,"inlineAnnotationsEnabled":true}`),
			call:   binding("fabrikam-web-app"),
			want: &Binding{Key: "ado", Alm: AlmAzure, Repository: "web-app", URL: "https://dev.azure.com/contoso",
				Slug: "Fabrikam", InlineAnnotationsEnabled: boolp(true)},
		},
		{
			name: "github binding 2025.6", path: "/api/alm_settings/get_binding", query: url.Values{"project": {"p"}},
			answer: answer(200, jsonCT, `{"key":"gh1","alm":"github","repository":"contoso/web-app","url":"https://api.github.com","summaryCommentEnabled":true,"monorepo":true,"repositoryUrl":"https://github.com/contoso/web-app"}`),
			call:   binding("p"),
			want: &Binding{Key: "gh1", Alm: AlmGitHub, Repository: "contoso/web-app", URL: "https://api.github.com",
				SummaryCommentEnabled: boolp(true), Monorepo: true, RepositoryURL: "https://github.com/contoso/web-app"},
		},
		{
			name: "validate setting", path: "/api/alm_settings/validate", query: url.Values{"key": {"ado"}},
			answer: answer(204, "", ""),
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.ValidateSetting(ctx, "ado")
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux, c := setup(t)
			mux.Handle(tt.path, expectQuery(t, tt.query, tt.answer))
			got, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if u, ok := got.(*CurrentUser); ok {
				want := tt.want.(*CurrentUser)
				if !u.TokenExpiration.Equal(want.TokenExpiration) {
					t.Errorf("TokenExpiration %v, want %v", u.TokenExpiration, want.TokenExpiration)
				}
				cu, cw := *u, *want
				cu.TokenExpiration, cw.TokenExpiration = time.Time{}, time.Time{}
				got, tt.want = &cu, &cw
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func setting(key string) func(context.Context, *Client) (any, error) {
	return func(ctx context.Context, c *Client) (any, error) {
		v, set, err := c.Setting(ctx, key)
		return [2]any{v, set}, err
	}
}

func binding(project string) func(context.Context, *Client) (any, error) {
	return func(ctx context.Context, c *Client) (any, error) { return c.Binding(ctx, project) }
}

// calls are every method, with the path it must request.
var calls = []struct {
	name string
	path string
	json bool // the success answer is JSON
	call func(context.Context, *Client) error
}{
	{"Status", "/api/system/status", true, func(ctx context.Context, c *Client) error { _, err := c.Status(ctx); return err }},
	{"ServerVersion", "/api/server/version", false, func(ctx context.Context, c *Client) error { _, err := c.ServerVersion(ctx); return err }},
	{"ValidateToken", "/api/authentication/validate", true, func(ctx context.Context, c *Client) error { _, err := c.ValidateToken(ctx); return err }},
	{"CurrentUser", "/api/users/current", true, func(ctx context.Context, c *Client) error { _, err := c.CurrentUser(ctx); return err }},
	{"Setting", "/api/settings/values", true, func(ctx context.Context, c *Client) error {
		_, _, err := c.Setting(ctx, "sonar.core.serverBaseURL")
		return err
	}},
	{"ListDefinitions", "/api/alm_settings/list_definitions", true, func(ctx context.Context, c *Client) error { _, err := c.ListDefinitions(ctx); return err }},
	{"ListForProject", "/api/alm_settings/list", true, func(ctx context.Context, c *Client) error { _, err := c.ListForProject(ctx, "k"); return err }},
	{"Binding", "/api/alm_settings/get_binding", true, func(ctx context.Context, c *Client) error { _, err := c.Binding(ctx, "k"); return err }},
	{"ValidateSetting", "/api/alm_settings/validate", false, func(ctx context.Context, c *Client) error { return c.ValidateSetting(ctx, "ado") }},
}

const signInPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><TITLE>
   Sign in to
   your account &amp; more
</TITLE></head><body><form action="/login"></form></body></html>`

func TestFailures(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json"
	tests := []struct {
		name   string
		answer http.HandlerFunc
		onlyJS bool // only for methods whose success answer is JSON
		kind   httpx.Kind
		status int
		msg    string // exact Message, unless contains is set
		has    []string
		is     func(error) bool
	}{
		{name: "401 empty body", answer: answer(401, "", ""), kind: httpx.KindStatus, status: 401, msg: "", is: IsUnauthorized},
		{name: "401 authentication required", answer: answer(401, jsonCT, `{"errors":[{"msg":"Authentication is required"}]}`),
			kind: httpx.KindStatus, status: 401, msg: "Authentication is required", is: IsUnauthorized},
		{name: "403 insufficient privileges", answer: answer(403, jsonCT, `{"errors":[{"msg":"Insufficient privileges"}]}`),
			kind: httpx.KindStatus, status: 403, msg: "Insufficient privileges", is: IsInsufficientPrivileges},
		{name: "404 not bound", answer: answer(404, jsonCT, `{"errors":[{"msg":"Project 'k' is not bound to any DevOps Platform"}]}`),
			kind: httpx.KindStatus, status: 404, msg: "Project 'k' is not bound to any DevOps Platform", is: IsNotBound},
		{name: "404 not bound, 9.x wording", answer: answer(404, jsonCT, `{"errors":[{"msg":"Project 'k' is not bound to any ALM"}]}`),
			kind: httpx.KindStatus, status: 404, msg: "Project 'k' is not bound to any ALM", is: IsNotBound},
		{name: "404 project not found", answer: answer(404, jsonCT, `{"errors":[{"msg":"Project 'k' not found"}]}`),
			kind: httpx.KindStatus, status: 404, msg: "Project 'k' not found", is: IsProjectNotFound},
		{name: "404 component not found", answer: answer(404, jsonCT, `{"errors":[{"msg":"Component key 'k' not found"}]}`),
			kind: httpx.KindStatus, status: 404, msg: "Component key 'k' not found", is: IsProjectNotFound},
		{name: "404 unknown url", answer: answer(404, jsonCT, `{"errors":[{"msg":"Unknown url : /api/alm_settings/get_binding"}]}`),
			kind: httpx.KindStatus, status: 404, msg: "Unknown url : /api/alm_settings/get_binding", is: IsUnknownURL},
		{name: "400 invalid PAT", answer: answer(400, jsonCT, `{"errors":[{"msg":"Invalid Azure URL or Personal Access Token"}]}`),
			kind: httpx.KindStatus, status: 400, msg: "Invalid Azure URL or Personal Access Token"},
		{name: "400 several messages", answer: answer(400, jsonCT, `{"errors":[{"msg":"Missing appId"},{"msg":"Missing Client Id"}]}`),
			kind: httpx.KindStatus, status: 400, msg: "Missing appId; Missing Client Id"},
		{name: "500 generic", answer: answer(500, jsonCT, `{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}`),
			kind: httpx.KindStatus, status: 500, msg: "An error has occurred. Please contact your administrator"},
		{name: "502 proxy page", answer: answer(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"),
			kind: httpx.KindStatus, status: 502, has: []string{"text/html", `page title "502 Bad Gateway"`}},
		{name: "200 sign-in page", answer: answer(200, "text/html; charset=utf-8", signInPage),
			kind: httpx.KindDecode, status: 200,
			has: []string{"text/html (a proxy, load balancer or sign-in page answered)", `page title "Sign in to your account & more"`}},
		{name: "200 truncated JSON", answer: answer(200, jsonCT, `{"status":"UP","valid":true,"isLoggedIn":true,"settings":[{"key":"sonar.core.serverBaseURL","val`), onlyJS: true,
			kind: httpx.KindDecode, status: 200, has: []string{"invalid JSON", "unexpected end of JSON input"}},
		{name: "200 empty body", answer: answer(200, jsonCT, ""), onlyJS: true,
			kind: httpx.KindDecode, status: 200, has: []string{"expected JSON but got an empty body"}},
		{name: "302 to sign-in", answer: answer(302, "text/html", "", "Location", "https://login.contoso.example/authorize?client_id=x&token=abc"),
			kind: httpx.KindRedirect, status: 302, has: []string{"redirected to https://login.contoso.example/authorize"}},
	}
	for _, call := range calls {
		for _, tt := range tests {
			if tt.onlyJS && !call.json {
				continue
			}
			t.Run(call.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				mux, c := setup(t)
				mux.Handle(call.path, tt.answer)
				err := call.call(context.Background(), c)
				var he *httpx.Error
				if !errors.As(err, &he) {
					t.Fatalf("error %v (%T) is not an *httpx.Error", err, err)
				}
				if he.Kind != tt.kind || he.Status != tt.status {
					t.Errorf("kind %q status %d, want %q %d (%v)", he.Kind, he.Status, tt.kind, tt.status, err)
				}
				if tt.has == nil && he.Message != tt.msg {
					t.Errorf("message %q, want %q", he.Message, tt.msg)
				}
				for _, s := range tt.has {
					if !strings.Contains(he.Message, s) {
						t.Errorf("message %q lacks %q", he.Message, s)
					}
				}
				if tt.is != nil && !tt.is(err) {
					t.Errorf("predicate does not recognise %v", err)
				}
				if he.Method != http.MethodGet || !strings.Contains(he.URL, ctxPath+call.path) {
					t.Errorf("method %q URL %q, want GET …%s", he.Method, he.URL, ctxPath+call.path)
				}
				if tt.kind == httpx.KindRedirect && !strings.HasPrefix(he.Location, "https://login.contoso.example/authorize") {
					t.Errorf("Location %q", he.Location)
				}
				assertNoSecret(t, err.Error())
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Errorf("error text spans lines: %q", err.Error())
				}
			})
		}
	}
}

// TestPredicatesNeedSonarQubeWords keeps a proxy's refusal from passing for
// SonarQube's.
func TestPredicatesNeedSonarQubeWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		is   func(error) bool
	}{
		{"403 from a firewall", &httpx.Error{Kind: httpx.KindStatus, Status: 403, Message: "not SonarQube's JSON but text/html"}, IsInsufficientPrivileges},
		{"404 unknown url is no project", &httpx.Error{Kind: httpx.KindStatus, Status: 404, Message: "Unknown url : /api/x"}, IsProjectNotFound},
		{"404 project is not unbound", &httpx.Error{Kind: httpx.KindStatus, Status: 404, Message: "Project 'k' not found"}, IsNotBound},
		{"400 is no 401", &httpx.Error{Kind: httpx.KindStatus, Status: 400}, IsUnauthorized},
		{"transport error", &httpx.Error{Kind: httpx.KindRefused}, IsUnauthorized},
		{"plain error", errors.New("Insufficient privileges"), IsInsufficientPrivileges},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.is(tt.err) {
				t.Errorf("predicate matched %v", tt.err)
			}
		})
	}
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, f := range secret.Forms(testToken) {
		if strings.Contains(s, f) {
			t.Errorf("text reveals the token (form %q…): %q", f[:6], s)
		}
	}
}

// TestEchoedTokenIsScrubbed: a proxy that echoes the Authorization header
// into its error page must not get the token into our error text.
func TestEchoedTokenIsScrubbed(t *testing.T) {
	t.Parallel()
	mux, c := setup(t)
	mux.HandleFunc("/api/users/current", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad header: " + r.Header.Get("Authorization") + " token=" + testToken))
	})
	_, err := c.CurrentUser(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecret(t, err.Error())
	if !strings.Contains(err.Error(), "bad header: Basic ***") {
		t.Errorf("server's message lost: %v", err)
	}
}

func TestWithTokenAndNoToken(t *testing.T) {
	t.Parallel()
	other := "squ_otherothertokentokentoken000000000000"
	var (
		mu      sync.Mutex
		gotAuth []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		answer(200, "application/json", `{"valid":true}`)(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, secret.New(testToken), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, cl := range []*Client{c.WithToken(secret.New(other)), c, c.WithToken(secret.Secret{})} {
		if _, err := cl.ValidateToken(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b64 := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s+":")) }
	want := []string{b64(other), b64(testToken), ""}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(gotAuth, want) {
		t.Errorf("Authorization headers %q, want %q", gotAuth, want)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string // BaseURL(); "" means New must fail
		notShow string // must not appear in the error
	}{
		{in: "https://sonar.example.com", want: "https://sonar.example.com"},
		{in: " https://sonar.example.com/sonarqube/ ", want: "https://sonar.example.com/sonarqube"},
		{in: "http://127.0.0.1:9000//", want: "http://127.0.0.1:9000"},
		{in: "ftp://sonar.example.com"},
		{in: "sonar.example.com"},
		{in: "https://"},
		{in: "https://admin:s3cr3tpw@sonar.example.com", notShow: "s3cr3tpw"},
		{in: "https://sonar.example.com/?token=abc", notShow: "abc"},
		{in: "https://u:s3cr3tpw@sonar.example.com/%zz", notShow: "s3cr3tpw"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.in, secret.New(testToken), nil)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidBaseURL) {
					t.Fatalf("err %v, want ErrInvalidBaseURL", err)
				}
				if tt.notShow != "" && strings.Contains(err.Error(), tt.notShow) {
					t.Errorf("error reveals %q: %v", tt.notShow, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNilClientDoesNotFollowRedirects: the default client must show a
// redirect rather than silently land on a sign-in page.
func TestNilClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			answer(200, "application/json", `{"status":"UP"}`)(w, r)
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, secret.New(testToken), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Status(context.Background())
	if httpx.KindOf(err) != httpx.KindRedirect {
		t.Fatalf("err %v, want a redirect error", err)
	}
}

func TestTransportErrorKeepsTokenOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens any more
	c, err := New(base+ctxPath, secret.New(testToken), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	var he *httpx.Error
	if !errors.As(err, &he) || he.Status != 0 || he.Kind != httpx.KindRefused {
		t.Fatalf("err %v, want a refused connection", err)
	}
	assertNoSecret(t, err.Error())
}

func TestMissingFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, body, field string
		call              func(context.Context, *Client) error
	}{
		{"/api/system/status", `{"id":"x","version":"10.7"}`, `"status"`, calls[0].call},
		{"/api/authentication/validate", `{}`, `"valid"`, calls[2].call},
		{"/api/users/current", `{"login":"x"}`, `"isLoggedIn"`, calls[3].call},
		{"/api/settings/values", `{"setSecuredSettings":[]}`, `"settings"`, calls[4].call},
		{"/api/alm_settings/list_definitions", `{}`, `"azure"`, calls[5].call},
		{"/api/alm_settings/list", `{"projects":[]}`, `"almSettings"`, calls[6].call},
		{"/api/alm_settings/get_binding", `{"alm":"azure"}`, `"key"`, calls[7].call},
		{"/api/alm_settings/get_binding", `{"key":"ado"}`, `"alm"`, calls[7].call},
		{"/api/system/status", `["UP"]`, "unexpected JSON", calls[0].call},
	}
	for _, tt := range tests {
		t.Run(tt.path+tt.field, func(t *testing.T) {
			t.Parallel()
			mux, c := setup(t)
			mux.Handle(tt.path, answer(200, "application/json", tt.body))
			err := tt.call(context.Background(), c)
			if httpx.KindOf(err) != httpx.KindDecode || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("err %v, want a decode error naming %s", err, tt.field)
			}
		})
	}
}

func TestServerVersionRejectsNonVersions(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, ct, body, has string }{
		{"html", "text/html", signInPage, `page title "Sign in to your account & more"`},
		{"words", "text/plain", "Service Unavailable", `"Service Unavailable"`},
		{"empty", "text/plain", "  \n", "empty body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux, c := setup(t)
			mux.Handle("/api/server/version", answer(200, tt.ct, tt.body))
			_, err := c.ServerVersion(context.Background())
			if httpx.KindOf(err) != httpx.KindDecode || !strings.Contains(err.Error(), tt.has) {
				t.Errorf("err %v, want a decode error with %s", err, tt.has)
			}
		})
	}
}

func TestParseTokenExpiration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-06-30T00:00:00+0200", time.Date(2025, 6, 29, 22, 0, 0, 0, time.UTC), true},
		{"2025-06-30T12:34:56+0000", time.Date(2025, 6, 30, 12, 34, 56, 0, time.UTC), true},
		{"2025-06-30T12:34:56-0500", time.Date(2025, 6, 30, 17, 34, 56, 0, time.UTC), true},
		{"2025-06-30T12:34:56Z", time.Date(2025, 6, 30, 12, 34, 56, 0, time.UTC), true},
		{"2025-06-30T12:34:56+02:00", time.Date(2025, 6, 30, 10, 34, 56, 0, time.UTC), true},
		{"2025-06-30", time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), true},
		{"June 30, 2025", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseTokenExpiration(tt.in)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestUnreadableExpiryKeepsRaw: an expiry we cannot read is kept for the
// report rather than silently treated as "never expires" without trace.
func TestUnreadableExpiryKeepsRaw(t *testing.T) {
	t.Parallel()
	mux, c := setup(t)
	mux.Handle("/api/users/current", answer(200, "application/json", `{"isLoggedIn":true,"login":"ci"}`, TokenExpirationHeader, "someday"))
	u, err := c.CurrentUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !u.TokenExpiration.IsZero() || u.TokenExpirationRaw != "someday" {
		t.Errorf("TokenExpiration %v raw %q", u.TokenExpiration, u.TokenExpirationRaw)
	}
}

func TestHasGlobal(t *testing.T) {
	t.Parallel()
	u := &CurrentUser{Permissions: Permissions{Global: []string{"scan", PermAdmin}}}
	if !u.HasGlobal(PermAdmin) || u.HasGlobal(PermProvisioning) {
		t.Errorf("HasGlobal wrong for %v", u.Permissions.Global)
	}
}
