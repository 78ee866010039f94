package preflight

import (
	"context"
	"fmt"
	"strings"

	"sonar-preflight/internal/config"
	"sonar-preflight/internal/sonar"
)

// record is a SonarQube DevOps Platform configuration record.
type record struct {
	Key, Alm, URL string
	AppID         string // GitHub records: the GitHub App's id (list_definitions only)
}

// records is what the server revealed about its configuration records.
type records struct {
	list   []record
	source string // the endpoint that answered
	// partial is true when only the project's view (api/alm_settings/list)
	// could be read, not the global list.
	partial bool
}

func (rs records) of(alm string) []record {
	var out []record
	for _, r := range rs.list {
		if r.Alm == alm {
			out = append(out, r)
		}
	}
	return out
}

const devopsPlace = "Administration > Configuration > General Settings > DevOps Platform Integrations"

// almName is how SonarQube's UI names each platform.
func almName(alm string) string {
	switch alm {
	case "azure":
		return "Azure DevOps"
	case "github":
		return "GitHub"
	case "gitlab":
		return "GitLab"
	case "bitbucket":
		return "Bitbucket Server"
	case "bitbucketcloud":
		return "Bitbucket Cloud"
	}
	return alm
}

// getRecords reads the records: the global list needs Administer System;
// the project's list needs project Administer. Either is enough to check.
func (r *run) getRecords(ctx context.Context) (records, error) {
	return r.definitions.get(ctx, func(ctx context.Context) (records, error) {
		defs, err := r.sonarAdmin.ListDefinitions(ctx)
		if err == nil {
			var rs records
			rs.source = "api/alm_settings/list_definitions"
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
			return rs, nil
		}
		if !sonar.IsInsufficientPrivileges(err) {
			return records{}, err
		}
		list, err2 := r.sonarAdmin.ListForProject(ctx, r.cfg.ProjectKey)
		if err2 != nil {
			if sonar.IsInsufficientPrivileges(err2) {
				return records{}, err // report the global answer: it names the permission that matters most
			}
			return records{}, err2
		}
		rs := records{source: "api/alm_settings/list?project=" + r.cfg.ProjectKey, partial: true}
		for _, s := range list {
			rs.list = append(rs.list, record{Key: s.Key, Alm: strings.ToLower(s.Alm), URL: s.URL})
		}
		return rs, nil
	})
}

// couldNotVerify is the finding for a 403: never a pass, and it says what
// would let the check verify.
func (r *run) couldNotVerify(what, permission string, err error) Finding {
	rem := "Give the token's user the " + permission + " permission, or give an admin token: the task's adminToken input (SONAR_ADMIN_TOKEN outside a task) holding a user token of an administrator, kept in a secret variable."
	if !r.cfg.AdminToken.Empty() {
		rem = "The admin token's user lacks " + permission + ": use a user token of an account that has it in the adminToken input."
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
			return r.couldNotVerify("the DevOps Platform configuration records", "Administer System (or Administer on project "+r.cfg.ProjectKey+")", err)
		}
		return r.sonarFailure(err, "read the DevOps Platform configuration records")
	}
	ev := []Evidence{{Request: "GET " + r.cfg.SonarURL + "/" + rs.source, Status: 200, Message: describeRecords(rs.list)}}
	switch r.platform {
	case PlatformGitHub:
		return r.checkGitHubConfig(rs, ev)
	case PlatformUnknown:
		// No pipeline says which platform: the binding does, if there is one.
		b, err := r.getBinding(ctx)
		switch {
		case err == nil && b.Alm == "github":
			return r.checkGitHubConfig(rs, ev)
		case err == nil && b.Alm == "azure":
			return r.checkAzureConfig(rs, ev)
		case len(rs.list) > 0:
			return Finding{Status: Pass, Evidence: ev,
				Message: fmt.Sprintf("SonarQube has %s; not compared with a platform or organization, because no pipeline variables name them and the project's binding did not say.", describeRecords(rs.list))}
		}
		return Finding{Status: Fail, Evidence: ev,
			Message: "SonarQube has no DevOps Platform configuration record at all, so it decorates no pull requests.",
			Remedy:  "In SonarQube, " + devopsPlace + ": create the configuration for the platform that hosts the repository (Azure DevOps: the organization URL and a PAT with Code (Read & write); GitHub: a GitHub App)."}
	}
	return r.checkAzureConfig(rs, ev)
}

// checkAzureConfig is sonar.devops-config for Azure Repos: a record must
// point at the pipeline's organization or collection.
func (r *run) checkAzureConfig(rs records, ev []Evidence) Finding {
	azure := rs.of("azure")
	if len(azure) == 0 {
		scope := "SonarQube has no Azure DevOps configuration record"
		if rs.partial {
			scope = "No Azure DevOps configuration record is visible to project " + r.cfg.ProjectKey + " (only the project's view could be read; the token lacks Administer System)"
		}
		return Finding{Status: Fail,
			Message:  scope + ", so it cannot decorate pull requests or import repositories from Azure DevOps.",
			Remedy:   "In SonarQube, " + devopsPlace + " > Azure DevOps > Create configuration: give it the organization URL (" + r.orgHint() + ") and a Personal Access Token with scope Code (Read & write).",
			Evidence: ev}
	}
	org := r.cfg.Pipeline.CollectionURI
	if org == "" {
		return Finding{Status: Pass,
			Message:  fmt.Sprintf("SonarQube has %s; not compared with an organization, because no pipeline variables name one (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI is not set).", describeRecords(azure)),
			Evidence: ev}
	}
	var matching, other []string
	for _, rec := range azure {
		if rec.URL == "" {
			other = append(other, rec.Key+" (no URL)")
			continue
		}
		same, err := sameAzureOrg(rec.URL, org)
		if err != nil {
			other = append(other, fmt.Sprintf("%s (%s: %v)", rec.Key, rec.URL, err))
			continue
		}
		if same {
			matching = append(matching, rec.Key)
		} else {
			other = append(other, rec.Key+" ("+rec.URL+")")
		}
	}
	if len(matching) == 0 {
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("No Azure DevOps configuration record points at this pipeline's organization %s; SonarQube's records point elsewhere: %s. Pull requests of this organization cannot be decorated.", org, strings.Join(other, ", ")),
			Remedy:   "In SonarQube, " + devopsPlace + " > Azure DevOps: edit the record's Azure DevOps URL to " + r.orgHint() + " (or create a record for it) with a PAT made in that organization.",
			Evidence: ev}
	}
	f := Finding{Status: Pass, Message: fmt.Sprintf("Azure DevOps configuration record %s points at this pipeline's organization %s.", strings.Join(matching, ", "), org), Evidence: ev}
	if rs.partial {
		f.Notes = append(f.Notes, "Read from the project's view (api/alm_settings/list); records not visible to this project were not listed.")
	}
	return f
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
	return strings.Join(parts, ", ")
}

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
	var notes []string
	// Is the bound record one of those that match the pipeline?
	if rs, err := r.getRecords(ctx); err == nil {
		found := false
		for _, rec := range rs.list {
			if rec.Key == b.Key {
				found = true
			}
		}
		if !found && !rs.partial {
			problems = append(problems, mismatch{text: fmt.Sprintf("its configuration record %s no longer exists", b.Key)})
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
			problems = append(problems, mismatch{fmt.Sprintf("its Azure DevOps project is %q, while this pipeline runs in %q", b.Slug, p.TeamProject), true})
		}
		if p.RepoName == "" {
			notes = append(notes, "BUILD_REPOSITORY_NAME is not set (classic release pipelines may lack it): the repository was not compared.")
		} else if !strings.EqualFold(b.Repository, p.RepoName) {
			problems = append(problems, mismatch{fmt.Sprintf("its repository is %q, while this pipeline builds %q", b.Repository, p.RepoName), true})
		}
		if b.URL != "" && p.CollectionURI != "" {
			if same, err := sameAzureOrg(b.URL, p.CollectionURI); err == nil && !same {
				problems = append(problems, mismatch{text: fmt.Sprintf("its record points at %s, not this pipeline's organization %s", b.URL, p.CollectionURI)})
			}
		}
	case "github":
		problems, notes = r.compareGitHubBinding(b, problems, notes)
	}
	if len(problems) > 0 {
		texts := make([]string, len(problems))
		onlyRepoVars := true
		for i, m := range problems {
			texts[i] = m.text
			onlyRepoVars = onlyRepoVars && m.repoVar
		}
		if onlyRepoVars && p.ReleaseLike() {
			// In a release the repository variables describe the primary
			// artifact, which need not be what this project analyses.
			return Finding{Status: Warn,
				Message:  fmt.Sprintf("Project %s is bound to %s record %s, but %s. In a release pipeline these variables describe the primary artifact, which may not be the repository this project analyses.", key, almName(b.Alm), b.Key, strings.Join(texts, "; ")),
				Remedy:   "If the project analyses the artifact's repository, fix the binding in SonarQube (project " + key + " > " + bindingPlace + "): " + r.bindingHint() + ". Otherwise nothing needs to change.",
				Notes:    notes,
				Evidence: ev}
		}
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("Project %s is bound to %s record %s, which does not match this pipeline: %s. Pull-request decoration goes to the wrong place or nowhere.", key, almName(b.Alm), b.Key, strings.Join(texts, "; ")),
			Remedy:   "In SonarQube, open project " + key + " > " + bindingPlace + " and set " + r.bindingHint() + ". If several repositories share this project, use one SonarQube project per repository (or mark it monorepo).",
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

// mismatch is one way a binding disagrees with the pipeline. repoVar marks
// those that rest on the repository variables alone.
type mismatch struct {
	text    string
	repoVar bool
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
				note += "; give the azureDevOpsPat input to have sonar-preflight probe Azure DevOps itself"
			} else {
				note += "; azdo.pat probes Azure DevOps itself"
			}
			f.Notes = append(f.Notes, note+".")
		}
		return f
	case sonar.IsInsufficientPrivileges(err):
		return r.couldNotVerify("the credentials stored in record "+b.Key, "Administer System", err)
	case httpStatus(err) == 400:
		return Finding{Status: Fail,
			Message:  fmt.Sprintf("SonarQube's validation of %s record %s failed: %s", almName(b.Alm), b.Key, messageOf(err)),
			Remedy:   patRemedy(b.Alm, b.Key, messageOf(err)),
			Evidence: evidenceOf(err)}
	}
	return r.sonarFailure(err, "validate record "+b.Key+" (api/alm_settings/validate)")
}

// patRemedy walks through the causes the SonarQube documentation names.
func patRemedy(alm, key, serverMsg string) string {
	if alm == "github" {
		return "Fix the GitHub App settings of record " + key + " (" + devopsPlace + " > GitHub): " + serverMsg + ". SonarQube needs the app's ID, client ID and secret, its private key, and permissions Checks: write, Pull requests: write, Metadata: read."
	}
	if alm != "azure" {
		return "Fix record " + key + " in " + devopsPlace + " > " + almName(alm) + "."
	}
	return strings.Join([]string{
		"SonarQube gives one message for every cause; check them in this order, then paste a working PAT into " + devopsPlace + " > Azure DevOps > record " + key + " > Personal Access Token:",
		"1. The PAT expired: Azure DevOps PATs always have an expiry date (User settings > Personal access tokens shows it).",
		"2. Azure DevOps stopped the PAT because its user did not sign in for 30 days: sign in to Azure DevOps as that user, then create a new PAT.",
		"3. The PAT lacks scope Code (Read & write), or was made for another organization than the record's URL.",
		"4. The PAT's user has Stakeholder access or is not in the project's Contributors: give it Basic access (Organization settings > Users).",
		"5. The record's URL is wrong: it must be the organization URL, e.g. https://dev.azure.com/<organization>, or https://host/<collection> on Azure DevOps Server.",
		"Give the same PAT to the azureDevOpsPat input and sonar-preflight tells an expired PAT, a sign-in page, a wrong URL, missing Code scope, Stakeholder access and missing Contribute permissions apart (revoked, inactive and other-organization PATs look alike to any client).",
	}, "\n")
}

func httpStatus(err error) int {
	for _, e := range evidenceOf(err) {
		return e.Status
	}
	return 0
}
