package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	gogithub "github.com/google/go-github/v60/github"

	"sonar-preflight/internal/httpx"
)

// ListedRepo is a repository as GitHub's repository listings and "Get a
// repository" describe it (docs.github.com/rest/repos/repos): the fields the
// fleet audit judges a binding by.
type ListedRepo struct {
	// ID is GitHub's id: it stays when the repository is renamed or
	// transferred, the name does not.
	ID       int64
	Name     string // as GitHub spells it
	FullName string // "owner/name"
	Owner    string // the owner's login
	// DefaultBranch is default_branch ("main"); "" for an empty repository.
	DefaultBranch string
	// Visibility is "public", "private" or "internal" (GitHub Enterprise);
	// "" when GitHub did not say, then Private tells.
	Visibility string
	Private    bool
	// Archived: read-only; no pushes, no new pull requests or comments.
	Archived bool
	// Disabled: GitHub disabled the repository (disabled in the REST
	// schema): nobody can use it.
	Disabled bool
}

// Public reports whether anyone may see the repository.
func (r ListedRepo) Public() bool {
	if r.Visibility != "" {
		return strings.EqualFold(r.Visibility, "public")
	}
	return !r.Private
}

func listed(r *gogithub.Repository) ListedRepo {
	return ListedRepo{
		ID: r.GetID(), Name: r.GetName(), FullName: r.GetFullName(), Owner: r.GetOwner().GetLogin(),
		DefaultBranch: r.GetDefaultBranch(), Visibility: r.GetVisibility(), Private: r.GetPrivate(),
		Archived: r.GetArchived(), Disabled: r.GetDisabled(),
	}
}

// Owner kinds of an OwnerListing.
const (
	OwnerOrganization = "organization"
	OwnerUser         = "user"
)

// OwnerListing is every repository of one owner that the token sees, read
// through one paged listing.
type OwnerListing struct {
	Owner string
	// Kind is OwnerOrganization (GET /orgs/{org}/repos answered) or
	// OwnerUser (it answered 404 and GET /users/{user}/repos answered).
	Kind string
	// Endpoint is the listing as read, e.g. "GET /orgs/contoso/repos".
	Endpoint string
	Repos    []ListedRepo
	Pages    int
	// Truncated: the listing has more pages than MaxOwnerPages.
	Truncated bool
	// PublicOnly: GitHub lists only public repositories here ("List
	// repositories for a user": "Lists public repositories for the
	// specified user"); private ones must be asked for one by one.
	PublicOnly bool
	// SSOPartial is the organizations of X-GitHub-SSO: partial-results,
	// whose repositories GitHub left out because the token is not
	// authorized for their SAML single sign-on ("" when none).
	SSOPartial string
}

// SeesPrivate reports whether the listing holds a repository that is not
// public: evidence that the token reads the owner's private repositories.
func (l *OwnerListing) SeesPrivate() bool {
	for _, r := range l.Repos {
		if !r.Public() {
			return true
		}
	}
	return false
}

// MaxOwnerPages bounds one owner's listing: 1,000 pages of 100.
const MaxOwnerPages = 1000

// perPage is the largest page the repository listings serve ("The number
// of results per page (max 100)").
const perPage = 100

// OwnerRepositories lists owner's repositories: GET /orgs/{owner}/repos
// with type=all (every repository the token can see in the organization),
// and when that answers 404 (the owner is a user, or does not exist) GET
// /users/{owner}/repos with type=owner. Pages are read one after another,
// as the Link header's rel="next" says (GitHub asks for serial requests to
// stay under its secondary rate limits), up to MaxOwnerPages. An owner
// that neither listing knows is an *Error with FailureNotFound.
func (c *Client) OwnerRepositories(ctx context.Context, owner string) (*OwnerListing, error) {
	if !validOwner(owner) {
		return nil, fmt.Errorf("github: %q: %w", truncate(owner, 120), ErrRepoName)
	}
	l, err := c.pagedListing(ctx, owner, OwnerOrganization)
	if Classify(err) != FailureNotFound {
		return l, err
	}
	return c.pagedListing(ctx, owner, OwnerUser)
}

func (c *Client) pagedListing(ctx context.Context, owner, kind string) (*OwnerListing, error) {
	path := "orgs/" + owner + "/repos"
	if kind == OwnerUser {
		path = "users/" + owner + "/repos"
	}
	l := &OwnerListing{Owner: owner, Kind: kind, Endpoint: "GET /" + path, PublicOnly: kind == OwnerUser}
	for page := 1; ; {
		var list []*gogithub.Repository
		var resp *gogithub.Response
		var err error
		if kind == OwnerOrganization {
			list, resp, err = c.gh.Repositories.ListByOrg(ctx, owner, &gogithub.RepositoryListByOrgOptions{
				Type: "all", ListOptions: gogithub.ListOptions{PerPage: perPage, Page: page}})
		} else {
			list, resp, err = c.gh.Repositories.ListByUser(ctx, owner, &gogithub.RepositoryListByUserOptions{
				Type: "owner", ListOptions: gogithub.ListOptions{PerPage: perPage, Page: page}})
		}
		if err != nil {
			q := url.Values{"type": {"all"}, "per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
			if kind == OwnerUser {
				q.Set("type", "owner")
			}
			endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: path, RawQuery: q.Encode()})
			return nil, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
		}
		l.Pages++
		for _, r := range list {
			if r != nil {
				l.Repos = append(l.Repos, listed(r))
			}
		}
		if v := strings.TrimSpace(resp.Header.Get("X-GitHub-SSO")); strings.HasPrefix(strings.ToLower(v), "partial-results") {
			_, orgs, _ := strings.Cut(v, "organizations=")
			l.SSOPartial = strings.TrimSpace(orgs)
			if l.SSOPartial == "" {
				l.SSOPartial = "?"
			}
		}
		// A next page that does not move forward would loop: the listing
		// ends there, as it does at the bound.
		if resp.NextPage <= page {
			return l, nil
		}
		if l.Pages >= MaxOwnerPages {
			l.Truncated = true
			return l, nil
		}
		page = resp.NextPage
	}
}

// Lookup reads one repository (GET /repos/{owner}/{repo}, "Get a
// repository"). GitHub answers a renamed or transferred repository with
// 301 Moved Permanently to its new place, which this client does not
// follow: that is an *Error with FailureMoved and its Location, for
// MovedTo.
func (c *Client) Lookup(ctx context.Context, owner, repo string) (*ListedRepo, error) {
	if !validOwner(owner) || !validRepo(repo) {
		return nil, fmt.Errorf("github: %q: %w", truncate(owner+"/"+repo, 120), ErrRepoName)
	}
	endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: "repos/" + owner + "/" + repo})
	r, resp, err := c.gh.Repositories.Get(ctx, owner, repo)
	if err != nil {
		return nil, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
	}
	out := listed(r)
	return &out, nil
}

// ErrNotMovedHere is returned by MovedTo for a Location that is not a
// repository of this client's GitHub.
var ErrNotMovedHere = errors.New("the redirect does not name a repository of this GitHub")

// MovedTo reads the repository a 301 of Lookup points to. GitHub's Location
// is {api}/repositories/{id} (its best practices: "A 301 status code
// indicates permanent redirection. You should repeat your request to the
// URL specified by the location header"); the id is read from it and asked
// for here (GET /repositories/{id}), so a Location elsewhere is never
// requested.
func (c *Client) MovedTo(ctx context.Context, location string) (*ListedRepo, error) {
	id, ok := c.movedID(location)
	if !ok {
		return nil, ErrNotMovedHere
	}
	endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: "repositories/" + strconv.FormatInt(id, 10)})
	r, resp, err := c.gh.Repositories.GetByID(ctx, id)
	if err != nil {
		return nil, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
	}
	out := listed(r)
	return &out, nil
}

// MovedID is the repository id a Lookup's 301 Location names, when it is a
// repository of this client's GitHub.
func (c *Client) MovedID(location string) (int64, bool) { return c.movedID(location) }

func (c *Client) movedID(location string) (int64, bool) {
	loc, err := url.Parse(strings.TrimSpace(location))
	if err != nil {
		return 0, false
	}
	base := c.gh.BaseURL
	loc = base.ResolveReference(loc)
	if !strings.EqualFold(loc.Scheme, base.Scheme) || !strings.EqualFold(loc.Host, base.Host) {
		return 0, false
	}
	rest, ok := strings.CutPrefix(loc.EscapedPath(), base.EscapedPath())
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutPrefix(rest, "repositories/")
	if !ok || digits == "" || len(digits) > 18 || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, err == nil && id > 0
}
