package simulator

import "time"

// Pull-request readiness check ids, as the preflight catalog names them.
const (
	checkRepoHistory  = "repo.history"
	checkMainBranch   = "sonar.main-branch"
	checkPRTarget     = "sonar.pr-target"
	checkAzdoPRGate   = "azdo.pr-gate"
	checkGitHubPRGate = "github.pr-gate"
)

// prExpect is a healthy Azure Repos pull-request build's verdicts, with the
// given exceptions (id, status pairs).
func prExpect(except ...string) map[string]string {
	m := azdoExpect()
	for k, v := range sonarExpect() {
		m[k] = v
	}
	for k, v := range map[string]string{checkRepoHistory: "pass", checkMainBranch: "pass", checkPRTarget: "pass", checkAzdoPRGate: "pass"} {
		m[k] = v
	}
	for i := 0; i+1 < len(except); i += 2 {
		m[except[i]] = except[i+1]
	}
	return m
}

func prScenarios() []Scenario {
	// Azure Repos, with the PAT, so that every pull-request check runs.
	azdo := func(name, summary string, edit func(*Scenario), expect map[string]string, text map[string]string) Scenario {
		sc := Scenario{Name: name, Summary: summary, Sonar: HealthySonar(), Azdo: HealthyAzdo(),
			Env: map[string]string{"AZURE_DEVOPS_EXT_PAT": "{{pat}}"}, Expect: expect, ExpectText: text}
		if edit != nil {
			edit(&sc)
		}
		return sc
	}
	return []Scenario{
		azdo("shallow-pr-checkout",
			"A pull-request build with the YAML default checkout (fetchDepth 1): the agent fetched only the merge commit, so the history is shallow and the target branch main is not in the checkout.",
			func(sc *Scenario) { sc.Checkout = Checkout{ByCommit: true} },
			prExpect(checkRepoHistory, "warn"),
			map[string]string{checkRepoHistory: "fetchDepth: 0"}),
		azdo("shallow-branch-fetch",
			"A pull-request build fetched with depth 1 but with every branch: main is there, yet the scanner finds no merge base in the shallow history.",
			func(sc *Scenario) { sc.Checkout = Checkout{Shallow: true, Packed: true} },
			prExpect(checkRepoHistory, "warn"),
			map[string]string{checkRepoHistory: "No merge base found between HEAD and refs/remotes/origin/main"}),
		azdo("main-branch-renamed",
			"The project was created by hand and kept master as its main branch while the repository's default branch is main; builds of main made a second branch main in SonarQube.",
			func(sc *Scenario) {
				sc.Sonar.Branches = []SonarBranch{
					{Name: "master", Main: true, AnalysedAgo: 400 * 24 * time.Hour, QualityGate: "OK"},
					{Name: "main", AnalysedAgo: 26 * time.Hour, QualityGate: "ERROR"},
				}
			},
			prExpect(checkMainBranch, "warn"),
			map[string]string{checkMainBranch: "api/project_branches/set_main"}),
		azdo("pr-target-unanalysed",
			"A pull request into release/2.0, a branch SonarQube has never analysed: SonarQube compares it with the main branch instead.",
			func(sc *Scenario) {
				sc.Env["SYSTEM_PULLREQUEST_TARGETBRANCH"] = "refs/heads/release/2.0"
				sc.Checkout = Checkout{Branches: []string{"main", "release/2.0", prSourceBranch}}
				sc.Azdo.StatusPolicies = append(sc.Azdo.StatusPolicies,
					AzdoStatusPolicy{Genre: "SonarQube", Name: "quality gate", RefName: "refs/heads/release/", MatchKind: "Prefix", AllRepositories: true})
			},
			prExpect(checkPRTarget, "warn"),
			map[string]string{checkPRTarget: "takes its main branch main as the pull request's reference"}),
		azdo("no-status-policy",
			"main has a status policy, but for another service's status: nothing requires SonarQube's quality gate, so a failing gate does not block merges.",
			func(sc *Scenario) {
				sc.Azdo.StatusPolicies = []AzdoStatusPolicy{{Genre: "coverage", Name: "diff", RefName: "refs/heads/main", MatchKind: "Exact"}}
			},
			prExpect(checkAzdoPRGate, "warn"),
			map[string]string{checkAzdoPRGate: "a failing quality gate will not block merges"}),
		{
			Name:    "fork-without-secrets",
			Summary: "A GitHub pull request from a fork: Azure Pipelines withholds the pipeline's secrets, so the SonarQube token arrives as its unexpanded $(SONAR_TOKEN) macro.",
			Sonar:   gitHubSonar("https://"+gitHubDotComAPI, gitHubRepo), GitHub: HealthyGitHub(),
			Env: func() map[string]string {
				e := gitHubEnv("GitHub", "https://github.com/"+gitHubRepo)
				e["SONAR_TOKEN"] = "$(SONAR_TOKEN)"
				e["GITHUB_TOKEN"] = "$(GITHUB_TOKEN)"
				e["SYSTEM_PULLREQUEST_ISFORK"] = "True"
				return e
			}(),
			Expect: map[string]string{
				checkConfig: "fail", checkSonarServer: "skip", checkSonarToken: "skip", checkRepoHistory: "pass",
				checkMainBranch: "skip", checkPRTarget: "skip", checkGitHubPRGate: "skip",
			},
			ExpectText: map[string]string{checkConfig: "Make secrets available to builds of forks"},
		},
		{
			Name:    "github-no-required-check",
			Summary: "GitHub's branch protection of main requires the build but not SonarQube Code Analysis: a failing quality gate does not block merges.",
			Sonar:   gitHubSonar("https://"+gitHubDotComAPI, gitHubRepo),
			GitHub: func() GitHub {
				g := HealthyGitHub()
				g.Protection = map[string][]string{"main": {"ci/azure-pipelines"}}
				return g
			}(),
			Env:        gitHubEnv("GitHub", "https://github.com/"+gitHubRepo),
			Expect:     map[string]string{"github.repo": "pass", checkRepoHistory: "pass", checkMainBranch: "pass", checkPRTarget: "pass", checkGitHubPRGate: "warn"},
			ExpectText: map[string]string{checkGitHubPRGate: "a failing quality gate will not block merges"},
		},
		{
			Name:    "github-ruleset-gate",
			Summary: "An organization ruleset requires SonarQube Code Analysis on main, and the token cannot read branch protection (no admin rights): the rulesets alone prove the gate.",
			Sonar:   gitHubSonar("https://"+gitHubDotComAPI, gitHubRepo),
			GitHub: func() GitHub {
				g := HealthyGitHub()
				g.Protection = nil
				g.ProtectionNoAdmin = true
				g.RulesetChecks = map[string][]string{"main": {"SonarQube Code Analysis"}}
				return g
			}(),
			Env:        gitHubEnv("GitHub", "https://github.com/"+gitHubRepo),
			Expect:     map[string]string{"github.repo": "pass", checkGitHubPRGate: "pass"},
			ExpectText: map[string]string{checkGitHubPRGate: "(ruleset)"},
		},
		{
			Name:    "github-protection-unreadable",
			Summary: "No ruleset requires SonarQube's check, and the token lacks admin rights to read branch protection: the gate could not be verified.",
			Sonar:   gitHubSonar("https://"+gitHubDotComAPI, gitHubRepo),
			GitHub: func() GitHub {
				g := HealthyGitHub()
				g.ProtectionNoAdmin = true
				return g
			}(),
			Env:        gitHubEnv("GitHub", "https://github.com/"+gitHubRepo),
			Expect:     map[string]string{"github.repo": "pass", checkGitHubPRGate: "warn"},
			ExpectText: map[string]string{checkGitHubPRGate: "Could not verify"},
		},
	}
}
