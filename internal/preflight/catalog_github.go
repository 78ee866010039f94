package preflight

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"sonar-preflight/internal/github"
	"sonar-preflight/internal/sonar"
	"sonar-preflight/internal/text"
)

// checkGitHubConfig is sonar.devops-config for repositories on GitHub or
// GitHub Enterprise: SonarQube decorates their pull requests through a
// GitHub App configuration record whose API URL must be the repository's host.
func (r *run) checkGitHubConfig(ctx context.Context, rs records, ev []Evidence) Finding {
	gh := rs.of("github")
	if len(gh) == 0 {
		return Finding{Status: Fail,
			Message:  "SonarQube has no GitHub configuration record, so it cannot decorate this GitHub repository's pull requests.",
			Remedy:   "In SonarQube, " + devopsPlace + " > GitHub > Create configuration: register a GitHub App (API URL " + r.githubAPIHint() + ", app ID, client ID and secret, private key) with permissions Checks: write, Pull requests: write, Metadata: read, and install it on the repository.",
			Evidence: ev}
	}
	uri := r.cfg.Pipeline.RepoURI
	if uri == "" {
		return Finding{Status: Pass, Message: fmt.Sprintf("SonarQube has %s; not compared with the repository's host, because BUILD_REPOSITORY_URI is not set.", describeRecords(gh)), Evidence: ev}
	}
	var matching, other []string
	for _, rec := range gh {
		if github.SameAPIHost(rec.URL, uri) {
			matching = append(matching, rec.Key)
		} else {
			other = append(other, rec.Key+" ("+rec.URL+")")
		}
	}
	if len(matching) == 0 {
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("No GitHub configuration record serves this repository's host (%s): %s. SonarQube would call the wrong GitHub.", uri, text.FirstN(other, maxListed, ", ")),
			Remedy:   "In SonarQube, " + devopsPlace + " > GitHub: " + r.githubOtherHostRemedy(ctx),
			Evidence: ev}
	}
	return Finding{Status: Pass, Message: fmt.Sprintf("GitHub configuration record %s serves %s.", text.FirstN(matching, maxListed, ", "), uri), Evidence: ev}
}

// githubOtherHostRemedy advises how to serve the repository's host when
// every GitHub record serves another; editions with one record per platform
// cannot add a second one.
func (r *run) githubOtherHostRemedy(ctx context.Context) string {
	set := "set the record's API URL to " + r.githubAPIHint() + " (GitHub Enterprise: https://<host>/api/v3)"
	switch e := r.editionInfo(ctx); {
	case oneRecordPerPlatform(e):
		return "SonarQube " + e.Name() + " holds one GitHub record: " + set + " (every project bound to it then uses that host), or move to Enterprise Edition or higher, which holds several."
	case e.MultipleRecords == sonar.Supported:
		return "add a record for that host, or " + set + "."
	}
	return set + ", or, on Enterprise Edition and higher, add a record for that host."
}

func (r *run) githubAPIHint() string {
	if h, err := github.HostFromRepoURI(r.cfg.Pipeline.RepoURI); err == nil {
		return h.APIURL
	}
	return "https://api.github.com"
}

func (r *run) compareGitHubBinding(b *sonar.Binding, problems []mismatch, notes []string) ([]mismatch, []string) {
	p := r.cfg.Pipeline
	if p.RepoName == "" {
		notes = append(notes, "BUILD_REPOSITORY_NAME is not set: the repository was not compared.")
	} else if !strings.EqualFold(b.Repository, p.RepoName) {
		problems = append(problems, mismatch{text: fmt.Sprintf("its repository is %q, while this pipeline builds %q", b.Repository, p.RepoName), repoVar: true,
			fix: "set the repository to " + p.RepoName, repoName: true})
	}
	if b.URL != "" && p.RepoURI != "" && !github.SameAPIHost(b.URL, p.RepoURI) {
		problems = append(problems, mismatch{text: fmt.Sprintf("its record's API URL %s is not the host of %s", b.URL, p.RepoURI),
			fix: "choose the GitHub configuration whose API URL is " + r.githubAPIHint() + " (see sonar.devops-config if there is none)"})
	}
	return problems, notes
}

// The GitHub side's check ids.
const (
	IDGitHubRepo       = "github.repo"
	IDGitHubAppInstall = "github.app-install"
)

func (r *run) githubChecks() []Check {
	if r.platform != PlatformGitHub {
		return nil
	}
	g := &githubRun{}
	return []Check{
		{ID: IDGitHubRepo, Title: "GitHub repository", Needs: []string{IDConfig}, Run: func(ctx context.Context) Finding { return r.checkGitHubRepo(ctx, g) }},
		{ID: IDGitHubAppInstall, Title: "GitHub App installation", Needs: []string{IDGitHubRepo, IDSonarDevOps}, Run: func(ctx context.Context) Finding { return r.checkGitHubAppInstall(ctx, g) }},
	}
}

// githubRun holds what github.repo learned for the checks after it.
type githubRun struct {
	client *github.Client
	repo   *github.Repo
}

func (r *run) checkGitHubRepo(ctx context.Context, g *githubRun) Finding {
	if r.cfg.GitHubToken.Empty() {
		return Finding{Status: Skip, Message: "No GitHub token given, so GitHub was not probed. Give a token in " + r.givePlace("GITHUB_TOKEN") + r.fromSecret() + ", to check that the repository is visible."}
	}
	p := r.cfg.Pipeline
	owner, name, err := github.SplitRepo(p.RepoName)
	if err != nil {
		return Finding{Status: Skip, Message: fmt.Sprintf("Could not verify the repository: BUILD_REPOSITORY_NAME %q is not owner/repo.", p.RepoName)}
	}
	host, err := github.RepoHost(p.RepoURI, p.RepoName)
	if err != nil {
		return Finding{Status: Skip, Message: "Could not verify the repository: " + oneLineErr(err)}
	}
	c, err := github.New(host, r.cfg.GitHubToken, r.d.HTTP)
	if err != nil {
		return Finding{Status: Fail, Message: "Could not set up the GitHub client: " + oneLineErr(err)}
	}
	g.client = c
	repo, err := c.Repository(ctx, owner, name)
	if err != nil {
		var ge *github.Error
		errors.As(err, &ge)
		ev := evidenceOf(err)
		switch github.Classify(err) {
		case github.FailureBadCredentials:
			return Finding{Status: Fail, Evidence: ev, Message: "GitHub rejected the token (401 Bad credentials): it is invalid, expired or revoked.",
				Remedy: "Create a new token (GitHub > Settings > Developer settings > Personal access tokens) with read access to " + p.RepoName + ", and update " + r.secretPlace("GITHUB_TOKEN") + "."}
		case github.FailureSSORequired:
			rem := "The token's owner must authorise it for the organization's SAML single sign-on"
			if ge != nil && ge.SSOURL != "" {
				rem += " at " + ge.SSOURL + " (GitHub says this link expires after one hour)"
			} else {
				rem += " (GitHub > Settings > Developer settings > Personal access tokens > Tokens (classic) > Configure SSO)"
			}
			return Finding{Status: Fail, Evidence: ev, Message: "GitHub refused the token for " + owner + ": the organization enforces SAML single sign-on and the token is not authorised for it.", Remedy: rem + "."}
		case github.FailureNotFound:
			return Finding{Status: Fail, Evidence: ev, Message: fmt.Sprintf("Repository %s is not visible to this token (404: GitHub answers 404 for private repositories a token cannot see).", p.RepoName),
				Remedy: "Give the token read access to " + p.RepoName + " (a fine-grained token: Repository access and Contents: Read; a classic token: the repo scope), and check that the name is right."}
		case github.FailureRateLimited:
			when := ""
			if ge != nil && !ge.ResetAt.IsZero() {
				when = " until " + ge.ResetAt.UTC().Format("15:04 MST")
			}
			return Finding{Status: Warn, Evidence: ev, Message: "Could not verify the repository: GitHub's rate limit for this token is used up" + when + ".",
				Remedy: "Run again later, or use a token that other jobs do not share."}
		case github.FailureMoved:
			return Finding{Status: Fail, Evidence: ev, Message: fmt.Sprintf("Repository %s was renamed or transferred: GitHub redirects to another location.", p.RepoName),
				Remedy: "Update the pipeline's repository and the SonarQube binding (" + bindingPlace + ") to the repository's new owner/name."}
		}
		return r.describeError("GitHub", host.APIURL, err, "read repository "+p.RepoName)
	}
	g.repo = repo
	r.pr.gh = &ghRepo{client: c, owner: owner, name: name, repo: repo} // for github.pr-gate and sonar.main-branch
	f := Finding{Status: Pass, Message: fmt.Sprintf("Repository %s is visible to the token.", repo.FullName)}
	if !repo.TokenExpiration.IsZero() {
		left := repo.TokenExpiration.Sub(r.d.Now())
		if left < tokenExpiryWarning {
			f.Status = Warn
			f.Message = fmt.Sprintf("Repository %s is visible, but the token expires on %s (%s).", repo.FullName, repo.TokenExpiration.UTC().Format("2006-01-02 15:04 MST"), humanDays(left))
			f.Remedy = "Create a new token before then and update " + r.secretPlace("GITHUB_TOKEN") + "."
		} else {
			f.Notes = append(f.Notes, "The token expires on "+repo.TokenExpiration.UTC().Format("2006-01-02")+".")
		}
	}
	return f
}
