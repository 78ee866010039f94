package audit

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/sonar"
)

// Options configure Run.
type Options struct {
	// Sonar is a client whose token holds Administer System.
	Sonar *sonar.Client
	// HTTP carries the Azure DevOps requests (proxy, CA, retries, the
	// per-host Gate).
	HTTP *http.Client
	// PAT reads each organization's repositories; empty skips the Azure
	// DevOps side (every bound project then says it was not checked).
	PAT secret.Secret
	// Organizations are organization or collection URLs to list besides
	// those of the records; the PAT may go to each. A record without a URL
	// is matched to the one organization given here, if exactly one is.
	Organizations []string
	// NamedOrganizations are organizations the user named for the run in
	// other ways (the pipeline's own, the organization setting): the PAT
	// may go to them, and they are listed when a record names them.
	NamedOrganizations []string
	// TrustRecordOrganizations lets the PAT go to every Azure DevOps
	// Services organization a record names. Off by default: SonarQube's
	// records are not the user's word (a record naming
	// https://dev.azure.com/attacker-org would have the PAT authenticate
	// there), so an organization only a record names is not listed, and
	// the report says which ones and how to allow them.
	TrustRecordOrganizations bool
	Shard                    Shard
	// RequireBinding makes an unbound project fail instead of skip.
	RequireBinding bool
	// Branches compares SonarQube's main branch with each bound
	// repository's default branch: one request per such project, since no
	// SonarQube listing carries main branches.
	Branches bool
	// StaleAfter is how long without analysis earns a note; 0 means 90 days.
	StaleAfter time.Duration
	// Baseline holds the repository ids of a previous audit, by project
	// key, to tell a renamed repository from a deleted one.
	Baseline map[string]BaselineEntry
	// Workers is how many per-project request chains run at once; twice
	// the Gate's per-host limit keeps a request waiting at the gate for
	// every slot that frees, so no slot idles while a worker reads an
	// answer. 0 means 2 × DefaultConcurrency.
	Workers   int
	UserAgent string
	Now       func() time.Time
	// Progress, when set, is called as projects are done (from one
	// goroutine at a time).
	Progress func(done, total int)
	// GitHubToken reads the repositories of the GitHub bindings; empty
	// skips the GitHub side (every GitHub-bound project then says it was
	// not checked). It goes to GitHub.com's API, which giving a token
	// names, and to the APIs of GitHubAPIs.
	GitHubToken secret.Secret
	// GitHubAPIs are GitHub REST APIs (GitHub Enterprise Server's
	// https://HOST/api/v3, or its web address) named for the run: the
	// user's --github-urls and the pipeline's own GitHub. A GitHub API
	// that only a record names is not contacted.
	GitHubAPIs []string
	// Requests, when set, reports how many requests were sent so far
	// (the Gate's count), for the report.
	Requests func() int64
	// Notes are the caller's own, for the report's header.
	Notes []string
}

// Audit is a finished run: the header, and the state of this shard's
// projects, judged when iterated.
type Audit struct {
	opts    Options
	version sonar.Version
	header  Header
	records map[string]*recState // by key
	orgs    map[string]*orgState // by org key
	// recordOrg maps a record key to its organization's state.
	recordOrg map[string]*orgState
	// recordGH maps a GitHub record's key to its GitHub's state.
	recordGH map[string]*ghHost
	projects []*projState // this shard's, sorted by key
	groups   groups
	started  time.Time
	elapsed  time.Duration
	mu       sync.Mutex // guards records while they are validated
	requests int64
}

type recState struct {
	Record
	url     urlVerdict
	invalid bool   // SonarQube's validation refuses the record
	refusal string // and the server's words for it
}

type orgState struct {
	org   azdo.Org
	err   error
	repos []azdo.Repository
	// byName: lower(project)+"/"+lower(repo); byID: repository id;
	// projects: lower(project name) → project id; projectName: id → name.
	byName      map[string]int
	byID        map[string]int
	projects    map[string]string
	projectName map[string]string
	skipped     string // why the organization was not listed
}

type bindState struct {
	Binding
	dangling bool // get_binding answered 500: the record is gone
}

type projState struct {
	key, name, lastAnalysis string
	bound                   *bindState // nil: not bound (when bindErr is nil)
	bindErr                 error
	mainBranch              string
	branchErr               error
	gh                      *ghResult // a GitHub binding's repository, once read
	done                    bool      // every request of the project was made
}

// BaselineEntry is what a previous report said about a project's
// repository.
type BaselineEntry struct {
	RepositoryID, AzureProjectID, Repository, Slug string
}

// Header returns the report's header.
func (a *Audit) Header() Header { return a.header }

// Elapsed is the run's wall time.
func (a *Audit) Elapsed() time.Duration { return a.elapsed }

// RequestCount is how many requests the run sent (0 when not counted).
func (a *Audit) RequestCount() int64 { return a.requests }

// Run audits the server: it reads the shared listings, makes this shard's
// per-project requests and returns the audit, ready to be judged project by
// project. It fails only when the fleet cannot be listed at all.
func Run(ctx context.Context, o Options) (*Audit, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Shard.Count == 0 {
		o.Shard = Whole
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 90 * 24 * time.Hour
	}
	if o.Workers <= 0 {
		o.Workers = 2 * DefaultConcurrency
	}
	a := &Audit{
		opts:      o,
		started:   o.Now(),
		records:   map[string]*recState{},
		orgs:      map[string]*orgState{},
		recordOrg: map[string]*orgState{},
		recordGH:  map[string]*ghHost{},
		header: Header{
			Tool:   "sonar-preflight audit",
			Server: o.Sonar.BaseURL(),
			Shard:  o.Shard.Info(),
			Paths:  map[string]string{},
			Notes:  append([]string{}, o.Notes...),
		},
	}
	if err := a.run(ctx); err != nil {
		return nil, err
	}
	a.elapsed = o.Now().Sub(a.started)
	if o.Requests != nil {
		a.requests = o.Requests()
	}
	return a, nil
}

// listings holds what the first round of requests brought back.
type listings struct {
	status    *sonar.Status
	statusErr error
	defs      *sonar.Definitions
	defsErr   error
	dop       []sonar.DopSetting
	dopErr    error
	projects  []sonar.Project
	projErr   error
	bindings  []sonar.ProjectBinding
	bindErr   error
}

func (a *Audit) run(ctx context.Context) error {
	o := a.opts
	var l listings
	var wg, recs sync.WaitGroup
	// Round one: everything that needs nothing else, at once. The records
	// go on (validation, each organization's repositories) as soon as they
	// and the server's version are in, while the listings page on.
	var side sync.WaitGroup
	var recordsErr error
	recs.Add(1)
	go func() {
		defer recs.Done()
		var both sync.WaitGroup
		both.Add(2)
		go func() { defer both.Done(); l.status, l.statusErr = o.Sonar.Status(ctx) }()
		go func() { defer both.Done(); l.defs, l.defsErr = o.Sonar.ListDefinitions(ctx) }()
		both.Wait()
		if l.defsErr != nil {
			recordsErr = fmt.Errorf("could not list the DevOps Platform configuration records (api/alm_settings/list_definitions, which needs Administer System): %w", l.defsErr)
			return
		}
		if l.statusErr == nil && l.status != nil {
			if v, err := sonar.ParseVersion(l.status.Version); err == nil {
				a.version = v
			}
		}
		a.loadRecords(l.defs)
		a.validateRecords(ctx, &side)
		a.listOrganizations(ctx, &side)
		a.planGitHub()
	}()
	wg.Add(3)
	go func() { defer wg.Done(); l.dop, l.dopErr = o.Sonar.DopSettings(ctx) }()
	go func() {
		defer wg.Done()
		l.projects, l.projErr = pages(ctx, sonar.MaxProjectsPageSize, func(ctx context.Context, page int) ([]sonar.Project, sonar.Paging, error) {
			p, err := o.Sonar.SearchProjects(ctx, page, sonar.MaxProjectsPageSize)
			if err != nil {
				return nil, sonar.Paging{}, err
			}
			return p.Components, p.Paging, nil
		})
	}()
	go func() {
		defer wg.Done()
		l.bindings, l.bindErr = pages(ctx, sonar.MaxBindingsPageSize, func(ctx context.Context, page int) ([]sonar.ProjectBinding, sonar.Paging, error) {
			p, err := o.Sonar.ProjectBindings(ctx, sonar.BindingsQuery{PageIndex: page, PageSize: sonar.MaxBindingsPageSize})
			if err != nil {
				return nil, sonar.Paging{}, err
			}
			return p.ProjectBindings, p.Page, nil
		})
	}()
	wg.Wait()
	recs.Wait()
	if l.projErr != nil {
		side.Wait()
		return fmt.Errorf("could not list the projects (api/projects/search, which needs Administer System): %w", l.projErr)
	}
	if recordsErr != nil {
		side.Wait()
		return recordsErr
	}
	a.header.Paths["projects"] = "api/projects/search"
	a.header.Paths["records"] = "api/alm_settings/list_definitions"
	if a.version.Major == 0 {
		a.header.Notes = append(a.header.Notes, "The server's version could not be read (api/system/status), so version-dependent rules (redirects of http:// record URLs) are judged cautiously.")
	}

	v2 := l.bindErr == nil && l.dopErr == nil
	if v2 {
		a.header.Paths["bindings"] = v2Path
	} else {
		a.header.Paths["bindings"] = "api/alm_settings/get_binding (one request per project)"
		a.header.Notes = append(a.header.Notes, "Bindings were read per project: "+v2Why(l.bindErr, l.dopErr))
	}

	a.loadProjects(l.projects)
	if v2 {
		a.groups = a.groupsFromListing(l.bindings, l.dop)
	}
	a.work(ctx, v2, l.bindings, l.dop, &side)
	side.Wait()
	if !v2 {
		a.groups = a.groupsFromOwn()
	}
	var unfinished int
	for _, p := range a.projects {
		if !p.done {
			unfinished++
		}
	}
	if ctx.Err() != nil || unfinished > 0 {
		a.header.Notes = append(a.header.Notes, fmt.Sprintf("The deadline passed before every request was made: %d project(s) could not be checked completely; raise --timeout.", unfinished))
	}
	return nil
}

func v2Why(bindErr, dopErr error) string {
	err := bindErr
	if err == nil {
		err = dopErr
	}
	switch {
	case sonar.IsUnavailable(err):
		return "this server has no /api/v2/dop-translation listings (SonarQube 10.x and later have them)."
	case sonar.IsInsufficientPrivileges(err) || httpx.StatusOf(err) == http.StatusForbidden:
		return "the token may not use /api/v2/dop-translation (it needs Create Projects)."
	}
	return "the /api/v2/dop-translation listing failed: " + oneLine(err)
}

// maxPages bounds a listing: 10,000 pages of 500 are five million entries.
const maxPages = 10000

// pages reads every page of a listing: the first to learn the total, then
// the rest at once (the Gate bounds how many run together). Entries that
// appear twice, because the listing moved under the paging, are the
// caller's to drop.
func pages[T any](ctx context.Context, size int, get func(ctx context.Context, page int) ([]T, sonar.Paging, error)) ([]T, error) {
	first, paging, err := get(ctx, 1)
	if err != nil {
		return nil, err
	}
	if paging.PageSize <= 0 {
		paging.PageSize = size
	}
	n := paging.Pages()
	if n <= 1 {
		return first, nil
	}
	if n > maxPages || paging.Total < 0 {
		// Whatever answered promises more than any SonarQube holds (a
		// million projects fit in 2,000 pages): do not ask for it all.
		return nil, fmt.Errorf("the listing claims %d results in pages of %d, more than this audit reads (%d pages)", paging.Total, paging.PageSize, maxPages)
	}
	rest := make([][]T, n+1)
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for p := 2; p <= n; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rest[p], _, errs[p] = get(ctx, p)
		}()
	}
	wg.Wait()
	out := first
	for p := 2; p <= n; p++ {
		if errs[p] != nil {
			return nil, fmt.Errorf("page %d of %d: %w", p, n, errs[p])
		}
		out = append(out, rest[p]...)
	}
	return out, nil
}

func (a *Audit) loadRecords(defs *sonar.Definitions) {
	add := func(key, alm, url string) {
		a.records[key] = &recState{Record: Record{Key: key, Alm: alm, URL: url, Status: Pass}}
	}
	for _, d := range defs.Azure {
		add(d.Key, sonar.AlmAzure, d.URL)
	}
	for _, d := range defs.GitHub {
		add(d.Key, sonar.AlmGitHub, d.URL)
	}
	for _, d := range defs.GitLab {
		add(d.Key, sonar.AlmGitLab, d.URL)
	}
	for _, d := range defs.Bitbucket {
		add(d.Key, sonar.AlmBitbucket, d.URL)
	}
	for _, d := range defs.BitbucketCloud {
		add(d.Key, sonar.AlmBitbucketCloud, "https://bitbucket.org/"+d.Workspace)
	}
	for _, r := range a.records {
		if r.Alm != sonar.AlmAzure {
			continue
		}
		r.url = checkRecordURL(r.URL, a.version)
		if r.url.Status != Pass {
			r.Status = r.url.Status
			shape := "has the wrong shape"
			if r.url.Uncertain {
				shape = "may have the wrong shape"
			}
			r.Message = "The record's URL " + quote(r.URL) + " " + shape + ". " + r.url.Problem
			r.Remedy = "In SonarQube, " + devopsPlace + " > Azure DevOps > " + r.Key + ": set the URL to the organization or collection root"
			if r.url.Corrected != "" {
				r.Remedy += ", " + r.url.Corrected
			}
			r.Remedy += "."
		}
	}
}

const devopsPlace = sonar.DevOpsSettingsPlace

// validateRecords asks SonarQube to validate each record once, whatever
// the number of projects bound to it.
func (a *Audit) validateRecords(ctx context.Context, wg *sync.WaitGroup) {
	for _, r := range a.records {
		if r.Alm == sonar.AlmAzure && strings.TrimSpace(r.URL) == "" {
			// validate answers 500 for a record without URL; the shape
			// rule has said it already.
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := a.opts.Sonar.ValidateSetting(ctx, r.Key)
			a.judgeValidation(r, err)
		}()
	}
}

func (a *Audit) judgeValidation(r *recState, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		if r.Status == Pass {
			r.Message = "SonarQube validated the record."
		}
		return
	}
	status, msg, rem := Warn, "SonarQube's validation could not run: "+oneLine(err)+".", "Run the audit again; if it persists, open the record in SonarQube and press Check configuration."
	switch {
	case httpx.StatusOf(err) == http.StatusBadRequest:
		status = Fail
		r.invalid = true
		r.refusal = serverMessage(err)
		msg = "SonarQube's validation of the record fails: " + quote(r.refusal) + "."
		rem = validationRemedy(r.Alm)
	case sonar.IsInsufficientPrivileges(err):
		msg = "Could not validate the record: the token lacks Administer System."
		rem = "Run the audit with a token of a user who holds Administer System."
	}
	if status.Worse(r.Status) {
		r.Status = status
		r.Message, r.Remedy = msg, rem
	} else {
		r.Message += " " + msg
	}
}

func validationRemedy(alm string) string {
	if alm == sonar.AlmAzure {
		return "SonarQube turns every failure into this one sentence. Check, in this order: the PAT stored in the record (expired, revoked, stopped after 30 days without sign-in, made for another organization); the record URL (the organization or collection root); SonarQube's own path to Azure DevOps (its proxy, its trust store, conditional-access IP policies). Then update the record in " + devopsPlace + "."
	}
	return "Open the record in " + devopsPlace + ", correct what the message names, and press Check configuration."
}

// listOrganizations lists the repositories of every organization the
// records name (and those given), one request each.
func (a *Audit) listOrganizations(ctx context.Context, wg *sync.WaitGroup) {
	o := a.opts
	explicit := map[string]azdo.Org{}
	var explicitOrder []azdo.Org
	for _, raw := range o.Organizations {
		org, err := azdo.ParseOrgURL(raw)
		if err != nil {
			a.header.Notes = append(a.header.Notes, "Organization "+quote(raw)+" was ignored: "+err.Error())
			continue
		}
		if _, dup := explicit[org.Key]; !dup {
			explicit[org.Key] = org
			explicitOrder = append(explicitOrder, org)
		}
	}
	// Where the PAT may go: what the user named, in the user's spelling
	// (its host is the one the HTTP client lets the PAT go to).
	named := maps.Clone(explicit)
	for _, raw := range o.NamedOrganizations {
		if org, err := azdo.ParseOrgURL(raw); err == nil {
			if _, dup := named[org.Key]; !dup {
				named[org.Key] = org
			}
		}
	}
	ensure := func(org azdo.Org) *orgState {
		if st, ok := a.orgs[org.Key]; ok {
			return st
		}
		if n, ok := named[org.Key]; ok {
			org = n
		}
		st := &orgState{org: org}
		a.orgs[org.Key] = st
		return st
	}
	for _, r := range sortedRecords(a.records) {
		if r.Alm != sonar.AlmAzure {
			continue
		}
		switch {
		case r.url.OrgKnown:
			a.recordOrg[r.Key] = ensure(r.url.Org)
		case strings.TrimSpace(r.URL) == "" && len(explicitOrder) == 1:
			a.recordOrg[r.Key] = ensure(explicitOrder[0])
		}
	}
	for _, org := range explicitOrder {
		ensure(org)
	}
	if o.PAT.Empty() && len(a.orgs) > 0 {
		a.header.Notes = append(a.header.Notes, "No Azure DevOps PAT was given: the bound repositories were not checked (missing, renamed, disabled, default branch); give one (AZURE_DEVOPS_EXT_PAT, task input azureDevOpsPat) of a user who can read every project.")
	}
	var untrusted []string
	for _, st := range sortedOrgs(a.orgs) {
		_, isNamed := named[st.org.Key]
		switch {
		case o.PAT.Empty():
			st.skipped = "no Azure DevOps PAT was given"
			continue
		case isNamed:
		case st.org.Deployment == azdo.Server:
			st.skipped = "the PAT is sent to an Azure DevOps Server collection only when --organizations or --organization (task input organizations or organization) names it"
			continue
		case !o.TrustRecordOrganizations:
			st.skipped = "the PAT is sent only to organizations named for the audit, and " + Show(st.org.BaseURL) +
				" is named only by SonarQube's record; name it with --organizations (the organizations input), or pass --trust-record-organizations"
			untrusted = append(untrusted, st.org.BaseURL)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := azdo.New(st.org, o.PAT, o.HTTP, azdo.WithUserAgent(o.UserAgent))
			repos, err := c.Repositories(ctx)
			st.err = err
			st.index(repos)
		}()
	}
	a.header.Paths["repositories"] = "{organization}/_apis/git/repositories (one request per organization)"
	if len(untrusted) > 0 {
		a.header.Notes = append(a.header.Notes, fmt.Sprintf("The Azure DevOps PAT was not sent to %d organization(s) that only SonarQube's records name: %s. "+
			"SonarQube's records do not decide where the PAT goes (a record naming another organization would have it authenticate there). "+
			"Name the organizations to audit with --organizations (the organizations input, or SONAR_PREFLIGHT_ORGANIZATIONS), "+
			"or, if whoever administers SonarQube may choose them, pass --trust-record-organizations (SONAR_PREFLIGHT_TRUST_RECORD_ORGANIZATIONS=true).",
			len(untrusted), Show(strings.Join(firstOf(untrusted, 10), ", "))))
	}
}

// sortedOrgs lists the organizations in key order.
func sortedOrgs(m map[string]*orgState) []*orgState {
	out := make([]*orgState, 0, len(m))
	for _, st := range m {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *orgState) int { return cmp.Compare(a.org.Key, b.org.Key) })
	return out
}

// firstOf is the first n of list, with a count of the rest.
func firstOf(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(slices.Clone(list[:n]), fmt.Sprintf("and %d more", len(list)-n))
}

func (st *orgState) index(repos []azdo.Repository) {
	st.repos = repos
	st.byName = make(map[string]int, len(repos))
	st.byID = make(map[string]int, len(repos))
	st.projects = map[string]string{}
	st.projectName = map[string]string{}
	for i, r := range repos {
		st.byName[lower(r.Project.Name)+"/"+lower(r.Name)] = i
		st.byID[lower(r.ID)] = i
		st.projects[lower(r.Project.Name)] = r.Project.ID
		st.projectName[lower(r.Project.ID)] = r.Project.Name
	}
}

func sortedRecords(m map[string]*recState) []*recState {
	out := make([]*recState, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *recState) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// loadProjects keeps this shard's projects, once each, sorted by key.
func (a *Audit) loadProjects(all []sonar.Project) {
	seen := make(map[string]bool, len(all))
	for _, p := range all {
		if seen[p.Key] || !a.opts.Shard.Owns(p.Key) {
			continue
		}
		seen[p.Key] = true
		a.projects = append(a.projects, &projState{key: p.Key, name: p.Name, lastAnalysis: p.LastAnalysisDate})
	}
	slices.SortFunc(a.projects, func(x, y *projState) int { return cmp.Compare(x.key, y.key) })
}

// work makes the per-project requests: get_binding where no listing
// answered (every project without the v2 listing; with it, only projects
// that share a repository, for their monorepo flag), then the main branch
// where it is compared. A bounded pool of workers runs one project's chain
// at a time, so the per-host limit stays saturated.
func (a *Audit) work(ctx context.Context, v2 bool, listed []sonar.ProjectBinding, dop []sonar.DopSetting, side *sync.WaitGroup) {
	o := a.opts
	byKey := map[string]sonar.ProjectBinding{}
	if v2 {
		byKey = make(map[string]sonar.ProjectBinding, len(listed))
		for _, b := range listed {
			byKey[b.ProjectKey] = b
		}
	}
	dopByID := map[string]sonar.DopSetting{}
	for _, d := range dop {
		dopByID[d.ID] = d
	}
	// The repositories are needed before a branch comparison: wait for
	// the organization listings lazily, once.
	var orgsReady sync.Once
	waitOrgs := func() { orgsReady.Do(side.Wait) }

	jobs := make(chan *projState)
	var done atomic.Int64
	total := len(a.projects)
	var progressMu sync.Mutex
	report := func() {
		n := int(done.Add(1))
		if o.Progress != nil {
			progressMu.Lock()
			o.Progress(n, total)
			progressMu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range min(o.Workers, max(total, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				a.chain(ctx, p, v2, byKey, dopByID, waitOrgs)
				report()
			}
		}()
	}
	for _, p := range a.projects {
		select {
		case jobs <- p:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
}

// chain makes one project's requests.
func (a *Audit) chain(ctx context.Context, p *projState, v2 bool, listed map[string]sonar.ProjectBinding, dop map[string]sonar.DopSetting, waitOrgs func()) {
	if ctx.Err() != nil {
		return
	}
	o := a.opts
	if v2 {
		if b, ok := listed[p.key]; ok {
			d, known := dop[b.DevOpsPlatformSettingID]
			p.bound = &bindState{Binding: Binding{Record: d.Key, Alm: d.Alm(), Repository: b.Repository, Slug: b.Slug}}
			if !known {
				p.bound.dangling = true
				p.bound.Record = b.DevOpsPlatformSettingID
			}
			if a.groups.shared(p.bound.Binding) {
				a.readBinding(ctx, p)
			}
		}
	} else {
		a.readBinding(ctx, p)
	}
	if ctx.Err() != nil {
		return
	}
	compare := false
	switch {
	case p.bound == nil || p.bound.dangling:
	case p.bound.Alm == sonar.AlmAzure:
		// The organizations' listings are needed only to compare branches.
		if o.Branches {
			waitOrgs()
			repo, st := a.resolve(p)
			compare = repo != nil && st == "" && repo.DefaultBranch != "" && !repo.IsDisabled
		}
	case p.bound.Alm == sonar.AlmGitHub:
		// Read whatever the branches: the judge needs the repository.
		a.checkGitHub(ctx, p)
		compare = p.gh != nil && p.gh.repo != nil && p.gh.repo.DefaultBranch != "" && !p.gh.repo.Disabled && !p.gh.repo.Archived
	}
	if o.Branches && compare && ctx.Err() == nil {
		var branches []sonar.ProjectBranch
		branches, p.branchErr = o.Sonar.ProjectBranches(ctx, p.key)
		if main, ok := sonar.MainBranch(branches); ok {
			p.mainBranch = main.Name
		}
	}
	p.done = ctx.Err() == nil
}

// readBinding reads get_binding, keeping what the listing said when the
// call fails.
func (a *Audit) readBinding(ctx context.Context, p *projState) {
	b, err := a.opts.Sonar.Binding(ctx, p.key)
	switch {
	case err == nil:
		mono := b.Monorepo
		p.bound = &bindState{Binding: Binding{Record: b.Key, Alm: b.Alm, Repository: b.Repository, Slug: b.Slug, Monorepo: &mono}}
	case sonar.IsNotBound(err):
		p.bound = nil
	case sonar.IsServerError(err):
		// The generic 500 of a binding whose record is gone.
		if p.bound == nil {
			p.bound = &bindState{}
		}
		p.bound.dangling = true
	default:
		// Unbound so far: the binding is unknown. Bound by the listing:
		// only its monorepo flag stays unknown.
		p.bindErr = err
	}
}

// resolve finds the project's repository in its organization's listing.
// It returns the repository, or a reason ("" when found).
func (a *Audit) resolve(p *projState) (*azdo.Repository, string) {
	b := p.bound
	st := a.recordOrg[b.Record]
	if st == nil {
		return nil, "no-org"
	}
	if st.skipped != "" || st.err != nil || st.byName == nil {
		return nil, "unlisted"
	}
	if i, ok := st.byName[lower(b.Slug)+"/"+lower(b.Repository)]; ok {
		return &st.repos[i], ""
	}
	if i, ok := st.byID[lower(b.Repository)]; ok && strings.EqualFold(st.repos[i].Project.Name, b.Slug) {
		return &st.repos[i], "" // bound by id: SonarQube's calls accept it
	}
	return nil, "absent"
}
