package simulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultSonarVersion is what a Sonar without Version reports.
const DefaultSonarVersion = "10.7.0.96327"

// Sonar describes the simulated SonarQube. Scenarios start from
// HealthySonar() and change what they test. Zero values of the scalar knobs
// mean the healthy default (Version "" is DefaultSonarVersion, Status "" is
// UP, authentication forced, the user token an administrator). A Sonar that
// is entirely zero (a scenario about another service) serves HealthySonar().
type Sonar struct {
	ContextPath string // "/sonarqube": the server answers only under it
	Version     string // drives version quirks (Bearer from 10.0, get_binding permission, 2025.1 fields)
	Status      string // api/system/status: UP, STARTING, DOWN, RESTARTING, DB_MIGRATION_NEEDED, DB_MIGRATION_RUNNING

	// ForceAuthenticationOff is sonar.forceAuthentication=false: anonymous
	// callers get past the session filter.
	ForceAuthenticationOff bool
	// AuthorizationStripped is a reverse proxy that drops the Authorization
	// header, so every request reaches SonarQube anonymous.
	AuthorizationStripped bool
	// TokenRejected makes the user token unknown to the server (revoked,
	// expired, mistyped): validate says false, other /api calls 401.
	TokenRejected bool
	// UserNotAdmin withholds Administer System from the user token (the
	// admin token always has it).
	UserNotAdmin bool
	// UserIsProjectAdmin grants the user token Administer on the project
	// (a system administrator has it anyway, through the default template).
	UserIsProjectAdmin bool
	// TokenExpiresIn, if not zero, is when the user token expires, counted
	// from each request on the simulator's clock; authenticated answers then carry the
	// SonarQube-Authentication-Token-Expiration header. Negative means
	// already expired, which SonarQube treats as an unknown token.
	TokenExpiresIn time.Duration

	// TokenKind is the kind of the main token (Servers.Token gets its
	// prefix): "" a user token (squ_), "global-analysis" (sqa_) or
	// "project-analysis" (sqp_), whose permissions TokenUserSession cuts
	// down whatever the user may do.
	TokenKind string

	// Edition is what api/navigation/global names: "" is "developer" (the
	// healthy default, which analyses pull requests), "community",
	// "enterprise", "datacenter", or "none" (the edition provider says
	// nothing and the field is absent).
	Edition string
	// BranchPlugin: a third-party plugin adds branch-support to a
	// Community server (its feature carries the name the UI looks for).
	BranchPlugin bool
	// InternalAPIsBlocked is a reverse proxy that lets SonarQube's
	// documented web services through but refuses the internal ones the UI
	// uses (api/navigation/*, api/features/*) with its own 403 page.
	InternalAPIsBlocked bool

	// BaseURL is sonar.core.serverBaseURL set in the UI (the database
	// layer, which api/settings/values shows); "" is unset. "{{sonar}}" is
	// replaced by the simulator's own URL.
	BaseURL string
	// SystemBaseURL is sonar.core.serverBaseURL given in sonar.properties,
	// the environment (SONAR_CORE_SERVERBASEURL) or -D: the system layer,
	// which overrides the UI's value and only api/system/info shows
	// (ThreadLocalSettings: system settings have precedence). "{{sonar}}"
	// is replaced as in BaseURL.
	SystemBaseURL string

	AzureRecords  []SonarAlmRecord
	GitHubRecords []SonarAlmRecord
	// Binding is the project's binding; nil is "not bound".
	Binding *SonarBinding
	// LegacyNotBoundWording answers "is not bound to any ALM" (the 9.x
	// wording) instead of "... any DevOps Platform".
	LegacyNotBoundWording bool
	// ProjectMissing makes the project key unknown to the server.
	ProjectMissing bool
	// ValidationError maps record keys to the 400 message of
	// alm_settings/validate; it wins over a record's own ValidationError.
	ValidationError map[string]string
	// DanglingBinding is a binding whose record was deleted: get_binding
	// fails with SonarQube's generic 500.
	DanglingBinding bool
	// SharedBindings are other projects bound to repositories (see
	// sonar_v2.go): the v2 listing and get_binding answer for them.
	SharedBindings []SonarSharedBinding

	// HTMLInsteadOfJSON puts a reverse proxy's sign-in page (200 text/html)
	// in front of every /api call.
	HTMLInsteadOfJSON bool

	// Branches are the project's branches (api/project_branches/list);
	// nil is the main branch "main", analysed. See sonar_branches.go.
	Branches []SonarBranch
}

// SonarAlmRecord is a DevOps Platform configuration record.
type SonarAlmRecord struct {
	Key string
	// URL is the record's URL as stored; "" for an Azure DevOps record made
	// before SonarQube 8.6, which had none.
	URL      string
	AppID    string // GitHub
	ClientID string // GitHub
	// ValidationError is what alm_settings/validate answers with 400 once
	// SonarQube's own handling of the record (see validateSetting) let the
	// call reach the platform; "" is 204.
	ValidationError string
}

// SonarBinding is a project's DevOps Platform binding. For Azure DevOps,
// Slug is the Azure DevOps project and Repository the repository name.
type SonarBinding struct {
	Key                      string
	Alm                      string // "" is "azure"
	Repository               string
	Slug                     string
	URL                      string // "" takes the record's URL
	Monorepo                 bool
	SummaryCommentEnabled    *bool // GitHub/GitLab; nil is true
	InlineAnnotationsEnabled *bool // Azure, 2025.1+; nil is true (as the 2025.1 migration sets existing bindings)
}

// HealthySonar is a SonarQube ready for Azure DevOps pull-request analysis
// of the default organization, project and repository.
func HealthySonar() Sonar {
	return Sonar{
		Version: DefaultSonarVersion,
		Status:  "UP",
		Edition: "developer",
		BaseURL: "https://" + SonarHost,
		AzureRecords: []SonarAlmRecord{
			{Key: defaultAlmKey, URL: defaultOrgURL},
		},
		Binding: &SonarBinding{Key: defaultAlmKey, Alm: "azure", Slug: defaultProject, Repository: defaultRepo},
	}
}

// SonarQube's fixed answers.
const (
	msgInsufficientPrivileges = "Insufficient privileges"
	msgGenericError           = "An error has occurred. Please contact your administrator"
)

// skippedURLs never get a user session, so a bad token is ignored there
// (UserSessionInitializer.SKIPPED_URLS).
var skippedURLs = map[string]bool{
	"/api/system/status": true, "/api/server/version": true,
	"/api/system/db_migration_status": true, "/api/system/migrate_db": true,
	"/api/authentication/validate": true, "/api/authentication/login": true, "/api/authentication/logout": true,
	"/api/users/identity_providers": true, "/api/l10n/index": true,
	"/api/project_badges/measure": true, "/api/project_badges/quality_gate": true,
	"/api/settings/login_message": true,
}

type sonarSim struct {
	cfg Sonar
	s   *Servers
}

func newSonarHandler(cfg Sonar, s *Servers) http.Handler {
	if reflect.ValueOf(cfg).IsZero() {
		cfg = HealthySonar()
	}
	if cfg.Version == "" {
		cfg.Version = DefaultSonarVersion
	}
	if cfg.Status == "" {
		cfg.Status = "UP"
	}
	return &sonarSim{cfg: cfg, s: s}
}

// simUser is whoever a token authenticates as.
type simUser struct {
	login, name  string
	admin        bool // Administer System
	projectAdmin bool // Administer on the project
	expires      time.Time
	// analysis is the kind of an analysis token ("global-analysis",
	// "project-analysis"); "" is a user token. TokenUserSession gives a
	// global analysis token only Execute Analysis and Create Projects and
	// no project permission, a project analysis token no global permission
	// and only Execute Analysis on its project.
	analysis string
}

// globalPerms is the permissions.global array of api/users/current.
func (u *simUser) globalPerms() []string {
	switch {
	case u.analysis == "project-analysis":
		return []string{}
	case u.analysis == "global-analysis", !u.admin:
		return []string{"provisioning", "scan"}
	}
	return []string{"admin", "gateadmin", "profileadmin", "provisioning", "scan"}
}

// canProvision is Create Projects: every simulated user has it, and so
// their global analysis tokens; a project analysis token never.
func (u *simUser) canProvision() bool { return u != nil && u.analysis != "project-analysis" }

// canBrowse is Browse on the (public) project: anyone, except an analysis
// token, whose TokenUserSession grants no Browse through
// hasEntityUuidPermission.
func (u *simUser) canBrowse() bool { return u == nil || u.analysis == "" }

func (h *sonarSim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if cp := strings.TrimRight(h.cfg.ContextPath, "/"); cp != "" {
		if path != cp && !strings.HasPrefix(path, cp+"/") {
			tomcatNotFound(w) // outside the web application's context
			return
		}
		path = strings.TrimPrefix(path, cp)
	}
	if !strings.HasPrefix(path, "/api/") {
		tomcatNotFound(w) // the simulator serves no web pages
		return
	}
	if h.cfg.HTMLInsteadOfJSON {
		signInPage(w)
		return
	}
	if h.cfg.InternalAPIsBlocked && (strings.HasPrefix(path, "/api/navigation/") || strings.HasPrefix(path, "/api/features/")) {
		proxyForbidden(w)
		return
	}
	if h.cfg.Status != "UP" && path != "/api/system/status" && path != "/api/server/version" {
		switch h.cfg.Status {
		case "DB_MIGRATION_NEEDED", "DB_MIGRATION_RUNNING":
			// Safe mode serves only a handful of web services.
			writeErrors(w, http.StatusNotFound, "Unknown url : "+path)
		default:
			// The reference does not say what a starting or stopping
			// server answers; no check relies on more than "not 2xx".
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	}

	user, authFailed := h.authenticate(r)
	if !skippedURLs[path] {
		// UserSessionInitializer: a failed authentication, or an anonymous
		// caller on a server that forces authentication, is a 401 with an
		// empty body on /api/.
		if authFailed || user == nil && !h.cfg.ForceAuthenticationOff {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if user != nil && !user.expires.IsZero() {
			w.Header().Set("SonarQube-Authentication-Token-Expiration",
				user.expires.In(time.FixedZone("CEST", 2*3600)).Format("2006-01-02T15:04:05-0700"))
		}
	}

	if h.serveV2(w, r, path, user, authFailed) {
		return
	}
	action, ok := h.actions()[path]
	if !ok {
		writeErrors(w, http.StatusNotFound, "Unknown url : "+path)
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		if path != "/api/authentication/validate" { // a servlet filter, any method
			writeErrors(w, http.StatusMethodNotAllowed, "HTTP method GET is required")
			return
		}
	default:
		writeErrors(w, http.StatusMethodNotAllowed, fmt.Sprintf("HTTP method %s is not allowed", r.Method))
		return
	}
	action(w, r, user, authFailed)
}

type sonarAction func(w http.ResponseWriter, r *http.Request, user *simUser, authFailed bool)

func (h *sonarSim) actions() map[string]sonarAction {
	return map[string]sonarAction{
		"/api/system/status":                 h.status,
		"/api/server/version":                h.serverVersion,
		"/api/authentication/validate":       h.validateToken,
		"/api/users/current":                 h.currentUser,
		"/api/settings/values":               h.settingsValues,
		"/api/alm_settings/list_definitions": h.listDefinitions,
		"/api/alm_settings/list":             h.list,
		"/api/alm_settings/get_binding":      h.getBinding,
		"/api/alm_settings/validate":         h.validateSetting,
		"/api/navigation/global":             h.navigationGlobal,
		"/api/features/list":                 h.featuresList,
		"/api/system/info":                   h.systemInfo,
		"/api/project_branches/list":         h.projectBranches,
	}
}

// authenticate reads the credentials the way SonarQube does: Basic with the
// token as login and an empty password on every version, Bearer from 10.0
// (9.x ignores it and the caller is anonymous). authFailed is an
// AuthenticationException: credentials present but not accepted.
func (h *sonarSim) authenticate(r *http.Request) (user *simUser, authFailed bool) {
	header := r.Header.Get("Authorization")
	if h.cfg.AuthorizationStripped || header == "" {
		return nil, false
	}
	scheme, rest, _ := strings.Cut(header, " ")
	var token string
	switch {
	case strings.EqualFold(scheme, "basic"):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return nil, true // "Invalid basic header"
		}
		login, password, ok := strings.Cut(string(raw), ":")
		if !ok || password != "" {
			return nil, true // no ':' , or a login/password the simulator does not know
		}
		token = login
	case strings.EqualFold(scheme, "bearer") && h.versionAtLeast(10, 0):
		token = strings.TrimSpace(rest)
	default:
		return nil, false
	}
	switch {
	case token == h.s.AdminToken && token != "":
		return &simUser{login: "admin", name: "Administrator", admin: true, projectAdmin: true}, false
	case token == h.s.Token && token != "" && !h.cfg.TokenRejected && h.cfg.TokenExpiresIn >= 0:
		u := &simUser{login: "ci-bot", name: "CI Bot", admin: !h.cfg.UserNotAdmin, analysis: h.cfg.TokenKind}
		u.projectAdmin = u.admin || h.cfg.UserIsProjectAdmin
		if u.analysis != "" {
			// TokenUserSession: whatever the user may do, the token may not.
			u.admin, u.projectAdmin = false, false
		}
		if h.cfg.TokenExpiresIn > 0 {
			u.expires = h.s.Now().Add(h.cfg.TokenExpiresIn).Truncate(time.Second)
		}
		return u, false
	}
	return nil, true // "Token doesn't exist" (only logged by SonarQube)
}

// versionAtLeast compares the configured version's major.minor.
func (h *sonarSim) versionAtLeast(major, minor int) bool {
	parts := strings.SplitN(h.cfg.Version, ".", 3)
	maj, _ := strconv.Atoi(parts[0])
	mi := 0
	if len(parts) > 1 {
		mi, _ = strconv.Atoi(parts[1])
	}
	return maj > major || maj == major && mi >= minor
}

func (h *sonarSim) status(w http.ResponseWriter, _ *http.Request, _ *simUser, _ bool) {
	writeJSON(w, http.StatusOK, struct {
		ID      string `json:"id"`
		Version string `json:"version"`
		Status  string `json:"status"`
	}{"147B411E-AY5DkSPHsqRP0Dx1VQ5W", h.cfg.Version, h.cfg.Status})
}

func (h *sonarSim) serverVersion(w http.ResponseWriter, _ *http.Request, _ *simUser, _ bool) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(h.cfg.Version))
}

// validateToken mirrors ValidateAction: authenticated, or anonymous on a
// server that does not force authentication.
func (h *sonarSim) validateToken(w http.ResponseWriter, _ *http.Request, user *simUser, authFailed bool) {
	valid := !authFailed && (user != nil || h.cfg.ForceAuthenticationOff)
	writeJSON(w, http.StatusOK, map[string]bool{"valid": valid})
}

func (h *sonarSim) currentUser(w http.ResponseWriter, _ *http.Request, user *simUser, _ bool) {
	type perms struct {
		Global []string `json:"global"`
	}
	if user == nil {
		writeJSON(w, http.StatusOK, struct {
			IsLoggedIn       bool            `json:"isLoggedIn"`
			Groups           []string        `json:"groups"`
			ScmAccounts      []string        `json:"scmAccounts"`
			Permissions      perms           `json:"permissions"`
			DismissedNotices map[string]bool `json:"dismissedNotices"`
		}{false, []string{}, []string{}, perms{[]string{}}, map[string]bool{}})
		return
	}
	global := user.globalPerms()
	groups := []string{"sonar-users"}
	if user.admin {
		groups = []string{"sonar-administrators", "sonar-users"}
	}
	writeJSON(w, http.StatusOK, struct {
		IsLoggedIn                  bool              `json:"isLoggedIn"`
		ID                          string            `json:"id"`
		Login                       string            `json:"login"`
		Name                        string            `json:"name"`
		Local                       bool              `json:"local"`
		ExternalIdentity            string            `json:"externalIdentity"`
		ExternalProvider            string            `json:"externalProvider"`
		Groups                      []string          `json:"groups"`
		ScmAccounts                 []string          `json:"scmAccounts"`
		Permissions                 perms             `json:"permissions"`
		Homepage                    map[string]string `json:"homepage"`
		UsingSonarLintConnectedMode bool              `json:"usingSonarLintConnectedMode"`
		DismissedNotices            map[string]bool   `json:"dismissedNotices"`
	}{true, "AYbtRVzTo7uIBQb7-bvt", user.login, user.name, true, user.login, "sonarqube", groups, []string{},
		perms{global}, map[string]string{"type": "PROJECTS"}, false, map[string]bool{"educationPrinciples": false}})
}

type settingValue struct {
	Key       string `json:"key"`
	Value     string `json:"value"`
	Inherited bool   `json:"inherited"`
}

// settingsValues knows sonar.core.serverBaseURL (no default: absent when
// unset) and sonar.forceAuthentication (default true: inherited).
func (h *sonarSim) settingsValues(w http.ResponseWriter, r *http.Request, _ *simUser, _ bool) {
	known := map[string]settingValue{
		"sonar.forceAuthentication": {"sonar.forceAuthentication", strconv.FormatBool(!h.cfg.ForceAuthenticationOff), !h.cfg.ForceAuthenticationOff},
	}
	if h.cfg.BaseURL != "" {
		v := strings.ReplaceAll(h.cfg.BaseURL, "{{sonar}}", h.s.SonarURL)
		known["sonar.core.serverBaseURL"] = settingValue{"sonar.core.serverBaseURL", v, false}
	}
	var keys []string
	if q := r.URL.Query().Get("keys"); q != "" {
		keys = strings.Split(q, ",")
	} else {
		for k := range known {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	out := []settingValue{}
	for _, k := range keys {
		if v, ok := known[strings.TrimSpace(k)]; ok {
			out = append(out, v)
		}
	}
	answer := struct {
		Settings           []settingValue `json:"settings"`
		SetSecuredSettings *[]string      `json:"setSecuredSettings,omitempty"` // a pointer: [] must be written
	}{Settings: out}
	if h.versionAtLeast(9, 1) {
		// Since 9.1 the list of secured keys with a value; the simulator has none.
		answer.SetSecuredSettings = &[]string{}
	}
	writeJSON(w, http.StatusOK, answer)
}

type almDefinition struct {
	Key      string `json:"key"`
	URL      string `json:"url,omitempty"`
	AppID    string `json:"appId,omitempty"`
	ClientID string `json:"clientId,omitempty"`
}

func (h *sonarSim) listDefinitions(w http.ResponseWriter, _ *http.Request, user *simUser, _ bool) {
	if user == nil || !user.admin {
		writeErrors(w, http.StatusForbidden, msgInsufficientPrivileges)
		return
	}
	azure, github := []almDefinition{}, []almDefinition{}
	for _, rec := range h.cfg.AzureRecords {
		azure = append(azure, almDefinition{Key: rec.Key, URL: rec.URL})
	}
	for _, rec := range h.cfg.GitHubRecords {
		github = append(github, almDefinition{Key: rec.Key, URL: rec.URL, AppID: rec.AppID, ClientID: rec.ClientID})
	}
	writeDefinitions(w, github, azure)
}

// writeDefinitions writes api/alm_settings/list_definitions's answer
// (ListDefinitionsAction): field order as SonarQube writes it; every
// array, even empty.
func writeDefinitions(w http.ResponseWriter, github, azure []almDefinition) {
	writeJSON(w, http.StatusOK, struct {
		GitHub         []almDefinition `json:"github"`
		Azure          []almDefinition `json:"azure"`
		Bitbucket      []almDefinition `json:"bitbucket"`
		GitLab         []almDefinition `json:"gitlab"`
		BitbucketCloud []almDefinition `json:"bitbucketcloud"`
	}{github, azure, []almDefinition{}, []almDefinition{}, []almDefinition{}})
}

// project checks the project parameter: 400 when missing, 404 when unknown.
func (h *sonarSim) project(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.URL.Query().Get("project")
	if key == "" {
		writeErrors(w, http.StatusBadRequest, "The 'project' parameter is missing")
		return "", false
	}
	if key != defaultProjectKey || h.cfg.ProjectMissing {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Project '%s' not found", key))
		return "", false
	}
	return key, true
}

func (h *sonarSim) list(w http.ResponseWriter, r *http.Request, user *simUser, _ bool) {
	if r.URL.Query().Has("project") {
		if _, ok := h.project(w, r); !ok {
			return
		}
		if user == nil || !user.projectAdmin {
			writeErrors(w, http.StatusForbidden, msgInsufficientPrivileges)
			return
		}
	} else if !user.canProvision() { // Create Projects
		writeErrors(w, http.StatusForbidden, msgInsufficientPrivileges)
		return
	}
	// Every record, with or without project (ListAction.java:
	// almSettingDao().selectAll); url only when the record has one.
	type entry struct {
		Key string `json:"key"`
		Alm string `json:"alm"`
		URL string `json:"url,omitempty"`
	}
	all := []entry{}
	for _, rec := range h.cfg.AzureRecords {
		all = append(all, entry{rec.Key, "azure", rec.URL})
	}
	for _, rec := range h.cfg.GitHubRecords {
		all = append(all, entry{rec.Key, "github", rec.URL})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key < all[j].Key })
	writeJSON(w, http.StatusOK, map[string]any{"almSettings": all})
}

func (h *sonarSim) record(key string) (SonarAlmRecord, bool) {
	for _, rec := range append(append([]SonarAlmRecord(nil), h.cfg.AzureRecords...), h.cfg.GitHubRecords...) {
		if rec.Key == key {
			return rec, true
		}
	}
	return SonarAlmRecord{}, false
}

func (h *sonarSim) getBinding(w http.ResponseWriter, r *http.Request, user *simUser, _ bool) {
	if h.sharedBinding(w, r.URL.Query().Get("project")) {
		return
	}
	key, ok := h.project(w, r)
	if !ok {
		return
	}
	// 'Administer' up to 10.0, 'Browse' from 10.1 (public project: everyone
	// but analysis tokens, TokenUserSession.hasEntityUuidPermission).
	if !h.versionAtLeast(10, 1) && (user == nil || !user.projectAdmin) || !user.canBrowse() {
		writeErrors(w, http.StatusForbidden, msgInsufficientPrivileges)
		return
	}
	if h.cfg.DanglingBinding {
		writeErrors(w, http.StatusInternalServerError, msgGenericError)
		return
	}
	b := h.cfg.Binding
	if b == nil {
		platform := "DevOps Platform"
		if h.cfg.LegacyNotBoundWording {
			platform = "ALM"
		}
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Project '%s' is not bound to any %s", key, platform))
		return
	}
	alm := b.Alm
	if alm == "" {
		alm = "azure"
	}
	u := b.URL
	if rec, ok := h.record(b.Key); ok && u == "" {
		u = rec.URL
	}
	// Field order and presence as GetBindingWsResponse writes them.
	out := struct {
		Key                      string `json:"key"`
		Alm                      string `json:"alm"`
		Repository               string `json:"repository,omitempty"`
		URL                      string `json:"url,omitempty"`
		Slug                     string `json:"slug,omitempty"`
		SummaryCommentEnabled    *bool  `json:"summaryCommentEnabled,omitempty"`
		Monorepo                 bool   `json:"monorepo"`
		InlineAnnotationsEnabled *bool  `json:"inlineAnnotationsEnabled,omitempty"`
		RepositoryURL            string `json:"repositoryUrl,omitempty"`
	}{Key: b.Key, Alm: alm, Repository: b.Repository, URL: u, Slug: b.Slug, Monorepo: b.Monorepo}
	switch alm {
	case "github", "gitlab":
		out.SummaryCommentEnabled = b.SummaryCommentEnabled
		if out.SummaryCommentEnabled == nil {
			t := true
			out.SummaryCommentEnabled = &t
		}
		if alm == "github" && h.versionAtLeast(2025, 6) && b.Repository != "" {
			out.RepositoryURL = githubWebURL(u) + "/" + b.Repository
		}
	case "azure":
		if h.versionAtLeast(2025, 1) {
			out.InlineAnnotationsEnabled = b.InlineAnnotationsEnabled
			if out.InlineAnnotationsEnabled == nil {
				// Migration 2025_01_010 (PopulateInlineAnnotationsEnabledColumnForAzure)
				// sets every existing Azure binding to true.
				t := true
				out.InlineAnnotationsEnabled = &t
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// githubWebURL turns a GitHub API URL into the web URL SonarQube derives.
func githubWebURL(api string) string {
	api = strings.TrimRight(api, "/")
	if api == "https://api.github.com" {
		return "https://github.com"
	}
	return strings.TrimSuffix(api, "/api/v3")
}

func (h *sonarSim) validateSetting(w http.ResponseWriter, r *http.Request, user *simUser, _ bool) {
	key := r.URL.Query().Get("key")
	if key == "" {
		writeErrors(w, http.StatusBadRequest, "The 'key' parameter is missing")
		return
	}
	if user == nil || !user.admin {
		writeErrors(w, http.StatusForbidden, msgInsufficientPrivileges)
		return
	}
	rec, ok := h.record(key)
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("DevOps Platform setting with key '%s' cannot be found", key))
		return
	}
	if h.isAzure(key) {
		if status, msg := h.azureRecordURLAnswer(rec.URL); status != 0 {
			writeErrors(w, status, msg)
			return
		}
	}
	msg := rec.ValidationError
	if m, ok := h.cfg.ValidationError[key]; ok {
		msg = m
	}
	if msg != "" {
		writeErrors(w, http.StatusBadRequest, msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// msgInvalidAzure is AzureDevOpsValidator's one answer to every failure.
const msgInvalidAzure = "Invalid Azure URL or Personal Access Token"

// azureRecordURLAnswer is what SonarQube makes of an Azure DevOps record's
// URL before Azure DevOps is asked anything; status 0 means the call goes
// out and the platform's answer (ValidationError) decides.
//   - No URL (records made before 8.6): AzureDevOpsValidator.validate calls
//     requireNonNull(dto.getUrl()); the NullPointerException is no
//     IllegalArgumentException, so WebServiceEngine answers its generic 500.
//   - 2025.1+ (AzureDevOpsHttpClient built on HttpUrl.parse): an unparsable
//     URL (no scheme) is requireNonNull(null, "Invalid Azure DevOps server
//     URL"), a 500 too; earlier versions format the URL into a string and
//     OkHttp's Request.Builder.url refuses it with an
//     IllegalArgumentException, which the validator turns into its 400.
//   - 2025.1+ builds its client with setFollowRedirects(false): http:// to
//     Azure DevOps Services, which answers plain HTTP with a redirect to
//     https, is a non-2xx answer, so the 400. Earlier versions follow the
//     redirect; OkHttp then drops the Authorization header (the scheme
//     changes) and Azure DevOps answers anonymously with a redirect to its
//     sign-in page, a 200 that checkPAT's isSuccessful() accepts, so
//     validate passes (an inference from the code: no test covers it).
func (h *sonarSim) azureRecordURLAnswer(raw string) (int, string) {
	if strings.TrimSpace(raw) == "" {
		return http.StatusInternalServerError, msgGenericError
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	parsable := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	modern := h.versionAtLeast(2025, 1)
	switch {
	case !parsable && modern:
		return http.StatusInternalServerError, msgGenericError
	case !parsable:
		return http.StatusBadRequest, msgInvalidAzure
	case modern && u.Scheme == "http" && isAzureServicesHost(u.Hostname()):
		return http.StatusBadRequest, msgInvalidAzure
	}
	return 0, ""
}

func isAzureServicesHost(host string) bool {
	h := strings.ToLower(host)
	return h == "dev.azure.com" || strings.HasSuffix(h, ".visualstudio.com")
}

func (h *sonarSim) isAzure(key string) bool {
	for _, rec := range h.cfg.AzureRecords {
		if rec.Key == key {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the simulator's own values always marshal
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeErrors writes SonarQube's error body.
func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	type msg struct {
		Msg string `json:"msg"`
	}
	out := struct {
		Errors []msg `json:"errors"`
	}{}
	for _, m := range msgs {
		out.Errors = append(out.Errors, msg{m})
	}
	writeJSON(w, status, out)
}

func tomcatNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1></body></html>`))
}

func signInPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>
  Sign in to your account
</title></head>
<body><form method="post" action="/oauth2/authorize"><input name="loginfmt" type="email"></form></body></html>`))
}
