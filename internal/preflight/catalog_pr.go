package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/github"
	"sonar-preflight/internal/gitlocal"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/sonar"
)

// Check ids of pull-request readiness: will this build's pull request be
// analysed against the right reference, decorated, and gated?
const (
	IDRepoHistory     = "repo.history"
	IDSonarMainBranch = "sonar.main-branch"
	IDSonarPRTarget   = "sonar.pr-target"
	IDAzdoPRGate      = "azdo.pr-gate"
	IDGitHubPRGate    = "github.pr-gate"
)

// What SonarQube posts on pull requests, and what a gate must require.
const (
	// sonarStatusGenre/Name: the pull-request status SonarQube posts on Azure
	// DevOps, "SonarQube/quality gate" (SonarQube's Azure DevOps
	// documentation; the decoration code is not open source). The community
	// branch plugin posts SonarQube/QualityGate.
	sonarStatusGenre = "SonarQube"
	sonarStatusName  = "quality gate"
	// sonarCheckName is the check run SonarQube's GitHub App reports
	// (SonarQube's GitHub integration documentation: "find SonarQube Code
	// Analysis and add it to the list of required checks").
	sonarCheckName = "SonarQube Code Analysis"
)

// prState holds what the pull-request checks share.
type prState struct {
	branches *lazy[[]sonar.ProjectBranch]
	checkout *lazy[checkoutAt]
	// az is the Azure DevOps checks' state: azdo.code-read writes the
	// repository (with its id and default branch) before checks that come
	// after it read it.
	az *azdoRun
	// gh is set by github.repo when it read the repository.
	gh *ghRepo
}

func newPRState() prState {
	return prState{branches: newLazy[[]sonar.ProjectBranch](), checkout: newLazy[checkoutAt]()}
}

// ghRepo is what github.repo learned.
type ghRepo struct {
	client      *github.Client
	owner, name string
	repo        *github.Repo
}

// checkoutAt is the local checkout and where it was looked for.
type checkoutAt struct {
	co     *gitlocal.Checkout
	dir    string // the directory looked at
	source string // "BUILD_SOURCESDIRECTORY" or "the working directory"
	note   string // how it was found, when not at dir itself
}

func (r *run) prChecks() []Check {
	checks := []Check{
		// Local files only: it needs nothing, not even a valid configuration.
		{ID: IDRepoHistory, Title: "Checkout history", Run: r.checkRepoHistory},
	}
	mainBranch := Check{ID: IDSonarMainBranch, Title: "Main branch name", Needs: []string{IDSonarToken}, Run: r.checkMainBranch}
	switch {
	case r.pr.az != nil:
		mainBranch.After = []string{IDAzdoCodeRead}
	case r.platform == PlatformGitHub:
		mainBranch.After = []string{IDGitHubRepo}
	}
	checks = append(checks, mainBranch,
		Check{ID: IDSonarPRTarget, Title: "Pull request target branch", Needs: []string{IDSonarToken}, Run: r.checkPRTarget})
	if r.pr.az != nil {
		checks = append(checks, Check{ID: IDAzdoPRGate, Title: "Merge gate (Azure Repos)", Needs: []string{IDAzdoCodeRead}, Run: r.checkAzdoPRGate})
	}
	if r.platform == PlatformGitHub {
		checks = append(checks, Check{ID: IDGitHubPRGate, Title: "Merge gate (GitHub)", Needs: []string{IDGitHubRepo}, Run: r.checkGitHubPRGate})
	}
	return checks
}

// ---- repo.history ---------------------------------------------------------

// getCheckout opens the local checkout once: BUILD_SOURCESDIRECTORY (the
// checkout step's target; with several checkout steps the repository is in
// a subdirectory named after it), else the working directory or a parent.
func (r *run) getCheckout(ctx context.Context) (checkoutAt, error) {
	return r.pr.checkout.get(ctx, func(context.Context) (checkoutAt, error) {
		p := r.cfg.Pipeline
		if p.SourcesDir != "" {
			at := checkoutAt{dir: p.SourcesDir, source: "BUILD_SOURCESDIRECTORY"}
			co, err := gitlocal.OpenRoot(p.SourcesDir)
			if errors.Is(err, gitlocal.ErrNotGit) && p.RepoName != "" {
				// Several checkout steps put each repository in
				// $(Build.SourcesDirectory)/<repository name>.
				sub := path.Base(strings.ReplaceAll(p.RepoName, "\\", "/"))
				if sub != "." && sub != "/" && sub != ".." {
					if co2, err2 := gitlocal.OpenRoot(filepath.Join(p.SourcesDir, sub)); err2 == nil {
						at.co, at.note = co2, "found in the subdirectory "+sub+", where several checkout steps put this repository"
						return at, nil
					}
				}
			}
			at.co = co
			return at, err
		}
		if r.d.WorkDir == "" {
			return checkoutAt{}, errNoSourceDir
		}
		co, err := gitlocal.Open(r.d.WorkDir)
		return checkoutAt{co: co, dir: r.d.WorkDir, source: "the working directory"}, err
	})
}

var errNoSourceDir = errors.New("BUILD_SOURCESDIRECTORY is not set and no working directory is known")

func (r *run) checkRepoHistory(ctx context.Context) Finding {
	at, err := r.getCheckout(ctx)
	where := fmt.Sprintf("%s (from %s)", at.dir, at.source)
	switch {
	case errors.Is(err, errNoSourceDir):
		return Finding{Status: Skip, Message: "No checkout to read: " + err.Error() + "."}
	case errors.Is(err, fs.ErrNotExist):
		return Finding{Status: Skip, Message: "The source directory " + where + " does not exist: this job has no sources (a release or deployment job, or checkout: none), so there is no Git history to check."}
	case errors.Is(err, gitlocal.ErrNotGit):
		return Finding{Status: Skip, Message: where + " is not a Git checkout (no .git there): TFVC, a release without sources, or files copied without their history. There is no Git history to check, and the scanner's Git integration has none to read either."}
	case err != nil:
		return Finding{Status: Warn,
			Message: "Could not verify the checkout's history: " + where + " could not be read (" + oneLineErr(err) + ").",
			Remedy:  "Check that the agent's user can read the .git directory of the checkout."}
	}
	co := at.co
	p := r.cfg.Pipeline
	var notes []string
	if at.note != "" {
		notes = append(notes, "The checkout was "+at.note+".")
	}
	if co.Worktree {
		notes = append(notes, "The checkout is a linked worktree; its history and refs were read from "+co.CommonDir+".")
	}
	head := "Read from " + co.Root + " (from " + at.source + "): " + describeHead(co, p)

	var problems, remedies []string
	if co.Shallow {
		problems = append(problems, fmt.Sprintf("The checkout is shallow: its history is cut off at %s (listed in .git/shallow), as YAML pipelines fetch by default (fetchDepth 1). The scanner then collects no blame (\"Shallow clone detected, no blame information will be provided\"): SonarQube cannot date lines by their commits, so new code falls back to analysis dates, and issues are not assigned to their authors.", plural(co.ShallowCommits, "commit")))
		remedies = append(remedies, "Fetch the whole history: on the checkout step set fetchDepth: 0 (YAML: `- checkout: self` with `fetchDepth: 0`; classic pipelines: Get sources > untick Shallow fetch). A pipeline variable Agent.Source.Git.ShallowFetchDepth overrides it: remove it or set it to 0.")
	}
	if p.IsPullRequest() {
		target := p.TargetBranch()
		switch {
		case target == "":
			notes = append(notes, "SYSTEM_PULLREQUEST_TARGETBRANCH is not set: the target branch was not looked for.")
		case !gitlocal.ValidBranchName(target):
			notes = append(notes, fmt.Sprintf("The target branch %q is not a valid Git branch name: it was not looked for.", target))
		default:
			ref, found, err := co.FindBranch(target)
			switch {
			case err != nil:
				notes = append(notes, "Could not look for the target branch "+target+": "+oneLineErr(err)+".")
			case !found:
				problems = append(problems, fmt.Sprintf("The pull request's target branch %s is not in the checkout (looked in %s, where the scanner looks). The scanner then warns \"Could not find ref '%s' in refs/heads, refs/remotes, refs/remotes/upstream or refs/remotes/origin. You may see unexpected issues and changes.\" and cannot tell which lines the pull request changed.", target, strings.Join(gitlocal.BranchRefs(target), ", "), target))
				if remote, more, err := co.Refs("refs/remotes/", 5); err == nil {
					notes = append(notes, "Remote-tracking refs in the checkout: "+listOrNone(remote, more)+".")
				}
				fetch := fmt.Sprintf("After the checkout step, fetch the target branch: `- script: git fetch --no-tags origin +refs/heads/%s:refs/remotes/origin/%s`.", target, target)
				if co.Shallow {
					fetch = "With fetchDepth: 0 the agent fetches every branch into refs/remotes/origin as well; if the target is still missing, fetch it after the checkout step: `- script: git fetch --no-tags origin +refs/heads/" + target + ":refs/remotes/origin/" + target + "`."
				}
				remedies = append(remedies, fetch)
			case co.Shallow:
				problems = append(problems, fmt.Sprintf("The target branch %s is there (%s), but in a shallow history the commit it shares with HEAD is usually missing, so the scanner finds no merge base (\"No merge base found between HEAD and %s\") and cannot tell which lines the pull request changed.", target, ref.Name, ref.Name))
			default:
				notes = append(notes, fmt.Sprintf("The target branch %s is at %s (%s).", target, ref.Name, shortID(ref.Commit)))
			}
		}
	}
	if len(problems) > 0 {
		return Finding{Status: Warn,
			Message: strings.Join(problems, " ") + " " + head,
			Remedy:  strings.Join(remedies, "\n"),
			Notes:   notes}
	}
	return Finding{Status: Pass, Message: "The checkout has its full history (not shallow). " + head, Notes: notes}
}

// describeHead says what HEAD is, in a pipeline's words.
func describeHead(co *gitlocal.Checkout, p config.Pipeline) string {
	h := co.Head
	switch {
	case h.Detached() && strings.HasPrefix(p.SourceBranch, "refs/pull/"):
		return "HEAD is detached at " + shortID(h.Commit) + ", the pull request's merge commit (" + p.SourceBranch + ")."
	case h.Detached():
		return "HEAD is detached at " + shortID(h.Commit) + "."
	case h.Commit == "":
		return "HEAD is on branch " + config.BranchName(h.Branch) + ", which has no commit yet."
	}
	return "HEAD is on branch " + config.BranchName(h.Branch) + " at " + shortID(h.Commit) + "."
}

// ---- sonar.main-branch and sonar.pr-target ----------------------------------

func (r *run) getBranches(ctx context.Context) ([]sonar.ProjectBranch, error) {
	return r.pr.branches.get(ctx, func(ctx context.Context) ([]sonar.ProjectBranch, error) {
		return r.sonar.ProjectBranches(ctx, r.cfg.ProjectKey)
	})
}

// branchesFailure explains why the project's branches could not be read.
func (r *run) branchesFailure(err error, what string) Finding {
	key := r.cfg.ProjectKey
	switch {
	case sonar.IsInsufficientPrivileges(err):
		return r.couldNotVerify(what, "Browse (or Execute Analysis) on project "+key, err)
	case sonar.IsProjectNotFound(err):
		return Finding{Status: Skip, Message: fmt.Sprintf("Not compared: project %s does not exist on this SonarQube server yet (see sonar.binding), so it has no branches.", key), Evidence: evidenceOf(err)}
	}
	return r.sonarFailure(err, "read the project's branches (api/project_branches/list)")
}

func (r *run) branchesEvidence(bs []sonar.ProjectBranch) []Evidence {
	names := make([]string, 0, len(bs))
	for _, b := range bs {
		n := b.Name
		if b.IsMain {
			n += " (main)"
		}
		if !b.Analysed() {
			n += " (never analysed)"
		}
		names = append(names, n)
	}
	return []Evidence{{Request: "GET " + r.cfg.SonarURL + "/api/project_branches/list?project=" + r.cfg.ProjectKey, Status: 200, Message: "branches: " + strings.Join(names, ", ")}}
}

func (r *run) checkMainBranch(ctx context.Context) Finding {
	key := r.cfg.ProjectKey
	bs, err := r.getBranches(ctx)
	if err != nil {
		return r.branchesFailure(err, "the project's main branch")
	}
	ev := r.branchesEvidence(bs)
	main, ok := sonar.MainBranch(bs)
	if !ok {
		return Finding{Status: Warn, Evidence: ev,
			Message: fmt.Sprintf("SonarQube lists no main branch for project %s, so its name could not be compared with the repository's default branch.", key),
			Remedy:  "Open the project in SonarQube (Project Settings > Branches and Pull Requests) and check which branch is marked main."}
	}
	def, from, unknown := r.repoDefaultBranch(ctx)
	if def == "" {
		return Finding{Status: Skip, Evidence: ev,
			Message: fmt.Sprintf("SonarQube's main branch of project %s is %q; not compared with the repository's default branch, because %s.", key, main.Name, unknown)}
	}
	why := sonar.MainBranchMismatch(main.Name, def)
	if why == "" {
		return Finding{Status: Pass, Evidence: ev,
			Message: fmt.Sprintf("SonarQube's main branch of project %s is %s, the repository's default branch (from %s).", key, main.Name, from)}
	}
	f := Finding{Status: Warn, Evidence: ev,
		Message: fmt.Sprintf("SonarQube's main branch of project %s is named %q, but the repository's default branch is %q (from %s): %s.", key, main.Name, def, from, why)}
	var other *sonar.ProjectBranch
	for i := range bs {
		if bs[i].Name == def && !bs[i].IsMain {
			other = &bs[i]
		}
	}
	place := "In SonarQube, Project Settings > Branches and Pull Requests (Administer on the project)"
	switch {
	case other == nil:
		f.Remedy = fmt.Sprintf("%s: rename the main branch %s to %s; it keeps its history. Web API: POST %s/api/project_branches/rename with project=%s&name=%s.", place, main.Name, def, r.cfg.SonarURL, key, def)
	case r.sonarVersion(ctx).AtLeast(10, 2): // an unknown version reads as older
		f.Remedy = fmt.Sprintf("SonarQube already has a branch %s (the analyses of the default branch). %s: set %s as the main branch (Web API, 10.2+: POST %s/api/project_branches/set_main with project=%s&branch=%s), then delete %s once nothing analyses it.", def, place, def, r.cfg.SonarURL, key, def, main.Name)
	default:
		f.Remedy = fmt.Sprintf("SonarQube already has a branch %s, and a main branch cannot be renamed to a name another branch holds (\"a branch with name %s already exists\"). %s: delete branch %s (its history goes with it), then rename the main branch %s to %s (Web API: POST %s/api/project_branches/rename with project=%s&name=%s).", def, def, place, def, main.Name, def, r.cfg.SonarURL, key, def)
	}
	return f
}

// repoDefaultBranch is the repository's default branch and where it came
// from, or why it is unknown. The platforms' answers are the ones their own
// checks already fetched; nothing is fetched twice.
func (r *run) repoDefaultBranch(ctx context.Context) (branch, from, why string) {
	switch {
	case r.pr.az != nil:
		if rp := r.pr.az.repo; rp != nil {
			if rp.DefaultBranch == "" {
				return "", "", "repository " + rp.Name + " has no default branch yet (it is empty)"
			}
			return config.BranchName(rp.DefaultBranch), "Azure DevOps, repository " + rp.Name, ""
		}
		why = "Azure DevOps was not asked: no Azure DevOps PAT was given (" + r.givePlace("AZURE_DEVOPS_EXT_PAT") + ")"
		if !r.cfg.AzurePAT.Empty() {
			why = "azdo.code-read could not read the repository"
		}
	case r.platform == PlatformGitHub:
		if g := r.pr.gh; g != nil && g.repo.DefaultBranch != "" {
			return g.repo.DefaultBranch, "GitHub, repository " + g.repo.FullName, ""
		}
		why = "GitHub was not asked: no GitHub token was given (" + r.givePlace("GITHUB_TOKEN") + ")"
		if !r.cfg.GitHubToken.Empty() {
			why = "github.repo could not read the repository"
		}
	default:
		why = "the repository provider " + r.cfg.Pipeline.RepoProvider + " is not one whose default branch this tool reads"
	}
	// A clone (not a pipeline's fetch) records the remote's default branch.
	if at, err := r.getCheckout(ctx); err == nil {
		if b, ok := at.co.RemoteDefaultBranch("origin"); ok {
			return b, "the checkout's refs/remotes/origin/HEAD", ""
		}
	}
	return "", "", why
}

func (r *run) checkPRTarget(ctx context.Context) Finding {
	p := r.cfg.Pipeline
	if !p.IsPullRequest() {
		reason := p.Reason
		if reason == "" {
			reason = "not set"
		}
		return Finding{Status: Skip, Message: "Not a pull-request build (BUILD_REASON is " + reason + "): there is no target branch to check."}
	}
	target := p.TargetBranch()
	if target == "" {
		return Finding{Status: Skip, Message: "This is a pull-request build, but SYSTEM_PULLREQUEST_TARGETBRANCH is not set: the target branch is unknown."}
	}
	// A server that analyses no pull requests fails this one's analysis
	// (sonar.edition): saying what it would be compared with would contradict
	// that. Known from the edition's name alone, it is likely, not certain.
	e := r.editionInfo(ctx)
	if e.PullRequests == sonar.NotSupported && !e.PullRequestsInferred {
		return Finding{Status: Skip,
			Message: "Not compared: SonarQube " + e.Name() + " does not analyse pull requests (see sonar.edition), so this pull request's analysis fails and is compared with no branch."}
	}
	key := r.cfg.ProjectKey
	bs, err := r.getBranches(ctx)
	if err != nil {
		return r.branchesFailure(err, "whether SonarQube has analysed the target branch "+target)
	}
	ev := r.branchesEvidence(bs)
	main, hasMain := sonar.MainBranch(bs)
	var hit *sonar.ProjectBranch
	var nearly []string
	for i := range bs {
		switch {
		case bs[i].Name == target:
			hit = &bs[i]
		case strings.EqualFold(bs[i].Name, target):
			nearly = append(nearly, bs[i].Name)
		}
	}
	analyse := fmt.Sprintf("Analyse %s once: run this pipeline's SonarQube tasks on a build of %s (a branch trigger that includes it; the SonarQube extension passes the branch name itself), or run the scanner with -Dsonar.branch.name=%s. It then appears under Branches in SonarQube, and later pull requests into %s are compared with it.", target, target, target, target)
	switch {
	case hit != nil && hit.Analysed():
		when := ""
		if t := hit.AnalysedAt(); !t.IsZero() {
			when = " (last analysis " + t.UTC().Format("2006-01-02") + ")"
		}
		f := Finding{Status: Pass, Evidence: ev,
			Message: fmt.Sprintf("The pull request's target branch %s has been analysed in SonarQube%s: the pull request is compared with it.", target, when)}
		switch e.PullRequests {
		case sonar.NotSupported:
			f.Notes = append(f.Notes, "That is, if this server analyses pull requests at all: its edition says it does not, unless a plugin adds it (see sonar.edition).")
		case sonar.SupportUnknown:
			f.Notes = append(f.Notes, "That is, if this server analyses pull requests at all: its edition could not be read (see sonar.edition).")
		}
		return f
	case hit != nil:
		return Finding{Status: Warn, Evidence: ev,
			Message: fmt.Sprintf("The pull request's target branch %s is project %s's main branch in SonarQube, but it was never analysed: the pull request has no analysed reference to be compared with, so what it reports as new is not measured against %s.", target, key, target),
			Remedy:  analyse}
	}
	instead := "its main branch"
	if hasMain {
		instead = "its main branch " + main.Name
		if !main.Analysed() {
			instead += " (itself never analysed)"
		}
	}
	f := Finding{Status: Warn, Evidence: ev,
		Message: fmt.Sprintf("The pull request's target branch %s has never been analysed in SonarQube (project %s). SonarQube then takes %s as the pull request's reference instead (for a pull request, \"if base is not analyzed, we will use default branch\"): project settings and quality profiles are loaded from that branch, and it, not %s, is what the pull request is compared with on the server, while Git still computes the changed lines against %s.", target, key, instead, target, target),
		Remedy:  analyse}
	if len(nearly) > 0 {
		f.Notes = append(f.Notes, "SonarQube has "+strings.Join(nearly, ", ")+", which differs only in letter case: branch names are compared exactly.")
	}
	return f
}

// ---- azdo.pr-gate ---------------------------------------------------------

// gateBranch is the branch whose merges the gate must guard: the pull
// request's target, else the repository's default branch.
func gateBranch(p config.Pipeline, defaultRef string) (branch, why string) {
	if p.IsPullRequest() && p.TargetBranch() != "" {
		return p.TargetBranch(), "the pull request's target branch"
	}
	return config.BranchName(defaultRef), "the repository's default branch"
}

// statusMatch tells how a required status names SonarQube's.
type statusMatch int

const (
	matchNone  statusMatch = iota
	matchLoose             // mentions Sonar, but not by the usual name
	matchExact
)

// matchAzureStatus compares a Status policy's genre/name with what SonarQube
// posts: SonarQube/quality gate exactly (letter case and spaces aside), or
// the community plugin's SonarQube/QualityGate; anything naming Sonar
// otherwise matches loosely.
func matchAzureStatus(genre, name string) statusMatch {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	g, n := norm(genre), norm(name)
	if g == norm(sonarStatusGenre) && n == norm(sonarStatusName) {
		return matchExact
	}
	if strings.Contains(g+"/"+n, "sonar") {
		return matchLoose
	}
	return matchNone
}

func (r *run) checkAzdoPRGate(ctx context.Context) Finding {
	a := r.pr.az
	if a == nil || a.repo == nil || a.client == nil {
		return Finding{Status: Skip, Message: "Not run: the repository could not be read (see azdo.code-read)."}
	}
	rp := a.repo
	branch, which := gateBranch(r.cfg.Pipeline, rp.DefaultBranch)
	if branch == "" {
		return Finding{Status: Skip, Message: "Repository " + rp.Name + " has no default branch yet (it is empty): no branch whose policies could be read."}
	}
	refName := "refs/heads/" + branch
	where := fmt.Sprintf("Azure DevOps: Project settings > Repositories > %s > Policies > Branch Policies > %s > Status Checks > + (Add status policy): Status to check %s/%s (listed once SonarQube has decorated a pull request; otherwise enter genre %s and name %s), Policy requirement: Required, Policy applicability: Apply by default.", rp.Name, branch, sonarStatusGenre, sonarStatusName, sonarStatusGenre, sonarStatusName)
	policies, err := a.client.BranchPolicies(ctx, rp.Project.ID, rp.ID, refName, azdo.StatusPolicyType)
	if err != nil {
		f := Finding{Status: Warn, Evidence: evidenceOf(err),
			Message: fmt.Sprintf("Could not verify whether %s (%s) requires SonarQube's quality gate: the branch policies could not be read (%s).", branch, which, answerOf(err)),
			Remedy:  "Check by hand in " + where}
		switch azdo.Classify(err) {
		case azdo.FailureUnauthorized, azdo.FailureForbidden, azdo.FailureSignInPage:
			f.Message = fmt.Sprintf("Could not verify whether %s (%s) requires SonarQube's quality gate: Azure DevOps refused to list its branch policies with this PAT (reading them needs scope Code (Read)).", branch, which)
		case azdo.FailureNotFound:
			if a.org.Deployment == azdo.Server {
				f.Message = fmt.Sprintf("Could not verify whether %s (%s) requires SonarQube's quality gate: this server has no branch-policy API for one branch (Azure DevOps Server 2019 or later has it).", branch, which)
			}
		}
		return f
	}
	ev := []Evidence{{Request: "GET " + a.org.BaseURL + "/" + rp.Project.ID + "/_apis/git/policy/configurations?repositoryId=" + rp.ID + "&refName=" + refName + "&policyType=" + azdo.StatusPolicyType,
		Status: 200, Message: describeStatusPolicies(policies)}}
	var blocking, optional, disabled []azdo.PolicyConfiguration
	var loose bool
	var others []string
	for _, p := range policies {
		if p.Status == nil {
			continue
		}
		m := matchAzureStatus(p.Status.Genre, p.Status.Name)
		switch {
		case m == matchNone:
			if p.Active() {
				others = append(others, statusLabel(p.Status))
			}
		case !p.Active():
			disabled = append(disabled, p)
		case p.IsBlocking:
			blocking = append(blocking, p)
			loose = loose || m == matchLoose
		default:
			optional = append(optional, p)
		}
	}
	var notes []string
	if loose {
		notes = append(notes, fmt.Sprintf("Compared loosely: SonarQube posts %s/%s, and the policy requires %s; it was taken to be SonarQube's because it names Sonar. If SonarQube's status has another name here, the policy never sees it.", sonarStatusGenre, sonarStatusName, statusLabel(blocking[0].Status)))
	}
	switch {
	case len(blocking) > 0:
		s := blocking[0].Status
		if s.Conditional {
			notes = append(notes, "The policy applies only once a status is posted (Policy applicability: Apply only when status is posted): if SonarQube never decorates a pull request, nothing blocks it.")
		}
		if len(s.FilenamePatterns) > 0 {
			notes = append(notes, "The policy applies only to pull requests that change files matching "+strings.Join(s.FilenamePatterns, ", ")+".")
		}
		return Finding{Status: Pass, Evidence: ev, Notes: notes,
			Message: fmt.Sprintf("Branch %s (%s) of repository %s requires %s to succeed (a required status policy): a failing quality gate blocks merges.", branch, which, rp.Name, statusLabel(s))}
	case len(optional) > 0:
		notes = append(notes, "The policy is optional (not required): the quality gate shows on pull requests, but a failing one does not block merges. Make it Required in "+where)
		return Finding{Status: Pass, Evidence: ev, Notes: notes,
			Message: fmt.Sprintf("Branch %s (%s) of repository %s has an optional status policy for %s.", branch, which, rp.Name, statusLabel(optional[0].Status))}
	}
	msg := fmt.Sprintf("No status policy on branch %s (%s) of repository %s requires SonarQube's quality gate: a failing quality gate will not block merges.", branch, which, rp.Name)
	if len(others) > 0 {
		notes = append(notes, "Status policies on the branch require: "+strings.Join(others, ", ")+".")
	}
	if len(disabled) > 0 {
		notes = append(notes, "A status policy for "+statusLabel(disabled[0].Status)+" exists but is disabled.")
	}
	return Finding{Status: Warn, Evidence: ev, Notes: notes, Message: msg, Remedy: "Add one in " + where}
}

func statusLabel(s *azdo.StatusPolicy) string {
	if s.Genre == "" {
		return s.Name
	}
	return s.Genre + "/" + s.Name
}

func describeStatusPolicies(ps []azdo.PolicyConfiguration) string {
	if len(ps) == 0 {
		return "no status policies"
	}
	var parts []string
	for _, p := range ps {
		if p.Status == nil {
			continue
		}
		d := statusLabel(p.Status)
		switch {
		case !p.Active():
			d += " (disabled)"
		case p.IsBlocking:
			d += " (required)"
		default:
			d += " (optional)"
		}
		parts = append(parts, d)
	}
	return "status policies: " + strings.Join(parts, ", ")
}

// ---- github.pr-gate -------------------------------------------------------

func matchGitHubCheck(name string) statusMatch {
	switch n := strings.ToLower(strings.TrimSpace(name)); {
	case n == strings.ToLower(sonarCheckName):
		return matchExact
	case strings.Contains(n, "sonar"):
		return matchLoose
	}
	return matchNone
}

func (r *run) checkGitHubPRGate(ctx context.Context) Finding {
	g := r.pr.gh
	if g == nil {
		return Finding{Status: Skip, Message: "Not run: the repository could not be read (see github.repo)."}
	}
	branch, which := gateBranch(r.cfg.Pipeline, g.repo.DefaultBranch)
	if branch == "" {
		return Finding{Status: Skip, Message: "GitHub named no default branch for " + g.repo.FullName + ": no branch whose rules could be read."}
	}
	var (
		wg                  sync.WaitGroup
		ruleChecks, protChk []github.RequiredCheck
		rules               int
		protected           bool
		rulesErr, protErr   error
	)
	goSafe(&wg, func() { ruleChecks, rules, rulesErr = g.client.BranchRules(ctx, g.owner, g.name, branch) }, func() { rulesErr = errPanicked })
	goSafe(&wg, func() { protChk, protected, protErr = g.client.BranchProtection(ctx, g.owner, g.name, branch) }, func() { protErr = errPanicked })
	wg.Wait()

	where := fmt.Sprintf("GitHub: %s > Settings > Rules > Rulesets (or Settings > Branches > Branch protection rules) for %s: Require status checks to pass, and add %s (listed once SonarQube has analysed a pull request).", g.repo.FullName, branch, sonarCheckName)
	var ev []Evidence
	ev = append(ev, evidenceOf(rulesErr)...)
	ev = append(ev, evidenceOf(protErr)...)
	all := append(append([]github.RequiredCheck(nil), ruleChecks...), protChk...)
	var names []string
	for _, c := range all {
		names = append(names, c.Context+" ("+c.Source+")")
		if m := matchGitHubCheck(c.Context); m != matchNone {
			f := Finding{Status: Pass, Evidence: ev,
				Message: fmt.Sprintf("Branch %s (%s) of %s requires the check %s (%s): a failing quality gate blocks merges.", branch, which, g.repo.FullName, c.Context, c.Source)}
			if m == matchLoose {
				f.Notes = append(f.Notes, fmt.Sprintf("Compared loosely: SonarQube's GitHub App reports %q; the required check %q was taken to be SonarQube's because it names Sonar.", sonarCheckName, c.Context))
			}
			return f
		}
	}
	sort.Strings(names)
	var notes []string
	if len(names) > 0 {
		notes = append(notes, "Required checks on the branch: "+strings.Join(names, ", ")+".")
	}
	switch {
	case rulesErr != nil && protErr != nil:
		return Finding{Status: Warn, Evidence: ev, Notes: notes,
			Message: fmt.Sprintf("Could not verify whether %s (%s) requires SonarQube's check: GitHub refused both its rulesets (%s) and its branch protection (%s).", branch, which, answerOf(rulesErr), answerOf(protErr)),
			Remedy:  "Check by hand in " + where}
	case protErr != nil:
		// Reading the classic protection needs admin rights on the repository.
		return Finding{Status: Warn, Evidence: ev, Notes: notes,
			Message: fmt.Sprintf("Could not verify whether %s (%s) requires SonarQube's check: no ruleset requires it, and the branch protection rule could not be read with this token (%s; GitHub shows it only to tokens with admin rights on the repository).", branch, which, answerOf(protErr)),
			Remedy:  "Check by hand in " + where + " Or give the token admin rights (a fine-grained token: Administration: Read) to have it verified."}
	case rulesErr != nil && !protected:
		return Finding{Status: Warn, Evidence: ev, Notes: notes,
			Message: fmt.Sprintf("Could not verify whether %s (%s) requires SonarQube's check: the branch has no protection rule, and its rulesets could not be read (%s).", branch, which, answerOf(rulesErr)),
			Remedy:  "Check by hand in " + where}
	}
	detail := "no branch protection rule"
	if protected {
		detail = "its branch protection rule does not require it"
	}
	if rules > 0 {
		detail += fmt.Sprintf(", and the %s that apply do not either", plural(rules, "ruleset rule"))
	} else if rulesErr == nil {
		detail += ", and no ruleset applies"
	}
	return Finding{Status: Warn, Evidence: ev, Notes: notes,
		Message: fmt.Sprintf("Branch %s (%s) of %s does not require SonarQube's check %s (%s): a failing quality gate will not block merges.", branch, which, g.repo.FullName, sonarCheckName, detail),
		Remedy:  "Require it in " + where}
}

// ---- small helpers ----------------------------------------------------------

// answerOf is a refusal in a few words, "403 Resource not accessible by
// personal access token": the evidence line carries the request.
func answerOf(err error) string {
	var he *httpx.Error
	if errors.As(err, &he) && he.Status != 0 {
		if m := strings.TrimSpace(he.Message); m != "" {
			return fmt.Sprintf("%d %s", he.Status, m)
		}
		return fmt.Sprintf("%d %s", he.Status, http.StatusText(he.Status))
	}
	return oneLineErr(err)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	if id == "" {
		return "an unknown commit"
	}
	return id
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func listOrNone(names []string, more bool) string {
	if len(names) == 0 {
		return "none"
	}
	s := strings.Join(names, ", ")
	if more {
		s += ", …"
	}
	return s
}
