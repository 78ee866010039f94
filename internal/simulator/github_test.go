package simulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/github"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

// simClock is a fixed clock, whole seconds so that header dates round-trip.
var simClock = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// startGitHub runs a simulator serving cfg and returns it with an HTTP
// client that reaches its real host names through the resolve map and
// trusts its CA, as the preflight's client does.
func startGitHub(t *testing.T, cfg GitHub) (*Servers, *http.Client) {
	t.Helper()
	s, err := Start(Scenario{Name: "t", GitHub: cfg}, Options{Dir: t.TempDir(), Now: func() time.Time { return simClock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA bundle holds no certificate")
	}
	routes := map[string]string{}
	for _, e := range s.Resolve {
		host, rest, _ := strings.Cut(e, ":")
		port, addr, _ := strings.Cut(rest, ":")
		routes[net.JoinHostPort(host, port)] = addr
	}
	var d net.Dialer
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			to, ok := routes[addr]
			if !ok {
				return nil, errors.New("test: no route to " + addr)
			}
			return d.DialContext(ctx, network, to)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return s, &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestGitHubDisabledByDefault(t *testing.T) {
	t.Parallel()
	if hosts := githubHosts(GitHub{}); len(hosts) != 0 {
		t.Fatalf("zero GitHub serves %v", hosts)
	}
	got := githubHosts(HealthyGitHub())
	if len(got) != 2 || got[0] != "api.github.com" || got[1] != "github.contoso.example" {
		t.Fatalf("HealthyGitHub hosts = %v", got)
	}
}

// The simulated GitHub, asked by the real client, must produce each
// classification the preflight relies on.
func TestGitHubAnswers(t *testing.T) {
	t.Parallel()
	with := func(f func(*GitHub)) GitHub { g := HealthyGitHub(); f(&g); return g }
	tests := []struct {
		name       string
		cfg        GitHub
		repoURI    string
		repo       string
		wrongToken bool
		failure    github.Failure
		status     int
		check      func(t *testing.T, ge *github.Error)
	}{
		{name: "github.com healthy", cfg: HealthyGitHub(), repoURI: "https://github.com/contoso/web-app"},
		{name: "enterprise healthy", cfg: HealthyGitHub(), repoURI: "https://github.contoso.example/contoso/web-app"},
		{name: "name compares case-insensitively", cfg: HealthyGitHub(), repoURI: "https://github.com/contoso/web-app", repo: "Contoso/Web-App"},
		{name: "bad credentials knob", cfg: with(func(g *GitHub) { g.BadCredentials = true }), repoURI: "https://github.com/contoso/web-app", failure: github.FailureBadCredentials, status: 401},
		{name: "unknown token", cfg: HealthyGitHub(), repoURI: "https://github.contoso.example/contoso/web-app", wrongToken: true, failure: github.FailureBadCredentials, status: 401},
		{
			name: "SSO required", cfg: with(func(g *GitHub) { g.SSORequired = true }), repoURI: "https://github.com/contoso/web-app",
			failure: github.FailureSSORequired, status: 403,
			check: func(t *testing.T, ge *github.Error) {
				if !strings.HasPrefix(ge.SSOURL, "https://github.com/orgs/contoso/sso?authorization_request=") {
					t.Errorf("SSOURL = %q", ge.SSOURL)
				}
			},
		},
		{
			name: "SSO required on enterprise", cfg: with(func(g *GitHub) { g.SSORequired = true }), repoURI: "https://github.contoso.example/contoso/web-app",
			failure: github.FailureSSORequired, status: 403,
			check: func(t *testing.T, ge *github.Error) {
				if !strings.HasPrefix(ge.SSOURL, "https://github.contoso.example/orgs/contoso/sso?authorization_request=") {
					t.Errorf("SSOURL = %q", ge.SSOURL)
				}
			},
		},
		{name: "not found knob", cfg: with(func(g *GitHub) { g.NotFound = true }), repoURI: "https://github.com/contoso/web-app", failure: github.FailureNotFound, status: 404},
		{name: "repository not visible", cfg: HealthyGitHub(), repoURI: "https://github.com/contoso/web-app", repo: "contoso/other", failure: github.FailureNotFound, status: 404},
		{
			name: "primary rate limit", cfg: with(func(g *GitHub) { g.RateLimited = true }), repoURI: "https://github.com/contoso/web-app",
			failure: github.FailureRateLimited, status: 403,
			check: func(t *testing.T, ge *github.Error) {
				if !ge.ResetAt.Equal(simClock.Add(time.Hour)) {
					t.Errorf("ResetAt = %v, want %v", ge.ResetAt, simClock.Add(time.Hour))
				}
			},
		},
		{
			name: "secondary rate limit on 429", cfg: with(func(g *GitHub) { g.SecondaryRateLimited = true }), repoURI: "https://github.com/contoso/web-app",
			failure: github.FailureRateLimited, status: 429,
			check: func(t *testing.T, ge *github.Error) {
				if want := simClock.Add(gitHubRetryAfterSec * time.Second); !ge.ResetAt.Equal(want) {
					t.Errorf("ResetAt = %v, want %v", ge.ResetAt, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, hc := startGitHub(t, tt.cfg)
			host, err := github.HostFromRepoURI(tt.repoURI)
			if err != nil {
				t.Fatal(err)
			}
			token := s.GHToken
			if tt.wrongToken {
				token = "ghp_" + strings.Repeat("0", 36)
			}
			c, err := github.New(host, secret.New(token), hc)
			if err != nil {
				t.Fatal(err)
			}
			name := tt.repo
			if name == "" {
				name = "contoso/web-app"
			}
			owner, repo, err := github.SplitRepo(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Repository(context.Background(), owner, repo)
			if tt.failure == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.FullName != "contoso/web-app" || !got.Private || !got.Permissions["push"] {
					t.Errorf("Repository = %+v", got)
				}
				if want := simClock.Add(90 * 24 * time.Hour); !got.TokenExpiration.Equal(want) {
					t.Errorf("TokenExpiration = %v, want %v", got.TokenExpiration, want)
				}
				return
			}
			var ge *github.Error
			if !errors.As(err, &ge) || ge.Failure != tt.failure || httpx.StatusOf(err) != tt.status {
				t.Fatalf("err = %v (failure %q), want %q with status %d", err, github.Classify(err), tt.failure, tt.status)
			}
			if tt.check != nil {
				tt.check(t, ge)
			}
			if strings.Contains(err.Error(), s.GHToken) {
				t.Errorf("error reveals the token: %v", err)
			}
		})
	}
}

// GitHub Enterprise Server answers only under /api/v3; elsewhere is its web
// UI. A client that dropped the prefix must see that, not an API answer.
func TestGitHubEnterpriseNeedsAPIPrefix(t *testing.T) {
	t.Parallel()
	s, hc := startGitHub(t, HealthyGitHub())
	for _, tt := range []struct {
		url         string
		status      int
		contentType string
	}{
		{"https://github.contoso.example/api/v3/repos/contoso/web-app", 200, "application/json"},
		{"https://github.contoso.example/repos/contoso/web-app", 404, "text/html"},
		{"https://api.github.com/api/v3/repos/contoso/web-app", 404, "application/json"},
	} {
		req, err := http.NewRequest(http.MethodGet, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.GHToken)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) {
			t.Errorf("GET %s = %d %s, want %d %s", tt.url, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.contentType)
		}
	}
	if got := s.Requests(); len(got) != 3 || got[1] != "GET github.contoso.example/repos/contoso/web-app" {
		t.Errorf("request log = %v", got)
	}
}

// Without a token GitHub hides a private repository behind 404.
func TestGitHubAnonymousSeesNothing(t *testing.T) {
	t.Parallel()
	_, hc := startGitHub(t, HealthyGitHub())
	resp, err := hc.Get("https://api.github.com/repos/contoso/web-app")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"message":"Not Found"`) {
		t.Errorf("anonymous GET = %d %s", resp.StatusCode, body)
	}
}

// Each GitHub scenario must be runnable as written: the repository's API host
// is served, the binding goes through a GitHub record, and github.repo is
// expected exactly when the pipeline has a token.
func TestGitHubScenariosAreConsistent(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, sc := range githubScenarios() {
		if seen[sc.Name] || sc.Summary == "" {
			t.Errorf("%s: duplicate name or no summary", sc.Name)
		}
		seen[sc.Name] = true
		for _, id := range []string{"sonar.devops-config", "sonar.binding", "sonar.devops-pat"} {
			if sc.Expect[id] == "" {
				t.Errorf("%s: no expectation for %s", sc.Name, id)
			}
		}
		provider := sc.Env["BUILD_REPOSITORY_PROVIDER"]
		if provider != "GitHub" && provider != "GitHubEnterprise" {
			if _, ok := sc.Expect["github.repo"]; ok {
				t.Errorf("%s: provider %q has no github.repo check", sc.Name, provider)
			}
			continue
		}
		_, hasRepoCheck := sc.Expect["github.repo"]
		if !hasRepoCheck {
			t.Errorf("%s: GitHub scenario without a github.repo expectation", sc.Name)
		}
		if (sc.Env["GITHUB_TOKEN"] == "") != (sc.Expect["github.repo"] == "skip") {
			t.Errorf("%s: GITHUB_TOKEN %q but github.repo expected %q", sc.Name, sc.Env["GITHUB_TOKEN"], sc.Expect["github.repo"])
		}
		h, err := github.HostFromRepoURI(sc.Env["BUILD_REPOSITORY_URI"])
		if err != nil {
			t.Errorf("%s: %v", sc.Name, err)
			continue
		}
		served := false
		for _, host := range githubHosts(sc.GitHub) {
			if strings.Contains(h.APIURL, "://"+host+"/") {
				served = true
			}
		}
		if !served {
			t.Errorf("%s: the simulator does not serve %s", sc.Name, h.APIURL)
		}
		b := sc.Sonar.Binding
		if b == nil || b.Alm != "github" {
			t.Errorf("%s: the project is not bound through a GitHub record: %+v", sc.Name, b)
			continue
		}
		found := false
		for _, rec := range sc.Sonar.GitHubRecords {
			found = found || rec.Key == b.Key
		}
		if !found {
			t.Errorf("%s: binding key %q names no GitHub record", sc.Name, b.Key)
		}
	}
}

// "List app installations for an organization" answers an owner's token
// with the organization's installations, SonarQube's App among them unless
// it is not installed; any other token is refused; a user account is no
// organization. Driven through the client, over TLS, as the preflight calls.
func TestGitHubOrgInstallations(t *testing.T) {
	t.Parallel()
	with := func(f func(*GitHub)) GitHub { g := HealthyGitHub(); f(&g); return g }
	tests := []struct {
		name      string
		cfg       GitHub
		repoURI   string
		org       string
		failure   github.Failure
		status    int
		apps      map[int64]string // app id → repository_selection
		suspended bool
	}{
		{name: "owner's token", cfg: with(func(g *GitHub) { g.InstallationsVisible = true }), repoURI: "https://github.com/contoso/web-app", org: "contoso",
			apps: map[int64]string{67890: "all", 12345: "all"}},
		{name: "selected repositories", cfg: with(func(g *GitHub) { g.InstallationsVisible, g.AppSelectedRepos = true, true }), repoURI: "https://github.com/contoso/web-app", org: "contoso",
			apps: map[int64]string{67890: "all", 12345: "selected"}},
		{name: "App not installed", cfg: with(func(g *GitHub) { g.InstallationsVisible, g.AppNotInstalled = true, true }), repoURI: "https://github.com/contoso/web-app", org: "contoso",
			apps: map[int64]string{67890: "all"}},
		{name: "on GitHub Enterprise", cfg: with(func(g *GitHub) { g.InstallationsVisible = true }), repoURI: "https://github.contoso.example/contoso/web-app", org: "contoso",
			apps: map[int64]string{67890: "all", 12345: "all"}},
		{name: "not an owner's token", cfg: HealthyGitHub(), repoURI: "https://github.com/contoso/web-app", org: "contoso", failure: github.FailureForbidden, status: 403},
		{name: "not an organization", cfg: with(func(g *GitHub) { g.InstallationsVisible = true }), repoURI: "https://github.com/contoso/web-app", org: "someone", failure: github.FailureNotFound, status: 404},
		{name: "bad credentials", cfg: with(func(g *GitHub) { g.InstallationsVisible, g.BadCredentials = true, true }), repoURI: "https://github.com/contoso/web-app", org: "contoso", failure: github.FailureBadCredentials, status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, hc := startGitHub(t, tt.cfg)
			host, err := github.HostFromRepoURI(tt.repoURI)
			if err != nil {
				t.Fatal(err)
			}
			c, err := github.New(host, secret.New(s.GHToken), hc)
			if err != nil {
				t.Fatal(err)
			}
			list, complete, err := c.OrgInstallations(context.Background(), tt.org)
			if tt.failure != "" {
				if github.Classify(err) != tt.failure || httpx.StatusOf(err) != tt.status {
					t.Fatalf("err = %v (failure %q), want %q with status %d", err, github.Classify(err), tt.failure, tt.status)
				}
				return
			}
			if err != nil || !complete {
				t.Fatalf("OrgInstallations: %v (complete %v)", err, complete)
			}
			got := map[int64]string{}
			for _, in := range list {
				got[in.AppID] = in.RepositorySelection
				if in.Account != "contoso" || in.Suspended || in.ID == 0 || in.AppSlug == "" {
					t.Errorf("installation %+v", in)
				}
			}
			if len(got) != len(tt.apps) {
				t.Fatalf("installations %v, want %v", got, tt.apps)
			}
			for id, sel := range tt.apps {
				if got[id] != sel {
					t.Errorf("app %d: selection %q, want %q", id, got[id], sel)
				}
			}
		})
	}
}
