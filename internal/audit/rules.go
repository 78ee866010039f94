package audit

import (
	"fmt"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/sonar"
)

// urlVerdict is what the record-URL rule concludes about one record.
type urlVerdict struct {
	Status    Status // Pass, Warn or Fail
	Problem   string // what is wrong and what it breaks (sentences)
	Corrected string // the URL the record should hold, when derivable
	Org       azdo.Org
	OrgKnown  bool
	// Uncertain: every problem rests on a convention a working Azure
	// DevOps Server setup may break, so the URL only may be wrong.
	Uncertain bool
}

// checkRecordURL applies the shared record-URL shape rule
// (azdo.CheckRecordURL) and grades it for server version v: a URL that
// works only because this SonarQube follows redirects (http:// on an older
// version), or whose problem rests on a convention a working Server setup
// may break, warns; any other problem fails.
func checkRecordURL(raw string, v sonar.Version) urlVerdict {
	c := azdo.CheckRecordURL(raw, "")
	out := urlVerdict{Status: Pass, Org: c.Org, OrgKnown: c.Org.BaseURL != ""}
	if c.OK() {
		return out
	}
	out.Problem, out.Corrected = c.Explain(), c.Corrected
	out.Status, out.Uncertain = Warn, !c.Certain()
	if c.Fails(sonar.FollowsAzureRedirects(v)) {
		out.Status = Fail
	}
	return out
}

// defaultBranchName turns a repository's defaultBranch ("refs/heads/main")
// into the branch name SonarQube shows ("main"), as the pipeline's branch
// variables are read (config.BranchName).
func defaultBranchName(ref string) string { return config.BranchName(ref) }

// compareMainBranch applies the main-branch rule (sonar.MainBranchMismatch,
// which sonar.main-branch states too) to a repository's defaultBranch ref.
// It returns "" when they agree (or the repository is empty), else the
// consequence.
func compareMainBranch(sonarMain, repoDefaultRef string) string {
	def := defaultBranchName(repoDefaultRef)
	why := sonar.MainBranchMismatch(sonarMain, def)
	if why == "" {
		return ""
	}
	return fmt.Sprintf("SonarQube's main branch is named %q, but the repository's default branch is %q: %s", sonarMain, def, why)
}
