package config

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/secret"
)

// DefaultTimeout is the overall deadline when none is configured.
const DefaultTimeout = 60 * time.Second

// Flags are the values given on the command line; empty means "not given".
type Flags struct {
	HostURL      string
	ProjectKey   string
	Organization string // --organization: an Azure DevOps organization URL the PAT may go to
	FailOn       string
	Timeout      string
	Format       string
	Resolve      string
	Debug        bool
	// NoProject: the command audits a whole server, so no project key is
	// asked for (sonar-preflight audit).
	NoProject bool
}

// raw is what the sources hold, before validation. Tags name the plain
// environment variable; lookup() maps each to its flag and task input.
type raw struct {
	HostURL    string `env:"SONAR_HOST_URL"`
	Token      string `env:"SONAR_TOKEN"`
	AdminToken string `env:"SONAR_ADMIN_TOKEN"`
	ProjectKey string `env:"SONAR_PROJECT_KEY"`
	AzurePAT   string `env:"AZURE_DEVOPS_EXT_PAT"`
	GitHub     string `env:"GITHUB_TOKEN"`
	// The az devops CLI's organization default ("az devops configure
	// --defaults organization=URL"), under the environment name its
	// configuration library reads: prefix AZURE_DEVOPS_EXT_, then "_",
	// section and option. The single-underscore spelling people write is
	// accepted too.
	AzureOrg    string `env:"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION"`
	AzureOrgAlt string `env:"AZURE_DEVOPS_EXT_DEFAULTS_ORGANIZATION"`
	FailOn      string `env:"SONAR_PREFLIGHT_FAIL_ON"`
	Timeout     string `env:"SONAR_PREFLIGHT_TIMEOUT"`
	Format      string `env:"SONAR_PREFLIGHT_FORMAT"`
	Resolve     string `env:"SONAR_PREFLIGHT_RESOLVE"`

	TFBuild        string `env:"TF_BUILD"`
	CollectionURI  string `env:"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"`
	CollectionURI2 string `env:"SYSTEM_COLLECTIONURI"`
	TeamProject    string `env:"SYSTEM_TEAMPROJECT"`
	RepoName       string `env:"BUILD_REPOSITORY_NAME"`
	RepoProvider   string `env:"BUILD_REPOSITORY_PROVIDER"`
	RepoURI        string `env:"BUILD_REPOSITORY_URI"`
	Reason         string `env:"BUILD_REASON"`
	PullRequestID  string `env:"SYSTEM_PULLREQUEST_PULLREQUESTID"`
	HostType       string `env:"SYSTEM_HOSTTYPE"`
	TempDir        string `env:"AGENT_TEMPDIRECTORY"`
	SourceBranch   string `env:"BUILD_SOURCEBRANCH"`
	SourcesDir     string `env:"BUILD_SOURCESDIRECTORY"`
	PRNumber       string `env:"SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"`
	PRSource       string `env:"SYSTEM_PULLREQUEST_SOURCEBRANCH"`
	PRTarget       string `env:"SYSTEM_PULLREQUEST_TARGETBRANCH"`
	PRIsFork       string `env:"SYSTEM_PULLREQUEST_ISFORK"`

	ProxyURL      string `env:"AGENT_PROXYURL"`
	ProxyUser     string `env:"AGENT_PROXYUSERNAME"`
	ProxyPass     string `env:"AGENT_PROXYPASSWORD"`
	ProxyPassSec  string `env:"SECRET_AGENT_PROXYPASSWORD"`
	ProxyBypass   string `env:"AGENT_PROXYBYPASSLIST"`
	HTTPSProxy    string `env:"HTTPS_PROXY"`
	HTTPSProxyLow string `env:"https_proxy"`
	HTTPProxy     string `env:"HTTP_PROXY"`
	HTTPProxyLow  string `env:"http_proxy"`
	NoProxy       string `env:"NO_PROXY"`
	NoProxyLow    string `env:"no_proxy"`
	NodeExtraCA   string `env:"NODE_EXTRA_CA_CERTS"`
	SSLCertFile   string `env:"SSL_CERT_FILE"`
	AgentCAInfo   string `env:"AGENT_CAINFO"`
}

// taskInput maps a plain variable to the task input that overrides it.
var taskInput = map[string]string{
	"SONAR_PROJECT_KEY":                       "INPUT_PROJECTKEY",
	"SONAR_ADMIN_TOKEN":                       "INPUT_ADMINTOKEN",
	"AZURE_DEVOPS_EXT_PAT":                    "INPUT_AZUREDEVOPSPAT",
	"GITHUB_TOKEN":                            "INPUT_GITHUBTOKEN",
	"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": "INPUT_ORGANIZATION",
	"SONAR_PREFLIGHT_FAIL_ON":                 "INPUT_FAILON",
	"SONAR_PREFLIGHT_TIMEOUT":                 "INPUT_TIMEOUT",
}

// Load reads every source, highest precedence first: flags, task inputs
// (INPUT_* and the service connection's ENDPOINT_*), plain environment.
// It never fails: problems are collected in Config.Problems.
func Load(ctx context.Context, getenv func(string) string, f Flags) *Config {
	c := &Config{Sources: map[string]string{}}
	sources := map[string]string{}
	flagVals := map[string]string{
		"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": f.Organization,
		"SONAR_HOST_URL":          f.HostURL,
		"SONAR_PROJECT_KEY":       f.ProjectKey,
		"SONAR_PREFLIGHT_FAIL_ON": f.FailOn,
		"SONAR_PREFLIGHT_TIMEOUT": f.Timeout,
		"SONAR_PREFLIGHT_FORMAT":  f.Format,
		"SONAR_PREFLIGHT_RESOLVE": f.Resolve,
	}
	flagNames := map[string]string{
		"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": "--organization",
		"SONAR_HOST_URL": "--host-url", "SONAR_PROJECT_KEY": "--project-key", "SONAR_PREFLIGHT_FAIL_ON": "--fail-on",
		"SONAR_PREFLIGHT_TIMEOUT": "--timeout", "SONAR_PREFLIGHT_FORMAT": "--format", "SONAR_PREFLIGHT_RESOLVE": "--resolve",
	}

	// The service connection: INPUT_SONARQUBE holds the endpoint id; its URL
	// and token arrive as ENDPOINT_URL_<id> and ENDPOINT_AUTH_PARAMETER_<id>_USERNAME.
	endpoint := map[string]string{}
	endpointMissing := false
	if id := strings.TrimSpace(getenv("INPUT_SONARQUBE")); id != "" {
		endpointMissing = !loadEndpoint(c, getenv, id, endpoint, sources)
	}

	lookup := envconfig.LookuperFunc(func(key string) (string, bool) {
		if v := flagVals[key]; v != "" {
			sources[key] = flagNames[key]
			return v, true
		}
		if v, ok := endpoint[key]; ok && v != "" {
			return v, true // source recorded by loadEndpoint
		}
		if in, ok := taskInput[key]; ok {
			if v := getenv(in); strings.TrimSpace(v) != "" {
				sources[key] = in
				return v, true
			}
		}
		if v := getenv(key); v != "" {
			sources[key] = key
			return v, true
		}
		return "", false
	})
	var r raw
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &r, Lookuper: lookup}); err != nil {
		// Only string fields: this cannot fail on values, but keep the
		// failure visible rather than silently empty.
		c.problem("configuration", "", fmt.Sprintf("could not read the environment: %v", err), "")
	}
	c.Sources = sources
	c.Task = strings.TrimSpace(getenv("INPUT_SONARQUBE")) != "" || strings.TrimSpace(getenv("INPUT_PROJECTKEY")) != ""
	src := c.Where

	// Unexpanded macros: Azure Pipelines leaves $(name) as literal text when
	// the variable does not exist, so the value is the macro itself.
	for key, v := range map[string]string{
		"SONAR_HOST_URL": r.HostURL, "SONAR_TOKEN": r.Token, "SONAR_ADMIN_TOKEN": r.AdminToken,
		"SONAR_PROJECT_KEY": r.ProjectKey, "AZURE_DEVOPS_EXT_PAT": r.AzurePAT, "GITHUB_TOKEN": r.GitHub,
		"SONAR_PREFLIGHT_FAIL_ON": r.FailOn, "SONAR_PREFLIGHT_TIMEOUT": r.Timeout,
		"SYSTEM_TEAMPROJECT": r.TeamProject, "BUILD_REPOSITORY_NAME": r.RepoName,
	} {
		if m := macro.FindString(v); m != "" {
			c.problem(meaning[key], src(key),
				fmt.Sprintf("the value is the unexpanded pipeline macro %s%s", m, noSuchVariable),
				fmt.Sprintf("Define the variable %s (in the pipeline's variables or a variable group), or correct its name where %s is set.", strings.TrimSuffix(strings.TrimPrefix(m, "$("), ")"), src(key)))
			switch key {
			case "SONAR_HOST_URL":
				r.HostURL = ""
			case "SONAR_PROJECT_KEY":
				r.ProjectKey = ""
			}
		}
	}

	// SonarQube URL. A service connection that did not reach the step was
	// reported once above, for its URL and token both.
	if strings.TrimSpace(r.HostURL) == "" && endpointMissing {
	} else if strings.TrimSpace(r.HostURL) == "" {
		rem := "Set the SONAR_HOST_URL variable or --host-url to the server's address."
		if c.Task {
			rem = "Select the SonarQube service connection in the task's SonarQube input."
		}
		c.problem(meaning["SONAR_HOST_URL"], src("SONAR_HOST_URL"), "no SonarQube server URL was given", rem)
	} else if u, msg := checkURL(r.HostURL); msg != "" {
		c.problem(meaning["SONAR_HOST_URL"], src("SONAR_HOST_URL"), msg,
			"Give the server's address as an absolute http(s) URL such as https://sonarqube.example.com or https://host/sonarqube, without user name or password.")
	} else {
		c.SonarURL = strings.TrimRight(u.String(), "/")
	}
	if strings.TrimSpace(r.Token) == "" {
		if !endpointMissing {
			c.problem(meaning["SONAR_TOKEN"], src("SONAR_TOKEN"), "no SonarQube token was given",
				"Put a SonarQube user token (squ_…, My Account > Security) in "+src("SONAR_TOKEN")+".")
		}
	} else {
		c.SonarToken = c.token("SONAR_TOKEN", r.Token)
	}
	c.AdminToken = c.token("SONAR_ADMIN_TOKEN", r.AdminToken)
	c.AzurePAT = c.token("AZURE_DEVOPS_EXT_PAT", r.AzurePAT)
	c.GitHubToken = c.token("GITHUB_TOKEN", r.GitHub)
	c.ProjectKey = strings.TrimSpace(r.ProjectKey)
	if c.ProjectKey == "" && !macro.MatchString(r.ProjectKey) && !f.NoProject {
		c.problem(meaning["SONAR_PROJECT_KEY"], src("SONAR_PROJECT_KEY"), "no SonarQube project key was given",
			"Set "+c.Where("SONAR_PROJECT_KEY")+" to the key the SonarQube Prepare task uses (SonarQube shows it in the project's Project Information).")
	}

	c.FailOn = strings.ToLower(strings.TrimSpace(r.FailOn))
	switch c.FailOn {
	case "":
		c.FailOn = "error"
	case "error", "warning":
	default:
		if !macro.MatchString(r.FailOn) {
			c.problem(meaning["SONAR_PREFLIGHT_FAIL_ON"], src("SONAR_PREFLIGHT_FAIL_ON"),
				fmt.Sprintf("%q is not a verdict: use error or warning", r.FailOn), "Set failOn to error (the default) or warning.")
		}
		c.FailOn = "error"
	}

	c.Timeout = DefaultTimeout
	if t := strings.TrimSpace(r.Timeout); t != "" && !macro.MatchString(t) {
		d, err := ParseTimeout(t)
		if err != nil {
			c.problem(meaning["SONAR_PREFLIGHT_TIMEOUT"], src("SONAR_PREFLIGHT_TIMEOUT"), err.Error(),
				"Give the timeout in seconds (e.g. 60) or as a duration (e.g. 90s, 2m); at least 1 second.")
		} else {
			c.Timeout = d
		}
	}

	// URLs from the environment are kept, and printed, without their user
	// info; a password found there is registered as a secret.
	for _, raw := range []string{r.CollectionURI, r.CollectionURI2, r.RepoURI} {
		c.urlSecrets = append(c.urlSecrets, userInfoSecrets(raw)...)
	}
	c.Pipeline = Pipeline{
		InPipeline:    strings.EqualFold(strings.TrimSpace(r.TFBuild), "true"),
		CollectionURI: withoutUserInfo(firstNonEmpty(r.CollectionURI, r.CollectionURI2)),
		TeamProject:   strings.TrimSpace(r.TeamProject),
		RepoName:      strings.TrimSpace(r.RepoName),
		RepoProvider:  strings.TrimSpace(r.RepoProvider),
		RepoURI:       withoutUserInfo(r.RepoURI),
		Reason:        strings.TrimSpace(r.Reason),
		PullRequestID: strings.TrimSpace(r.PullRequestID),
		HostType:      strings.TrimSpace(r.HostType),
		TempDir:       strings.TrimSpace(r.TempDir),

		SourceBranch:      strings.TrimSpace(r.SourceBranch),
		SourcesDir:        strings.TrimSpace(r.SourcesDir),
		PullRequestNumber: strings.TrimSpace(r.PRNumber),
		PRSourceBranch:    strings.TrimSpace(r.PRSource),
		PRTargetBranch:    strings.TrimSpace(r.PRTarget),
		PRIsFork:          strings.EqualFold(strings.TrimSpace(r.PRIsFork), "true"),
	}
	if strings.TrimSpace(r.AzureOrg) == "" && strings.TrimSpace(r.AzureOrgAlt) != "" {
		// The single-underscore spelling: one key names the setting's source.
		c.Sources["AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION"] = "AZURE_DEVOPS_EXT_DEFAULTS_ORGANIZATION"
	}
	c.loadOrganization(firstNonEmpty(r.AzureOrg, r.AzureOrgAlt), src("AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION"))

	c.Format = strings.ToLower(strings.TrimSpace(r.Format))
	switch c.Format {
	case "", "auto":
		c.Format = "text"
		if c.Pipeline.InPipeline {
			c.Format = "azp"
		}
	case "azp", "text", "json", "markdown":
	default:
		c.problem("output format", src("SONAR_PREFLIGHT_FORMAT"), fmt.Sprintf("%q is not a format", r.Format),
			"Use auto, azp, text, json or markdown.")
		c.Format = "text"
	}
	c.Debug = f.Debug

	c.Proxy = Proxy{
		URL:        strings.TrimSpace(r.ProxyURL),
		Username:   r.ProxyUser,
		Password:   secret.New(firstNonEmpty(r.ProxyPass, r.ProxyPassSec)),
		HTTPSProxy: firstNonEmpty(r.HTTPSProxy, r.HTTPSProxyLow),
		HTTPProxy:  firstNonEmpty(r.HTTPProxy, r.HTTPProxyLow),
		NoProxy:    firstNonEmpty(r.NoProxy, r.NoProxyLow),
	}
	if c.Proxy.URL != "" {
		if _, msg := checkURL(c.Proxy.URL); msg != "" {
			c.problem("agent proxy", "AGENT_PROXYURL", msg, "Fix the proxy URL in the agent's configuration (.proxy file or --proxyurl).")
		}
	}
	if b := strings.TrimSpace(r.ProxyBypass); b != "" {
		var list []string
		if err := json.Unmarshal([]byte(b), &list); err != nil {
			c.problem("agent proxy bypass list", "AGENT_PROXYBYPASSLIST", "not a JSON array of regular expressions: "+err.Error(),
				"Fix the agent's .proxybypass file: one regular expression per line.")
		}
		// Each entry is kept as written: the agent drops entries it cannot
		// compile without failing, so an entry Go cannot read is skipped
		// where the list is applied (httpx.ParseBypassList) and noted in the
		// report, never a configuration problem.
		for _, re := range list {
			if strings.TrimSpace(re) != "" {
				c.Proxy.Bypass = append(c.Proxy.Bypass, re)
			}
		}
	}
	c.CASources = map[string]string{}
	for _, ca := range []struct{ file, source string }{
		{r.NodeExtraCA, "NODE_EXTRA_CA_CERTS"}, {r.SSLCertFile, "SSL_CERT_FILE"}, {r.AgentCAInfo, "AGENT_CAINFO"},
	} {
		if f := strings.TrimSpace(ca.file); f != "" {
			if _, dup := c.CASources[f]; !dup {
				c.CAFiles = append(c.CAFiles, f)
				c.CASources[f] = ca.source
			}
		}
	}
	if s := strings.TrimSpace(r.Resolve); s != "" {
		for _, e := range strings.Split(s, ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if err := checkResolve(e); err != nil {
				c.problem("host resolution override", src("SONAR_PREFLIGHT_RESOLVE"), err.Error(), "Use host:port:address entries separated by commas, like curl --resolve.")
				continue
			}
			c.Resolve = append(c.Resolve, e)
		}
	}
	c.explainForkSecrets()
	return c
}

// loadOrganization validates the organization the user named: an absolute
// http(s) URL without user info, or a bare Azure DevOps Services
// organization name (taken as https://dev.azure.com/<name>).
// noSuchVariable ends the problem of an unexpanded macro: the agent leaves
// $(name) as it is when no variable of that name reaches the step.
const noSuchVariable = ": no variable of that name exists in this pipeline"

func (c *Config) loadOrganization(v, source string) {
	v = strings.TrimSpace(v)
	if v == "" || macro.MatchString(v) {
		if m := macro.FindString(v); m != "" {
			c.problem("Azure DevOps organization", source, fmt.Sprintf("the value is the unexpanded pipeline macro %s", m),
				"Define the variable, or remove the organization input.")
		}
		return
	}
	c.urlSecrets = append(c.urlSecrets, userInfoSecrets(v)...)
	if orgName.MatchString(v) {
		c.AzureOrg = "https://dev.azure.com/" + v
		return
	}
	u, msg := checkURL(v)
	if msg != "" {
		c.problem("Azure DevOps organization", source, msg,
			"Give the organization URL as Azure DevOps shows it, e.g. https://dev.azure.com/<organization>, or https://<server>/<collection> on Azure DevOps Server (or just the organization's name).")
		return
	}
	c.AzureOrg = strings.TrimRight(u.String(), "/")
}

// orgName is an Azure DevOps Services organization name.
var orgName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,48}[A-Za-z0-9]?$`)

// loadEndpoint reads the service connection the SonarQube input names; it
// reports false, with a problem, when the agent did not pass it.
func loadEndpoint(c *Config, getenv func(string) string, id string, out, sources map[string]string) bool {
	// The agent writes the id as the endpoint GUID's ToString(): lower case.
	// Try the value as given and lower-cased, so a hand-set input still works.
	ids := []string{id, strings.ToLower(id), strings.ToUpper(id)}
	get := func(prefix, suffix string) (string, string) {
		for _, i := range ids {
			k := prefix + i + suffix
			if v := getenv(k); v != "" {
				return v, k
			}
		}
		return "", prefix + id + suffix
	}
	if u, k := get("ENDPOINT_URL_", ""); u != "" {
		out["SONAR_HOST_URL"] = u
		sources["SONAR_HOST_URL"] = k
	} else {
		// Its URL and its token are both missing then: one problem, not two.
		c.problem("SonarQube service connection", "the task's SonarQube input",
			fmt.Sprintf("the service connection %s was not passed to this step (the agent set no %s), so neither the server URL nor the token is known", id, k),
			"Select an existing SonarQube service connection in the task's SonarQube input (Project settings > Service connections), and check that this pipeline is allowed to use it.")
	}
	for _, param := range []string{"_USERNAME", "_APITOKEN", "_PASSWORD"} {
		if v, k := get("ENDPOINT_AUTH_PARAMETER_", param); strings.TrimSpace(v) != "" {
			out["SONAR_TOKEN"] = v
			sources["SONAR_TOKEN"] = k
			break
		}
	}
	if _, ok := out["SONAR_TOKEN"]; !ok {
		_, k := get("ENDPOINT_AUTH_PARAMETER_", "_USERNAME")
		sources["SONAR_TOKEN"] = k
	}
	return out["SONAR_HOST_URL"] != ""
}

var macro = regexp.MustCompile(`\$\([A-Za-z0-9_.\- ]+\)`)

var meaning = map[string]string{
	"SONAR_HOST_URL":                          "SonarQube URL",
	"SONAR_TOKEN":                             "SonarQube token",
	"SONAR_ADMIN_TOKEN":                       "SonarQube admin token",
	"SONAR_PROJECT_KEY":                       "project key",
	"AZURE_DEVOPS_EXT_PAT":                    "Azure DevOps PAT",
	"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": "Azure DevOps organization",
	"GITHUB_TOKEN":                            "GitHub token",
	"SONAR_PREFLIGHT_FAIL_ON":                 "fail-on verdict",
	"SONAR_PREFLIGHT_TIMEOUT":                 "timeout",
	"SYSTEM_TEAMPROJECT":                      "Azure DevOps project",
	"BUILD_REPOSITORY_NAME":                   "repository name",
}

// token reads a credential: a macro was reported already; whitespace around
// it is removed with a note; whitespace or control characters inside fail the
// configuration, naming where the value came from. The value is kept either
// way, so that it is registered as a secret and masked.
func (c *Config) token(key, v string) secret.Secret {
	if macro.MatchString(v) || strings.TrimSpace(v) == "" {
		return secret.Secret{}
	}
	trimmed, note, problem := tokenShape(v)
	if note != "" {
		c.Notes = append(c.Notes, fmt.Sprintf("The %s from %s %s.", meaning[key], c.From(key), note))
	}
	if problem != "" {
		c.problem(meaning[key], c.Where(key), problem,
			fmt.Sprintf("Copy the %s into %s again, alone: no spaces, line breaks or other text around or inside it.", meaning[key], c.Where(key)))
	}
	return secret.New(trimmed)
}

func (c *Config) problem(field, source, msg, remedy string) {
	c.Problems = append(c.Problems, Problem{Field: field, Source: source, Message: msg, Remedy: remedy})
}

// checkURL accepts an absolute http(s) URL without user info.
func checkURL(s string) (*url.URL, string) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the input, which may hold credentials.
		return nil, "it is not a valid URL"
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		if u.Scheme == "" {
			return nil, "it is not an absolute URL (it has no http:// or https://)"
		}
		return nil, fmt.Sprintf("its scheme %q is not http or https", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return nil, "it has no host name"
	case u.User != nil:
		return nil, "it contains a user name or password; credentials belong in the token, not the URL"
	case u.RawQuery != "" || u.Fragment != "":
		return nil, "it has a query or fragment; give the server's base address only"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Sprintf("its port %q is not valid", p)
		}
	}
	return u, ""
}

// ParseTimeout accepts whole seconds ("60") or a Go duration ("90s", "2m").
func ParseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, err := strconv.Atoi(s); err == nil {
		d = time.Duration(n) * time.Second
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("%q is neither a number of seconds nor a duration", s)
	}
	if d < time.Second {
		return 0, fmt.Errorf("%q is shorter than one second", s)
	}
	if d > time.Hour {
		return 0, fmt.Errorf("%q is longer than one hour", s)
	}
	return d, nil
}

// checkResolve applies the HTTP client's own rule for an entry.
func checkResolve(e string) error {
	_, _, err := httpx.ParseResolve(e)
	return err
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
