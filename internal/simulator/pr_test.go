package simulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/github"
	"sonar-preflight/internal/gitlocal"
	"sonar-preflight/internal/gitlocal/gittest"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/sonar"
)

// The simulated project_branches/list, read through the real client.
func TestSonarProjectBranches(t *testing.T) {
	t.Parallel()
	start := func(t *testing.T, edit func(*Sonar)) *sonar.Client {
		cfg := HealthySonar()
		if edit != nil {
			edit(&cfg)
		}
		srv := httptest.NewServer(newSonarHandler(cfg, simServers()))
		t.Cleanup(srv.Close)
		c, err := sonar.New(srv.URL, secret.New(simUserToken), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	bs, err := start(t, nil).ProjectBranches(ctx, defaultProjectKey)
	if err != nil || len(bs) != 1 || !bs[0].IsMain || bs[0].Name != "main" || !bs[0].Analysed() || bs[0].Type != "BRANCH" {
		t.Fatalf("default: %+v %v", bs, err)
	}
	if got := bs[0].AnalysedAt(); !got.Equal(simNow.Add(-26 * time.Hour)) {
		t.Errorf("analysis date %v, want 26 hours before the clock", got)
	}
	bs, err = start(t, func(s *Sonar) {
		s.Branches = []SonarBranch{{Name: "master", Main: true}, {Name: "main", AnalysedAgo: time.Hour}}
	}).ProjectBranches(ctx, defaultProjectKey)
	if err != nil || len(bs) != 2 || bs[0].Analysed() || !bs[1].Analysed() || bs[1].IsMain {
		t.Fatalf("renamed: %+v %v", bs, err)
	}
	if _, err := start(t, func(s *Sonar) { s.ProjectMissing = true }).ProjectBranches(ctx, defaultProjectKey); !sonar.IsProjectNotFound(err) {
		t.Fatalf("missing project: %v", err)
	}
	// branchId arrived in 10.6 (ListAction's changelog).
	for version, wantID := range map[string]bool{"10.7.0.96327": true, "9.9.8.100196": false} {
		srv := httptest.NewServer(newSonarHandler(Sonar{Version: version, Status: "UP"}, simServers()))
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/project_branches/list?project="+defaultProjectKey, nil)
		req.Header.Set("Authorization", basic(simUserToken))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Branches []map[string]any `json:"branches"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		srv.Close()
		if err != nil || len(body.Branches) != 1 {
			t.Fatalf("%s: %v %v", version, body, err)
		}
		if _, has := body.Branches[0]["branchId"]; has != wantID {
			t.Errorf("%s: branchId present %v, want %v", version, has, wantID)
		}
		if _, has := body.Branches[0]["status"]; !has {
			t.Errorf("%s: status must always be written", version)
		}
	}
}

func TestAzdoBranchPolicies(t *testing.T) {
	t.Parallel()
	target := func(project, ref, policyType string) string {
		t := "/contoso/" + project + "/_apis/git/policy/configurations?repositoryId=" + azdoRepoID + "&refName=" + ref + "&api-version=7.1"
		if policyType != "" {
			t += "&policyType=" + policyType
		}
		return t
	}
	type policy struct {
		ID         int  `json:"id"`
		IsBlocking bool `json:"isBlocking"`
		IsEnabled  bool `json:"isEnabled"`
		Type       struct {
			ID string `json:"id"`
		} `json:"type"`
		Settings map[string]any `json:"settings"`
	}
	decode := func(t *testing.T, w *httptest.ResponseRecorder) []policy {
		t.Helper()
		var b struct {
			Count int      `json:"count"`
			Value []policy `json:"value"`
		}
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &b) != nil || b.Count != len(b.Value) {
			t.Fatalf("%d %s", w.Code, w.Body.String())
		}
		return b.Value
	}
	cfg := HealthyAzdo()
	cfg.StatusPolicies = append(cfg.StatusPolicies,
		AzdoStatusPolicy{Genre: "SonarQube", Name: "quality gate", RefName: "refs/heads/release/", MatchKind: "Prefix", AllRepositories: true, Optional: true})
	// Every type on main: the build policy and the exact SonarQube gate.
	ps := decode(t, serveOne(t, cfg, azdoReq{host: "dev.azure.com", target: target(azdoProjectID, "refs/heads/main", "")}))
	if len(ps) != 2 || ps[0].Type.ID != azdoBuildPolicyType || ps[1].Settings["statusGenre"] != "SonarQube" || !ps[1].IsBlocking {
		t.Fatalf("main: %+v", ps)
	}
	// The Status type on a release branch: the prefix policy, project-wide.
	ps = decode(t, serveOne(t, cfg, azdoReq{host: "dev.azure.com", target: target(defaultProject, "refs/heads/release/2.0", azdoStatusPolicyType)}))
	scope := ps[0].Settings["scope"].([]any)[0].(map[string]any)
	if len(ps) != 1 || ps[0].IsBlocking || scope["repositoryId"] != nil || scope["matchKind"] != "Prefix" {
		t.Fatalf("release: %+v", ps)
	}
	if ps := decode(t, serveOne(t, cfg, azdoReq{host: "dev.azure.com", target: target(azdoProjectID, "refs/heads/develop", azdoStatusPolicyType)})); len(ps) != 0 {
		t.Fatalf("develop: %+v", ps)
	}
	noScope := HealthyAzdo()
	noScope.NoCodeScope = true
	if w := serveOne(t, noScope, azdoReq{host: "dev.azure.com", target: target(azdoProjectID, "refs/heads/main", "")}); w.Code != 401 {
		t.Errorf("without Code scope: %d", w.Code)
	}
	if w := serveOne(t, cfg, azdoReq{host: "dev.azure.com", target: target("Other", "refs/heads/main", "")}); w.Code != 404 || !strings.Contains(w.Body.String(), "TF200016") {
		t.Errorf("unknown project: %d %s", w.Code, w.Body.String())
	}
}

func TestGitHubBranchAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := func(t *testing.T, cfg GitHub) (*Servers, *github.Client) {
		s, hc := startGitHub(t, cfg)
		c, err := github.New(github.Host{APIURL: "https://api.github.com/", WebHost: "github.com"}, secret.New(s.GHToken), hc)
		if err != nil {
			t.Fatal(err)
		}
		return s, c
	}
	_, c := client(t, HealthyGitHub())
	checks, protected, err := c.BranchProtection(ctx, "contoso", "web-app", "main")
	if err != nil || !protected || len(checks) != 2 || checks[1].Context != "SonarQube Code Analysis" || checks[1].AppID != gitHubSonarAppID {
		t.Fatalf("protection: %+v %v %v", checks, protected, err)
	}
	if checks, rules, err := c.BranchRules(ctx, "contoso", "web-app", "main"); err != nil || rules != 0 || len(checks) != 0 {
		t.Fatalf("rules: %+v %d %v", checks, rules, err)
	}
	if _, protected, err := c.BranchProtection(ctx, "contoso", "web-app", "release/2.0"); err != nil || protected {
		t.Fatalf("an unprotected branch: %v %v", protected, err)
	}
	g := HealthyGitHub()
	g.ProtectionNoAdmin = true
	g.RulesetChecks = map[string][]string{"release/2.0": {"SonarQube Code Analysis"}}
	_, c = client(t, g)
	if _, _, err := c.BranchProtection(ctx, "contoso", "web-app", "main"); github.Classify(err) != github.FailureForbidden {
		t.Fatalf("no admin: %v", err)
	}
	checks, rules, err := c.BranchRules(ctx, "contoso", "web-app", "release/2.0")
	if err != nil || rules != 2 || len(checks) != 1 || checks[0].AppID != gitHubSonarAppID || checks[0].Source != github.SourceRuleset {
		t.Fatalf("rules: %+v %d %v", checks, rules, err)
	}
	g = HealthyGitHub()
	g.NotFound = true
	_, c = client(t, g)
	if _, _, err := c.BranchRules(ctx, "contoso", "web-app", "main"); github.Classify(err) != github.FailureNotFound {
		t.Fatalf("invisible repository: %v", err)
	}
}

// The synthetic checkout must read as a checkout git makes the same way.
func TestSyntheticCheckoutReadsLikeGit(t *testing.T) {
	t.Parallel()
	up := gittest.NewUpstream(t)
	for name, pair := range map[string]struct {
		synthetic Checkout
		real      gittest.Options
	}{
		"full":              {Checkout{}, gittest.Options{}},
		"full, packed":      {Checkout{Packed: true}, gittest.Options{PackRefs: true}},
		"shallow":           {Checkout{Shallow: true}, gittest.Options{Depth: 1}},
		"shallow by commit": {Checkout{ByCommit: true}, gittest.Options{Depth: 1, ByCommit: true}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, err := writeCheckout(t.TempDir(), pair.synthetic)
			if err != nil {
				t.Fatal(err)
			}
			syn, err := gitlocal.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			gitCo, err := gitlocal.OpenRoot(up.Checkout(t, pair.real))
			if err != nil {
				t.Fatal(err)
			}
			if syn.Shallow != gitCo.Shallow || syn.Head.Detached() != gitCo.Head.Detached() || syn.GitFile != gitCo.GitFile {
				t.Errorf("synthetic %+v, git %+v", syn, gitCo)
			}
			for _, b := range []string{"main", prSourceBranch, "develop"} {
				_, fs, err1 := syn.FindBranch(b)
				_, fr, err2 := gitCo.FindBranch(b)
				if fs != fr || err1 != nil || err2 != nil {
					t.Errorf("%s: synthetic %v %v, git %v %v", b, fs, err1, fr, err2)
				}
			}
			sr, _, _ := syn.Refs("refs/remotes/", 50)
			rr, _, _ := gitCo.Refs("refs/remotes/", 50)
			if len(sr) != len(rr) {
				t.Errorf("remote refs: synthetic %v, git %v", sr, rr)
			}
		})
	}
	dir, err := writeCheckout(t.TempDir(), Checkout{NotGit: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gitlocal.OpenRoot(dir); err == nil {
		t.Error("NotGit wrote a .git")
	}
}

func TestPRScenarios(t *testing.T) {
	t.Parallel()
	for _, sc := range prScenarios() {
		if !kebab.MatchString(sc.Name) {
			t.Errorf("%q is not kebab-case", sc.Name)
		}
		if s := strings.TrimSpace(sc.Summary); !strings.HasSuffix(s, ".") || strings.Count(strings.TrimSuffix(s, "."), ". ") > 0 {
			t.Errorf("%s: summary is not one sentence: %q", sc.Name, sc.Summary)
		}
		if len(sc.ExpectText) == 0 {
			t.Errorf("%s: says nothing about its cause (ExpectText)", sc.Name)
		}
		warns := 0
		for id, status := range sc.Expect {
			if status == "warn" || status == "fail" {
				warns++
				if _, ok := sc.ExpectText[id]; !ok {
					t.Errorf("%s: %s is expected to %s without the words that say why", sc.Name, id, status)
				}
			}
		}
		if warns == 0 && !strings.Contains(sc.Name, "gate") {
			t.Errorf("%s: a demo scenario should show a finding", sc.Name)
		}
	}
	for _, name := range []string{"shallow-pr-checkout", "main-branch-renamed", "pr-target-unanalysed", "fork-without-secrets", "no-status-policy"} {
		if _, ok := Lookup(name); !ok {
			t.Errorf("scenario %s is missing", name)
		}
	}
}
