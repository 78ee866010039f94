package sonar

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Edition is a SonarQube edition as api/navigation/global names it.
type Edition string

// Editions. EditionUnknown means no source said.
const (
	EditionUnknown    Edition = ""
	EditionCommunity  Edition = "community"
	EditionDeveloper  Edition = "developer"
	EditionEnterprise Edition = "enterprise"
	EditionDataCenter Edition = "datacenter"
)

// Feature names in api/features/list (SonarQubeFeature.getName()).
const (
	// FeatureBranchSupport: branch and pull-request analysis (Developer
	// Edition and up, or a plugin that adds it to Community).
	FeatureBranchSupport = "branch-support"
	// FeatureMultipleALM: several configuration records per DevOps
	// platform (Enterprise Edition and up; MultipleAlmFeature.java).
	FeatureMultipleALM = "multiple-alm"
	// FeatureMonorepo: several projects bound to one repository.
	FeatureMonorepo = "monorepo"
)

// Navigation is the part of api/navigation/global this tool reads
// (server/sonar-webserver-webapi/.../ui/ws/GlobalAction.java,
// global-example.json). Every field is optional: Edition is absent when the
// server's edition provider says nothing; BranchesEnabled and
// MultipleAlmEnabled are written by 9.x only; VersionEOL from 10.5.
type Navigation struct {
	Edition            string `json:"edition"`
	Version            string `json:"version"` // display form, e.g. "10.7" or "9.9 (build 100196)"
	VersionEOL         string `json:"versionEOL"`
	ProductionDatabase *bool  `json:"productionDatabase"`
	CanAdmin           bool   `json:"canAdmin"`
	BranchesEnabled    *bool  `json:"branchesEnabled"`
	MultipleAlmEnabled *bool  `json:"multipleAlmEnabled"`
	NeedIssueSync      bool   `json:"needIssueSync"`
}

// Navigation reads api/navigation/global (since 5.2, internal). It needs no
// permission, only a session when the server forces authentication.
func (c *Client) Navigation(ctx context.Context) (*Navigation, error) {
	return getJSON(ctx, c, "api/navigation/global", nil, decodeNavigation)
}

// Features reads api/features/list (9.6+, internal, no permission): the
// names of the features this server has, e.g. branch-support, multiple-alm,
// monorepo. Older servers answer 404 "Unknown url" (see IsUnknownURL).
func (c *Client) Features(ctx context.Context) ([]string, error) {
	return getJSON(ctx, c, "api/features/list", nil, decodeFeatures)
}

func decodeNavigation(body []byte) (*Navigation, error) {
	var n Navigation
	if err := unmarshal(body, &n); err != nil {
		return nil, err
	}
	// Only an object: an array or a scalar is not this answer.
	if t := strings.TrimSpace(string(body)); !strings.HasPrefix(t, "{") {
		return nil, fmt.Errorf("unexpected JSON: not an object")
	}
	return &n, nil
}

func decodeFeatures(body []byte) ([]string, error) {
	var f []string
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, fmt.Errorf("unexpected JSON: expected an array of feature names: %w", err)
	}
	if f == nil {
		return nil, fmt.Errorf("unexpected JSON: expected an array of feature names, got null")
	}
	return f, nil
}

// Support is what is known of a capability: yes, no, or unknown.
type Support int

// Support values; the zero value is unknown.
const (
	SupportUnknown Support = iota
	Supported
	NotSupported
)

func (s Support) String() string {
	switch s {
	case Supported:
		return "yes"
	case NotSupported:
		return "no"
	}
	return "unknown"
}

func supportOf(b bool) Support {
	if b {
		return Supported
	}
	return NotSupported
}

// EditionInfo is what a server's answers tell of its edition, and what the
// edition permits. It is the one statement of the edition's meaning that
// the per-pipeline checks and the fleet audit share.
type EditionInfo struct {
	// Edition is the edition, or EditionUnknown. When Exact is false it was
	// inferred (from features or the version scheme): EditionEnterprise
	// then means "Enterprise or Data Center", and EditionDeveloper from the
	// version scheme "Developer or higher".
	Edition Edition
	Exact   bool
	// CommunityBuild: the Community edition numbered by year (24.12, 25.x,
	// 26.x), the successor of Community Edition.
	CommunityBuild bool
	// Source names the answer the edition was read from:
	// "api/navigation/global", "api/features/list" or "the version scheme".
	Source string
	// PullRequests: the server analyses branches and pull requests
	// (feature branch-support). Community Edition and Community Build do not,
	// unless a plugin adds the feature.
	PullRequests Support
	// PullRequestsInferred: PullRequests rests on the edition's name alone,
	// for neither api/features/list nor 9.x's branchesEnabled answered; a
	// plugin that adds branch-support to Community could not be seen.
	PullRequestsInferred bool
	// MultipleRecords: the server holds several configuration records per
	// DevOps platform (feature multiple-alm, Enterprise and up). Without it
	// a second record of a platform is refused ("A AZURE_DEVOPS setting is
	// already defined", AlmSettingsSupport.java).
	MultipleRecords Support
	// Monorepo: several projects may be bound to one repository (feature
	// monorepo).
	Monorepo Support
	// PluginBranchSupport: the edition is Community, yet the server has
	// branch-support: a third-party plugin adds it (SonarSource does not
	// support such setups, but they decorate pull requests).
	PluginBranchSupport bool
}

// Known reports whether anything was learned.
func (e EditionInfo) Known() bool {
	return e.Edition != EditionUnknown || e.PullRequests != SupportUnknown
}

// Name is the edition as SonarSource names it ("Developer Edition",
// "Community Build"), or "an unknown edition".
func (e EditionInfo) Name() string {
	switch e.Edition {
	case EditionCommunity:
		if e.CommunityBuild {
			return "Community Build"
		}
		return "Community Edition"
	case EditionDeveloper:
		if !e.Exact && e.Source == SourceVersionScheme {
			return "commercial edition (Developer or higher)"
		}
		return "Developer Edition"
	case EditionEnterprise:
		if !e.Exact {
			return "Enterprise Edition or higher"
		}
		return "Enterprise Edition"
	case EditionDataCenter:
		return "Data Center Edition"
	}
	return "an unknown edition"
}

// Sources of EditionInfo.Source.
const (
	SourceNavigation    = "api/navigation/global"
	SourceFeatures      = "api/features/list"
	SourceVersionScheme = "the version scheme"
)

// IsCommunityBuildVersion reports a version of the year-numbered Community
// Build (24.12, 25.1, 26.3): majors from 24 up to the four-digit years of
// SonarQube Server (2025.1 and on), which is commercial only.
func IsCommunityBuildVersion(v Version) bool {
	return v.Major >= 24 && v.Major < 100
}

// IsServerYearVersion reports a SonarQube Server version numbered by year
// (2025.1 and on): only the commercial editions carry these numbers.
func IsServerYearVersion(v Version) bool { return v.Major >= 2025 }

// DetermineEdition combines what the server said: nav (nil when
// api/navigation/global could not be read), features (featuresKnown false
// when api/features/list could not be read, e.g. before 9.6) and the
// version (zero when unknown). The edition comes from nav's edition, else
// from the features, else from the version scheme; what it permits comes
// from the features first (they include plugins), then 9.x's navigation
// flags, then the edition.
func DetermineEdition(nav *Navigation, features []string, featuresKnown bool, v Version) EditionInfo {
	var e EditionInfo
	has := map[string]bool{}
	for _, f := range features {
		has[f] = true
	}
	if nav != nil {
		switch ed := Edition(strings.ToLower(strings.TrimSpace(nav.Edition))); ed {
		case EditionCommunity, EditionDeveloper, EditionEnterprise, EditionDataCenter:
			e.Edition, e.Exact, e.Source = ed, true, SourceNavigation
		}
	}
	if e.Edition == EditionUnknown && featuresKnown {
		e.Source = SourceFeatures
		switch {
		case has[FeatureMultipleALM]:
			e.Edition = EditionEnterprise
		case has[FeatureBranchSupport]:
			e.Edition = EditionDeveloper
		default:
			e.Edition = EditionCommunity
		}
	}
	if e.Edition == EditionUnknown {
		switch {
		case IsCommunityBuildVersion(v):
			e.Edition, e.Source = EditionCommunity, SourceVersionScheme
		case IsServerYearVersion(v):
			e.Edition, e.Source = EditionDeveloper, SourceVersionScheme
		}
	}
	e.CommunityBuild = e.Edition == EditionCommunity && IsCommunityBuildVersion(v)

	// What the edition permits.
	switch {
	case featuresKnown:
		e.PullRequests = supportOf(has[FeatureBranchSupport])
		e.MultipleRecords = supportOf(has[FeatureMultipleALM])
		e.Monorepo = supportOf(has[FeatureMonorepo])
	default:
		if nav != nil && nav.BranchesEnabled != nil {
			e.PullRequests = supportOf(*nav.BranchesEnabled)
		}
		if nav != nil && nav.MultipleAlmEnabled != nil {
			e.MultipleRecords = supportOf(*nav.MultipleAlmEnabled)
		}
	}
	byEdition := func(s *Support, allowed ...Edition) {
		if *s != SupportUnknown || e.Edition == EditionUnknown {
			return
		}
		*s = NotSupported
		for _, a := range allowed {
			if e.Edition == a {
				*s = Supported
			}
		}
		if e.Source == SourceVersionScheme && e.Edition == EditionDeveloper && *s == NotSupported {
			*s = SupportUnknown // "Developer or higher": may be Enterprise
		}
	}
	e.PullRequestsInferred = e.PullRequests == SupportUnknown && e.Edition != EditionUnknown
	byEdition(&e.PullRequests, EditionDeveloper, EditionEnterprise, EditionDataCenter)
	e.PullRequestsInferred = e.PullRequestsInferred && e.PullRequests != SupportUnknown
	byEdition(&e.MultipleRecords, EditionEnterprise, EditionDataCenter)
	e.PluginBranchSupport = e.Edition == EditionCommunity && e.PullRequests == Supported
	return e
}
