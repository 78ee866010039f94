package audit

import (
	"fmt"
	"net/url"
	"strings"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/sonar"
)

// ADAPTER: the record-URL shape rule and the main-branch comparison are
// owned by others (internal/azdo/recordurl.go from the accuracy work,
// sonar.main-branch from the pull-request work). Until they land on main,
// these two functions state the parts the audit needs, in the same terms;
// each is one call site to replace.

// urlVerdict is what the record-URL rule concludes about one record.
type urlVerdict struct {
	Status    Status // Pass, Warn or Fail
	Problem   string // what is wrong and what it breaks
	Corrected string // the URL the record should hold, when derivable
	Org       azdo.Org
	OrgKnown  bool
}

// checkRecordURL applies the record-URL shape rule: SonarQube uses the
// record's URL verbatim as a prefix ({url}/_apis/projects to validate,
// {url}/{project}/_apis/git/repositories/{repo} to decorate), so it must be
// exactly the organization (Services) or collection (Server) root. Plain
// http to Services fails from 2025.1 (no redirects followed) and sends the
// PAT in clear text before that.
func checkRecordURL(raw string, v sonar.Version) urlVerdict {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return urlVerdict{Status: Fail, Problem: "the record has no URL (records made before SonarQube 8.6 lack one, and SonarQube's validation then fails with a server error)"}
	}
	org, err := azdo.ParseOrgURL(raw)
	if err != nil {
		return urlVerdict{Status: Fail, Problem: "the URL is not an Azure DevOps organization or collection URL: " + err.Error()}
	}
	out := urlVerdict{Status: Pass, Org: org, OrgKnown: true}
	u, perr := url.Parse(raw)
	if perr != nil {
		return urlVerdict{Status: Fail, Problem: "the URL cannot be parsed"}
	}
	var problems []string
	if u.RawQuery != "" || u.Fragment != "" {
		problems = append(problems, "it carries a query or fragment, which SonarQube sends with every call")
	}
	if strings.Contains(strings.TrimPrefix(u.EscapedPath(), "/"), "//") {
		problems = append(problems, "its path holds an empty segment (//), which SonarQube keeps")
	} else if !isRoot(u, org) {
		problems = append(problems, "it points below the organization or collection root (a project or repository path), so SonarQube would ask for {url}/{project}/_apis/..., a path that does not exist")
	}
	corrected := org.BaseURL
	if org.Deployment == azdo.Services && u.Scheme == "http" {
		if v.Major != 0 && v.Major < 2025 {
			if len(problems) == 0 {
				out.Status = Warn
			}
			problems = append(problems, "it uses http://: Azure DevOps redirects to https, and this SonarQube version follows the redirect after sending the PAT in clear text")
		} else {
			if len(problems) == 0 && v.Major == 0 {
				out.Status = Warn // the version decides, and it is unknown
			}
			problems = append(problems, "it uses http://: Azure DevOps answers with a redirect to https, which SonarQube 2025.1 and later do not follow, so every call fails")
		}
	}
	if len(problems) == 0 {
		return out
	}
	if out.Status != Warn {
		out.Status = Fail
	}
	out.Problem = strings.Join(problems, "; ")
	out.Corrected = corrected
	return out
}

// isRoot reports whether u (one trailing slash allowed) is the root of org
// itself: the host and path of org.BaseURL, ignoring case, or a legacy
// {org}.visualstudio.com/DefaultCollection.
func isRoot(u *url.URL, org azdo.Org) bool {
	root, err := url.Parse(org.BaseURL)
	if err != nil {
		return false
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	if !strings.EqualFold(u.Host, root.Host) {
		return false
	}
	if strings.EqualFold(path, strings.TrimSuffix(root.EscapedPath(), "/")) {
		return true
	}
	return org.Deployment == azdo.Services && strings.HasSuffix(strings.ToLower(u.Hostname()), ".visualstudio.com") &&
		strings.EqualFold(path, "/DefaultCollection")
}

// defaultBranchName turns a repository's defaultBranch ("refs/heads/main")
// into the branch name SonarQube shows ("main").
func defaultBranchName(ref string) string { return strings.TrimPrefix(ref, "refs/heads/") }

// compareMainBranch is the main-branch rule: SonarQube's main branch must be
// the repository's default branch, compared exactly (Git and SonarQube
// branch names are case-sensitive). It returns "" when they agree, else the
// reason.
func compareMainBranch(sonarMain, repoDefaultRef string) string {
	def := defaultBranchName(repoDefaultRef)
	if def == "" || sonarMain == def {
		return ""
	}
	return fmt.Sprintf("SonarQube's main branch is %q, but the repository's default branch is %q: pull requests into %q are compared with the wrong branch, and new-code results are not those of the branch people merge into", sonarMain, def, def)
}
