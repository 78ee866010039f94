package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gogithub "github.com/google/go-github/v60/github"

	"sonar-preflight/internal/httpx"
)

// RequiredCheck is a status check a branch requires before a pull request
// can merge.
type RequiredCheck struct {
	Context string // the check's name, e.g. "SonarQube Code Analysis"
	// AppID is the GitHub App that must report it; 0 means any source.
	AppID int64
	// Source is "ruleset" (repository or organization rulesets) or
	// "branch protection" (the classic branch protection rule).
	Source string
}

// Sources of a RequiredCheck.
const (
	SourceRuleset    = "ruleset"
	SourceProtection = "branch protection"
)

// ErrBranchName is returned for a branch name that cannot be sent.
var ErrBranchName = errors.New("not a branch name")

// BranchRules returns the status checks that the active rulesets require
// for branch (GET /repos/{owner}/{repo}/rules/branches/{branch}). Any token
// that can read the repository may ask; the branch need not exist.
// rulesets counts the rules that apply, of any type.
func (c *Client) BranchRules(ctx context.Context, owner, repo, branch string) (checks []RequiredCheck, rules int, err error) {
	if err := c.checkNames(owner, repo, branch); err != nil {
		return nil, 0, err
	}
	path := "repos/" + owner + "/" + repo + "/rules/branches/" + url.PathEscape(branch)
	endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: "repos/" + owner + "/" + repo + "/rules/branches/" + branch})
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("github: %w", err)
	}
	var list []*gogithub.RepositoryRule
	resp, err := c.gh.Do(ctx, req, &list)
	if err != nil {
		return nil, 0, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
	}
	for _, r := range list {
		if r == nil || r.Type != "required_status_checks" || r.Parameters == nil {
			continue
		}
		var p gogithub.RequiredStatusChecksRuleParameters
		if json.Unmarshal(*r.Parameters, &p) != nil {
			continue
		}
		for _, rc := range p.RequiredStatusChecks {
			checks = append(checks, RequiredCheck{Context: rc.Context, AppID: derefInt(rc.IntegrationID), Source: SourceRuleset})
		}
	}
	return checks, len(list), nil
}

// BranchProtection returns the status checks the classic branch protection
// of branch requires (GET /repos/{owner}/{repo}/branches/{branch}/protection).
// GitHub answers it only to tokens with admin rights on the repository;
// protected is false for its 404 "Branch not protected".
func (c *Client) BranchProtection(ctx context.Context, owner, repo, branch string) (checks []RequiredCheck, protected bool, err error) {
	if err := c.checkNames(owner, repo, branch); err != nil {
		return nil, false, err
	}
	endpoint := c.gh.BaseURL.ResolveReference(&url.URL{Path: "repos/" + owner + "/" + repo + "/branches/" + branch + "/protection"})
	p, resp, err := c.gh.Repositories.GetBranchProtection(ctx, owner, repo, branch)
	if errors.Is(err, gogithub.ErrBranchNotProtected) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, newError(http.MethodGet, httpx.RedactURL(endpoint), resp, err)
	}
	if rs := p.GetRequiredStatusChecks(); rs != nil {
		seen := map[string]bool{}
		if rs.Checks != nil {
			for _, ch := range *rs.Checks {
				if ch != nil {
					seen[ch.Context] = true
					checks = append(checks, RequiredCheck{Context: ch.Context, AppID: derefInt(ch.AppID), Source: SourceProtection})
				}
			}
		}
		if rs.Contexts != nil {
			// The deprecated list repeats the checks' names.
			for _, ctxName := range *rs.Contexts {
				if !seen[ctxName] {
					checks = append(checks, RequiredCheck{Context: ctxName, Source: SourceProtection})
				}
			}
		}
	}
	return checks, true, nil
}

func (c *Client) checkNames(owner, repo, branch string) error {
	if !validOwner(owner) || !validRepo(repo) {
		return fmt.Errorf("github: %q: %w", truncate(owner+"/"+repo, 120), ErrRepoName)
	}
	if branch == "" || len(branch) > 255 || strings.ContainsAny(branch, " ~^:?*[\\\x7f") || strings.Contains(branch, "..") {
		return fmt.Errorf("github: %q: %w", truncate(branch, 120), ErrBranchName)
	}
	for _, r := range branch {
		if r < 0x20 {
			return fmt.Errorf("github: branch name with a control character: %w", ErrBranchName)
		}
	}
	return nil
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
