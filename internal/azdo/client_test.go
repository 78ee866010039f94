package azdo

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

// testPAT has the shape of a new Azure DevOps PAT (AZDO signature at 76-80).
const testPAT = "Xb3kQ9vLm2Rt7Wy4Zp6Nc8Hd1Fg5Js0Ka9Ue3Oi7Yt2Re4Wq6Mn8Bv1Cx5Lz0Pk3Hj7Gf9Ds2AZDOq1w2"

// Answers below come from shared/reference/azure-devops-pat-diagnostics.md.
const (
	expiredBody  = `{"$id":"1","customProperties":{"Descriptor":null,"IdentityDisplayName":null,"Token":null,"RequestedPermissions":0,"NamespaceId":"00000000-0000-0000-0000-000000000000"},"innerException":null,"message":"Access Denied: The Personal Access Token used has expired.","typeName":"Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi","typeKey":"AccessCheckException","errorCode":0,"eventId":3000}`
	tf401019Body = `{"$id":"1","innerException":null,"message":"TF401019: The Git repository with name or identifier web-app does not exist or you do not have permissions for the operation you are attempting.","typeName":"Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException, Microsoft.TeamFoundation.Git.Server","typeKey":"GitRepositoryNotFoundException","errorCode":0,"eventId":3000}`
	vs800075Body = `{"$id":"1","innerException":null,"message":"VS800075: The project with id 'vstfs:///Classification/TeamProject/Fabrikam' does not exist, or you do not have permission to access it.","typeName":"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistException, Microsoft.TeamFoundation.Core.WebApi","typeKey":"ProjectDoesNotExistException","errorCode":0,"eventId":3000}`
	tf200016Body = `{"$id":"1","innerException":null,"message":"TF200016: The following project does not exist: Fabrikam. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.","typeKey":"ProjectDoesNotExistWithNameException","errorCode":0,"eventId":3000}`
	tf400813Body = `{"$id":"1","innerException":null,"message":"TF400813: The user '' is not authorized to access this resource.","errorCode":0,"eventId":3000}`
	tf400733Body = `{"$id":"1","innerException":null,"message":"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource Core in namespace User.","errorCode":0,"eventId":3000}`
	versionBody  = `{"$id":"1","innerException":null,"message":"The requested REST API version of 7.1 is out of range for this server. The latest REST API version this server supports is 7.0.","typeName":"Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi","typeKey":"VssVersionOutOfRangeException","errorCode":0,"eventId":3000}`
	signInHTML   = "<!DOCTYPE html>\n<html><head><title>\n  Azure DevOps Services | Sign In\n</title></head><body><form action=\"https://spsprodweu5.vssps.visualstudio.com/_signin\"></form></body></html>"
	movedHTML    = `<html><head><title>Object moved</title></head><body><h2>Object moved to <a href="https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com">here</a>.</h2></body></html>`

	userID          = "8c3b1e2d-4f5a-4b6c-9d7e-0f1a2b3c4d5e"
	connectionBody  = `{"authenticatedUser":{"id":"` + userID + `","descriptor":"Microsoft.IdentityModel.Claims.ClaimsIdentity;contoso.example\\build-bot@contoso.example","subjectDescriptor":"aad.OGMzYjFlMmQtNGY1YS03YjZjLTlkN2UtMGYxYTJiM2M0ZDVl","providerDisplayName":"Build Bot","isActive":true,"properties":{"Account":{"$type":"System.String","$value":"build-bot@contoso.example"},"Mail":{"$type":"System.String","$value":"build-bot@contoso.example"}},"resourceVersion":2,"metaTypeId":0},"authorizedUser":{"id":"` + userID + `","providerDisplayName":"Build Bot","isActive":true,"properties":{"Account":{"$type":"System.String","$value":"build-bot@contoso.example"}}},"instanceId":"1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9","deploymentId":"0a1b2c3d-4e5f-4061-8273-9485a6b7c8d9","deploymentType":"hosted","locationServiceData":{"serviceOwner":"00025394-6065-48ca-87d9-7f5672854ef7","defaultAccessMappingMoniker":"PublicAccessMapping","lastChangeId":1,"lastChangeId64":1}}`
	anonymousBody   = `{"authenticatedUser":{"id":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","descriptor":"System:PublicAccess;aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","providerDisplayName":"Anonymous","isActive":true,"properties":{}},"authorizedUser":{"id":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","providerDisplayName":"Anonymous","isActive":true},"instanceId":"1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9","deploymentType":"hosted"}`
	repositoryBody  = `{"id":"5febef5a-833d-4e14-b9c0-14cb638f91e6","name":"web-app","url":"https://dev.azure.com/contoso/3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b/_apis/git/repositories/5febef5a-833d-4e14-b9c0-14cb638f91e6","project":{"id":"3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b","name":"Fabrikam","url":"https://dev.azure.com/contoso/_apis/projects/3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b","state":"wellFormed","revision":11,"visibility":"private","lastUpdateTime":"2026-01-12T09:30:00.117Z"},"defaultBranch":"refs/heads/main","size":73519,"remoteUrl":"https://contoso@dev.azure.com/contoso/Fabrikam/_git/web-app","sshUrl":"git@ssh.dev.azure.com:v3/contoso/Fabrikam/web-app","webUrl":"https://dev.azure.com/contoso/Fabrikam/_git/web-app","isDisabled":false,"isInMaintenance":false}`
	entitlementBody = `{"accessLevel":{"licensingSource":"account","accountLicenseType":"express","msdnLicenseType":"none","licenseDisplayName":"Basic","status":"active","statusMessage":"","assignmentSource":"unknown"},"extensions":[],"groupAssignments":[],"projectEntitlements":[],"id":"` + userID + `","lastAccessedDate":"2026-05-04T07:12:45.5733333Z","dateCreated":"2024-02-01T10:00:00Z","user":{"subjectKind":"user","metaType":"member","principalName":"build-bot@contoso.example","mailAddress":"build-bot@contoso.example","origin":"aad","displayName":"Build Bot","descriptor":"aad.OGMzYjFlMmQtNGY1YS03YjZjLTlkN2UtMGYxYTJiM2M0ZDVl"}}`
)

// answer is one canned response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// fake is an Azure DevOps stand-in reached under real host names: the
// client's transport sends every request to it and keeps the original
// host in the Host header, so the handler sees what the real service would.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []*http.Request
	answer   func(r *http.Request) answer
}

func newFake(t *testing.T, answer func(r *http.Request) answer) *fake {
	t.Helper()
	f := &fake{t: t, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Clone(context.Background()))
		f.mu.Unlock()
		a := f.answer(r)
		if _, ok := a.header["Content-Type"]; !ok && strings.HasPrefix(a.body, "{") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8; api-version=7.1")
		}
		w.Header().Set("ActivityId", "5e0c8bd2-0000-4000-8000-00000000beef")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// client returns an http.Client routing every host to the fake. Its
// CheckRedirect is the default (follow), to prove that New overrides it.
func (f *fake) client() *http.Client {
	target, _ := url.Parse(f.srv.URL)
	return &http.Client{Transport: rerouter{target: target, base: f.srv.Client().Transport}}
}

func (f *fake) served() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}

type rerouter struct {
	target *url.URL
	base   http.RoundTripper
}

func (rt rerouter) RoundTrip(r *http.Request) (*http.Response, error) {
	c := r.Clone(r.Context())
	c.Host = r.URL.Host
	c.URL.Scheme = rt.target.Scheme
	c.URL.Host = rt.target.Host
	return rt.base.RoundTrip(c)
}

func mustOrg(t *testing.T, raw string) Org {
	t.Helper()
	o, err := ParseOrgURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func ok(body string) func(*http.Request) answer {
	return func(*http.Request) answer { return answer{status: 200, body: body} }
}

// assertNoSecret fails if s holds the PAT in any form.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, f := range secret.Forms(testPAT) {
		if strings.Contains(s, f) {
			t.Errorf("text leaks a form of the PAT (%d chars): %s", len(f), s)
		}
	}
}

// Every call carries Basic with an empty user name, the redirect
// suppression header, Accept JSON and a User-Agent, and reaches the
// documented URL.
func TestRequests(t *testing.T) {
	t.Parallel()
	const projectID, repoID = "3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b", "5febef5a-833d-4e14-b9c0-14cb638f91e6"
	tests := []struct {
		name  string
		org   string
		body  string
		call  func(ctx context.Context, c *Client) error
		host  string
		path  string
		query url.Values
	}{
		{
			name: "connectionData", org: "https://dev.azure.com/contoso", body: connectionBody,
			call: func(ctx context.Context, c *Client) error { _, err := c.ConnectionData(ctx); return err },
			host: "dev.azure.com", path: "/contoso/_apis/connectionData", query: url.Values{"api-version": {"3.0-preview"}},
		},
		{
			name: "connectionData legacy host", org: "https://contoso.visualstudio.com/DefaultCollection", body: connectionBody,
			call: func(ctx context.Context, c *Client) error { _, err := c.ConnectionData(ctx); return err },
			host: "contoso.visualstudio.com", path: "/_apis/connectionData", query: url.Values{"api-version": {"3.0-preview"}},
		},
		{
			name: "global probe", org: "https://dev.azure.com/contoso", body: connectionBody,
			call: func(ctx context.Context, c *Client) error { _, err := c.IsGlobalPAT(ctx); return err },
			host: "app.vssps.visualstudio.com", path: "/_apis/connectionData", query: url.Values{"api-version": {"3.0-preview"}},
		},
		{
			name: "repository", org: "https://dev.azure.com/contoso", body: repositoryBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Repository(ctx, "Fabrikam Fiber", "web-app")
				return err
			},
			host: "dev.azure.com", path: "/contoso/Fabrikam Fiber/_apis/git/repositories/web-app", query: url.Values{"api-version": {"7.1"}},
		},
		{
			name: "permissions", org: "https://dev.azure.com/contoso", body: `{"count":1,"value":[true]}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.HasPermissions(ctx, GitNamespace, PullRequestContribute, RepoToken(projectID, repoID))
				return err
			},
			host: "dev.azure.com", path: "/contoso/_apis/permissions/" + GitNamespace + "/16384",
			query: url.Values{
				"tokens":                    {"repoV2/" + projectID + "/" + repoID},
				"alwaysAllowAdministrators": {"false"},
				"delimiter":                 {","},
				"api-version":               {"7.1"},
			},
		},
		{
			name: "entitlement", org: "https://contoso.visualstudio.com", body: entitlementBody,
			call: func(ctx context.Context, c *Client) error { _, err := c.Entitlement(ctx, userID); return err },
			host: "vsaex.dev.azure.com", path: "/contoso/_apis/userentitlements/" + userID, query: url.Values{"api-version": {"7.1"}},
		},
		{
			name: "server repository keeps the collection path", org: "https://tfs.contoso.example/tfs/DefaultCollection/", body: repositoryBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Repository(ctx, "Fabrikam", "web-app")
				return err
			},
			host: "tfs.contoso.example", path: "/tfs/DefaultCollection/Fabrikam/_apis/git/repositories/web-app", query: url.Values{"api-version": {"4.1"}},
		},
		{
			name: "server permissions", org: "http://build01:8080/tfs/DefaultCollection", body: `{"count":1,"value":[false]}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.HasPermissions(ctx, GitNamespace, GenericContribute, RepoToken(projectID, repoID))
				return err
			},
			host: "build01:8080", path: "/tfs/DefaultCollection/_apis/permissions/" + GitNamespace + "/4",
			query: url.Values{
				"tokens":                    {"repoV2/" + projectID + "/" + repoID},
				"alwaysAllowAdministrators": {"false"},
				"delimiter":                 {","},
				"api-version":               {"4.1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, ok(tt.body))
			c := New(mustOrg(t, tt.org), secret.New(testPAT), f.client(), WithUserAgent("sonar-preflight/1.2.3"))
			if err := tt.call(context.Background(), c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.served()
			if len(reqs) != 1 {
				t.Fatalf("served %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodGet {
				t.Errorf("method %s, want GET", r.Method)
			}
			if r.Host != tt.host {
				t.Errorf("host %q, want %q", r.Host, tt.host)
			}
			if r.URL.Path != tt.path {
				t.Errorf("path %q, want %q", r.URL.Path, tt.path)
			}
			if got := r.URL.Query(); !equalValues(got, tt.query) {
				t.Errorf("query %v, want %v", got, tt.query)
			}
			user, pass, okAuth := r.BasicAuth()
			if !okAuth || user != "" || pass != testPAT {
				t.Errorf("Authorization: want Basic with an empty user name and the PAT as password (got ok=%v user=%q)", okAuth, user)
			}
			if want := "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+testPAT)); r.Header.Get("Authorization") != want {
				t.Error("Authorization is not Basic base64(\":\"+PAT)")
			}
			for h, want := range map[string]string{
				"X-TFS-FedAuthRedirect": "Suppress",
				"Accept":                "application/json",
				"User-Agent":            "sonar-preflight/1.2.3",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w := b[k]
		if len(v) != len(w) {
			return false
		}
		for i := range v {
			if v[i] != w[i] {
				return false
			}
		}
	}
	return true
}

func TestConnectionData(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(*http.Request) answer {
		return answer{status: 200, body: connectionBody, header: map[string]string{"X-VSS-UserData": userID + ":build-bot@contoso.example"}}
	})
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	cd, err := c.ConnectionData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{
		ID:                  userID,
		Descriptor:          `Microsoft.IdentityModel.Claims.ClaimsIdentity;contoso.example\build-bot@contoso.example`,
		SubjectDescriptor:   "aad.OGMzYjFlMmQtNGY1YS03YjZjLTlkN2UtMGYxYTJiM2M0ZDVl",
		ProviderDisplayName: "Build Bot",
		IsActive:            true,
		Account:             "build-bot@contoso.example",
		Mail:                "build-bot@contoso.example",
	}
	if cd.AuthenticatedUser != want {
		t.Errorf("AuthenticatedUser = %+v, want %+v", cd.AuthenticatedUser, want)
	}
	if cd.AuthorizedUser.ID != userID || cd.AuthorizedUser.Mail != "" {
		t.Errorf("AuthorizedUser = %+v", cd.AuthorizedUser)
	}
	if cd.InstanceID != "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9" || cd.DeploymentType != "hosted" || cd.DeploymentID == "" {
		t.Errorf("instance fields: %+v", cd)
	}
	if cd.UserData != userID+":build-bot@contoso.example" {
		t.Errorf("UserData = %q", cd.UserData)
	}
	if cd.Anonymous() {
		t.Error("Anonymous() = true for a real user")
	}
}

func TestRepository(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(repositoryBody))
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	r, err := c.Repository(context.Background(), "Fabrikam", "web-app")
	if err != nil {
		t.Fatal(err)
	}
	want := Repository{
		ID: "5febef5a-833d-4e14-b9c0-14cb638f91e6", Name: "web-app",
		Project:       ProjectRef{ID: "3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b", Name: "Fabrikam", Visibility: "private"},
		DefaultBranch: "refs/heads/main", WebURL: "https://dev.azure.com/contoso/Fabrikam/_git/web-app",
	}
	if *r != want {
		t.Errorf("Repository = %+v, want %+v", *r, want)
	}
}

// Projects - Get (core 7.1 spec): the project's visibility, by name.
func TestProject(t *testing.T) {
	t.Parallel()
	const body = `{"id":"3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b","name":"Fabrikam","description":"Fabrikam web applications.","url":"https://dev.azure.com/contoso/_apis/projects/3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b","state":"wellFormed","revision":11,"visibility":"public","lastUpdateTime":"2026-01-12T09:30:00.117Z","defaultTeam":{"id":"66df9be7-3586-467b-9c5f-425b29afedfd","name":"Fabrikam Team"}}`
	f := newFake(t, ok(body))
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	p, err := c.Project(context.Background(), "Fabrikam Web")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ProjectRef{ID: "3f1e4c2a-8b7d-4e5f-9a6b-0c1d2e3f4a5b", Name: "Fabrikam", Visibility: "public"}); *p != want || !p.Public() {
		t.Errorf("Project = %+v, want %+v", *p, want)
	}
	if got := f.served()[0].URL.RequestURI(); got != "/contoso/_apis/projects/Fabrikam%20Web?api-version=7.1" {
		t.Errorf("request %s", got)
	}
	if _, err := decodeProject([]byte(`{"name":"x"}`)); err == nil {
		t.Error("a project without id decoded")
	}
}

func TestHasPermissions(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`{"count":1,"value":[true]}`:  true,
		`{"count":1,"value":[false]}`: false,
	} {
		f := newFake(t, ok(body))
		c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
		got, err := c.HasPermissions(context.Background(), GitNamespace, GenericContribute, RepoToken("p", "r"))
		if err != nil || got != want {
			t.Errorf("%s: HasPermissions = %v, %v; want %v", body, got, err, want)
		}
	}
}

func TestEntitlement(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(entitlementBody))
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	e, err := c.Entitlement(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	want := Entitlement{
		AccountLicenseType: "express", LicenseDisplayName: "Basic", LicensingSource: "account",
		MsdnLicenseType: "none", Status: "active",
		LastAccessedDate: time.Date(2026, 5, 4, 7, 12, 45, 573333300, time.UTC),
	}
	if !e.LastAccessedDate.Equal(want.LastAccessedDate) {
		t.Errorf("LastAccessedDate = %v, want %v", e.LastAccessedDate, want.LastAccessedDate)
	}
	e.LastAccessedDate = want.LastAccessedDate
	if *e != want {
		t.Errorf("Entitlement = %+v, want %+v", *e, want)
	}
	if e.Level() != LevelBasic {
		t.Errorf("Level() = %s, want basic", e.Level())
	}
}

func TestEntitlementOnServerSendsNothing(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(entitlementBody))
	c := New(mustOrg(t, "https://tfs.contoso.example/tfs/DefaultCollection"), secret.New(testPAT), f.client())
	if _, err := c.Entitlement(context.Background(), userID); !errors.Is(err, ErrServicesOnly) {
		t.Errorf("error = %v, want ErrServicesOnly", err)
	}
	if n := len(f.served()); n != 0 {
		t.Errorf("served %d requests, want none", n)
	}
}

func TestEntitlementLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Entitlement
		want Level
	}{
		{Entitlement{AccountLicenseType: "express", LicensingSource: "account"}, LevelBasic},
		{Entitlement{AccountLicenseType: "advanced", LicensingSource: "account"}, LevelBasic},
		{Entitlement{AccountLicenseType: "stakeholder", LicensingSource: "account"}, LevelStakeholder},
		{Entitlement{AccountLicenseType: "Stakeholder"}, LevelStakeholder},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "enterprise"}, LevelBasic},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "professional"}, LevelBasic},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "testProfessional"}, LevelBasic},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "platforms"}, LevelBasic},
		// Enum values Microsoft does not list as including Basic.
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "eligible"}, LevelUnknown},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "premium"}, LevelUnknown},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "msdn", MsdnLicenseType: "none"}, LevelUnknown},
		// The licensing source decides which field is in effect.
		{Entitlement{AccountLicenseType: "stakeholder", LicensingSource: "msdn", MsdnLicenseType: "enterprise"}, LevelBasic},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "account", MsdnLicenseType: "enterprise"}, LevelUnknown},
		{Entitlement{AccountLicenseType: "none", LicensingSource: "account", MsdnLicenseType: "none"}, LevelNone},
		// Nothing, or a value the spec's enum does not hold (yet): unknown,
		// never "no access".
		{Entitlement{}, LevelUnknown},
		{Entitlement{AccountLicenseType: "basicPlus", LicensingSource: "account"}, LevelUnknown},
	}
	for _, tt := range tests {
		if got := tt.e.Level(); got != tt.want {
			t.Errorf("%+v: Level() = %s, want %s", tt.e, got, tt.want)
		}
		// The basis names the fields it rests on, with their values.
		if b := tt.e.Basis(); !strings.Contains(b, "licensingSource") || tt.want == LevelBasic && tt.e.LicensingSource == "msdn" && !strings.Contains(b, tt.e.MsdnLicenseType) {
			t.Errorf("%+v: Basis() = %q", tt.e, b)
		}
	}
}

func TestEntitlementNeverAccessed(t *testing.T) {
	t.Parallel()
	e, err := decodeEntitlement([]byte(`{"accessLevel":{"accountLicenseType":"stakeholder"},"lastAccessedDate":"0001-01-01T08:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !e.LastAccessedDate.IsZero() {
		t.Errorf("LastAccessedDate = %v, want zero for the year-1 sentinel", e.LastAccessedDate)
	}
}

// Each failure the reference documents, answered the way Azure DevOps
// answers it, classified and reported with the server's own words.
func TestFailures(t *testing.T) {
	t.Parallel()
	conn := func(ctx context.Context, c *Client) error { _, err := c.ConnectionData(ctx); return err }
	repo := func(ctx context.Context, c *Client) error {
		_, err := c.Repository(ctx, "Fabrikam", "web-app")
		return err
	}
	perm := func(ctx context.Context, c *Client) error {
		_, err := c.HasPermissions(ctx, GitNamespace, GenericContribute, RepoToken("p", "r"))
		return err
	}
	ent := func(ctx context.Context, c *Client) error { _, err := c.Entitlement(ctx, userID); return err }
	html := map[string]string{"Content-Type": "text/html; charset=utf-8"}
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + testPAT))

	tests := []struct {
		name    string
		call    func(context.Context, *Client) error
		answer  answer
		failure Failure
		status  int
		message string // substring of the error text
		kind    httpx.Kind
	}{
		{"expired PAT, verbatim JSON", conn, answer{status: 401, body: expiredBody}, FailureExpired, 401,
			"Access Denied: The Personal Access Token used has expired.", httpx.KindStatus},
		{"expired PAT served as HTML", conn, answer{status: 401, header: html, body: "<html><head><title>Access Denied</title></head><body>Access Denied: The Personal Access Token used has expired.</body></html>"},
			FailureExpired, 401, "The Personal Access Token used has expired", httpx.KindStatus},
		{"revoked or unknown PAT, empty 401", conn, answer{status: 401, header: map[string]string{"WWW-Authenticate": `Basic realm="https://tfsprodweu2.visualstudio.com/"`}},
			FailureUnauthorized, 401, "401 Unauthorized", httpx.KindStatus},
		{"401 TF400813", conn, answer{status: 401, body: tf400813Body}, FailureUnauthorized, 401, "TF400813: The user '' is not authorized", httpx.KindStatus},
		// Microsoft documents no message for a retired global PAT; should an
		// answer name global PATs, it is taken at its word. (A hypothetical
		// body, in the service's usual error envelope.)
		{"401 naming global PATs", conn, answer{status: 401, body: `{"$id":"1","innerException":null,"message":"Global personal access tokens (\"All accessible organizations\") are no longer supported.","errorCode":0,"eventId":3000}`},
			FailureGlobalPAT, 401, "Global personal access tokens", httpx.KindStatus},
		{"401 with X-VSS-AuthenticateError", conn, answer{status: 401, header: map[string]string{"X-VSS-AuthenticateError": "InvalidToken"}},
			FailureUnauthorized, 401, "X-VSS-AuthenticateError: InvalidToken", httpx.KindStatus},
		{"203 sign-in page", conn, answer{status: 203, header: html, body: signInHTML}, FailureSignInPage, 203,
			"HTML page: Azure DevOps Services | Sign In", httpx.KindStatus},
		{"302 to _signin", conn, answer{status: 302, header: map[string]string{
			"Content-Type": "text/html; charset=utf-8",
			"Location":     "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com&reply_to=https%3A%2F%2Fdev.azure.com%2Fcontoso%2F_apis%2FconnectionData",
		}, body: movedHTML}, FailureSignInPage, 302, "Object moved", httpx.KindStatus},
		{"200 with an HTML page", conn, answer{status: 200, header: html, body: signInHTML}, FailureSignInPage, 200, "Sign In", httpx.KindStatus},
		{"200 HTML labelled JSON", repo, answer{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: "  <html><title>Sign in</title></html>"},
			FailureSignInPage, 200, "Sign in", httpx.KindStatus},
		{"anonymous on a public-project organization", conn, answer{status: 200, body: anonymousBody}, FailureAnonymous, 200,
			"anonymous user", httpx.KindStatus},
		{"repository TF401019", repo, answer{status: 404, body: tf401019Body}, FailureNoAccess, 404,
			"TF401019: The Git repository with name or identifier web-app does not exist or you do not have permissions", httpx.KindStatus},
		{"project VS800075", repo, answer{status: 404, body: vs800075Body}, FailureNoAccess, 404, "VS800075", httpx.KindStatus},
		{"project TF200016", repo, answer{status: 404, body: tf200016Body}, FailureNoAccess, 404, "TF200016", httpx.KindStatus},
		{"403 TF401019", repo, answer{status: 403, body: tf401019Body}, FailureNoAccess, 403, "TF401019", httpx.KindStatus},
		{"unknown organization, 404 HTML", conn, answer{status: 404, header: html, body: "<html><head><title>404 - Page not found</title></head></html>"},
			FailureNotFound, 404, "404 Not Found", httpx.KindStatus},
		{"403 other", perm, answer{status: 403, body: `{"$id":"1","message":"Access denied.","typeKey":"AccessCheckException"}`},
			FailureForbidden, 403, "Access denied.", httpx.KindStatus},
		{"missing scope, bare 401", perm, answer{status: 401}, FailureUnauthorized, 401, "401", httpx.KindStatus},
		{"entitlement scope missing", ent, answer{status: 401}, FailureUnauthorized, 401, "userentitlements", httpx.KindStatus},
		{"throttled TF400733", repo, answer{status: 429, body: tf400733Body, header: map[string]string{
			"Retry-After": "30", "X-RateLimit-Resource": "Core", "X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0",
		}}, FailureThrottled, 429, "TF400733", httpx.KindStatus},
		{"api-version out of range", repo, answer{status: 400, body: versionBody}, FailureOther, 400, "out of range for this server", httpx.KindStatus},
		{"server error", conn, answer{status: 500, body: `{"$id":"1","message":"TF246017: Azure DevOps Server could not connect to the database."}`},
			FailureOther, 500, "TF246017", httpx.KindStatus},
		{"truncated JSON", repo, answer{status: 200, body: `{"id":"5febef5a-833d`}, FailureOther, 200, "unexpected answer", httpx.KindDecode},
		{"JSON of another shape", conn, answer{status: 200, body: `{"count":0,"value":[]}`}, FailureOther, 200, "unexpected answer", httpx.KindDecode},
		{"permissions without values", perm, answer{status: 200, body: `{"count":0,"value":[]}`}, FailureOther, 200, "without values", httpx.KindDecode},
		{"server echoes the PAT", conn, answer{status: 401, body: `{"message":"bad token ` + testPAT + ` / ` + b64 + `"}`}, FailureUnauthorized, 401, "bad token *** / ***", httpx.KindStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(*http.Request) answer { return tt.answer })
			c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
			err := tt.call(context.Background(), c)
			if err == nil {
				t.Fatal("want an error")
			}
			if got := Classify(err); got != tt.failure {
				t.Errorf("Classify = %q, want %q (error: %v)", got, tt.failure, err)
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %T is not *azdo.Error", err)
			}
			var he *httpx.Error
			if !errors.As(err, &he) {
				t.Fatalf("error does not wrap *httpx.Error: %v", err)
			}
			if he.Status != tt.status || he.Kind != tt.kind {
				t.Errorf("status %d kind %q, want %d %q", he.Status, he.Kind, tt.status, tt.kind)
			}
			if he.ActivityID != "5e0c8bd2-0000-4000-8000-00000000beef" {
				t.Errorf("ActivityID = %q, want the response's ActivityId", he.ActivityID)
			}
			text := err.Error()
			if !strings.Contains(text, tt.message) {
				t.Errorf("error %q does not contain %q", text, tt.message)
			}
			if strings.Contains(text, "\n") {
				t.Errorf("error text spans lines: %q", text)
			}
			if !strings.HasPrefix(text, "GET https://") {
				t.Errorf("error text %q does not start with the method and URL", text)
			}
			assertNoSecret(t, text)
			if n := len(f.served()); n != 1 {
				t.Errorf("served %d requests, want exactly 1 (redirects are not followed)", n)
			}
		})
	}
}

func TestThrottleDetails(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(*http.Request) answer {
		return answer{status: 429, body: tf400733Body, header: map[string]string{"Retry-After": "30", "X-RateLimit-Resource": "Core"}}
	})
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	_, err := c.ConnectionData(context.Background())
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not *azdo.Error", err)
	}
	if ae.RetryAfter != 30*time.Second || ae.RateLimitResource != "Core" {
		t.Errorf("RetryAfter %v resource %q, want 30s Core", ae.RetryAfter, ae.RateLimitResource)
	}
}

func TestRedirectKeepsLocation(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(*http.Request) answer {
		return answer{status: 302, header: map[string]string{"Location": "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com"}}
	})
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	_, err := c.ConnectionData(context.Background())
	var he *httpx.Error
	if !errors.As(err, &he) || !strings.Contains(he.Location, "/_signin") {
		t.Errorf("Location not kept: %v", err)
	}
}

func TestIsGlobalPAT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  answer
		global  bool
		failure Failure // "" = no error
	}{
		{"global PAT", answer{status: 200, body: connectionBody}, true, ""},
		{"organization-scoped PAT, 401", answer{status: 401}, false, ""},
		{"organization-scoped PAT, 403", answer{status: 403}, false, ""},
		{"anonymous answer", answer{status: 200, body: anonymousBody}, false, ""},
		{"sign-in page: cannot tell", answer{status: 203, header: map[string]string{"Content-Type": "text/html"}, body: signInHTML}, false, FailureSignInPage},
		{"server error: cannot tell", answer{status: 503}, false, FailureOther},
		{"throttled: cannot tell", answer{status: 429, body: tf400733Body}, false, FailureThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(*http.Request) answer { return tt.answer })
			c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
			got, err := c.IsGlobalPAT(context.Background())
			if Classify(err) != tt.failure || got != tt.global {
				t.Errorf("IsGlobalPAT = %v, %v (%q); want %v, %q", got, err, Classify(err), tt.global, tt.failure)
			}
		})
	}
}

func TestTransportFailure(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(connectionBody))
	hc := f.client()
	f.srv.Close()
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), hc)
	_, err := c.ConnectionData(context.Background())
	if Classify(err) != FailureOther {
		t.Errorf("Classify = %q, want other", Classify(err))
	}
	if k := httpx.KindOf(err); k != httpx.KindRefused {
		t.Errorf("KindOf = %q, want %q (error %v)", k, httpx.KindRefused, err)
	}
	assertNoSecret(t, err.Error())
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(connectionBody))
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), f.client())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.ConnectionData(ctx)
	if k := httpx.KindOf(err); k != httpx.KindCanceled {
		t.Errorf("KindOf = %q, want canceled (error %v)", k, err)
	}
}

func TestNoPATNoAuthorization(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(anonymousBody))
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.Secret{}, f.client())
	_, err := c.ConnectionData(context.Background())
	if Classify(err) != FailureAnonymous {
		t.Errorf("Classify = %q, want anonymous", Classify(err))
	}
	if h := f.served()[0].Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization sent without a PAT: %q", h)
	}
}

func TestNilHTTPClient(t *testing.T) {
	t.Parallel()
	c := New(mustOrg(t, "https://dev.azure.com/contoso"), secret.New(testPAT), nil)
	if c.hc == nil || c.hc.CheckRedirect == nil {
		t.Fatal("New(nil client) must still build a client that refuses redirects")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	if Classify(nil) != "" {
		t.Error("Classify(nil) must be empty")
	}
	if Classify(errors.New("x")) != FailureOther {
		t.Error("a foreign error is other")
	}
	wrapped := &Error{Failure: FailureExpired, Err: errors.New("inner")}
	if Classify(errors.Join(errors.New("ctx"), wrapped)) != FailureExpired {
		t.Error("Classify must see through wrapping")
	}
}
