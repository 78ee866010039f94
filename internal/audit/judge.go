package audit

import (
	"fmt"
	"iter"
	"math"
	"strings"

	"sonar-preflight/internal/sonar"
)

// Projects judges this shard's projects one at a time, in key order, so
// that a writer can stream them without holding the whole report.
func (a *Audit) Projects() iter.Seq[Project] {
	if a.groups == nil {
		a.groups = groups{}
	}
	a.refreshGroups()
	complete := a.header.Paths["bindings"] == v2Path || a.opts.Shard.Count <= 1
	return func(yield func(Project) bool) {
		for _, p := range a.projects {
			if !yield(a.judge(p, complete)) {
				return
			}
		}
	}
}

const v2Path = "api/v2/dop-translation/project-bindings"

// Records returns the records in key order.
func (a *Audit) Records() []Record {
	out := make([]Record, 0, len(a.records))
	for _, r := range sortedRecords(a.records) {
		out = append(out, r.Record)
	}
	return out
}

func (a *Audit) judge(p *projState, complete bool) Project {
	out := Project{Key: p.key, Name: p.name, LastAnalysisDate: p.lastAnalysis}
	add := func(f Finding) { out.Findings = append(out.Findings, f) }
	if f := a.analysisNote(p.lastAnalysis); f != nil {
		add(*f)
	}
	switch {
	case !p.done && p.bound == nil && p.bindErr == nil:
		add(Finding{ID: FindUnreadable, Status: Warn,
			Message: "Not checked: the audit's deadline passed before this project's binding was read.",
			Remedy:  "Run the audit again with a longer --timeout, or split it into more shards."})
	case p.bound == nil && p.bindErr != nil:
		add(a.unreadable(p.key, p.bindErr))
	case p.bound == nil:
		f := Finding{ID: FindNotBound, Status: Skip,
			Message: "Not bound to any DevOps Platform: not checked, and its pull requests are never decorated.",
			Remedy:  "If this project is built from Azure DevOps, bind it: project > Project Settings > DevOps Platform Integration."}
		if a.opts.RequireBinding {
			f.Status = Fail
			f.Message = "Not bound to any DevOps Platform (--require-binding): its pull requests are never decorated."
		}
		add(f)
	default:
		if !p.bound.dangling {
			out.Binding = bindingOut(p.bound)
		}
		for _, f := range a.bindingFindings(p, &out) {
			add(f)
		}
		if !p.bound.dangling {
			if f := MonorepoFinding(p.key, p.bound.Binding, a.groups[groupKey(p.bound.Binding)], complete); f != nil {
				add(*f)
			}
		}
	}
	out.settle()
	return out
}

func bindingOut(b *bindState) *Binding {
	c := b.Binding
	return &c
}

// analysisNote is the note for a project never analysed or not analysed
// for StaleAfter.
func (a *Audit) analysisNote(date string) *Finding {
	if date == "" {
		return &Finding{ID: FindNeverAnalysed, Status: Note,
			Message: "Never analysed: no pipeline has sent an analysis to this project.",
			Remedy:  "If it is not in use any more, delete it; otherwise check the pipeline that should analyse it."}
	}
	t, ok := sonar.ParseTokenExpiration(date) // the same DateUtils.formatDateTime pattern
	if !ok {
		return nil
	}
	age := a.started.Sub(t)
	if age < a.opts.StaleAfter {
		return nil
	}
	days := int(math.Floor(age.Hours() / 24))
	return &Finding{ID: FindStale, Status: Note,
		Message: fmt.Sprintf("Last analysed %d days ago (%s): its pipeline may have stopped, or the project was replaced.", days, t.UTC().Format("2006-01-02")),
		Remedy:  "Check that the pipeline still runs the analysis; delete the project if it is not in use any more."}
}

func (a *Audit) unreadable(key string, err error) Finding {
	msg := "The binding could not be read: " + Show(serverMessage(err)) + "."
	rem := "Run the audit again; if it persists, check the SonarQube server's log for api/alm_settings/get_binding."
	if sonar.IsInsufficientPrivileges(err) {
		msg = "The binding could not be read: the token lacks Browse on this project (Administer on SonarQube 9.9 and 10.0)."
		rem = "Run the audit with a token of a system administrator who is also allowed to browse every project (or add the permission to its group)."
	}
	return Finding{ID: FindUnreadable, Status: Warn, Message: msg, Remedy: rem}
}

// bindingFindings judges a bound project: its record, its repository, its
// main branch.
func (a *Audit) bindingFindings(p *projState, out *Project) []Finding {
	b := p.bound
	if b.dangling {
		what := "record " + quote(b.Record)
		if b.Record == "" {
			what = "a configuration record"
		}
		return []Finding{{ID: FindRecordGone, Status: Fail,
			Message: "Bound to " + what + " that no longer exists (SonarQube answers get_binding with a server error): its pull requests are not decorated.",
			Remedy:  "Open the project > Project Settings > DevOps Platform Integration and bind it to an existing configuration."}}
	}
	rec, ok := a.records[b.Record]
	if !ok {
		return []Finding{{ID: FindRecordGone, Status: Fail,
			Message: "Bound to record " + quote(b.Record) + ", which no longer exists: its pull requests are not decorated.",
			Remedy:  "Open the project > Project Settings > DevOps Platform Integration and bind it to an existing configuration."}}
	}
	var fs []Finding
	if rec.Alm == sonar.AlmAzure && rec.url.Status != Pass {
		f := Finding{ID: FindRecordURL, Status: rec.url.Status,
			Message: "Its record " + quote(rec.Key) + map[bool]string{false: " has", true: " may have"}[rec.url.Uncertain] + " a URL of the wrong shape. " + rec.url.Problem,
			Remedy:  rec.Remedy}
		fs = append(fs, f)
	}
	if rec.invalid {
		fs = append(fs, Finding{ID: FindRecordRejected, Status: Fail,
			Message: "SonarQube's validation of its record " + quote(rec.Key) + " fails (" + quote(rec.refusal) + "): no pull request of this project can be decorated.",
			Remedy:  "Fix record " + quote(rec.Key) + ": " + validationRemedy(rec.Alm)})
	}
	switch b.Alm {
	case sonar.AlmAzure:
	case sonar.AlmGitHub:
		return append(fs, a.gitHubFindings(p, rec, out)...)
	default:
		fs = append(fs, Finding{ID: FindNotChecked, Status: Note,
			Message: fmt.Sprintf("Bound to %s repository %s: the audit checks its record, and lists repositories on Azure DevOps and GitHub only.", almName(b.Alm), quote(b.Repository))})
		return fs
	}
	return append(fs, a.repoFindings(p, rec, out)...)
}

// repoFindings compares the binding with the organization's repositories.
func (a *Audit) repoFindings(p *projState, rec *recState, out *Project) []Finding {
	b := p.bound
	st := a.recordOrg[rec.Key]
	where := describeRepo(b.Binding)
	switch {
	case st == nil:
		return []Finding{{ID: FindNotChecked, Status: Note,
			Message: "The repository was not checked: the record's URL names no organization" + missingOrgHint(rec) + "."}}
	case st.skipped != "":
		return []Finding{{ID: FindNotChecked, Status: Note,
			Message: "The repository was not checked: " + st.skipped + "."}}
	case st.err != nil:
		return []Finding{{ID: FindRepoNotVisible, Status: Warn,
			Message: "Could not verify " + where + ": listing the repositories of " + Show(st.org.BaseURL) + " failed: " + Show(serverMessage(st.err)) + ".",
			Remedy:  "Give the audit a PAT with Code (Read) in " + Show(st.org.BaseURL) + ", of a user who can see every project (e.g. a member of Project Collection Administrators or Readers)."}}
	}
	repo, _ := a.resolve(p)
	if repo != nil {
		out.RepositoryID, out.AzureProjectID, out.DefaultBranch = repo.ID, repo.Project.ID, defaultBranchName(repo.DefaultBranch)
		if repo.IsDisabled {
			return []Finding{{ID: FindRepoDisabled, Status: Fail,
				Message: where + " is disabled in Azure DevOps: nothing can be pushed, built or decorated there.",
				Remedy:  "Re-enable the repository (Project Settings > Repositories), or delete the SonarQube project if it is retired."}}
		}
		return a.branchFindings(p, repo.DefaultBranch, out)
	}
	// Not found under its name: a baseline id (or an id in the binding)
	// tells a rename.
	if f := a.renamed(p, st, out); f != nil {
		return []Finding{*f}
	}
	// Keep what a previous report knew, so that the next run, given this
	// report as its baseline, can still tell a rename from a deletion.
	if base, ok := a.opts.Baseline[p.key]; ok {
		out.RepositoryID, out.AzureProjectID = base.RepositoryID, base.AzureProjectID
	}
	if _, visible := st.projects[lower(b.Slug)]; visible {
		return []Finding{{ID: FindRepoMissing, Status: Fail,
			Message: fmt.Sprintf("%s was not found: the PAT sees no repository of that name in that project (deleted, or renamed; an audit given a previous report as --baseline tells renames apart).", where),
			Remedy:  "Bind the project to the repository it analyses now (project > Project Settings > DevOps Platform Integration), or delete the SonarQube project if the repository is gone. If the repository exists but is hidden by repository permissions, give the audit's PAT user Read on it."}}
	}
	return []Finding{{ID: FindRepoNotVisible, Status: Warn,
		Message: fmt.Sprintf("Could not verify %s: Azure DevOps project %s is not among the projects the PAT can see in %s (deleted, renamed, or not visible to this PAT's user).", where, quote(b.Slug), Show(st.org.BaseURL)),
		Remedy:  "Check that the Azure DevOps project still exists under that name; give the audit's PAT user access to it (e.g. Project Collection Readers), then run the audit again."}}
}

func missingOrgHint(rec *recState) string {
	if strings.TrimSpace(rec.URL) == "" {
		return " (it has no URL: name its organization with --organization or --organizations, task input organization or organizations, and no other)"
	}
	return ""
}

// renamed looks the binding's repository up by id: an id in the binding
// itself, or the one a previous report resolved. The ids it finds go into out,
// so the renamed repository stays known to the next run's baseline.
func (a *Audit) renamed(p *projState, st *orgState, out *Project) *Finding {
	b := p.bound
	ids := []string{}
	base, hasBase := a.opts.Baseline[p.key]
	if hasBase && base.RepositoryID != "" {
		ids = append(ids, base.RepositoryID)
	}
	ids = append(ids, b.Repository)
	for _, id := range ids {
		i, ok := st.byID[lower(id)]
		if !ok {
			continue
		}
		r := st.repos[i]
		out.RepositoryID, out.AzureProjectID = r.ID, r.Project.ID
		var now string
		switch {
		case !strings.EqualFold(r.Project.Name, b.Slug) && !strings.EqualFold(r.Name, b.Repository):
			now = fmt.Sprintf("repository %s of project %s", quote(r.Name), quote(r.Project.Name))
		case !strings.EqualFold(r.Project.Name, b.Slug):
			now = fmt.Sprintf("project %s", quote(r.Project.Name))
		default:
			now = fmt.Sprintf("repository %s", quote(r.Name))
		}
		return &Finding{ID: FindRepoRenamed, Status: Fail,
			Message: fmt.Sprintf("%s was renamed: the same repository (id %s) is now %s. SonarQube looks it up by the old name, so its pull requests are not decorated.", describeRepo(b.Binding), Show(r.ID), now),
			Remedy:  fmt.Sprintf("Update the binding (project > Project Settings > DevOps Platform Integration): Azure project %s, repository %s.", quote(r.Project.Name), quote(r.Name))}
	}
	if hasBase && base.AzureProjectID != "" {
		if name, ok := st.projectName[lower(base.AzureProjectID)]; ok && !strings.EqualFold(name, b.Slug) {
			out.RepositoryID, out.AzureProjectID = base.RepositoryID, base.AzureProjectID
			return &Finding{ID: FindRepoRenamed, Status: Fail,
				Message: fmt.Sprintf("%s: its Azure DevOps project (id %s) is now called %s, and no repository %s is visible there.", describeRepo(b.Binding), Show(base.AzureProjectID), quote(name), quote(b.Repository)),
				Remedy:  fmt.Sprintf("Update the binding (project > Project Settings > DevOps Platform Integration) to Azure project %s and the repository's current name.", quote(name))}
		}
	}
	return nil
}

// branchFindings compares SonarQube's main branch with the repository's
// default branch.
func (a *Audit) branchFindings(p *projState, defaultRef string, out *Project) []Finding {
	if !a.opts.Branches || defaultRef == "" {
		return nil
	}
	if p.branchErr != nil {
		return []Finding{{ID: FindUnreadable, Status: Note,
			Message: "SonarQube's main branch could not be read (api/project_branches/list): " + Show(serverMessage(p.branchErr)) + "; it was not compared with the repository's default branch."}}
	}
	if p.mainBranch == "" {
		return nil
	}
	out.MainBranch = p.mainBranch
	if why := compareMainBranch(p.mainBranch, defaultRef); why != "" {
		return []Finding{{ID: FindMainBranch, Status: Warn,
			Message: Show(why) + ".",
			Remedy: fmt.Sprintf("In SonarQube, Project Settings > Branches and Pull Requests: rename the main branch %s to %s (Web API: POST api/project_branches/rename with project and name), or, where a branch %s already exists, set it as the main branch (10.2+: api/project_branches/set_main); or change the repository's default branch if SonarQube is right.",
				quote(p.mainBranch), quote(defaultBranchName(defaultRef)), quote(defaultBranchName(defaultRef)))}}
	}
	return nil
}

// almName is sonar.AlmName, cleaned: an unknown platform is the server's text.
func almName(alm string) string { return Show(sonar.AlmName(alm)) }
