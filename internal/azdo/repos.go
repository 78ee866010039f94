package azdo

import (
	"context"
	"encoding/json"
	"errors"
)

// MaxListingBody caps an organization's repository listing: about 400
// bytes a repository, so some 150,000 repositories. The HTTP client's own
// cap (httpx.Options.MaxBody) must be at least as large.
const MaxListingBody = 64 << 20

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
