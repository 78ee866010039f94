package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/simulator"
)

// checkOf runs the whole program on env and returns the JSON entry of check id.
func checkOf(t *testing.T, now func() time.Time, env map[string]string, id string) (status, text string) {
	t.Helper()
	_, stdout, stderr := runApp(t, now, env, "--format", "json")
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s\n%s", err, stdout, stderr)
	}
	for _, c := range rep.Checks {
		if c.ID == id {
			return c.Status, c.Message + "\n" + c.Remedy + "\n" + strings.Join(c.Notes, "\n")
		}
	}
	t.Fatalf("no check %s in\n%s", id, stdout)
	return "", ""
}

func scenario(t *testing.T, name string) simulator.Scenario {
	t.Helper()
	sc, ok := simulator.Lookup(name)
	if !ok {
		t.Fatalf("no scenario %s", name)
	}
	return sc
}

// withoutPipeline removes every Azure Pipelines variable: a laptop.
func withoutPipeline(env map[string]string) {
	for k := range env {
		if strings.HasPrefix(k, "SYSTEM_") || strings.HasPrefix(k, "BUILD_") || k == "TF_BUILD" {
			delete(env, k)
		}
	}
}

// TestSonarRules holds the SonarQube-side rules' conclusions that a
// scenario's Expect cannot state alone: what a remedy must not say, where
// the environment differs from the scenario's, and the clock.
func TestSonarRules(t *testing.T) {
	t.Parallel()
	after := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		scenario string
		edit     func(sc *simulator.Scenario)
		env      func(sim *simulator.Servers, env map[string]string)
		at       time.Time
		check    string
		status   string
		says     []string
		saysNot  []string
	}{
		{name: "wrong organization: the binding remedy asks only for what is wrong", scenario: "wrong-organization",
			check: "sonar.binding", status: "fail",
			says:    []string{"record ado points at https://dev.azure.com/contoso", "repoint"},
			saysNot: []string{"project name", "repository name", "set project"}},
		{name: "wrong organization on Enterprise: create a record, then bind", scenario: "enterprise-other-organization",
			check: "sonar.binding", status: "fail",
			says: []string{"First give SonarQube an Azure DevOps record for https://dev.azure.com/contoso"}, saysNot: []string{"project name"}},
		{name: "Developer Edition is never told to create another record", scenario: "wrong-organization",
			check: "sonar.devops-config", status: "fail",
			says: []string{"repoint record ado", "Enterprise Edition"}, saysNot: []string{"Create configuration", "create a record"}},
		{name: "laptop: the token remedy names SONAR_TOKEN", scenario: "token-rejected",
			env:   func(_ *simulator.Servers, env map[string]string) { withoutPipeline(env) },
			check: "sonar.token", status: "fail",
			says: []string{"the SONAR_TOKEN environment variable"}, saysNot: []string{"service connection"}},
		{name: "pipeline variable: the token remedy names the variable", scenario: "token-rejected",
			env:   func(_ *simulator.Servers, env map[string]string) { env["TF_BUILD"] = "True" },
			check: "sonar.token", status: "fail",
			says: []string{"the SONAR_TOKEN variable this pipeline sets"}, saysNot: []string{"service connection"}},
		{name: "service connection: the token remedy names it", scenario: "token-rejected",
			env: func(sim *simulator.Servers, env map[string]string) {
				const id = "0f3c2a1b-5d4e-4f6a-8b7c-9d0e1f2a3b4c"
				env["TF_BUILD"] = "True"
				env["INPUT_SONARQUBE"] = id
				env["ENDPOINT_URL_"+id] = env["SONAR_HOST_URL"]
				env["ENDPOINT_AUTH_PARAMETER_"+id+"_USERNAME"] = sim.Token
				delete(env, "SONAR_HOST_URL")
				delete(env, "SONAR_TOKEN")
			},
			check: "sonar.token", status: "fail",
			says: []string{"service connection's Token field"}, saysNot: []string{"SONAR_TOKEN"}},
		{name: "before the retirement the validate remedy does not name global PATs", scenario: "pat-rejected",
			check: "sonar.devops-pat", status: "fail",
			says:    []string{"SonarQube's own path to Azure DevOps", "do not cause this message"},
			saysNot: []string{"All accessible organizations"}},
		{name: "from 2026-12-01 the validate remedy names a retired global PAT and how to tell", scenario: "pat-rejected", at: after,
			check: "sonar.devops-pat", status: "fail",
			says: []string{"global one (\"All accessible organizations\")", "Organization column"}},
		{name: "2025: the validate remedy names redirects", scenario: "pat-rejected",
			edit:  func(sc *simulator.Scenario) { sc.Sonar.Version = "2025.1.0.102418" },
			check: "sonar.devops-pat", status: "fail", says: []string{"follows none"}},
		{name: "the admin token reads the effective base URL", scenario: "base-url-invisible",
			env:   func(_ *simulator.Servers, env map[string]string) { env["SONAR_ADMIN_TOKEN"] = "{{admintoken}}" },
			check: "sonar.base-url", status: "pass", says: []string{"comes from sonar.properties"}},
		{name: "a bad UI value is not known to be used without Administer System", scenario: "base-url-loopback",
			edit:  func(sc *simulator.Scenario) { sc.Sonar.UserNotAdmin = true },
			check: "sonar.base-url", status: "warn", says: []string{"points at the SonarQube machine itself", "give an admin token in the SONAR_ADMIN_TOKEN variable"}},
		{name: "unset everywhere is a failure naming SonarQube's fallback", scenario: "base-url-unset",
			check: "sonar.base-url", status: "fail", says: []string{"http://localhost:9000"}},
		{name: "laptop: the bound record's shape is judged", scenario: "record-url-project-path",
			env:   func(_ *simulator.Servers, env map[string]string) { withoutPipeline(env) },
			check: "sonar.devops-config", status: "fail", says: []string{"https://dev.azure.com/contoso/Fabrikam", "set the Azure DevOps URL to https://dev.azure.com/contoso"}},
		{name: "a Server record without its collection", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "https://tfs.contoso.example/tfs"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://tfs.contoso.example/tfs/DefaultCollection/"
				env["BUILD_REPOSITORY_URI"] = "https://tfs.contoso.example/tfs/DefaultCollection/Fabrikam/_git/web-app"
			},
			check: "sonar.devops-config", status: "fail",
			says: []string{"but no collection", "set the Azure DevOps URL to https://tfs.contoso.example/tfs/DefaultCollection"}},
		{name: "a Server record with a virtual directory the pipeline confirms", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "https://ado.contoso.example/azdo/Main"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://ado.contoso.example/azdo/Main/"
				env["BUILD_REPOSITORY_URI"] = "https://ado.contoso.example/azdo/Main/Fabrikam/_git/web-app"
			},
			check: "sonar.devops-config", status: "pass", says: []string{"points at this pipeline's organization"}},
		// The pipeline's collection URL settles where a collection ends: a
		// record for another collection under the same virtual directory is
		// another collection, not this one with a path below it.
		{name: "a Server record for another collection under the same virtual directory", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "https://ado.contoso.example/azdo/Archive"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://ado.contoso.example/azdo/Main/"
				env["BUILD_REPOSITORY_URI"] = "https://ado.contoso.example/azdo/Main/Fabrikam/_git/web-app"
			},
			check: "sonar.devops-config", status: "fail", says: []string{"No Azure DevOps configuration record points at this pipeline's organization https://ado.contoso.example/azdo/Main/"}},
		{name: "a binding to another collection under the same virtual directory", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "https://ado.contoso.example/azdo/Archive"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://ado.contoso.example/azdo/Main/"
				env["BUILD_REPOSITORY_URI"] = "https://ado.contoso.example/azdo/Main/Fabrikam/_git/web-app"
			},
			check: "sonar.binding", status: "fail", says: []string{"its record points at https://ado.contoso.example/azdo/Archive, not this pipeline's organization"}},
		// Without the pipeline, where a Server collection ends is a
		// convention: the corrected URL is offered for one reading only.
		{name: "laptop: a Server record with a possible virtual directory is a warning with a conditional fix", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "https://ado.contoso.example/azdo/Main"
			},
			env:   func(_ *simulator.Servers, env map[string]string) { withoutPipeline(env) },
			check: "sonar.devops-config", status: "warn",
			says:    []string{"may have the wrong shape", "if the path after https://ado.contoso.example/azdo is a project", "it is right as it is"},
			saysNot: []string{"has the wrong shape", "set the Azure DevOps URL to https://ado.contoso.example/azdo ("}},
		// A collection named "tfs" at the server's root: the /tfs convention
		// would call the record collection-less; the pipeline says otherwise.
		{name: "a Server collection named tfs the pipeline confirms", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "https://ado.contoso.example/tfs"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://ado.contoso.example/tfs/"
				env["BUILD_REPOSITORY_URI"] = "https://ado.contoso.example/tfs/Fabrikam/_git/web-app"
			},
			check: "sonar.devops-config", status: "pass", says: []string{"points at this pipeline's organization"}},
		// Azure DevOps Server answers to several names: the pipeline's
		// collection on another host may be SonarQube's way to the same one.
		{name: "a Server record naming the pipeline's collection on another host name", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "http://tfs01:8080/tfs/DefaultCollection"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://tfs.contoso.example/tfs/DefaultCollection/"
				env["BUILD_REPOSITORY_URI"] = "https://tfs.contoso.example/tfs/DefaultCollection/Fabrikam/_git/web-app"
			},
			check: "sonar.devops-config", status: "warn",
			says: []string{"Could not verify", "same collection on another host name", "If http://tfs01:8080/tfs/DefaultCollection is not this pipeline's Azure DevOps Server"}},
		{name: "a binding through a record naming the pipeline's collection on another host name", scenario: "healthy",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.AzureRecords[0].URL = "http://tfs01:8080/tfs/DefaultCollection"
			},
			env: func(_ *simulator.Servers, env map[string]string) {
				env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://tfs.contoso.example/tfs/DefaultCollection/"
				env["BUILD_REPOSITORY_URI"] = "https://tfs.contoso.example/tfs/DefaultCollection/Fabrikam/_git/web-app"
			},
			check: "sonar.binding", status: "pass", says: []string{"on another host name (http://tfs01:8080/tfs/DefaultCollection"}},
		{name: "an analysis token with an admin token verifies everything", scenario: "analysis-token",
			env:   func(_ *simulator.Servers, env map[string]string) { env["SONAR_ADMIN_TOKEN"] = "{{admintoken}}" },
			check: "sonar.devops-pat", status: "pass", says: []string{"validated"}},
		{name: "an analysis token as the admin token", scenario: "token-not-admin",
			edit: func(sc *simulator.Scenario) { sc.Sonar.TokenKind = "global-analysis" },
			env: func(sim *simulator.Servers, env map[string]string) {
				env["SONAR_ADMIN_TOKEN"] = sim.Token
				env["SONAR_TOKEN"] = sim.Token
			},
			check: "sonar.binding", status: "warn", says: []string{"The admin token (from the SONAR_ADMIN_TOKEN variable) is a global analysis token", "Give an admin token in the SONAR_ADMIN_TOKEN variable"}},
		// A branch plugin would show in api/features/list: when it cannot
		// be read, Community Build named by the version scheme alone is
		// likely, not known, to fail a pull-request analysis.
		{name: "community build by version scheme alone on a pull-request build: a warning", scenario: "community-edition-pr",
			edit: func(sc *simulator.Scenario) {
				sc.Sonar.Version = "25.3.0.104237"
				sc.Sonar.InternalAPIsBlocked = true
			},
			check: "sonar.edition", status: "warn",
			says: []string{"Community Build", "will likely fail", "unless a plugin adds branch support"}},
		{name: "community branch build: a warning naming the edition", scenario: "community-build-branch",
			check: "sonar.edition", status: "warn", says: []string{"Community Build"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := scenario(t, tt.scenario)
			if tt.edit != nil {
				tt.edit(&sc)
			}
			at := beforeRetirement
			if !tt.at.IsZero() {
				at = tt.at
			}
			now := testClock(at)
			sim, env := startScenario(t, sc, now)
			if tt.env != nil {
				tt.env(sim, env)
				for k, v := range env {
					env[k] = strings.NewReplacer("{{admintoken}}", sim.AdminToken, "{{token}}", sim.Token).Replace(v)
				}
			}
			status, text := checkOf(t, now, env, tt.check)
			if status != tt.status {
				t.Errorf("%s: status %s, want %s\n%s", tt.check, status, tt.status, text)
			}
			for _, w := range tt.says {
				if !strings.Contains(text, w) {
					t.Errorf("%s does not say %q:\n%s", tt.check, w, text)
				}
			}
			for _, w := range tt.saysNot {
				if strings.Contains(text, w) {
					t.Errorf("%s says %q:\n%s", tt.check, w, text)
				}
			}
		})
	}
}
