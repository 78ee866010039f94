package simulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// fleetSonar answers the SonarQube web services a fleet audit reads. The
// shapes follow SonarSource/sonarqube (file named beside each answer);
// authentication and errors as in sonar.go.
type fleetSonar struct{ f *FleetServers }

func (h *fleetSonar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == "/api/system/status" {
		// A skipped URL: no session (UserSessionInitializer.SKIPPED_URLS).
		writeJSON(w, http.StatusOK, map[string]string{"id": "147B411E-AY5DkSPHsqRP0Dx1VQ5W", "version": h.f.Fleet.Version, "status": "UP"})
		return
	}
	if !strings.HasPrefix(path, "/api/") {
		tomcatNotFound(w)
		return
	}
	if !h.admin(r) {
		// A bad or missing token on /api/*: 401 with an empty body.
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet {
		writeErrors(w, http.StatusMethodNotAllowed, "HTTP method GET is required")
		return
	}
	q := r.URL.Query()
	switch path {
	case "/api/alm_settings/list_definitions":
		h.listDefinitions(w)
	case "/api/alm_settings/validate":
		h.validate(w, q.Get("key"))
	case "/api/projects/search":
		h.searchProjects(w, q.Get("p"), q.Get("ps"))
	case "/api/alm_settings/get_binding":
		h.getBinding(w, q.Get("project"))
	case "/api/project_branches/list":
		h.branches(w, q.Get("project"))
	case "/api/v2/dop-translation/project-bindings":
		if !h.v2() {
			writeErrors(w, http.StatusNotFound, "Unknown url : "+path)
			return
		}
		h.projectBindings(w, q.Get("pageIndex"), q.Get("pageSize"), q.Get("repository"))
	case "/api/v2/dop-translation/dop-settings":
		if !h.v2() {
			writeErrors(w, http.StatusNotFound, "Unknown url : "+path)
			return
		}
		h.dopSettings(w)
	default:
		writeErrors(w, http.StatusNotFound, "Unknown url : "+path)
	}
}

// v2 reports whether the server has the /api/v2/dop-translation listings
// (verified-behaviours: 10.x and later; the exact minor is not dated).
func (h *fleetSonar) v2() bool {
	if h.f.Fleet.NoV2 {
		return false
	}
	maj, _ := strconv.Atoi(strings.SplitN(h.f.Fleet.Version, ".", 2)[0])
	return maj >= 10
}

func (h *fleetSonar) admin(r *http.Request) bool {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return false
	}
	login, password, ok := strings.Cut(string(raw), ":")
	return ok && password == "" && login == h.f.AdminToken
}

// listDefinitions: ListDefinitionsAction, every array written even empty.
func (h *fleetSonar) listDefinitions(w http.ResponseWriter) {
	azure, github := []almDefinition{}, []almDefinition{}
	for _, rec := range h.f.records {
		switch rec.alm {
		case "azure":
			azure = append(azure, almDefinition{Key: rec.key, URL: rec.url})
		case "github":
			github = append(github, almDefinition{Key: rec.key, URL: rec.url, AppID: "12345", ClientID: "Iv1.0123456789abcdef"})
		}
	}
	writeDefinitions(w, github, azure)
}

// validate: almsettings/ws/ValidateAction, 204 or the validator's 400.
func (h *fleetSonar) validate(w http.ResponseWriter, key string) {
	if key == "" {
		writeErrors(w, http.StatusBadRequest, "The 'key' parameter is missing")
		return
	}
	for _, rec := range h.f.records {
		if rec.key != key {
			continue
		}
		if rec.validation != "" {
			writeErrors(w, http.StatusBadRequest, rec.validation)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeErrors(w, http.StatusNotFound, fmt.Sprintf("DevOps Platform setting with key '%s' cannot be found", key))
}

// pageParams reads p/ps with SonarQube's defaults and bounds
// (addPagingParams(100, 500); a value over the maximum is a 400).
func pageParams(w http.ResponseWriter, p, ps string, defSize, maxSize int) (int, int, bool) {
	page, size := 1, defSize
	if p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("'p' value (%s) must be greater than 0", p))
			return 0, 0, false
		}
		page = n
	}
	if ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("'ps' value (%s) must be greater than 0", ps))
			return 0, 0, false
		}
		if n > maxSize {
			// Wording approximated; only the 400 matters to the audit.
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("'ps' value (%d) must be less than %d", n, maxSize))
			return 0, 0, false
		}
		size = n
	}
	return page, size, true
}

// searchProjects: project/ws/SearchAction and search-example.json. Ordered
// by name (ComponentMapper selectByQuery); lastAnalysisDate absent when
// never analysed.
func (h *fleetSonar) searchProjects(w http.ResponseWriter, p, ps string) {
	page, size, ok := pageParams(w, p, ps, 100, 500)
	if !ok {
		return
	}
	type component struct {
		Key              string `json:"key"`
		Name             string `json:"name"`
		Qualifier        string `json:"qualifier"`
		Visibility       string `json:"visibility"`
		LastAnalysisDate string `json:"lastAnalysisDate,omitempty"`
		Revision         string `json:"revision,omitempty"`
		Managed          bool   `json:"managed"`
	}
	total := len(h.f.byName)
	from, to := min((page-1)*size, total), min(page*size, total)
	out := make([]component, 0, to-from)
	for _, i := range h.f.byName[from:to] {
		pr := h.f.projects[i]
		c := component{Key: pr.key, Name: pr.name, Qualifier: "TRK", Visibility: "private", LastAnalysisDate: pr.lastAnalysis}
		if pr.lastAnalysis != "" {
			c.Revision = "cfb82f55c6ef32e61828c4cb3db2da12795fd767"
		}
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"paging":     map[string]int{"pageIndex": page, "pageSize": size, "total": total},
		"components": out,
	})
}

// projectBindings: v2 DefaultProjectBindingsController. RestPage (pageSize
// default 50, at most 500; pageIndex 1-based); ProjectBinding records;
// ordered by repository, then binding id (ProjectAlmSettingMapper); the
// repository filter matches repository or slug, ignoring case.
func (h *fleetSonar) projectBindings(w http.ResponseWriter, pi, ps, repo string) {
	page, size := 1, 50
	if pi != "" {
		page, _ = strconv.Atoi(pi)
	}
	if ps != "" {
		size, _ = strconv.Atoi(ps)
	}
	if page < 1 || size < 0 || size > 500 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Value for field 'pageSize' or 'pageIndex' is out of range"})
		return
	}
	type binding struct {
		ID                      string `json:"id"`
		DevOpsPlatformSettingID string `json:"devOpsPlatformSettingId"`
		ProjectID               string `json:"projectId"`
		ProjectKey              string `json:"projectKey"`
		Repository              string `json:"repository"`
		Slug                    string `json:"slug,omitempty"`
	}
	sel := h.f.bindings
	if repo != "" {
		sel = h.f.bindingsByName[strings.ToLower(repo)]
	}
	total := len(sel)
	from, to := min((page-1)*size, total), min(page*size, total)
	out := make([]binding, 0, to-from)
	for _, i := range sel[from:to] {
		p := h.f.projects[i]
		out = append(out, binding{ID: bindingID(p), DevOpsPlatformSettingID: p.recordID, ProjectID: p.uuid, ProjectKey: p.key, Repository: p.repo, Slug: p.slug})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"projectBindings": out,
		"page":            map[string]int{"pageIndex": page, "pageSize": size, "total": total},
	})
}

// dopSettings: v2 DefaultDopSettingsController (type names from
// DopSettingsResource).
func (h *fleetSonar) dopSettings(w http.ResponseWriter) {
	type setting struct {
		ID    string `json:"id"`
		Type  string `json:"type"`
		Key   string `json:"key"`
		URL   string `json:"url,omitempty"`
		AppID string `json:"appId,omitempty"`
	}
	out := []setting{}
	for _, r := range h.f.records {
		t := "azure_devops"
		appID := ""
		if r.alm == "github" {
			t, appID = "github", "12345"
		}
		out = append(out, setting{ID: r.id, Type: t, Key: r.key, URL: r.url, AppID: appID})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"dopSettings": out,
		"page":        map[string]int{"pageIndex": 1, "pageSize": len(out), "total": len(out)},
	})
}

// getBinding: almsettings/ws/GetBindingAction, in its order of failures.
func (h *fleetSonar) getBinding(w http.ResponseWriter, key string) {
	i, ok := h.f.byKey[key]
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Project '%s' not found", key))
		return
	}
	p := h.f.projects[i]
	switch {
	case p.recordID == "":
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Project '%s' is not bound to any DevOps Platform", key))
		return
	case p.record == "":
		// The binding's record is gone: IllegalStateException, the generic 500.
		writeErrors(w, http.StatusInternalServerError, msgGenericError)
		return
	}
	var url, alm string
	for _, r := range h.f.records {
		if r.key == p.record {
			url, alm = r.url, r.alm
		}
	}
	b := map[string]any{"key": p.record, "alm": alm, "repository": p.repo, "url": url, "monorepo": p.monorepo}
	if alm == "azure" {
		b["slug"] = p.slug
	} else {
		b["summaryCommentEnabled"] = true
	}
	writeJSON(w, http.StatusOK, b)
}

// branches: branch/ws/ListAction and list-example.json.
func (h *fleetSonar) branches(w http.ResponseWriter, key string) {
	i, ok := h.f.byKey[key]
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Project '%s' not found", key))
		return
	}
	p := h.f.projects[i]
	main := map[string]any{"name": p.mainBranch, "isMain": true, "type": "BRANCH", "status": map[string]string{"qualityGateStatus": "OK"}, "excludedFromPurge": true}
	if p.lastAnalysis != "" {
		main["analysisDate"] = p.lastAnalysis
	}
	writeJSON(w, http.StatusOK, map[string]any{"branches": []any{main}})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the simulator's own values always marshal
	}
	return b
}
