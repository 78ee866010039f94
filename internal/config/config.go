// Package config turns the pipeline's environment (task inputs, service
// connection, predefined variables) and the command line into one validated
// Config. It does no network I/O, and it reports every problem at once.
package config

import (
	"net/url"
	"strings"
	"time"

	"sonar-preflight/internal/secret"
)

// Config is everything a preflight run needs to know.
type Config struct {
	SonarURL   string        // absolute http(s), no user info, no trailing slash
	SonarToken secret.Secret // user token (squ_) preferred
	AdminToken secret.Secret // optional; admin-only checks fall back to SonarToken
	ProjectKey string

	AzurePAT    secret.Secret // optional: enables the azdo.* checks
	GitHubToken secret.Secret // optional: enables github.repo

	FailOn  string        // "error" or "warning"
	Timeout time.Duration // overall deadline
	Format  string        // auto|azp|text|json|markdown (resolved: never "auto")
	Debug   bool

	Pipeline Pipeline
	Proxy    Proxy
	CAFiles  []string // extra PEM bundles (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, AGENT_CAINFO)
	// CASources names the variable each CA file came from.
	CASources map[string]string
	Resolve   []string // host:port:address overrides, like curl --resolve (SONAR_PREFLIGHT_RESOLVE, --resolve)

	// Sources names where each value came from ("--flag", "INPUT_X", "ENV"),
	// keyed by the plain variable's name (SONAR_TOKEN, ...), for debug output;
	// messages name them through From and Where.
	Sources map[string]string
	// Task is a run as the Azure DevOps task (its inputs are set), where a
	// missing value belongs in a task input rather than a variable.
	Task bool

	// Notes are facts about the configuration worth a line in the report
	// (e.g. whitespace removed around a token), never its values.
	Notes []string

	// Problems lists every configuration problem found; Config is usable
	// only when it is empty.
	Problems []Problem
}

// Pipeline is what the pipeline says about where it runs. Any field may be
// empty: on a laptop there is no pipeline, and in classic release pipelines
// the repository variables describe the primary artifact or are absent.
type Pipeline struct {
	InPipeline    bool   // TF_BUILD=True
	CollectionURI string // SYSTEM_TEAMFOUNDATIONCOLLECTIONURI, else SYSTEM_COLLECTIONURI
	TeamProject   string // SYSTEM_TEAMPROJECT
	RepoName      string // BUILD_REPOSITORY_NAME
	RepoProvider  string // BUILD_REPOSITORY_PROVIDER: TfsGit, GitHub, GitHubEnterprise, Git, Bitbucket, Svn, TfsVersionControl
	RepoURI       string // BUILD_REPOSITORY_URI
	Reason        string // BUILD_REASON: Manual, IndividualCI, BatchedCI, Schedule, PullRequest, ...
	PullRequestID string // SYSTEM_PULLREQUEST_PULLREQUESTID
	HostType      string // SYSTEM_HOSTTYPE: build, release, deployment
	TempDir       string // AGENT_TEMPDIRECTORY

	SourceBranch string // BUILD_SOURCEBRANCH: refs/heads/main, or refs/pull/42/merge in a pull-request build
	SourcesDir   string // BUILD_SOURCESDIRECTORY: where the checkout step put the repository

	// Pull-request builds only (Azure Pipelines sets these then, and only then).
	PullRequestNumber string // SYSTEM_PULLREQUEST_PULLREQUESTNUMBER (GitHub: the number people see)
	PRSourceBranch    string // SYSTEM_PULLREQUEST_SOURCEBRANCH
	PRTargetBranch    string // SYSTEM_PULLREQUEST_TARGETBRANCH: refs/heads/main (Azure Repos) or main (GitHub)
	PRIsFork          bool   // SYSTEM_PULLREQUEST_ISFORK=True: the pull request comes from a fork
}

// IsPullRequest reports a pull-request build: BUILD_REASON is PullRequest,
// or the pull request's id is set (a task may see the id without the reason
// when variables are copied by hand). The one place that rule is stated.
func (p Pipeline) IsPullRequest() bool {
	return strings.EqualFold(p.Reason, "PullRequest") || p.PullRequestID != ""
}

// TargetBranch is the pull request's target as a branch name (main,
// release/1.2): SYSTEM_PULLREQUEST_TARGETBRANCH without refs/heads/, which
// Azure Repos puts there and GitHub does not. Empty outside pull requests.
func (p Pipeline) TargetBranch() string {
	return BranchName(p.PRTargetBranch)
}

// BranchName turns a full branch ref (refs/heads/main) into the branch's
// name (main); any other value is returned as it is.
func BranchName(ref string) string {
	return strings.TrimPrefix(strings.TrimSpace(ref), "refs/heads/")
}

// ReleaseLike reports a classic release or deployment job, where the
// repository variables describe the primary artifact, if anything.
func (p Pipeline) ReleaseLike() bool {
	return p.HostType == "release" || p.HostType == "deployment"
}

// Proxy is the agent's proxy configuration, or the standard variables'.
type Proxy struct {
	URL      string
	Username string
	Password secret.Secret
	Bypass   []string // AGENT_PROXYBYPASSLIST as written: JavaScript regular expressions matched against the whole request URL, case-insensitively (as the task library does)
	// Standard variables, used when the agent's are absent.
	HTTPSProxy string
	HTTPProxy  string
	NoProxy    string
}

// Problem is one configuration error, naming the variable or input to fix.
type Problem struct {
	Field   string // meaning, e.g. "SonarQube URL"
	Source  string // the variable or input it came from, e.g. "INPUT_PROJECTKEY"
	Message string
	Remedy  string
}

// Secrets returns every credential of the configuration, for registration
// with the pipeline's masker and for scrubbing output.
func (c *Config) Secrets() []string {
	var out []string
	for _, s := range []secret.Secret{c.SonarToken, c.AdminToken, c.AzurePAT, c.GitHubToken, c.Proxy.Password} {
		if !s.Empty() {
			out = append(out, s.Value())
		}
	}
	if !c.Proxy.Password.Empty() && c.Proxy.Username != "" {
		// The proxy's Basic credentials travel as base64(user:password).
		out = append(out, c.Proxy.Username+":"+c.Proxy.Password.Value())
	}
	// Credentials may also sit in a proxy URL's user info.
	for _, raw := range []string{c.Proxy.URL, c.Proxy.HTTPSProxy, c.Proxy.HTTPProxy} {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				out = append(out, pw, u.User.Username()+":"+pw)
			}
		}
	}
	return out
}
