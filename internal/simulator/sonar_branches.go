package simulator

import (
	"net/http"
	"time"
)

// SonarBranch is a branch of the simulated project.
type SonarBranch struct {
	Name string
	Main bool
	// AnalysedAgo is how long before the simulator's clock the branch was
	// last analysed; zero is never (only a main branch can exist unanalysed:
	// SonarQube creates it with the project).
	AnalysedAgo time.Duration
	// QualityGate is the last analysis' quality gate status (OK, ERROR);
	// "" writes none.
	QualityGate string
}

// defaultBranches is a project whose main branch "main" has been analysed.
func defaultBranches() []SonarBranch {
	return []SonarBranch{{Name: "main", Main: true, AnalysedAgo: 26 * time.Hour, QualityGate: "OK"}}
}

// projectBranches answers api/project_branches/list as ListAction does
// (server/sonar-webserver-webapi .../branch/ws/ListAction.java and its
// list-example.json): branches only, pull requests left out; name, isMain,
// type BRANCH, status (qualityGateStatus only when measured), analysisDate
// (DateUtils.formatDateTime) only when analysed, excludedFromPurge, and
// branchId from 10.6. Browse or Execute Analysis on the project, which every
// simulated user has (the project is public, SonarQube's default, so even an
// anonymous caller on a server without forced authentication may browse
// it); an unknown project is 404.
func (h *sonarSim) projectBranches(w http.ResponseWriter, r *http.Request, _ *simUser, _ bool) {
	if _, ok := h.project(w, r); !ok {
		return
	}
	branches := h.cfg.Branches
	if branches == nil {
		branches = defaultBranches()
	}
	type status struct {
		QualityGateStatus string `json:"qualityGateStatus,omitempty"`
	}
	type branch struct {
		Name              string `json:"name"`
		IsMain            bool   `json:"isMain"`
		Type              string `json:"type"`
		Status            status `json:"status"`
		AnalysisDate      string `json:"analysisDate,omitempty"`
		ExcludedFromPurge bool   `json:"excludedFromPurge"`
		BranchID          string `json:"branchId,omitempty"`
	}
	out := []branch{}
	for i, b := range branches {
		e := branch{Name: b.Name, IsMain: b.Main, Type: "BRANCH", ExcludedFromPurge: b.Main}
		if b.AnalysedAgo > 0 {
			e.AnalysisDate = h.s.now().Add(-b.AnalysedAgo).UTC().Format("2006-01-02T15:04:05-0700")
			e.Status.QualityGateStatus = b.QualityGate
		}
		if h.versionAtLeast(10, 6) {
			e.BranchID = "AY" + randHex(4) + string(rune('a'+i))
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"branches": out})
}
