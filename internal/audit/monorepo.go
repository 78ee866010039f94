package audit

import (
	"fmt"
	"slices"
	"strings"

	"sonar-preflight/internal/sonar"
)

// groups are projects bound to the same repository through the same
// record: SonarQube decorates a pull request once per project bound to its
// repository, and projects without the monorepo setting overwrite each
// other's decoration (and the quality gate status).
type groups map[string][]member

type member struct {
	key      string
	monorepo *bool // nil: not read
}

// groupKey names a repository: the record, the Azure DevOps project (slug,
// empty for other platforms) and the repository, case folded as Azure
// DevOps and SonarQube's own search compare them.
func groupKey(b Binding) string {
	if b.Record == "" || b.Repository == "" {
		return ""
	}
	return b.Record + "\x00" + lower(b.Slug) + "\x00" + lower(b.Repository)
}

// shared reports whether another project is bound to b's repository.
func (g groups) shared(b Binding) bool {
	return len(g[groupKey(b)]) > 1
}

// add records one bound project.
func (g groups) add(key string, b Binding) {
	k := groupKey(b)
	if k == "" {
		return
	}
	g[k] = append(g[k], member{key: key, monorepo: b.Monorepo})
}

// set updates the monorepo flag read for a project.
func (g groups) set(key string, b Binding) {
	k := groupKey(b)
	for i := range g[k] {
		if g[k][i].key == key {
			g[k][i].monorepo = b.Monorepo
		}
	}
}

// groupsFromListing groups every binding of the server (all shards) from
// the v2 listing; this shard's members get their flags after get_binding.
func (a *Audit) groupsFromListing(listed []sonar.ProjectBinding, dop []sonar.DopSetting) groups {
	keyOf := make(map[string]string, len(dop))
	for _, d := range dop {
		keyOf[d.ID] = d.Key
	}
	g := groups{}
	for _, b := range listed {
		rec := keyOf[b.DevOpsPlatformSettingID]
		if rec == "" {
			rec = b.DevOpsPlatformSettingID
		}
		g.add(b.ProjectKey, Binding{Record: rec, Repository: b.Repository, Slug: b.Slug})
	}
	for k, ms := range g {
		if len(ms) < 2 {
			delete(g, k)
		}
	}
	return g
}

// groupsFromOwn groups what this shard read through get_binding: without
// the v2 listing a shard knows only its own projects' bindings, and
// merging the shards' reports completes the groups.
func (a *Audit) groupsFromOwn() groups {
	g := groups{}
	for _, p := range a.projects {
		if p.bound != nil && !p.bound.dangling {
			g.add(p.key, p.bound.Binding)
		}
	}
	return g
}

// refresh sets this shard's flags into the groups (v2 path).
func (a *Audit) refreshGroups() {
	for _, p := range a.projects {
		if p.bound != nil && !p.bound.dangling {
			a.groups.set(p.key, p.bound.Binding)
		}
	}
}

// MonorepoFinding is the monorepo rule for one project of a group: several
// projects bound to one repository, at least one without monorepo, is a
// warning naming the others. It returns nil when the rule has nothing to
// say. complete is false when the group may have members this report does
// not know (a shard without the v2 listing): a merge then decides.
func MonorepoFinding(self string, b Binding, members []member, complete bool) *Finding {
	if len(members) < 2 {
		return nil
	}
	var others, lacking, unknown []string
	for _, m := range members {
		if m.key != self {
			others = append(others, m.key)
		}
		switch {
		case m.monorepo == nil:
			unknown = append(unknown, m.key)
		case !*m.monorepo:
			lacking = append(lacking, m.key)
		}
	}
	slices.Sort(others)
	slices.Sort(lacking)
	repo := describeRepo(b)
	names := func(keys []string) string {
		const most = 10
		shown := make([]string, 0, min(len(keys), most))
		for _, k := range keys[:min(len(keys), most)] {
			shown = append(shown, quote(k))
		}
		s := strings.Join(shown, ", ")
		if len(keys) > most {
			s += fmt.Sprintf(" and %d more", len(keys)-most)
		}
		return s
	}
	remedy := "Either bind only one SonarQube project to " + repo + ", or turn on the monorepo setting of every project bound to it (project > Project Settings > DevOps Platform Integration; the monorepo feature needs Enterprise Edition or above)."
	switch {
	case len(lacking) > 0:
		var lackOthers []string
		selfLacks := false
		for _, k := range lacking {
			if k == self {
				selfLacks = true
			} else {
				lackOthers = append(lackOthers, k)
			}
		}
		var who string
		switch {
		case selfLacks && len(lackOthers) == 0:
			who = "This project lacks"
		case selfLacks:
			who = "This project and " + names(lackOthers) + " lack"
		case len(lackOthers) == 1:
			who = names(lackOthers) + " lacks"
		default:
			who = names(lackOthers) + " lack"
		}
		return &Finding{ID: FindMonorepo, Status: Warn,
			Message: fmt.Sprintf("%d SonarQube projects are bound to %s: this one and %s. %s the monorepo setting, so their pull-request decorations overwrite each other.",
				len(members), repo, names(others), who),
			Remedy: remedy}
	case len(unknown) > 0:
		msg := fmt.Sprintf("%d SonarQube projects are bound to %s (the others: %s); whether all are marked monorepo could not be read for %s.", len(members), repo, names(others), names(unknown))
		if !complete {
			msg += " Merging the shards' reports completes this."
		}
		return &Finding{ID: FindMonorepo, Status: Note, Message: msg, Remedy: remedy}
	}
	return nil
}

func describeRepo(b Binding) string {
	if b.Slug != "" {
		return fmt.Sprintf("repository %s of Azure DevOps project %s (record %s)", quote(b.Repository), quote(b.Slug), quote(b.Record))
	}
	return fmt.Sprintf("repository %s (record %s)", quote(b.Repository), quote(b.Record))
}
