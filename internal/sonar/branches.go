package sonar

import (
	"context"
	"fmt"
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

// MainBranchMismatch is the main-branch rule, stated once for
// sonar.main-branch and the fleet audit: SonarQube's main branch must carry
// the name of the repository's default branch, compared exactly (Git and
// SonarQube branch names are case-sensitive). repoDefault is a branch name
// (main, not refs/heads/main). It returns "" when they agree, or when the
// default branch is unknown (an empty repository); otherwise what the
// mismatch does, as a clause without a final period: analyses of the
// default branch make a second branch, while the main branch SonarQube
// shows, and falls back to as the reference of a pull request whose target
// it has not analysed (BranchConfiguration: "If base is not analyzed, we
// will use default branch"), keeps the old name.
func MainBranchMismatch(sonarMain, repoDefault string) string {
	if repoDefault == "" || sonarMain == repoDefault {
		return ""
	}
	return fmt.Sprintf("analyses of %s are filed under a second, separate branch, while the main branch SonarQube shows on the project's overview, and uses as the reference for pull requests whose target it has not analysed, stays %q", repoDefault, sonarMain)
}
