package config

// Input is one task input of the Azure DevOps task and the variables that
// carry the same value outside a task.
type Input struct {
	Name     string // task.json input name
	Env      string // what the agent sets: INPUT_<NAME upper-cased>
	Plain    string // plain environment variable for the CLI and other CI systems ("" if none)
	Flag     string // command-line flag ("" if none)
	Meaning  string
	Secret   bool
	Required bool
}

// Inputs is the contract between task.json and the binary: every task input
// is read here, and packaging tests check task.json against this list.
var Inputs = []Input{
	{Name: "SonarQube", Env: "INPUT_SONARQUBE", Plain: "SONAR_HOST_URL / SONAR_TOKEN", Meaning: "SonarQube service connection (server URL and token)", Required: true},
	{Name: "projectKey", Env: "INPUT_PROJECTKEY", Plain: "SONAR_PROJECT_KEY", Flag: "--project-key", Meaning: "SonarQube project key", Required: true},
	{Name: "adminToken", Env: "INPUT_ADMINTOKEN", Plain: "SONAR_ADMIN_TOKEN", Meaning: "token with Administer System for the admin-only checks", Secret: true},
	{Name: "azureDevOpsPat", Env: "INPUT_AZUREDEVOPSPAT", Plain: "AZURE_DEVOPS_EXT_PAT", Meaning: "the Azure DevOps PAT that SonarQube's configuration record holds", Secret: true},
	{Name: "organization", Env: "INPUT_ORGANIZATION", Plain: "AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION", Flag: "--organization", Meaning: "an Azure DevOps organization URL the PAT may be sent to besides the pipeline's"},
	{Name: "gitHubToken", Env: "INPUT_GITHUBTOKEN", Plain: "GITHUB_TOKEN", Meaning: "a GitHub token to check the repository's visibility (the audit: every GitHub-bound repository)", Secret: true},
	{Name: "failOn", Env: "INPUT_FAILON", Plain: "SONAR_PREFLIGHT_FAIL_ON", Flag: "--fail-on", Meaning: "verdict that fails the step: error or warning"},
	{Name: "timeout", Env: "INPUT_TIMEOUT", Plain: "SONAR_PREFLIGHT_TIMEOUT", Flag: "--timeout", Meaning: "overall deadline in seconds"},
	// The fleet audit (sonar-preflight audit); the launcher passes command.
	{Name: "command", Env: "INPUT_COMMAND", Meaning: "check (this pipeline), audit (every project of the server) or merge (a sharded audit's reports)"},
	{Name: "auditReports", Env: "INPUT_AUDITREPORTS", Meaning: "the shard reports audit merge joins (glob patterns)"},
	{Name: "auditReport", Env: "INPUT_AUDITREPORT", Plain: "SONAR_PREFLIGHT_AUDIT_REPORT", Flag: "--json-file", Meaning: "where the audit writes its JSON report"},
	{Name: "auditBaseline", Env: "INPUT_AUDITBASELINE", Plain: "SONAR_PREFLIGHT_AUDIT_BASELINE", Flag: "--baseline", Meaning: "a previous audit's report, to tell renamed repositories from deleted ones"},
	{Name: "organizations", Env: "INPUT_ORGANIZATIONS", Plain: "SONAR_PREFLIGHT_ORGANIZATIONS", Flag: "--organizations", Meaning: "Azure DevOps organizations the audit lists besides the records'"},
	{Name: "gitHubUrls", Env: "INPUT_GITHUBURLS", Plain: "SONAR_PREFLIGHT_GITHUB_URLS", Flag: "--github-urls", Meaning: "GitHub Enterprise API URLs the audit may send the GitHub token to besides GitHub.com's"},
	{Name: "trustRecordOrganizations", Env: "INPUT_TRUSTRECORDORGANIZATIONS", Plain: "SONAR_PREFLIGHT_TRUST_RECORD_ORGANIZATIONS", Flag: "--trust-record-organizations", Meaning: "the audit may send the PAT to every Services organization SonarQube's records name"},
	{Name: "requireBinding", Env: "INPUT_REQUIREBINDING", Flag: "--require-binding", Meaning: "the audit fails unbound projects"},
	{Name: "auditTimeout", Env: "INPUT_AUDITTIMEOUT", Flag: "--timeout", Meaning: "the audit's overall deadline in seconds"},
}
