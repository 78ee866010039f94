package simulator

import "time"

// SonarQube-side check ids, as the preflight catalog names them.
const (
	checkConfig       = "config"
	checkSonarServer  = "sonar.server"
	checkSonarEdition = "sonar.edition"
	checkSonarToken   = "sonar.token"
	checkSonarBaseURL = "sonar.base-url"
	checkSonarDevOps  = "sonar.devops-config"
	checkSonarBinding = "sonar.binding"
	checkSonarPAT     = "sonar.devops-pat"
)

// sonarExpect is every SonarQube-side check passing, with the given
// exceptions.
func sonarExpect(except ...string) map[string]string {
	m := map[string]string{
		checkConfig: "pass", checkSonarServer: "pass", checkSonarEdition: "pass", checkSonarToken: "pass", checkSonarBaseURL: "pass",
		checkSonarDevOps: "pass", checkSonarBinding: "pass", checkSonarPAT: "pass",
	}
	for i := 0; i+1 < len(except); i += 2 {
		m[except[i]] = except[i+1]
	}
	return m
}

// afterToken is what every check behind sonar.token finishes with when the
// token (or the server) fails: skipped.
var afterToken = []string{checkSonarBaseURL, "skip", checkSonarDevOps, "skip", checkSonarBinding, "skip", checkSonarPAT, "skip"}

// afterServer is what the checks behind sonar.server finish with when the
// server fails: skipped.
var afterServer = append([]string{checkSonarServer, "fail", checkSonarEdition, "skip", checkSonarToken, "skip"}, afterToken...)

func sonarScenarios() []Scenario {
	sc := func(name, summary string, edit func(*Sonar), expect map[string]string) Scenario {
		s := HealthySonar()
		if edit != nil {
			edit(&s)
		}
		return Scenario{Name: name, Summary: summary, Sonar: s, Expect: expect}
	}
	withEnv := func(s Scenario, env map[string]string) Scenario { s.Env = env; return s }
	bp := func(b bool) *bool { return &b }

	return []Scenario{
		sc("healthy",
			"SonarQube 10.7 with the base URL set, an Azure DevOps record for the organization and the project bound to this repository.",
			nil, sonarExpect()),
		sc("healthy-9.9",
			"SonarQube 9.9 LTA, which accepts only Basic token authentication and needs project Administer to read the binding.",
			func(s *Sonar) {
				s.Version = "9.9.8.100196"
				s.LegacyNotBoundWording = true
			}, sonarExpect()),
		sc("healthy-2025",
			"SonarQube 2025.1 behind the context path /sonarqube, with the Azure binding's inline-annotations flag.",
			func(s *Sonar) {
				s.Version = "2025.1.0.102418"
				s.ContextPath = "/sonarqube"
				s.BaseURL = "https://" + SonarHost + "/sonarqube"
				s.Binding.InlineAnnotationsEnabled = bp(true)
			}, sonarExpect()),
		sc(DefaultScenario,
			"The server base URL (sonar.core.serverBaseURL) is not set, so pull-request decoration cannot link back to SonarQube.",
			func(s *Sonar) { s.BaseURL = "" },
			sonarExpect(checkSonarBaseURL, "fail")),
		sc("base-url-loopback",
			"The server base URL is http://localhost:9000, which no one but the SonarQube machine can open.",
			func(s *Sonar) { s.BaseURL = "http://localhost:9000" },
			sonarExpect(checkSonarBaseURL, "fail")),
		sc("base-url-other-host",
			"The server base URL names another host than the one the pipeline reaches SonarQube at.",
			func(s *Sonar) { s.BaseURL = "https://sonarqube-old.fabrikam.example" },
			sonarExpect(checkSonarBaseURL, "warn")),
		sc("no-devops-config",
			"SonarQube has no Azure DevOps configuration record at all, so no project can be bound to Azure DevOps.",
			func(s *Sonar) {
				s.AzureRecords = nil
				s.Binding = nil // deleting a record deletes its bindings
			},
			sonarExpect(checkSonarDevOps, "fail", checkSonarBinding, "fail", checkSonarPAT, "skip")),
		sc("wrong-organization",
			"The only Azure DevOps record, and the project's binding, point at another organization (northwind) than the pipeline's (contoso).",
			func(s *Sonar) {
				s.AzureRecords = []SonarAlmRecord{{Key: defaultAlmKey, URL: "https://dev.azure.com/northwind"}}
			},
			sonarExpect(checkSonarDevOps, "fail", checkSonarBinding, "fail", checkSonarPAT, "skip")),
		sc("project-not-bound",
			"The SonarQube project has no DevOps Platform binding, so pull requests are analysed but never decorated.",
			func(s *Sonar) { s.Binding = nil },
			sonarExpect(checkSonarBinding, "fail", checkSonarPAT, "skip")),
		sc("bound-other-repository",
			"The SonarQube project is bound to another repository (legacy-web-app) than the one this pipeline builds.",
			func(s *Sonar) { s.Binding.Repository = "legacy-web-app" },
			sonarExpect(checkSonarBinding, "fail", checkSonarPAT, "skip")),
		sc("pat-rejected",
			"Azure DevOps rejects the PAT stored in SonarQube's record: validation answers 'Invalid Azure URL or Personal Access Token'.",
			func(s *Sonar) {
				s.ValidationError = map[string]string{defaultAlmKey: "Invalid Azure URL or Personal Access Token"}
			},
			sonarExpect(checkSonarPAT, "fail")),
		sc("token-rejected",
			"SonarQube does not accept the token (revoked, expired or mistyped): every authenticated call answers 401.",
			func(s *Sonar) { s.TokenRejected = true },
			sonarExpect(append([]string{checkSonarToken, "fail", checkSonarEdition, "skip"}, afterToken...)...)),
		sc("token-expiring",
			"The token is accepted but expires in 7 days.",
			func(s *Sonar) { s.TokenExpiresIn = 7 * 24 * time.Hour },
			sonarExpect(checkSonarToken, "warn")),
		sc("token-not-admin",
			"The token's user lacks Administer System and no admin token is given: the records are read with Create Projects (api/alm_settings/list), but the stored PAT cannot be verified.",
			func(s *Sonar) { s.UserNotAdmin = true },
			sonarExpect(checkSonarPAT, "warn")),
		withEnv(sc("admin-token",
			"The token's user lacks Administer System, but SONAR_ADMIN_TOKEN carries an administrator's token for the admin-only checks.",
			func(s *Sonar) { s.UserNotAdmin = true },
			sonarExpect()), map[string]string{"SONAR_ADMIN_TOKEN": "{{admintoken}}"}),
		sc("server-starting",
			"SonarQube reports STARTING: it cannot serve analyses yet.",
			func(s *Sonar) { s.Status = "STARTING" },
			sonarExpect(afterServer...)),
		sc("db-migration-needed",
			"SonarQube was upgraded but its database was not: it reports DB_MIGRATION_NEEDED and serves nothing else.",
			func(s *Sonar) { s.Status = "DB_MIGRATION_NEEDED" },
			sonarExpect(afterServer...)),
		sc("old-server",
			"SonarQube 8.9 is older than the oldest supported release (9.9 LTA): a warning, not a failure, since the other checks still work on it.",
			func(s *Sonar) {
				s.Version = "8.9.10.61524"
				s.LegacyNotBoundWording = true
			},
			sonarExpect(checkSonarServer, "warn")),
		sc("force-auth-off-anonymous",
			"A reverse proxy drops the Authorization header and SonarQube does not force authentication: validate says valid, yet the caller is anonymous.",
			func(s *Sonar) {
				s.ForceAuthenticationOff = true
				s.AuthorizationStripped = true
			},
			sonarExpect(append([]string{checkSonarToken, "fail"}, afterToken...)...)),
		// Rule 1: the edition.
		sc("community-edition-pr",
			"SonarQube Community Edition on a pull-request build: it cannot analyse pull requests, so the analysis itself will fail.",
			func(s *Sonar) { s.Edition = "community" },
			sonarExpect(checkSonarEdition, "fail")),
		withEnv(sc("community-build-branch",
			"SonarQube Community Build 25.3 on a CI build of main: no pull request will ever be decorated, a warning.",
			func(s *Sonar) { s.Edition = "community"; s.Version = "25.3.0.104237" },
			sonarExpect(checkSonarEdition, "warn")), branchBuildEnv()),
		sc("community-branch-plugin",
			"Community Edition with a third-party plugin that adds branch-support: pull requests are analysed, with a note.",
			func(s *Sonar) { s.Edition = "community"; s.BranchPlugin = true },
			sonarExpect()),
		sc("edition-unknown",
			"A reverse proxy refuses SonarQube's internal web services, so the edition cannot be read: a warning, never a failure.",
			func(s *Sonar) { s.InternalAPIsBlocked = true },
			sonarExpect(checkSonarEdition, "warn")),
		sc("enterprise-other-organization",
			"Enterprise Edition whose only Azure DevOps record points at another organization: another record can be created.",
			func(s *Sonar) {
				s.Edition = "enterprise"
				s.AzureRecords = []SonarAlmRecord{{Key: defaultAlmKey, URL: "https://dev.azure.com/northwind"}}
			},
			sonarExpect(checkSonarDevOps, "fail", checkSonarBinding, "fail", checkSonarPAT, "skip")),

		// Rule 2: the base URL SonarQube uses.
		sc("base-url-in-sonar-properties",
			"The server base URL is set only in sonar.properties: the UI shows nothing, api/system/info (Administer System) shows the value SonarQube uses.",
			func(s *Sonar) { s.BaseURL = ""; s.SystemBaseURL = "https://" + SonarHost },
			sonarExpect()),
		sc("base-url-invisible",
			"The server base URL is set only in sonar.properties and the token lacks Administer System: it cannot be verified, a warning.",
			func(s *Sonar) { s.BaseURL = ""; s.SystemBaseURL = "https://" + SonarHost; s.UserNotAdmin = true },
			sonarExpect(checkSonarBaseURL, "warn", checkSonarPAT, "warn")),
		sc("base-url-overridden",
			"The UI's base URL is right, but sonar.properties overrides it with http://localhost:9000, which SonarQube uses.",
			func(s *Sonar) { s.SystemBaseURL = "http://localhost:9000" },
			sonarExpect(checkSonarBaseURL, "fail")),

		// Rule 3: the record URL's shape.
		sc("record-url-project-path",
			"The Azure DevOps record's URL names a project (https://dev.azure.com/contoso/Fabrikam): SonarQube's import and decoration calls would name the project twice.",
			func(s *Sonar) { s.AzureRecords[0].URL = defaultOrgURL + "/" + defaultProject },
			sonarExpect(checkSonarDevOps, "fail", checkSonarPAT, "skip")),
		sc("record-url-http-2025",
			"SonarQube 2025.1 with an http:// record URL for Azure DevOps Services: it follows no redirects, so every call fails.",
			func(s *Sonar) {
				s.Version = "2025.1.0.102418"
				s.AzureRecords[0].URL = "http://dev.azure.com/" + defaultOrg
			},
			sonarExpect(checkSonarDevOps, "fail", checkSonarPAT, "skip")),
		sc("record-url-http-10",
			"SonarQube 10.7 with an http:// record URL: it follows the redirect, but sends the PAT in clear text first and then loses it (OkHttp drops it on a scheme change); a warning.",
			func(s *Sonar) { s.AzureRecords[0].URL = "http://dev.azure.com/" + defaultOrg },
			sonarExpect(checkSonarDevOps, "warn")),
		sc("record-without-url",
			"The Azure DevOps record was made before SonarQube 8.6 and has no URL: validation answers 500.",
			func(s *Sonar) { s.AzureRecords[0].URL = "" },
			sonarExpect(checkSonarDevOps, "fail", checkSonarPAT, "skip")),

		// Rule 5: token kinds.
		sc("analysis-token",
			"The token is a global analysis token (sqa_): it reads the records with Create Projects, but cannot read the binding or validate the record.",
			func(s *Sonar) { s.TokenKind = "global-analysis" },
			sonarExpect(checkSonarBinding, "warn", checkSonarPAT, "skip")),
		sc("project-analysis-token",
			"The token is a project analysis token (sqp_): it cannot read any DevOps setting.",
			func(s *Sonar) { s.TokenKind = "project-analysis" },
			sonarExpect(checkSonarDevOps, "warn", checkSonarBinding, "warn", checkSonarPAT, "skip")),

		// Rule 11: what the pull request will show.
		sc("inline-annotations-off",
			"SonarQube 2025.1 with inline annotations off in the project's binding: pull requests get the quality gate, but no issue comments.",
			func(s *Sonar) { s.Version = "2025.1.0.102418"; s.Binding.InlineAnnotationsEnabled = bp(false) },
			sonarExpect()),

		{
			Name:    "github-summary-comment-off",
			Summary: "A GitHub repository whose binding has the summary comment off: pull requests get SonarQube's check run, but no summary comment.",
			Sonar: func() Sonar {
				s := gitHubSonar("https://"+gitHubDotComAPI, gitHubRepo)
				s.Binding.SummaryCommentEnabled = bp(false)
				return s
			}(),
			GitHub: HealthyGitHub(),
			Env:    gitHubEnv("GitHub", "https://github.com/"+gitHubRepo),
			Expect: sonarExpect(),
		},
		sc("proxy-sign-in-page",
			"A reverse proxy in front of SonarQube answers every API call with its sign-in page (200 text/html).",
			func(s *Sonar) { s.HTMLInsteadOfJSON = true },
			sonarExpect(afterServer...)),
	}
}
