package sonar

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Server states reported by api/system/status.
const (
	StatusUp                 = "UP"
	StatusStarting           = "STARTING"
	StatusDown               = "DOWN"
	StatusRestarting         = "RESTARTING"
	StatusDBMigrationNeeded  = "DB_MIGRATION_NEEDED"
	StatusDBMigrationRunning = "DB_MIGRATION_RUNNING"
)

// DevOps Platform names, as SonarQube writes them.
const (
	AlmAzure          = "azure"
	AlmGitHub         = "github"
	AlmGitLab         = "gitlab"
	AlmBitbucket      = "bitbucket"
	AlmBitbucketCloud = "bitbucketcloud"
)

// AlmName is how SonarQube's UI names a DevOps Platform (AlmAzure...); an
// unknown name is returned as it is.
func AlmName(alm string) string {
	switch alm {
	case AlmAzure:
		return "Azure DevOps"
	case AlmGitHub:
		return "GitHub"
	case AlmGitLab:
		return "GitLab"
	case AlmBitbucket:
		return "Bitbucket Server"
	case AlmBitbucketCloud:
		return "Bitbucket Cloud"
	}
	return alm
}

// DevOpsSettingsPlace is where SonarQube's UI keeps the DevOps Platform
// configuration records.
const DevOpsSettingsPlace = "Administration > Configuration > General Settings > DevOps Platform Integrations"

// Global permission keys in api/users/current.
const (
	PermAdmin        = "admin"        // Administer System
	PermProvisioning = "provisioning" // Create Projects
	PermScan         = "scan"         // Execute Analysis
)

// Status is the answer of api/system/status. Version may be empty.
type Status struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Status  string `json:"status"`
}

// Status asks whether the server is up. It needs no authentication.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	return getJSON(ctx, c, "api/system/status", nil, decodeStatus)
}

// ServerVersion returns the plain-text answer of api/server/version, for
// when api/system/status carries no version.
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	resp, err := c.getOK(ctx, "api/server/version", nil, "text/plain")
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(resp.Body))
	if v == "" {
		return "", c.scrub(decodeError(resp, "expected a version number but got an empty body", nil))
	}
	if _, perr := ParseVersion(v); perr != nil {
		return "", c.scrub(decodeError(resp, "expected a version number but got "+describeBody(mediaType(resp), []byte(v)), perr))
	}
	return v, nil
}

// ValidateToken asks api/authentication/validate whether the request was
// authenticated. Beware: on a server with sonar.forceAuthentication=false it
// says true for anonymous callers too; confirm with CurrentUser.
func (c *Client) ValidateToken(ctx context.Context) (bool, error) {
	return getJSON(ctx, c, "api/authentication/validate", nil, decodeValidate)
}

// CurrentUser is the answer of api/users/current.
type CurrentUser struct {
	IsLoggedIn  bool        `json:"isLoggedIn"`
	Login       string      `json:"login"`
	Name        string      `json:"name"`
	Permissions Permissions `json:"permissions"`
	// TokenExpiration is when the token expires, from the header
	// SonarQube-Authentication-Token-Expiration; zero when the server sent
	// none (a token without expiry, or a version that does not send it) or
	// when the value could not be read (then TokenExpirationRaw holds it).
	TokenExpiration    time.Time `json:"-"`
	TokenExpirationRaw string    `json:"-"`
}

// Permissions lists a user's permission keys.
type Permissions struct {
	Global []string `json:"global"`
}

// HasGlobal reports whether the user holds global permission p (PermAdmin...).
func (u *CurrentUser) HasGlobal(p string) bool {
	for _, g := range u.Permissions.Global {
		if g == p {
			return true
		}
	}
	return false
}

// TokenExpirationHeader is the header SonarQube adds to authenticated
// answers when the token has an expiry date.
const TokenExpirationHeader = "SonarQube-Authentication-Token-Expiration"

// CurrentUser returns who the token authenticates as. IsLoggedIn false means
// the server treated the request as anonymous.
func (c *Client) CurrentUser(ctx context.Context) (*CurrentUser, error) {
	resp, err := c.getOK(ctx, "api/users/current", nil, "application/json")
	if err != nil {
		return nil, err
	}
	if err := expectJSON(resp); err != nil {
		return nil, c.scrub(err)
	}
	u, err := decodeCurrentUser(resp.Body)
	if err != nil {
		return nil, c.scrub(decodeError(resp, err.Error(), err))
	}
	if raw := strings.TrimSpace(resp.Header.Get(TokenExpirationHeader)); raw != "" {
		u.TokenExpirationRaw = raw
		u.TokenExpiration, _ = ParseTokenExpiration(raw)
	}
	return u, nil
}

// ParseTokenExpiration reads the SonarQube-Authentication-Token-Expiration
// header. SonarQube writes it with DateUtils.formatDateTime, the pattern
// yyyy-MM-dd'T'HH:mm:ssZ (e.g. 2025-06-30T00:00:00+0200); RFC 3339 and a
// bare date are accepted too.
func ParseTokenExpiration(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Setting reads one global setting through api/settings/values. set is false
// when the key is absent from the answer: SonarQube omits settings that have
// neither a value nor a default, and never shows values set only in
// sonar.properties or the environment.
func (c *Client) Setting(ctx context.Context, key string) (value string, set bool, err error) {
	s, err := getJSON(ctx, c, "api/settings/values", url.Values{"keys": {key}}, decodeSettings)
	if err != nil {
		return "", false, err
	}
	value, set = s.lookup(key)
	return value, set, nil
}

// Definitions is the answer of api/alm_settings/list_definitions: every
// DevOps Platform record, without its secrets (8.7+).
type Definitions struct {
	GitHub         []GitHubDefinition         `json:"github"`
	Azure          []Definition               `json:"azure"`
	Bitbucket      []Definition               `json:"bitbucket"`
	GitLab         []Definition               `json:"gitlab"`
	BitbucketCloud []BitbucketCloudDefinition `json:"bitbucketcloud"`
}

// Definition is an Azure DevOps, GitLab or Bitbucket Server record.
type Definition struct {
	Key string `json:"key"`
	URL string `json:"url"`
}

// GitHubDefinition is a GitHub record. ClientID may be empty on migrated data.
type GitHubDefinition struct {
	Key      string `json:"key"`
	URL      string `json:"url"`
	AppID    string `json:"appId"`
	ClientID string `json:"clientId"`
}

// BitbucketCloudDefinition is a Bitbucket Cloud record.
type BitbucketCloudDefinition struct {
	Key       string `json:"key"`
	Workspace string `json:"workspace"`
	ClientID  string `json:"clientId"`
}

// ListDefinitions lists every DevOps Platform record. It needs Administer
// System (403 Insufficient privileges otherwise).
func (c *Client) ListDefinitions(ctx context.Context) (*Definitions, error) {
	return getJSON(ctx, c, "api/alm_settings/list_definitions", nil, decodeDefinitions)
}

// AlmSetting is one entry of api/alm_settings/list.
type AlmSetting struct {
	Key string `json:"key"`
	Alm string `json:"alm"`
	URL string `json:"url"`
}

// ListForProject lists every record (not only those of the project: the
// parameter only selects the permission, ListAction.java). It needs
// Administer on the project.
func (c *Client) ListForProject(ctx context.Context, project string) ([]AlmSetting, error) {
	return getJSON(ctx, c, "api/alm_settings/list", url.Values{"project": {project}}, decodeAlmList)
}

// ListAll lists every record through api/alm_settings/list without a
// project, which needs only Create Projects (held by most users and by
// global analysis tokens).
func (c *Client) ListAll(ctx context.Context) ([]AlmSetting, error) {
	return getJSON(ctx, c, "api/alm_settings/list", nil, decodeAlmList)
}

// Binding is the answer of api/alm_settings/get_binding. For Azure DevOps,
// Slug is the Azure DevOps project and Repository the repository name; for
// GitHub, Repository is owner/repo. Optional booleans are nil when absent.
type Binding struct {
	Key                      string `json:"key"`
	Alm                      string `json:"alm"`
	Repository               string `json:"repository"`
	URL                      string `json:"url"`
	Slug                     string `json:"slug"`
	SummaryCommentEnabled    *bool  `json:"summaryCommentEnabled"`
	Monorepo                 bool   `json:"monorepo"`
	InlineAnnotationsEnabled *bool  `json:"inlineAnnotationsEnabled"` // Azure, 2025.1+
	RepositoryURL            string `json:"repositoryUrl"`            // GitHub/GitLab, 2025.6+
}

// Binding returns the project's DevOps Platform binding. It needs Browse on
// the project (10.1+) or Administer (9.9 and 10.0). A project without binding
// is a 404: see IsNotBound.
func (c *Client) Binding(ctx context.Context, project string) (*Binding, error) {
	return getJSON(ctx, c, "api/alm_settings/get_binding", url.Values{"project": {project}}, decodeBinding)
}

// ValidateSetting asks SonarQube to check the record key against its
// platform with the credentials it stores (for Azure DevOps, the PAT). It
// needs Administer System. nil means the platform accepted them (204); a
// refusal is a 400 whose message is SonarQube's only explanation.
func (c *Client) ValidateSetting(ctx context.Context, key string) error {
	resp, err := c.getOK(ctx, "api/alm_settings/validate", url.Values{"key": {key}}, "application/json")
	if err != nil {
		return err
	}
	// A 2xx with a page instead of 204's empty body is a proxy answering.
	if body := strings.TrimSpace(string(resp.Body)); body != "" && resp.Status != 204 && !isJSONMedia(mediaType(resp)) {
		return c.scrub(decodeError(resp, "expected no content but got "+describeBody(mediaType(resp), []byte(body)), nil))
	}
	return nil
}
