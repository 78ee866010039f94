package simulator

import (
	"net/http"
	"strconv"
	"strings"
)

// AzdoStatusPolicy is a "Status" branch policy: a status an external
// service posts must succeed before a pull request completes.
type AzdoStatusPolicy struct {
	Genre, Name string
	Optional    bool // isBlocking false: "Optional" in the web UI
	Disabled    bool
	Conditional bool // policyApplicability 1: "Apply only when status is posted"
	// RefName and MatchKind scope the policy: Exact (refs/heads/main),
	// Prefix (refs/heads/release/) or DefaultBranch (RefName empty).
	RefName   string
	MatchKind string
	// AllRepositories scopes it to every repository of the project
	// (repositoryId null) rather than to this one.
	AllRepositories bool
}

// SonarQubeGate is the policy SonarQube's documentation has users add: a
// required SonarQube/quality gate status on refName.
func SonarQubeGate(refName string) AzdoStatusPolicy {
	return AzdoStatusPolicy{Genre: "SonarQube", Name: "quality gate", RefName: refName, MatchKind: "Exact"}
}

// The policy type ids are the same in every organization.
const (
	azdoStatusPolicyType = "cbdc66da-9728-4af8-aada-9a5a32e4a226"
	azdoBuildPolicyType  = "0609b952-1397-4640-95ec-e00a01b2c241"
)

// branchPolicies answers GET {project}/_apis/git/policy/configurations
// (vsts-rest-api-specs git/7.1): with repositoryId and refName, the
// policies that apply to that branch, project-wide and prefix-scoped ones
// included; policyType narrows to one type. The envelope and fields are
// those of the service's example (policy/7.1 GET__policy_configurations);
// a Status policy's settings are those the web UI writes (statusGenre,
// statusName, policyApplicability, invalidateOnSourceUpdate,
// filenamePatterns, defaultDisplayName, scope). Scope vso.code: a PAT
// without it gets 401, like the Git calls.
func (h *azdoSim) branchPolicies(w http.ResponseWriter, r *http.Request, site azdoSite, project string) {
	if h.cfg.NoCodeScope {
		h.unauthorized(w, site.onPrem, "")
		return
	}
	if !strings.EqualFold(project, defaultProject) && !strings.EqualFold(project, azdoProjectID) {
		h.azdoError(w, http.StatusNotFound, "TF200016: The following project does not exist: "+project+". Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
			"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistWithNameException")
		return
	}
	q := r.URL.Query()
	repoID, refName, policyType := q.Get("repositoryId"), q.Get("refName"), strings.ToLower(q.Get("policyType"))
	var all []map[string]any
	if refName == "" || refName == "refs/heads/main" {
		// A build validation policy on main, which a Status filter leaves out.
		all = append(all, h.policyJSON(site, 11, azdoBuildPolicyType, "Build", true, true, map[string]any{
			"buildDefinitionId": 7, "queueOnSourceUpdateOnly": true, "manualQueueOnly": false, "displayName": "PR build", "validDuration": 720,
			"scope": []map[string]any{{"refName": "refs/heads/main", "matchKind": "Exact", "repositoryId": azdoRepoID}},
		}))
	}
	for i, p := range h.cfg.StatusPolicies {
		if !p.appliesTo(repoID, refName) {
			continue
		}
		var applicability any // null: "Apply by default"
		if p.Conditional {
			applicability = 1
		}
		scopeRepo := any(azdoRepoID)
		if p.AllRepositories {
			scopeRepo = nil
		}
		scope := map[string]any{"repositoryId": scopeRepo, "refName": p.RefName, "matchKind": p.matchKind()}
		if p.matchKind() == "DefaultBranch" {
			scope = map[string]any{"repositoryId": scopeRepo, "matchKind": "DefaultBranch"}
		}
		all = append(all, h.policyJSON(site, 21+i, azdoStatusPolicyType, "Status", !p.Disabled, !p.Optional, map[string]any{
			"statusGenre": p.Genre, "statusName": p.Name, "authorId": nil, "invalidateOnSourceUpdate": true,
			"policyApplicability": applicability, "filenamePatterns": []string{}, "defaultDisplayName": "",
			"scope": []map[string]any{scope},
		}))
	}
	var out []map[string]any
	for _, p := range all {
		if policyType == "" || p["type"].(map[string]any)["id"] == policyType {
			out = append(out, p)
		}
	}
	if out == nil {
		out = []map[string]any{}
	}
	h.ok(w, r, map[string]any{"count": len(out), "value": out})
}

func (p AzdoStatusPolicy) matchKind() string {
	if p.MatchKind == "" {
		return "Exact"
	}
	return p.MatchKind
}

// appliesTo resolves the scope the way the service does for a branch query.
func (p AzdoStatusPolicy) appliesTo(repoID, refName string) bool {
	if !p.AllRepositories && repoID != "" && !strings.EqualFold(repoID, azdoRepoID) {
		return false
	}
	switch p.matchKind() {
	case "Prefix":
		return strings.HasPrefix(refName, p.RefName)
	case "DefaultBranch":
		return refName == "refs/heads/main" // the simulated repository's defaultBranch
	}
	return refName == "" || refName == p.RefName
}

func (h *azdoSim) policyJSON(site azdoSite, id int, typeID, typeName string, enabled, blocking bool, settings map[string]any) map[string]any {
	self := site.base + "/" + azdoProjectID + "/_apis/policy/configurations/" + strconv.Itoa(id)
	typeURL := site.base + "/" + azdoProjectID + "/_apis/policy/types/" + typeID
	return map[string]any{
		"createdBy":   map[string]any{"id": azdoUserID, "displayName": azdoUserName, "uniqueName": azdoUserAccount},
		"createdDate": "2026-02-23T12:51:06.85754Z",
		"isEnabled":   enabled,
		"isBlocking":  blocking,
		"isDeleted":   false,
		"settings":    settings,
		"_links":      map[string]any{"self": map[string]string{"href": self}, "type": map[string]string{"href": typeURL}},
		"revision":    1,
		"id":          id,
		"url":         self,
		"type":        map[string]any{"id": typeID, "url": typeURL, "displayName": typeName},
	}
}
