package cli

import (
	"strings"
	"testing"

	"sonar-preflight/internal/simulator"
)

// asTask turns a simulator's plain environment into what the agent gives the
// task: the service connection as ENDPOINT_*, the other values as INPUT_*.
func asTask(env map[string]string) map[string]string {
	const id = "6c3e5a1b-9f2d-4e8a-b7c4-1d0e2f3a4b5c"
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	move := map[string]string{
		"SONAR_PROJECT_KEY": "INPUT_PROJECTKEY", "SONAR_ADMIN_TOKEN": "INPUT_ADMINTOKEN",
		"AZURE_DEVOPS_EXT_PAT": "INPUT_AZUREDEVOPSPAT", "GITHUB_TOKEN": "INPUT_GITHUBTOKEN",
	}
	for plain, input := range move {
		if v, ok := out[plain]; ok {
			out[input] = v
			delete(out, plain)
		}
	}
	out["INPUT_SONARQUBE"] = id
	out["ENDPOINT_URL_"+id] = out["SONAR_HOST_URL"]
	out["ENDPOINT_AUTH_PARAMETER_"+id+"_USERNAME"] = out["SONAR_TOKEN"]
	delete(out, "SONAR_HOST_URL")
	delete(out, "SONAR_TOKEN")
	out["TF_BUILD"] = "True"
	return out
}

// Every remedy names the place the value came from, or where this kind of
// run takes it: a task step's input, the service connection, a variable; no
// variable names of the agent's (INPUT_*, ENDPOINT_*).
func TestRemediesNameTheSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		task     bool
		drop     string // a plain variable removed before the run
		check    string
		want     string // in the check's message, remedy or notes
	}{
		{"pat-expired", true, "", "azdo.pat", "into the secret variable behind the task's azureDevOpsPat input"},
		{"pat-expired", false, "", "azdo.pat", "into the AZURE_DEVOPS_EXT_PAT variable"},
		{"pat-expired", true, "", "azdo.pat", "the pipeline's PAT (from the task's azureDevOpsPat input) fails"},
		{"global-pat", true, "", "azdo.global-pat", "in the secret variable behind the task's azureDevOpsPat input"},
		{"token-not-admin", true, "", "sonar.devops-config", "admin token in the task's adminToken input"},
		{"token-not-admin", false, "", "sonar.devops-config", "admin token in the SONAR_ADMIN_TOKEN variable"},
		{"azdo-healthy", true, "AZURE_DEVOPS_EXT_PAT", "azdo.pat", "in the task's azureDevOpsPat input"},
		{"azdo-healthy", false, "AZURE_DEVOPS_EXT_PAT", "azdo.pat", "in the AZURE_DEVOPS_EXT_PAT variable"},
		{"healthy", true, "", "config", "token from the SonarQube service connection's Token, project key from the task's projectKey input"},
		{"healthy", false, "", "config", "Server URL from the SONAR_HOST_URL variable"},
		// Checks that name where a missing credential would go.
		{"healthy", true, "", "sonar.devops-pat", "give the same PAT in the task's azureDevOpsPat input"},
		{"healthy", false, "", "sonar.devops-pat", "give the same PAT in the AZURE_DEVOPS_EXT_PAT variable"},
		{"pat-rejected", true, "", "sonar.devops-pat", "Give the same PAT in the task's azureDevOpsPat input"},
		{"healthy", true, "", "sonar.main-branch", "no Azure DevOps PAT was given (the task's azureDevOpsPat input)"},
		{"github-no-token", true, "", "sonar.main-branch", "no GitHub token was given (the task's gitHubToken input)"},
		{"github-no-token", false, "", "sonar.main-branch", "no GitHub token was given (the GITHUB_TOKEN variable)"},
		{"analysis-token", true, "", "sonar.token", "need an admin token (a user token of an administrator) in the task's adminToken input"},
		{"base-url-invisible", true, "", "sonar.base-url", "in the task's adminToken input so that the value SonarQube uses can be read"},
		{"base-url-invisible", false, "", "sonar.base-url", "in the SONAR_ADMIN_TOKEN variable so that the value SonarQube uses can be read"},
	}
	for _, tt := range tests {
		name := tt.scenario + "/" + map[bool]string{true: "task", false: "command line"}[tt.task] + "/" + tt.check
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc, ok := simulator.Lookup(tt.scenario)
			if !ok {
				t.Fatalf("no scenario %s", tt.scenario)
			}
			now := testClock(beforeRetirement)
			_, env := startScenario(t, sc, now)
			delete(env, tt.drop)
			if tt.task {
				env = asTask(env)
			}
			_, _, out := statusOf(t, now, env)
			if !strings.Contains(out, tt.want) {
				t.Errorf("%s does not say %q:\n%s", tt.check, tt.want, out)
			}
			for _, internal := range []string{"INPUT_", "ENDPOINT_", "httpx"} {
				if strings.Contains(out, internal) {
					t.Errorf("the report shows the internal name %s:\n%s", internal, out)
				}
			}
		})
	}
}
