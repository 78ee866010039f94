package simulator

import "sort"

// Scenarios returns every scenario, the default first, then by name.
func Scenarios() []Scenario {
	var all []Scenario
	all = append(all, sonarScenarios()...)
	all = append(all, azdoScenarios()...)
	all = append(all, githubScenarios()...)
	all = append(all, monorepoScenarios()...)
	all = append(all, prScenarios()...)
	for i := range all {
		if all[i].ExpectText == nil {
			all[i].ExpectText = expectText[all[i].Name]
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if (all[i].Name == DefaultScenario) != (all[j].Name == DefaultScenario) {
			return all[i].Name == DefaultScenario
		}
		return all[i].Name < all[j].Name
	})
	return all
}

// DefaultScenario is what `demo` runs without --scenario: it shows at least
// one failure and its remedy.
const DefaultScenario = "base-url-unset"

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}

// expectText holds, per scenario, the words that name its cause: a status
// alone cannot tell an expired PAT from a revoked one.
var expectText = map[string]map[string]string{
	"healthy":                         {"sonar.devops-pat": "SonarQube validated the credentials stored in Azure DevOps record ado"},
	"base-url-unset":                  {"sonar.base-url": "neither in the UI nor in sonar.properties"},
	"base-url-loopback":               {"sonar.base-url": "points at the SonarQube machine itself"},
	"base-url-other-host":             {"sonar.base-url": "links in pull requests use the base URL's host"},
	"no-devops-config":                {"sonar.devops-config": "has no Azure DevOps configuration record"},
	"wrong-organization":              {"sonar.devops-config": "SonarQube's records point elsewhere: ado (https://dev.azure.com/northwind)", "sonar.binding": "once record ado points at https://dev.azure.com/contoso"},
	"project-not-bound":               {"sonar.binding": "is not bound to any DevOps Platform configuration"},
	"bound-other-repository":          {"sonar.binding": `its repository is "legacy-web-app", while this pipeline builds "web-app"`},
	"pat-rejected":                    {"sonar.devops-pat": "SonarQube's own path to Azure DevOps"},
	"token-rejected":                  {"sonar.token": "SonarQube rejected the token"},
	"token-expiring":                  {"sonar.token": "expires on"},
	"token-not-admin":                 {"sonar.devops-config": "points at this pipeline's organization", "sonar.devops-pat": "Could not verify"},
	"community-edition-pr":            {"sonar.edition": "the analysis will fail"},
	"community-build-branch":          {"sonar.edition": "No pull request will ever be decorated"},
	"community-branch-plugin":         {"sonar.edition": "third-party plugin"},
	"edition-unknown":                 {"sonar.edition": "Could not verify SonarQube's edition"},
	"enterprise-other-organization":   {"sonar.devops-config": "Create configuration: add a record for https://dev.azure.com/contoso"},
	"base-url-in-sonar-properties":    {"sonar.base-url": "comes from sonar.properties"},
	"base-url-invisible":              {"sonar.base-url": "give an admin token"},
	"base-url-overridden":             {"sonar.base-url": "overrides it"},
	"record-url-project-path":         {"sonar.devops-config": "set the Azure DevOps URL to https://dev.azure.com/contoso"},
	"record-url-http-2025":            {"sonar.devops-config": "follow no redirects"},
	"record-url-http-10":              {"sonar.devops-config": "clear text"},
	"record-without-url":              {"sonar.devops-config": "has no URL at all"},
	"analysis-token":                  {"sonar.binding": "an analysis token cannot read DevOps settings"},
	"project-analysis-token":          {"sonar.devops-config": "an analysis token cannot read DevOps settings"},
	"inline-annotations-off":          {"sonar.binding": "no issue as a comment"},
	"github-summary-comment-off":      {"sonar.binding": "no summary comment"},
	"force-auth-off-anonymous":        {"sonar.token": "does not force authentication"},
	"server-starting":                 {"sonar.server": "status STARTING"},
	"db-migration-needed":             {"sonar.server": "database migration"},
	"old-server":                      {"sonar.server": "older than 9.9 LTA"},
	"proxy-sign-in-page":              {"sonar.server": "text/html"},
	"azdo-healthy":                    {"azdo.pat": "it belongs to", "azdo.code-read": "Code write scope: not verifiable read-only"},
	"pat-expired":                     {"azdo.pat": "The PAT has expired"},
	"pat-sign-in-page":                {"azdo.pat": "sign-in page"},
	"pat-revoked-or-inactive":         {"azdo.pat": "did not sign in for 30 days"},
	"pat-wrong-organization":          {"azdo.pat": "does not exist (404)"},
	"pat-anonymous":                   {"azdo.pat": "anonymous user"},
	"no-code-scope":                   {"azdo.code-read": "most likely it lacks scope Code (Read & write)"},
	"stakeholder":                     {"azdo.code-read": "TF401019", "azdo.access-level": "Stakeholder access"},
	"not-a-contributor":               {"azdo.contribute": "lacks Contribute and Contribute to pull requests"},
	"global-pat":                      {"azdo.global-pat": "All accessible organizations"},
	"entitlement-unreadable":          {"azdo.access-level": "Could not verify"},
	"github-sso-required":             {"github.repo": "sso?authorization_request="},
	"github-bad-credentials":          {"github.repo": "Bad credentials"},
	"github-not-found":                {"github.repo": "not visible to this token"},
	"github-record-invalid":           {"sonar.devops-pat": "Missing permissions"},
	"github-enterprise-host-mismatch": {"sonar.devops-config": "No GitHub configuration record serves this repository's host"},
	"other-provider":                  {"sonar.devops-config": "Bitbucket"},
}
