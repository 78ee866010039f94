package simulator

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/sonar"
)

const (
	simUserToken  = "squ_11111111111111111111111111111111111111"
	simAdminToken = "squ_22222222222222222222222222222222222222"
)

var simNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func simServers() *Servers {
	return &Servers{
		SonarURL:   "https://" + SonarHost,
		Token:      simUserToken,
		AdminToken: simAdminToken,
		now:        func() time.Time { return simNow },
	}
}

func basic(token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(token+":"))
}

const (
	errInsufficient = `{"errors":[{"msg":"Insufficient privileges"}]}`
	bindingJSON     = `{"key":"ado","alm":"azure","repository":"web-app","url":"https://dev.azure.com/contoso","slug":"Fabrikam","monorepo":false}`
)

func TestSonarHandler(t *testing.T) {
	t.Parallel()
	user, admin := basic(simUserToken), basic(simAdminToken)
	tests := []struct {
		name   string
		edit   func(*Sonar)
		method string // "" is GET
		target string
		auth   string
		status int
		body   string // exact; unless match is set
		match  string // regular expression the body must match
		ctype  string // "" means: application/json when there is a body
		header [2]string
	}{
		// Status and version need no authentication, even with a bad token.
		{name: "status", target: "/api/system/status", auth: basic("squ_bogus"), status: 200,
			body: `{"id":"147B411E-AY5DkSPHsqRP0Dx1VQ5W","version":"10.7.0.96327","status":"UP"}`},
		{name: "status starting", edit: func(s *Sonar) { s.Status = "STARTING" }, target: "/api/system/status", status: 200,
			match: `"status":"STARTING"`},
		{name: "starting serves nothing else", edit: func(s *Sonar) { s.Status = "STARTING" }, target: "/api/users/current", auth: user, status: 503},
		{name: "safe mode knows no other url", edit: func(s *Sonar) { s.Status = "DB_MIGRATION_NEEDED" }, target: "/api/users/current", auth: user,
			status: 404, body: `{"errors":[{"msg":"Unknown url : /api/users/current"}]}`},
		{name: "server version", edit: func(s *Sonar) { s.Version = "9.9.8.100196" }, target: "/api/server/version", status: 200,
			body: "9.9.8.100196", ctype: "text/plain"},
		{name: "zero version is the default", edit: func(s *Sonar) { s.Version = "" }, target: "/api/server/version", status: 200,
			body: DefaultSonarVersion, ctype: "text/plain"},

		// api/authentication/validate.
		{name: "validate user token", target: "/api/authentication/validate", auth: user, status: 200, body: `{"valid":true}`},
		{name: "validate unknown token", target: "/api/authentication/validate", auth: basic("squ_bogus"), status: 200, body: `{"valid":false}`},
		{name: "validate rejected token", edit: func(s *Sonar) { s.TokenRejected = true }, target: "/api/authentication/validate", auth: user, status: 200, body: `{"valid":false}`},
		{name: "validate admin token despite rejected user token", edit: func(s *Sonar) { s.TokenRejected = true }, target: "/api/authentication/validate", auth: admin, status: 200, body: `{"valid":true}`},
		{name: "validate anonymous, forced", target: "/api/authentication/validate", status: 200, body: `{"valid":false}`},
		{name: "validate anonymous, not forced", edit: func(s *Sonar) { s.ForceAuthenticationOff = true }, target: "/api/authentication/validate", status: 200, body: `{"valid":true}`},
		{name: "validate expired token", edit: func(s *Sonar) { s.TokenExpiresIn = -time.Hour }, target: "/api/authentication/validate", auth: user, status: 200, body: `{"valid":false}`},
		{name: "validate accepts POST", method: "POST", target: "/api/authentication/validate", auth: user, status: 200, body: `{"valid":true}`},

		// Session filter: 401 with an empty body on /api/.
		{name: "bad token", target: "/api/users/current", auth: basic("squ_bogus"), status: 401, body: "", ctype: "-"},
		{name: "rejected token", edit: func(s *Sonar) { s.TokenRejected = true }, target: "/api/settings/values", auth: user, status: 401, body: "", ctype: "-"},
		{name: "anonymous, forced", target: "/api/users/current", status: 401, body: "", ctype: "-"},
		{name: "basic with a password", target: "/api/users/current", auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(simUserToken+":pw")), status: 401, body: "", ctype: "-"},
		{name: "basic without colon", target: "/api/users/current", auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(simUserToken)), status: 401, body: "", ctype: "-"},
		{name: "basic not base64", target: "/api/users/current", auth: "Basic !!!", status: 401, body: "", ctype: "-"},
		{name: "authentication before routing", target: "/api/nope", auth: basic("squ_bogus"), status: 401, body: "", ctype: "-"},
		{name: "unknown url", target: "/api/nope", auth: user, status: 404, body: `{"errors":[{"msg":"Unknown url : /api/nope"}]}`},

		// Bearer: 10.0+ only; 9.x ignores it and the caller is anonymous.
		{name: "bearer on 10.7", target: "/api/users/current", auth: "bEarer " + simUserToken, status: 200, match: `^\{"isLoggedIn":true,.*"login":"ci-bot"`},
		{name: "bearer ignored on 9.9", edit: func(s *Sonar) { s.Version = "9.9.8.100196" }, target: "/api/users/current", auth: "Bearer " + simUserToken, status: 401, body: "", ctype: "-"},
		{name: "bearer on 9.9, not forced: valid yet anonymous", edit: func(s *Sonar) { s.Version = "9.9.8.100196"; s.ForceAuthenticationOff = true },
			target: "/api/authentication/validate", auth: "Bearer " + simUserToken, status: 200, body: `{"valid":true}`},

		// A proxy that strips the Authorization header.
		{name: "stripped, not forced: anonymous user", edit: func(s *Sonar) { s.AuthorizationStripped = true; s.ForceAuthenticationOff = true },
			target: "/api/users/current", auth: user, status: 200,
			body: `{"isLoggedIn":false,"groups":[],"scmAccounts":[],"permissions":{"global":[]},"dismissedNotices":{}}`},
		{name: "stripped, not forced: validate true", edit: func(s *Sonar) { s.AuthorizationStripped = true; s.ForceAuthenticationOff = true },
			target: "/api/authentication/validate", auth: user, status: 200, body: `{"valid":true}`},
		{name: "stripped, forced: 401", edit: func(s *Sonar) { s.AuthorizationStripped = true }, target: "/api/users/current", auth: user, status: 401, body: "", ctype: "-"},

		// api/users/current and the token expiry header.
		{name: "current admin user", target: "/api/users/current", auth: user, status: 200,
			match: `"login":"ci-bot".*"permissions":\{"global":\["admin","gateadmin","profileadmin","provisioning","scan"\]\}`},
		{name: "current user not admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/users/current", auth: user, status: 200,
			match: `"permissions":\{"global":\["provisioning","scan"\]\}`},
		{name: "admin token is admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/users/current", auth: admin, status: 200,
			match: `"login":"admin".*"global":\["admin",`},
		{name: "expiry header", edit: func(s *Sonar) { s.TokenExpiresIn = 7 * 24 * time.Hour }, target: "/api/users/current", auth: user, status: 200,
			match: `"isLoggedIn":true`, header: [2]string{"SonarQube-Authentication-Token-Expiration", "2026-03-08T12:00:00+0200"}},
		{name: "no expiry header on skipped urls", edit: func(s *Sonar) { s.TokenExpiresIn = 7 * 24 * time.Hour }, target: "/api/authentication/validate", auth: user, status: 200,
			body: `{"valid":true}`, header: [2]string{"SonarQube-Authentication-Token-Expiration", ""}},

		// api/settings/values.
		{name: "base url set", target: "/api/settings/values?keys=sonar.core.serverBaseURL", auth: user, status: 200,
			body: `{"settings":[{"key":"sonar.core.serverBaseURL","value":"https://sonar.contoso.example","inherited":false}],"setSecuredSettings":[]}`},
		{name: "base url unset", edit: func(s *Sonar) { s.BaseURL = "" }, target: "/api/settings/values?keys=sonar.core.serverBaseURL", auth: user, status: 200,
			body: `{"settings":[],"setSecuredSettings":[]}`},
		{name: "base url unset before 9.1", edit: func(s *Sonar) { s.BaseURL = ""; s.Version = "8.9.10.61524" }, target: "/api/settings/values?keys=sonar.core.serverBaseURL", auth: user, status: 200,
			body: `{"settings":[]}`},
		{name: "base url placeholder", edit: func(s *Sonar) { s.BaseURL = "{{sonar}}/" }, target: "/api/settings/values?keys=sonar.core.serverBaseURL", auth: user, status: 200,
			match: `"value":"https://sonar.contoso.example/"`},
		{name: "force authentication default", target: "/api/settings/values?keys=sonar.forceAuthentication", auth: user, status: 200,
			body: `{"settings":[{"key":"sonar.forceAuthentication","value":"true","inherited":true}],"setSecuredSettings":[]}`},

		// api/alm_settings/list_definitions.
		{name: "definitions", edit: func(s *Sonar) {
			s.GitHubRecords = []SonarAlmRecord{{Key: "gh", URL: "https://api.github.com", AppID: "12345", ClientID: "Iv1.abc"}}
		}, target: "/api/alm_settings/list_definitions", auth: user, status: 200,
			body: `{"github":[{"key":"gh","url":"https://api.github.com","appId":"12345","clientId":"Iv1.abc"}],"azure":[{"key":"ado","url":"https://dev.azure.com/contoso"}],"bitbucket":[],"gitlab":[],"bitbucketcloud":[]}`},
		{name: "definitions empty", edit: func(s *Sonar) { s.AzureRecords = nil }, target: "/api/alm_settings/list_definitions", auth: user, status: 200,
			body: `{"github":[],"azure":[],"bitbucket":[],"gitlab":[],"bitbucketcloud":[]}`},
		{name: "definitions need admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/alm_settings/list_definitions", auth: user, status: 403, body: errInsufficient},
		{name: "definitions with admin token", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/alm_settings/list_definitions", auth: admin, status: 200, match: `"azure":\[\{"key":"ado"`},
		{name: "definitions wrong method", method: "POST", target: "/api/alm_settings/list_definitions", auth: user, status: 405, body: `{"errors":[{"msg":"HTTP method GET is required"}]}`},
		{name: "definitions DELETE", method: "DELETE", target: "/api/alm_settings/list_definitions", auth: user, status: 405, body: `{"errors":[{"msg":"HTTP method DELETE is not allowed"}]}`},

		// api/alm_settings/list?project=.
		{name: "list for project", edit: func(s *Sonar) { s.GitHubRecords = []SonarAlmRecord{{Key: "aaa-gh", URL: "https://api.github.com"}} },
			target: "/api/alm_settings/list?project=fabrikam-web-app", auth: user, status: 200,
			body: `{"almSettings":[{"key":"aaa-gh","alm":"github","url":"https://api.github.com"},{"key":"ado","alm":"azure","url":"https://dev.azure.com/contoso"}]}`},
		{name: "list needs project admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/alm_settings/list?project=fabrikam-web-app", auth: user, status: 403, body: errInsufficient},
		{name: "list as project admin", edit: func(s *Sonar) { s.UserNotAdmin = true; s.UserIsProjectAdmin = true },
			target: "/api/alm_settings/list?project=fabrikam-web-app", auth: user, status: 200, match: `"key":"ado"`},
		{name: "list unknown project", target: "/api/alm_settings/list?project=other", auth: user, status: 404, body: `{"errors":[{"msg":"Project 'other' not found"}]}`},

		// api/alm_settings/get_binding.
		{name: "binding", target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200, body: bindingJSON},
		{name: "binding 2025.1", edit: func(s *Sonar) { s.Version = "2025.1.0.102418" }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200,
			body: strings.TrimSuffix(bindingJSON, "}") + `,"inlineAnnotationsEnabled":true}`},
		{name: "binding 2025.1, annotations off", edit: func(s *Sonar) { s.Version = "2025.1.0.102418"; f := false; s.Binding.InlineAnnotationsEnabled = &f },
			target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200,
			body: strings.TrimSuffix(bindingJSON, "}") + `,"inlineAnnotationsEnabled":false}`},
		{name: "binding browse is enough on 10.1+", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200, body: bindingJSON},
		{name: "binding needs administer on 9.9", edit: func(s *Sonar) { s.UserNotAdmin = true; s.Version = "9.9.8.100196" },
			target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 403, body: errInsufficient},
		{name: "binding as project admin on 10.0", edit: func(s *Sonar) { s.UserNotAdmin = true; s.UserIsProjectAdmin = true; s.Version = "10.0.0.68432" },
			target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200, body: bindingJSON},
		{name: "not bound", edit: func(s *Sonar) { s.Binding = nil }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 404,
			body: `{"errors":[{"msg":"Project 'fabrikam-web-app' is not bound to any DevOps Platform"}]}`},
		{name: "not bound, 9.x wording", edit: func(s *Sonar) { s.Binding = nil; s.LegacyNotBoundWording = true }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 404,
			body: `{"errors":[{"msg":"Project 'fabrikam-web-app' is not bound to any ALM"}]}`},
		{name: "project missing", edit: func(s *Sonar) { s.ProjectMissing = true }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 404,
			body: `{"errors":[{"msg":"Project 'fabrikam-web-app' not found"}]}`},
		{name: "binding without project", target: "/api/alm_settings/get_binding", auth: user, status: 400, body: `{"errors":[{"msg":"The 'project' parameter is missing"}]}`},
		{name: "dangling binding", edit: func(s *Sonar) { s.DanglingBinding = true }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 500,
			body: `{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}`},
		{name: "github binding 2025.6", edit: func(s *Sonar) {
			s.Version = "2025.6.0.109173"
			s.GitHubRecords = []SonarAlmRecord{{Key: "gh", URL: "https://api.github.com"}}
			s.Binding = &SonarBinding{Key: "gh", Alm: "github", Repository: "contoso/web-app"}
		}, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200,
			body: `{"key":"gh","alm":"github","repository":"contoso/web-app","url":"https://api.github.com","summaryCommentEnabled":true,"monorepo":false,"repositoryUrl":"https://github.com/contoso/web-app"}`},

		// api/alm_settings/validate.
		{name: "validate record", target: "/api/alm_settings/validate?key=ado", auth: user, status: 204, body: "", ctype: "-"},
		{name: "validate PAT rejected", edit: func(s *Sonar) {
			s.ValidationError = map[string]string{"ado": "Invalid Azure URL or Personal Access Token"}
		},
			target: "/api/alm_settings/validate?key=ado", auth: user, status: 400, body: `{"errors":[{"msg":"Invalid Azure URL or Personal Access Token"}]}`},
		{name: "validate record's own error", edit: func(s *Sonar) {
			s.GitHubRecords = []SonarAlmRecord{{Key: "gh", URL: "https://api.github.com", ValidationError: "Missing Client Id"}}
		}, target: "/api/alm_settings/validate?key=gh", auth: user, status: 400, body: `{"errors":[{"msg":"Missing Client Id"}]}`},
		{name: "validate needs admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 403, body: errInsufficient},
		{name: "validate unknown key", target: "/api/alm_settings/validate?key=nope", auth: admin, status: 404,
			body: `{"errors":[{"msg":"DevOps Platform setting with key 'nope' cannot be found"}]}`},
		{name: "validate without key", target: "/api/alm_settings/validate", auth: admin, status: 400, body: `{"errors":[{"msg":"The 'key' parameter is missing"}]}`},

		// Context path, web pages and the sign-in proxy.
		{name: "outside the context path", edit: func(s *Sonar) { s.ContextPath = "/sonarqube" }, target: "/api/system/status", status: 404,
			match: `HTTP Status 404`, ctype: "text/html;charset=utf-8"},
		{name: "under the context path", edit: func(s *Sonar) { s.ContextPath = "/sonarqube/" }, target: "/sonarqube/api/system/status", status: 200, match: `"status":"UP"`},
		{name: "not an api url", target: "/projects", status: 404, match: `HTTP Status 404`, ctype: "text/html;charset=utf-8"},
		{name: "sign-in page instead of JSON", edit: func(s *Sonar) { s.HTMLInsteadOfJSON = true }, target: "/api/system/status", status: 200,
			match: `<title>\s*Sign in to your account\s*</title>`, ctype: "text/html; charset=utf-8"},

		// Token kinds (TokenUserSession): analysis tokens lose what the user has.
		{name: "global analysis token's permissions", edit: func(s *Sonar) { s.TokenKind = "global-analysis" }, target: "/api/users/current", auth: user, status: 200,
			match: `"permissions":\{"global":\["provisioning","scan"\]\}`},
		{name: "project analysis token's permissions", edit: func(s *Sonar) { s.TokenKind = "project-analysis" }, target: "/api/users/current", auth: user, status: 200,
			match: `"permissions":\{"global":\[\]\}`},
		{name: "analysis token cannot read the binding", edit: func(s *Sonar) { s.TokenKind = "global-analysis" }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 403, body: errInsufficient},
		{name: "analysis token cannot list definitions", edit: func(s *Sonar) { s.TokenKind = "project-analysis" }, target: "/api/alm_settings/list_definitions", auth: user, status: 403, body: errInsufficient},
		{name: "analysis token cannot validate", edit: func(s *Sonar) { s.TokenKind = "global-analysis" }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 403, body: errInsufficient},
		{name: "analysis token cannot list for a project", edit: func(s *Sonar) { s.TokenKind = "global-analysis" }, target: "/api/alm_settings/list?project=fabrikam-web-app", auth: user, status: 403, body: errInsufficient},
		{name: "global analysis token may list every record", edit: func(s *Sonar) { s.TokenKind = "global-analysis" }, target: "/api/alm_settings/list", auth: user, status: 200,
			body: `{"almSettings":[{"key":"ado","alm":"azure","url":"https://dev.azure.com/contoso"}]}`},
		{name: "project analysis token may not list", edit: func(s *Sonar) { s.TokenKind = "project-analysis" }, target: "/api/alm_settings/list", auth: user, status: 403, body: errInsufficient},
		{name: "list without project, not admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/alm_settings/list", auth: user, status: 200, match: `"key":"ado"`},

		// Records without URL (before 8.6) and how validate treats record URLs.
		{name: "record without url", edit: func(s *Sonar) { s.AzureRecords[0].URL = "" }, target: "/api/alm_settings/list_definitions", auth: user, status: 200,
			body: `{"github":[],"azure":[{"key":"ado"}],"bitbucket":[],"gitlab":[],"bitbucketcloud":[]}`},
		{name: "list record without url", edit: func(s *Sonar) { s.AzureRecords[0].URL = "" }, target: "/api/alm_settings/list?project=fabrikam-web-app", auth: user, status: 200,
			body: `{"almSettings":[{"key":"ado","alm":"azure"}]}`},
		{name: "validate record without url", edit: func(s *Sonar) { s.AzureRecords[0].URL = "" }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 500,
			body: `{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}`},
		{name: "validate no scheme on 2025", edit: func(s *Sonar) { s.Version = "2025.1.0.102418"; s.AzureRecords[0].URL = "dev.azure.com/contoso" }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 500,
			body: `{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}`},
		{name: "validate no scheme on 10.7", edit: func(s *Sonar) { s.AzureRecords[0].URL = "dev.azure.com/contoso" }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 400,
			body: `{"errors":[{"msg":"Invalid Azure URL or Personal Access Token"}]}`},
		{name: "validate http on 2025", edit: func(s *Sonar) { s.Version = "2025.3.0.108892"; s.AzureRecords[0].URL = "http://dev.azure.com/contoso" }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 400,
			body: `{"errors":[{"msg":"Invalid Azure URL or Personal Access Token"}]}`},
		{name: "validate http on 10.7 follows the redirect", edit: func(s *Sonar) { s.AzureRecords[0].URL = "http://dev.azure.com/contoso" }, target: "/api/alm_settings/validate?key=ado", auth: user, status: 204, body: "", ctype: "-"},
		{name: "validate http to a server on 2025", edit: func(s *Sonar) {
			s.Version = "2025.3.0.108892"
			s.AzureRecords[0].URL = "http://tfs.contoso.example/tfs/DefaultCollection"
		}, target: "/api/alm_settings/validate?key=ado", auth: user, status: 204, body: "", ctype: "-"},

		// api/navigation/global and api/features/list.
		{name: "navigation 10.7", target: "/api/navigation/global", auth: user, status: 200,
			body: `{"canAdmin":true,"edition":"developer","globalPages":[],"instanceUsesDefaultAdminCredentials":false,"needIssueSync":false,"productionDatabase":true,"qualifiers":["TRK"],"settings":{"sonar.updatecenter.activate":"true"},"standalone":true,"version":"10.7","versionEOL":"2026-07-01"}`},
		{name: "navigation 9.9 community", edit: func(s *Sonar) { s.Version = "9.9.8.100196"; s.Edition = "community"; s.UserNotAdmin = true }, target: "/api/navigation/global", auth: user, status: 200,
			body: `{"branchesEnabled":false,"canAdmin":false,"edition":"community","globalPages":[],"multipleAlmEnabled":false,"needIssueSync":false,"productionDatabase":true,"qualifiers":["TRK"],"settings":{"sonar.updatecenter.activate":"true"},"standalone":true,"version":"9.9.8"}`},
		{name: "navigation without edition", edit: func(s *Sonar) { s.Edition = "none" }, target: "/api/navigation/global", auth: user, status: 200, match: `^\{"canAdmin":true,"globalPages"`},
		{name: "navigation needs a session when forced", target: "/api/navigation/global", status: 401, body: "", ctype: "-"},
		{name: "navigation blocked by a proxy", edit: func(s *Sonar) { s.InternalAPIsBlocked = true }, target: "/api/navigation/global", auth: user, status: 403, match: `403 Forbidden`, ctype: "text/html"},
		{name: "features developer", target: "/api/features/list", auth: user, status: 200, body: `["branch-support"]`},
		{name: "features enterprise", edit: func(s *Sonar) { s.Edition = "enterprise" }, target: "/api/features/list", auth: user, status: 200, body: `["branch-support","multiple-alm","monorepo"]`},
		{name: "features community", edit: func(s *Sonar) { s.Edition = "community" }, target: "/api/features/list", auth: user, status: 200, body: `[]`},
		{name: "features community with a branch plugin", edit: func(s *Sonar) { s.Edition = "community"; s.BranchPlugin = true }, target: "/api/features/list", auth: user, status: 200, body: `["branch-support"]`},
		{name: "features before 9.6", edit: func(s *Sonar) { s.Version = "9.5.0.56709" }, target: "/api/features/list", auth: user, status: 404, body: `{"errors":[{"msg":"Unknown url : /api/features/list"}]}`},

		// api/system/info: the effective settings, for administrators.
		{name: "system info", target: "/api/system/info", auth: user, status: 200, match: `"Settings":\{[^}]*"sonar.core.serverBaseURL":"https://sonar.contoso.example"`},
		{name: "system info, value from sonar.properties", edit: func(s *Sonar) {
			s.BaseURL = "http://localhost:9000"
			s.SystemBaseURL = " https://sonar.contoso.example "
		}, target: "/api/system/info", auth: user, status: 200,
			match: `"Settings":\{[^}]*"sonar.core.serverBaseURL":"https://sonar.contoso.example"`},
		{name: "system info, unset", edit: func(s *Sonar) { s.BaseURL = "" }, target: "/api/system/info", auth: user, status: 200, match: `"Settings":\{"sonar.core.id":"[^"]+","sonar.core.startTime"`},
		{name: "settings/values never shows the system layer", edit: func(s *Sonar) { s.BaseURL = ""; s.SystemBaseURL = "https://sonar.contoso.example" },
			target: "/api/settings/values?keys=sonar.core.serverBaseURL", auth: user, status: 200, body: `{"settings":[],"setSecuredSettings":[]}`},
		{name: "system info needs admin", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/system/info", auth: user, status: 403, body: errInsufficient},
		{name: "system info with the admin token", edit: func(s *Sonar) { s.UserNotAdmin = true }, target: "/api/system/info", auth: admin, status: 200, match: `"Edition":"Developer"`},

		// A scenario about another service leaves Sonar zero: healthy.
		{name: "zero Sonar is healthy", edit: func(s *Sonar) { *s = Sonar{} }, target: "/api/alm_settings/get_binding?project=fabrikam-web-app", auth: user, status: 200, body: bindingJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := HealthySonar()
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, "https://"+SonarHost+tt.target, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			newSonarHandler(cfg, simServers()).ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d (body %s)", res.StatusCode, tt.status, body)
			}
			if tt.match != "" {
				if !regexp.MustCompile(tt.match).Match(body) {
					t.Errorf("body %s does not match %s", body, tt.match)
				}
			} else if string(body) != tt.body {
				t.Errorf("body %s\nwant %s", body, tt.body)
			}
			wantCT := tt.ctype
			switch {
			case wantCT == "-":
				wantCT = ""
			case wantCT == "" && len(body) > 0:
				wantCT = "application/json"
			}
			if got := res.Header.Get("Content-Type"); got != wantCT {
				t.Errorf("Content-Type %q, want %q", got, wantCT)
			}
			if h := tt.header; h[0] != "" {
				if got := res.Header.Get(h[0]); got != h[1] {
					t.Errorf("%s: %q, want %q", h[0], got, h[1])
				}
			}
		})
	}
}

// TestSonarClientAgainstSimulator runs the real client against the
// simulator's answers, so the two cannot drift apart unnoticed.
func TestSonarClientAgainstSimulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := func(t *testing.T, edit func(*Sonar)) (*sonar.Client, *sonar.Client) {
		cfg := HealthySonar()
		cfg.ContextPath = "/sonarqube"
		if edit != nil {
			edit(&cfg)
		}
		srv := httptest.NewServer(newSonarHandler(cfg, simServers()))
		t.Cleanup(srv.Close)
		c, err := sonar.New(srv.URL+"/sonarqube", secret.New(simUserToken), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c, c.WithToken(secret.New(simAdminToken))
	}

	t.Run("healthy 2025.1", func(t *testing.T) {
		t.Parallel()
		c, _ := start(t, func(s *Sonar) { s.Version = "2025.1.0.102418"; s.TokenExpiresIn = 10 * 24 * time.Hour })
		st, err := c.Status(ctx)
		if err != nil || st.Status != sonar.StatusUp || st.Version != "2025.1.0.102418" {
			t.Fatalf("Status: %+v, %v", st, err)
		}
		if v, err := c.ServerVersion(ctx); err != nil || v != "2025.1.0.102418" {
			t.Errorf("ServerVersion: %q, %v", v, err)
		}
		if ok, err := c.ValidateToken(ctx); err != nil || !ok {
			t.Errorf("ValidateToken: %v, %v", ok, err)
		}
		u, err := c.CurrentUser(ctx)
		if err != nil || !u.IsLoggedIn || !u.HasGlobal(sonar.PermAdmin) {
			t.Fatalf("CurrentUser: %+v, %v", u, err)
		}
		if want := simNow.Add(10 * 24 * time.Hour); !u.TokenExpiration.Equal(want) {
			t.Errorf("TokenExpiration %v, want %v", u.TokenExpiration, want)
		}
		if v, set, err := c.Setting(ctx, "sonar.core.serverBaseURL"); err != nil || !set || v != "https://"+SonarHost {
			t.Errorf("Setting: %q %v %v", v, set, err)
		}
		d, err := c.ListDefinitions(ctx)
		if err != nil || len(d.Azure) != 1 || d.Azure[0].URL != defaultOrgURL {
			t.Errorf("ListDefinitions: %+v, %v", d, err)
		}
		if l, err := c.ListForProject(ctx, defaultProjectKey); err != nil || len(l) != 1 || l[0].Alm != sonar.AlmAzure {
			t.Errorf("ListForProject: %+v, %v", l, err)
		}
		b, err := c.Binding(ctx, defaultProjectKey)
		if err != nil || b.Slug != defaultProject || b.Repository != defaultRepo || b.InlineAnnotationsEnabled == nil {
			t.Errorf("Binding: %+v, %v", b, err)
		}
		if err := c.ValidateSetting(ctx, defaultAlmKey); err != nil {
			t.Errorf("ValidateSetting: %v", err)
		}
		nav, err := c.Navigation(ctx)
		if err != nil || nav.Edition != "developer" || nav.BranchesEnabled != nil {
			t.Errorf("Navigation: %+v, %v", nav, err)
		}
		f, err := c.Features(ctx)
		if err != nil {
			t.Fatalf("Features: %v", err)
		}
		v, _ := sonar.ParseVersion(st.Version)
		if e := sonar.DetermineEdition(nav, f, true, v); e.Edition != sonar.EditionDeveloper || e.PullRequests != sonar.Supported || e.MultipleRecords != sonar.NotSupported {
			t.Errorf("edition %+v", e)
		}
		si, err := c.SystemInfoSettings(ctx)
		if u, set := si.BaseURL(); err != nil || !set || u != "https://"+SonarHost {
			t.Errorf("SystemInfoSettings: %q %v %v", u, set, err)
		}
		if fb := si.FallbackBaseURL(); fb != "http://localhost:9000/sonarqube" {
			t.Errorf("fallback %q", fb)
		}
	})

	t.Run("9.5 community: no features, navigation flags", func(t *testing.T) {
		t.Parallel()
		c, _ := start(t, func(s *Sonar) { s.Version = "9.5.0.56709"; s.Edition = "community" })
		nav, err := c.Navigation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Features(ctx); !sonar.IsUnknownURL(err) {
			t.Fatalf("Features: %v", err)
		}
		e := sonar.DetermineEdition(nav, nil, false, sonar.Version{Major: 9, Minor: 5})
		if e.Edition != sonar.EditionCommunity || e.PullRequests != sonar.NotSupported || e.MultipleRecords != sonar.NotSupported {
			t.Errorf("edition %+v", e)
		}
	})

	t.Run("base URL only in sonar.properties", func(t *testing.T) {
		t.Parallel()
		c, _ := start(t, func(s *Sonar) { s.BaseURL = ""; s.SystemBaseURL = "https://sonar.contoso.example/sonarqube" })
		if _, set, err := c.Setting(ctx, sonar.KeyServerBaseURL); err != nil || set {
			t.Errorf("the UI layer shows it: %v %v", set, err)
		}
		si, err := c.SystemInfoSettings(ctx)
		if u, set := si.BaseURL(); err != nil || !set || u != "https://sonar.contoso.example/sonarqube" {
			t.Errorf("SystemInfoSettings: %q %v %v", u, set, err)
		}
	})

	t.Run("failures the checks rely on", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			edit func(*Sonar)
			call func(c, admin *sonar.Client) error
			is   func(error) bool
		}{
			{"token rejected", func(s *Sonar) { s.TokenRejected = true },
				func(c, _ *sonar.Client) error { _, err := c.CurrentUser(ctx); return err }, sonar.IsUnauthorized},
			{"not admin", func(s *Sonar) { s.UserNotAdmin = true },
				func(c, _ *sonar.Client) error { _, err := c.ListDefinitions(ctx); return err }, sonar.IsInsufficientPrivileges},
			{"not bound", func(s *Sonar) { s.Binding = nil },
				func(c, _ *sonar.Client) error { _, err := c.Binding(ctx, defaultProjectKey); return err }, sonar.IsNotBound},
			{"not bound, 9.x", func(s *Sonar) { s.Binding = nil; s.LegacyNotBoundWording = true; s.Version = "9.9.8.100196" },
				func(_, admin *sonar.Client) error { _, err := admin.Binding(ctx, defaultProjectKey); return err }, sonar.IsNotBound},
			{"project missing", func(s *Sonar) { s.ProjectMissing = true },
				func(c, _ *sonar.Client) error { _, err := c.Binding(ctx, defaultProjectKey); return err }, sonar.IsProjectNotFound},
			{"PAT rejected", func(s *Sonar) {
				s.ValidationError = map[string]string{defaultAlmKey: "Invalid Azure URL or Personal Access Token"}
			},
				func(c, _ *sonar.Client) error { return c.ValidateSetting(ctx, defaultAlmKey) },
				func(err error) bool {
					return httpx.StatusOf(err) == 400 && strings.HasSuffix(err.Error(), "Invalid Azure URL or Personal Access Token")
				}},
			{"system info needs admin", func(s *Sonar) { s.UserNotAdmin = true },
				func(c, _ *sonar.Client) error { _, err := c.SystemInfoSettings(ctx); return err }, sonar.IsInsufficientPrivileges},
			{"analysis token reads no binding", func(s *Sonar) { s.TokenKind = "project-analysis" },
				func(c, _ *sonar.Client) error { _, err := c.Binding(ctx, defaultProjectKey); return err }, sonar.IsInsufficientPrivileges},
			{"internal APIs blocked", func(s *Sonar) { s.InternalAPIsBlocked = true },
				func(c, _ *sonar.Client) error { _, err := c.Navigation(ctx); return err },
				func(err error) bool { return httpx.StatusOf(err) == 403 && !sonar.IsInsufficientPrivileges(err) }},
			{"sign-in page", func(s *Sonar) { s.HTMLInsteadOfJSON = true },
				func(c, _ *sonar.Client) error { _, err := c.Status(ctx); return err },
				func(err error) bool { return httpx.KindOf(err) == httpx.KindDecode }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				c, admin := start(t, tt.edit)
				err := tt.call(c, admin)
				if err == nil || !tt.is(err) {
					t.Errorf("err %v not recognised", err)
				}
				var he *httpx.Error
				if !errors.As(err, &he) {
					t.Errorf("%T is not *httpx.Error", err)
				}
				for _, tok := range []string{simUserToken, simAdminToken} {
					for _, f := range secret.Forms(tok) {
						if strings.Contains(err.Error(), f) {
							t.Errorf("error reveals a token: %v", err)
						}
					}
				}
			})
		}
	})
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(?:[-.][a-z0-9]+)*$`)

func TestSonarScenarios(t *testing.T) {
	t.Parallel()
	ids := []string{checkConfig, checkSonarServer, checkSonarEdition, checkSonarToken, checkSonarBaseURL, checkSonarDevOps, checkSonarBinding, checkSonarPAT}
	seen := map[string]bool{}
	for _, sc := range sonarScenarios() {
		if seen[sc.Name] {
			t.Errorf("duplicate scenario %q", sc.Name)
		}
		seen[sc.Name] = true
		if !kebab.MatchString(sc.Name) {
			t.Errorf("%q is not kebab-case", sc.Name)
		}
		if s := strings.TrimSpace(sc.Summary); !strings.HasSuffix(s, ".") || strings.Count(strings.TrimSuffix(s, "."), ". ") > 0 {
			t.Errorf("%s: summary is not one sentence: %q", sc.Name, sc.Summary)
		}
		for _, id := range ids {
			switch sc.Expect[id] {
			case "pass", "warn", "fail", "skip":
			default:
				t.Errorf("%s: expectation for %s is %q", sc.Name, id, sc.Expect[id])
			}
		}
		if len(sc.Expect) != len(ids) {
			t.Errorf("%s: %d expectations, want %d", sc.Name, len(sc.Expect), len(ids))
		}
	}
	for _, name := range []string{"healthy", "healthy-9.9", "healthy-2025", DefaultScenario, "base-url-loopback", "base-url-other-host",
		"no-devops-config", "wrong-organization", "project-not-bound", "bound-other-repository", "pat-rejected", "token-rejected",
		"token-expiring", "token-not-admin", "admin-token", "server-starting", "db-migration-needed", "old-server", "force-auth-off-anonymous"} {
		if !seen[name] {
			t.Errorf("scenario %q is missing", name)
		}
	}
}

// TestHealthySonarIsIndependent: scenarios edit their copy; the next
// HealthySonar() must not see it.
func TestHealthySonarIsIndependent(t *testing.T) {
	t.Parallel()
	a := HealthySonar()
	a.Binding.Repository = "changed"
	a.AzureRecords[0].URL = "changed"
	b := HealthySonar()
	if b.Binding.Repository != defaultRepo || b.AzureRecords[0].URL != defaultOrgURL {
		t.Errorf("HealthySonar shares state between calls: %+v %+v", b.Binding, b.AzureRecords)
	}
}
