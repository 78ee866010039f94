package simulator

import (
	"net/http"
	"strings"
)

// gitHubSonarAppID is the app id of SonarQube's GitHub App in the simulated
// records (gitHubAppID): a required check may be pinned to it.
const gitHubSonarAppID = 12345

// branchAPI answers the branch rules and branch protection endpoints
// (docs.github.com: "Get rules for a branch", "Get branch protection") and
// reports whether path was one of them.
//
//   - GET /repos/{o}/{r}/rules/branches/{branch}: any token that can read
//     the repository; an array of the active rules, each with type,
//     parameters and its ruleset's source; [] when none applies.
//   - GET /repos/{o}/{r}/branches/{branch}/protection: admin rights; 404
//     "Branch not protected" when there is no rule; a fine-grained token
//     without Administration gets 403 "Resource not accessible by personal
//     access token" with X-Accepted-GitHub-Permissions (reference §7).
func (g ghAnswer) branchAPI(path string, authed bool) bool {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) < 5 || parts[0] != "repos" {
		return false
	}
	owner, repo := parts[1], parts[2]
	var branch string
	var rules bool
	switch {
	case parts[3] == "rules" && parts[4] == "branches" && len(parts) >= 6:
		branch, rules = strings.Join(parts[5:], "/"), true
	case parts[3] == "branches" && len(parts) >= 6 && parts[len(parts)-1] == "protection":
		branch = strings.Join(parts[4:len(parts)-1], "/")
	default:
		return false
	}
	now := g.s.now().UTC()
	if authed {
		g.rate(now, g.cfg.RateLimited)
	}
	_, visible := g.visible(owner, repo)
	switch {
	case g.r.Method != http.MethodGet:
		g.fail(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	case authed && g.cfg.RateLimited:
		g.fail(http.StatusForbidden, "API rate limit exceeded for user ID 583231.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
	case !authed || g.cfg.NotFound || !visible:
		g.fail(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	case rules:
		out := []map[string]any{}
		if checks := g.cfg.RulesetChecks[branch]; len(checks) > 0 {
			var required []map[string]any
			for _, c := range checks {
				rc := map[string]any{"context": c}
				if strings.Contains(strings.ToLower(c), "sonar") {
					rc["integration_id"] = gitHubSonarAppID
				}
				required = append(required, rc)
			}
			out = append(out,
				map[string]any{"type": "deletion", "ruleset_source_type": "Repository", "ruleset_source": owner + "/" + repo, "ruleset_id": 7},
				map[string]any{"type": "required_status_checks", "parameters": map[string]any{
					"strict_required_status_checks_policy": false, "required_status_checks": required,
				}, "ruleset_source_type": "Organization", "ruleset_source": owner, "ruleset_id": 9})
		}
		g.write(http.StatusOK, out)
	case g.cfg.ProtectionNoAdmin:
		g.w.Header().Set("X-Accepted-GitHub-Permissions", "administration=read")
		g.fail(http.StatusForbidden, "Resource not accessible by personal access token", "https://docs.github.com/rest/branches/branch-protection#get-branch-protection")
	default:
		checks, ok := g.cfg.Protection[branch]
		if !ok {
			g.fail(http.StatusNotFound, "Branch not protected", "https://docs.github.com/rest/branches/branch-protection#get-branch-protection")
			return true
		}
		g.write(http.StatusOK, g.protection(owner+"/"+repo, branch, checks))
	}
	return true
}

// protection is the documented answer's shape, abridged to what a rule
// that requires status checks and reviews carries.
func (g ghAnswer) protection(full, branch string, checks []string) map[string]any {
	api := "https://" + gitHubDotComAPI
	if g.enterprise {
		api = "https://" + g.webHost + "/api/v3"
	}
	base := api + "/repos/" + full + "/branches/" + branch + "/protection"
	contexts := []string{}
	list := []map[string]any{}
	for _, c := range checks {
		contexts = append(contexts, c)
		var app any
		if strings.Contains(strings.ToLower(c), "sonar") {
			app = gitHubSonarAppID
		}
		list = append(list, map[string]any{"context": c, "app_id": app})
	}
	return map[string]any{
		"url": base,
		"required_status_checks": map[string]any{
			"url": base + "/required_status_checks", "strict": true, "contexts": contexts,
			"contexts_url": base + "/required_status_checks/contexts", "checks": list,
		},
		"required_pull_request_reviews": map[string]any{
			"url": base + "/required_pull_request_reviews", "dismiss_stale_reviews": true,
			"require_code_owner_reviews": false, "required_approving_review_count": 1,
		},
		"enforce_admins":          map[string]any{"url": base + "/enforce_admins", "enabled": false},
		"required_linear_history": map[string]any{"enabled": false},
		"allow_force_pushes":      map[string]any{"enabled": false},
		"allow_deletions":         map[string]any{"enabled": false},
	}
}
