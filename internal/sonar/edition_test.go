package sonar

import (
	"context"
	"testing"
)

// Answers as SonarQube writes them. navigation/global: global-example.json
// (10.x: versionEOL, no branch flags) and a 9.x answer with branchesEnabled
// and multipleAlmEnabled (GlobalAction.java of that era). features/list:
// feature/ws/ListAction.java writes a bare JSON array (example-list.json).
const (
	nav10Community = `{"globalPages":[],"settings":{"sonar.updatecenter.activate":"false"},"qualifiers":["TRK"],"version":"10.7","versionEOL":"2025-07-01","productionDatabase":true,"canAdmin":false,"standalone":true,"edition":"community","needIssueSync":false}`
	nav9Developer  = `{"canAdmin":true,"globalPages":[],"settings":{},"qualifiers":["TRK","VW","APP"],"version":"9.9","productionDatabase":true,"branchesEnabled":true,"instanceUsesDefaultAdminCredentials":false,"multipleAlmEnabled":false,"projectImportFeatureEnabled":false,"regulatoryReportFeatureEnabled":false,"edition":"developer","needIssueSync":false,"standalone":true}`
	navNoEdition   = `{"canAdmin":false,"globalPages":[],"settings":{},"qualifiers":["TRK"],"version":"10.7","productionDatabase":false,"standalone":true}`
)

func TestNavigationAndFeatures(t *testing.T) {
	t.Parallel()
	mux, c := setup(t)
	mux.Handle("/api/navigation/global", answer(200, "application/json", nav9Developer))
	mux.Handle("/api/features/list", answer(200, "application/json", `["branch-support","monorepo"]`))
	nav, err := c.Navigation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if nav.Edition != "developer" || nav.BranchesEnabled == nil || !*nav.BranchesEnabled || nav.MultipleAlmEnabled == nil || *nav.MultipleAlmEnabled || !nav.CanAdmin {
		t.Fatalf("navigation %+v", nav)
	}
	f, err := c.Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 2 || f[0] != FeatureBranchSupport || f[1] != FeatureMonorepo {
		t.Fatalf("features %v", f)
	}
	// 10.x writes no branch flags; an edition provider may say nothing.
	for body, want := range map[string]string{nav10Community: "community", navNoEdition: ""} {
		n, err := decodeNavigation([]byte(body))
		if err != nil || n.Edition != want || n.BranchesEnabled != nil || n.MultipleAlmEnabled != nil {
			t.Errorf("decode %.40s…: %+v %v", body, n, err)
		}
	}
}

func TestFeaturesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		h     answerSpec
		check func(error) bool
	}{
		{"before 9.6", answerSpec{404, "application/json", `{"errors":[{"msg":"Unknown url : /api/features/list"}]}`}, IsUnknownURL},
		{"unauthorized", answerSpec{401, "", ""}, IsUnauthorized},
		{"object", answerSpec{200, "application/json", `{"features":[]}`}, isDecode},
		{"null", answerSpec{200, "application/json", `null`}, isDecode},
		{"html", answerSpec{200, "text/html", `<html><title>Sign in</title></html>`}, isDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux, c := setup(t)
			mux.Handle("/api/features/list", answer(tt.h.status, tt.h.ct, tt.h.body))
			mux.Handle("/api/navigation/global", answer(tt.h.status, tt.h.ct, tt.h.body))
			if _, err := c.Features(context.Background()); !tt.check(err) {
				t.Fatalf("features: %v", err)
			}
			if tt.name == "before 9.6" {
				return // navigation/global exists since 5.2
			}
			if _, err := c.Navigation(context.Background()); tt.name != "object" && !tt.check(err) {
				t.Fatalf("navigation: %v", err)
			}
		})
	}
}

type answerSpec struct {
	status   int
	ct, body string
}

func isDecode(err error) bool { return err != nil && !IsUnauthorized(err) && !IsUnknownURL(err) }

func TestDetermineEdition(t *testing.T) {
	t.Parallel()
	bp := func(b bool) *bool { return &b }
	v := func(s string) Version {
		if s == "" {
			return Version{}
		}
		x, err := ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		name          string
		nav           *Navigation
		features      []string
		featuresKnown bool
		version       string
		want          EditionInfo
		wantName      string
	}{
		{name: "community edition 10.7", nav: &Navigation{Edition: "community"}, features: []string{}, featuresKnown: true, version: "10.7.0.96327",
			want:     EditionInfo{Edition: EditionCommunity, Exact: true, Source: SourceNavigation, PullRequests: NotSupported, MultipleRecords: NotSupported, Monorepo: NotSupported},
			wantName: "Community Edition"},
		{name: "community build", nav: &Navigation{Edition: "community"}, featuresKnown: true, version: "25.3.0.104237",
			want:     EditionInfo{Edition: EditionCommunity, Exact: true, CommunityBuild: true, Source: SourceNavigation, PullRequests: NotSupported, MultipleRecords: NotSupported, Monorepo: NotSupported},
			wantName: "Community Build"},
		{name: "community with a branch plugin", nav: &Navigation{Edition: "community"}, features: []string{"branch-support"}, featuresKnown: true, version: "10.7",
			want:     EditionInfo{Edition: EditionCommunity, Exact: true, Source: SourceNavigation, PullRequests: Supported, MultipleRecords: NotSupported, Monorepo: NotSupported, PluginBranchSupport: true},
			wantName: "Community Edition"},
		{name: "developer", nav: &Navigation{Edition: "developer"}, features: []string{"branch-support", "monorepo"}, featuresKnown: true, version: "2025.1.0.102418",
			want:     EditionInfo{Edition: EditionDeveloper, Exact: true, Source: SourceNavigation, PullRequests: Supported, MultipleRecords: NotSupported, Monorepo: Supported},
			wantName: "Developer Edition"},
		{name: "developer with an invalid licence", nav: &Navigation{Edition: "developer"}, features: []string{}, featuresKnown: true, version: "10.7",
			want:     EditionInfo{Edition: EditionDeveloper, Exact: true, Source: SourceNavigation, PullRequests: NotSupported, MultipleRecords: NotSupported, Monorepo: NotSupported},
			wantName: "Developer Edition"},
		{name: "enterprise", nav: &Navigation{Edition: "Enterprise"}, features: []string{"branch-support", "multiple-alm", "monorepo"}, featuresKnown: true,
			want:     EditionInfo{Edition: EditionEnterprise, Exact: true, Source: SourceNavigation, PullRequests: Supported, MultipleRecords: Supported, Monorepo: Supported},
			wantName: "Enterprise Edition"},
		{name: "datacenter without features", nav: &Navigation{Edition: "datacenter"},
			want:     EditionInfo{Edition: EditionDataCenter, Exact: true, Source: SourceNavigation, PullRequests: Supported, PullRequestsInferred: true, MultipleRecords: Supported},
			wantName: "Data Center Edition"},
		{name: "9.x flags without features", nav: &Navigation{Edition: "developer", BranchesEnabled: bp(true), MultipleAlmEnabled: bp(false)}, version: "9.5",
			want:     EditionInfo{Edition: EditionDeveloper, Exact: true, Source: SourceNavigation, PullRequests: Supported, MultipleRecords: NotSupported},
			wantName: "Developer Edition"},
		{name: "9.x community flags win over nothing", nav: &Navigation{BranchesEnabled: bp(false), MultipleAlmEnabled: bp(false)}, version: "9.4",
			want:     EditionInfo{PullRequests: NotSupported, MultipleRecords: NotSupported},
			wantName: "an unknown edition"},
		{name: "features only: enterprise or higher", featuresKnown: true, features: []string{"multiple-alm", "branch-support"},
			want:     EditionInfo{Edition: EditionEnterprise, Source: SourceFeatures, PullRequests: Supported, MultipleRecords: Supported, Monorepo: NotSupported},
			wantName: "Enterprise Edition or higher"},
		{name: "features only: developer", nav: &Navigation{}, featuresKnown: true, features: []string{"branch-support"},
			want:     EditionInfo{Edition: EditionDeveloper, Source: SourceFeatures, PullRequests: Supported, MultipleRecords: NotSupported, Monorepo: NotSupported},
			wantName: "Developer Edition"},
		{name: "features only: community", featuresKnown: true, features: []string{}, version: "26.1",
			want:     EditionInfo{Edition: EditionCommunity, Source: SourceFeatures, CommunityBuild: true, PullRequests: NotSupported, MultipleRecords: NotSupported, Monorepo: NotSupported},
			wantName: "Community Build"},
		{name: "version scheme: community build", version: "24.12.0.100206",
			want:     EditionInfo{Edition: EditionCommunity, CommunityBuild: true, Source: SourceVersionScheme, PullRequests: NotSupported, PullRequestsInferred: true, MultipleRecords: NotSupported},
			wantName: "Community Build"},
		{name: "version scheme: server year", version: "2025.3",
			want:     EditionInfo{Edition: EditionDeveloper, Source: SourceVersionScheme, PullRequests: Supported, PullRequestsInferred: true},
			wantName: "commercial edition (Developer or higher)"},
		// 10.x dropped branchesEnabled: when api/features/list does not
		// answer, the edition's name alone says Community cannot analyse
		// pull requests, which a branch plugin could contradict unseen.
		{name: "community without features", nav: &Navigation{Edition: "community"}, version: "10.7",
			want:     EditionInfo{Edition: EditionCommunity, Exact: true, Source: SourceNavigation, PullRequests: NotSupported, PullRequestsInferred: true, MultipleRecords: NotSupported},
			wantName: "Community Edition"},
		{name: "nothing known", version: "10.7",
			want: EditionInfo{}, wantName: "an unknown edition"},
		{name: "unknown edition word", nav: &Navigation{Edition: "ultimate"}, version: "10.7",
			want: EditionInfo{}, wantName: "an unknown edition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DetermineEdition(tt.nav, tt.features, tt.featuresKnown, v(tt.version))
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.Name() != tt.wantName {
				t.Errorf("name %q, want %q", got.Name(), tt.wantName)
			}
			if got.Known() != (tt.want.Edition != EditionUnknown || tt.want.PullRequests != SupportUnknown) {
				t.Errorf("Known() = %v", got.Known())
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		community bool
		year      bool
		at2025    bool
		follows   bool
	}{
		{"9.9.8.100196", false, false, false, true},
		{"10.7.0.96327", false, false, false, true},
		{"24.12.0.100206", true, false, false, true},
		{"25.1.0.102122", true, false, true, false},
		{"26.3", true, false, true, false},
		{"2025.1.0.102418", false, true, true, false},
		{"2026.1", false, true, true, false},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if IsCommunityBuildVersion(v) != tt.community || IsServerYearVersion(v) != tt.year || v.AtLeast(2025, 1) != tt.at2025 || FollowsAzureRedirects(v) != tt.follows {
			t.Errorf("%s: community %v year %v ≥2025.1 %v follows %v", tt.in, IsCommunityBuildVersion(v), IsServerYearVersion(v), v.AtLeast(2025, 1), FollowsAzureRedirects(v))
		}
	}
	if !FollowsAzureRedirects(Version{}) {
		t.Error("an unknown version must be taken as the permissive one")
	}
}
