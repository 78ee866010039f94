package simulator

import "time"

// SonarQube-side check ids, as the preflight catalog names them.
const (
	checkConfig       = "config"
	checkSonarServer  = "sonar.server"
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
		checkConfig: "pass", checkSonarServer: "pass", checkSonarToken: "pass", checkSonarBaseURL: "pass",
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
			sonarExpect(append([]string{checkSonarToken, "fail"}, afterToken...)...)),
		sc("token-expiring",
			"The token is accepted but expires in 7 days.",
			func(s *Sonar) { s.TokenExpiresIn = 7 * 24 * time.Hour },
			sonarExpect(checkSonarToken, "warn")),
		sc("token-not-admin",
			"The token's user lacks Administer System and no admin token is given, so the DevOps Platform record and its PAT cannot be verified.",
			func(s *Sonar) { s.UserNotAdmin = true },
			sonarExpect(checkSonarDevOps, "warn", checkSonarPAT, "warn")),
		withEnv(sc("admin-token",
			"The token's user lacks Administer System, but SONAR_ADMIN_TOKEN carries an administrator's token for the admin-only checks.",
			func(s *Sonar) { s.UserNotAdmin = true },
			sonarExpect()), map[string]string{"SONAR_ADMIN_TOKEN": "{{admintoken}}"}),
		sc("server-starting",
			"SonarQube reports STARTING: it cannot serve analyses yet.",
			func(s *Sonar) { s.Status = "STARTING" },
			sonarExpect(append([]string{checkSonarServer, "fail", checkSonarToken, "skip"}, afterToken...)...)),
		sc("db-migration-needed",
			"SonarQube was upgraded but its database was not: it reports DB_MIGRATION_NEEDED and serves nothing else.",
			func(s *Sonar) { s.Status = "DB_MIGRATION_NEEDED" },
			sonarExpect(append([]string{checkSonarServer, "fail", checkSonarToken, "skip"}, afterToken...)...)),
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
		sc("proxy-sign-in-page",
			"A reverse proxy in front of SonarQube answers every API call with its sign-in page (200 text/html).",
			func(s *Sonar) { s.HTMLInsteadOfJSON = true },
			sonarExpect(append([]string{checkSonarServer, "fail", checkSonarToken, "skip"}, afterToken...)...)),
	}
}
