package sonar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sonar-preflight/internal/httpx"
)

// This file holds the listings a fleet audit reads: every project, every
// binding, every record, a page at a time.

// MaxProjectsPageSize is the largest page api/projects/search serves
// (ProjectsWsParameters.MAX_PAGE_SIZE).
const MaxProjectsPageSize = 500

// MaxBindingsPageSize is the largest page of the v2 project-bindings search
// (RestPage: @Max(500)).
const MaxBindingsPageSize = 500

// Paging is SonarQube's paging block: 1-based page index, page size, and
// the total number of results of the whole query.
type Paging struct {
	PageIndex int `json:"pageIndex"`
	PageSize  int `json:"pageSize"`
	Total     int `json:"total"`
}

// Pages is how many pages of Paging.PageSize hold Total results.
func (p Paging) Pages() int {
	if p.PageSize <= 0 || p.Total <= 0 {
		return 0
	}
	return p.Total/p.PageSize + min(p.Total%p.PageSize, 1) // no overflow near MaxInt
}

// Project is one entry of api/projects/search. LastAnalysisDate is empty for
// a project never analysed; since 9.1 it covers every branch and pull
// request, not only the main branch.
type Project struct {
	Key              string `json:"key"`
	Name             string `json:"name"`
	Qualifier        string `json:"qualifier"`
	Visibility       string `json:"visibility"`
	LastAnalysisDate string `json:"lastAnalysisDate"`
	Revision         string `json:"revision"`
	Managed          *bool  `json:"managed"`     // 10.2+
	ProjectUUID      string `json:"projectUuid"` // newest versions
}

// ProjectsPage is one page of api/projects/search.
type ProjectsPage struct {
	Paging     Paging    `json:"paging"`
	Components []Project `json:"components"`
}

// SearchProjects reads one page (1-based) of the server's projects
// (qualifier TRK), ordered by name. It needs Administer System. The listing
// is read from the database, so it has no 10,000-result cap; pageSize is at
// most MaxProjectsPageSize.
func (c *Client) SearchProjects(ctx context.Context, page, pageSize int) (*ProjectsPage, error) {
	q := url.Values{"p": {strconv.Itoa(page)}, "ps": {strconv.Itoa(pageSize)}, "qualifiers": {"TRK"}}
	return getJSON(ctx, c, "api/projects/search", q, decodeProjectsPage)
}

func decodeProjectsPage(body []byte) (*ProjectsPage, error) {
	var p struct {
		Paging     *Paging   `json:"paging"`
		Components []Project `json:"components"`
	}
	if err := unmarshal(body, &p); err != nil {
		return nil, err
	}
	if p.Paging == nil {
		return nil, errMissing("paging")
	}
	if p.Components == nil {
		return nil, errMissing("components")
	}
	for _, c := range p.Components {
		if c.Key == "" {
			return nil, errMissing("key")
		}
	}
	return &ProjectsPage{Paging: *p.Paging, Components: p.Components}, nil
}

// ProjectBinding is one entry of the v2 project-bindings search. It carries
// neither the platform nor the monorepo flag: the platform comes from the
// record (DopSetting), the flag only from get_binding.
type ProjectBinding struct {
	ID                      string `json:"id"`
	DevOpsPlatformSettingID string `json:"devOpsPlatformSettingId"`
	ProjectID               string `json:"projectId"`
	ProjectKey              string `json:"projectKey"`
	Repository              string `json:"repository"` // Azure: repository name; GitHub: owner/repo
	Slug                    string `json:"slug"`       // Azure: the Azure DevOps project
}

// ProjectBindingsPage is one page of the v2 project-bindings search.
type ProjectBindingsPage struct {
	ProjectBindings []ProjectBinding `json:"projectBindings"`
	Page            Paging           `json:"page"`
}

// BindingsQuery filters the v2 project-bindings search. Repository matches
// the repository name or the slug, exactly but ignoring case (SonarQube's
// ProjectAlmSettingMapper), so callers must compare the answer themselves.
type BindingsQuery struct {
	Repository   string
	DopSettingID string
	PageIndex    int // 1-based; 0 means 1
	PageSize     int // at most MaxBindingsPageSize; 0 means 50
}

// ProjectBindings reads one page of GET /api/v2/dop-translation/project-bindings
// (SonarQube 10.x and later; Create Projects). Ordered by repository, then
// binding id. A server without this API answers 404: see IsUnavailable.
func (c *Client) ProjectBindings(ctx context.Context, q BindingsQuery) (*ProjectBindingsPage, error) {
	v := url.Values{}
	if q.Repository != "" {
		v.Set("repository", q.Repository)
	}
	if q.DopSettingID != "" {
		v.Set("dopSettingId", q.DopSettingID)
	}
	if q.PageIndex > 0 {
		v.Set("pageIndex", strconv.Itoa(q.PageIndex))
	}
	if q.PageSize > 0 {
		v.Set("pageSize", strconv.Itoa(q.PageSize))
	}
	return getV2(ctx, c, "api/v2/dop-translation/project-bindings", v, decodeProjectBindings)
}

func decodeProjectBindings(b []byte) (*ProjectBindingsPage, error) {
	var p struct {
		ProjectBindings []ProjectBinding `json:"projectBindings"`
		Page            *Paging          `json:"page"`
	}
	if err := unmarshal(b, &p); err != nil {
		return nil, err
	}
	if p.Page == nil {
		return nil, errMissing("page")
	}
	if p.ProjectBindings == nil {
		return nil, errMissing("projectBindings")
	}
	for _, pb := range p.ProjectBindings {
		if pb.ProjectKey == "" {
			return nil, errMissing("projectKey")
		}
	}
	return &ProjectBindingsPage{ProjectBindings: p.ProjectBindings, Page: *p.Page}, nil
}

// DopSetting is a record as the v2 API shows it, with the id bindings refer
// to. Type is github, gitlab, azure_devops, bitbucket_cloud or
// bitbucket_server.
type DopSetting struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Key   string `json:"key"`
	URL   string `json:"url"`
	AppID string `json:"appId"`
}

// Alm maps the v2 type to the name the v1 web services use (AlmAzure...).
func (d DopSetting) Alm() string {
	switch d.Type {
	case "azure_devops":
		return AlmAzure
	case "bitbucket_cloud":
		return AlmBitbucketCloud
	case "bitbucket_server":
		return AlmBitbucket
	}
	return d.Type
}

// DopSettings lists every record with its id: GET
// /api/v2/dop-translation/dop-settings (10.x and later; Create Projects).
func (c *Client) DopSettings(ctx context.Context) ([]DopSetting, error) {
	return getV2(ctx, c, "api/v2/dop-translation/dop-settings", nil, decodeDopSettings)
}

func decodeDopSettings(b []byte) ([]DopSetting, error) {
	var p struct {
		DopSettings []DopSetting `json:"dopSettings"`
	}
	if err := unmarshal(b, &p); err != nil {
		return nil, err
	}
	if p.DopSettings == nil {
		return nil, errMissing("dopSettings")
	}
	return p.DopSettings, nil
}

// getV2 is getJSON for the v2 API, whose errors are {"message": "..."}
// (RestError) instead of {"errors":[{"msg": ...}]}.
func getV2[T any](ctx context.Context, c *Client, path string, q url.Values, decode func([]byte) (T, error)) (T, error) {
	var zero T
	resp, err := c.get(ctx, path, q, "application/json")
	if err != nil {
		return zero, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		if resp.Status >= 300 && resp.Status < 400 {
			return zero, c.checkStatus(resp)
		}
		msg := errorMessage(resp)
		if msg == "" {
			var re struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(resp.Body, &re) == nil {
				msg = strings.TrimSpace(re.Message)
			}
		}
		return zero, c.scrub(resp.Err(msg))
	}
	return decodeJSON(c, resp, decode)
}

// IsUnavailable reports a 404 for a whole API: a server that predates it
// ("Unknown url : ..." on 9.x, a bare 404 where the v2 API exists without
// this endpoint). A 404 naming a project or record does not count.
func IsUnavailable(err error) bool {
	he, ok := statusError(err, http.StatusNotFound)
	if !ok {
		return false
	}
	return !IsProjectNotFound(err) && !strings.Contains(he.Message, "cannot be found")
}

// IsServerError reports SonarQube's generic 500 ("An error has occurred.
// Please contact your administrator"); get_binding answers it when the
// binding's record is gone.
func IsServerError(err error) bool {
	var he *httpx.Error
	return errors.As(err, &he) && he.Kind == httpx.KindStatus && he.Status == http.StatusInternalServerError
}
