package sonar

import (
	"strings"
	"testing"
)

// The decoders read whatever a server (or something in front of it) sends:
// they must never panic, and what they accept must be usable.

func FuzzDecodeStatus(f *testing.F) {
	f.Add([]byte(`{"id":"20150504120436","version":"5.1","status":"UP"}`))
	f.Add([]byte(`{"status":"UP"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeStatus(b)
		if err == nil && (s == nil || s.Status == "") {
			t.Fatalf("accepted %q without a status", b)
		}
	})
}

func FuzzDecodeValidate(f *testing.F) {
	f.Add([]byte(`{"valid":true}`))
	f.Add([]byte(`{"valid":false}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeValidate(b)
	})
}

func FuzzDecodeCurrentUser(f *testing.F) {
	f.Add([]byte(`{"isLoggedIn":true,"login":"obiwan.kenobi","name":"Obiwan Kenobi","permissions":{"global":["profileadmin","scan"]}}`))
	f.Add([]byte(`{"isLoggedIn":false,"groups":[],"scmAccounts":[],"permissions":{"global":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := decodeCurrentUser(b)
		if err == nil {
			_ = u.HasGlobal(PermAdmin)
		}
	})
}

func FuzzDecodeSettings(f *testing.F) {
	f.Add([]byte(`{"settings":[{"key":"sonar.core.serverBaseURL","value":"https://sq.example.com","inherited":false}],"setSecuredSettings":[]}`))
	f.Add([]byte(`{"settings":[],"setSecuredSettings":["sonar.core.serverBaseURL"]}`))
	f.Add([]byte(`{"settings":[{"key":"sonar.core.serverBaseURL","values":["a","b"]},{"key":"k","fieldValues":[{"a":"b"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSettings(b)
		if err == nil {
			_, _ = s.lookup("sonar.core.serverBaseURL")
		}
	})
}

func FuzzDecodeDefinitions(f *testing.F) {
	f.Add([]byte(`{"github":[{"key":"gh1","url":"https://api.github.com","appId":"12345","clientId":"Iv1.12345c6789az"}],"azure":[],"bitbucket":[],"gitlab":[],"bitbucketcloud":[]}`))
	f.Add([]byte(`{"github":[],"azure":[{"key":"ado","url":"https://dev.azure.com/contoso"}],"bitbucket":[],"gitlab":[],"bitbucketcloud":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeDefinitions(b)
	})
}

func FuzzDecodeAlmList(f *testing.F) {
	f.Add([]byte(`{"almSettings":[{"key":"gh1","alm":"github","url":"https://api.github.com"}]}`))
	f.Add([]byte(`{"almSettings":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeAlmList(b)
	})
}

func FuzzDecodeBinding(f *testing.F) {
	f.Add([]byte(`{"key":"ado","alm":"azure","repository":"my-repo","url":"https://dev.azure.com/myorg","slug":"MyProject","monorepo":false,"inlineAnnotationsEnabled":true}`))
	f.Add([]byte(`{"key":"gh1","alm":"github","repository":"repo1","url":"https://api.github.com","summaryCommentEnabled":true,"monorepo":false,"repositoryUrl":"https://github.com/repo1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		bd, err := decodeBinding(b)
		if err == nil && (bd.Key == "" || bd.Alm == "") {
			t.Fatalf("accepted %q without key or alm", b)
		}
	})
}

func FuzzDecodeErrors(f *testing.F) {
	f.Add([]byte(`{"errors":[{"msg":"Insufficient privileges"}]}`))
	f.Add([]byte(`{"errors":[{"msg":"Missing appId"},{"msg":"Missing Client Id"}]}`))
	f.Add([]byte(`<html><head><title>502 Bad Gateway</title></head></html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, ok := decodeErrors(b)
		if ok != (len(msgs) > 0) {
			t.Fatalf("ok=%v with %d messages", ok, len(msgs))
		}
	})
}

// FuzzDescribeBody covers the text we build from pages that are not JSON:
// one line, bounded, valid UTF-8.
func FuzzDescribeBody(f *testing.F) {
	f.Add("text/html", []byte(`<html><head><TITLE>Sign in &amp; more</TITLE></head></html>`))
	f.Add("", []byte("<title>unterminated"))
	f.Add("text/plain", []byte("Service Unavailable"))
	f.Fuzz(func(t *testing.T, mt string, b []byte) {
		s := describeBody(mt, b)
		if strings.ContainsAny(strings.TrimPrefix(s, mt), "\n\r") && !strings.ContainsAny(mt, "\n\r") {
			t.Fatalf("multi-line description %q", s)
		}
		if len(s) > len(mt)+400 {
			t.Fatalf("description too long: %d bytes", len(s))
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"9.9.8.100196", "10.7.0.96327", "2025.1.0.102418", "2026.1", "10.8-SNAPSHOT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		if v.Less(v) || v.Major < 0 || v.Minor < 0 || v.Patch < 0 || v.Build < 0 {
			t.Fatalf("inconsistent %#v", v)
		}
	})
}

func FuzzDecodeFleetListings(f *testing.F) {
	f.Add([]byte(`{"paging":{"pageIndex":1,"pageSize":100,"total":2},"components":[{"key":"k","name":"n","qualifier":"TRK","visibility":"public","lastAnalysisDate":"2017-03-01T11:39:03+0300"}]}`))
	f.Add([]byte(`{"projectBindings":[{"id":"u","devOpsPlatformSettingId":"a","projectId":"p","projectKey":"k","repository":"r","slug":"s"}],"page":{"pageIndex":1,"pageSize":50,"total":1}}`))
	f.Add([]byte(`{"dopSettings":[{"id":"u","type":"azure_devops","key":"ado","url":"https://dev.azure.com/o"}],"page":{"pageIndex":1,"pageSize":1,"total":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := decodeProjectsPage(b); err == nil {
			_ = p.Paging.Pages()
			for _, c := range p.Components {
				if c.Key == "" {
					t.Fatalf("accepted a project without key: %q", b)
				}
			}
		}
		if p, err := decodeProjectBindings(b); err == nil {
			for _, pb := range p.ProjectBindings {
				if pb.ProjectKey == "" {
					t.Fatalf("accepted a binding without project key: %q", b)
				}
			}
		}
		if d, err := decodeDopSettings(b); err == nil {
			for _, s := range d {
				_ = s.Alm()
			}
		}
	})
}

func FuzzDecodeEditionAnswers(f *testing.F) {
	f.Add([]byte(`{"canAdmin":false,"version":"10.7","edition":"community","standalone":true}`))
	f.Add([]byte(`{"branchesEnabled":true,"multipleAlmEnabled":false,"edition":"developer"}`))
	f.Add([]byte(`["branch-support","multiple-alm","monorepo"]`))
	f.Add([]byte(`{"Health":"GREEN","Settings":{"sonar.core.serverBaseURL":"https://sq.example.com","sonar.web.port":"80"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		nav, navErr := decodeNavigation(b)
		feats, featErr := decodeFeatures(b)
		if navErr == nil && nav == nil || featErr == nil && feats == nil {
			t.Fatalf("accepted %q as nothing", b)
		}
		e := DetermineEdition(nav, feats, featErr == nil, Version{Major: 25, Minor: 1})
		_ = e.Name()
		if s, err := decodeSystemInfoSettings(b); err == nil {
			_, _ = s.BaseURL()
			if fb := s.FallbackBaseURL(); !strings.HasPrefix(fb, "http://") {
				t.Fatalf("fallback %q", fb)
			}
		}
	})
}
