package simulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Fleet describes a simulated SonarQube server with many projects, bound to
// the repositories of several Azure DevOps organizations, for the fleet
// audit's tests, `demo audit` and its benchmark. Every answer is computed
// when the fleet starts, so a request costs the same for 100 projects or
// 100,000 (a page is a slice, a project a map lookup).
type Fleet struct {
	// Projects is how many projects the server holds.
	Projects int
	// Orgs is how many Azure DevOps organizations (each with one record)
	// the healthy projects are spread over; 0 means 2.
	Orgs int
	// Version is SonarQube's version; before 10 the server has no
	// /api/v2 listings, so bindings are read per project. "" is
	// DefaultSonarVersion (10.7, with them).
	Version string
	// NoV2 removes the v2 listings whatever the version (a 10.x server
	// where /api/v2 is blocked by a proxy, for instance).
	NoV2 bool
	// Mix says how many projects show each finding; the rest are healthy.
	Mix FleetMix
	// GitHubRateLimit is GitHub.com's primary rate limit for the token, in
	// requests (0 means 5,000, an hour's allowance of a personal token).
	GitHubRateLimit int
}

// FleetMix counts the projects of each kind. Monorepo counts projects, in
// pairs bound to one repository without the monorepo setting.
type FleetMix struct {
	Unbound        int // not bound to any DevOps Platform
	NeverAnalysed  int // bound and healthy, never analysed
	Stale          int // bound and healthy, last analysed 200 days ago
	RecordGone     int // bound to a record that no longer exists (get_binding: 500)
	BadRecordURL   int // bound to a record whose URL names a project, not the organization
	RecordRejected int // bound to a record whose stored PAT SonarQube's validation refuses
	RepoMissing    int // repository deleted from a visible Azure DevOps project
	RepoRenamed    int // repository renamed (same id, new name)
	RepoDisabled   int // repository disabled
	NotVisible     int // Azure DevOps project not visible to the audit's PAT
	Monorepo       int // bound in pairs to one repository, monorepo off
	MainBranch     int // SonarQube main branch "main", repository default "develop"
	// GitHub-bound projects (fleet_github.go): healthy in organization
	// contoso, whose repositories the token reads, and the kinds below.
	GitHub           int
	GitHubUser       int // healthy, in user account octo-dev (public: its listing shows it)
	GitHubMissing    int // no repository of the bound name in contoso (deleted)
	GitHubRenamed    int // renamed in contoso: listed under a new name, GET /repos of the old one answers 301
	GitHubArchived   int // archived
	GitHubNotVisible int // private in organization fabrikam, of which the token sees only public repositories
	GitHubMainBranch int // default_branch "develop", SonarQube's main branch "main"
	GitHubEnterprise int // healthy, on the GitHub Enterprise Server FleetGHESHost (record FleetGHESRecord)
	GitHubMonorepo   int // in pairs bound to one contoso repository, monorepo off
}

// Fleet kinds.
const (
	kindHealthy = iota
	kindUnbound
	kindNever
	kindStale
	kindRecordGone
	kindBadURL
	kindRejected
	kindMissing
	kindRenamed
	kindDisabled
	kindNotVisible
	kindMonorepo
	kindMainBranch
	kindGitHub
	kindGitHubUser
	kindGitHubMissing
	kindGitHubRenamed
	kindGitHubArchived
	kindGitHubNotVisible
	kindGitHubMainBranch
	kindGitHubEnterprise
	kindGitHubMonorepo
)

// Records of a fleet.
const (
	FleetBadURLRecord   = "ado-bad-url"
	FleetRejectedRecord = "ado-rejected"
	FleetGitHubRecord   = "github-app"
	fleetGoneRecordID   = "AZwhV3X7kH0DeletedRecord"
	fleetHiddenProject  = "Hidden Project"
)

// FleetRecord is the key of organization i's record.
func FleetRecord(i int) string { return fmt.Sprintf("ado-org%d", i) }

// FleetOrg is the name of organization i.
func FleetOrg(i int) string { return fmt.Sprintf("fleet-org%d", i) }

// FleetProjectKey is the key of project i.
func FleetProjectKey(i int) string { return fmt.Sprintf("fleet-%06d", i) }

// fleetProject is one generated project and what the services say of it.
type fleetProject struct {
	key, name, uuid, lastAnalysis string
	kind                          int
	// binding, when bound
	record, recordID, slug, repo string
	monorepo                     bool
	mainBranch                   string
}

type fleetRepo struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	URL           string         `json:"url"`
	Project       fleetAzProject `json:"project"`
	DefaultBranch string         `json:"defaultBranch,omitempty"`
	RemoteURL     string         `json:"remoteUrl"`
	Size          int            `json:"size"`
	IsDisabled    bool           `json:"isDisabled"`
}

type fleetAzProject struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	State      string `json:"state"`
	Revision   int    `json:"revision"`
	Visibility string `json:"visibility"`
}

// FleetServers is a running fleet simulator.
type FleetServers struct {
	Fleet       Fleet
	SonarURL    string
	CAFile      string
	Resolve     []string
	AdminToken  string // a SonarQube token with Administer System
	PAT         string // the audit's Azure DevOps PAT
	GitHubToken string // the audit's GitHub token

	projects []fleetProject // by index
	byKey    map[string]int
	byName   []int // indexes in api/projects/search order
	bindings []int // bound indexes in v2 order (repository, binding id)
	// bindingsByName indexes bindings by lower-case repository and slug,
	// for the repository filter.
	bindingsByName map[string][]int
	records        []fleetRecord
	repos          map[string][]byte // org name → serialized listing
	renamed        map[string][2]string
	servers        []*httptest.Server
	requests       atomic.Int64
	now            func() time.Time
	gh             *ghFleet
	ghUsed         atomic.Int64 // GitHub.com requests counted against the rate limit
}

type fleetRecord struct {
	id, key, alm, url string
	validation        string // 400 message of validate; "" is 204
}

// Requests is how many requests the fleet has served.
func (f *FleetServers) Requests() int64 { return f.requests.Load() }

// Renamed maps the key of each project whose repository was renamed to
// the repository's id and the Azure DevOps project's id (GitHub's
// repository id and "" for a GitHub repository), as a previous audit would
// have recorded them.
func (f *FleetServers) Renamed() map[string][2]string { return f.renamed }

// Close stops the servers.
func (f *FleetServers) Close() { closeAll(f.servers) }

// Env is the environment an audit of the fleet runs with. It names the
// fleet's organizations (SONAR_PREFLIGHT_ORGANIZATIONS) and its GitHub
// Enterprise Server (SONAR_PREFLIGHT_GITHUB_URLS), as a user does: the
// audit sends the PAT and the GitHub token only where they are named, not
// where SonarQube's records point.
func (f *FleetServers) Env() map[string]string {
	var orgs []string
	for i := 0; i < f.Fleet.Orgs; i++ {
		orgs = append(orgs, "https://dev.azure.com/"+FleetOrg(i))
	}
	return map[string]string{
		"SONAR_HOST_URL":                f.SonarURL,
		"SONAR_TOKEN":                   f.AdminToken,
		"AZURE_DEVOPS_EXT_PAT":          f.PAT,
		"SONAR_PREFLIGHT_RESOLVE":       strings.Join(f.Resolve, ","),
		"SSL_CERT_FILE":                 f.CAFile,
		"SONAR_PREFLIGHT_ORGANIZATIONS": strings.Join(orgs, ","),
		"GITHUB_TOKEN":                  f.GitHubToken,
		"SONAR_PREFLIGHT_GITHUB_URLS":   FleetGHESAPI,
	}
}

// StartFleet generates the fleet and serves it on loopback: SonarQube at
// SonarHost, Azure DevOps at dev.azure.com, GitHub at api.github.com and
// FleetGHESHost, all over TLS with the simulator's CA. Options.Latency, Now, OnRequest and Dir apply.
func StartFleet(fl Fleet, opts Options) (*FleetServers, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("simulator: Options.Dir is required")
	}
	if fl.Orgs <= 0 {
		fl.Orgs = 2
	}
	if fl.Version == "" {
		fl.Version = DefaultSonarVersion
	}
	f := &FleetServers{Fleet: fl, AdminToken: "squ_" + randHex(20), PAT: randPAT(), GitHubToken: "ghp_" + randHex(18), now: opts.Now}
	if f.now == nil {
		f.now = time.Now
	}
	f.generate()

	ca, caFile, err := writeCA(opts.Dir)
	if err != nil {
		return nil, err
	}
	f.CAFile = caFile
	f.SonarURL = "https://" + SonarHost
	f.servers, f.Resolve, err = serveTLS(ca, front(opts, func(r *http.Request) {
		f.requests.Add(1)
		if opts.OnRequest != nil {
			opts.OnRequest(r.Method + " " + r.Host + r.URL.RequestURI())
		}
	}), []service{
		{hosts: []string{SonarHost}, handler: &fleetSonar{f: f}},
		{hosts: []string{"dev.azure.com"}, handler: &fleetAzdo{f: f}},
		{hosts: []string{gitHubDotComAPI, FleetGHESHost}, handler: &fleetGitHub{f: f}},
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// generate lays out the projects, records and repositories.
func (f *FleetServers) generate() {
	fl := f.Fleet
	n := fl.Projects
	kinds := make([]int, n)
	next := 0
	for _, k := range []struct{ kind, count int }{
		{kindUnbound, fl.Mix.Unbound}, {kindNever, fl.Mix.NeverAnalysed}, {kindStale, fl.Mix.Stale},
		{kindRecordGone, fl.Mix.RecordGone}, {kindBadURL, fl.Mix.BadRecordURL}, {kindRejected, fl.Mix.RecordRejected},
		{kindMissing, fl.Mix.RepoMissing}, {kindRenamed, fl.Mix.RepoRenamed}, {kindDisabled, fl.Mix.RepoDisabled},
		{kindNotVisible, fl.Mix.NotVisible}, {kindMonorepo, fl.Mix.Monorepo &^ 1}, {kindMainBranch, fl.Mix.MainBranch},
		{kindGitHub, fl.Mix.GitHub}, {kindGitHubUser, fl.Mix.GitHubUser}, {kindGitHubMissing, fl.Mix.GitHubMissing},
		{kindGitHubRenamed, fl.Mix.GitHubRenamed}, {kindGitHubArchived, fl.Mix.GitHubArchived},
		{kindGitHubNotVisible, fl.Mix.GitHubNotVisible}, {kindGitHubMainBranch, fl.Mix.GitHubMainBranch},
		{kindGitHubEnterprise, fl.Mix.GitHubEnterprise}, {kindGitHubMonorepo, fl.Mix.GitHubMonorepo &^ 1},
	} {
		// Spread each kind over the key space, so that every shard sees
		// some: project i gets the kind at position (i*stride) mod n.
		for c := 0; c < k.count && next < n; c++ {
			kinds[next] = k.kind
			next++
		}
	}
	// A fixed permutation (multiplying by a number coprime with n) mixes
	// the kinds over the keys without randomness.
	stride := 1
	for _, p := range []int{7919, 104729, 1299709, 15485863} {
		if n > 2 && p%n > 1 && gcd(p%n, n) == 1 {
			stride = p % n
			break
		}
	}

	now := f.now()
	f.records = []fleetRecord{}
	for i := 0; i < fl.Orgs; i++ {
		f.records = append(f.records, fleetRecord{id: fmt.Sprintf("AZrec%04d", i), key: FleetRecord(i), alm: "azure", url: "https://dev.azure.com/" + FleetOrg(i)})
	}
	// The records that show a finding exist only when projects use them.
	if fl.Mix.BadRecordURL > 0 {
		f.records = append(f.records, fleetRecord{id: "AZrecBadUrl", key: FleetBadURLRecord, alm: "azure", url: "https://dev.azure.com/" + FleetOrg(0) + "/Platform"})
	}
	if fl.Mix.RecordRejected > 0 {
		f.records = append(f.records, fleetRecord{id: "AZrecRejected", key: FleetRejectedRecord, alm: "azure", url: "https://dev.azure.com/" + FleetOrg(fl.Orgs-1),
			// AzureDevOpsValidator turns every failure into this sentence.
			validation: "Invalid Azure URL or Personal Access Token"})
	}
	if m := fl.Mix; m.GitHub+m.GitHubUser+m.GitHubMissing+m.GitHubRenamed+m.GitHubArchived+m.GitHubNotVisible+m.GitHubMainBranch+m.GitHubMonorepo > 0 {
		f.records = append(f.records, fleetRecord{id: "AZrecGitHub", key: FleetGitHubRecord, alm: "github", url: "https://api.github.com"})
	}
	if fl.Mix.GitHubEnterprise > 0 {
		f.records = append(f.records, fleetRecord{id: "AZrecGHES", key: FleetGHESRecord, alm: "github", url: FleetGHESAPI})
	}
	f.gh = &ghFleet{byID: map[int64]int{}, byName: map[string]int{}, former: map[string]int{}, owners: map[string]*ghOwnerData{}}
	recordID := map[string]string{}
	for _, r := range f.records {
		recordID[r.key] = r.id
	}

	f.projects = make([]fleetProject, n)
	f.byKey = make(map[string]int, n)
	f.renamed = map[string][2]string{}
	reposByOrg := map[string][]fleetRepo{}
	azProjects := map[string]fleetAzProject{}
	azProject := func(org, name string) fleetAzProject {
		k := org + "/" + name
		if p, ok := azProjects[k]; ok {
			return p
		}
		id := guidFrom(k)
		p := fleetAzProject{ID: id, Name: name, URL: "https://dev.azure.com/" + org + "/_apis/projects/" + id, State: "wellFormed", Revision: 11, Visibility: "private"}
		azProjects[k] = p
		return p
	}
	addRepo := func(org string, proj fleetAzProject, name, id, def string, disabled bool) {
		reposByOrg[org] = append(reposByOrg[org], fleetRepo{
			ID: id, Name: name, URL: "https://dev.azure.com/" + org + "/" + proj.ID + "/_apis/git/repositories/" + id,
			Project: proj, DefaultBranch: def, RemoteURL: "https://" + org + "@dev.azure.com/" + org + "/" + proj.Name + "/_git/" + name,
			Size: 1024, IsDisabled: disabled,
		})
	}
	var pendingMono, pendingGHMono = -1, -1
	for pos := 0; pos < n; pos++ {
		i := (pos * stride) % max(n, 1)
		kind := kinds[pos]
		p := fleetProject{
			key:  FleetProjectKey(i),
			name: fmt.Sprintf("Service %d", (i*31)%max(n, 1)), // name order differs from key order
			uuid: fmt.Sprintf("AY%016x", i),
			kind: kind, mainBranch: "main",
		}
		p.lastAnalysis = now.Add(-26 * time.Hour).Format("2006-01-02T15:04:05-0700")
		switch kind {
		case kindNever:
			p.lastAnalysis = ""
		case kindStale:
			p.lastAnalysis = now.Add(-200 * 24 * time.Hour).Format("2006-01-02T15:04:05-0700")
		}
		orgIdx := i % fl.Orgs
		org := FleetOrg(orgIdx)
		p.record = FleetRecord(orgIdx)
		p.slug = fmt.Sprintf("Team %02d", (i/100)%40)
		p.repo = fmt.Sprintf("svc-%06d", i)
		proj := azProject(org, p.slug)
		repoID := guidFrom(org + "/" + p.repo)
		switch kind {
		case kindUnbound:
			p.record = ""
		case kindRecordGone:
			p.record = "" // known only by the id of a deleted record
			p.recordID = fleetGoneRecordID
		case kindBadURL:
			p.record = FleetBadURLRecord
			org = FleetOrg(0)
			proj = azProject(org, p.slug)
			addRepo(org, proj, p.repo, guidFrom(org+"/"+p.repo), "refs/heads/main", false)
		case kindRejected:
			p.record = FleetRejectedRecord
			org = FleetOrg(fl.Orgs - 1)
			proj = azProject(org, p.slug)
			addRepo(org, proj, p.repo, guidFrom(org+"/"+p.repo), "refs/heads/main", false)
		case kindMissing:
			// Another repository keeps the Azure DevOps project visible.
			addRepo(org, proj, p.repo+"-keep", guidFrom(org+"/"+p.repo+"-keep"), "refs/heads/main", false)
		case kindRenamed:
			addRepo(org, proj, p.repo+"-renamed", repoID, "refs/heads/main", false)
			f.renamed[p.key] = [2]string{repoID, proj.ID}
		case kindDisabled:
			addRepo(org, proj, p.repo, repoID, "refs/heads/main", true)
		case kindNotVisible:
			p.slug = fleetHiddenProject
		case kindMonorepo:
			if pendingMono >= 0 {
				// Share the first one's repository.
				first := f.projects[pendingMono]
				p.record, p.slug, p.repo = first.record, first.slug, first.repo
				pendingMono = -1
			} else {
				pendingMono = i
				addRepo(org, proj, p.repo, repoID, "refs/heads/main", false)
			}
		case kindMainBranch:
			addRepo(org, proj, p.repo, repoID, "refs/heads/develop", false)
		case kindGitHubMonorepo:
			p.slug = ""
			if pendingGHMono >= 0 {
				first := f.projects[pendingGHMono]
				p.record, p.repo = first.record, first.repo
				pendingGHMono = -1
			} else {
				pendingGHMono = i
				p.record, p.repo = f.ghBinding(kindGitHub, p.repo)
			}
		case kindGitHub, kindGitHubUser, kindGitHubMissing, kindGitHubRenamed, kindGitHubArchived, kindGitHubNotVisible,
			kindGitHubMainBranch, kindGitHubEnterprise:
			p.slug = ""
			p.record, p.repo = f.ghBinding(kind, p.repo)
			if kind == kindGitHubRenamed {
				i := f.gh.former[gitHubDotComAPI+"/"+strings.ToLower(p.repo)]
				f.renamed[p.key] = [2]string{strconv.FormatInt(f.gh.repos[i].id, 10), ""}
			}
		default:
			addRepo(org, proj, p.repo, repoID, "refs/heads/main", false)
		}
		if p.record != "" {
			p.recordID = recordID[p.record]
		}
		f.projects[i] = p
		f.byKey[p.key] = i
	}

	f.ghFinish()

	// api/projects/search: ORDER BY LOWER(p.name), p.name, then creation.
	f.byName = make([]int, n)
	for i := range f.byName {
		f.byName[i] = i
	}
	sort.SliceStable(f.byName, func(a, b int) bool {
		pa, pb := f.projects[f.byName[a]], f.projects[f.byName[b]]
		if la, lb := strings.ToLower(pa.name), strings.ToLower(pb.name); la != lb {
			return la < lb
		}
		return pa.name < pb.name
	})
	// v2 project-bindings: ORDER BY p.alm_repo, p.uuid.
	for i, p := range f.projects {
		if p.recordID != "" {
			f.bindings = append(f.bindings, i)
		}
	}
	sort.SliceStable(f.bindings, func(a, b int) bool {
		pa, pb := f.projects[f.bindings[a]], f.projects[f.bindings[b]]
		if pa.repo != pb.repo {
			return pa.repo < pb.repo
		}
		return bindingID(pa) < bindingID(pb)
	})
	f.bindingsByName = map[string][]int{}
	for _, i := range f.bindings {
		p := f.projects[i]
		f.bindingsByName[strings.ToLower(p.repo)] = append(f.bindingsByName[strings.ToLower(p.repo)], i)
		if p.slug != "" && !strings.EqualFold(p.slug, p.repo) {
			f.bindingsByName[strings.ToLower(p.slug)] = append(f.bindingsByName[strings.ToLower(p.slug)], i)
		}
	}
	// Each organization's listing is the same for every request.
	f.repos = map[string][]byte{}
	for i := 0; i < fl.Orgs; i++ {
		org := FleetOrg(i)
		f.repos[org] = mustJSON(map[string]any{"count": len(reposByOrg[org]), "value": nonNil(reposByOrg[org])})
	}
}

func bindingID(p fleetProject) string { return "AZbind" + p.uuid }

func nonNil(r []fleetRepo) []fleetRepo {
	if r == nil {
		return []fleetRepo{}
	}
	return r
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// guidFrom makes a stable GUID-shaped id from a name.
func guidFrom(s string) string {
	var h1, h2 uint64 = 14695981039346656037, 1099511628211
	for i := 0; i < len(s); i++ {
		h1 ^= uint64(s[i])
		h1 *= 1099511628211
		h2 = h2*31 + uint64(s[i])
	}
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h1>>32), uint16(h1>>16), uint16(h1)&0xfff, uint16(h2>>48)&0xfff, h2&0xffffffffffff)
}

var kindNames = map[int]string{
	kindHealthy: "healthy", kindUnbound: "unbound", kindNever: "never-analysed", kindStale: "stale",
	kindRecordGone: "record-gone", kindBadURL: "bad-record-url", kindRejected: "record-rejected",
	kindMissing: "repo-missing", kindRenamed: "repo-renamed", kindDisabled: "repo-disabled",
	kindNotVisible: "not-visible", kindMonorepo: "monorepo", kindMainBranch: "main-branch", kindGitHub: "github",
	kindGitHubUser: "github-user", kindGitHubMissing: "github-missing", kindGitHubRenamed: "github-renamed",
	kindGitHubArchived: "github-archived", kindGitHubNotVisible: "github-not-visible", kindGitHubMainBranch: "github-main-branch",
	kindGitHubEnterprise: "github-enterprise", kindGitHubMonorepo: "github-monorepo",
}

// KindOf names the kind of the project with this key ("" if unknown), for
// tests to know what each project must show.
func (f *FleetServers) KindOf(key string) string {
	i, ok := f.byKey[key]
	if !ok {
		return ""
	}
	return kindNames[f.projects[i].kind]
}
