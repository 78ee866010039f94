package preflight

import (
	"context"
	"fmt"
	"math"
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
}

func (r *run) azdoChecks() []Check {
	if r.platform != PlatformAzure && r.platform != PlatformUnknown {
		return nil // GitHub and other providers: Azure DevOps PATs play no part
	}
	a := &azdoRun{}
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

// patHowTo says how to make a PAT SonarQube can use, for organization org.
func patHowTo(org string) string {
	return "Create a PAT as the account SonarQube uses: Azure DevOps (" + org + ") > User settings > Personal access tokens > New Token, Organization: that organization (not \"All accessible organizations\"), Scopes: Code (Read & write), with an expiry date you will track. Paste it into SonarQube (" + devopsPlace + " > Azure DevOps > the record > Personal Access Token) and into the secret variable that feeds azureDevOpsPat."
}

// azdoOrg decides which organization to probe: the pipeline's, else the
// one SonarQube's binding or record names.
func (r *run) azdoOrg(ctx context.Context) (azdo.Org, string, error) {
	if u := r.cfg.Pipeline.CollectionURI; u != "" {
		org, err := azdo.ParseOrgURL(u)
		return org, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", err
	}
	// The PAT goes only where SonarQube sends its own, and never in clear text.
	fromRecord := func(raw, key string) (azdo.Org, string, error) {
		org, err := azdo.ParseOrgURL(raw)
		if err == nil && !strings.HasPrefix(strings.ToLower(org.BaseURL), "https://") {
			return azdo.Org{}, "", fmt.Errorf("SonarQube record %s names %s, which is not https: the PAT is not sent over plain HTTP to a host the pipeline did not name", key, org.BaseURL)
		}
		return org, "SonarQube record " + key, err
	}
	if b, err := r.getBinding(ctx); err == nil && b.Alm == "azure" && b.URL != "" {
		return fromRecord(b.URL, b.Key)
	}
	if rs, err := r.getRecords(ctx); err == nil {
		if az := rs.of("azure"); len(az) == 1 && az[0].URL != "" {
			return fromRecord(az[0].URL, az[0].Key)
		}
	}
	return azdo.Org{}, "", fmt.Errorf("no organization URL: SYSTEM_TEAMFOUNDATIONCOLLECTIONURI is not set and SonarQube names no single Azure DevOps record")
}

func (r *run) checkAzdoPAT(ctx context.Context, a *azdoRun) Finding {
	if r.cfg.AzurePAT.Empty() {
		return Finding{Status: Skip, Message: "No Azure DevOps PAT given, so Azure DevOps was not probed directly. To have sonar-preflight name the exact cause of a PAT problem, give the PAT that SonarQube's record holds in the azureDevOpsPat input (from a secret variable), or AZURE_DEVOPS_EXT_PAT outside a task."}
	}
	org, src, err := r.azdoOrg(ctx)
	if err != nil {
		return Finding{Status: Skip, Message: "Could not verify the PAT: " + err.Error() + ".",
			Remedy: "Run in a pipeline, or set SYSTEM_TEAMFOUNDATIONCOLLECTIONURI to the organization URL (e.g. https://dev.azure.com/<organization>)."}
	}
	a.org, a.orgSrc = org, src
	a.client = azdo.New(org, r.cfg.AzurePAT, r.d.HTTP)
	cd, err := a.client.ConnectionData(ctx)
	if err != nil {
		return r.azdoFailure(a, err, "")
	}
	a.user = cd.AuthenticatedUser
	who := cd.AuthenticatedUser.ProviderDisplayName
	if acct := cd.AuthenticatedUser.Account; acct != "" && acct != who {
		who += " (" + acct + ")"
	}
	if who == "" {
		who = cd.AuthenticatedUser.ID
	}
	f := Finding{Status: Pass, Message: fmt.Sprintf("Azure DevOps accepts the PAT at %s; it belongs to %s.", org.BaseURL, who)}
	if src != "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI" {
		f.Notes = append(f.Notes, "Organization URL taken from "+src+".")
	}
	return f
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
			Remedy:  "The PAT is invalid, revoked, expired or made for another organization. " + patHowTo(org)}
	case azdo.FailureExpired:
		return Finding{Status: Fail, Evidence: ev,
			Message: "The PAT has expired: Azure DevOps answered \"Access Denied: The Personal Access Token used has expired.\"",
			Remedy:  "Azure DevOps PATs always carry an expiry date. " + patHowTo(org) + " Note the new expiry date somewhere your team will see it."}
	case azdo.FailureUnauthorized:
		if step != "" {
			break // a later call's 401 means something else; callers explain theirs
		}
		return Finding{Status: Fail, Evidence: ev,
			Message: "Azure DevOps rejected the PAT (401 Unauthorized) at " + org + ". Azure DevOps gives the same answer for several causes, which cannot be told apart from outside: the PAT was revoked; Azure DevOps stopped it because its user did not sign in for 30 days (90 days in organizations backed by Microsoft Entra ID); it was made for another organization; or it was mistyped.",
			Remedy: strings.Join([]string{
				"To tell which: sign in to " + org + " as the PAT's user and open User settings > Personal access tokens.",
				"- The token is listed as Revoked, or is not listed at all: it was revoked, or belongs to another user or organization.",
				"- You could not sign in, or this is the first sign-in for weeks: inactivity stopped it; signing in re-enables the account, not the PAT.",
				"- It is listed as Active for another organization: it was made for that one.",
				patHowTo(org),
			}, "\n")}
	case azdo.FailureNotFound:
		return Finding{Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("The organization or collection URL %s does not exist (404), as taken from %s.", org, a.orgSrc),
			Remedy:  "Use the organization URL exactly as Azure DevOps shows it: https://dev.azure.com/<organization> (or https://<organization>.visualstudio.com), or https://<server>/<collection> on Azure DevOps Server; correct it in SonarQube's record too."}
	case azdo.FailureAnonymous:
		return Finding{Status: Fail, Evidence: ev,
			Message: "Azure DevOps answered as the anonymous user: the PAT was not accepted. (This organization has public projects, so it answers a bad PAT anonymously instead of with 401.)",
			Remedy:  "The PAT is invalid, revoked, expired or made for another organization. " + patHowTo(org)}
	case azdo.FailureThrottled:
		return Finding{Status: Warn, Evidence: ev,
			Message: "Could not verify: Azure DevOps throttled the requests (429, TF400733) beyond the wait this run allows.",
			Remedy:  "The PAT's account is making many requests; run again later, or use a dedicated account for SonarQube."}
	}
	what := "reach Azure DevOps"
	if step != "" {
		what = step
	}
	return describeError("Azure DevOps", org, err, what)
}

func (r *run) checkGlobalPAT(ctx context.Context, a *azdoRun) Finding {
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
	rem := "Create a PAT scoped to organization " + a.org.Name + " (User settings > Personal access tokens > New Token > Organization: " + a.org.Name + "), then replace it in SonarQube's record and in the azureDevOpsPat secret variable. Newer SonarQube releases refuse global PATs when a record is created or updated."
	if r.d.Now().Before(GlobalPATRetirement) {
		days := int(math.Ceil(GlobalPATRetirement.Sub(r.d.Now()).Hours() / 24))
		return Finding{Status: Warn,
			Message: fmt.Sprintf("The PAT is a global (\"All accessible organizations\") PAT: Microsoft stops every global PAT on %s (in %d days); pull-request decoration stops with it.", day, days),
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
	project, repo, src := r.codeTarget(ctx)
	if repo == "" {
		return Finding{Status: Skip, Message: "No repository to check: the project is not bound to an Azure DevOps repository and the pipeline's SYSTEM_TEAMPROJECT / BUILD_REPOSITORY_NAME are not set."}
	}
	writeNote := "Code write scope: not verifiable read-only. Azure DevOps reveals a PAT's scopes to no read-only call; check that the PAT has Code (Read & write), which SonarQube needs to post comments and statuses."
	rp, err := a.client.Repository(ctx, project, repo)
	if err != nil {
		ev := evidenceOf(err)
		switch azdo.Classify(err) {
		case azdo.FailureUnauthorized:
			return Finding{Status: Fail, Evidence: ev, Notes: []string{writeNote},
				Message: fmt.Sprintf("The PAT was accepted by Azure DevOps but refused (401) when reading repository %s in project %s (from %s): most likely it lacks scope Code (Read & write).", repo, project, src),
				Remedy:  "Edit the PAT (User settings > Personal access tokens > Edit) and tick Code > Read & write, or create a new one with that scope; then update SonarQube's record and the azureDevOpsPat secret variable."}
		case azdo.FailureNoAccess, azdo.FailureNotFound:
			return Finding{Status: Fail, Evidence: ev, Notes: []string{writeNote},
				Message: fmt.Sprintf("The PAT's user cannot see repository %s in project %s (from %s): Azure DevOps answered 404%s. Likely causes: the user is not a member of project %s, has Stakeholder access (no code access in private projects), or the name is wrong.", repo, project, src, noAccessQuote(err), project),
				Remedy:  "In Azure DevOps, add the PAT's user to project " + project + "'s Contributors group, and give it Basic access (Organization settings > Users > Access level). If the names are wrong, fix the project's binding in SonarQube (" + bindingPlace + ")."}
		}
		return r.azdoFailure(a, err, fmt.Sprintf("read repository %s in project %s", repo, project))
	}
	a.repo = rp
	return Finding{Status: Pass, Notes: []string{writeNote},
		Message: fmt.Sprintf("Repository %s in project %s (from %s) is readable with the PAT.", rp.Name, rp.Project.Name, src)}
}

func (r *run) checkContribute(ctx context.Context, a *azdoRun) Finding {
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
				Remedy:  "Check by hand: Organization settings > Users: the PAT's user must have Basic (or higher) access, not Stakeholder."}
		}
		return r.azdoFailure(a, err, "read the user's access level")
	}
	f := Finding{Evidence: nil}
	switch e.Level() {
	case azdo.LevelStakeholder:
		f.Status = Fail
		f.Message = "The PAT's user has Stakeholder access: Stakeholders have no access to code in private projects, so SonarQube can neither find nor decorate those projects' repositories with this PAT."
		f.Remedy = "Give the user Basic access (Organization settings > Users > the user > Change access level > Basic), as the SonarQube documentation advises."
	case azdo.LevelNone:
		f.Status = Fail
		f.Message = fmt.Sprintf("The PAT's user has no access level assigned (license %q, status %q).", e.AccountLicenseType, e.Status)
		f.Remedy = "Assign Basic access: Organization settings > Users > the user > Change access level > Basic."
	default:
		name := e.LicenseDisplayName
		if name == "" {
			name = "Basic"
		}
		f.Status = Pass
		f.Message = fmt.Sprintf("The PAT's user has %s access.", name)
	}
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

// sameAzureOrg compares two organization or collection URLs in their
// normalised forms (dev.azure.com/org == org.visualstudio.com[/DefaultCollection]).
func sameAzureOrg(a, b string) (bool, error) { return azdo.SameOrg(a, b) }

// Reconcile explains findings that only make sense side by side: SonarQube's
// check of its stored PAT and sonar-preflight's own probe of the pipeline's.
func Reconcile(rep Report) Report {
	sq, ok1 := rep.Result(IDSonarDevOpsPAT)
	az, ok2 := rep.Result(IDAzdoPAT)
	if !ok1 || !ok2 {
		return rep
	}
	var note string
	switch {
	case sq.Status == Fail && az.Status == Pass:
		note = "The pipeline's PAT (azureDevOpsPat) works, but SonarQube's stored PAT does not: most likely they are different tokens: paste the working PAT into SonarQube's record. If they are the same, compare the record's URL with the pipeline's organization, and check that the SonarQube server can reach Azure DevOps."
	case sq.Status == Pass && az.Status == Fail:
		note = "SonarQube's own check passes while the pipeline's PAT (azureDevOpsPat) fails: either they are different tokens, or SonarQube (older versions follow redirects and accept any 2xx answer) took a sign-in page as success. Make sure both hold the same, working PAT."
	default:
		return rep
	}
	for i := range rep.Results {
		if id := rep.Results[i].ID; id == IDSonarDevOpsPAT || id == IDAzdoPAT {
			rep.Results[i].Notes = append(rep.Results[i].Notes, note)
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
