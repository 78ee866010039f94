package preflight

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"sonar-preflight/internal/azdo"
)

// Check ids of the Azure DevOps side.
const (
	IDAzdoPAT         = "azdo.pat"
	IDAzdoGlobalPAT   = "azdo.global-pat"
	IDAzdoCodeRead    = "azdo.code-read"
	IDAzdoContribute  = "azdo.contribute"
	IDAzdoAccessLevel = "azdo.access-level"
)

// GlobalPATRetirement is when Microsoft stops every global ("All accessible
// organizations") PAT.
var GlobalPATRetirement = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// azdoRun holds what the Azure DevOps checks learn from each other. Each
// field is written by one check and read by checks that need it, after it
// finished (the engine orders them).
type azdoRun struct {
	client *azdo.Client
	org    azdo.Org
	orgSrc string // where the organization URL came from
	user   azdo.Identity
	repo   *azdo.Repository
	// jwt: the token has the shape of a JSON Web Token, not of a PAT.
	jwt bool
	// jobToken: Azure DevOps identifies the caller as a build service: the
	// token is the job's own ($(System.AccessToken)), and what the probes
	// show is that token's access, not that of SonarQube's PAT.
	jobToken bool
	// repoRead is the repository's answer, shared by azdo.code-read and
	// azdo.access-level (a Stakeholder's code access depends on the
	// project's visibility, which the answer carries).
	repoRead *lazy[repoAnswer]
}

// repoAnswer is the repository probe: which repository, named by whom,
// and what Azure DevOps answered.
type repoAnswer struct {
	project, repo, src string
	rp                 *azdo.Repository
}

// readRepository asks for the repository to probe once, whichever check
// asks first. project and repo are empty when there is none to probe.
func (r *run) readRepository(ctx context.Context, a *azdoRun) (repoAnswer, error) {
	return a.repoRead.get(ctx, func(ctx context.Context) (repoAnswer, error) {
		project, repo, src := r.codeTarget(ctx)
		ans := repoAnswer{project: project, repo: repo, src: src}
		if repo == "" {
			return ans, nil
		}
		rp, err := a.client.Repository(ctx, project, repo)
		ans.rp = rp
		return ans, err
	})
}

func (r *run) azdoChecks() []Check {
	if r.platform != PlatformAzure && r.platform != PlatformUnknown {
		return nil // GitHub and other providers: Azure DevOps PATs play no part
	}
	a := &azdoRun{repoRead: newLazy[repoAnswer]()}
	r.pr.az = a // azdo.pr-gate and sonar.main-branch read the repository it learns
	needs := []string{IDConfig}
	if r.cfg.Pipeline.CollectionURI == "" {
		// No pipeline organization: take it from SonarQube's record.
		needs = []string{IDSonarToken}
	}
	return []Check{
		{ID: IDAzdoPAT, Title: "Azure DevOps PAT", Needs: needs, Run: func(ctx context.Context) Finding { return r.checkAzdoPAT(ctx, a) }},
		{ID: IDAzdoGlobalPAT, Title: "PAT organization scope", Needs: []string{IDAzdoPAT}, Run: func(ctx context.Context) Finding { return r.checkGlobalPAT(ctx, a) }},
		{ID: IDAzdoCodeRead, Title: "Repository read access", Needs: []string{IDAzdoPAT}, Run: func(ctx context.Context) Finding { return r.checkCodeRead(ctx, a) }},
		{ID: IDAzdoContribute, Title: "Contribute permissions", Needs: []string{IDAzdoCodeRead}, Run: func(ctx context.Context) Finding { return r.checkContribute(ctx, a) }},
		{ID: IDAzdoAccessLevel, Title: "Access level", Needs: []string{IDAzdoPAT}, Run: func(ctx context.Context) Finding { return r.checkAccessLevel(ctx, a) }},
	}
}

// patHowTo says how to make a PAT SonarQube can use, for organization org,
// and where this run's PAT goes.
func (r *run) patHowTo(org string) string {
	return "Create a PAT as the account SonarQube uses: Azure DevOps (" + org + ") > User settings > Personal access tokens > New Token, Organization: that organization (not \"All accessible organizations\"), Scopes: Code (Read & write), with an expiry date you will track. Paste it into SonarQube (" + devopsPlace + " > Azure DevOps > the record > Personal Access Token) and into " + r.secretPlace("AZURE_DEVOPS_EXT_PAT") + "."
}

// azdoOrg decides which organization to probe: the one the user named,
// else the pipeline's. The PAT goes nowhere else (the HTTP client refuses
// it too): a URL learned from SonarQube's record or binding is data a
// SonarQube administrator controls, so it only tells the user what to name.
func (r *run) azdoOrg(ctx context.Context) (azdo.Org, string, error) {
	if u := r.cfg.AzureOrg; u != "" {
		org, err := azdo.ParseOrgURL(u)
		return org, "the organization named for this run (" + r.cfg.From("AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION") + ")", err
	}
	if u := r.cfg.Pipeline.CollectionURI; u != "" {
		org, err := azdo.ParseOrgURL(u)
		return org, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", err
	}
	recordURL, key := "", ""
	if b, err := r.getBinding(ctx); err == nil && b.Alm == "azure" && b.URL != "" {
		recordURL, key = b.URL, b.Key
	} else if rs, err := r.getRecords(ctx); err == nil {
		if az := rs.of("azure"); len(az) == 1 && az[0].URL != "" {
			recordURL, key = az[0].URL, az[0].Key
		}
	}
	if recordURL != "" {
		return azdo.Org{}, "", &untrustedOrgError{url: recordURL, key: key}
	}
	return azdo.Org{}, "", fmt.Errorf("no organization URL: SYSTEM_TEAMFOUNDATIONCOLLECTIONURI is not set, no organization was named, and SonarQube names no single Azure DevOps record")
}

// untrustedOrgError: the only organization known is the one SonarQube's
// record names, which does not decide where the PAT is sent.
type untrustedOrgError struct{ url, key string }

func (e *untrustedOrgError) Error() string {
	return "SonarQube record " + e.key + " names " + e.url + ", but no organization was named for this run and none comes from the pipeline (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI): the PAT is sent only to the pipeline's organization or one you name, never to a URL taken from SonarQube's data"
}

// orgRemedy says how to name an organization.
const orgRemedy = "Name the organization the PAT belongs to, if you trust it with the PAT: --organization <URL> on the command line, the task's organization input, or AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION (the variable az devops reads for its default organization), e.g. https://dev.azure.com/<organization>. In a pipeline, SYSTEM_TEAMFOUNDATIONCOLLECTIONURI names it."

func (r *run) checkAzdoPAT(ctx context.Context, a *azdoRun) Finding {
	if r.cfg.AzurePAT.Empty() {
		return Finding{Status: Skip, Message: "No Azure DevOps PAT given, so Azure DevOps was not probed directly. To have sonar-preflight name the exact cause of a PAT problem, give the PAT that SonarQube's record holds in " + r.givePlace("AZURE_DEVOPS_EXT_PAT") + r.fromSecret() + "."}
	}
	org, src, err := r.azdoOrg(ctx)
	if err != nil {
		return Finding{Status: Skip, Message: "Could not verify the PAT: " + oneLineErr(err) + ".", Remedy: orgRemedy}
	}
	a.org, a.orgSrc = org, src
	a.jwt = azdo.LooksLikeJWT(r.cfg.AzurePAT.Value())
	a.client = azdo.New(org, r.cfg.AzurePAT, r.d.HTTP)
	cd, err := a.client.ConnectionData(ctx)
	if err != nil {
		f := r.azdoFailure(a, err, "")
		if a.jwt && f.Status == Fail {
			f.Message += " " + r.jwtNote()
			f.Remedy = "Give the PAT SonarQube's record holds (a user's or service account's PAT, from a secret variable) in " + r.patSource() + ", not $(System.AccessToken).\n" + f.Remedy
		}
		return f
	}
	a.user = cd.AuthenticatedUser
	who := cd.AuthenticatedUser.ProviderDisplayName
	if acct := cd.AuthenticatedUser.Account; acct != "" && acct != who {
		who += " (" + acct + ")"
	}
	if who == "" {
		who = cd.AuthenticatedUser.ID
	}
	var f Finding
	switch {
	case cd.AuthenticatedUser.IsBuildService():
		a.jobToken = true
		f = Finding{Status: Warn,
			Message: fmt.Sprintf("The token in %s is the job's own access token ($(System.AccessToken)), not a PAT: Azure DevOps at %s identifies it as %s, a pipeline's build service. SonarQube's record needs the PAT of a user or service account, so this run cannot check SonarQube's PAT; the Azure DevOps checks below show the job token's access, not SonarQube's.", r.patSource(), org.BaseURL, who),
			Remedy:  "Put the PAT that SonarQube's record holds into a secret variable and map it to " + r.patSource() + " instead of $(System.AccessToken). " + r.patHowTo(org.BaseURL)}
	case a.jwt:
		f = Finding{Status: Warn,
			Message: fmt.Sprintf("Azure DevOps at %s accepts the token in %s as %s, but the token is a JSON Web Token (an access token), not a PAT. SonarQube's record needs a PAT; the checks below show this token's access, which expires with the token.", org.BaseURL, r.patSource(), who),
			Remedy:  "Give the PAT that SonarQube's record holds in " + r.patSource() + ". " + r.patHowTo(org.BaseURL)}
	default:
		f = Finding{Status: Pass, Message: fmt.Sprintf("Azure DevOps accepts the PAT at %s; it belongs to %s.", org.BaseURL, who)}
	}
	if src != "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI" {
		f.Notes = append(f.Notes, "Organization URL taken from "+src+".")
	}
	if u := r.cfg.Pipeline.CollectionURI; u != "" && r.cfg.AzureOrg != "" {
		if same, err := sameAzureOrg(u, r.cfg.AzureOrg); err == nil && !same {
			f.Notes = append(f.Notes, "The pipeline runs in "+u+", another organization than the one named.")
		}
	}
	return f
}

// patSource names where the Azure DevOps token came from, as a user finds
// it (the task's azureDevOpsPat input, the AZURE_DEVOPS_EXT_PAT variable).
func (r *run) patSource() string {
	return r.cfg.Where("AZURE_DEVOPS_EXT_PAT")
}

// jwtNote explains a refused token that is a JWT, not a PAT.
func (r *run) jwtNote() string {
	return "The token is a JSON Web Token, not a PAT: if it is $(System.AccessToken), the job's own token, Azure DevOps accepts it only while its job runs and only as far as the job's build service may go; SonarQube's record needs the PAT of a user or service account."
}

// jobTokenSkip is the finding of a check whose answer, for the job's own
// token, would describe the build service rather than SonarQube's PAT.
func jobTokenSkip(what string) Finding {
	return Finding{Status: Skip, Message: "Not run: the token given is the job's own access token (see azdo.pat), and " + what + " would describe the pipeline's build service, not the account whose PAT SonarQube holds."}
}

// azdoFailure explains a failed Azure DevOps call. For calls after
// connectionData has passed, step names the call for the message.
func (r *run) azdoFailure(a *azdoRun, err error, step string) Finding {
	ev := evidenceOf(err)
	org := a.org.BaseURL
	switch azdo.Classify(err) {
	case azdo.FailureSignInPage:
		return Finding{Status: Fail, Evidence: ev,
			Message: "Azure DevOps answered with its sign-in page (HTTP 203, a redirect, or HTML) instead of the API: it did not accept the PAT. Older SonarQube versions, which follow redirects and accept any 2xx answer, may take such an answer as success, so this failure can stay hidden there.",
			Remedy:  "The PAT is invalid, revoked, expired" + r.retiredGlobalCause() + " or made for another organization. " + r.patHowTo(org)}
	case azdo.FailureExpired:
		return Finding{Status: Fail, Evidence: ev,
			Message: "The PAT has expired: Azure DevOps answered \"Access Denied: The Personal Access Token used has expired.\"",
			Remedy:  "Azure DevOps PATs always carry an expiry date. " + r.patHowTo(org) + " Note the new expiry date somewhere your team will see it."}
	case azdo.FailureGlobalPAT:
		if step != "" {
			break
		}
		return Finding{Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("Azure DevOps rejected the PAT (401) at %s and its answer names global (\"All accessible organizations\") PATs: the PAT is a global one, and Microsoft stops every global PAT on %s.", org, GlobalPATRetirement.Format("2006-01-02")),
			Remedy:  "Create a PAT scoped to this organization (User settings > Personal access tokens > New Token > Organization: " + a.org.Name + "). " + r.patHowTo(org)}
	case azdo.FailureUnauthorized:
		if step != "" {
			break // a later call's 401 means something else; callers explain theirs
		}
		causes := "the PAT was revoked; Azure DevOps stopped it because its user did not sign in for 30 days (90 days in organizations backed by Microsoft Entra ID); it was made for another organization; or it was mistyped."
		tell := []string{
			"To tell which: sign in to " + org + " as the PAT's user and open User settings > Personal access tokens.",
			"- The token is listed as Revoked, or is not listed at all: it was revoked, or belongs to another user or organization.",
			"- You could not sign in, or this is the first sign-in for weeks: inactivity stopped it; signing in re-enables the account, not the PAT.",
			"- It is listed as Active for another organization: it was made for that one.",
		}
		if r.globalPATsRetired() {
			day := GlobalPATRetirement.Format("2006-01-02")
			causes = "the PAT was revoked; Azure DevOps stopped it because its user did not sign in for 30 days (90 days in organizations backed by Microsoft Entra ID); it may be a global (\"All accessible organizations\") PAT, which Microsoft stopped on " + day + "; it was made for another organization; or it was mistyped."
			tell = append(tell, "- Its Organization column reads \"All accessible organizations\": it is a global PAT, which Azure DevOps no longer accepts since "+day+"; create one for organization "+a.org.Name+".")
		}
		return Finding{Status: Fail, Evidence: ev,
			Message: "Azure DevOps rejected the PAT (401 Unauthorized) at " + org + ". Azure DevOps gives the same answer for several causes, which cannot be told apart from outside: " + causes,
			Remedy:  strings.Join(append(tell, r.patHowTo(org)), "\n")}
	case azdo.FailureNotFound:
		return Finding{Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("The organization or collection URL %s does not exist (404), as taken from %s.", org, a.orgSrc),
			Remedy:  "Use the organization URL exactly as Azure DevOps shows it: https://dev.azure.com/<organization> (or https://<organization>.visualstudio.com), or https://<server>/<collection> on Azure DevOps Server; correct it in SonarQube's record too."}
	case azdo.FailureAnonymous:
		return Finding{Status: Fail, Evidence: ev,
			Message: "Azure DevOps answered as the anonymous user: the PAT was not accepted. (This organization has public projects, so it answers a bad PAT anonymously instead of with 401.)",
			Remedy:  "The PAT is invalid, revoked, expired" + r.retiredGlobalCause() + " or made for another organization. " + r.patHowTo(org)}
	case azdo.FailureThrottled:
		return Finding{Status: Warn, Evidence: ev,
			Message: "Could not verify: Azure DevOps throttled the requests (429, TF400733) beyond the wait this run allows.",
			Remedy:  "The PAT's account is making many requests; run again later, or use a dedicated account for SonarQube."}
	}
	what := "reach Azure DevOps"
	if step != "" {
		what = step
	}
	return r.describeError("Azure DevOps", org, err, what)
}

// globalPATsRetired reports whether Microsoft has stopped global PATs by
// the run's clock.
func (r *run) globalPATsRetired() bool { return !r.d.Now().Before(GlobalPATRetirement) }

// retiredGlobalCause is the cause to add to a refused PAT's list once global
// PATs are retired (how to tell is in the 401 remedy).
func (r *run) retiredGlobalCause() string {
	if !r.globalPATsRetired() {
		return ""
	}
	return ", a global (\"All accessible organizations\") PAT, which Microsoft stopped on " + GlobalPATRetirement.Format("2006-01-02") + " (its Organization column in User settings > Personal access tokens says so),"
}

func (r *run) checkGlobalPAT(ctx context.Context, a *azdoRun) Finding {
	if a.jobToken {
		return Finding{Status: Skip, Message: "Not run: the token given is the job's own access token (see azdo.pat), which belongs to its organization by nature; whether SonarQube's PAT is a global one can only be checked with that PAT."}
	}
	if a.org.Deployment != azdo.Services {
		return Finding{Status: Skip, Message: "Azure DevOps Server has no global PATs: nothing to check."}
	}
	global, err := a.client.IsGlobalPAT(ctx)
	if err != nil {
		f := Finding{Status: Warn, Message: "Could not verify whether the PAT is a global (\"All accessible organizations\") PAT: the probe did not give a clear answer (" + oneLineErr(err) + ").",
			Remedy: "Check the PAT's Organization field in User settings > Personal access tokens: it must name " + a.org.Name + ", not \"All accessible organizations\".", Evidence: evidenceOf(err)}
		return f
	}
	if !global {
		return Finding{Status: Pass, Message: "The PAT is scoped to one organization (not a global PAT)."}
	}
	day := GlobalPATRetirement.Format("2006-01-02")
	rem := "Create a PAT scoped to organization " + a.org.Name + " (User settings > Personal access tokens > New Token > Organization: " + a.org.Name + "), then replace it in SonarQube's record and in " + r.secretPlace("AZURE_DEVOPS_EXT_PAT") + ". Newer SonarQube releases refuse global PATs when a record is created or updated."
	if r.d.Now().Before(GlobalPATRetirement) {
		days := int(math.Ceil(GlobalPATRetirement.Sub(r.d.Now()).Hours() / 24))
		return Finding{Status: Warn,
			Message: fmt.Sprintf("The PAT is a global (\"All accessible organizations\") PAT: Microsoft stops every global PAT on %s (%s); pull-request decoration stops with it.", day, inDays(days)),
			Remedy:  rem}
	}
	return Finding{Status: Fail,
		Message: fmt.Sprintf("The PAT is a global (\"All accessible organizations\") PAT: Microsoft stopped global PATs on %s; it no longer works for pull-request decoration.", day),
		Remedy:  rem}
}

// codeTarget picks the repository to probe: the binding's, else the
// pipeline's.
func (r *run) codeTarget(ctx context.Context) (project, repo, src string) {
	p := r.cfg.Pipeline
	if r.sonar != nil {
		if b, err := r.getBinding(ctx); err == nil && b.Alm == "azure" && b.Slug != "" && b.Repository != "" {
			// A binding to another organization names a repository the PAT
			// is not probed in; sonar.binding reports that mismatch.
			if same, err := sameAzureOrg(b.URL, p.CollectionURI); b.URL == "" || p.CollectionURI == "" || err == nil && same {
				return b.Slug, b.Repository, "the SonarQube binding"
			}
		}
	}
	if p.TeamProject != "" && p.RepoName != "" {
		return p.TeamProject, p.RepoName, "the pipeline"
	}
	return "", "", ""
}

func (r *run) checkCodeRead(ctx context.Context, a *azdoRun) Finding {
	f := r.codeRead(ctx, a)
	if !a.jobToken {
		return f
	}
	// With the job's own token the answer is about the build service: a
	// pass shows that the repository exists under these names, a refusal
	// says nothing about SonarQube's PAT.
	label := "Read with the job's own token: this shows the job token's access, not SonarQube's PAT."
	var notes []string
	for _, n := range f.Notes {
		if !strings.HasPrefix(n, "Code write scope") { // a PAT's scope; the job token has none to check
			notes = append(notes, n)
		}
	}
	f.Notes = notes
	switch f.Status {
	case Pass:
		f.Message = strings.Replace(f.Message, "is readable with the PAT.", "exists and is readable with the job's token.", 1)
		f.Notes = append([]string{label + " It does prove that the project and repository names are right."}, f.Notes...)
	case Fail:
		f.Status = Warn
		f.Message = "Could not verify with the job's own token (see azdo.pat): " + f.Message
		f.Remedy = "Give the PAT SonarQube's record holds in " + r.patSource() + " to check the repository as SonarQube will read it."
		f.Notes = append([]string{label}, f.Notes...)
	}
	return f
}

func (r *run) codeRead(ctx context.Context, a *azdoRun) Finding {
	ans, err := r.readRepository(ctx, a)
	project, repo, src := ans.project, ans.repo, ans.src
	if repo == "" && err == nil {
		return Finding{Status: Skip, Message: "No repository to check: the project is not bound to an Azure DevOps repository and the pipeline's SYSTEM_TEAMPROJECT / BUILD_REPOSITORY_NAME are not set."}
	}
	writeNote := "Code write scope: not verifiable read-only. Azure DevOps reveals a PAT's scopes to no read-only call; check that the PAT has Code (Read & write), which SonarQube needs to post comments and statuses."
	if err != nil {
		ev := evidenceOf(err)
		switch azdo.Classify(err) {
		case azdo.FailureUnauthorized:
			return Finding{Status: Fail, Evidence: ev, Notes: []string{writeNote},
				Message: fmt.Sprintf("The PAT was accepted by Azure DevOps but refused (401) when reading repository %s in project %s (from %s): most likely it lacks scope Code (Read & write).", repo, project, src),
				Remedy:  "Edit the PAT (User settings > Personal access tokens > Edit) and tick Code > Read & write, or create a new one with that scope; then update SonarQube's record and " + r.secretPlace("AZURE_DEVOPS_EXT_PAT") + "."}
		case azdo.FailureNoAccess, azdo.FailureNotFound:
			return r.repoHidden(ctx, a, ans, err, writeNote)
		}
		return r.azdoFailure(a, err, fmt.Sprintf("read repository %s in project %s", repo, project))
	}
	a.repo = ans.rp
	f := Finding{Status: Pass, Notes: []string{writeNote},
		Message: fmt.Sprintf("Repository %s in project %s (from %s) is readable with the PAT.", ans.rp.Name, ans.rp.Project.Name, src)}
	return f
}

// repoHidden explains a 404 for the repository. The project's own answer
// (one more request, on this failure path only) tells the likely causes
// apart: a project the user cannot see at all, a public project (where
// Stakeholder access is no cause: Stakeholders have full Azure Repos access
// there), or a private one.
func (r *run) repoHidden(ctx context.Context, a *azdoRun, ans repoAnswer, err error, writeNote string) Finding {
	project, repo, src := ans.project, ans.repo, ans.src
	ev := evidenceOf(err)
	head := fmt.Sprintf("The PAT's user cannot see repository %s in project %s (from %s): Azure DevOps answered 404%s.", repo, project, src, noAccessQuote(err))
	fixNames := "If the names are wrong, fix the project's binding in SonarQube (" + bindingPlace + ")."
	p, perr := a.client.Project(ctx, project)
	switch {
	case perr == nil && p.Public():
		return Finding{Status: Fail, Evidence: ev, Notes: []string{writeNote},
			Message: head + fmt.Sprintf(" Project %s is public, so every user of the organization can read its code, Stakeholders included: either no repository %s exists there, or Read is denied to this user on it.", p.Name, repo),
			Remedy:  "Check the repository's name in Project settings > Repositories, and its Security tab for a Deny on Read for the PAT's user or its groups. " + fixNames}
	case perr == nil:
		return Finding{Status: Fail, Evidence: ev, Notes: []string{writeNote},
			Message: head + fmt.Sprintf(" The user can see project %s, which is private. Likely causes: no repository %s exists there; the user has Stakeholder access, which gives no code access in private projects; or Read is denied to the user on the repository.", p.Name, repo),
			Remedy:  "Give the PAT's user Basic access (Organization settings > Users > Access level), and check the repository's name and its Security tab in Project settings > Repositories. " + fixNames}
	case azdo.Classify(perr) == azdo.FailureNoAccess || azdo.Classify(perr) == azdo.FailureNotFound:
		return Finding{Status: Fail, Evidence: append(ev, evidenceOf(perr)...), Notes: []string{writeNote},
			Message: head + fmt.Sprintf(" The project itself is hidden from the user too: it is not a member of project %s, or no project of that name exists.", project),
			Remedy:  "In Azure DevOps, add the PAT's user to project " + project + "'s Contributors group, and give it Basic access (Organization settings > Users > Access level). " + fixNames}
	}
	return Finding{Status: Fail, Evidence: ev, Notes: []string{writeNote},
		Message: head + fmt.Sprintf(" Likely causes: the user is not a member of project %s, has Stakeholder access (no code access in private projects; public projects give Stakeholders full code access), or the name is wrong.", project),
		Remedy:  "In Azure DevOps, add the PAT's user to project " + project + "'s Contributors group, and give it Basic access (Organization settings > Users > Access level). " + fixNames}
}

func (r *run) checkContribute(ctx context.Context, a *azdoRun) Finding {
	if a.jobToken {
		return jobTokenSkip("its permissions on the repository")
	}
	if a.repo == nil {
		// azdo.code-read ended without reading the repository (it could not verify).
		return Finding{Status: Skip, Message: "Not run: the repository could not be read (see azdo.code-read), so its permissions could not be asked for."}
	}
	token := azdo.RepoToken(a.repo.Project.ID, a.repo.ID)
	type answer struct {
		ok  bool
		err error
	}
	var generic, pr answer
	var wg sync.WaitGroup
	goSafe(&wg, func() {
		generic.ok, generic.err = a.client.HasPermissions(ctx, azdo.GitNamespace, azdo.GenericContribute, token)
	}, func() { generic.err = errPanicked })
	goSafe(&wg, func() {
		pr.ok, pr.err = a.client.HasPermissions(ctx, azdo.GitNamespace, azdo.PullRequestContribute, token)
	}, func() { pr.err = errPanicked })
	wg.Wait()
	for _, ans := range []answer{generic, pr} {
		if ans.err == nil {
			continue
		}
		switch azdo.Classify(ans.err) {
		case azdo.FailureUnauthorized, azdo.FailureForbidden:
			return Finding{Status: Warn, Evidence: evidenceOf(ans.err),
				Message: "Could not verify the user's Contribute permissions: Azure DevOps refused the permission query with this PAT (most likely its scopes do not cover the Security API, which SonarQube does not need).",
				Remedy:  "Check by hand: Project settings > Repositories > " + a.repo.Name + " > Security: the PAT's user (or its group, normally Contributors) needs Contribute and Contribute to pull requests set to Allow."}
		}
		return r.azdoFailure(a, ans.err, "evaluate permissions on repository "+a.repo.Name)
	}
	var missing []string
	if !generic.ok {
		missing = append(missing, "Contribute")
	}
	if !pr.ok {
		missing = append(missing, "Contribute to pull requests")
	}
	if len(missing) > 0 {
		return Finding{Status: Fail,
			Message: fmt.Sprintf("The PAT's user lacks %s on repository %s: SonarQube cannot post pull-request comments and statuses as this user.", strings.Join(missing, " and "), a.repo.Name),
			Remedy:  "Add the user to project " + a.repo.Project.Name + "'s Contributors group, or allow these permissions for it in Project settings > Repositories > " + a.repo.Name + " > Security."}
	}
	return Finding{Status: Pass, Message: fmt.Sprintf("The PAT's user has Contribute and Contribute to pull requests on repository %s.", a.repo.Name)}
}

func (r *run) checkAccessLevel(ctx context.Context, a *azdoRun) Finding {
	if a.jobToken {
		return jobTokenSkip("its access level (a build service holds no license)")
	}
	if a.org.Deployment != azdo.Services {
		return Finding{Status: Skip, Message: "Access levels are checked on Azure DevOps Services only; on Azure DevOps Server they are managed in the server's administration console."}
	}
	if a.user.ID == "" {
		// azdo.pat ended without identifying the PAT's user (it could not verify).
		return Finding{Status: Skip, Message: "Not run: the PAT's user is unknown (see azdo.pat), so its access level could not be read."}
	}
	e, err := a.client.Entitlement(ctx, a.user.ID)
	if err != nil {
		switch azdo.Classify(err) {
		case azdo.FailureUnauthorized, azdo.FailureForbidden, azdo.FailureSignInPage, azdo.FailureNoAccess, azdo.FailureNotFound:
			return Finding{Status: Warn, Evidence: evidenceOf(err),
				Message: "Could not verify the PAT user's access level: Azure DevOps refused to read the user's entitlement with this PAT (most likely it lacks scope Member Entitlement Management (Read), which SonarQube does not need).",
				Remedy:  "Check by hand: Organization settings > Users: the PAT's user must have Basic (or higher) access, or a Visual Studio subscription that includes it; Stakeholder access is enough only for repositories of public projects."}
		}
		return r.azdoFailure(a, err, "read the user's access level")
	}
	f := r.judgeLevel(ctx, a, e)
	switch st := strings.ToLower(e.Status); st {
	case "", "active", "none":
	case "pending":
		if f.Status == Pass {
			f.Status = Warn
			f.Message += " The user's access is still pending (the invitation was not accepted yet)."
			f.Remedy = "Have the user sign in to Azure DevOps once to accept the invitation."
		}
	default: // disabled, deleted, expired, pendingDisabled
		f.Status = Fail
		f.Message = fmt.Sprintf("The PAT's user's access is %s: a PAT of a disabled or removed user stops working.", st)
		f.Remedy = "Re-enable the user in Organization settings > Users (Basic access), or create the PAT as an active account and update SonarQube's record."
	}
	if !e.LastAccessedDate.IsZero() {
		f.Notes = append(f.Notes, "The user last signed in on "+e.LastAccessedDate.UTC().Format("2006-01-02")+" (PATs stop working when their user does not sign in for 30 days).")
	}
	return f
}

// judgeLevel concludes from the user's license what SonarQube can do with
// code as this user.
func (r *run) judgeLevel(ctx context.Context, a *azdoRun, e *azdo.Entitlement) Finding {
	basis := e.Basis()
	switch e.Level() {
	case azdo.LevelBasic:
		return Finding{Status: Pass, Message: "The PAT's user has " + basis + ", which includes Azure Repos (Basic or higher)."}
	case azdo.LevelNone:
		return Finding{Status: Fail,
			Message: "The PAT's user has no access level assigned: " + basis + fmt.Sprintf(", status %q.", e.Status),
			Remedy:  "Assign Basic access: Organization settings > Users > the user > Change access level > Basic."}
	case azdo.LevelUnknown:
		return Finding{Status: Warn,
			Message: "Could not verify the PAT user's code access: it has " + basis + ". Microsoft documents Visual Studio Enterprise, Professional, Test Professional and MSDN Platforms subscriptions as including Basic.",
			Remedy:  "Check Organization settings > Users: the user's access level must be Basic (or higher) or a Visual Studio subscription that includes it; otherwise assign Basic."}
	}
	// Stakeholder: no code in private projects, full Azure Repos access in
	// public ones (Microsoft's "Stakeholder access quick reference").
	give := "Give the user Basic access (Organization settings > Users > the user > Change access level > Basic), as the SonarQube documentation advises."
	ans, err := r.readRepository(ctx, a)
	switch {
	case err == nil && ans.rp != nil && ans.rp.Project.Public():
		return Finding{Status: Pass,
			Message: fmt.Sprintf("The PAT's user has %s, and project %s is public: in public projects Stakeholders have full Azure Repos access, so SonarQube can read and decorate repository %s as this user.", basis, ans.rp.Project.Name, ans.rp.Name),
			Notes:   []string{"In private projects Stakeholders have no code access: the same PAT would fail for repositories of private projects. " + give}}
	case err == nil && ans.rp != nil && strings.EqualFold(ans.rp.Project.Visibility, "private"):
		return Finding{Status: Fail,
			Message: fmt.Sprintf("The PAT's user has %s, and project %s is private: Stakeholders have no access to code in private projects, so SonarQube can neither find nor decorate repository %s with this PAT.", basis, ans.rp.Project.Name, ans.rp.Name),
			Remedy:  give}
	case err != nil && (azdo.Classify(err) == azdo.FailureNoAccess || azdo.Classify(err) == azdo.FailureNotFound):
		return Finding{Status: Fail,
			Message: fmt.Sprintf("The PAT's user has %s and cannot see repository %s in project %s (see azdo.code-read): Stakeholders have no access to code in private projects, so SonarQube can neither find nor decorate it with this PAT.", basis, ans.repo, ans.project),
			Remedy:  give}
	}
	why := "no repository to probe was named"
	if err != nil {
		why = "the repository could not be read (see azdo.code-read)"
	} else if ans.rp != nil {
		why = "Azure DevOps did not say whether project " + ans.rp.Project.Name + " is public"
	}
	return Finding{Status: Warn,
		Message: "Could not verify the PAT user's code access: it has " + basis + ", which gives full Azure Repos access in public projects and none in private ones, and " + why + ".",
		Remedy:  give + " Or keep Stakeholder access if the bound repository is in a public project."}
}

// sameAzureOrg reports whether url names the pipeline's organization or
// collection known (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI) in their normalised
// forms (dev.azure.com/org == org.visualstudio.com[/DefaultCollection]); an
// Azure DevOps Server collection URL from the pipeline is read whole, so
// collections under a custom virtual directory are told apart.
func sameAzureOrg(url, known string) (bool, error) { return azdo.SameOrgAs(url, known) }

// Reconcile explains findings that only make sense side by side: SonarQube's
// check of its stored PAT and sonar-preflight's own probe of the pipeline's
// PAT (given in patSource, e.g. "the task's azureDevOpsPat input"). The
// explanation goes on the check that failed; the other one points to it.
func Reconcile(rep Report, patSource string) Report {
	sq, ok1 := rep.Result(IDSonarDevOpsPAT)
	az, ok2 := rep.Result(IDAzdoPAT)
	if !ok1 || !ok2 {
		return rep
	}
	pat := "The pipeline's PAT"
	if patSource != "" {
		pat += " (from " + patSource + ")"
	}
	var failed, other, note string
	switch {
	case sq.Status == Fail && az.Status == Pass:
		failed, other = IDSonarDevOpsPAT, IDAzdoPAT
		// The agent reached the organization with a PAT that works. Only
		// when sonar.devops-config passed is the record's URL known to name
		// it in the right shape; a warning there (an http:// URL, a shape
		// resting on a convention, records that could not be read) leaves
		// the URL among the suspects.
		suspects := "on SonarQube's side of the network"
		if dc, ok := rep.Result(IDSonarDevOps); !ok || dc.Status != Pass {
			suspects = "the record's URL (sonar.devops-config did not confirm it) and SonarQube's side of the network"
		}
		note = pat + " works from this agent, but SonarQube's check of the PAT stored in its record fails. If the record holds this same PAT, the PAT is fine and the remaining suspects are " + suspects + ": the SonarQube server's JVM proxy settings, its Java trust store, an Azure DevOps conditional-access or IP policy that blocks the SonarQube server's address, or (SonarQube 2025.1 and later) a redirect on its way. If the record holds another PAT, paste this working one into it."
	case sq.Status == Pass && az.Status == Fail:
		failed, other = IDAzdoPAT, IDSonarDevOpsPAT
		note = "SonarQube's own check passes while " + strings.ToLower(pat[:1]) + pat[1:] + " fails: either they are different tokens, or SonarQube (older versions follow redirects and accept any 2xx answer) took a sign-in page as success. Make sure both hold the same, working PAT."
		for _, e := range az.Evidence {
			if e.Status == http.StatusNotFound {
				// Not the PAT: the organization URL itself is unknown.
				note = "SonarQube's own check passes while the organization URL this run used is unknown to Azure DevOps: SonarQube's record may name the organization under another address (older SonarQube versions follow redirects, e.g. of a renamed organization), or SonarQube (which accepts any 2xx answer) took a sign-in page as success. Compare the record's URL with this pipeline's organization."
			}
		}
	default:
		return rep
	}
	for i := range rep.Results {
		switch rep.Results[i].ID {
		case failed:
			rep.Results[i].Notes = append(rep.Results[i].Notes, note)
		case other:
			rep.Results[i].Notes = append(rep.Results[i].Notes, "It disagrees with "+failed+": see the note there.")
		}
	}
	return rep
}

// noAccessQuote quotes Azure DevOps's "does not exist or no permission" code
// when the answer carried one (TF401019, VS800075, TF200016), and nothing
// for a bare 404.
func noAccessQuote(err error) string {
	if azdo.Classify(err) != azdo.FailureNoAccess {
		return ""
	}
	for _, e := range evidenceOf(err) {
		if e.Message != "" {
			msg := e.Message
			if i := strings.Index(msg, ":"); i > 0 && i < 10 {
				msg = msg[:i] // the TF/VS code alone; the evidence line has the whole text
			}
			return " (" + msg + ": \"does not exist or you do not have permissions\")"
		}
	}
	return ""
}
