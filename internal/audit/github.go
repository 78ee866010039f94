package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"sonar-preflight/internal/github"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/sonar"
)

// The GitHub side of the audit. SonarQube's GitHub bindings name a
// repository as "owner/name" and its records name a GitHub's REST API. Each
// owner's repositories are read once, through one paged listing (GET
// /orgs/{org}/repos, else GET /users/{user}/repos), by the first project
// that needs them; a repository the listing does not show is asked for
// alone (GET /repos/{owner}/{repo}), which also tells a rename: GitHub
// answers the old name with 301 to the repository's id. Requests grow with
// owners, pages and repositories not found, not with projects.
//
// The GitHub token goes to GitHub.com's API, which giving a token names, and
// to the GitHub APIs named for the run (--github-urls, the pipeline's own
// GitHub); a GitHub Enterprise API that only SonarQube's record names is
// not contacted, as an Azure DevOps organization only a record names is
// not: its projects say so, and the notes list it.

// gitHubPath is how the report's paths describe the GitHub side.
const gitHubPath = "GET /orgs/{owner}/repos?type=all (100 a page, once per owner), else GET /users/{owner}/repos; GET /repos/{owner}/{repo} for a repository no listing shows"

// ghHost is one GitHub API the records name.
type ghHost struct {
	host github.Host
	// client is shared by every request to the host: go-github refuses
	// further requests by itself while a rate limit it was told of lasts.
	client  *github.Client
	skipped string // why the host is not contacted
	mu      sync.Mutex
	owners  map[string]*ghOwner // by lower-case login
}

// ghOwner is one owner's listing, read once.
type ghOwner struct {
	once    sync.Once
	listing *github.OwnerListing
	err     error
	byName  map[string]int
	byID    map[int64]int
}

// ghResult is what the audit learnt of one GitHub-bound project's
// repository.
type ghResult struct {
	badName bool
	owner   *ghOwner
	repo    *github.ListedRepo // found, under the bound name
	via     string             // how repo (or the answer below) was read
	// renamed is the repository now at the bound one's place: the same id
	// in the owner's listing (a baseline's id), or where GitHub's 301
	// points. how says which.
	renamed *github.ListedRepo
	how     string
	// movedID is the id a 301 named when its repository could not be read.
	movedID  int64
	notFound bool  // GET /repos/{owner}/{repo} answered 404
	err      error // the request that should have told failed
}

// planGitHub decides, once the records are known, which GitHub APIs the
// audit reads and which it leaves alone, and says why in the notes. No
// request is made here.
func (a *Audit) planGitHub() {
	o := a.opts
	named := map[string]bool{}
	if !o.GitHubToken.Empty() {
		named[github.DotCom().Key()] = true // giving a token names GitHub.com
	}
	for _, raw := range o.GitHubAPIs {
		if h, err := github.HostFromAPIURL(raw); err == nil {
			named[h.Key()] = true
		}
	}
	hosts := map[string]*ghHost{}
	var untrusted []string
	found := false
	for _, r := range sortedRecords(a.records) {
		if r.Alm != sonar.AlmGitHub {
			continue
		}
		found = true
		h, err := github.HostFromAPIURL(r.URL)
		if err != nil {
			continue // the record's URL names no GitHub API: its projects say so
		}
		st, ok := hosts[h.Key()]
		if !ok {
			st = &ghHost{host: h, owners: map[string]*ghOwner{}}
			hosts[h.Key()] = st
			switch {
			case o.GitHubToken.Empty():
				st.skipped = "no GitHub token was given"
			case !named[h.Key()]:
				st.skipped = "the GitHub token is sent only to GitHub.com's API and the GitHub APIs named for the audit, and " + Show(h.Key()) +
					" is named only by SonarQube's record; name it with --github-urls (the gitHubUrls input)"
				untrusted = append(untrusted, h.Key())
			default:
				c, err := github.New(h, o.GitHubToken, o.HTTP)
				if err != nil {
					st.skipped = "the GitHub client could not be made: " + oneLine(err)
				} else {
					c.SetUserAgent(o.UserAgent)
					st.client = c
				}
			}
		}
		a.recordGH[r.Key] = st
	}
	if !found {
		return
	}
	if o.GitHubToken.Empty() {
		a.header.Notes = append(a.header.Notes, "No GitHub token was given: the GitHub repositories were not checked (missing, renamed, archived, default branch); give one (GITHUB_TOKEN, task input gitHubToken) that reads every bound repository (fine-grained: Metadata read on the owners' repositories; classic: repo).")
		return
	}
	a.header.Paths["github"] = gitHubPath
	if len(untrusted) > 0 {
		a.header.Notes = append(a.header.Notes, fmt.Sprintf("The GitHub token was not sent to %d GitHub API(s) that only SonarQube's records name: %s. "+
			"SonarQube's records do not decide where the token goes (a record naming another host would have the token authenticate there); giving a token names GitHub.com's API only. "+
			"Name the others with --github-urls (the gitHubUrls input, or SONAR_PREFLIGHT_GITHUB_URLS).",
			len(untrusted), Show(strings.Join(firstOf(untrusted, 10), ", "))))
	}
}

// owner returns the owner's listing, reading it the first time.
func (h *ghHost) owner(ctx context.Context, login string) *ghOwner {
	h.mu.Lock()
	ow, ok := h.owners[lower(login)]
	if !ok {
		ow = &ghOwner{}
		h.owners[lower(login)] = ow
	}
	h.mu.Unlock()
	ow.once.Do(func() {
		ow.listing, ow.err = h.client.OwnerRepositories(ctx, login)
		if ow.listing == nil {
			return
		}
		ow.byName = make(map[string]int, len(ow.listing.Repos))
		ow.byID = make(map[int64]int, len(ow.listing.Repos))
		for i, r := range ow.listing.Repos {
			ow.byName[lower(r.Name)] = i
			ow.byID[r.ID] = i
		}
	})
	return ow
}

// checkGitHub reads what GitHub says of p's repository: the owner's
// listing, then, for a repository the listing does not show, the
// repository itself.
func (a *Audit) checkGitHub(ctx context.Context, p *projState) {
	st := a.recordGH[p.bound.Record]
	if st == nil || st.client == nil {
		return // judged from the record and the host's state
	}
	r := &ghResult{}
	defer func() { p.gh = r }()
	owner, name, err := github.SplitRepo(p.bound.Repository)
	if err != nil {
		r.badName = true
		return
	}
	ow := st.owner(ctx, owner)
	r.owner = ow
	if ow.err == nil {
		r.via = ow.listing.Endpoint
		if i, ok := ow.byName[lower(name)]; ok {
			r.repo = &ow.listing.Repos[i]
			return
		}
		// A previous report's id, found under another name.
		if base, ok := a.opts.Baseline[p.key]; ok {
			if id, err := strconv.ParseInt(base.RepositoryID, 10, 64); err == nil {
				if i, ok := ow.byID[id]; ok {
					r.renamed, r.how = &ow.listing.Repos[i], "the baseline's id, found in "+ow.listing.Endpoint
					return
				}
			}
		}
	} else if !askAlone(ow.err) {
		return // the repository would be refused for the same reason
	}
	if ctx.Err() != nil {
		return
	}
	r.via = "GET /repos/" + owner + "/" + name
	repo, err := st.client.Lookup(ctx, owner, name)
	switch f := github.Classify(err); {
	case err == nil:
		r.repo = repo
	case f == github.FailureMoved:
		loc := movedLocation(err)
		id, ok := st.client.MovedID(loc)
		if !ok {
			r.err = err
			return
		}
		if ow.err == nil {
			if i, ok := ow.byID[id]; ok {
				r.renamed, r.how = &ow.listing.Repos[i], "GitHub answers the old name with 301 to its id, found in "+ow.listing.Endpoint
				return
			}
		}
		r.movedID = id
		moved, err := st.client.MovedTo(ctx, loc)
		if err != nil {
			r.err = err
			return
		}
		r.renamed, r.how = moved, "GitHub answers the old name with 301 to its id"
	case f == github.FailureNotFound:
		r.notFound = true
	default:
		r.err = err
	}
}

// askAlone reports whether, after the owner's listing failed with err, the
// repository is worth asking for alone: when the owner is unknown (a
// renamed owner's repositories answer with a redirect) or the listing
// failed for a reason of its own. Bad credentials, a single sign-on
// refusal, a used-up rate limit or no answer would refuse it too.
func askAlone(err error) bool {
	switch github.Classify(err) {
	case github.FailureBadCredentials, github.FailureSSORequired, github.FailureRateLimited, github.FailureUnreachable:
		return false
	}
	return true
}

func movedLocation(err error) string {
	var e *github.Error
	if asGitHub(err, &e) {
		return e.Location
	}
	return ""
}

// gitHubFindings judges a GitHub-bound project.
func (a *Audit) gitHubFindings(p *projState, rec *recState, out *Project) []Finding {
	b := p.bound
	st := a.recordGH[rec.Key]
	where := describeGitHubRepo(b.Binding)
	switch {
	case st == nil:
		return []Finding{{ID: FindNotChecked, Status: Note,
			Message: "The repository was not checked: the record's URL " + quote(rec.URL) + " names no GitHub API (https://api.github.com, https://HOST/api/v3)."}}
	case st.skipped != "":
		return []Finding{{ID: FindNotChecked, Status: Note,
			Message: "The repository was not checked: " + st.skipped + "."}}
	}
	r := p.gh
	if r == nil {
		return []Finding{{ID: FindUnreadable, Status: Warn,
			Message: "Not checked: the audit's deadline passed before its GitHub repository was read.",
			Remedy:  "Run the audit again with a longer --timeout, or split it into more shards."}}
	}
	host := hostName(st.host)
	if r.badName {
		return []Finding{{ID: FindRepoMissing, Status: Fail,
			Message: fmt.Sprintf("The binding's repository %s is not a GitHub repository name of the form owner/name: SonarQube cannot find it on %s, so its pull requests are not decorated.", quote(b.Repository), host),
			Remedy:  "Bind the project to its repository as owner/name (project > Project Settings > DevOps Platform Integration)."}}
	}
	out.RepositoryVia = r.via
	switch {
	case r.repo != nil:
		out.RepositoryID, out.DefaultBranch = strconv.FormatInt(r.repo.ID, 10), r.repo.DefaultBranch
		switch {
		case r.repo.Disabled:
			return []Finding{{ID: FindRepoDisabled, Status: Fail,
				Message: where + " is disabled on " + host + ": nothing can be pushed, built or decorated there.",
				Remedy:  "Ask the owner (or GitHub Support) to re-enable the repository, or delete the SonarQube project if it is retired."}}
		case r.repo.Archived:
			// Not a failure: an archived repository is a retirement its
			// owner chose and can undo; nothing breaks, but nothing there
			// is analysed or decorated any more.
			return []Finding{{ID: FindRepoArchived, Status: Warn,
				Message: where + " is archived on " + host + ": it is read-only, so no pull request can be opened there and SonarQube cannot decorate one.",
				Remedy:  "If the repository is retired, delete the SonarQube project (or unbind it); if it is still in use, unarchive it (repository Settings > Danger Zone)."}}
		}
		return a.branchFindings(p, r.repo.DefaultBranch, out)
	case r.renamed != nil:
		// The id stays the repository's: a later audit given this report
		// as its baseline finds it again, redirect or not.
		out.RepositoryID = strconv.FormatInt(r.renamed.ID, 10)
		now := r.renamed.FullName
		return []Finding{{ID: FindRepoRenamed, Status: Fail,
			Message: fmt.Sprintf("%s was renamed or transferred: the same repository (id %d) is now %s (%s). SonarQube looks it up by the old name, so its pull requests are not decorated.", where, r.renamed.ID, quote(now), Show(r.how)),
			Remedy:  fmt.Sprintf("Update the binding (project > Project Settings > DevOps Platform Integration) to repository %s.", quote(now))}}
	case r.movedID != 0:
		return []Finding{{ID: FindRepoRenamed, Status: Fail,
			Message: fmt.Sprintf("%s was renamed or transferred: GitHub redirects it (301) to repository id %d, which could not be read: %s.", where, r.movedID, gitHubReason(r.err)),
			Remedy:  "Find the repository's new name (its page on " + host + " redirects there too) and update the binding (project > Project Settings > DevOps Platform Integration)."}}
	case r.notFound:
		return []Finding{a.gitHubNotFound(where, host, b.Repository, r.owner)}
	}
	err := r.err
	if err == nil && r.owner != nil {
		err = r.owner.err
	}
	return []Finding{{ID: FindRepoNotVisible, Status: Warn,
		Message: fmt.Sprintf("Could not verify %s: %s.", where, gitHubReason(err)),
		Remedy:  gitHubRemedy(err, host)}}
}

// gitHubNotFound judges a repository GitHub answers 404 for. GitHub
// answers 404 both for a repository that does not exist and for a private
// one the token cannot see ("404 Not Found for an existing resource"), so
// it is called missing only when the token demonstrably reads the owner's
// private repositories (its listing shows some), or the owner itself is
// gone; otherwise the audit could not verify it.
func (a *Audit) gitHubNotFound(where, host, full string, ow *ghOwner) Finding {
	owner, _, _ := strings.Cut(full, "/")
	switch {
	case ow != nil && github.Classify(ow.err) == github.FailureNotFound:
		return Finding{ID: FindRepoMissing, Status: Fail,
			Message: fmt.Sprintf("%s was not found: %s knows no organization or user %s (deleted, or renamed without a redirect).", where, host, quote(owner)),
			Remedy:  "Bind the project to the repository it analyses now (project > Project Settings > DevOps Platform Integration), or delete the SonarQube project if the repository is gone."}
	case ow != nil && ow.err == nil && ow.listing.SSOPartial == "" && !ow.listing.Truncated && ow.listing.SeesPrivate():
		return Finding{ID: FindRepoMissing, Status: Fail,
			Message: fmt.Sprintf("%s was not found: %s does not list it, and GitHub answers 404 for it, though the token reads other private repositories of %s (deleted; a renamed repository would answer with a redirect).", where, ow.listing.Endpoint, quote(owner)),
			Remedy:  "Bind the project to the repository it analyses now (project > Project Settings > DevOps Platform Integration), or delete the SonarQube project if the repository is gone. If it exists but is private and not shared with the token's user, give that user read access to it."}
	}
	why := "the token sees no private repository of " + quote(owner)
	if ow != nil && ow.err == nil {
		switch {
		case ow.listing.SSOPartial != "":
			why = "GitHub left out the repositories of organizations that need the token authorized for SAML single sign-on (X-GitHub-SSO: partial-results)"
		case ow.listing.PublicOnly:
			why = quote(owner) + " is a user account, whose listing holds public repositories only"
		}
	} else if ow != nil {
		why = "listing the repositories of " + quote(owner) + " failed: " + gitHubReason(ow.err)
	}
	return Finding{ID: FindRepoNotVisible, Status: Warn,
		Message: fmt.Sprintf("Could not verify %s: GitHub answers 404 for it, which it answers both for a repository that does not exist and for a private one this token cannot see, and %s.", where, why),
		Remedy:  "Give the audit's token read access to the repository (fine-grained: the owner " + quote(owner) + " as resource owner and Metadata: read; classic: the repo scope, authorized for SAML single sign-on where the organization uses it), then run the audit again; if the repository is gone, rebind or delete the SonarQube project."}
}

// gitHubReason says why a GitHub request failed, in one clause.
func gitHubReason(err error) string {
	if err == nil {
		return "no answer"
	}
	var e *github.Error
	if !asGitHub(err, &e) {
		return Show(oneLine(err))
	}
	msg := Show(serverMessage(err))
	status := httpx.StatusOf(err)
	switch e.Failure {
	case github.FailureBadCredentials:
		return fmt.Sprintf("GitHub refuses the token (%d %s: it is invalid, expired or revoked)", status, quote(msg))
	case github.FailureSSORequired:
		s := "the organization uses SAML single sign-on and the token is not authorized for it"
		if e.SSOURL != "" {
			s += " (authorize it at " + Show(e.SSOURL) + ")"
		}
		return s
	case github.FailureRateLimited:
		s := "GitHub's rate limit for this token is used up"
		if !e.ResetAt.IsZero() {
			s += " until " + e.ResetAt.UTC().Format(time.RFC3339)
		}
		return s + " (" + quote(msg) + ")"
	case github.FailureUnreachable:
		return "GitHub could not be reached: " + Show(oneLine(err))
	}
	if status != 0 {
		return fmt.Sprintf("GitHub answered %d %s", status, quote(msg))
	}
	return Show(oneLine(err))
}

func gitHubRemedy(err error, host string) string {
	switch github.Classify(err) {
	case github.FailureBadCredentials:
		return "Give the audit a valid GitHub token (GITHUB_TOKEN, task input gitHubToken) for " + host + "."
	case github.FailureSSORequired:
		return "Authorize the token for the organization's SAML single sign-on (GitHub > Settings > Developer settings > Personal access tokens > Configure SSO), then run the audit again."
	case github.FailureRateLimited:
		return "Run the audit again after the rate limit resets, or with a token of its own (a GitHub App's token has a higher limit)."
	case github.FailureUnreachable:
		return "Check the network path to " + host + " (proxy, CA certificates), then run the audit again."
	}
	return "Give the audit's token read access to the repository (fine-grained: Metadata: read on the owner's repositories; classic: repo), then run the audit again."
}

func asGitHub(err error, e **github.Error) bool { return errors.As(err, e) }

// hostName is how messages name a GitHub: GitHub.com, or its web host.
func hostName(h github.Host) string {
	if !h.Enterprise {
		return "GitHub.com"
	}
	return "GitHub " + Show(h.WebHost)
}

func describeGitHubRepo(b Binding) string {
	return fmt.Sprintf("GitHub repository %s (record %s)", quote(b.Repository), quote(b.Record))
}
