package github

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sonar-preflight/internal/secret"
)

// Answers as docs.github.com documents them: "Get rules for a branch"
// (an array of rules with their parameters) and "Get branch protection"
// (required_status_checks with checks and the deprecated contexts; 404
// "Branch not protected").
const (
	rulesJSON = `[{"type":"deletion","ruleset_source_type":"Repository","ruleset_source":"contoso/web-app","ruleset_id":7},` +
		`{"type":"required_status_checks","parameters":{"strict_required_status_checks_policy":true,` +
		`"required_status_checks":[{"context":"SonarQube Code Analysis","integration_id":12345},{"context":"build"}]},` +
		`"ruleset_source_type":"Organization","ruleset_source":"contoso","ruleset_id":9}]`
	protectionJSON = `{"url":"https://api.github.com/repos/contoso/web-app/branches/release/1.2/protection",` +
		`"required_status_checks":{"url":"x","strict":true,"contexts":["ci/azure-pipelines","SonarQube Code Analysis"],"contexts_url":"x",` +
		`"checks":[{"context":"ci/azure-pipelines","app_id":null},{"context":"SonarQube Code Analysis","app_id":12345}]},` +
		`"enforce_admins":{"url":"x","enabled":false},"required_linear_history":{"enabled":false}}`
	notProtectedJSON = `{"message":"Branch not protected","documentation_url":"https://docs.github.com/rest/branches/branch-protection#get-branch-protection","status":"404"}`
)

func protectionServer(t *testing.T, rules, protection answer) (*Client, *[]string) {
	t.Helper()
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		a := protection
		if strings.Contains(r.URL.Path, "/rules/branches/") {
			a = rules
		}
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			a = answer{status: 401, body: `{"message":"Bad credentials"}`}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Host{APIURL: srv.URL + "/", WebHost: "github.com"}, secret.New(testToken), noRedirects())
	if err != nil {
		t.Fatal(err)
	}
	return c, &paths
}

func TestBranchRulesAndProtection(t *testing.T) {
	t.Parallel()
	c, paths := protectionServer(t, answer{status: 200, body: rulesJSON}, answer{status: 200, body: protectionJSON})
	checks, n, err := c.BranchRules(context.Background(), "contoso", "web-app", "release/1.2")
	if err != nil || n != 2 || len(checks) != 2 || checks[0] != (RequiredCheck{Context: "SonarQube Code Analysis", AppID: 12345, Source: SourceRuleset}) {
		t.Fatalf("rules: %+v %d %v", checks, n, err)
	}
	checks, protected, err := c.BranchProtection(context.Background(), "contoso", "web-app", "release/1.2")
	if err != nil || !protected || len(checks) != 2 || checks[1].AppID != 12345 || checks[1].Source != SourceProtection {
		t.Fatalf("protection: %+v %v %v", checks, protected, err)
	}
	want := []string{"/repos/contoso/web-app/rules/branches/release%2F1.2", "/repos/contoso/web-app/branches/release%2F1.2/protection"}
	if strings.Join(*paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths %v, want %v", *paths, want)
	}
}

func TestBranchProtectionRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		protection    answer
		wantProtected bool
		wantFailure   Failure
	}{
		{name: "not protected", protection: answer{status: 404, body: notProtectedJSON}},
		{name: "fine-grained token without Administration", wantFailure: FailureForbidden, protection: answer{status: 403,
			header: map[string]string{"X-Accepted-GitHub-Permissions": "administration=read"},
			body:   `{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/branches/branch-protection#get-branch-protection","status":"403"}`}},
		{name: "no admin rights", wantFailure: FailureNotFound, protection: answer{status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := protectionServer(t, answer{status: 200, body: "[]"}, tt.protection)
			checks, protected, err := c.BranchProtection(context.Background(), "contoso", "web-app", "main")
			if Classify(err) != tt.wantFailure || protected != tt.wantProtected || len(checks) != 0 {
				t.Fatalf("checks %v protected %v err %v (%s)", checks, protected, err, Classify(err))
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Fatal("the error holds the token")
			}
		})
	}
	c, _ := protectionServer(t, answer{status: 200, body: "[]"}, answer{status: 200, body: "{}"})
	for _, bad := range []string{"", "a..b", "x y", "a\x01"} {
		if _, _, err := c.BranchRules(context.Background(), "contoso", "web-app", bad); err == nil {
			t.Errorf("branch %q accepted", bad)
		}
	}
}
