package simulator

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The GitHub side of a fleet: GitHub.com's REST API at api.github.com and a
// GitHub Enterprise Server at FleetGHESHost (API under /api/v3), answering
// the calls the fleet audit makes as GitHub documents them
// (docs.github.com/rest/repos/repos):
//
//   - GET /orgs/{org}/repos ("List organization repositories": type all,
//     public or private; per_page default 30, max 100; sort created,
//     direction desc), GET /users/{username}/repos ("List repositories for
//     a user": "Lists public repositories for the specified user"; sort
//     full_name), and the id-based paths their Link headers name;
//   - GET /repos/{owner}/{repo} ("Get a repository"): 200, 404 for a
//     repository the token cannot see or that does not exist ("404 Not
//     Found for an existing resource", Troubleshooting the REST API), 301
//     to {api}/repositories/{id} for a renamed one ("Follow redirects",
//     Best practices for using the REST API);
//   - GET /repositories/{id}, where that redirect points.
//
// Paging is by the Link header ("Using pagination in the REST API": rel
// next, last, first, prev; omitted when everything fits on one page).
// GitHub.com sends the primary rate-limit headers on every authenticated
// answer ("Rate limits for the REST API": x-ratelimit-limit, -remaining,
// -used, -reset in UTC epoch seconds, -resource) and refuses with 403 and
// x-ratelimit-remaining: 0 once the limit is used up; GitHub Enterprise
// Server has rate limits off by default and sends none.

// FleetGHESHost is the fleet's GitHub Enterprise Server; FleetGHESAPI its
// REST API, the URL of its record and what --github-urls names.
const (
	FleetGHESHost   = "github.fleet.example"
	FleetGHESAPI    = "https://" + FleetGHESHost + "/api/v3"
	FleetGHESRecord = "ghes-fleet"
)

// The fleet's GitHub owners: an organization whose repositories the token
// reads (FleetGitHubOrg), a user account (FleetGitHubUser), an
// organization of which the token sees only the public repositories
// (FleetGitHubHiddenOrg), and an organization on the Enterprise Server.
const (
	FleetGitHubOrg       = "contoso"
	FleetGitHubUser      = "octo-dev"
	FleetGitHubHiddenOrg = "fabrikam"
	FleetGHESOrg         = "platform"
	// fleetGitHubFiller is how many repositories no project is bound to
	// the organization holds, so that its listing always takes more than
	// one page of 100.
	fleetGitHubFiller = 120
)

// ghRepo is one simulated GitHub repository.
type ghRepo struct {
	id                int64
	host, owner, name string
	private, archived bool
	disabled          bool
	defaultBranch     string
	created           time.Time
	visibleToToken    bool
	formerName        string // the name before a rename: answered with 301
	ownerID           int64
	ownerIsOrg        bool
}

func (r ghRepo) full() string { return r.owner + "/" + r.name }

// ghFleet is the fleet's GitHub data, built by generate.
type ghFleet struct {
	repos   []ghRepo
	byID    map[int64]int
	byName  map[string]int // host + "/" + lower(owner/name)
	former  map[string]int // host + "/" + lower(owner/former name) of renamed repositories
	owners  map[string]*ghOwnerData
	limit   int
	resetAt time.Time
}

type ghOwnerData struct {
	host, login string
	id          int64
	org         bool
	repos       []int
}

func (g *ghFleet) owner(host, login string, org bool, id int64) *ghOwnerData {
	k := host + "/" + strings.ToLower(login)
	if o, ok := g.owners[k]; ok {
		return o
	}
	o := &ghOwnerData{host: host, login: login, id: id, org: org}
	g.owners[k] = o
	return o
}

// add creates a repository and returns its index.
func (g *ghFleet) add(host, owner string, org bool, ownerID int64, name string, private, visible bool, def string) int {
	o := g.owner(host, owner, org, ownerID)
	i := len(g.repos)
	id := int64(700000000 + i)
	g.repos = append(g.repos, ghRepo{
		id: id, host: host, owner: owner, name: name, private: private, visibleToToken: visible, defaultBranch: def,
		created: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
		ownerID: ownerID, ownerIsOrg: org,
	})
	o.repos = append(o.repos, i)
	g.byID[id] = i
	g.byName[host+"/"+strings.ToLower(owner+"/"+name)] = i
	return i
}

// ghBinding lays out the GitHub repository of a project of kind, and
// returns the record and the binding's "owner/name".
func (f *FleetServers) ghBinding(kind int, repo string) (record, bound string) {
	g := f.gh
	switch kind {
	case kindGitHubUser:
		g.add(gitHubDotComAPI, FleetGitHubUser, false, 583231, repo, false, true, "main")
		return FleetGitHubRecord, FleetGitHubUser + "/" + repo
	case kindGitHubMissing:
		// Nothing at that name: the organization's listing and GET
		// /repos both lack it.
		return FleetGitHubRecord, FleetGitHubOrg + "/" + repo
	case kindGitHubRenamed:
		i := g.add(gitHubDotComAPI, FleetGitHubOrg, true, 6154722, repo+"-renamed", true, true, "main")
		g.repos[i].formerName = repo
		g.former[gitHubDotComAPI+"/"+strings.ToLower(FleetGitHubOrg+"/"+repo)] = i
		return FleetGitHubRecord, FleetGitHubOrg + "/" + repo
	case kindGitHubArchived:
		i := g.add(gitHubDotComAPI, FleetGitHubOrg, true, 6154722, repo, true, true, "main")
		g.repos[i].archived = true
	case kindGitHubNotVisible:
		g.add(gitHubDotComAPI, FleetGitHubHiddenOrg, true, 9919, repo, true, false, "main")
		return FleetGitHubRecord, FleetGitHubHiddenOrg + "/" + repo
	case kindGitHubMainBranch:
		g.add(gitHubDotComAPI, FleetGitHubOrg, true, 6154722, repo, true, true, "develop")
	case kindGitHubEnterprise:
		g.add(FleetGHESHost, FleetGHESOrg, true, 4, repo, true, true, "main")
		return FleetGHESRecord, FleetGHESOrg + "/" + repo
	default: // kindGitHub
		g.add(gitHubDotComAPI, FleetGitHubOrg, true, 6154722, repo, true, true, "main")
	}
	return FleetGitHubRecord, FleetGitHubOrg + "/" + repo
}

// ghFinish adds what no project is bound to: the organization's filler,
// so that its listing takes several pages, and a public repository of the
// organization whose private ones the token cannot see.
func (f *FleetServers) ghFinish() {
	g := f.gh
	if len(g.owners) == 0 {
		return
	}
	for i := 0; i < fleetGitHubFiller; i++ {
		g.add(gitHubDotComAPI, FleetGitHubOrg, true, 6154722, fmt.Sprintf("lib-%03d", i), i%2 == 0, true, "main")
	}
	g.add(gitHubDotComAPI, FleetGitHubHiddenOrg, true, 9919, "docs", false, true, "main")
	g.add(gitHubDotComAPI, FleetGitHubUser, false, 583231, "dotfiles", false, true, "master")
	g.limit = f.Fleet.GitHubRateLimit
	if g.limit <= 0 {
		g.limit = gitHubRateLimit
	}
	g.resetAt = f.now().Add(time.Hour).Truncate(time.Second)
}

// fleetGitHub answers the fleet's GitHub hosts.
type fleetGitHub struct{ f *FleetServers }

func (h *fleetGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	path := r.URL.Path
	api := "https://" + gitHubDotComAPI
	if host == FleetGHESHost {
		rest, ok := strings.CutPrefix(path, "/api/v3/")
		if !ok {
			// The web UI, not the API.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Page not found · GitHub</title></head><body>Not Found</body></html>")
			return
		}
		path, api = "/"+rest, FleetGHESAPI
		w.Header().Set("X-GitHub-Enterprise-Version", gitHubGHESVersion)
	}
	g := ghFleetAnswer{f: h.f, w: w, r: r, host: host, api: api}
	g.serve(path)
}

type ghFleetAnswer struct {
	f         *FleetServers
	w         http.ResponseWriter
	r         *http.Request
	host, api string
}

func (g ghFleetAnswer) serve(path string) {
	now := g.f.now().UTC()
	hdr := g.w.Header()
	hdr.Set("Date", now.Format(http.TimeFormat))
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("X-GitHub-Media-Type", "github.v3; format=json")
	hdr.Set("X-GitHub-Api-Version-Selected", gitHubAPIVersion)
	hdr.Set("X-GitHub-Request-Id", strings.ToUpper(randHex(4)+":"+randHex(3)+":"+randHex(4)+":"+randHex(4)+":"+strconv.FormatInt(now.Unix(), 16)))
	if g.r.Method != http.MethodGet {
		g.fail(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	token, authed := bearer(g.r.Header.Get("Authorization"))
	if authed && token != g.f.GitHubToken {
		g.fail(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return
	}
	if authed && g.host == gitHubDotComAPI && !g.rate(now) {
		g.fail(http.StatusForbidden, "API rate limit exceeded for user ID 583231. If you reach out to GitHub Support for help, please include the request ID "+hdr.Get("X-GitHub-Request-Id")+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "orgs" && parts[2] == "repos":
		g.list(g.f.gh.owners[g.host+"/"+strings.ToLower(parts[1])], true, authed)
	case len(parts) == 3 && parts[0] == "organizations" && parts[2] == "repos":
		g.list(g.ownerByID(parts[1], true), true, authed)
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "repos":
		g.list(g.f.gh.owners[g.host+"/"+strings.ToLower(parts[1])], false, authed)
	case len(parts) == 3 && parts[0] == "user" && parts[2] == "repos":
		g.list(g.ownerByID(parts[1], false), false, authed)
	case len(parts) == 3 && parts[0] == "repos":
		g.repository(parts[1], parts[2], authed)
	case len(parts) == 2 && parts[0] == "repositories":
		g.repositoryByID(parts[1], authed)
	default:
		g.fail(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	}
}

// rate counts an authenticated request against the primary limit and sets
// its headers; false when the limit is used up.
func (g ghFleetAnswer) rate(now time.Time) bool {
	gh := g.f.gh
	used := int(g.f.ghUsed.Add(1))
	ok := used <= gh.limit
	used = min(used, gh.limit)
	hdr := g.w.Header()
	hdr.Set("X-RateLimit-Limit", strconv.Itoa(gh.limit))
	hdr.Set("X-RateLimit-Remaining", strconv.Itoa(gh.limit-used))
	hdr.Set("X-RateLimit-Reset", strconv.FormatInt(gh.resetAt.Unix(), 10))
	hdr.Set("X-RateLimit-Used", strconv.Itoa(used))
	hdr.Set("X-RateLimit-Resource", "core")
	return ok
}

func (g ghFleetAnswer) ownerByID(id string, org bool) *ghOwnerData {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	for _, o := range g.f.gh.owners {
		if o.host == g.host && o.id == n && o.org == org {
			return o
		}
	}
	return nil
}

// list answers an owner's listing: for an organization, the repositories
// the token sees (type all, public or private; unauthenticated callers
// and tokens without access see public ones), newest first; for a user,
// the public ones by full name.
func (g ghFleetAnswer) list(o *ghOwnerData, org, authed bool) {
	doc := "https://docs.github.com/rest/repos/repos#list-organization-repositories"
	if !org {
		doc = "https://docs.github.com/rest/repos/repos#list-repositories-for-a-user"
	}
	if o == nil || o.org != org {
		// An organization's path for a user (or no one), and the reverse.
		g.fail(http.StatusNotFound, "Not Found", doc)
		return
	}
	q := g.r.URL.Query()
	typ := q.Get("type")
	var sel []int
	for _, i := range o.repos {
		r := g.f.gh.repos[i]
		visible := !r.private || (org && authed && r.visibleToToken)
		switch {
		case !visible:
		case typ == "public" && r.private, typ == "private" && !r.private:
		default:
			sel = append(sel, i)
		}
	}
	if org {
		sort.Slice(sel, func(a, b int) bool { return g.f.gh.repos[sel[a]].created.After(g.f.gh.repos[sel[b]].created) })
	} else {
		sort.Slice(sel, func(a, b int) bool {
			return strings.ToLower(g.f.gh.repos[sel[a]].name) < strings.ToLower(g.f.gh.repos[sel[b]].name)
		})
	}
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max((len(sel)+per-1)/per, 1)
	from, to := min((page-1)*per, len(sel)), min(page*per, len(sel))
	out := make([]map[string]any, 0, to-from)
	for _, i := range sel[from:to] {
		out = append(out, g.repoJSON(g.f.gh.repos[i]))
	}
	if last > 1 {
		// The Link header names id-based URLs, as GitHub's do (the
		// pagination guide's example pages repos/octocat/Spoon-Knife/issues
		// through repositories/1300192/issues).
		base := g.api + "/organizations/" + strconv.FormatInt(o.id, 10) + "/repos"
		if !org {
			base = g.api + "/user/" + strconv.FormatInt(o.id, 10) + "/repos"
		}
		link := func(p int, rel string) string {
			v := url.Values{}
			for k, vs := range q {
				v[k] = vs
			}
			v.Set("page", strconv.Itoa(p))
			return "<" + base + "?" + v.Encode() + `>; rel="` + rel + `"`
		}
		var links []string
		if page > 1 {
			links = append(links, link(page-1, "prev"))
		}
		if page < last {
			links = append(links, link(page+1, "next"), link(last, "last"))
		}
		if page > 1 {
			links = append(links, link(1, "first"))
		}
		g.w.Header().Set("Link", strings.Join(links, ", "))
	}
	g.write(http.StatusOK, out)
}

// repository answers "Get a repository".
func (g ghFleetAnswer) repository(owner, name string, authed bool) {
	const doc = "https://docs.github.com/rest/repos/repos#get-a-repository"
	key := g.host + "/" + strings.ToLower(owner+"/"+name)
	if i, ok := g.f.gh.former[key]; ok {
		r := g.f.gh.repos[i]
		if !r.private || (authed && r.visibleToToken) {
			loc := g.api + "/repositories/" + strconv.FormatInt(r.id, 10)
			g.w.Header().Set("Location", loc)
			g.write(http.StatusMovedPermanently, map[string]string{"message": "Moved Permanently", "url": loc, "documentation_url": "https://docs.github.com/v3/#http-redirects"})
			return
		}
	}
	i, ok := g.f.gh.byName[key]
	if !ok {
		g.fail(http.StatusNotFound, "Not Found", doc)
		return
	}
	g.answerRepo(g.f.gh.repos[i], authed, doc)
}

func (g ghFleetAnswer) repositoryByID(id string, authed bool) {
	const doc = "https://docs.github.com/rest"
	n, err := strconv.ParseInt(id, 10, 64)
	i, ok := g.f.gh.byID[n]
	if err != nil || !ok || g.f.gh.repos[i].host != g.host {
		g.fail(http.StatusNotFound, "Not Found", doc)
		return
	}
	g.answerRepo(g.f.gh.repos[i], authed, doc)
}

func (g ghFleetAnswer) answerRepo(r ghRepo, authed bool, doc string) {
	// GitHub does not reveal that a private repository exists.
	if r.private && !(authed && r.visibleToToken) {
		g.fail(http.StatusNotFound, "Not Found", doc)
		return
	}
	g.write(http.StatusOK, g.repoJSON(r))
}

// repoJSON is a repository as the listings and "Get a repository" show it
// (abridged to the fields of their example responses that matter here).
func (g ghFleetAnswer) repoJSON(r ghRepo) map[string]any {
	web := "https://github.com"
	if r.host == FleetGHESHost {
		web = "https://" + FleetGHESHost
	}
	ownerType := "User"
	if r.ownerIsOrg {
		ownerType = "Organization"
	}
	visibility := "public"
	if r.private {
		visibility = "private"
	}
	def := any(r.defaultBranch)
	return map[string]any{
		"id": r.id, "node_id": "R_kgDO" + strconv.FormatInt(r.id, 36), "name": r.name, "full_name": r.full(), "private": r.private,
		"owner": map[string]any{"login": r.owner, "id": r.ownerID, "type": ownerType, "site_admin": false,
			"url": g.api + "/users/" + r.owner, "html_url": web + "/" + r.owner},
		"html_url": web + "/" + r.full(), "description": nil, "fork": false, "url": g.api + "/repos/" + r.full(),
		"archived": r.archived, "disabled": r.disabled, "visibility": visibility, "default_branch": def,
		"created_at": r.created.Format(time.RFC3339), "updated_at": r.created.Add(24 * time.Hour).Format(time.RFC3339),
		"pushed_at":   r.created.Add(48 * time.Hour).Format(time.RFC3339),
		"permissions": map[string]bool{"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
	}
}

func (g ghFleetAnswer) fail(status int, message, doc string) {
	g.write(status, map[string]string{"message": message, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func (g ghFleetAnswer) write(status int, body any) {
	g.w.WriteHeader(status)
	_ = json.NewEncoder(g.w).Encode(body) // a failed write means the client left
}
