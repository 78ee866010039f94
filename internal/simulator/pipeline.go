package simulator

// The simulated organization, project and repository. A healthy scenario
// binds the SonarQube project to exactly these.
const (
	defaultOrg        = "contoso"
	defaultProject    = "Fabrikam"
	defaultRepo       = "web-app"
	defaultProjectKey = "fabrikam-web-app"
	defaultAlmKey     = "ado"
	defaultOrgURL     = "https://dev.azure.com/" + defaultOrg
)

// defaultPipelineEnv is what an Azure Pipelines agent passes to a task in a
// pull-request build of an Azure Repos repository.
func defaultPipelineEnv(sc Scenario) map[string]string {
	return map[string]string{
		"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": defaultOrgURL + "/",
		"SYSTEM_COLLECTIONURI":               defaultOrgURL + "/",
		"SYSTEM_TEAMPROJECT":                 defaultProject,
		"BUILD_REPOSITORY_NAME":              defaultRepo,
		"BUILD_REPOSITORY_PROVIDER":          "TfsGit",
		"BUILD_REPOSITORY_URI":               defaultOrgURL + "/" + defaultProject + "/_git/" + defaultRepo,
		"BUILD_REASON":                       "PullRequest",
		"BUILD_SOURCEBRANCH":                 "refs/pull/" + prNumber + "/merge",
		"SYSTEM_PULLREQUEST_PULLREQUESTID":   prNumber,
		"SYSTEM_PULLREQUEST_SOURCEBRANCH":    "refs/heads/" + prSourceBranch,
		"SYSTEM_PULLREQUEST_TARGETBRANCH":    "refs/heads/main",
		"SYSTEM_PULLREQUEST_ISFORK":          "False",
	}
}

// branchBuildEnv turns the default pull-request build into a CI build of
// main, as the agent describes one: no pull-request variables at all.
func branchBuildEnv() map[string]string {
	return map[string]string{
		"BUILD_REASON":                     "IndividualCI",
		"BUILD_SOURCEBRANCH":               "refs/heads/main",
		"SYSTEM_PULLREQUEST_PULLREQUESTID": "",
		"SYSTEM_PULLREQUEST_SOURCEBRANCH":  "",
		"SYSTEM_PULLREQUEST_TARGETBRANCH":  "",
		"SYSTEM_PULLREQUEST_ISFORK":        "",
	}
}
