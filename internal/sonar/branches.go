package sonar

import (
	"context"
	"net/url"
	"time"
)

// ProjectBranch is one branch of api/project_branches/list: SonarQube lists
// the branches it has analysed (pull requests are not branches) and the
// main branch, which exists from the project's creation on, analysed or not.
type ProjectBranch struct {
	Name   string `json:"name"`
	IsMain bool   `json:"isMain"`
	Type   string `json:"type"` // BRANCH (LONG/SHORT before 7.9)
	// AnalysisDate is the last analysis; empty for a main branch that was
	// never analysed. SonarQube writes it as yyyy-MM-dd'T'HH:mm:ssZ.
	AnalysisDate string `json:"analysisDate"`
}

// Analysed reports whether the branch has an analysis.
func (b ProjectBranch) Analysed() bool { return b.AnalysisDate != "" }

// AnalysedAt parses AnalysisDate; zero when absent or unreadable.
func (b ProjectBranch) AnalysedAt() time.Time {
	t, _ := ParseTokenExpiration(b.AnalysisDate) // the same DateUtils.formatDateTime pattern
	return t
}

// ProjectBranches lists a project's branches (api/project_branches/list,
// since 6.6). It needs Browse or Execute Analysis on the project, or the
// global Execute Analysis permission (ListAction.checkPermission), so an
// analysis token of the project may read it too.
func (c *Client) ProjectBranches(ctx context.Context, project string) ([]ProjectBranch, error) {
	return getJSON(ctx, c, "api/project_branches/list", url.Values{"project": {project}}, decodeBranches)
}

// MainBranch returns the branch marked isMain.
func MainBranch(branches []ProjectBranch) (ProjectBranch, bool) {
	for _, b := range branches {
		if b.IsMain {
			return b, true
		}
	}
	return ProjectBranch{}, false
}

func decodeBranches(body []byte) ([]ProjectBranch, error) {
	var l struct {
		Branches []ProjectBranch `json:"branches"`
	}
	if err := unmarshal(body, &l); err != nil {
		return nil, err
	}
	if l.Branches == nil {
		// A repeated field is always written, so even a project without
		// analyses answers "branches": [{main}].
		return nil, errMissing("branches")
	}
	return l.Branches, nil
}
