package azdo

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// StatusPolicyType is the id of the "Status" branch policy type: it
// requires a status posted by an external service (such as SonarQube's
// quality gate) to succeed before a pull request can complete. The id is
// the same in every organization (Azure/azure-devops-cli-extension
// STATUS_POLICY_ID; azure-devops-extension-api PolicyTypeId.Status).
const StatusPolicyType = "cbdc66da-9728-4af8-aada-9a5a32e4a226"

// policyPagesMax bounds how many pages of policies one call follows.
const policyPagesMax = 10

// apiPolicyServer is the git policy configurations API's version on Azure
// DevOps Server: the resource exists from Server 2019 (5.0) on, as a
// preview there (vsts-rest-api-specs git/5.0); TFS 2018 lacks it and
// answers 404.
const apiPolicyServer = "5.0-preview.1"

// PolicyConfiguration is one branch policy (PolicyConfiguration of the
// Policy and Git REST APIs).
type PolicyConfiguration struct {
	ID         int
	TypeID     string
	TypeName   string // "Status", "Build", "Minimum number of reviewers", ...
	IsEnabled  bool
	IsBlocking bool // false: "Optional" in the web UI; the policy does not block completion
	IsDeleted  bool
	Scope      []PolicyScope
	// Status holds a Status policy's settings; nil for other types.
	Status *StatusPolicy
}

// PolicyScope is one entry of settings.scope. RepositoryID is empty for a
// policy defined for every repository of the project.
type PolicyScope struct {
	RepositoryID string
	RefName      string // refs/heads/main; a prefix when MatchKind is Prefix
	MatchKind    string // Exact, Prefix, DefaultBranch
}

// StatusPolicy is a Status policy's settings, as the web UI and the
// terraform provider write them (statusGenre, statusName,
// policyApplicability, filenamePatterns, invalidateOnSourceUpdate,
// defaultDisplayName; microsoft/terraform-provider-azuredevops
// resource_branchpolicy_status_check.go).
type StatusPolicy struct {
	Genre       string // "SonarQube"; may be empty
	Name        string // "quality gate"
	DisplayName string
	// Conditional is policyApplicability 1: "Apply only when status is
	// posted"; absent or 0 means "Apply by default".
	Conditional bool
	// FilenamePatterns, when set, limit the policy to pull requests that
	// touch matching files.
	FilenamePatterns []string
	// InvalidateOnSourceUpdate resets the status when new commits arrive.
	InvalidateOnSourceUpdate bool
}

// Active reports a policy that is enabled and not deleted.
func (p PolicyConfiguration) Active() bool { return p.IsEnabled && !p.IsDeleted }

// BranchPolicies lists the policies that apply to refName (refs/heads/main)
// of a repository, of policyType when it is not empty: project-wide
// policies, repository policies and prefix matches included, as the
// service resolves them (GET {org}/{project}/_apis/git/policy/configurations
// with repositoryId and refName; scope vso.code). Pages are followed
// through x-ms-continuationtoken.
func (c *Client) BranchPolicies(ctx context.Context, project, repositoryID, refName, policyType string) ([]PolicyConfiguration, error) {
	version := c.apiVersion()
	if c.org.Deployment == Server {
		version = apiPolicyServer
	}
	q := url.Values{"repositoryId": {repositoryID}, "refName": {refName}, "api-version": {version}}
	if policyType != "" {
		q.Set("policyType", policyType)
	}
	base := c.org.BaseURL + "/" + url.PathEscape(project) + "/_apis/git/policy/configurations?"
	var out []PolicyConfiguration
	for page := 0; page < policyPagesMax; page++ {
		resp, err := c.get(ctx, base+q.Encode())
		if err != nil {
			return nil, err
		}
		list, err := decodePolicies(resp.Body)
		if err != nil {
			return nil, c.decodeError(resp, err)
		}
		out = append(out, list...)
		next := resp.Header.Get("X-Ms-Continuationtoken")
		if next == "" || next == q.Get("continuationToken") {
			break
		}
		q.Set("continuationToken", next)
	}
	return out, nil
}

// decodePolicies reads {"count":N,"value":[...]}.
func decodePolicies(b []byte) ([]PolicyConfiguration, error) {
	var w struct {
		Value *[]struct {
			ID         int  `json:"id"`
			IsEnabled  bool `json:"isEnabled"`
			IsBlocking bool `json:"isBlocking"`
			IsDeleted  bool `json:"isDeleted"`
			Type       *struct {
				ID          string `json:"id"`
				DisplayName string `json:"displayName"`
			} `json:"type"`
			Settings json.RawMessage `json:"settings"`
		} `json:"value"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.Value == nil {
		return nil, errors.New("policy configurations answer without value")
	}
	out := make([]PolicyConfiguration, 0, len(*w.Value))
	for _, v := range *w.Value {
		if v.Type == nil || v.Type.ID == "" {
			return nil, errors.New("policy configuration without type id")
		}
		p := PolicyConfiguration{
			ID: v.ID, TypeID: strings.ToLower(v.Type.ID), TypeName: v.Type.DisplayName,
			IsEnabled: v.IsEnabled, IsBlocking: v.IsBlocking, IsDeleted: v.IsDeleted,
		}
		var s struct {
			Scope []struct {
				RepositoryID *string `json:"repositoryId"`
				RefName      *string `json:"refName"`
				MatchKind    *string `json:"matchKind"`
			} `json:"scope"`
			StatusGenre              *string  `json:"statusGenre"`
			StatusName               *string  `json:"statusName"`
			DefaultDisplayName       *string  `json:"defaultDisplayName"`
			PolicyApplicability      *float64 `json:"policyApplicability"`
			FilenamePatterns         []string `json:"filenamePatterns"`
			InvalidateOnSourceUpdate bool     `json:"invalidateOnSourceUpdate"`
		}
		// Settings are free-form per type: what does not read as expected
		// is left out rather than failing the whole answer.
		if len(v.Settings) > 0 && json.Unmarshal(v.Settings, &s) == nil {
			for _, sc := range s.Scope {
				p.Scope = append(p.Scope, PolicyScope{RepositoryID: deref(sc.RepositoryID), RefName: deref(sc.RefName), MatchKind: deref(sc.MatchKind)})
			}
			if p.TypeID == StatusPolicyType {
				p.Status = &StatusPolicy{
					Genre: deref(s.StatusGenre), Name: deref(s.StatusName), DisplayName: deref(s.DefaultDisplayName),
					Conditional:      s.PolicyApplicability != nil && *s.PolicyApplicability == 1,
					FilenamePatterns: s.FilenamePatterns, InvalidateOnSourceUpdate: s.InvalidateOnSourceUpdate,
				}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
