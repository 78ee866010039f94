package cli

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/audit"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/simulator"
)

// seenRequests records what reached the fleet simulator: host, path and
// whether the request carried the GitHub token.
type seenRequests struct {
	mu   sync.Mutex
	reqs []seenRequest
}

type seenRequest struct {
	host, path string
	token      bool
}

func (s *seenRequests) to(host string) []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []seenRequest
	for _, r := range s.reqs {
		if r.host == host {
			out = append(out, r)
		}
	}
	return out
}

// startFleetSeen starts a fleet whose requests are recorded before the
// simulator answers them.
func startFleetSeen(t *testing.T, fl simulator.Fleet) (*simulator.FleetServers, map[string]string, *seenRequests) {
	t.Helper()
	seen := &seenRequests{}
	var f *simulator.FleetServers
	var ready sync.WaitGroup
	ready.Add(1)
	f, err := simulator.StartFleet(fl, simulator.Options{Dir: t.TempDir(), Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		ready.Wait()
		seen.mu.Lock()
		seen.reqs = append(seen.reqs, seenRequest{host: strings.ToLower(hostOnly(r.Host)), path: r.URL.Path,
			token: strings.Contains(r.Header.Get("Authorization"), f.GitHubToken)})
		seen.mu.Unlock()
		return false
	}})
	if err != nil {
		t.Fatal(err)
	}
	ready.Done()
	t.Cleanup(f.Close)
	env := f.Env()
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	return f, env, seen
}

// ghProject is a project of the JSON report with the fields the GitHub
// side fills.
type ghProject struct {
	Key, Status   string
	Findings      []struct{ ID, Status, Message, Remedy string }
	RepositoryID  string `json:"repository_id"`
	RepositoryVia string `json:"repository_via"`
	DefaultBranch string `json:"default_branch"`
}

func ghProjects(t *testing.T, stdout string) (auditReport, map[string]ghProject) {
	t.Helper()
	rep := parseAudit(t, stdout)
	var full struct{ Projects []ghProject }
	if err := json.Unmarshal([]byte(stdout), &full); err != nil {
		t.Fatal(err)
	}
	out := map[string]ghProject{}
	for _, p := range full.Projects {
		out[p.Key] = p
	}
	return rep, out
}

// TestAuditGitHubRenamedWithoutBaseline: GitHub answers the old name of a
// renamed repository with 301 to its id, so a rename is told from a
// deletion without a previous report; each project says which request told
// it, and the listing is read once for every project of its owner.
func TestAuditGitHubRenamedWithoutBaseline(t *testing.T) {
	t.Parallel()
	f, env, seen := startFleetSeen(t, simulator.Fleet{Projects: 40, Mix: simulator.FleetMix{
		GitHub: 6, GitHubRenamed: 2, GitHubMissing: 2, GitHubUser: 2}})
	code, stdout, stderr := runAudit(t, env, "--format", "json", "--branches=false")
	if code != ExitFail {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	rep, projects := ghProjects(t, stdout)
	if rep.Paths["github"] == "" {
		t.Errorf("paths %v do not say how GitHub was read", rep.Paths)
	}
	for key, p := range projects {
		kind := f.KindOf(key)
		want := map[string]struct{ id, via string }{
			"github":         {"", "GET /orgs/" + simulator.FleetGitHubOrg + "/repos"},
			"github-user":    {"", "GET /users/" + simulator.FleetGitHubUser + "/repos"},
			"github-renamed": {audit.FindRepoRenamed, "GET /repos/" + simulator.FleetGitHubOrg + "/"},
			"github-missing": {audit.FindRepoMissing, "GET /repos/" + simulator.FleetGitHubOrg + "/"},
		}[kind]
		if want.via == "" {
			continue
		}
		if !strings.HasPrefix(p.RepositoryVia, want.via) {
			t.Errorf("%s (%s): read through %q, want %q…", key, kind, p.RepositoryVia, want.via)
		}
		switch {
		case want.id == "" && (p.Status != "pass" || p.RepositoryID == "" || p.DefaultBranch != "main"):
			t.Errorf("%s (%s): %+v", key, kind, p)
		case want.id != "" && (len(p.Findings) == 0 || p.Findings[0].ID != want.id):
			t.Errorf("%s (%s): findings %+v, want %s", key, kind, p.Findings, want.id)
		case kind == "github-renamed" && !strings.Contains(p.Findings[0].Message, "301"):
			t.Errorf("%s: %q does not say GitHub redirected the old name", key, p.Findings[0].Message)
		}
	}
	// One listing of the organization (two pages of 100), one of the user
	// (its organization path answers 404 first), one GET /repos for each
	// repository the listings do not show (renamed, missing), and no
	// request following a 301 elsewhere: the renamed repositories' ids are
	// in the organization's listing.
	var orgPages, userListings, repos int
	for _, r := range seen.to("api.github.com") {
		if !r.token {
			t.Errorf("%s without the token", r.path)
		}
		switch {
		case r.path == "/orgs/"+simulator.FleetGitHubOrg+"/repos":
			orgPages++
		case r.path == "/users/"+simulator.FleetGitHubUser+"/repos":
			userListings++
		case strings.HasPrefix(r.path, "/repos/"):
			repos++
		case r.path == "/orgs/"+simulator.FleetGitHubUser+"/repos":
		default:
			t.Errorf("unexpected request %s", r.path)
		}
	}
	if orgPages != 2 || userListings != 1 || repos != 4 {
		t.Errorf("%d organization pages, %d user listings, %d repositories; want 2, 1, 4", orgPages, userListings, repos)
	}
}

// TestAuditGitHubRequestsGrowWithPages: the GitHub side costs one listing
// per owner and page, not a request per project.
func TestAuditGitHubRequestsGrowWithPages(t *testing.T) {
	t.Parallel()
	count := func(n int) int {
		_, env, seen := startFleetSeen(t, simulator.Fleet{Projects: n, Mix: simulator.FleetMix{GitHub: n}})
		if code, _, stderr := runAudit(t, env, "--format", "json", "--branches=false"); code != ExitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		return len(seen.to("api.github.com"))
	}
	// 120 filler repositories: 10 projects fit in 2 pages of 100, 300 in 5.
	if small, large := count(10), count(300); small != 2 || large != 5 {
		t.Errorf("GitHub requests: %d for 10 projects, %d for 300; want 2 and 5 (pages of the one owner)", small, large)
	}
}

// TestAuditGitHubWithoutToken: without a GitHub token nothing is sent to
// GitHub; its projects say they were not checked and the notes say how to
// check them.
func TestAuditGitHubWithoutToken(t *testing.T) {
	t.Parallel()
	_, env, seen := startFleetSeen(t, simulator.Fleet{Projects: 20, Mix: simulator.FleetMix{GitHub: 3, GitHubMissing: 2}})
	delete(env, "GITHUB_TOKEN")
	code, stdout, _ := runAudit(t, env, "--format", "json")
	rep := parseAudit(t, stdout)
	if code != ExitOK || !strings.Contains(strings.Join(rep.Notes, " "), "No GitHub token was given") {
		t.Errorf("exit %d, notes %q", code, rep.Notes)
	}
	for _, p := range rep.Projects {
		for _, fd := range p.Findings {
			if fd.ID == audit.FindNotChecked && !strings.Contains(fd.Message, "no GitHub token") {
				t.Errorf("%s: %q", p.Key, fd.Message)
			}
		}
	}
	if n := len(seen.to("api.github.com")); n != 0 {
		t.Errorf("%d requests reached GitHub without a token", n)
	}
}

// TestAuditGitHubTokenOnlyToNamedHosts: the GitHub token goes to
// GitHub.com's API (giving a token names it) and to the GitHub APIs named
// for the run (--github-urls, its input and variable, the pipeline's own
// GitHub), never to a GitHub Enterprise API that only SonarQube's record
// names: that one gets no request, its projects say how to allow it, and
// the notes list it.
func TestAuditGitHubTokenOnlyToNamedHosts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		named bool
	}{
		{name: "named nowhere"},
		{name: "--github-urls", args: []string{"--github-urls", simulator.FleetGHESAPI}, named: true},
		{name: "--github-url, its web address", args: []string{"--github-url", "https://" + simulator.FleetGHESHost}, named: true},
		{name: "the gitHubUrls input", env: map[string]string{"INPUT_GITHUBURLS": "https://api.github.com\n" + simulator.FleetGHESAPI}, named: true},
		{name: "the variable", env: map[string]string{"SONAR_PREFLIGHT_GITHUB_URLS": simulator.FleetGHESAPI}, named: true},
		{name: "the pipeline's repository", env: map[string]string{"BUILD_REPOSITORY_PROVIDER": "GitHubEnterprise",
			"BUILD_REPOSITORY_URI": "https://" + simulator.FleetGHESHost + "/platform/audit-pipeline", "BUILD_REPOSITORY_NAME": "platform/audit-pipeline"}, named: true},
		{name: "a pipeline on Azure Repos with a look-alike URI", env: map[string]string{"BUILD_REPOSITORY_PROVIDER": "TfsGit",
			"BUILD_REPOSITORY_URI": "https://" + simulator.FleetGHESHost + "/platform/audit-pipeline"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, env, seen := startFleetSeen(t, simulator.Fleet{Projects: 20, Mix: simulator.FleetMix{GitHub: 2, GitHubEnterprise: 3}})
			delete(env, "SONAR_PREFLIGHT_GITHUB_URLS")
			maps.Copy(env, tc.env)
			code, stdout, stderr := runAudit(t, env, append([]string{"--format", "json", "--debug"}, tc.args...)...)
			if code == ExitUsage {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rep := parseAudit(t, stdout)
			ghes := seen.to(simulator.FleetGHESHost)
			if tc.named != (len(ghes) > 0) {
				t.Errorf("the Enterprise Server got %d requests, want some: %v", len(ghes), tc.named)
			}
			for _, r := range ghes {
				if !r.token {
					t.Errorf("%s without the token", r.path)
				}
			}
			if len(seen.to("api.github.com")) == 0 {
				t.Error("GitHub.com, which giving a token names, got no request")
			}
			notes := strings.Join(rep.Notes, "\n")
			if tc.named == strings.Contains(notes, "--github-urls") {
				t.Errorf("notes:\n%s", notes)
			}
			for _, p := range rep.Projects {
				if f.KindOf(p.Key) != "github-enterprise" {
					continue
				}
				switch {
				case tc.named && p.Status != "pass":
					t.Errorf("%s: %s %+v", p.Key, p.Status, p.Findings)
				case !tc.named && (len(p.Findings) == 0 || p.Findings[0].ID != audit.FindNotChecked || !strings.Contains(p.Findings[0].Message, "--github-urls")):
					t.Errorf("%s: %+v, want binding.unchecked saying how to name it", p.Key, p.Findings)
				}
			}
			assertNoSecrets(t, fleetSecrets(f), stdout, stderr)
		})
	}
}

// TestAuditGitHubTokenGuard: the rule is the HTTP client's, not only the
// audit's: with the audit's credentials the client refuses to carry the
// GitHub token to a GitHub Enterprise API nobody named (or to any other
// host), and carries it to GitHub.com's API and to a named one.
func TestAuditGitHubTokenGuard(t *testing.T) {
	t.Parallel()
	const tok = "ghp_0123456789abcdefABCDEF0123456789abcd"
	for _, tc := range []struct {
		named   []string
		url     string
		allowed bool
	}{
		{nil, "https://api.github.com/orgs/contoso/repos", true},
		{nil, "https://github.fleet.example/api/v3/orgs/platform/repos", false},
		{nil, "https://attacker.example/api/v3/orgs/contoso/repos", false},
		{nil, "https://github.com/login", false},
		{[]string{simulator.FleetGHESAPI}, "https://github.fleet.example/api/v3/orgs/platform/repos", true},
		{[]string{simulator.FleetGHESAPI}, "https://github.fleet.example/login/oauth", false},
		{[]string{simulator.FleetGHESAPI}, "https://github.fleet.example/api/v3/../../login", false},
	} {
		cfg := &config.Config{SonarURL: "https://sonar.example", GitHubToken: secret.New(tok)}
		guard := auditCredentials(cfg, auditInputs{gitHubURLs: tc.named})
		hc, err := httpx.New(httpx.Options{Credentials: guard, Now: time.Now, MaxAttempts: 1,
			// Nothing may leave this test: every address is refused.
			Resolve: []string{"api.github.com:443:127.0.0.1:1", "github.fleet.example:443:127.0.0.1:1", "attacker.example:443:127.0.0.1:1", "github.com:443:127.0.0.1:1"}})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, tc.url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		_, err = hc.Do(req)
		refused := httpx.KindOf(err) == httpx.KindCredential
		if refused == tc.allowed {
			t.Errorf("named %v, %s: %v (refused by the guard: %v)", tc.named, tc.url, err, refused)
		}
		var he *httpx.Error
		if refused && (!errors.As(err, &he) || !strings.Contains(he.Message, "--github-urls")) {
			t.Errorf("the refusal does not say how to allow it: %v", err)
		}
	}
}

// TestAuditGitHubRateLimit: once GitHub's rate limit for the token is used
// up (403, x-ratelimit-remaining: 0, a reset an hour away) the audit stops
// asking: the projects left say they could not be verified and until when,
// and only requests already on their way are refused.
func TestAuditGitHubRateLimit(t *testing.T) {
	t.Parallel()
	const limit = 3
	f, env, seen := startFleetSeen(t, simulator.Fleet{Projects: 60, GitHubRateLimit: limit, Mix: simulator.FleetMix{
		GitHub: 10, GitHubUser: 10, GitHubMissing: 10, GitHubNotVisible: 10, GitHubRenamed: 10}})
	start := time.Now()
	_, stdout, stderr := runAudit(t, env, "--format", "json", "--branches=false")
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the audit took %s: it waited for a reset an hour away", took)
	}
	rep := parseAudit(t, stdout)
	limited := 0
	for _, p := range rep.Projects {
		if len(p.Findings) > 0 && p.Findings[0].ID == audit.FindRepoNotVisible && strings.Contains(p.Findings[0].Message, "rate limit for this token is used up until") {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("no project says the rate limit is used up:\n%s\n%s", stdout, stderr)
	}
	// The concurrency (8 per host, 16 workers) bounds what was already on its way.
	n := len(seen.to("api.github.com"))
	t.Logf("%d requests reached GitHub with a limit of %d; %d projects said the limit was used up", n, limit, limited)
	if n > limit+16 {
		t.Errorf("%d requests reached GitHub with a limit of %d", n, limit)
	}
	assertNoSecrets(t, fleetSecrets(f), stdout, stderr)
}

// TestAuditGitHubUsage: a GitHub URL that names no GitHub API is a usage
// error that names the setting.
func TestAuditGitHubUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		says string
	}{
		{args: []string{"--github-urls", "https://ghe.example/login"}, says: "--github-urls"},
		{env: map[string]string{"INPUT_GITHUBURLS": "ftp://ghe.example"}, says: "gitHubUrls"},
		{env: map[string]string{"SONAR_PREFLIGHT_GITHUB_URLS": "https://u:s3cr3tpassw0rd@ghe.example/api/v3"}, says: "SONAR_PREFLIGHT_GITHUB_URLS"},
	} {
		code, _, stderr := runAudit(t, tc.env, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.says) || strings.Contains(stderr, "s3cr3t") {
			t.Errorf("%v %v: exit %d, %q", tc.env, tc.args, code, stderr)
		}
	}
}
