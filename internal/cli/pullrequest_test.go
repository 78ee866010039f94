package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/gitlocal/gittest"
	"sonar-preflight/internal/simulator"
)

// prCheck is one check of a JSON report.
type prCheck struct {
	ID, Status, Message, Remedy string
	Notes                       []string
}

func (c prCheck) text() string {
	return c.Message + "\n" + c.Remedy + "\n" + strings.Join(c.Notes, "\n")
}

// runPR runs the whole program against sc with env edits laid over the
// simulator's environment ("" removes a variable) and returns its checks.
func runPR(t *testing.T, sc simulator.Scenario, edits map[string]string, app App, opts ...func(*simulator.Options)) map[string]prCheck {
	t.Helper()
	now := testClock(beforeRetirement)
	o := simulator.Options{Dir: t.TempDir(), Now: now}
	for _, f := range opts {
		f(&o)
	}
	sim, err := simulator.Start(sc, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	env := sim.Env()
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	for k, v := range edits {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	app.Now = now
	var stdout, stderr bytes.Buffer
	code := app.Run(context.Background(), []string{"--format", "json"}, func(k string) string { return env[k] }, &stdout, &stderr)
	var rep struct {
		Verdict string    `json:"verdict"`
		Checks  []prCheck `json:"checks"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if (code == ExitFail) != (rep.Verdict == "fail") {
		t.Errorf("exit code %d for verdict %s", code, rep.Verdict)
	}
	assertNoSecrets(t, secretsOf(sim, env), stdout.String(), stderr.String())
	out := map[string]prCheck{}
	for _, c := range rep.Checks {
		out[c.ID] = c
	}
	return out
}

// want asserts a check's status and the words that name its cause.
func want(t *testing.T, checks map[string]prCheck, id, status string, words ...string) {
	t.Helper()
	c, ok := checks[id]
	if !ok {
		t.Errorf("%s: absent from the report", id)
		return
	}
	if c.Status != status {
		t.Errorf("%s: %s, want %s: %s", id, c.Status, status, c.text())
	}
	for _, w := range words {
		if !strings.Contains(c.text(), w) {
			t.Errorf("%s does not say %q:\n%s", id, w, c.text())
		}
	}
}

// TestPRChecksAgainstRealCheckouts points repo.history at checkouts that
// git itself made, the way the agent makes them, in a pull-request build
// into main.
func TestPRChecksAgainstRealCheckouts(t *testing.T) {
	t.Parallel()
	up := gittest.NewUpstream(t)
	tests := []struct {
		name   string
		opts   gittest.Options
		status string
		words  []string
	}{
		{name: "full history", opts: gittest.Options{}, status: "pass",
			words: []string{"has its full history", "the pull request's merge commit", "refs/remotes/origin/main"}},
		{name: "full history, packed refs", opts: gittest.Options{PackRefs: true}, status: "pass", words: []string{"refs/remotes/origin/main"}},
		{name: "agent's shallow default (by commit)", opts: gittest.Options{Depth: 1, ByCommit: true}, status: "warn",
			words: []string{"shallow", "Could not find ref 'main'", "fetchDepth: 0", "refs/remotes/origin/" + up.Merge}},
		{name: "shallow with branches", opts: gittest.Options{Depth: 1}, status: "warn", words: []string{"No merge base found", "fetchDepth: 0"}},
		{name: "target branch absent", opts: gittest.Options{NoBranches: true}, status: "warn",
			words: []string{"Could not find ref 'main'", "git fetch --no-tags origin +refs/heads/main:refs/remotes/origin/main"}},
		{name: "linked worktree, shallow", opts: gittest.Options{Depth: 1, Worktree: true}, status: "warn", words: []string{"shallow", "linked worktree"}},
		{name: "linked worktree, full", opts: gittest.Options{Worktree: true}, status: "pass", words: []string{"linked worktree"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := up.Checkout(t, tt.opts)
			checks := runPR(t, scenario(t, "azdo-healthy"), map[string]string{
				"BUILD_SOURCEBRANCH": "refs/pull/" + gittest.PRNumber + "/merge", "BUILD_SOURCESDIRECTORY": dir,
			}, App{})
			want(t, checks, "repo.history", tt.status, tt.words...)
		})
	}

	// Outside a pull request only the history matters.
	t.Run("branch build, shallow", func(t *testing.T) {
		t.Parallel()
		dir := up.Checkout(t, gittest.Options{Depth: 1, ByCommit: true})
		checks := runPR(t, scenario(t, "azdo-healthy"), map[string]string{
			"BUILD_REASON": "IndividualCI", "BUILD_SOURCEBRANCH": "refs/heads/main", "SYSTEM_PULLREQUEST_PULLREQUESTID": "",
			"SYSTEM_PULLREQUEST_TARGETBRANCH": "", "SYSTEM_PULLREQUEST_SOURCEBRANCH": "", "BUILD_SOURCESDIRECTORY": dir,
		}, App{})
		want(t, checks, "repo.history", "warn", "shallow")
		if strings.Contains(checks["repo.history"].text(), "target branch") {
			t.Errorf("a branch build looked for a target branch: %s", checks["repo.history"].text())
		}
		want(t, checks, "sonar.pr-target", "skip", "Not a pull-request build")
		want(t, checks, "azdo.pr-gate", "pass", "the repository's default branch")
	})
	// Several checkout steps put the repository in a subdirectory named after it.
	t.Run("multi-repository checkout", func(t *testing.T) {
		t.Parallel()
		dir := up.Checkout(t, gittest.Options{})
		s := filepath.Join(t.TempDir(), "s")
		if err := os.MkdirAll(s, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir, filepath.Join(s, "web-app")); err != nil {
			t.Fatal(err)
		}
		checks := runPR(t, scenario(t, "azdo-healthy"), map[string]string{"BUILD_SOURCESDIRECTORY": s}, App{})
		want(t, checks, "repo.history", "pass", "subdirectory web-app")
	})
	// No BUILD_SOURCESDIRECTORY: the working directory, injected, and its parents.
	t.Run("working directory", func(t *testing.T) {
		t.Parallel()
		dir := up.Checkout(t, gittest.Options{Depth: 1})
		sub := filepath.Join(dir, "src")
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		checks := runPR(t, scenario(t, "azdo-healthy"), map[string]string{"BUILD_SOURCESDIRECTORY": ""},
			App{Getwd: func() (string, error) { return sub, nil }})
		want(t, checks, "repo.history", "warn", "(from the working directory)")
		if !strings.Contains(checks["repo.history"].Message, "Read from "+dir+" ") {
			t.Errorf("the checkout was not found at %s, the working directory's parent:\n%s", dir, checks["repo.history"].text())
		}
		none := runPR(t, scenario(t, "azdo-healthy"), map[string]string{"BUILD_SOURCESDIRECTORY": ""}, App{})
		want(t, none, "repo.history", "skip", "no working directory is known")
	})
	t.Run("not a Git checkout", func(t *testing.T) {
		t.Parallel()
		tfvc := t.TempDir()
		if err := os.Mkdir(filepath.Join(tfvc, "$tf"), 0o755); err != nil {
			t.Fatal(err)
		}
		checks := runPR(t, scenario(t, "azdo-healthy"), map[string]string{"BUILD_SOURCESDIRECTORY": tfvc}, App{})
		want(t, checks, "repo.history", "skip", "is not a Git checkout")
		gone := runPR(t, scenario(t, "azdo-healthy"), map[string]string{"BUILD_SOURCESDIRECTORY": filepath.Join(tfvc, "missing")}, App{})
		want(t, gone, "repo.history", "skip", "does not exist")
		// A .git file whose git directory is gone: unreadable, not "not Git".
		broken := t.TempDir()
		if err := os.WriteFile(filepath.Join(broken, ".git"), []byte("gitdir: ../elsewhere/.git/worktrees/s\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		bad := runPR(t, scenario(t, "azdo-healthy"), map[string]string{"BUILD_SOURCESDIRECTORY": broken}, App{})
		want(t, bad, "repo.history", "warn", "Could not verify the checkout's history", "has no HEAD")
	})
}

// TestPRChecksVerdicts covers the verdicts the registered scenarios do not.
func TestPRChecksVerdicts(t *testing.T) {
	t.Parallel()
	azdo := func(edit func(*simulator.Scenario)) simulator.Scenario {
		sc := scenario(t, "azdo-healthy")
		if edit != nil {
			edit(&sc)
		}
		return sc
	}
	unanalysedMain := []simulator.SonarBranch{{Name: "main", Main: true}}
	renamed := []simulator.SonarBranch{{Name: "master", Main: true, AnalysedAgo: 48 * time.Hour}}
	tests := []struct {
		name   string
		sc     simulator.Scenario
		edits  map[string]string
		opts   []func(*simulator.Options)
		id     string
		status string
		words  []string
	}{
		{name: "healthy Azure Repos pull request", sc: azdo(nil), id: "sonar.main-branch", status: "pass", words: []string{"from Azure DevOps"}},
		{name: "main branch renamed, no second branch", sc: azdo(func(sc *simulator.Scenario) { sc.Sonar.Branches = renamed }),
			id: "sonar.main-branch", status: "warn", words: []string{`named "master"`, "api/project_branches/rename", "name=main"}},
		{name: "main branch renamed on 9.9: set_main does not exist", sc: azdo(func(sc *simulator.Scenario) {
			sc.Sonar.Version = "9.9.8.100196"
			sc.Sonar.Branches = append(renamed, simulator.SonarBranch{Name: "main", AnalysedAgo: time.Hour})
		}), id: "sonar.main-branch", status: "warn", words: []string{"delete branch main", "already exists"}},
		{name: "main branch without a PAT", sc: scenario(t, "healthy"), id: "sonar.main-branch", status: "skip",
			words: []string{`main branch of project fabrikam-web-app is "main"`, "no Azure DevOps PAT was given (the AZURE_DEVOPS_EXT_PAT variable)"}},
		{name: "GitHub default branch", sc: scenario(t, "github-healthy"), id: "sonar.main-branch", status: "pass", words: []string{"from GitHub"}},
		{name: "target is a main branch never analysed", sc: azdo(func(sc *simulator.Scenario) { sc.Sonar.Branches = unanalysedMain }),
			id: "sonar.pr-target", status: "warn", words: []string{"never analysed", "-Dsonar.branch.name=main"}},
		{name: "target differs only in letter case", sc: azdo(func(sc *simulator.Scenario) {
			sc.Sonar.Branches = []simulator.SonarBranch{{Name: "main", Main: true, AnalysedAgo: time.Hour}, {Name: "Release/2.0", AnalysedAgo: time.Hour}}
		}), edits: map[string]string{"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/release/2.0"},
			id: "sonar.pr-target", status: "warn", words: []string{"Release/2.0, which differs only in letter case"}},
		{name: "GitHub target without refs/heads", sc: scenario(t, "github-healthy"), id: "sonar.pr-target", status: "pass", words: []string{"target branch main has been analysed"}},
		// sonar.edition fails the pull-request build: pr-target must not
		// say what the pull request is compared with.
		{name: "Community Edition analyses no pull request", sc: scenario(t, "community-edition-pr"), id: "sonar.pr-target", status: "skip",
			words: []string{"Community Edition does not analyse pull requests (see sonar.edition)"}},
		{name: "project missing", sc: azdo(func(sc *simulator.Scenario) { sc.Sonar.ProjectMissing = true }), id: "sonar.pr-target", status: "skip", words: []string{"does not exist on this SonarQube server"}},
		{name: "optional status policy", sc: azdo(func(sc *simulator.Scenario) {
			p := simulator.SonarQubeGate("refs/heads/main")
			p.Optional = true
			sc.Azdo.StatusPolicies = []simulator.AzdoStatusPolicy{p}
		}), id: "azdo.pr-gate", status: "pass", words: []string{"optional status policy", "does not block merges"}},
		{name: "conditional policy, project-wide, community plugin's name", sc: azdo(func(sc *simulator.Scenario) {
			sc.Azdo.StatusPolicies = []simulator.AzdoStatusPolicy{{Genre: "SonarQube", Name: "QualityGate", RefName: "refs/heads/main", MatchKind: "Exact", Conditional: true, AllRepositories: true}}
		}), id: "azdo.pr-gate", status: "pass", words: []string{"SonarQube/QualityGate", "Apply only when status is posted"}},
		{name: "loosely named status", sc: azdo(func(sc *simulator.Scenario) {
			sc.Azdo.StatusPolicies = []simulator.AzdoStatusPolicy{{Genre: "sonarqube-prod", Name: "gate", RefName: "refs/heads/", MatchKind: "Prefix"}}
		}), id: "azdo.pr-gate", status: "pass", words: []string{"Compared loosely", "sonarqube-prod/gate"}},
		{name: "disabled SonarQube policy", sc: azdo(func(sc *simulator.Scenario) {
			p := simulator.SonarQubeGate("refs/heads/main")
			p.Disabled = true
			sc.Azdo.StatusPolicies = []simulator.AzdoStatusPolicy{p}
		}), id: "azdo.pr-gate", status: "warn", words: []string{"will not block merges", "exists but is disabled"}},
		{name: "policy on another branch only", sc: azdo(nil), edits: map[string]string{"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/develop"},
			id: "azdo.pr-gate", status: "warn", words: []string{"branch develop (the pull request's target branch)", "Branch Policies > develop"}},
		{name: "policies unreadable", sc: azdo(nil), opts: []func(*simulator.Options){func(o *simulator.Options) {
			o.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.Contains(r.URL.Path, "/_apis/git/policy/") {
					return false
				}
				w.Header().Set("Www-Authenticate", "Basic realm=\"https://tfsprodweu2.visualstudio.com/\"")
				w.WriteHeader(http.StatusUnauthorized)
				return true
			}
		}}, id: "azdo.pr-gate", status: "warn", words: []string{"Could not verify", "Code (Read)"}},
		{name: "on-premises server", sc: scenario(t, "azdo-on-prem"), id: "azdo.pr-gate", status: "pass", words: []string{"SonarQube/quality gate"}},
		{name: "no code scope: the gate is not asked for", sc: scenario(t, "no-code-scope"), id: "azdo.pr-gate", status: "skip", words: []string{"azdo.code-read"}},
		{name: "GitHub branch build checks the default branch", sc: scenario(t, "github-healthy"),
			edits: map[string]string{"BUILD_REASON": "IndividualCI", "SYSTEM_PULLREQUEST_PULLREQUESTID": "", "SYSTEM_PULLREQUEST_TARGETBRANCH": ""},
			id:    "github.pr-gate", status: "pass", words: []string{"the repository's default branch", "(branch protection)"}},
		{name: "GitHub Enterprise without rulesets", sc: scenario(t, "github-enterprise"), opts: []func(*simulator.Options){func(o *simulator.Options) {
			o.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.Contains(r.URL.Path, "/rules/branches/") {
					return false
				}
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/enterprise-server@3.14/rest"}`))
				return true
			}
		}}, id: "github.pr-gate", status: "pass", words: []string{"SonarQube Code Analysis (branch protection)"}},
		{name: "GitHub without protection at all", sc: func() simulator.Scenario {
			sc := scenario(t, "github-healthy")
			sc.GitHub.Protection = nil
			return sc
		}(), id: "github.pr-gate", status: "warn", words: []string{"no branch protection rule, and no ruleset applies", "will not block merges"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checks := runPR(t, tt.sc, tt.edits, App{}, tt.opts...)
			want(t, checks, tt.id, tt.status, tt.words...)
		})
	}
}

// The healthy scenarios pass the pull-request checks, or skip what they
// cannot compare; none of them warns.
func TestPRChecksInHealthyScenarios(t *testing.T) {
	t.Parallel()
	for name, expect := range map[string]map[string]string{
		"azdo-healthy":   {"repo.history": "pass", "sonar.main-branch": "pass", "sonar.pr-target": "pass", "azdo.pr-gate": "pass"},
		"github-healthy": {"repo.history": "pass", "sonar.main-branch": "pass", "sonar.pr-target": "pass", "github.pr-gate": "pass"},
		"healthy":        {"repo.history": "pass", "sonar.main-branch": "skip", "sonar.pr-target": "pass", "azdo.pr-gate": "skip"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checks := runPR(t, scenario(t, name), nil, App{})
			for id, status := range expect {
				want(t, checks, id, status)
			}
		})
	}
}
