package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v60/github"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

// Client asks one GitHub what a token can see.
type Client struct {
	gh   *gogithub.Client
	host Host
}

// Repo is what GitHub says about a repository and the token that asked.
type Repo struct {
	FullName string // canonical "owner/repo", as GitHub spells it
	Private  bool
	// Owner is the owner's login; OwnerType is "Organization" or "User".
	Owner, OwnerType string
	// DefaultBranch is default_branch: the branch pull requests target
	// unless they say otherwise (main).
	DefaultBranch string
	// Permissions are the token owner's (admin, maintain, push, triage,
	// pull); GitHub omits them for some token kinds, so nil means unknown.
	Permissions map[string]bool
	// TokenExpiration is GitHub-Authentication-Token-Expiration; zero when
	// the token does not expire or GitHub did not say.
	TokenExpiration time.Time
	// RateRemaining is X-RateLimit-Remaining, or -1 when absent.
	RateRemaining int
}

// New returns a client for h that authenticates with token and sends every
// request through hc, so that the run's proxy, CA bundle and resolve map
// apply.
func New(h Host, token secret.Secret, hc *http.Client) (*Client, error) {
	if hc == nil {
		return nil, errors.New("github: no HTTP client")
	}
	if token.Empty() {
		return nil, errors.New("github: no token")
	}
	base, err := url.Parse(h.APIURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("github: API URL %q is not an absolute http(s) URL", h.APIURL)
	}
	gh := gogithub.NewClient(hc).WithAuthToken(token.Value())
	if h.Enterprise {
		// Uploads are never used; the upload URL only has to parse.
		upload := base.Scheme + "://" + base.Host + "/api/uploads/"
		if gh, err = gh.WithEnterpriseURLs(base.String(), upload); err != nil {
			return nil, fmt.Errorf("github: API URL %s: %w", httpx.RedactURL(base), err)
		}
	} else {
		if !strings.HasSuffix(base.Path, "/") {
			base.Path += "/"
		}
		gh.BaseURL = base
	}
	return &Client{gh: gh, host: h}, nil
}

// Repository fetches owner/repo (GET /repos/{owner}/{repo}). A refusal is an
// *Error naming the Failure.
func (c *Client) Repository(ctx context.Context, owner, repo string) (*Repo, error) {
	if !validOwner(owner) || !validRepo(repo) {
		return nil, fmt.Errorf("github: %q: %w", truncate(owner+"/"+repo, 120), ErrRepoName)
	}
	endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: "repos/" + owner + "/" + repo})
	r, resp, err := c.gh.Repositories.Get(ctx, owner, repo)
	if err != nil {
		return nil, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
	}
	out := &Repo{
		FullName:      r.GetFullName(),
		Private:       r.GetPrivate(),
		Owner:         r.GetOwner().GetLogin(),
		OwnerType:     r.GetOwner().GetType(),
		DefaultBranch: r.GetDefaultBranch(),
		Permissions:   r.GetPermissions(),
		RateRemaining: -1,
	}
	if resp != nil {
		out.TokenExpiration = resp.TokenExpiration.Time
		if resp.Header.Get("X-RateLimit-Remaining") != "" {
			out.RateRemaining = resp.Rate.Remaining
		}
	}
	return out, nil
}

// SetUserAgent names the program in each request's User-Agent (GitHub asks
// for "the name of your application"); call it before the client is used.
func (c *Client) SetUserAgent(ua string) {
	if ua != "" {
		c.gh.UserAgent = ua
	}
}

// Host returns the host the client talks to.
func (c *Client) Host() Host { return c.host }

// Installation is a GitHub App installed on an account.
type Installation struct {
	ID      int64
	AppID   int64
	AppSlug string
	Account string // the login it is installed on
	// RepositorySelection is "all" or "selected".
	RepositorySelection string
	Suspended           bool
}

// maxInstallationPages bounds the listing: 100 per page, 1,000 in all.
const maxInstallationPages = 10

// OrgInstallations lists the GitHub Apps installed on organization org
// (GET /orgs/{org}/installations, "List app installations for an
// organization": an organization owner's token; classic tokens need
// admin:read, fine-grained ones Administration: read). A refusal is an
// *Error naming the Failure. complete is false when the listing stopped at
// the page bound.
func (c *Client) OrgInstallations(ctx context.Context, org string) (list []Installation, complete bool, err error) {
	if !validOwner(org) {
		return nil, false, fmt.Errorf("github: %q: %w", truncate(org, 120), ErrRepoName)
	}
	opts := &gogithub.ListOptions{PerPage: 100}
	for page := 1; page <= maxInstallationPages; page++ {
		opts.Page = page
		endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: "orgs/" + org + "/installations"})
		res, resp, err := c.gh.Organizations.ListInstallations(ctx, org, opts)
		if err != nil {
			return nil, false, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
		}
		for _, in := range res.Installations {
			list = append(list, Installation{
				ID: in.GetID(), AppID: in.GetAppID(), AppSlug: in.GetAppSlug(),
				Account: in.GetAccount().GetLogin(), RepositorySelection: in.GetRepositorySelection(),
				Suspended: in.SuspendedAt != nil,
			})
		}
		if resp == nil || resp.NextPage == 0 {
			return list, true, nil
		}
	}
	return list, false, nil
}
