package simulator

import (
	"fmt"
	"net/http"
	"strings"
)

// The simulated SonarQube's edition and platform answers: api/navigation/global,
// api/features/list and api/system/info.

// edition is the configured edition, "developer" when unset.
func (h *sonarSim) edition() string {
	if h.cfg.Edition == "" {
		return "developer"
	}
	return h.cfg.Edition
}

// features is what api/features/list answers: the SonarQubeFeature
// implementations whose isAvailable() holds. branch-support comes with the
// commercial editions (or a community plugin that implements the same
// feature); multiple-alm with Enterprise and up (MultipleAlmFeature.java);
// monorepo with Enterprise and up (SonarSource documentation, "Setting up
// Azure integration for your project": monorepo pull-request reporting
// starts in Enterprise edition).
func (h *sonarSim) features() []string {
	out := []string{}
	switch h.edition() {
	case "developer":
		out = append(out, "branch-support")
	case "enterprise", "datacenter":
		out = append(out, "branch-support", "multiple-alm", "monorepo")
	case "community":
		if h.cfg.BranchPlugin {
			out = append(out, "branch-support")
		}
	}
	return out
}

// featuresList mirrors feature/ws/ListAction.java (9.6+, internal, no
// permission): a bare JSON array of names (example-list.json).
func (h *sonarSim) featuresList(w http.ResponseWriter, _ *http.Request, _ *simUser, _ bool) {
	if !h.versionAtLeast(9, 6) {
		writeErrors(w, http.StatusNotFound, "Unknown url : /api/features/list")
		return
	}
	writeJSON(w, http.StatusOK, h.features())
}

// navigationGlobal mirrors ui/ws/GlobalAction.java and global-example.json:
// canAdmin, globalPages, settings, qualifiers, version (display form),
// versionEOL (10.5+), productionDatabase, the 9.x flags branchesEnabled and
// multipleAlmEnabled (gone from the 10.x action), instanceUsesDefaultAdminCredentials
// for administrators, edition (lower case; absent when the edition provider
// says nothing), needIssueSync, standalone.
func (h *sonarSim) navigationGlobal(w http.ResponseWriter, _ *http.Request, user *simUser, _ bool) {
	admin := user != nil && user.admin
	out := map[string]any{
		"canAdmin":           admin,
		"globalPages":        []any{},
		"settings":           map[string]string{"sonar.updatecenter.activate": "true"},
		"qualifiers":         []string{"TRK"},
		"version":            displayVersion(h.cfg.Version),
		"productionDatabase": true,
		"needIssueSync":      false,
		"standalone":         true,
	}
	if h.versionAtLeast(10, 5) {
		out["versionEOL"] = "2026-07-01"
	}
	if !h.versionAtLeast(10, 0) {
		has := map[string]bool{}
		for _, f := range h.features() {
			has[f] = true
		}
		out["branchesEnabled"] = has["branch-support"]
		out["multipleAlmEnabled"] = has["multiple-alm"]
	}
	if admin {
		out["instanceUsesDefaultAdminCredentials"] = false
	}
	if e := h.edition(); e != "none" {
		out["edition"] = e
	}
	writeJSON(w, http.StatusOK, out)
}

// displayVersion is the version as the UI shows it (major.minor, plus the
// patch when there is one); this tool reads the version from
// api/system/status, never from here.
func displayVersion(v string) string {
	parts := strings.SplitN(v, ".", 4)
	if len(parts) < 2 {
		return v
	}
	s := parts[0] + "." + parts[1]
	if len(parts) > 2 && parts[2] != "0" {
		s += "." + parts[2]
	}
	return s
}

// systemInfo mirrors platform/ws/InfoAction.java on a standalone server,
// shaped as info-example.json: one object per section, keyed by the
// section's name. It needs Administer System. The "Settings" section
// (platform/monitoring/SettingsSection.java) lists the effective
// properties, database values overridden by system ones
// (ThreadLocalSettings.getProperties), sorted, as strings, passwords and
// *.secured values masked as "xxxxxxxx". An unset serverBaseURL is absent:
// UrlSettings computes the fallback without storing it.
func (h *sonarSim) systemInfo(w http.ResponseWriter, _ *http.Request, user *simUser, _ bool) {
	if user == nil || !user.admin {
		writeErrors(w, http.StatusForbidden, msgInsufficientPrivileges)
		return
	}
	settings := map[string]string{
		"sonar.core.id":             "147B411E-AY5DkSPHsqRP0Dx1VQ5W",
		"sonar.core.startTime":      "2026-03-01T08:00:00+0000",
		"sonar.forceAuthentication": fmt.Sprint(!h.cfg.ForceAuthenticationOff),
		"sonar.jdbc.password":       "xxxxxxxx",
		"sonar.jdbc.url":            "jdbc:postgresql://db.contoso.example:5432/sonarqube",
		"sonar.jdbc.username":       "sonarqube",
		"sonar.path.home":           "/opt/sonarqube",
	}
	if cp := strings.TrimRight(h.cfg.ContextPath, "/"); cp != "" {
		settings["sonar.web.context"] = cp
	}
	repl := strings.NewReplacer("{{sonar}}", h.s.SonarURL)
	if v := h.cfg.BaseURL; v != "" {
		settings["sonar.core.serverBaseURL"] = repl.Replace(v)
	}
	if v := h.cfg.SystemBaseURL; v != "" {
		settings["sonar.core.serverBaseURL"] = strings.TrimSpace(repl.Replace(v)) // system props are trimmed
	}
	editionName := map[string]string{"community": "Community", "developer": "Developer", "enterprise": "Enterprise", "datacenter": "Data Center"}[h.edition()]
	system := map[string]any{
		"Server ID":                            "147B411E-AY5DkSPHsqRP0Dx1VQ5W",
		"Version":                              displayVersion(h.cfg.Version),
		"Docker":                               false,
		"High Availability":                    false,
		"Official Distribution":                true,
		"Force authentication":                 !h.cfg.ForceAuthenticationOff,
		"Home Dir":                             "/opt/sonarqube",
		"Data Dir":                             "/opt/sonarqube/data",
		"Temp Dir":                             "/opt/sonarqube/temp",
		"Processors":                           4,
		"Accepted external identity providers": "",
	}
	if editionName != "" {
		system["Edition"] = editionName
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"Health":        "GREEN",
		"Health Causes": []any{},
		"System":        system,
		"Database":      map[string]any{"Database": "PostgreSQL", "Database Version": "15.6", "Username": "sonarqube", "URL": "jdbc:postgresql://db.contoso.example:5432/sonarqube"},
		"Bundled":       map[string]string{"java": "8.9.0.37768 [Java Code Quality and Security]"},
		"Plugins":       map[string]string{},
		"Web Logging":   map[string]string{"Logs Level": "INFO", "Logs Dir": "/opt/sonarqube/logs"},
		"Settings":      settings,
	})
}

// proxyForbidden is a reverse proxy's own refusal page.
func proxyForbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))
}
