package config

import (
	"context"
	"strings"
	"testing"
)

func TestPipelinePullRequest(t *testing.T) {
	t.Parallel()
	base := map[string]string{"SONAR_HOST_URL": "https://sq", "SONAR_TOKEN": "t", "SONAR_PROJECT_KEY": "k"}
	tests := []struct {
		name       string
		env        map[string]string
		wantPR     bool
		wantTarget string
		wantFork   bool
	}{
		{name: "branch build", env: map[string]string{"BUILD_REASON": "IndividualCI", "BUILD_SOURCEBRANCH": "refs/heads/main"}},
		{name: "laptop", env: nil},
		{name: "Azure Repos pull request", wantPR: true, wantTarget: "release/1.2", env: map[string]string{
			"BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTID": "42",
			"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/release/1.2", "SYSTEM_PULLREQUEST_ISFORK": "False",
		}},
		// GitHub pull requests name the target without refs/heads/.
		{name: "GitHub pull request from a fork", wantPR: true, wantTarget: "main", wantFork: true, env: map[string]string{
			"BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTID": "1234567", "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "17",
			"SYSTEM_PULLREQUEST_TARGETBRANCH": "main", "SYSTEM_PULLREQUEST_ISFORK": "True",
		}},
		{name: "reason missing, id set", wantPR: true, env: map[string]string{"SYSTEM_PULLREQUEST_PULLREQUESTID": "7"}},
		{name: "reason in another case", wantPR: true, env: map[string]string{"BUILD_REASON": "pullrequest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			p := Load(context.Background(), getenv(env), Flags{}).Pipeline
			if got := p.IsPullRequest(); got != tt.wantPR {
				t.Errorf("IsPullRequest() = %v", got)
			}
			if got := p.TargetBranch(); got != tt.wantTarget {
				t.Errorf("TargetBranch() = %q, want %q", got, tt.wantTarget)
			}
			if p.PRIsFork != tt.wantFork {
				t.Errorf("PRIsFork = %v", p.PRIsFork)
			}
			if p.SourceBranch != env["BUILD_SOURCEBRANCH"] || p.PullRequestNumber != env["SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"] {
				t.Errorf("pipeline %+v", p)
			}
		})
	}
}

func TestBranchName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"refs/heads/main": "main", "main": "main", " refs/heads/feature/x ": "feature/x",
		"refs/pull/42/merge": "refs/pull/42/merge", "": "",
	} {
		if got := BranchName(in); got != want {
			t.Errorf("BranchName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A fork's build gets no secrets: its token problems say so and offer the
// choices, instead of the usual "put a token in the service connection".
func TestForkWithoutSecrets(t *testing.T) {
	t.Parallel()
	const endpoint = "0d7ab4f2-5a1e-4c36-9b8e-2f1c0e9d7a11"
	tests := []struct {
		name string
		env  map[string]string
		want int // problems carrying the fork remedy
	}{
		{name: "token is an unexpanded macro", want: 1, env: map[string]string{
			"SONAR_HOST_URL": "https://sq", "SONAR_PROJECT_KEY": "k", "SONAR_TOKEN": "$(SONAR_TOKEN)"}},
		{name: "service connection withheld", want: 1, env: map[string]string{
			"INPUT_SONARQUBE": endpoint, "SONAR_PROJECT_KEY": "k"}},
		{name: "PAT macro too", want: 2, env: map[string]string{
			"SONAR_HOST_URL": "https://sq", "SONAR_PROJECT_KEY": "k", "SONAR_TOKEN": "", "AZURE_DEVOPS_EXT_PAT": "$(AzureDevOpsPat)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, fork := range []bool{true, false} {
				env := map[string]string{"BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTID": "9"}
				if fork {
					env["SYSTEM_PULLREQUEST_ISFORK"] = "True"
				}
				for k, v := range tt.env {
					env[k] = v
				}
				c := Load(context.Background(), getenv(env), Flags{})
				n := 0
				for _, p := range c.Problems {
					if p.Remedy == forkRemedy {
						n++
						if !strings.Contains(p.Message, "pull request from a fork") {
							t.Errorf("message %q does not say why", p.Message)
						}
					}
				}
				want := tt.want
				if !fork {
					want = 0
				}
				if n != want {
					t.Errorf("fork=%v: %d problems with the fork remedy, want %d: %+v", fork, n, want, c.Problems)
				}
			}
		})
	}
	for _, words := range []string{"Make secrets available to builds of forks", "Require a team member's comment", "ne(variables['System.PullRequest.IsFork'], 'True')"} {
		if !strings.Contains(forkRemedy, words) {
			t.Errorf("the fork remedy does not offer %q", words)
		}
	}
}
