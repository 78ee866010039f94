package simulator

import "time"

// The SonarQube side of a GitHub pipeline: a GitHub App record for the
// repository's GitHub and the project bound to owner/repo through it.
const (
	gitHubRecordKey = "gh"
	gitHubAppID     = "12345"
	gitHubClientID  = "Iv1.abc"
)

// gitHubEnv is what an Azure Pipelines agent passes to a task building a
// GitHub repository (the organization variables stay: the pipeline still
// runs in Azure DevOps).
func gitHubEnv(provider, uri string) map[string]string {
	return map[string]string{
		"BUILD_REPOSITORY_PROVIDER": provider,
		"BUILD_REPOSITORY_NAME":     gitHubRepo,
		"BUILD_REPOSITORY_URI":      uri,
		"GITHUB_TOKEN":              "{{ghtoken}}",
		// GitHub pull requests: the id is GitHub's, the number the one people
		// see; the branches come without refs/heads/.
		"SYSTEM_PULLREQUEST_PULLREQUESTID":     "1875023405",
		"SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": prNumber,
		"SYSTEM_PULLREQUEST_SOURCEBRANCH":      prSourceBranch,
		"SYSTEM_PULLREQUEST_TARGETBRANCH":      "main",
	}
}

// checkGitHubAppInstall is the preflight's check of the App's installation.
const checkGitHubAppInstall = "github.app-install"

// withApp adds the installation check's expected status.
func withApp(m map[string]string, status string) map[string]string {
	m[checkGitHubAppInstall] = status
	return m
}

// gitHubSonar is HealthySonar with a GitHub record at recordURL and the
// project bound through it to repository.
func gitHubSonar(recordURL, repository string) Sonar {
	s := HealthySonar()
	s.GitHubRecords = []SonarAlmRecord{{Key: gitHubRecordKey, URL: recordURL, AppID: gitHubAppID, ClientID: gitHubClientID}}
	s.Binding = &SonarBinding{Key: gitHubRecordKey, Alm: "github", Repository: repository}
	return s
}

func githubScenarios() []Scenario {
	const (
		dotComURI = "https://github.com/" + gitHubRepo
		ghesURI   = "https://" + gitHubEnterprise + "/" + gitHubRepo
		dotComAPI = "https://" + gitHubDotComAPI
		ghesAPI   = "https://" + gitHubEnterprise + "/api/v3"
	)
	expect := func(devops, binding, pat, repo string) map[string]string {
		m := map[string]string{"sonar.devops-config": devops, "sonar.binding": binding, "sonar.devops-pat": pat}
		if repo != "" {
			m["github.repo"] = repo
		}
		return m
	}
	withGitHub := func(f func(*GitHub)) GitHub { g := HealthyGitHub(); f(&g); return g }
	without := func(env map[string]string, keys ...string) map[string]string {
		for _, k := range keys {
			env[k] = "" // an empty value removes the variable
		}
		return env
	}

	return []Scenario{
		{
			Name:    "github-healthy",
			Summary: "A GitHub repository: SonarQube's GitHub App record and binding match it, and the token sees it.",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: HealthyGitHub(),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "pass", "pass"),
		},
		{
			Name:    "github-enterprise",
			Summary: "A GitHub Enterprise Server repository; the record's API URL is the server's /api/v3.",
			Sonar:   gitHubSonar(ghesAPI, gitHubRepo), GitHub: HealthyGitHub(),
			Env:    gitHubEnv("GitHubEnterprise", ghesURI),
			Expect: expect("pass", "pass", "pass", "pass"),
		},
		{
			Name:    "github-enterprise-host-mismatch",
			Summary: "A GitHub Enterprise Server repository, but SonarQube's only GitHub record points at github.com.",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: HealthyGitHub(),
			Env:    gitHubEnv("GitHubEnterprise", ghesURI),
			Expect: expect("fail", "fail", "skip", "pass"),
		},
		{
			Name:    "github-binding-other-repo",
			Summary: "The project is bound to another GitHub repository than the one this pipeline builds.",
			Sonar:   gitHubSonar(dotComAPI, defaultOrg+"/legacy-app"), GitHub: HealthyGitHub(),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "fail", "skip", "pass"),
		},
		{
			Name:    "github-record-invalid",
			Summary: "SonarQube's validation of the GitHub App record fails: the app may only read pull requests.",
			Sonar: func() Sonar {
				s := gitHubSonar(dotComAPI, gitHubRepo)
				s.GitHubRecords[0].ValidationError = "Missing permissions; permission granted on pull_requests is 'read', should be 'write'"
				return s
			}(),
			GitHub: HealthyGitHub(),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "fail", "pass"),
		},
		{
			Name:    "github-bad-credentials",
			Summary: "GitHub rejects the pipeline's token: 401 Bad credentials.",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: withGitHub(func(g *GitHub) { g.BadCredentials = true }),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "pass", "fail"),
		},
		{
			Name:    "github-sso-required",
			Summary: "The organization enforces SAML SSO and the token is not authorised for it (403 with X-GitHub-SSO).",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: withGitHub(func(g *GitHub) { g.SSORequired = true }),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "pass", "fail"),
		},
		{
			Name:    "github-not-found",
			Summary: "The token cannot see the private repository: GitHub answers 404.",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: withGitHub(func(g *GitHub) { g.NotFound = true }),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "pass", "fail"),
		},
		{
			Name:    "github-rate-limited",
			Summary: "The token's GitHub rate limit is used up (403, X-RateLimit-Remaining: 0): the repository could not be verified.",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: withGitHub(func(g *GitHub) { g.RateLimited = true }),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "pass", "warn"),
		},
		{
			Name:    "github-token-expiring",
			Summary: "The token sees the repository but expires in 5 days (GitHub-Authentication-Token-Expiration).",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: withGitHub(func(g *GitHub) { g.TokenExpiresIn = 5 * 24 * time.Hour }),
			Env:    gitHubEnv("GitHub", dotComURI),
			Expect: expect("pass", "pass", "pass", "warn"),
		},
		{
			Name:    "github-no-token",
			Summary: "A GitHub repository without a GitHub token: SonarQube's side is checked, GitHub itself is not probed.",
			Sonar:   gitHubSonar(dotComAPI, gitHubRepo), GitHub: HealthyGitHub(),
			Env:    without(gitHubEnv("GitHub", dotComURI), "GITHUB_TOKEN"),
			Expect: expect("pass", "pass", "pass", "skip"),
		},
		// GitHub App installation (issue 9, rule 9): SonarQube's record
		// validates either way; only an organization owner's token can see
		// the installations.
		{
			Name:       "github-app-not-installed",
			Summary:    "SonarQube's GitHub App record validates, but the App is not installed on organization contoso; the token (an owner's, with admin:read) can list the organization's installations, so this is known, not guessed.",
			Sonar:      gitHubSonar(dotComAPI, gitHubRepo),
			GitHub:     withGitHub(func(g *GitHub) { g.InstallationsVisible, g.AppNotInstalled = true, true }),
			Env:        gitHubEnv("GitHub", dotComURI),
			Expect:     withApp(expect("pass", "pass", "pass", "pass"), "fail"),
			ExpectText: map[string]string{checkGitHubAppInstall: "is not installed on organization contoso"},
		},
		{
			Name:       "github-app-installed",
			Summary:    "The token can list organization contoso's app installations, and SonarQube's App is installed there for all repositories.",
			Sonar:      gitHubSonar(dotComAPI, gitHubRepo),
			GitHub:     withGitHub(func(g *GitHub) { g.InstallationsVisible = true }),
			Env:        gitHubEnv("GitHub", dotComURI),
			Expect:     withApp(expect("pass", "pass", "pass", "pass"), "pass"),
			ExpectText: map[string]string{checkGitHubAppInstall: "is installed on organization contoso for all repositories"},
		},
		{
			Name:       "github-app-selected-repos",
			Summary:    "SonarQube's App is installed on organization contoso for selected repositories: whether this one is among them is not visible to a token other than the App's.",
			Sonar:      gitHubSonar(dotComAPI, gitHubRepo),
			GitHub:     withGitHub(func(g *GitHub) { g.InstallationsVisible, g.AppSelectedRepos = true, true }),
			Env:        gitHubEnv("GitHub", dotComURI),
			Expect:     withApp(expect("pass", "pass", "pass", "pass"), "pass"),
			ExpectText: map[string]string{checkGitHubAppInstall: "is not visible to this token"},
		},
		{
			Name:       "github-app-unverifiable",
			Summary:    "The token cannot list organization contoso's app installations (not an owner's): the installation is noted as not verified, never failed.",
			Sonar:      gitHubSonar(dotComAPI, gitHubRepo),
			GitHub:     withGitHub(func(g *GitHub) { g.AppNotInstalled = true }),
			Env:        gitHubEnv("GitHub", dotComURI),
			Expect:     withApp(expect("pass", "pass", "pass", "pass"), "skip"),
			ExpectText: map[string]string{checkGitHubAppInstall: "Installation not verified"},
		},
		{
			Name:    "other-provider",
			Summary: "A Bitbucket Cloud repository: SonarQube's pull-request integration is not checked for it here.",
			Sonar:   HealthySonar(),
			Env: map[string]string{
				"BUILD_REPOSITORY_PROVIDER": "Bitbucket",
				"BUILD_REPOSITORY_NAME":     gitHubRepo,
				"BUILD_REPOSITORY_URI":      "https://bitbucket.org/" + gitHubRepo,
			},
			Expect: expect("skip", "skip", "skip", ""),
		},
	}
}
