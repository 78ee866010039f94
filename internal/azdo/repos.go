package azdo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"sonar-preflight/internal/httpx"
)

// MaxListingBody caps an organization's repository listing: about 400
// bytes a repository, so some 150,000 repositories. The HTTP client's own
// cap (httpx.Options.MaxBody) must be at least as large.
const MaxListingBody = 64 << 20

// getCapped is get with a body cap of its own, for listings larger than
// the default cap.
func (c *Client) getCapped(ctx context.Context, rawURL string, maxBody int64) (*httpx.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &Error{Failure: FailureOther, Err: err}
	}
	if !c.pat.Empty() {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(":"+c.pat.Value())))
	}
	req.Header.Set(headerFedAuth, fedAuthSuppressVal)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := httpx.Fetch(ctx, c.hc, req, maxBody)
	if err != nil {
		return nil, &Error{Failure: FailureOther, Err: err}
	}
	if resp.Status < 200 || resp.Status > 299 || resp.Status == http.StatusNonAuthoritativeInfo ||
		isHTML(mediaType(resp.Header.Get("Content-Type")), resp.Body) {
		return nil, failureOf(resp, c.scrub)
	}
	return resp, nil
}

// Repositories lists every Git repository of the organization or collection
// that the PAT's user can see, in one request: GET
// {org}/_apis/git/repositories (Microsoft's "Repositories - List", project
// omitted). The listing has no paging. Repositories hidden from the user by
// project or repository permissions are simply absent, so an absence cannot
// tell a deleted repository from an invisible one.
func (c *Client) Repositories(ctx context.Context) ([]Repository, error) {
	resp, err := c.getCapped(ctx, c.org.BaseURL+"/_apis/git/repositories?api-version="+c.apiVersion(), MaxListingBody)
	if err != nil {
		return nil, err
	}
	repos, err := decodeRepositories(resp.Body)
	if err != nil {
		return nil, c.decodeError(resp, err)
	}
	return repos, nil
}

// decodeRepositories reads {"count":N,"value":[GitRepository...]}.
func decodeRepositories(b []byte) ([]Repository, error) {
	var w struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.Value == nil {
		return nil, errors.New("repository listing without value")
	}
	out := make([]Repository, 0, len(w.Value))
	for _, raw := range w.Value {
		r, err := decodeRepository(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}
