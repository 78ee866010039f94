package azdo

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"sonar-preflight/internal/secret"
)

// statusPolicyBody is a Status policy as the policy configurations API
// returns it: the envelope and common fields of the service's own example
// (vsts-rest-api-specs policy/7.1 GET__policy_configurations), the settings
// a Status policy carries (terraform-provider-azuredevops status check).
const statusPolicyBody = `{"count":2,"value":[` +
	`{"createdBy":{"id":"d6245f20-2af8-44f4-9451-8107cb2767db","displayName":"Normal Paulk"},"createdDate":"2026-02-23T12:51:06.85754Z",` +
	`"isEnabled":true,"isBlocking":true,"isDeleted":false,"settings":{"statusGenre":"SonarQube","statusName":"quality gate",` +
	`"authorId":null,"invalidateOnSourceUpdate":true,"policyApplicability":null,"filenamePatterns":[],"defaultDisplayName":"SonarQube quality gate",` +
	`"scope":[{"refName":"refs/heads/main","matchKind":"Exact","repositoryId":"5febef5a-833d-4e14-b9c0-14cb638f91e6"}]},` +
	`"revision":3,"id":21,"url":"https://dev.azure.com/contoso/_apis/policy/configurations/21",` +
	`"type":{"id":"cbdc66da-9728-4af8-aada-9a5a32e4a226","url":"https://dev.azure.com/contoso/_apis/policy/types/cbdc66da-9728-4af8-aada-9a5a32e4a226","displayName":"Status"}},` +
	`{"isEnabled":true,"isBlocking":false,"settings":{"statusGenre":"coverage","statusName":"diff","policyApplicability":1,` +
	`"scope":[{"refName":"refs/heads/","matchKind":"Prefix","repositoryId":null}]},"id":22,` +
	`"type":{"id":"CBDC66DA-9728-4AF8-AADA-9A5A32E4A226","displayName":"Status"}}]}`

func TestBranchPolicies(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(r *http.Request) answer {
		q := r.URL.Query()
		if q.Get("continuationToken") == "" {
			return answer{status: 200, body: statusPolicyBody, header: map[string]string{"x-ms-continuationtoken": "22"}}
		}
		return answer{status: 200, body: `{"count":0,"value":[]}`}
	})
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	ps, err := c.BranchPolicies(context.Background(), "3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b", "5febef5a-833d-4e14-b9c0-14cb638f91e6", "refs/heads/main", StatusPolicyType)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("%d policies: %+v", len(ps), ps)
	}
	p := ps[0]
	if !p.Active() || !p.IsBlocking || p.ID != 21 || p.TypeName != "Status" || p.Status == nil ||
		p.Status.Genre != "SonarQube" || p.Status.Name != "quality gate" || p.Status.Conditional || !p.Status.InvalidateOnSourceUpdate {
		t.Errorf("first policy %+v %+v", p, p.Status)
	}
	if len(p.Scope) != 1 || p.Scope[0].RepositoryID == "" || p.Scope[0].MatchKind != "Exact" {
		t.Errorf("scope %+v", p.Scope)
	}
	q := ps[1]
	if q.IsBlocking || q.Status == nil || !q.Status.Conditional || q.Scope[0].RepositoryID != "" {
		t.Errorf("second policy %+v %+v (type ids compare in lower case)", q, q.Status)
	}
	reqs := f.served()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (the continuation token is followed once)", len(reqs))
	}
	first := reqs[0]
	if first.Host != "dev.azure.com" || first.URL.Path != "/contoso/3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b/_apis/git/policy/configurations" {
		t.Errorf("request %s %s", first.Host, first.URL.Path)
	}
	for k, want := range map[string]string{
		"repositoryId": "5febef5a-833d-4e14-b9c0-14cb638f91e6", "refName": "refs/heads/main",
		"policyType": StatusPolicyType, "api-version": "7.1",
	} {
		if got := first.URL.Query().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if reqs[1].URL.Query().Get("continuationToken") != "22" {
		t.Errorf("second page %s", reqs[1].URL.RawQuery)
	}
}

func TestBranchPoliciesServerAndFailures(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(r *http.Request) answer {
		if strings.Contains(r.URL.Path, "/tfs/") {
			return answer{status: 200, body: `{"count":0,"value":[]}`}
		}
		return answer{status: 401}
	})
	srv := New(mustOrg(t, "https://tfs.contoso.example/tfs/DefaultCollection"), secret.New(testPAT), f.client())
	if ps, err := srv.BranchPolicies(context.Background(), "Fabrikam", "r", "refs/heads/main", ""); err != nil || len(ps) != 0 {
		t.Fatalf("server: %v %v", ps, err)
	}
	if v := f.served()[0].URL.Query().Get("api-version"); v != apiPolicyServer {
		t.Errorf("server api-version %q", v)
	}
	svc := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	_, err := svc.BranchPolicies(context.Background(), "Fabrikam", "r", "refs/heads/main", StatusPolicyType)
	if Classify(err) != FailureUnauthorized {
		t.Fatalf("err = %v (%s)", err, Classify(err))
	}
	assertNoSecret(t, err.Error())
}

func FuzzDecodePolicies(f *testing.F) {
	f.Add([]byte(statusPolicyBody))
	f.Add([]byte(`{"count":0,"value":[]}`))
	f.Add([]byte(`{"value":[{"type":{"id":"cbdc66da-9728-4af8-aada-9a5a32e4a226"},"settings":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := decodePolicies(b)
		if err == nil {
			for _, p := range ps {
				if p.TypeID == "" || (p.Status != nil && p.TypeID != StatusPolicyType) {
					t.Fatalf("accepted %+v", p)
				}
			}
		}
	})
}
