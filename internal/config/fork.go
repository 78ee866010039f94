package config

import "strings"

// forkSecretFields are the problems a build of a fork's pull request causes
// by getting no secrets: the credentials, and the service connection, whose
// credentials are withheld too.
var forkSecretFields = map[string]bool{
	meaning["SONAR_TOKEN"]: true, meaning["SONAR_ADMIN_TOKEN"]: true,
	meaning["AZURE_DEVOPS_EXT_PAT"]: true, meaning["GITHUB_TOKEN"]: true,
}

// forkRemedy says why a fork's build has no secrets and what the choices
// are (Microsoft's "Build GitHub repositories" documentation, "Contributions
// from forks": secret variables, secure files and service connection
// credentials are withheld from builds of forks by default).
const forkRemedy = "This build is a pull request from a fork (SYSTEM_PULLREQUEST_ISFORK=True), and Azure Pipelines gives builds of forks no secrets by default: " +
	"secret variables, secure files and service connection credentials stay empty, so a token arrives empty or as its unexpanded $(…) macro. Choose one:\n" +
	"- Let fork builds have secrets: the pipeline > Edit > Triggers > Pull request validation > Make secrets available to builds of forks. Only if you trust every fork's code, which could read them; " +
	"an organization or project setting \"Limit building pull requests from forked GitHub repositories\" (Settings > Pipelines > Settings) can forbid it whatever the pipeline says.\n" +
	"- Keep secrets from strangers: also tick Require a team member's comment before building a pull request, so that someone reviews a fork's change before it runs with them.\n" +
	"- Skip the SonarQube steps on fork builds: add condition: ne(variables['System.PullRequest.IsFork'], 'True') to this step and to the SonarQube tasks."

// explainForkSecrets rewrites the credential problems of a fork's build:
// the usual remedy (put a token in the service connection) is wrong there,
// since the token is there but withheld.
func (c *Config) explainForkSecrets() {
	if !c.Pipeline.PRIsFork {
		return
	}
	for i, p := range c.Problems {
		// The service connection's problem: its URL and token were not
		// passed to the step (load.go names it so).
		serviceConnection := p.Field == "SonarQube service connection" ||
			p.Field == meaning["SONAR_HOST_URL"] && strings.HasPrefix(p.Source, "ENDPOINT_URL_")
		if !forkSecretFields[p.Field] && !serviceConnection {
			continue
		}
		// "No variable of that name exists" is not known here: a secret
		// variable of that name may exist and be withheld.
		if m, ok := strings.CutSuffix(p.Message, noSuchVariable); ok {
			c.Problems[i].Message = m + ": this is a pull request from a fork, whose builds get no secrets, so a secret variable of that name is withheld (or no such variable exists)"
		} else {
			c.Problems[i].Message = p.Message + " (this is a pull request from a fork, whose builds get no secrets)"
		}
		c.Problems[i].Remedy = forkRemedy
	}
}
