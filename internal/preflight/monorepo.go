package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"sonar-preflight/internal/sonar"
)

// Issue 9, rule 10: several SonarQube projects bound to one repository
// without the monorepo setting overwrite each other's pull-request
// decorations (and quality gate status). SonarQube 10.x can tell which
// projects share a repository: GET /api/v2/dop-translation/project-bindings
// ?repository= (Create Projects; DefaultProjectBindingsController), whose
// filter matches the repository name or the slug, ignoring case, so the
// answer is compared here. Its entries carry no monorepo flag; get_binding
// of each other project does.

// maxSharingChecked bounds the get_binding calls made for other projects.
const maxSharingChecked = 10

// withSharedRepository adds what the server says about other projects
// bound to the binding's repository to a passing binding finding: a warning
// naming them when decorations would collide, a note otherwise.
func (r *run) withSharedRepository(ctx context.Context, b *sonar.Binding, f Finding) Finding {
	if b.Repository == "" {
		return f
	}
	others, err := r.sharingProjects(ctx, b)
	switch {
	case err != nil && (sonar.IsUnavailable(err) || sonar.IsUnknownURL(err)):
		f.Notes = append(f.Notes, "Whether other SonarQube projects are bound to the same repository was not checked: this SonarQube has no /api/v2/dop-translation/project-bindings (10.x and later have it).")
		return f
	case err != nil && sonar.IsInsufficientPrivileges(err):
		f.Notes = append(f.Notes, "Whether other SonarQube projects are bound to the same repository was not checked: the token lacks Create Projects, which /api/v2/dop-translation/project-bindings needs.")
		return f
	case err != nil:
		f.Notes = append(f.Notes, "Whether other SonarQube projects are bound to the same repository could not be checked: "+oneLineErr(err)+".")
		return f
	case len(others) == 0:
		return f
	}

	repo := fmt.Sprintf("repository %s", b.Repository)
	if b.Alm == sonar.AlmAzure && b.Slug != "" {
		repo = fmt.Sprintf("repository %s of Azure DevOps project %s", b.Repository, b.Slug)
	}
	named := listKeys(others)
	remedy := "Either bind only one SonarQube project to " + repo + ", or turn on the monorepo setting of every project bound to it (" + bindingPlace + "; the monorepo feature needs Enterprise Edition or above)."
	if !b.Monorepo {
		f.Status = Warn
		f.Message += fmt.Sprintf(" %s is also bound to %s, and this binding lacks the monorepo setting: their pull-request decorations overwrite each other.", capitalize(repo), named)
		f.Remedy = remedy
		return f
	}
	// This project is marked monorepo: the others must be too.
	var lacking, unread []string
	for i, key := range others {
		if i >= maxSharingChecked {
			unread = append(unread, others[i:]...)
			break
		}
		ob, err := r.sonarAdmin.Binding(ctx, key)
		switch {
		case err != nil:
			unread = append(unread, key)
		case !ob.Monorepo:
			lacking = append(lacking, key)
		}
	}
	switch {
	case len(lacking) > 0:
		f.Status = Warn
		f.Message += fmt.Sprintf(" %s is also bound to %s; %s lack%s the monorepo setting, so pull-request decorations overwrite each other.", capitalize(repo), named, listKeys(lacking), plural1(len(lacking)))
		f.Remedy = remedy
	case len(unread) > 0:
		f.Notes = append(f.Notes, fmt.Sprintf("%s is also bound to %s; whether %s marked monorepo could not be read.", capitalize(repo), named, listKeys(unread)+map[bool]string{true: " is", false: " are"}[len(unread) == 1]))
	default:
		f.Notes = append(f.Notes, fmt.Sprintf("%s is also bound to %s, all marked monorepo.", capitalize(repo), named))
	}
	return f
}

// sharingCache holds the v2 listings asked for, by repository name, so
// that the one started early (prefetchSharing) is not sent again.
type sharingCache struct {
	mu sync.Mutex
	m  map[string]*lazy[*sonar.ProjectBindingsPage]
}

func (r *run) sharingListing(ctx context.Context, repo string) (*sonar.ProjectBindingsPage, error) {
	c := &r.sharing
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*lazy[*sonar.ProjectBindingsPage]{}
	}
	key := strings.ToLower(repo) // SonarQube's filter ignores case
	l, ok := c.m[key]
	if !ok {
		l = newLazy[*sonar.ProjectBindingsPage]()
		c.m[key] = l
	}
	c.mu.Unlock()
	return l.get(ctx, func(ctx context.Context) (*sonar.ProjectBindingsPage, error) {
		return r.sonarAdmin.ProjectBindings(ctx, sonar.BindingsQuery{Repository: repo, PageSize: sonar.MaxBindingsPageSize})
	})
}

// prefetchSharing starts the listing for the repository the pipeline
// builds while the binding is read: in the usual case the binding names
// that repository, and the answer is in when the binding is, so the rule
// adds no round trip to the checks that wait for sonar.binding.
func (r *run) prefetchSharing(ctx context.Context) {
	repo := r.cfg.Pipeline.RepoName
	if repo == "" || r.sonarAdmin == nil {
		return
	}
	go func() { _, _ = r.sharingListing(ctx, repo) }()
}

// sharingProjects lists the other projects bound to b's repository through
// the same record.
func (r *run) sharingProjects(ctx context.Context, b *sonar.Binding) ([]string, error) {
	page, err := r.sharingListing(ctx, b.Repository)
	if err != nil {
		return nil, err
	}
	var recordID string
	if len(page.ProjectBindings) > 1 {
		// Two records may reach different organizations holding the same
		// names: compare the record too (one more request, only here).
		if settings, err := r.sonarAdmin.DopSettings(ctx); err == nil {
			for _, s := range settings {
				if s.Key == b.Key {
					recordID = s.ID
				}
			}
		}
	}
	var out []string
	for _, pb := range page.ProjectBindings {
		if pb.ProjectKey == r.cfg.ProjectKey || !strings.EqualFold(pb.Repository, b.Repository) {
			continue
		}
		if b.Slug != "" && !strings.EqualFold(pb.Slug, b.Slug) {
			continue
		}
		if recordID != "" && pb.DevOpsPlatformSettingID != recordID {
			continue
		}
		out = append(out, pb.ProjectKey)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func listKeys(keys []string) string {
	const most = 5
	shown := keys[:min(len(keys), most)]
	s := "project " + strings.Join(shown, ", ")
	if len(keys) > 1 {
		s = "projects " + strings.Join(shown, ", ")
	}
	if len(keys) > most {
		s += fmt.Sprintf(" and %d more", len(keys)-most)
	}
	return s
}

func plural1(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
