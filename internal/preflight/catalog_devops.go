package preflight

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/sonar"
	"sonar-preflight/internal/text"
)

// record is a SonarQube DevOps Platform configuration record.
type record struct {
	Key, Alm, URL string
	AppID         string // GitHub records: the GitHub App's id (list_definitions only)
}

// records is what the server revealed about its configuration records:
// every record, whichever endpoint answered (api/alm_settings/list returns
// them all, with or without project: ListAction.java).
type records struct {
	list   []record
	source string // the endpoint that answered
}

// detailed reports records read from list_definitions (Administer System),
// the only endpoint that carries a GitHub record's App id; api/alm_settings/list
// lists every record too, but with key, platform and URL only.
func (rs records) detailed() bool { return rs.source == "api/alm_settings/list_definitions" }

func (rs records) of(alm string) []record {
	var out []record
	for _, r := range rs.list {
		if r.Alm == alm {
			out = append(out, r)
		}
	}
	return out
}

// SonarQube's names, for the messages here: the page of the records, and
// each platform as the UI names it.
const devopsPlace = sonar.DevOpsSettingsPlace

var almName = sonar.AlmName

// getRecords reads every record with the first endpoint the token may use:
// list_definitions (Administer System), else list without project (Create
// Projects), else list?project= (Administer on the project). All three
// return every record. The token's global permissions (api/users/current,
// already read by sonar.token) pick the first to try, so that a token without
// Administer System costs no refused request; a 403 still falls through to
// the next.
func (r *run) getRecords(ctx context.Context) (records, error) {
	return r.definitions.get(ctx, func(ctx context.Context) (records, error) {
		admin, provisioning := true, true
		if u, err := r.getAdminUser(ctx); err == nil && u.IsLoggedIn {
			admin, provisioning = u.HasGlobal(sonar.PermAdmin), u.HasGlobal(sonar.PermProvisioning)
		}
		var first error
		keep := func(err error) {
			if first == nil {
				first = err // the most telling refusal: the broadest permission's
			}
		}
		if admin {
			defs, err := r.sonarAdmin.ListDefinitions(ctx)
			if err == nil {
				return definitionsRecords(defs), nil
			}
			if !sonar.IsInsufficientPrivileges(err) {
				return records{}, err
			}
			keep(err)
		}
		if provisioning {
			list, err := r.sonarAdmin.ListAll(ctx)
			if err == nil {
				return listRecords(list, "api/alm_settings/list"), nil
			}
			if !sonar.IsInsufficientPrivileges(err) {
				return records{}, err
			}
			keep(err)
		}
		list, err := r.sonarAdmin.ListForProject(ctx, r.cfg.ProjectKey)
		if err == nil {
			return listRecords(list, "api/alm_settings/list?project="+r.cfg.ProjectKey), nil
		}
		if sonar.IsInsufficientPrivileges(err) && first != nil {
			return records{}, first
		}
		return records{}, err
	})
}

func definitionsRecords(defs *sonar.Definitions) records {
	rs := records{source: "api/alm_settings/list_definitions"}
	for _, d := range defs.Azure {
		rs.list = append(rs.list, record{Key: d.Key, Alm: "azure", URL: d.URL})
	}
	for _, d := range defs.GitHub {
		rs.list = append(rs.list, record{Key: d.Key, Alm: "github", URL: d.URL, AppID: d.AppID})
	}
	for _, d := range defs.GitLab {
		rs.list = append(rs.list, record{Key: d.Key, Alm: "gitlab", URL: d.URL})
	}
	for _, d := range defs.Bitbucket {
		rs.list = append(rs.list, record{Key: d.Key, Alm: "bitbucket", URL: d.URL})
	}
	for _, d := range defs.BitbucketCloud {
		rs.list = append(rs.list, record{Key: d.Key, Alm: "bitbucketcloud", URL: "https://bitbucket.org/" + d.Workspace + "/"})
	}
	return rs
}

func listRecords(list []sonar.AlmSetting, source string) records {
	rs := records{source: source}
	for _, s := range list {
		rs.list = append(rs.list, record{Key: s.Key, Alm: strings.ToLower(s.Alm), URL: s.URL})
	}
	return rs
}

// usedTokenKind is the kind of the token that reads DevOps settings: the
// admin token when one is given, else the main token.
func (r *run) usedTokenKind() sonar.TokenKind {
	if !r.cfg.AdminToken.Empty() {
		return sonar.KindOfToken(r.cfg.AdminToken.Value())
	}
	return sonar.KindOfToken(r.cfg.SonarToken.Value())
}

// couldNotVerify is the finding for a 403: never a pass, and it says what
// would let the check verify. An analysis token is refused whatever its
// user may do (TokenUserSession), so its remedy is an admin token, not a
// permission.
func (r *run) couldNotVerify(what, permission string, err error) Finding {
	if kind := r.usedTokenKind(); kind.IsAnalysis() {
		whose := "The token"
		if !r.cfg.AdminToken.Empty() {
			whose = "The admin token (from " + r.cfg.From("SONAR_ADMIN_TOKEN") + ")"
		}
		return Finding{Status: Warn,
			Message:  fmt.Sprintf("Could not verify %s: an analysis token cannot read DevOps settings. %s is a %s, which SonarQube refuses (403) on its DevOps Platform settings whatever its user's permissions; it is meant for running analyses.", what, whose, kind),
			Remedy:   "Give an admin token in " + r.givePlace("SONAR_ADMIN_TOKEN") + ": a user token (squ_, My Account > Security > Generate Tokens, type User Token) of an account with Administer System" + r.fromSecret() + ". Keep the analysis token for the analysis.",
			Evidence: evidenceOf(err)}
	}
	rem := "Give the token's user the " + permission + " permission, or give an admin token in " + r.givePlace("SONAR_ADMIN_TOKEN") + ": a user token of an administrator" + r.fromSecret() + "."
	if !r.cfg.AdminToken.Empty() {
		rem = "The admin token's user lacks " + permission + ": put a user token of an account that has it in " + r.secretPlace("SONAR_ADMIN_TOKEN") + "."
	}
	return Finding{Status: Warn,
		Message:  "Could not verify " + what + ": SonarQube answered 403 Insufficient privileges; the token lacks " + permission + ".",
		Remedy:   rem,
		Evidence: evidenceOf(err)}
}

func (r *run) checkDevOpsConfig(ctx context.Context) Finding {
	if r.platform == PlatformNone {
		return skipProvider(r.cfg.Pipeline.RepoProvider)
	}
	rs, err := r.getRecords(ctx)
	if err != nil {
		if sonar.IsInsufficientPrivileges(err) {
			return r.couldNotVerify("the DevOps Platform configuration records", "Create Projects (or Administer System, or Administer on project "+r.cfg.ProjectKey+")", err)
		}
		return r.sonarFailure(err, "read the DevOps Platform configuration records")
	}
	ev := []Evidence{{Request: "GET " + r.cfg.SonarURL + "/" + rs.source, Status: 200, Message: describeRecords(rs.list)}}
	switch r.platform {
	case PlatformGitHub:
		return r.checkGitHubConfig(ctx, rs, ev)
	case PlatformUnknown:
		// No pipeline says which platform: the binding does, if there is one.
		b, err := r.getBinding(ctx)
		switch {
		case err == nil && b.Alm == "github":
			return r.checkGitHubConfig(ctx, rs, ev)
		case err == nil && b.Alm == "azure":
			return r.checkAzureConfig(ctx, rs, ev)
		case len(rs.list) > 0:
			return Finding{Status: Pass, Evidence: ev,
				Message: fmt.Sprintf("SonarQube has %s; not compared with a platform or organization, because no pipeline variables name them and the project's binding did not say.", describeRecords(rs.list))}
		}
		return Finding{Status: Fail, Evidence: ev,
			Message: "SonarQube has no DevOps Platform configuration record at all, so it decorates no pull requests.",
			Remedy:  "In SonarQube, " + devopsPlace + ": create the configuration for the platform that hosts the repository (Azure DevOps: the organization URL and a PAT with Code (Read & write); GitHub: a GitHub App)."}
	}
	return r.checkAzureConfig(ctx, rs, ev)
}

// checkAzureConfig is sonar.devops-config for Azure Repos: a record must
// point at the pipeline's organization or collection, with a URL of the shape
// SonarQube needs (azdo.CheckRecordURL).
func (r *run) checkAzureConfig(ctx context.Context, rs records, ev []Evidence) Finding {
	azure := rs.of("azure")
	if len(azure) == 0 {
		return Finding{Status: Fail,
			Message:  "SonarQube has no Azure DevOps configuration record, so it cannot decorate pull requests or import repositories from Azure DevOps.",
			Remedy:   "In SonarQube, " + devopsPlace + " > Azure DevOps > Create configuration: give it the organization URL (" + r.orgHint() + ") and a Personal Access Token with scope Code (Read & write).",
			Evidence: ev}
	}
	bound := ""
	if b, err := r.getBinding(ctx); err == nil && b.Alm == "azure" {
		bound = b.Key
	}
	org := r.cfg.Pipeline.CollectionURI
	if org == "" {
		// No pipeline names the organization: judge the bound record's shape.
		f := Finding{Status: Pass, Evidence: ev,
			Message: fmt.Sprintf("SonarQube has %s; not compared with an organization, because no pipeline variables name one (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI is not set).", describeRecords(azure))}
		for _, rec := range azure {
			if rec.Key == bound {
				if bad, ok := r.recordShape(ctx, rec, ""); ok {
					bad.Evidence = ev
					return bad
				}
			}
		}
		return f
	}
	var matching, other, noURL, aliased []record
	var otherText []string
	for _, rec := range azure {
		if strings.TrimSpace(rec.URL) == "" {
			noURL = append(noURL, rec)
			continue
		}
		same, err := sameAzureOrg(rec.URL, org)
		switch {
		case err != nil && sameServerHost(rec.URL, org) && azdo.CheckRecordURL(rec.URL, org).Has(azdo.RecordURLNoCollection):
			// The pipeline's server, without its collection: the right
			// record with the wrong shape, and the pipeline names the fix.
			return Finding{Status: Fail, Evidence: ev,
				Message: fmt.Sprintf("The URL of Azure DevOps configuration record %s (%s) names this pipeline's Azure DevOps Server but no collection: SonarQube appends its API paths to the URL as given, so every call misses the collection %s.", rec.Key, rec.URL, org),
				Remedy:  "In SonarQube, " + devopsPlace + " > Azure DevOps > record " + rec.Key + " > Edit: set the Azure DevOps URL to " + r.orgHint() + " (the collection URL exactly, with nothing after it)."}
		case !same && azdo.SameCollectionElsewhere(rec.URL, org):
			// The pipeline's collection under another host name: SonarQube
			// may well reach the server that way.
			aliased = append(aliased, rec)
		case err != nil:
			other = append(other, rec)
			otherText = append(otherText, fmt.Sprintf("%s (%s: %v)", rec.Key, rec.URL, err))
		case same:
			matching = append(matching, rec)
		default:
			other = append(other, rec)
			otherText = append(otherText, rec.Key+" ("+rec.URL+")")
		}
	}
	if len(matching) == 0 && len(aliased) > 0 {
		rec := aliased[0]
		return Finding{Status: Warn, Evidence: ev,
			Message: fmt.Sprintf("Could not verify that an Azure DevOps configuration record points at this pipeline's collection %s: record %s (%s) names the same collection on another host name. Azure DevOps Server is often reached by several names (an internal name, an alias, a port behind a reverse proxy); if SonarQube reaches this server by that one, the record is right, otherwise pull requests of this collection cannot be decorated.", org, rec.Key, rec.URL),
			Remedy:  "If " + rec.URL + " is not this pipeline's Azure DevOps Server, in SonarQube, " + devopsPlace + " > Azure DevOps > record " + rec.Key + " > Edit: set the Azure DevOps URL to " + r.orgHint() + ", the collection URL this pipeline uses (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI), reachable from the SonarQube server."}
	}
	if len(matching) == 0 {
		if len(noURL) > 0 {
			keys := recordKeys(noURL)
			return Finding{Status: Fail, Evidence: ev,
				Message: fmt.Sprintf("No Azure DevOps configuration record points at this pipeline's organization %s, and record %s has no URL at all (made before SonarQube 8.6, when Azure DevOps records had none): SonarQube cannot call Azure DevOps with it, and its validation answers a 500 error.", org, keys),
				Remedy:  "In SonarQube, " + devopsPlace + " > Azure DevOps > record " + noURL[0].Key + " > Edit: set the Azure DevOps URL to " + r.orgHint() + " and paste a PAT made in that organization."}
		}
		return Finding{Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("No Azure DevOps configuration record points at this pipeline's organization %s; SonarQube's records point elsewhere: %s. Pull requests of this organization cannot be decorated.", org, text.FirstN(otherText, maxListed, ", ")),
			Remedy:  r.otherOrgRemedy(ctx, other)}
	}
	// Judge the record the project is bound to, if it is one of them, else each.
	judge := matching
	for _, rec := range matching {
		if rec.Key == bound {
			judge = []record{rec}
		}
	}
	var bad []Finding
	for _, rec := range judge {
		if f, ok := r.recordShape(ctx, rec, org); ok {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 && len(bad) == len(judge) {
		worst := bad[0]
		for _, f := range bad[1:] {
			if f.Status > worst.Status {
				worst = f
			}
		}
		worst.Evidence = ev
		return worst
	}
	f := Finding{Status: Pass, Message: fmt.Sprintf("Azure DevOps configuration record %s points at this pipeline's organization %s.", recordKeys(matching), org), Evidence: ev}
	for _, b := range bad {
		f.Notes = append(f.Notes, b.Message)
	}
	if len(noURL) > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("Record %s has no URL (made before SonarQube 8.6): projects bound to it cannot be decorated.", recordKeys(noURL)))
	}
	return f
}

// recordShape applies the record-URL shape rule to rec. ok is false when
// the URL has the right shape. A plain-http URL for Azure DevOps Services
// fails where SonarQube follows no redirects (2025.1+) and warns before; a
// conclusion resting on a convention (a Server virtual directory) warns.
func (r *run) recordShape(ctx context.Context, rec record, knownRoot string) (Finding, bool) {
	chk := azdo.CheckRecordURL(rec.URL, knownRoot)
	if chk.OK() {
		return Finding{}, false
	}
	v := r.sonarVersion(ctx)
	status := Warn
	if chk.Fails(sonar.FollowsAzureRedirects(v)) {
		status = Fail
	}
	version := ""
	if chk.Has(azdo.RecordURLPlainHTTP) {
		if v.Major == 0 {
			version = " (SonarQube's version is unknown, so whether it follows redirects could not be told)"
		} else {
			version = " This server runs SonarQube " + v.String() + "."
		}
	}
	shape := "has the wrong shape"
	if !chk.Certain() {
		shape = "may have the wrong shape"
	}
	f := Finding{Status: status,
		Message: fmt.Sprintf("The URL of Azure DevOps configuration record %s (%s) %s. %s%s", rec.Key, rec.URL, shape, chk.Explain(), version)}
	fix := "the organization URL exactly, with nothing after it"
	if chk.Org.Deployment == azdo.Server {
		fix = "the collection URL exactly, with nothing after it"
	}
	edit := "In SonarQube, " + devopsPlace + " > Azure DevOps > record " + rec.Key + " > Edit: "
	switch {
	case chk.Corrected != "" && conventional(chk):
		f.Remedy = edit + conditionalFix(chk)
	case chk.Corrected != "":
		f.Remedy = edit + "set the Azure DevOps URL to " + chk.Corrected + " (" + fix + ")."
	default:
		f.Remedy = edit + "set the Azure DevOps URL to " + fix + ", e.g. " + r.orgHint() + "."
	}
	if status == Warn && chk.Certain() {
		f.Remedy += " After an upgrade to SonarQube 2025.1 or later, which follows no redirects, even validation fails."
	}
	return f, true
}

// conventional reports a check whose correction rests on a convention:
// where an Azure DevOps Server collection ends, which a custom virtual
// directory changes (azdo.RecordURLProblem.Uncertain).
func conventional(chk azdo.RecordURLCheck) bool {
	for _, p := range chk.Problems {
		if p.Uncertain {
			return true
		}
	}
	return false
}

// conditionalFix offers a correction that rests on a convention as the fix
// for one reading of the URL only: applied to a record that is right (a
// virtual directory before the collection), it would break it.
func conditionalFix(chk azdo.RecordURLCheck) string {
	return "if the path after " + chk.Corrected + " is a project (or anything else below the collection), set the Azure DevOps URL to " + chk.Corrected + "; if the server serves its collections under a virtual directory and the URL ends with the collection's name, it is right as it is. The collection's URL is the one its pipelines see as System.CollectionUri (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI)."
}

// otherOrgRemedy advises how to get a record for the pipeline's
// organization when every record points elsewhere. Developer and Community
// Edition hold one record per platform: there, repointing the one record
// (which moves every project bound to it) or a higher edition, never
// "create another record".
func (r *run) otherOrgRemedy(ctx context.Context, other []record) string {
	e := r.editionInfo(ctx)
	where := "In SonarQube, " + devopsPlace + " > Azure DevOps"
	pat := " with a PAT made in that organization"
	switch {
	case oneRecordPerPlatform(e) && len(other) == 1:
		return where + ": SonarQube " + e.Name() + " holds one Azure DevOps record, so either repoint record " + other[0].Key + " to " + r.orgHint() + pat + " (every project bound to it then belongs to that organization), or move to Enterprise Edition or higher, which holds one record per organization."
	case oneRecordPerPlatform(e):
		return where + ": edit one record's Azure DevOps URL to " + r.orgHint() + pat + "."
	case e.MultipleRecords == sonar.Supported:
		return where + " > Create configuration: add a record for " + r.orgHint() + pat + " (or edit an existing record's URL, which moves the projects bound to it)."
	}
	return where + ": edit the record's Azure DevOps URL to " + r.orgHint() + pat + ", or, on Enterprise Edition and higher, which hold several records per platform, create a record for it."
}

// sameServerHost reports two URLs on the same scheme-less host and port.
func sameServerHost(a, b string) bool {
	ua, err1 := url.Parse(strings.TrimSpace(a))
	ub, err2 := url.Parse(strings.TrimSpace(b))
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Hostname(), ub.Hostname()) && ua.Port() == ub.Port()
}

func recordKeys(list []record) string {
	keys := make([]string, len(list))
	for i, r := range list {
		keys[i] = r.Key
	}
	return text.FirstN(keys, maxListed, ", ")
}

func (r *run) orgHint() string {
	if o := r.cfg.Pipeline.CollectionURI; o != "" {
		return strings.TrimRight(o, "/")
	}
	return "https://dev.azure.com/<organization>"
}

func describeRecords(list []record) string {
	if len(list) == 0 {
		return "no configuration records"
	}
	var parts []string
	for _, r := range list {
		s := almName(r.Alm) + " record " + r.Key
		if r.URL != "" {
			s += " (" + r.URL + ")"
		}
		parts = append(parts, s)
	}
	// A server may hold thousands of records: the first few and a count.
	return text.FirstN(parts, maxListed, ", ")
}

// maxListed is how many records, repositories or other items a message
// names before it gives the count of the rest.
const maxListed = 10

func skipProvider(provider string) Finding {
	switch strings.ToLower(provider) {
	case "bitbucket":
		return Finding{Status: Skip, Message: "The repository is on Bitbucket: sonar-preflight checks SonarQube's Azure DevOps and GitHub integrations only, so SonarQube's Bitbucket integration is not checked here."}
	}
	return Finding{Status: Skip, Message: fmt.Sprintf("The repository provider is %s: SonarQube has no pull-request integration to check for it here.", provider)}
}

const bindingPlace = "Project Settings > General Settings > DevOps Platform Integration"

func (r *run) getBinding(ctx context.Context) (*sonar.Binding, error) {
	return r.binding.get(ctx, func(ctx context.Context) (*sonar.Binding, error) {
		b, err := r.sonar.Binding(ctx, r.cfg.ProjectKey)
		if err != nil && sonar.IsInsufficientPrivileges(err) && !r.cfg.AdminToken.Empty() {
			// Up to 10.0 reading a binding needs project Administer.
			return r.sonarAdmin.Binding(ctx, r.cfg.ProjectKey)
		}
		return b, err
	})
}

func (r *run) checkBinding(ctx context.Context) Finding {
	if r.platform == PlatformNone {
		return skipProvider(r.cfg.Pipeline.RepoProvider)
	}
	key := r.cfg.ProjectKey
	r.prefetchSharing(ctx)
	b, err := r.getBinding(ctx)
	switch {
	case err != nil && sonar.IsNotBound(err):
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("Project %s is not bound to any DevOps Platform configuration: SonarQube analyses it, but never decorates its pull requests.", key),
			Remedy:   "In SonarQube, open project " + key + " > " + bindingPlace + ": choose the " + almName(r.wantAlm()) + " configuration and enter " + r.bindingHint() + ".",
			Evidence: evidenceOf(err)}
	case err != nil && sonar.IsProjectNotFound(err):
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("Project %s does not exist on this SonarQube server. The first analysis would create it unbound, so its pull requests would not be decorated.", key),
			Remedy:   "Check the project key (it must equal the one given to SonarQubePrepare). To create it bound, import it: Projects > Create Project > From " + almName(r.wantAlm()) + ".",
			Evidence: evidenceOf(err)}
	case err != nil && sonar.IsInsufficientPrivileges(err):
		return r.couldNotVerify("the project's binding", "Browse on project "+key+" (SonarQube 10.1+) or Administer on it (9.9 and 10.0)", err)
	case err != nil:
		return r.sonarFailure(err, "read the project's binding (api/alm_settings/get_binding)")
	}
	ev := []Evidence{{Request: "GET " + r.cfg.SonarURL + "/api/alm_settings/get_binding?project=" + key, Status: 200,
		Message: fmt.Sprintf("key=%s alm=%s slug=%s repository=%s", b.Key, b.Alm, b.Slug, b.Repository)}}
	want := r.wantAlm()
	if want != "" && b.Alm != want {
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("Project %s is bound to %s record %s, but this pipeline builds a %s repository: pull requests will not be decorated.", key, almName(b.Alm), b.Key, almName(want)),
			Remedy:   "In SonarQube, open project " + key + " > " + bindingPlace + " and bind it to the " + almName(want) + " configuration with " + r.bindingHint() + ".",
			Evidence: ev}
	}
	var problems []mismatch
	notes := prNotes(b)
	// Is the bound record one of those that match the pipeline?
	rs, rsErr := r.getRecords(ctx)
	if rsErr == nil {
		found := false
		for _, rec := range rs.list {
			if rec.Key == b.Key {
				found = true
			}
		}
		if !found {
			problems = append(problems, mismatch{text: fmt.Sprintf("its configuration record %s no longer exists", b.Key),
				fix: "bind it to an existing " + almName(b.Alm) + " configuration"})
		}
	} else {
		notes = append(notes, "The configuration records could not be read, so the binding's record was not cross-checked.")
	}
	p := r.cfg.Pipeline
	switch b.Alm {
	case "azure":
		if p.TeamProject == "" {
			notes = append(notes, "SYSTEM_TEAMPROJECT is not set: the Azure DevOps project was not compared.")
		} else if !strings.EqualFold(b.Slug, p.TeamProject) {
			problems = append(problems, mismatch{text: fmt.Sprintf("its Azure DevOps project is %q, while this pipeline runs in %q", b.Slug, p.TeamProject), repoVar: true,
				fix: "set the project name to " + p.TeamProject})
		}
		if p.RepoName == "" {
			notes = append(notes, "BUILD_REPOSITORY_NAME is not set (classic release pipelines may lack it): the repository was not compared.")
		} else if !strings.EqualFold(b.Repository, p.RepoName) {
			problems = append(problems, mismatch{text: fmt.Sprintf("its repository is %q, while this pipeline builds %q", b.Repository, p.RepoName), repoVar: true,
				fix: "set the repository name to " + p.RepoName, repoName: true})
		}
		if b.URL != "" && p.CollectionURI != "" {
			same, err := sameAzureOrg(b.URL, p.CollectionURI)
			switch {
			case err == nil && !same && azdo.SameCollectionElsewhere(b.URL, p.CollectionURI):
				notes = append(notes, fmt.Sprintf("Its record names this pipeline's collection on another host name (%s, the pipeline uses %s): right if SonarQube reaches this Azure DevOps Server by that name (sonar.devops-config says more).", b.URL, p.CollectionURI))
			case err == nil && !same:
				fix, elsewhere := r.orgBindingFix(ctx, b, rs, rsErr)
				problems = append(problems, mismatch{text: fmt.Sprintf("its record points at %s, not this pipeline's organization %s", b.URL, p.CollectionURI),
					fix: fix, recordFix: elsewhere})
			}
		}
	case "github":
		problems, notes = r.compareGitHubBinding(b, problems, notes)
	}
	if len(problems) > 0 {
		texts := make([]string, len(problems))
		var fixes, elsewhere []string
		onlyRepoVars, repoName := true, false
		for i, m := range problems {
			texts[i] = m.text
			if m.recordFix {
				elsewhere = append(elsewhere, m.fix)
			} else {
				fixes = append(fixes, m.fix)
			}
			onlyRepoVars = onlyRepoVars && m.repoVar
			repoName = repoName || m.repoName
		}
		fix := strings.Join(uniqStrings(fixes), ", and ")
		if onlyRepoVars && p.ReleaseLike() {
			// In a release the repository variables describe the primary
			// artifact, which need not be what this project analyses.
			return Finding{Status: Warn,
				Message:  fmt.Sprintf("Project %s is bound to %s record %s, but %s. In a release pipeline these variables describe the primary artifact, which may not be the repository this project analyses.", key, almName(b.Alm), b.Key, strings.Join(texts, "; ")),
				Remedy:   "If the project analyses the artifact's repository, fix the binding in SonarQube (project " + key + " > " + bindingPlace + "): " + fix + ". Otherwise nothing needs to change.",
				Notes:    notes,
				Evidence: ev}
		}
		var rem string
		if fix != "" {
			rem = "In SonarQube, open project " + key + " > " + bindingPlace + " and " + fix + "."
		}
		for _, e := range uniqStrings(elsewhere) {
			rem = strings.TrimSpace(rem + " " + e)
		}
		if repoName {
			rem += " If several repositories share this project, use one SonarQube project per repository (or mark it monorepo)."
		}
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("Project %s is bound to %s record %s, which does not match this pipeline: %s. Pull-request decoration goes to the wrong place or nowhere.", key, almName(b.Alm), b.Key, strings.Join(texts, "; ")),
			Remedy:   rem,
			Notes:    notes,
			Evidence: ev}
	}
	msg := fmt.Sprintf("Project %s is bound to %s record %s", key, almName(b.Alm), b.Key)
	switch b.Alm {
	case "azure":
		msg += fmt.Sprintf(" (project %s, repository %s).", b.Slug, b.Repository)
	default:
		msg += fmt.Sprintf(" (repository %s).", b.Repository)
	}
	if b.Monorepo {
		notes = append(notes, "The binding is marked monorepo: several SonarQube projects share this repository.")
	}
	return r.withSharedRepository(ctx, b, Finding{Status: Pass, Message: msg, Notes: notes, Evidence: ev})
}

// prNotes says what a binding's switches leave out of the pull request.
// Azure DevOps bindings carry inlineAnnotationsEnabled from 2025.1
// (GetBindingAction changelog); off, SonarQube still reports the quality gate
// status but posts no issue as a comment on the changed lines (SonarSource
// documentation, "Disable pull request annotations"). GitHub's
// summaryCommentEnabled off: the check run (quality gate, annotations) stays,
// the summary comment goes.
func prNotes(b *sonar.Binding) []string {
	var notes []string
	switch {
	case b.Alm == "azure" && b.InlineAnnotationsEnabled != nil && !*b.InlineAnnotationsEnabled:
		notes = append(notes, "Inline annotations are off for this binding: pull requests will show SonarQube's quality gate status, but no issue as a comment on the changed lines. To have them, turn inline annotations back on in SonarQube: project > "+bindingPlace+".")
	case b.Alm == "github" && b.SummaryCommentEnabled != nil && !*b.SummaryCommentEnabled:
		notes = append(notes, "The summary comment is off for this binding: pull requests will show SonarQube's check run (quality gate and annotations), but no summary comment. To have it, turn the analysis summary back on in SonarQube: project > "+bindingPlace+".")
	}
	return notes
}

// orgBindingFix says how to bind to the pipeline's organization: choose
// the record that points at it (a binding fix), or, when none does, make the
// bound record point at it (a record fix, which sonar.devops-config details,
// edition permitting). elsewhere marks the record fix.
func (r *run) orgBindingFix(ctx context.Context, b *sonar.Binding, rs records, rsErr error) (fix string, elsewhere bool) {
	org := r.orgHint()
	if rsErr == nil {
		for _, rec := range rs.of("azure") {
			if same, err := sameAzureOrg(rec.URL, org); err == nil && same {
				return "choose the Azure DevOps configuration " + rec.Key + ", which points at " + org, false
			}
		}
		if oneRecordPerPlatform(r.editionInfo(ctx)) {
			return "The binding needs no change once record " + b.Key + " points at " + org + ": this edition holds one Azure DevOps record, so repoint it (sonar.devops-config says how).", true
		}
		return "First give SonarQube an Azure DevOps record for " + org + " (sonar.devops-config says how), then bind the project to it in " + bindingPlace + ".", true
	}
	return "choose the Azure DevOps configuration that points at " + org, false
}

// mismatch is one way a binding disagrees with the pipeline. repoVar marks
// those that rest on the repository variables alone.
type mismatch struct {
	text    string
	repoVar bool
	// fix says what to set, for this mismatch only: a remedy must not ask to
	// set values that are already right.
	fix string
	// repoName marks a repository name mismatch (several repositories may
	// share the project).
	repoName bool
	// recordFix marks a fix made on the configuration record, not in the
	// project's binding page; fix is then a sentence of its own.
	recordFix bool
}

func (r *run) wantAlm() string {
	if r.cfg.Pipeline.ReleaseLike() && PlatformOf(config.Pipeline{RepoProvider: r.cfg.Pipeline.RepoProvider}) == PlatformNone {
		return "" // the provider describes the release's artifact, not the analysed code
	}
	switch r.platform {
	case PlatformAzure:
		return "azure"
	case PlatformGitHub:
		return "github"
	}
	return ""
}

func (r *run) bindingHint() string {
	p := r.cfg.Pipeline
	switch r.platform {
	case PlatformGitHub:
		if p.RepoName != "" {
			return "repository " + p.RepoName
		}
		return "the repository as owner/name"
	default:
		proj, repo := p.TeamProject, p.RepoName
		if proj == "" {
			proj = "<Azure DevOps project>"
		}
		if repo == "" {
			repo = "<repository>"
		}
		return "project name " + proj + " and repository name " + repo
	}
}

func (r *run) checkDevOpsPAT(ctx context.Context) Finding {
	b, err := r.getBinding(ctx)
	if err != nil || b == nil {
		return Finding{Status: Skip, Message: "Not run: the project's binding is unknown."}
	}
	err = r.sonarAdmin.ValidateSetting(ctx, b.Key)
	ev := []Evidence{{Request: "GET " + r.cfg.SonarURL + "/api/alm_settings/validate?key=" + b.Key}}
	switch {
	case err == nil:
		ev[0].Status = 204
		f := Finding{Status: Pass, Message: fmt.Sprintf("SonarQube validated the credentials stored in %s record %s.", almName(b.Alm), b.Key), Evidence: ev}
		if b.Alm == "azure" {
			note := "SonarQube's own check takes any 2xx answer from Azure DevOps as success (older versions also follow redirects), so a sign-in page may pass it"
			if r.cfg.AzurePAT.Empty() {
				note += "; give the same PAT in " + r.givePlace("AZURE_DEVOPS_EXT_PAT") + " to have sonar-preflight probe Azure DevOps itself"
			} else {
				note += "; azdo.pat probes Azure DevOps itself"
			}
			f.Notes = append(f.Notes, note+".")
		}
		return f
	case sonar.IsInsufficientPrivileges(err):
		return r.couldNotVerify("the credentials stored in record "+b.Key, "Administer System", err)
	case httpStatus(err) == 400:
		rem := patRemedy(b.Alm, b.Key, messageOf(err))
		if b.Alm == "azure" {
			rem = r.azurePATRemedy(ctx, b)
		}
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("SonarQube's validation of %s record %s failed: %s", almName(b.Alm), b.Key, messageOf(err)),
			Remedy:   rem,
			Evidence: evidenceOf(err)}
	case httpStatus(err) == 500 && b.Alm == "azure":
		// AzureDevOpsValidator: a record without URL, or (2025.1+) one
		// HttpUrl cannot parse, is a NullPointerException: the generic 500.
		if chk := azdo.CheckRecordURL(b.URL, r.cfg.Pipeline.CollectionURI); chk.Has(azdo.RecordURLMissing) || chk.Has(azdo.RecordURLInvalid) {
			return Finding{Status: Fail, Evidence: evidenceOf(err),
				Message: fmt.Sprintf("SonarQube's validation of Azure DevOps record %s failed with a server error (500): %s", b.Key, chk.Explain()),
				Remedy:  "In SonarQube, " + devopsPlace + " > Azure DevOps > record " + b.Key + " > Edit: set the Azure DevOps URL to " + firstNonEmpty(chk.Corrected, r.orgHint()) + " and paste the PAT again."}
		}
	}
	return r.sonarFailure(err, "validate record "+b.Key+" (api/alm_settings/validate)")
}

// patRemedy is the remedy for a refused GitHub or other record.
func patRemedy(alm, key, serverMsg string) string {
	if alm == "github" {
		return "Fix the GitHub App settings of record " + key + " (" + devopsPlace + " > GitHub): " + serverMsg + ". SonarQube needs the app's ID, client ID and secret, its private key, and permissions Checks: write, Pull requests: write, Metadata: read."
	}
	return "Fix record " + key + " in " + devopsPlace + " > " + almName(alm) + "."
}

// azurePATRemedy walks through what "Invalid Azure URL or Personal Access
// Token" can mean. AzureDevOpsValidator makes one call, {url}/_apis/projects
// with the stored PAT, and turns every failure into that sentence (the cause
// goes only to SonarQube's log): the PAT's state, the record URL's shape, a
// redirect on 2025.1+ (setFollowRedirects(false)), and SonarQube's own network
// path. Scopes, access level and group membership play no part in that call.
func (r *run) azurePATRemedy(ctx context.Context, b *sonar.Binding) string {
	lines := []string{"SonarQube gives this one message for every failure of its single call to Azure DevOps ({record URL}/_apis/projects with the stored PAT); the cause is written only to SonarQube's web.log. Check, in this order:"}
	n := 0
	add := func(s string) {
		n++
		lines = append(lines, fmt.Sprintf("%d. %s", n, s))
	}
	url := b.URL
	if url != "" {
		if chk := azdo.CheckRecordURL(url, r.cfg.Pipeline.CollectionURI); !chk.OK() {
			switch {
			case chk.Corrected != "" && conventional(chk):
				add("The record's URL (" + url + ") may have the wrong shape: " + chk.Explain() + " So: " + conditionalFix(chk))
			case chk.Corrected != "":
				add("The record's URL (" + url + ") has the wrong shape: " + chk.Explain() + " Set it to " + chk.Corrected + ".")
			default:
				add("The record's URL (" + url + ") has the wrong shape: " + chk.Explain())
			}
		}
	} else {
		url = "the record's URL"
	}
	add("The PAT expired, was revoked, was stopped by Azure DevOps because its user did not sign in for 30 days, or was made for another organization than " + url + ". Signed in as the PAT's user, User settings > Personal access tokens shows each token's status, expiry and organization.")
	if r.globalPATsRetired() {
		add("The PAT is a global one (\"All accessible organizations\"), which Microsoft stopped on " + GlobalPATRetirement.Format("2006-01-02") + ". To tell: in User settings > Personal access tokens, its Organization column reads \"All accessible organizations\"; create a PAT scoped to the record's organization instead.")
	}
	v := r.sonarVersion(ctx)
	if v.Major != 0 && !sonar.FollowsAzureRedirects(v) {
		add("A redirect on the way: SonarQube " + v.String() + " follows none, so http:// instead of https://, a renamed organization or a proxy that redirects fails the call.")
	}
	add("SonarQube's own path to Azure DevOps, which this pipeline's agent does not share: the SonarQube server's JVM proxy settings (http.proxyHost, https.proxyHost, http.nonProxyHosts in sonar.web.javaAdditionalOpts), its Java trust store (a private CA's certificate of an Azure DevOps Server must be imported there), an Azure DevOps conditional-access or IP policy that blocks the SonarQube server's address, and Azure DevOps outages or throttling.")
	lines = append(lines, "Missing scope Code, Stakeholder access or a missing Contributors membership do not cause this message (the call needs none of them): they break repository import and pull-request decoration later, which the azdo.* checks probe.")
	if r.cfg.AzurePAT.Empty() {
		lines = append(lines, "Give the same PAT in "+r.givePlace("AZURE_DEVOPS_EXT_PAT")+": sonar-preflight then probes Azure DevOps with it from the agent, which tells an expired PAT, a wrong URL or a sign-in page apart; if the agent succeeds where SonarQube fails, the cause is on SonarQube's side of the network.")
	}
	lines = append(lines, "Then paste a working PAT into "+devopsPlace+" > Azure DevOps > record "+b.Key+" > Personal Access Token.")
	return strings.Join(lines, "\n")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func httpStatus(err error) int {
	for _, e := range evidenceOf(err) {
		return e.Status
	}
	return 0
}
