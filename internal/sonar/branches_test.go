package sonar

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestProjectBranches(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json"
	tests := []struct {
		name     string
		body     string
		status   int
		wantMain string
		wantN    int
		check    func(*testing.T, []ProjectBranch, error)
	}{
		// list-example.json of ListAction (server/sonar-webserver-webapi .../branch/ws), types as 7.x wrote them.
		{name: "the web service's example", status: 200, wantMain: "master", wantN: 2,
			body: `{"branches":[{"name":"feature/foo","isMain":false,"type":"LONG","status":{"qualityGateStatus":"OK"},"analysisDate":"2017-04-03T13:37:00+0100"},` +
				`{"name":"master","isMain":true,"type":"LONG","status":{"qualityGateStatus":"ERROR"},"analysisDate":"2017-04-01T01:15:42+0100"}]}`,
			check: func(t *testing.T, bs []ProjectBranch, _ error) {
				if !bs[0].Analysed() || !bs[0].AnalysedAt().Equal(time.Date(2017, 4, 3, 12, 37, 0, 0, time.UTC)) {
					t.Errorf("analysis date %q → %v", bs[0].AnalysisDate, bs[0].AnalysedAt())
				}
			}},
		// A project created by hand and never analysed: the main branch has no analysisDate (10.6+ adds branchId).
		{name: "never analysed", status: 200, wantMain: "main", wantN: 1,
			body: `{"branches":[{"name":"main","isMain":true,"type":"BRANCH","status":{},"excludedFromPurge":true,"branchId":"AY0-uuid"}]}`,
			check: func(t *testing.T, bs []ProjectBranch, _ error) {
				if bs[0].Analysed() || !bs[0].AnalysedAt().IsZero() {
					t.Errorf("%+v reads as analysed", bs[0])
				}
			}},
		{name: "no branches field", status: 200, body: `{}`, check: func(t *testing.T, _ []ProjectBranch, err error) {
			if err == nil {
				t.Error("an answer without branches must be an error")
			}
		}},
		{name: "403", status: 403, body: `{"errors":[{"msg":"Insufficient privileges"}]}`, check: func(t *testing.T, _ []ProjectBranch, err error) {
			if !IsInsufficientPrivileges(err) {
				t.Errorf("err = %v", err)
			}
		}},
		{name: "404", status: 404, body: `{"errors":[{"msg":"Project 'fabrikam-web-app' not found"}]}`, check: func(t *testing.T, _ []ProjectBranch, err error) {
			if !IsProjectNotFound(err) {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux, c := setup(t)
			mux.Handle("/api/project_branches/list", expectQuery(t, url.Values{"project": {"fabrikam-web-app"}}, answer(tt.status, jsonCT, tt.body)))
			bs, err := c.ProjectBranches(context.Background(), "fabrikam-web-app")
			if tt.wantN > 0 {
				if err != nil || len(bs) != tt.wantN {
					t.Fatalf("branches %+v, err %v", bs, err)
				}
				if m, ok := MainBranch(bs); !ok || m.Name != tt.wantMain {
					t.Errorf("main %+v %v, want %s", m, ok, tt.wantMain)
				}
			}
			if tt.check != nil {
				tt.check(t, bs, err)
			}
		})
	}
	if _, ok := MainBranch([]ProjectBranch{{Name: "x"}}); ok {
		t.Error("MainBranch found a main branch where none is marked")
	}
}

func FuzzDecodeBranches(f *testing.F) {
	f.Add([]byte(`{"branches":[{"name":"master","isMain":true,"type":"LONG","status":{"qualityGateStatus":"ERROR"},"analysisDate":"2017-04-01T01:15:42+0100"}]}`))
	f.Add([]byte(`{"branches":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		bs, err := decodeBranches(b)
		if err == nil {
			for _, br := range bs {
				_ = br.AnalysedAt()
			}
			_, _ = MainBranch(bs)
		}
	})
}

func TestMainBranchMismatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sonarMain, def string
		mismatch       bool
	}{
		{"main", "main", false}, {"master", "main", true}, {"Main", "main", true}, {"main", "", false},
	} {
		got := MainBranchMismatch(tt.sonarMain, tt.def)
		if (got != "") != tt.mismatch {
			t.Errorf("MainBranchMismatch(%q, %q) = %q", tt.sonarMain, tt.def, got)
		}
		if tt.mismatch && !strings.Contains(got, "second, separate branch") {
			t.Errorf("%q does not say what the mismatch does", got)
		}
	}
}
