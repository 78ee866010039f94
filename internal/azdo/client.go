package azdo

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

// Git Repositories security namespace and the bits a pull-request
// decoration needs (namespace reference of Azure DevOps).
const (
	GitNamespace          = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"
	GenericContribute     = 4
	PullRequestContribute = 16384
)

// RepoToken is the Git namespace's security token of one repository.
func RepoToken(projectID, repoID string) string {
	return "repoV2/" + projectID + "/" + repoID
}

// API versions. Services take the newest GA version; Server takes 4.1,
// which TFS 2018 Update 2 and every Azure DevOps Server accept, because a
// newer version than the server knows is refused with a 400.
const (
	apiServices        = "7.1"
	apiServer          = "4.1"
	apiConnectionData  = "3.0-preview" // the version SonarQube itself sends
	defaultUserAgent   = "sonar-preflight"
	headerFedAuth      = "X-TFS-FedAuthRedirect"
	headerUserData     = "X-VSS-UserData"
	fedAuthSuppressVal = "Suppress"
)

// ErrServicesOnly is returned for APIs that Azure DevOps Server lacks.
var ErrServicesOnly = errors.New("azdo: this API exists only in Azure DevOps Services")

// Client calls one organization or collection with one PAT.
type Client struct {
	org       Org
	pat       secret.Secret
	hc        *http.Client
	userAgent string
	forms     []string
}

// Option tunes a Client.
type Option func(*Client)

// WithUserAgent sets the User-Agent of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// New returns a client for org. Requests go through hc (proxy, CA bundle,
// retries), but redirects are never followed whatever hc says: Azure DevOps
// redirects a refused credential to a sign-in page, and the credential must
// not travel there.
func New(org Org, pat secret.Secret, hc *http.Client, opts ...Option) *Client {
	var base http.Client
	if hc != nil {
		base = *hc
	}
	base.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	forms := secret.Forms(pat.Value())
	// Longest first, so that a form containing another is masked whole.
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	c := &Client{org: org, pat: pat, hc: &base, userAgent: defaultUserAgent, forms: forms}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Org returns the organization the client calls.
func (c *Client) Org() Org { return c.org }

func (c *Client) apiVersion() string {
	if c.org.Deployment == Server {
		return apiServer
	}
	return apiServices
}

// ConnectionData asks who the PAT authenticates as. An anonymous answer (an
// organization with public projects ignores a PAT it does not accept) is an
// error of Failure "anonymous".
func (c *Client) ConnectionData(ctx context.Context) (*ConnectionData, error) {
	resp, err := c.get(ctx, c.org.BaseURL+"/_apis/connectionData?api-version="+apiConnectionData)
	if err != nil {
		return nil, err
	}
	cd, err := decodeConnectionData(resp.Body)
	if err != nil {
		return nil, c.decodeError(resp, err)
	}
	cd.UserData = resp.Header.Get(headerUserData)
	if cd.Anonymous() {
		return nil, &Error{
			Failure: FailureAnonymous,
			Err:     resp.Err("the organization answered as the anonymous user (" + AnonymousUserID + "): the PAT was not accepted"),
		}
	}
	return cd, nil
}

// IsGlobalPAT reports whether the PAT is valid for all accessible
// organizations: only such a PAT can read connectionData on the global
// host. 401 and 403 mean the PAT is scoped to organizations; any other
// answer is an error, and the caller cannot tell.
func (c *Client) IsGlobalPAT(ctx context.Context) (bool, error) {
	resp, err := c.get(ctx, GlobalProbeURL)
	if err != nil {
		switch httpx.StatusOf(err) {
		case http.StatusUnauthorized, http.StatusForbidden:
			return false, nil
		}
		return false, err
	}
	cd, err := decodeConnectionData(resp.Body)
	if err != nil {
		return false, c.decodeError(resp, err)
	}
	return !cd.Anonymous(), nil
}

// Repository reads one repository by name or id. project is a name or id.
func (c *Client) Repository(ctx context.Context, project, repo string) (*Repository, error) {
	u := c.org.BaseURL + "/" + url.PathEscape(project) + "/_apis/git/repositories/" + url.PathEscape(repo) +
		"?api-version=" + c.apiVersion()
	resp, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	r, err := decodeRepository(resp.Body)
	if err != nil {
		return nil, c.decodeError(resp, err)
	}
	return r, nil
}

// Project reads one project by name or id (Core "Projects - Get"; scope
// vso.project or vso.profile). Its visibility tells whether Stakeholders
// have code access there.
func (c *Client) Project(ctx context.Context, project string) (*ProjectRef, error) {
	u := c.org.BaseURL + "/_apis/projects/" + url.PathEscape(project) + "?api-version=" + c.apiVersion()
	resp, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	p, err := decodeProject(resp.Body)
	if err != nil {
		return nil, c.decodeError(resp, err)
	}
	return p, nil
}

// HasPermissions evaluates whether the calling user holds all of bits on
// token in a security namespace. It reads the user's access control, not
// the PAT's scopes.
func (c *Client) HasPermissions(ctx context.Context, namespaceID string, bits int, token string) (bool, error) {
	u := c.org.BaseURL + "/_apis/permissions/" + url.PathEscape(namespaceID) + "/" + strconv.Itoa(bits) +
		"?tokens=" + url.QueryEscape(token) + "&alwaysAllowAdministrators=false&delimiter=%2C&api-version=" + c.apiVersion()
	resp, err := c.get(ctx, u)
	if err != nil {
		return false, err
	}
	v, err := decodePermissions(resp.Body)
	if err != nil {
		return false, c.decodeError(resp, err)
	}
	return v[0], nil
}

// Entitlement reads a user's access level (Services only). userID is
// ConnectionData.AuthenticatedUser.ID.
func (c *Client) Entitlement(ctx context.Context, userID string) (*Entitlement, error) {
	base := c.org.EntitlementBaseURL()
	if base == "" {
		return nil, ErrServicesOnly
	}
	resp, err := c.get(ctx, base+"/_apis/userentitlements/"+url.PathEscape(userID)+"?api-version="+apiServices)
	if err != nil {
		return nil, err
	}
	e, err := decodeEntitlement(resp.Body)
	if err != nil {
		return nil, c.decodeError(resp, err)
	}
	return e, nil
}

// get sends one GET and returns the response only when it is a success
// with a JSON body; anything else is an *Error.
func (c *Client) get(ctx context.Context, rawURL string) (*httpx.Response, error) {
	return c.getCapped(ctx, rawURL, 0)
}

// getCapped is get with a body cap of its own (0: httpx.DefaultMaxBody), for
// listings larger than the default cap.
func (c *Client) getCapped(ctx context.Context, rawURL string, maxBody int64) (*httpx.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &Error{Failure: FailureOther, Err: err}
	}
	if !c.pat.Empty() {
		// The user name may be empty; Azure DevOps reads only the password.
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(":"+c.pat.Value())))
	}
	// Without it a refused credential is answered with a sign-in page.
	req.Header.Set(headerFedAuth, fedAuthSuppressVal)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := httpx.Fetch(ctx, c.hc, req, maxBody)
	if err != nil {
		return nil, &Error{Failure: FailureOther, Err: err}
	}
	if resp.Status < 200 || resp.Status > 299 || resp.Status == http.StatusNonAuthoritativeInfo {
		return nil, failureOf(resp, c.scrub)
	}
	if isHTML(mediaType(resp.Header.Get("Content-Type")), resp.Body) {
		return nil, failureOf(resp, c.scrub)
	}
	return resp, nil
}

func (c *Client) decodeError(resp *httpx.Response, err error) error {
	he := resp.Err(c.scrub("unexpected answer: " + err.Error()))
	he.Kind = httpx.KindDecode
	return &Error{Failure: FailureOther, Err: he}
}

// scrub removes the PAT in any of its forms from text the server sent.
func (c *Client) scrub(s string) string {
	for _, f := range c.forms {
		s = strings.ReplaceAll(s, f, secret.Mask)
	}
	return s
}
