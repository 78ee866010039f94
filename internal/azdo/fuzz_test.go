package azdo

import (
	"net/http"
	"strings"
	"testing"

	"sonar-preflight/internal/httpx"
)

// Seed corpora also live in testdata/fuzz/<target>/.

// flipASCIICase changes the case of ASCII letters only: URL hosts, schemes
// and Azure DevOps names are case-insensitive in ASCII, which is all the
// key promises.
func flipASCIICase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

func FuzzParseOrgURL(f *testing.F) {
	for _, s := range []string{
		"https://dev.azure.com/contoso",
		"https://contoso.visualstudio.com/DefaultCollection/",
		"https://contoso@dev.azure.com/contoso/Fabrikam/_git/web-app",
		"http://build01:8080/tfs/DefaultCollection",
		"https://tfs.contoso.example/tfs/My%20Collection/Project/_git/repo",
		"https://[fd00::1]:8443/Main",
		"git@ssh.dev.azure.com:v3/contoso/Fabrikam/web-app",
		"https://dev.azure.com/%zz",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrgURL(s)
		// ParseRepoURI shares the parser; it must not panic either.
		_, _, _, _ = ParseRepoURI(s)
		if err != nil {
			return
		}
		if o.Deployment != Services && o.Deployment != Server {
			t.Fatalf("%q: deployment %v", s, o.Deployment)
		}
		if o.Name == "" || o.BaseURL == "" || o.Key == "" || strings.HasSuffix(o.BaseURL, "/") {
			t.Fatalf("%q: incomplete org %+v", s, o)
		}
		if same, err := SameOrg(s, s); err != nil || !same {
			t.Fatalf("SameOrg(%q, itself) = %v, %v", s, same, err)
		}
		// The canonical base URL names the same organization.
		if b, err := ParseOrgURL(o.BaseURL); err != nil || b.Key != o.Key {
			t.Fatalf("%q: base %q reparses to %+v, %v; want key %q", s, o.BaseURL, b, err, o.Key)
		}
		// Letter case and a trailing slash do not change the key.
		trimmed := strings.TrimSpace(s)
		if !strings.ContainsAny(trimmed, "?#") {
			for _, v := range []string{flipASCIICase(s), trimmed + "/"} {
				ov, err := ParseOrgURL(v)
				if err != nil {
					t.Fatalf("%q parses but its variant %q does not: %v", s, v, err)
				}
				if ov.Key != o.Key {
					t.Fatalf("key of %q is %q, of its variant %q is %q", s, o.Key, v, ov.Key)
				}
			}
		}
	})
}

func FuzzDecodeConnectionData(f *testing.F) {
	f.Add([]byte(connectionBody))
	f.Add([]byte(anonymousBody))
	f.Add([]byte(`{"authenticatedUser":{"id":"x","properties":{"Account":{"$type":"System.Int32","$value":3}}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cd, err := decodeConnectionData(b)
		if err == nil && cd.AuthenticatedUser.ID == "" {
			t.Fatal("decoded connectionData without a user id")
		}
	})
}

func FuzzDecodeRepository(f *testing.F) {
	f.Add([]byte(repositoryBody))
	f.Add([]byte(`{"id":"r","project":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRepository(b)
		if err == nil && (r.ID == "" || r.Project.ID == "") {
			t.Fatal("decoded a repository without ids")
		}
	})
}

func FuzzDecodePermissions(f *testing.F) {
	f.Add([]byte(`{"count":1,"value":[true]}`))
	f.Add([]byte(`{"count":2,"value":[false,true]}`))
	f.Add([]byte(`{"count":0,"value":[]}`))
	f.Add([]byte(`{"value":[1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodePermissions(b)
		if err == nil && len(v) == 0 {
			t.Fatal("decoded permissions without values")
		}
	})
}

func FuzzDecodeEntitlement(f *testing.F) {
	f.Add([]byte(entitlementBody))
	f.Add([]byte(`{"accessLevel":{"accountLicenseType":"stakeholder"},"lastAccessedDate":"0001-01-01T08:00:00Z"}`))
	f.Add([]byte(`{"accessLevel":{},"lastAccessedDate":"yesterday"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntitlement(b)
		if err != nil {
			return
		}
		switch e.Level() {
		case LevelBasic, LevelStakeholder, LevelNone, LevelUnknown:
		default:
			t.Fatalf("unknown level %q", e.Level())
		}
	})
}

// FuzzDecodeErrorBody drives the whole failure reading: JSON error bodies,
// HTML pages, any status.
func FuzzDecodeErrorBody(f *testing.F) {
	f.Add(401, "application/json; charset=utf-8", []byte(expiredBody))
	f.Add(404, "application/json", []byte(tf401019Body))
	f.Add(203, "text/html", []byte(signInHTML))
	f.Add(429, "application/json", []byte(tf400733Body))
	f.Add(401, "", []byte{})
	f.Add(302, "text/html", []byte("<title>"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		_, _ = decodeErrorBody(body)
		resp := &httpx.Response{Status: status, Header: http.Header{"Content-Type": {contentType}}, Body: body,
			URL: "https://dev.azure.com/contoso/_apis/connectionData", Method: "GET"}
		e := failureOf(resp, func(s string) string { return s })
		switch e.Failure {
		case FailureSignInPage, FailureExpired, FailureUnauthorized, FailureNotFound, FailureNoAccess,
			FailureForbidden, FailureThrottled, FailureOther:
		default:
			t.Fatalf("status %d: failure %q", status, e.Failure)
		}
		if strings.Contains(e.Error(), "\n") {
			t.Fatalf("error text spans lines: %q", e.Error())
		}
	})
}

func FuzzDecodeRepositories(f *testing.F) {
	f.Add([]byte(`{"count":1,"value":[{"id":"5febef5a-833d-4e14-b9c0-14cb638f91e6","name":"AnotherRepository","url":"https://dev.azure.com/fabrikam/_apis/git/repositories/5febef5a-833d-4e14-b9c0-14cb638f91e6","project":{"id":"6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c","name":"Fabrikam-Fiber-Git","state":"wellFormed","visibility":"private"},"defaultBranch":"refs/heads/master","isDisabled":false}]}`))
	f.Add([]byte(`{"count":0,"value":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		repos, err := decodeRepositories(b)
		if err != nil {
			return
		}
		for _, r := range repos {
			if r.ID == "" || r.Project.ID == "" {
				t.Fatalf("accepted a repository without id or project id: %q", b)
			}
		}
	})
}
