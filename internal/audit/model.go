// Package audit is the fleet audit: every project of a SonarQube server,
// its binding and record, checked against Azure DevOps. It reads shared
// listings (projects, bindings, records, each organization's repositories)
// cheapest first, asks per project only what no listing answers, judges each
// project, and writes a report that can be split into shards and merged
// back. It reuses the sonar and azdo clients and the rules they state (the
// record-URL shape, the main-branch rule). Its report is JSON (jsonout.go);
// its text and Markdown summaries (digest.go) print every server text
// through Show (package text).
package audit

import (
	"slices"
	"strings"
)

// Status of a project, a record or a finding. Findings may also be Note:
// a fact worth showing that raises no verdict.
type Status string

// Statuses, from least to most severe.
const (
	Skip Status = "skip"
	Pass Status = "pass"
	Note Status = "note"
	Warn Status = "warn"
	Fail Status = "fail"
)

func (s Status) rank() int {
	switch s {
	case Fail:
		return 4
	case Warn:
		return 3
	case Note:
		return 2
	case Pass:
		return 1
	}
	return 0
}

// Worse reports whether s is more severe than o.
func (s Status) Worse(o Status) bool { return s.rank() > o.rank() }

// Finding ids, stable for scripts. The order of this list is the order of
// severity within a status: a project's findings are listed worst first.
const (
	FindRecordGone     = "record.gone"       // bound to a record that no longer exists
	FindRecordURL      = "record.url"        // record URL of the wrong shape
	FindRecordRejected = "record.rejected"   // SonarQube's validation of the record fails
	FindRepoMissing    = "repo.missing"      // repository absent from a visible Azure DevOps project, or from a GitHub owner the token reads
	FindRepoRenamed    = "repo.renamed"      // same id under another name (repository, project or GitHub owner)
	FindRepoDisabled   = "repo.disabled"     // the repository is disabled (Azure DevOps isDisabled, GitHub disabled)
	FindRepoArchived   = "repo.archived"     // the GitHub repository is archived: read-only
	FindRepoNotVisible = "repo.not-visible"  // project or repository not visible to the PAT or token: could not verify
	FindMonorepo       = "binding.monorepo"  // several projects bound to one repository without monorepo
	FindMainBranch     = "branch.main"       // SonarQube main branch ≠ repository default branch
	FindUnreadable     = "binding.unread"    // the binding or branches could not be read
	FindNeverAnalysed  = "analysis.never"    // never analysed
	FindStale          = "analysis.stale"    // not analysed for a while
	FindNotChecked     = "binding.unchecked" // a repository the audit did not check (its platform, no credential, a host not named)
	FindNotBound       = "binding.none"      // not bound to any DevOps Platform
)

var findingOrder = []string{
	FindRecordGone, FindRecordURL, FindRecordRejected, FindRepoMissing, FindRepoRenamed, FindRepoDisabled,
	FindRepoArchived, FindRepoNotVisible, FindMonorepo, FindMainBranch, FindUnreadable, FindNeverAnalysed, FindStale,
	FindNotChecked, FindNotBound,
}

// Finding is one thing found about a project.
type Finding struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

// Binding is what the audit knows of a project's binding. Monorepo is nil
// when it was not read (the v2 listing does not carry it).
type Binding struct {
	Record     string `json:"record"`
	Alm        string `json:"alm,omitempty"`
	Repository string `json:"repository,omitempty"`
	Slug       string `json:"slug,omitempty"`
	Monorepo   *bool  `json:"monorepo,omitempty"`
}

// Project is one project's entry in the report.
type Project struct {
	Key              string    `json:"key"`
	Name             string    `json:"name"`
	Status           Status    `json:"status"`
	Findings         []Finding `json:"findings"`
	LastAnalysisDate string    `json:"last_analysis_date,omitempty"`
	Binding          *Binding  `json:"binding,omitempty"`
	// RepositoryID and AzureProjectID are the Azure DevOps ids the binding
	// resolved to, by name or, for a renamed repository, by a previous
	// report's id (RepositoryID is GitHub's repository id for a GitHub
	// binding): a later audit given this report as its baseline can then
	// tell a renamed repository from a deleted one, run after run.
	RepositoryID   string `json:"repository_id,omitempty"`
	AzureProjectID string `json:"azure_project_id,omitempty"`
	DefaultBranch  string `json:"default_branch,omitempty"`
	MainBranch     string `json:"main_branch,omitempty"`
	// RepositoryVia is how a GitHub binding's repository was read: the
	// owner's listing ("GET /orgs/contoso/repos") or the repository itself
	// ("GET /repos/contoso/web-app").
	RepositoryVia string `json:"repository_via,omitempty"`
}

// settle sorts the findings worst first and sets the project's status: the
// worst finding's (a note counts as pass); skip only when every finding
// skips.
func (p *Project) settle() {
	slices.SortStableFunc(p.Findings, func(a, b Finding) int {
		if a.Status != b.Status {
			return b.Status.rank() - a.Status.rank()
		}
		return slices.Index(findingOrder, a.ID) - slices.Index(findingOrder, b.ID)
	})
	p.Status = Pass
	if len(p.Findings) > 0 && p.Findings[0].Status == Skip {
		p.Status = Skip
	}
	if len(p.Findings) > 0 && p.Findings[0].Status.Worse(Note) {
		p.Status = p.Findings[0].Status
	}
	if p.Findings == nil {
		p.Findings = []Finding{}
	}
}

// Record is one DevOps Platform configuration record in the report.
type Record struct {
	Key     string `json:"key"`
	Alm     string `json:"alm"`
	URL     string `json:"url"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

// ShardInfo is the report's place in a sharded run; an unsharded run is
// index 1 of count 1.
type ShardInfo struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Summary counts the projects of the report by status, and the findings by
// id.
type Summary struct {
	Projects int            `json:"projects"`
	Pass     int            `json:"pass"`
	Warn     int            `json:"warn"`
	Fail     int            `json:"fail"`
	Skip     int            `json:"skip"`
	Findings map[string]int `json:"findings"`
}

// Add counts one project.
func (s *Summary) Add(p Project) {
	if s.Findings == nil {
		s.Findings = map[string]int{}
	}
	s.Projects++
	switch p.Status {
	case Fail:
		s.Fail++
	case Warn:
		s.Warn++
	case Skip:
		s.Skip++
	default:
		s.Pass++
	}
	for _, f := range p.Findings {
		s.Findings[f.ID]++
	}
}

// Verdict is fail when a project or record fails, warn when one warns.
func Verdict(s Summary, records []Record) Status {
	v := Pass
	if s.Warn > 0 {
		v = Warn
	}
	for _, r := range records {
		if r.Status == Warn && v == Pass {
			v = Warn
		}
	}
	if s.Fail > 0 {
		v = Fail
	}
	for _, r := range records {
		if r.Status == Fail {
			v = Fail
		}
	}
	return v
}

// Header is everything the report says before its projects.
type Header struct {
	Tool   string    `json:"tool"`
	Server string    `json:"server"`
	Shard  ShardInfo `json:"shard"`
	// Paths names how each listing was read, so that a reader sees every
	// fallback taken: e.g. "bindings": "api/v2/dop-translation/project-bindings".
	Paths   map[string]string `json:"paths"`
	Notes   []string          `json:"notes"`
	Records []Record          `json:"records"`
	// MergedFrom is how many shard reports a merged report was built from.
	MergedFrom int `json:"merged_from,omitempty"`
}

// lower folds case the way Azure DevOps compares names.
func lower(s string) string { return strings.ToLower(s) }
