package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sonar-preflight/internal/simulator"
)

// The same checks on every surface: a laptop (no pipeline at all), a classic
// release pipeline (repository variables absent, or describing the primary
// artifact), a container job (paths that differ, a temp folder that may not
// be writable). Checks degrade to what is known and say what they did not
// compare; they never guess.
func TestSurfaces(t *testing.T) {
	t.Parallel()
	pipelineVars := []string{"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT",
		"BUILD_REPOSITORY_NAME", "BUILD_REPOSITORY_PROVIDER", "BUILD_REPOSITORY_URI", "BUILD_REASON", "SYSTEM_PULLREQUEST_PULLREQUESTID"}
	tests := []struct {
		name     string
		scenario string
		env      map[string]string // "" removes
		args     []string
		want     map[string]string
		mentions map[string]string // check id → substring of its message or notes
	}{
		{
			name: "laptop", scenario: "healthy",
			env:      blank(pipelineVars),
			want:     map[string]string{"sonar.devops-config": "pass", "sonar.binding": "pass", "azdo.pat": "skip"},
			mentions: map[string]string{"sonar.devops-config": "not compared", "sonar.binding": "was not compared", "config": "outside a pipeline"},
		},
		{
			// SonarQube's record names the organization, but a URL from
			// SonarQube's data never decides where the PAT goes.
			name: "laptop with a PAT does not send it where SonarQube's record points", scenario: "azdo-healthy",
			env:      blank(pipelineVars),
			want:     map[string]string{"azdo.pat": "skip", "azdo.code-read": "skip"},
			mentions: map[string]string{"azdo.pat": "never to a URL taken from SonarQube's data"},
		},
		{
			name: "laptop with a PAT and the organization named", scenario: "azdo-healthy",
			env:      merge(blank(pipelineVars), map[string]string{"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": "https://dev.azure.com/contoso"}),
			want:     map[string]string{"azdo.pat": "pass", "azdo.code-read": "pass"},
			mentions: map[string]string{"azdo.pat": "Organization URL taken from the organization named for this run (the AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION variable)"},
		},
		{
			name: "classic release without repository variables", scenario: "healthy",
			env: merge(blank([]string{"BUILD_REPOSITORY_NAME", "BUILD_REPOSITORY_PROVIDER", "BUILD_REPOSITORY_URI", "BUILD_REASON", "SYSTEM_PULLREQUEST_PULLREQUESTID"}),
				map[string]string{"SYSTEM_HOSTTYPE": "release", "TF_BUILD": "True"}),
			want:     map[string]string{"sonar.devops-config": "pass", "sonar.binding": "pass"},
			mentions: map[string]string{"sonar.binding": "BUILD_REPOSITORY_NAME is not set", "config": "Release pipeline without repository variables"},
		},
		{
			name: "classic release whose primary artifact is another repository", scenario: "healthy",
			env:      map[string]string{"SYSTEM_HOSTTYPE": "release", "BUILD_REPOSITORY_PROVIDER": "Git", "BUILD_REPOSITORY_NAME": "deploy-scripts"},
			want:     map[string]string{"sonar.devops-config": "pass", "sonar.binding": "warn"},
			mentions: map[string]string{"sonar.binding": "describe the primary artifact"},
		},
		{
			name: "container job whose temp folder cannot be written", scenario: "healthy",
			env:      map[string]string{"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": unwritableDir(t)},
			args:     []string{"--format", "json"},
			want:     map[string]string{"sonar.binding": "pass"},
			mentions: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, ok := simulator.Lookup(tt.scenario)
			if !ok {
				t.Fatalf("no scenario %s", tt.scenario)
			}
			now := testClock(beforeRetirement)
			_, env := startScenario(t, sc, now)
			for k, v := range tt.env {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			st, msg, out := statusOf(t, now, env)
			for id, w := range tt.want {
				if st[id] != w {
					t.Errorf("%s = %s, want %s (%s)", id, st[id], w, msg[id])
				}
			}
			for id, sub := range tt.mentions {
				if !strings.Contains(out, sub) {
					t.Errorf("%s: output lacks %q", id, sub)
				}
			}
		})
	}
}

// In pipeline mode an unwritable temp folder costs the summary, not the run:
// the step still gets its issues, its output variable and its result.
func TestAzpUnwritableSummaryFolder(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("base-url-unset")
	now := testClock(beforeRetirement)
	_, env := startScenario(t, sc, now)
	env["TF_BUILD"] = "True"
	env["AGENT_TEMPDIRECTORY"] = unwritableDir(t)
	code, stdout, _ := runApp(t, now, env)
	for _, want := range []string{"##vso[task.issue type=error;]sonar.base-url", "##vso[task.setvariable variable=verdict;isOutput=true;]fail", "##vso[task.complete result=Failed;"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "##vso[task.uploadsummary]") || code != 1 {
		t.Errorf("exit %d; uploadsummary of a file that was not written would fail the task", code)
	}
}

func blank(keys []string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = ""
	}
	return m
}

func merge(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// On a laptop nothing names the platform; a project bound to GitHub must be
// judged against SonarQube's GitHub records, not reported as missing an
// Azure DevOps one.
func TestLaptopGitHubBinding(t *testing.T) {
	t.Parallel()
	sc, ok := simulator.Lookup("github-healthy")
	if !ok {
		t.Fatal("no github-healthy scenario")
	}
	now := testClock(beforeRetirement)
	_, env := startScenario(t, sc, now)
	for _, k := range []string{"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT", "BUILD_REPOSITORY_NAME",
		"BUILD_REPOSITORY_PROVIDER", "BUILD_REPOSITORY_URI", "BUILD_REASON", "SYSTEM_PULLREQUEST_PULLREQUESTID", "GITHUB_TOKEN"} {
		delete(env, k)
	}
	st, msg, _ := statusOf(t, now, env)
	for _, id := range []string{"sonar.devops-config", "sonar.binding", "sonar.devops-pat"} {
		if st[id] != "pass" {
			t.Errorf("%s = %s (%s)", id, st[id], msg[id])
		}
	}
	if !strings.Contains(msg["sonar.devops-config"], "GitHub record gh") {
		t.Errorf("sonar.devops-config did not judge the GitHub record: %s", msg["sonar.devops-config"])
	}
}

// unwritableDir is a path under which no folder can be made: it lies below
// a regular file.
func unwritableDir(t *testing.T) string {
	f := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(f, "temp")
}
