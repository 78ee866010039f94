package simulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

var azdoTestNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// azdoReq is one request to the handler.
type azdoReq struct {
	host, target string
	user, pass   string // Basic credentials; pass "{pat}" is the valid PAT, "{jobtoken}" the job's token
	noAuth       bool
	noSuppress   bool
	method       string
}

func serveAzdo(t *testing.T, cfg Azdo, reqs ...azdoReq) []*httptest.ResponseRecorder {
	t.Helper()
	s := &Servers{PAT: randPAT(), JobToken: randJobToken(), now: func() time.Time { return azdoTestNow }}
	h := newAzdoHandler(cfg, s)
	var out []*httptest.ResponseRecorder
	for _, q := range reqs {
		method := q.method
		if method == "" {
			method = http.MethodGet
		}
		r := httptest.NewRequest(method, "https://"+q.host+q.target, nil)
		if !q.noAuth {
			pass := q.pass
			switch pass {
			case "", "{pat}":
				pass = s.PAT
			case "{jobtoken}":
				pass = s.JobToken
			}
			r.SetBasicAuth(q.user, pass)
		}
		if !q.noSuppress {
			r.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
		}
		r.Header.Set("Accept", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		out = append(out, w)
	}
	return out
}

func serveOne(t *testing.T, cfg Azdo, q azdoReq) *httptest.ResponseRecorder {
	t.Helper()
	return serveAzdo(t, cfg, q)[0]
}

const (
	connData   = "/contoso/_apis/connectionData?api-version=3.0-preview"
	repoTarget = "/contoso/Fabrikam/_apis/git/repositories/web-app?api-version=7.1"
)

func permTarget(bits string, tokens ...string) string {
	return "/contoso/_apis/permissions/" + azdoGitNamespace + "/" + bits + "?tokens=" + strings.Join(tokens, "%2C") +
		"&alwaysAllowAdministrators=false&delimiter=%2C&api-version=7.1"
}

func TestAzdoHosts(t *testing.T) {
	t.Parallel()
	if got := azdoHosts(Azdo{}); got != nil {
		t.Errorf("zero Azdo serves %v, want nothing", got)
	}
	got := azdoHosts(HealthyAzdo())
	for _, want := range []string{"dev.azure.com", "contoso.visualstudio.com", "vssps.dev.azure.com", "vsaex.dev.azure.com", "app.vssps.visualstudio.com", "tfs.contoso.example"} {
		if !slices.Contains(got, want) {
			t.Errorf("HealthyAzdo hosts %v lack %s", got, want)
		}
	}
}

// TestAzdoAnswers drives the handler knob by knob and checks status,
// headers and body against what Azure DevOps sends.
func TestAzdoAnswers(t *testing.T) {
	t.Parallel()
	healthy := HealthyAzdo()
	with := func(edit func(*Azdo)) Azdo { a := HealthyAzdo(); edit(&a); return a }
	tests := []struct {
		name     string
		cfg      Azdo
		req      azdoReq
		status   int
		ctype    string   // media type prefix; "" = no body expected
		contains []string // substrings of the body
		headers  map[string]string
		userData bool // X-VSS-UserData expected
	}{
		{name: "connectionData", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData},
			status: 200, ctype: "application/json; charset=utf-8; api-version=3.0-preview",
			contains: []string{`"id":"` + azdoUserID + `"`, `"$value":"build-bot@contoso.example"`, `"deploymentType":"hosted"`, `"instanceId":"` + azdoOrgInstanceID + `"`}, userData: true},
		{name: "any user name with the PAT as password", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData, user: "accessToken"},
			status: 200, ctype: "application/json", userData: true},
		{name: "legacy host", cfg: healthy, req: azdoReq{host: "contoso.visualstudio.com", target: "/_apis/connectionData?api-version=3.0-preview"},
			status: 200, ctype: "application/json", userData: true},
		{name: "legacy host with DefaultCollection", cfg: healthy, req: azdoReq{host: "contoso.visualstudio.com", target: "/DefaultCollection/_apis/connectionData"},
			status: 200, ctype: "application/json", userData: true},
		{name: "identity host", cfg: healthy, req: azdoReq{host: "vssps.dev.azure.com", target: connData}, status: 200, ctype: "application/json", userData: true},
		{name: "organization name in any case", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: "/CONTOSO/_apis/connectionData"}, status: 200, ctype: "application/json"},

		{name: "unknown PAT with Suppress", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData, pass: "not-the-pat"},
			status: 401, headers: map[string]string{"WWW-Authenticate": "Bearer authorization_uri="}},
		{name: "unknown PAT without Suppress", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData, pass: "not-the-pat", noSuppress: true},
			status: 302, ctype: "text/html", contains: []string{"Object moved"},
			headers: map[string]string{"Location": "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com&reply_to=https%3A%2F%2Fdev.azure.com%2Fcontoso%2F_apis%2FconnectionData"}},
		{name: "job token", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData, pass: "{jobtoken}"},
			status: 200, ctype: "application/json", userData: true, contains: []string{
				`"providerDisplayName":"Fabrikam Build Service (contoso)"`,
				`"descriptor":"Microsoft.TeamFoundation.ServiceIdentity;` + azdoOrgInstanceID + `:Build:` + azdoProjectID + `"`,
				`"subjectDescriptor":"svc.`}},
		{name: "job token, collection scope", cfg: with(func(a *Azdo) { a.CollectionScopedJobs = true }), req: azdoReq{host: "dev.azure.com", target: connData, pass: "{jobtoken}"},
			status: 200, contains: []string{`"providerDisplayName":"Project Collection Build Service (contoso)"`, `:Build:` + azdoCollectionID + `"`}},
		{name: "job token on the server", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/tfs/DefaultCollection/_apis/connectionData", pass: "{jobtoken}"},
			status: 200, contains: []string{`"providerDisplayName":"Fabrikam Build Service (DefaultCollection)"`}},
		{name: "job token reads its project's repository", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: repoTarget, pass: "{jobtoken}"},
			status: 200, userData: true, contains: []string{`"id":"` + azdoRepoID + `"`}},
		{name: "job token on the global host", cfg: with(func(a *Azdo) { a.GlobalPAT = true }), req: azdoReq{host: "app.vssps.visualstudio.com", target: "/_apis/connectionData", pass: "{jobtoken}"}, status: 401},
		{name: "no credentials", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData, noAuth: true}, status: 401},
		{name: "expired", cfg: with(func(a *Azdo) { a.PAT = PATExpired }), req: azdoReq{host: "dev.azure.com", target: repoTarget},
			status: 401, ctype: "application/json", contains: []string{azdoExpiredBody}},
		{name: "sign-in page with Suppress", cfg: with(func(a *Azdo) { a.PAT = PATSignInPage }), req: azdoReq{host: "dev.azure.com", target: connData},
			status: 203, ctype: "text/html", contains: []string{"<title>", "Azure DevOps Services | Sign In"}},
		{name: "sign-in page without Suppress", cfg: with(func(a *Azdo) { a.PAT = PATSignInPage }), req: azdoReq{host: "dev.azure.com", target: connData, noSuppress: true},
			status: 302, ctype: "text/html", headers: map[string]string{"Location": "https://spsprodweu5.vssps.visualstudio.com/_signin?"}},
		{name: "revoked", cfg: with(func(a *Azdo) { a.PAT = PATRevoked }), req: azdoReq{host: "dev.azure.com", target: connData}, status: 401},
		{name: "revoked with TF400813", cfg: with(func(a *Azdo) { a.PAT = PATRevokedTF400813 }), req: azdoReq{host: "dev.azure.com", target: connData},
			status: 401, ctype: "application/json", contains: []string{"TF400813: The user '' is not authorized to access this resource."}},
		{name: "anonymous connectionData", cfg: with(func(a *Azdo) { a.PAT = PATAnonymous }), req: azdoReq{host: "dev.azure.com", target: connData},
			status: 200, ctype: "application/json", contains: []string{`"id":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"`}},
		{name: "anonymous git", cfg: with(func(a *Azdo) { a.PAT = PATAnonymous }), req: azdoReq{host: "dev.azure.com", target: repoTarget}, status: 401},
		{name: "wrong organization", cfg: with(func(a *Azdo) { a.WrongOrg = true }), req: azdoReq{host: "dev.azure.com", target: connData}, status: 404, ctype: "text/html"},
		{name: "wrong organization, legacy host", cfg: with(func(a *Azdo) { a.WrongOrg = true }), req: azdoReq{host: "contoso.visualstudio.com", target: "/_apis/connectionData"}, status: 404},
		{name: "another organization", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: "/fabrikam/_apis/connectionData"}, status: 404},

		{name: "repository", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: repoTarget}, status: 200, ctype: "application/json",
			contains: []string{`"id":"` + azdoRepoID + `"`, `"project":{"id":"` + azdoProjectID + `"`, `"defaultBranch":"refs/heads/main"`,
				`"url":"https://dev.azure.com/contoso/` + azdoProjectID + `/_apis/git/repositories/` + azdoRepoID + `"`}, userData: true},
		{name: "repository by ids", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: "/contoso/" + azdoProjectID + "/_apis/git/repositories/" + azdoRepoID}, status: 200, ctype: "application/json"},
		{name: "repository URLs echo the legacy host", cfg: healthy, req: azdoReq{host: "contoso.visualstudio.com", target: "/Fabrikam/_apis/git/repositories/web-app?api-version=7.1"},
			status: 200, contains: []string{`"webUrl":"https://contoso.visualstudio.com/Fabrikam/_git/web-app"`}},
		{name: "no Code scope: connectionData", cfg: with(func(a *Azdo) { a.NoCodeScope = true }), req: azdoReq{host: "dev.azure.com", target: connData}, status: 200, ctype: "application/json"},
		{name: "no Code scope: git", cfg: with(func(a *Azdo) { a.NoCodeScope = true }), req: azdoReq{host: "dev.azure.com", target: repoTarget}, status: 401},
		{name: "no repository access", cfg: with(func(a *Azdo) { a.NoRepoAccess = NoAccessRepo }), req: azdoReq{host: "dev.azure.com", target: repoTarget},
			status: 404, ctype: "application/json", contains: []string{
				`"message":"TF401019: The Git repository with name or identifier web-app does not exist or you do not have permissions for the operation you are attempting."`,
				`"typeKey":"GitRepositoryNotFoundException"`}, userData: true},
		{name: "no project access", cfg: with(func(a *Azdo) { a.NoRepoAccess = NoAccessProject }), req: azdoReq{host: "dev.azure.com", target: repoTarget},
			status: 404, contains: []string{"VS800075: The project with id 'vstfs:///Classification/TeamProject/Fabrikam' does not exist, or you do not have permission to access it.", `"typeKey":"ProjectDoesNotExistException"`}},
		{name: "stakeholder", cfg: with(func(a *Azdo) { a.Access = AccessStakeholder() }), req: azdoReq{host: "dev.azure.com", target: repoTarget},
			status: 404, contains: []string{"TF401019"}},
		{name: "stakeholder in a public project", cfg: with(func(a *Azdo) { a.Access, a.PublicProject = AccessStakeholder(), true }), req: azdoReq{host: "dev.azure.com", target: repoTarget},
			status: 200, contains: []string{`"visibility":"public"`}, userData: true},
		{name: "Visual Studio subscriber assigned Stakeholder reads code", cfg: with(func(a *Azdo) {
			a.Access = AccessLevel{"stakeholder", "Visual Studio Professional subscription", "msdn", "professional", "active"}
		}), req: azdoReq{host: "dev.azure.com", target: repoTarget}, status: 200, contains: []string{`"visibility":"private"`}},
		{name: "project", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: "/contoso/_apis/projects/Fabrikam?api-version=7.1"},
			status: 200, ctype: "application/json", contains: []string{`"id":"` + azdoProjectID + `"`, `"visibility":"private"`, `"state":"wellFormed"`}, userData: true},
		{name: "public project", cfg: with(func(a *Azdo) { a.PublicProject = true }), req: azdoReq{host: "dev.azure.com", target: "/contoso/_apis/projects/" + azdoProjectID},
			status: 200, contains: []string{`"visibility":"public"`}},
		{name: "project the user is not a member of", cfg: with(func(a *Azdo) { a.NoRepoAccess = NoAccessProject }), req: azdoReq{host: "dev.azure.com", target: "/contoso/_apis/projects/Fabrikam"},
			status: 404, contains: []string{"TF200016: The following project does not exist: Fabrikam.", `"typeKey":"ProjectDoesNotExistWithNameException"`}},
		{name: "Stakeholders see their private project", cfg: with(func(a *Azdo) { a.Access = AccessStakeholder() }), req: azdoReq{host: "dev.azure.com", target: "/contoso/_apis/projects/Fabrikam"},
			status: 200, contains: []string{`"visibility":"private"`}},
		{name: "unknown project", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: "/contoso/Other/_apis/git/repositories/web-app"},
			status: 404, contains: []string{"TF200016: The following project does not exist: Other."}},
		{name: "unknown repository", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: "/contoso/Fabrikam/_apis/git/repositories/api"},
			status: 404, contains: []string{"TF401019: The Git repository with name or identifier api does not exist"}},

		{name: "contributor: GenericContribute", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: permTarget("4", "repoV2/"+azdoProjectID+"/"+azdoRepoID)},
			status: 200, contains: []string{`{"count":1,"value":[true]}`}},
		{name: "contributor: PullRequestContribute", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: permTarget("16384", "repoV2/"+azdoProjectID+"/"+azdoRepoID)},
			status: 200, contains: []string{`"value":[true]`}},
		{name: "contributor: not an administrator", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: permTarget("1", "repoV2/"+azdoProjectID+"/"+azdoRepoID)},
			status: 200, contains: []string{`"value":[false]`}},
		{name: "two tokens", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: permTarget("4", "repoV2/"+azdoProjectID, "repoV2/other")},
			status: 200, contains: []string{`{"count":2,"value":[true,false]}`}},
		{name: "not a contributor", cfg: with(func(a *Azdo) { a.NotContributor = true }), req: azdoReq{host: "dev.azure.com", target: permTarget("16384", "repoV2/"+azdoProjectID+"/"+azdoRepoID)},
			status: 200, contains: []string{`"value":[false]`}},
		{name: "not a contributor can read", cfg: with(func(a *Azdo) { a.NotContributor = true }), req: azdoReq{host: "dev.azure.com", target: permTarget("2", "repoV2/"+azdoProjectID+"/"+azdoRepoID)},
			status: 200, contains: []string{`"value":[true]`}},
		{name: "permissions scope missing", cfg: with(func(a *Azdo) { a.PermissionsScopeMissing = true }), req: azdoReq{host: "dev.azure.com", target: permTarget("4", "repoV2/x")}, status: 401},

		{name: "entitlement", cfg: healthy, req: azdoReq{host: "vsaex.dev.azure.com", target: "/contoso/_apis/userentitlements/" + azdoUserID + "?api-version=7.1"},
			status: 200, ctype: "application/json", contains: []string{`"accountLicenseType":"express"`, `"licenseDisplayName":"Basic"`, `"lastAccessedDate":"2026-11-25T09:00:00Z"`}, userData: true},
		{name: "entitlement stakeholder", cfg: with(func(a *Azdo) { a.Access = AccessStakeholder() }), req: azdoReq{host: "vsaex.dev.azure.com", target: "/contoso/_apis/userentitlements/" + azdoUserID},
			status: 200, contains: []string{`"accountLicenseType":"stakeholder"`}},
		{name: "entitlement scope missing", cfg: with(func(a *Azdo) { a.EntitlementScopeMissing = true }), req: azdoReq{host: "vsaex.dev.azure.com", target: "/contoso/_apis/userentitlements/" + azdoUserID}, status: 401},
		{name: "entitlement of another user", cfg: healthy, req: azdoReq{host: "vsaex.dev.azure.com", target: "/contoso/_apis/userentitlements/00000000-0000-0000-0000-000000000001"}, status: 404},

		{name: "organization-scoped PAT on the global host", cfg: healthy, req: azdoReq{host: "app.vssps.visualstudio.com", target: "/_apis/connectionData?api-version=3.0-preview"}, status: 401},
		{name: "global PAT on the global host", cfg: with(func(a *Azdo) { a.GlobalPAT = true }), req: azdoReq{host: "app.vssps.visualstudio.com", target: "/_apis/connectionData?api-version=3.0-preview"},
			status: 200, contains: []string{`"id":"` + azdoUserID + `"`}},
		{name: "global PAT in the organization before its retirement", cfg: with(func(a *Azdo) { a.GlobalPAT = true }), req: azdoReq{host: "dev.azure.com", target: connData},
			status: 200, userData: true},

		{name: "on-premises connectionData", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/tfs/DefaultCollection/_apis/connectionData?api-version=3.0-preview"},
			status: 200, contains: []string{`"deploymentType":"onPremises"`, `"$value":"CONTOSO\\build-bot"`}, userData: true},
		{name: "on-premises repository at 4.1", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/tfs/DefaultCollection/Fabrikam/_apis/git/repositories/web-app?api-version=4.1"},
			status: 200, contains: []string{`"url":"https://tfs.contoso.example/tfs/DefaultCollection/`}},
		{name: "on-premises refuses 7.1", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/tfs/DefaultCollection/Fabrikam/_apis/git/repositories/web-app?api-version=7.1"},
			status: 400, contains: []string{"The requested REST API version of 7.1 is out of range for this server. The latest REST API version this server supports is 7.0.", "VssVersionOutOfRangeException"}},
		{name: "on-premises unknown collection", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/tfs/Other/_apis/connectionData"}, status: 404},
		{name: "on-premises missing collection", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/_apis/connectionData"}, status: 404},
		{name: "on-premises refusal never redirects", cfg: healthy, req: azdoReq{host: "tfs.contoso.example", target: "/tfs/DefaultCollection/_apis/connectionData", pass: "wrong", noSuppress: true},
			status: 401, headers: map[string]string{"WWW-Authenticate": "Bearer"}},
		{name: "POST is not served", cfg: healthy, req: azdoReq{host: "dev.azure.com", target: connData, method: http.MethodPost}, status: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := serveOne(t, tt.cfg, tt.req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			if tt.ctype != "" && !strings.HasPrefix(w.Header().Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type %q, want %q…", w.Header().Get("Content-Type"), tt.ctype)
			}
			for _, c := range tt.contains {
				if !strings.Contains(w.Body.String(), c) {
					t.Errorf("body lacks %s\nbody: %s", c, w.Body)
				}
			}
			for h, prefix := range tt.headers {
				if !strings.HasPrefix(w.Header().Get(h), prefix) {
					t.Errorf("%s = %q, want %q…", h, w.Header().Get(h), prefix)
				}
			}
			for _, h := range []string{"ActivityId", "X-TFS-Session", "X-VSS-E2EID"} {
				if len(w.Header().Get(h)) != 36 {
					t.Errorf("%s = %q, want a GUID", h, w.Header().Get(h))
				}
			}
			// The identity header rides on answers to an accepted PAT only.
			got := w.Header().Get("X-VSS-UserData")
			refused := tt.status == 401 || tt.status == 302 || tt.status == 203 || strings.Contains(w.Body.String(), azdoAnonymousID)
			if tt.userData && got == "" || refused && got != "" {
				t.Errorf("X-VSS-UserData = %q (status %d)", got, tt.status)
			}
			if tt.status == 401 && len(w.Header().Values("WWW-Authenticate")) == 0 {
				t.Error("401 without WWW-Authenticate")
			}
			if tt.ctype == "application/json" || strings.HasPrefix(tt.ctype, "application/json") {
				var v any
				if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
					t.Errorf("body is not JSON: %v", err)
				}
			}
		})
	}
}

// The first Throttle429 requests are blocked the way Azure DevOps blocks
// them; the next one is served.
func TestAzdoThrottle(t *testing.T) {
	t.Parallel()
	cfg := HealthyAzdo()
	cfg.Throttle429 = 2
	q := azdoReq{host: "dev.azure.com", target: connData}
	ws := serveAzdo(t, cfg, q, q, q)
	for i, w := range ws[:2] {
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("request %d: status %d, want 429", i, w.Code)
		}
		if !strings.Contains(w.Body.String(), `"message":"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource Core in namespace User."`) {
			t.Errorf("request %d: body %s", i, w.Body)
		}
		want := map[string]string{
			"Retry-After": "1", "X-RateLimit-Resource": "Core", "X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0",
			"X-RateLimit-Reset": strconv.FormatInt(azdoTestNow.Add(time.Second).Unix(), 10),
		}
		for h, v := range want {
			if got := w.Header().Get(h); got != v {
				t.Errorf("request %d: %s = %q, want %q", i, h, got, v)
			}
		}
	}
	if ws[2].Code != http.StatusOK {
		t.Errorf("after the throttled requests: status %d, want 200", ws[2].Code)
	}
}

// An X-TFS-Session the client sends is echoed, so that both sides log one
// session id.
func TestAzdoEchoesSession(t *testing.T) {
	t.Parallel()
	s := &Servers{PAT: randPAT(), now: func() time.Time { return azdoTestNow }}
	r := httptest.NewRequest(http.MethodGet, "https://dev.azure.com"+connData, nil)
	r.SetBasicAuth("", s.PAT)
	r.Header.Set("X-TFS-Session", "0f0e0d0c-0b0a-4908-8706-050403020100")
	w := httptest.NewRecorder()
	newAzdoHandler(HealthyAzdo(), s).ServeHTTP(w, r)
	if got := w.Header().Get("X-TFS-Session"); got != "0f0e0d0c-0b0a-4908-8706-050403020100" {
		t.Errorf("X-TFS-Session = %q", got)
	}
}

func TestAzdoScenarioCatalog(t *testing.T) {
	t.Parallel()
	want := []string{
		"azdo-healthy", "pat-expired", "pat-sign-in-page", "pat-revoked-or-inactive", "pat-wrong-organization",
		"pat-anonymous", "no-code-scope", "stakeholder", "not-a-contributor", "global-pat", "azdo-legacy-url",
		"azdo-on-prem", "entitlement-unreadable", "stakeholder-public-project", "repo-hidden-public-project",
		"visual-studio-subscriber", "visual-studio-unlisted", "job-token", "job-token-collection", "job-token-expired",
		"global-pat-retired", "proxy-bypass-lookaround",
	}
	ids := []string{checkAzdoPAT, checkAzdoGlobalPAT, checkAzdoCodeRead, checkAzdoContribute, checkAzdoAccessLevel}
	got := map[string]Scenario{}
	for _, sc := range azdoScenarios() {
		if _, dup := got[sc.Name]; dup {
			t.Errorf("duplicate scenario %s", sc.Name)
		}
		got[sc.Name] = sc
		if tok := sc.Env["AZURE_DEVOPS_EXT_PAT"]; sc.Summary == "" || sc.Azdo.Org == "" || tok != "{{pat}}" && tok != "{{jobtoken}}" {
			t.Errorf("%s: incomplete scenario", sc.Name)
		}
		if sonarUnset(sc.Sonar) {
			t.Errorf("%s: no SonarQube", sc.Name)
		}
		for _, id := range ids {
			switch sc.Expect[id] {
			case "pass", "warn", "fail", "skip":
			default:
				t.Errorf("%s: Expect[%s] = %q", sc.Name, id, sc.Expect[id])
			}
		}
	}
	for _, name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("scenario %s missing", name)
		}
	}
}

func sonarUnset(s Sonar) bool { return s.Version == "" && len(s.AzureRecords) == 0 }

// TestAzdoScenariosThroughTheClient runs the Azure DevOps client against
// each scenario's simulator over TLS and the resolve map, as the preflight
// does, and checks what each call concludes.
func TestAzdoScenariosThroughTheClient(t *testing.T) {
	t.Parallel()
	type outcome struct {
		conn, global, repo, perm, ent azdo.Failure // "" = success
		globalPAT, contribute         bool
		public                        bool   // the project's visibility, read from the project itself
		buildService                  string // the build service connectionData names, for the job's token
		level                         azdo.Level
		deployment                    azdo.Deployment
	}
	healthy := outcome{contribute: true, level: azdo.LevelBasic, deployment: azdo.Services}
	refused := func(f azdo.Failure) outcome {
		o := healthy
		o.conn, o.repo, o.perm, o.ent = f, f, f, f
		// The global host applies the PAT's state too; a 401 there reads
		// as "not global", a sign-in page as "cannot tell".
		if f == azdo.FailureSignInPage {
			o.global = f
		}
		return o
	}
	want := map[string]outcome{
		"azdo-healthy":            healthy,
		"azdo-legacy-url":         healthy,
		"pat-expired":             refused(azdo.FailureExpired),
		"pat-sign-in-page":        refused(azdo.FailureSignInPage),
		"pat-revoked-or-inactive": refused(azdo.FailureUnauthorized),
		"pat-wrong-organization":  refused(azdo.FailureNotFound),
		"pat-anonymous":           refused(azdo.FailureAnonymous),
		"no-code-scope":           {repo: azdo.FailureUnauthorized, ent: azdo.FailureUnauthorized, contribute: true, deployment: azdo.Services},
		"stakeholder":             {repo: azdo.FailureNoAccess, contribute: true, level: azdo.LevelStakeholder, deployment: azdo.Services},
		"not-a-contributor":       {level: azdo.LevelBasic, deployment: azdo.Services},
		"global-pat":              {globalPAT: true, contribute: true, level: azdo.LevelBasic, deployment: azdo.Services},
		"entitlement-unreadable":  {ent: azdo.FailureUnauthorized, contribute: true, deployment: azdo.Services},
		"azdo-on-prem":            {contribute: true, deployment: azdo.Server},
		// Stakeholders read code in public projects (Stakeholder access
		// quick reference); the entitlement still says Stakeholder.
		"stakeholder-public-project": {contribute: true, level: azdo.LevelStakeholder, deployment: azdo.Services, public: true},
		"repo-hidden-public-project": {repo: azdo.FailureNoAccess, contribute: true, level: azdo.LevelBasic, deployment: azdo.Services, public: true},
		"visual-studio-subscriber":   {contribute: true, level: azdo.LevelBasic, deployment: azdo.Services},
		"visual-studio-unlisted":     {contribute: true, level: azdo.LevelUnknown, deployment: azdo.Services},
		// The job's token reads its own project's repository; the global
		// host refuses it; the build service has no user entitlement.
		"job-token":            {ent: azdo.FailureNotFound, contribute: true, deployment: azdo.Services, buildService: "Fabrikam Build Service (contoso)"},
		"job-token-collection": {ent: azdo.FailureNotFound, contribute: true, deployment: azdo.Services, buildService: "Project Collection Build Service (contoso)"},
		"job-token-expired":    refused(azdo.FailureUnauthorized),
		// From 2026-12-01 a global PAT is refused like a revoked one.
		"global-pat-retired": refused(azdo.FailureUnauthorized),
		// Azure DevOps answers as usual; the scenario is about the proxy.
		"proxy-bypass-lookaround": healthy,
		// Azure DevOps answers as usual; SonarQube's own call fails.
		"sonarqube-path-blocked": healthy,
	}
	// The anonymous answer to the git and entitlement calls is a 401.
	anon := want["pat-anonymous"]
	anon.repo, anon.perm, anon.ent = azdo.FailureUnauthorized, azdo.FailureUnauthorized, azdo.FailureUnauthorized
	want["pat-anonymous"] = anon
	for _, sc := range azdoScenarios() {
		w, ok := want[sc.Name]
		if !ok {
			t.Errorf("scenario %s has no expected client outcome", sc.Name)
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			at := azdoTestNow
			if !sc.At.IsZero() {
				at = sc.At
			}
			sim, err := Start(sc, Options{Dir: t.TempDir(), Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sim.Close)
			hc, err := httpx.New(httpx.Options{CAFiles: []string{sim.CAFile}, Resolve: sim.Resolve, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			env := sim.Env()
			org, project, repo, err := azdo.ParseRepoURI(env["BUILD_REPOSITORY_URI"])
			if err != nil {
				t.Fatal(err)
			}
			if same, err := azdo.SameOrg(env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"], org.BaseURL); err != nil || !same {
				t.Fatalf("repository URI and collection URI name different organizations: %v", err)
			}
			if org.Deployment != w.deployment {
				t.Errorf("deployment %v, want %v", org.Deployment, w.deployment)
			}
			pat := secret.New(env["AZURE_DEVOPS_EXT_PAT"])
			c := azdo.New(org, pat, hc)
			ctx := context.Background()
			var errs []error
			check := func(what string, err error, want azdo.Failure) {
				t.Helper()
				errs = append(errs, err)
				if got := azdo.Classify(err); got != want {
					t.Errorf("%s: failure %q, want %q (%v)", what, got, want, err)
				}
			}

			cd, err := c.ConnectionData(ctx)
			check("connectionData", err, w.conn)
			userID := azdoUserID
			if err == nil {
				userID = cd.AuthenticatedUser.ID
				if cd.UserData == "" || cd.AuthenticatedUser.Account == "" && w.buildService == "" {
					t.Errorf("connectionData lacks the account: %+v", cd)
				}
				if cd.AuthenticatedUser.IsBuildService() != (w.buildService != "") || w.buildService != "" && cd.AuthenticatedUser.ProviderDisplayName != w.buildService {
					t.Errorf("connectionData identity %+v, want build service %q", cd.AuthenticatedUser, w.buildService)
				}
			}
			global, err := c.IsGlobalPAT(ctx)
			check("global probe", err, w.global)
			if global != w.globalPAT {
				t.Errorf("IsGlobalPAT = %v, want %v", global, w.globalPAT)
			}
			r, err := c.Repository(ctx, project, repo)
			check("repository", err, w.repo)
			projectID, repoID := azdoProjectID, azdoRepoID
			if err == nil {
				projectID, repoID = r.Project.ID, r.ID
			}
			if err == nil && r.Project.Public() != w.public {
				t.Errorf("repository's project visibility %q, want public=%v", r.Project.Visibility, w.public)
			}
			if w.conn == "" && org.Deployment == azdo.Services {
				p, err := c.Project(ctx, project)
				if err != nil || p.Public() != w.public || p.ID != azdoProjectID {
					t.Errorf("Project = %+v, %v; want public=%v", p, err, w.public)
				}
			}
			for _, bits := range []int{azdo.GenericContribute, azdo.PullRequestContribute} {
				ok, err := c.HasPermissions(ctx, azdo.GitNamespace, bits, azdo.RepoToken(projectID, repoID))
				check("permissions", err, w.perm)
				if err == nil && ok != w.contribute {
					t.Errorf("HasPermissions(%d) = %v, want %v", bits, ok, w.contribute)
				}
			}
			e, err := c.Entitlement(ctx, userID)
			if org.Deployment == azdo.Server {
				if !errors.Is(err, azdo.ErrServicesOnly) {
					t.Errorf("entitlement on Server: %v, want ErrServicesOnly", err)
				}
			} else {
				check("entitlement", err, w.ent)
				if err == nil && e.Level() != w.level {
					t.Errorf("Level() = %s, want %s", e.Level(), w.level)
				}
			}
			for _, err := range errs {
				if err == nil {
					continue
				}
				for _, f := range secret.Forms(pat.Value()) {
					if strings.Contains(err.Error(), f) {
						t.Errorf("error leaks a form of the PAT: %v", err)
					}
				}
			}
			for _, line := range sim.Requests() {
				if strings.Contains(line, base64.StdEncoding.EncodeToString([]byte(":"+pat.Value()))) {
					t.Errorf("request line carries the credential: %s", line)
				}
			}
		})
	}
}

// From 2026-12-01 (the simulator's clock) Azure DevOps refuses a global PAT
// everywhere, with the bare answer of any token it no longer accepts; an
// organization-scoped PAT is unaffected, and so is Azure DevOps Server.
func TestAzdoRetiresGlobalPATs(t *testing.T) {
	t.Parallel()
	global := HealthyAzdo()
	global.GlobalPAT = true
	tests := []struct {
		name   string
		cfg    Azdo
		at     time.Time
		host   string
		target string
		status int
	}{
		{"the evening before", global, GlobalPATRetirement.Add(-time.Minute), "dev.azure.com", connData, 200},
		{"on the day", global, GlobalPATRetirement, "dev.azure.com", connData, 401},
		{"on the global host", global, GlobalPATRetirement, "app.vssps.visualstudio.com", "/_apis/connectionData", 401},
		{"user entitlements", global, GlobalPATRetirement.Add(time.Hour), "vsaex.dev.azure.com", "/contoso/_apis/userentitlements/" + azdoUserID, 401},
		{"an organization PAT", HealthyAzdo(), GlobalPATRetirement.Add(time.Hour), "dev.azure.com", connData, 200},
		{"Azure DevOps Server", global, GlobalPATRetirement.Add(time.Hour), "tfs.contoso.example", "/tfs/DefaultCollection/_apis/connectionData", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Servers{PAT: randPAT(), JobToken: randJobToken(), now: func() time.Time { return tt.at }}
			r := httptest.NewRequest(http.MethodGet, "https://"+tt.host+tt.target, nil)
			r.SetBasicAuth("", s.PAT)
			r.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
			w := httptest.NewRecorder()
			newAzdoHandler(tt.cfg, s).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 401 && (w.Body.Len() != 0 || len(w.Header().Values("WWW-Authenticate")) == 0) {
				t.Errorf("401 with body %q, challenges %v: want the bare refusal", w.Body, w.Header().Values("WWW-Authenticate"))
			}
		})
	}
}
