package simulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// SonarSharedBinding is another project bound to a repository: what the
// v2 project-bindings listing and get_binding answer for it (issue 9, rule
// 10: several projects on one repository).
type SonarSharedBinding struct {
	ProjectKey string
	Key        string // record key; "" is the project's own record
	Repository string
	Slug       string
	Monorepo   bool
}

// sonarV2 answers /api/v2/dop-translation/project-bindings and dop-settings
// (SonarQube 10.x and later; Create Projects, which every simulated user
// holds): DefaultProjectBindingsController, RestPage, PageRestResponse,
// ProjectBinding; DefaultDopSettingsController, DopSettingsResource.
func (h *sonarSim) v2Available() bool { return h.versionAtLeast(10, 0) }

// serveV2 answers the v2 paths; false leaves the request to the v1 actions.
func (h *sonarSim) serveV2(w http.ResponseWriter, r *http.Request, path string, user *simUser, authFailed bool) bool {
	switch path {
	case "/api/v2/dop-translation/project-bindings":
		h.projectBindings(w, r, user, authFailed)
	case "/api/v2/dop-translation/dop-settings":
		h.dopSettings(w, r, user, authFailed)
	default:
		return false
	}
	return true
}

func (h *sonarSim) recordID(key string) string { return "AZrec-" + key }

func (h *sonarSim) projectBindings(w http.ResponseWriter, r *http.Request, user *simUser, _ bool) {
	if !h.v2Available() {
		writeErrors(w, http.StatusNotFound, "Unknown url : "+r.URL.Path)
		return
	}
	if user == nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	page, size := 1, 50
	if v := q.Get("pageIndex"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("pageSize"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	type entry struct {
		ID                      string `json:"id"`
		DevOpsPlatformSettingID string `json:"devOpsPlatformSettingId"`
		ProjectID               string `json:"projectId"`
		ProjectKey              string `json:"projectKey"`
		Repository              string `json:"repository,omitempty"`
		Slug                    string `json:"slug,omitempty"`
	}
	var all []entry
	if b := h.cfg.Binding; b != nil && !h.cfg.DanglingBinding {
		all = append(all, entry{"AZbind-own", h.recordID(b.Key), "AYproj-own", defaultProjectKey, b.Repository, b.Slug})
	}
	for i, sb := range h.cfg.SharedBindings {
		key := sb.Key
		if key == "" && h.cfg.Binding != nil {
			key = h.cfg.Binding.Key
		}
		all = append(all, entry{fmt.Sprintf("AZbind-%d", i), h.recordID(key), fmt.Sprintf("AYproj-%d", i), sb.ProjectKey, sb.Repository, sb.Slug})
	}
	// The repository filter: exact, case-insensitive, on repository or
	// slug (ProjectAlmSettingMapper searchByQueryWhereClause).
	sel := []entry{}
	for _, e := range all {
		if repo := q.Get("repository"); repo == "" || strings.EqualFold(e.Repository, repo) || strings.EqualFold(e.Slug, repo) {
			sel = append(sel, e)
		}
	}
	from, to := min(max(page-1, 0)*size, len(sel)), min(page*size, len(sel))
	writeJSON(w, http.StatusOK, map[string]any{
		"projectBindings": sel[from:to],
		"page":            map[string]int{"pageIndex": page, "pageSize": size, "total": len(sel)},
	})
}

func (h *sonarSim) dopSettings(w http.ResponseWriter, r *http.Request, user *simUser, _ bool) {
	if !h.v2Available() {
		writeErrors(w, http.StatusNotFound, "Unknown url : "+r.URL.Path)
		return
	}
	if user == nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	out := []map[string]string{}
	for _, rec := range h.cfg.AzureRecords {
		out = append(out, map[string]string{"id": h.recordID(rec.Key), "type": "azure_devops", "key": rec.Key, "url": rec.URL})
	}
	for _, rec := range h.cfg.GitHubRecords {
		out = append(out, map[string]string{"id": h.recordID(rec.Key), "type": "github", "key": rec.Key, "url": rec.URL, "appId": rec.AppID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"dopSettings": out, "page": map[string]int{"pageIndex": 1, "pageSize": len(out), "total": len(out)}})
}

// sharedBinding answers get_binding for another project of SharedBindings.
func (h *sonarSim) sharedBinding(w http.ResponseWriter, key string) bool {
	for _, sb := range h.cfg.SharedBindings {
		if sb.ProjectKey != key {
			continue
		}
		rec := sb.Key
		if rec == "" && h.cfg.Binding != nil {
			rec = h.cfg.Binding.Key
		}
		u := ""
		if r, ok := h.record(rec); ok {
			u = r.URL
		}
		writeJSON(w, http.StatusOK, map[string]any{"key": rec, "alm": "azure", "repository": sb.Repository, "url": u, "slug": sb.Slug, "monorepo": sb.Monorepo})
		return true
	}
	return false
}
