package simulator

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GitHub describes the simulated GitHub: github.com's REST API at
// api.github.com and, optionally, a GitHub Enterprise Server whose API is
// under /api/v3. The zero value serves nothing. Answers follow
// shared/reference/azure-devops-pat-diagnostics.md §7.
type GitHub struct {
	DotCom         bool     // serve api.github.com
	EnterpriseHost string   // serve a GitHub Enterprise Server at this host
	Repos          []string // "owner/repo" visible to the valid token (names compare case-insensitively)

	BadCredentials       bool // 401 Bad credentials, whatever the token
	SSORequired          bool // 403 with X-GitHub-SSO: the token is not authorised for the organisation's SAML SSO
	NotFound             bool // 404 for every repository
	RateLimited          bool // 403 with X-RateLimit-Remaining: 0
	SecondaryRateLimited bool // 429 with Retry-After (go-github v60 does not map 429 itself)

	// TokenExpiresIn sets GitHub-Authentication-Token-Expiration this far
	// after the simulator's clock; zero sends no header (a token that
	// does not expire).
	TokenExpiresIn time.Duration

	// AppNotInstalled: SonarQube's GitHub App (the record's App ID) is not
	// installed on the repositories' owner. SonarQube's validation of the
	// record does not notice (it checks the App's own permissions).
	AppNotInstalled bool
	// AppSelectedRepos: the App is installed for selected repositories
	// only (repository_selection "selected"), not all.
	AppSelectedRepos bool
	// InstallationsVisible: the token is an organization owner's with
	// admin:read, so GET /orgs/{org}/installations answers; otherwise it is
	// refused, as it is for most pipeline tokens.
	InstallationsVisible bool

	// Branch rules and protection (github_protection.go).
	Protection        map[string][]string // branch → checks its branch protection rule requires; absent: not protected
	RulesetChecks     map[string][]string // branch → checks active rulesets require
	ProtectionNoAdmin bool                // the token lacks admin rights: branch protection answers 403
}

const (
	gitHubDotComAPI     = "api.github.com"
	gitHubEnterprise    = "github.contoso.example"
	gitHubRepo          = defaultOrg + "/" + defaultRepo
	gitHubAPIVersion    = "2022-11-28"
	gitHubGHESVersion   = "3.14.2"
	gitHubRateLimit     = 5000
	gitHubRetryAfterSec = 60
)

// HealthyGitHub serves github.com and a GitHub Enterprise Server where the
// valid token sees contoso/web-app; the token expires in 90 days.
func HealthyGitHub() GitHub {
	return GitHub{
		DotCom:         true,
		EnterpriseHost: gitHubEnterprise,
		Repos:          []string{gitHubRepo},
		TokenExpiresIn: 90 * 24 * time.Hour,
		Protection:     map[string][]string{"main": {"ci/azure-pipelines", "SonarQube Code Analysis"}},
	}
}

func githubHosts(cfg GitHub) []string {
	var hosts []string
	if cfg.DotCom {
		hosts = append(hosts, gitHubDotComAPI)
	}
	if cfg.EnterpriseHost != "" {
		hosts = append(hosts, cfg.EnterpriseHost)
	}
	return hosts
}

func newGitHubHandler(cfg GitHub, s *Servers) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		g := ghAnswer{cfg: cfg, s: s, w: w, r: r}
		switch {
		case cfg.DotCom && host == gitHubDotComAPI:
			g.webHost = "github.com"
			g.api(r.URL.Path)
		case cfg.EnterpriseHost != "" && host == strings.ToLower(cfg.EnterpriseHost):
			g.webHost, g.enterprise = cfg.EnterpriseHost, true
			rest, ok := strings.CutPrefix(r.URL.Path, "/api/v3/")
			if !ok {
				// The web UI, not the API: what a client that lost the
				// /api/v3 prefix gets.
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Page not found · GitHub</title></head><body>Not Found</body></html>")
				return
			}
			g.api("/" + rest)
		default:
			http.Error(w, "simulator: no GitHub at "+r.Host, http.StatusMisdirectedRequest)
		}
	})
}

// ghAnswer is one request to the simulated GitHub.
type ghAnswer struct {
	cfg        GitHub
	s          *Servers
	w          http.ResponseWriter
	r          *http.Request
	webHost    string
	enterprise bool
}

func (g ghAnswer) api(path string) {
	now := g.s.now().UTC()
	h := g.w.Header()
	h.Set("Date", now.Format(http.TimeFormat))
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Request-Id", strings.ToUpper(randHex(4)+":"+randHex(3)+":"+randHex(4)+":"+randHex(4)+":"+strconv.FormatInt(now.Unix(), 16)))
	if g.enterprise {
		h.Set("X-GitHub-Enterprise-Version", gitHubGHESVersion)
	}

	token, authed := bearer(g.r.Header.Get("Authorization"))
	if authed && (g.cfg.BadCredentials || token != g.s.GHToken) {
		g.fail(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return
	}
	if org, ok := orgInstallationsPath(path); ok && g.r.Method == http.MethodGet {
		if authed {
			g.rate(now, false)
		}
		g.orgInstallations(org, authed)
		return
	}
	if g.branchAPI(path, authed) { // github_protection.go
		return
	}
	owner, repo, ok := repoPath(path)
	if g.r.Method != http.MethodGet || !ok {
		g.fail(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	const repoDoc = "https://docs.github.com/rest/repos/repos#get-a-repository"
	if authed {
		g.rate(now, g.cfg.RateLimited)
	}
	switch {
	case authed && g.cfg.RateLimited:
		g.fail(http.StatusForbidden, "API rate limit exceeded for user ID 583231. If you reach out to GitHub Support for help, please include the request ID "+h.Get("X-GitHub-Request-Id")+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
	case authed && g.cfg.SecondaryRateLimited:
		h.Set("Retry-After", strconv.Itoa(gitHubRetryAfterSec))
		g.fail(http.StatusTooManyRequests, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID "+h.Get("X-GitHub-Request-Id")+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	case authed && g.cfg.SSORequired:
		h.Set("X-GitHub-SSO", "required; url=https://"+g.webHost+"/orgs/"+owner+"/sso?authorization_request="+strings.ToUpper(randHex(20)))
		g.fail(http.StatusForbidden, "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.",
			"https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/")
	default:
		// Unauthenticated callers and tokens without access both get 404:
		// GitHub does not reveal that a private repository exists.
		full, visible := g.visible(owner, repo)
		if !authed || g.cfg.NotFound || !visible {
			g.fail(http.StatusNotFound, "Not Found", repoDoc)
			return
		}
		if g.cfg.TokenExpiresIn > 0 {
			h.Set("GitHub-Authentication-Token-Expiration", now.Add(g.cfg.TokenExpiresIn).Format("2006-01-02 15:04:05 MST"))
		}
		h.Set("X-OAuth-Scopes", "repo")
		h.Set("X-Accepted-OAuth-Scopes", "repo")
		h.Set("X-GitHub-Api-Version-Selected", gitHubAPIVersion)
		g.write(http.StatusOK, g.repository(full))
	}
}

// rate sets the primary rate-limit headers. GitHub Enterprise Server has
// rate limiting off by default and then sends none.
func (g ghAnswer) rate(now time.Time, exhausted bool) {
	if g.enterprise && !exhausted {
		return
	}
	used := 1
	if exhausted {
		used = gitHubRateLimit
	}
	h := g.w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(gitHubRateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(gitHubRateLimit-used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Resource", "core")
}

func (g ghAnswer) visible(owner, repo string) (string, bool) {
	for _, full := range g.cfg.Repos {
		if strings.EqualFold(full, owner+"/"+repo) {
			return full, true
		}
	}
	return "", false
}

// repository is an abridged GET /repos/{owner}/{repo} answer for a token
// that can push.
func (g ghAnswer) repository(full string) map[string]any {
	owner, name, _ := strings.Cut(full, "/")
	api := "https://" + gitHubDotComAPI
	if g.enterprise {
		api = "https://" + g.webHost + "/api/v3"
	}
	return map[string]any{
		"id":        1296269,
		"node_id":   "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
		"name":      name,
		"full_name": full,
		"private":   true,
		"owner": map[string]any{
			"login": owner, "id": 6154722, "type": "Organization",
			"html_url": "https://" + g.webHost + "/" + owner,
		},
		"html_url":       "https://" + g.webHost + "/" + full,
		"url":            api + "/repos/" + full,
		"visibility":     "private",
		"default_branch": "main",
		"archived":       false,
		"permissions":    map[string]bool{"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
	}
}

func (g ghAnswer) fail(status int, message, doc string) {
	g.write(status, map[string]string{"message": message, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func (g ghAnswer) write(status int, body any) {
	g.w.WriteHeader(status)
	_ = json.NewEncoder(g.w).Encode(body) // a failed write means the client left
}

// bearer accepts both forms GitHub accepts: "Bearer TOKEN" and "token TOKEN".
func bearer(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// orgInstallations answers "List app installations for an organization"
// (docs.github.com/rest/orgs/orgs#list-app-installations-for-an-organization):
// "The authenticated user must be an organization owner to use this
// endpoint. OAuth app tokens and personal access tokens (classic) need the
// admin:read scope". The body follows that page's example; the refusal's
// message is GitHub's usual one for owner-only endpoints (this endpoint's
// own is not documented).
func (g ghAnswer) orgInstallations(org string, authed bool) {
	var orgLogin string
	for _, full := range g.cfg.Repos {
		if o, _, _ := strings.Cut(full, "/"); strings.EqualFold(o, org) {
			orgLogin = o
		}
	}
	if orgLogin == "" || !authed {
		g.fail(http.StatusNotFound, "Not Found", "https://docs.github.com/rest/orgs/orgs#list-app-installations-for-an-organization")
		return
	}
	if !g.cfg.InstallationsVisible {
		g.w.Header().Set("X-Accepted-OAuth-Scopes", "admin:read")
		g.fail(http.StatusForbidden, "Must have admin rights to Resource.", "https://docs.github.com/rest/orgs/orgs#list-app-installations-for-an-organization")
		return
	}
	account := map[string]any{"login": orgLogin, "id": 6154722, "type": "Organization", "html_url": "https://" + g.webHost + "/" + orgLogin}
	api := "https://" + gitHubDotComAPI
	if g.enterprise {
		api = "https://" + g.webHost + "/api/v3"
	}
	install := func(id, appID int64, slug, selection string, perms map[string]string, events []string) map[string]any {
		return map[string]any{
			"id": id, "account": account, "repository_selection": selection,
			"access_tokens_url": api + "/app/installations/" + strconv.FormatInt(id, 10) + "/access_tokens",
			"repositories_url":  api + "/installation/repositories",
			"html_url":          "https://" + g.webHost + "/organizations/" + orgLogin + "/settings/installations/" + strconv.FormatInt(id, 10),
			"app_id":            appID, "app_slug": slug, "target_id": 6154722, "target_type": "Organization",
			"permissions": perms, "events": events,
			"created_at": "2025-03-04T10:15:00.000Z", "updated_at": "2026-02-11T08:30:00.000Z",
			"single_file_name": nil, "suspended_by": nil, "suspended_at": nil,
		}
	}
	// Another organization's App, so that the listing is not SonarQube's alone.
	list := []any{install(41233, 67890, "dependency-bot", "all", map[string]string{"contents": "write", "metadata": "read", "pull_requests": "write"}, []string{"push", "pull_request"})}
	if !g.cfg.AppNotInstalled {
		selection := "all"
		if g.cfg.AppSelectedRepos {
			selection = "selected"
		}
		appID, _ := strconv.ParseInt(gitHubAppID, 10, 64)
		// The permissions SonarQube's validation asks the App for
		// (GithubGlobalSettingsValidator: checks, pull_requests write,
		// metadata read).
		list = append(list, install(52871, appID, "sonarqube-contoso", selection, map[string]string{"checks": "write", "metadata": "read", "pull_requests": "write"}, []string{}))
	}
	g.write(http.StatusOK, map[string]any{"total_count": len(list), "installations": list})
}

// orgInstallationsPath matches /orgs/{org}/installations.
func orgInstallationsPath(path string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "orgs" || parts[1] == "" || parts[2] != "installations" {
		return "", false
	}
	return parts[1], true
}

// repoPath matches /repos/{owner}/{repo}.
func repoPath(path string) (owner, repo string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "repos" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}
