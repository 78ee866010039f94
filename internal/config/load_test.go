package config

import (
	"context"
	"strings"
	"testing"
	"time"
)

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const id = "5b2a9c1e-3f4d-4e6a-9b8c-7d6e5f4a3b2c"

func TestLoadPrecedenceAndSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       map[string]string
		flags     Flags
		wantURL   string
		wantToken string
		wantKey   string
		wantSrc   map[string]string
	}{
		{
			name:      "plain environment",
			env:       map[string]string{"SONAR_HOST_URL": "https://sq.example.com/", "SONAR_TOKEN": "squ_plain", "SONAR_PROJECT_KEY": "k"},
			wantURL:   "https://sq.example.com",
			wantToken: "squ_plain",
			wantKey:   "k",
			wantSrc:   map[string]string{"SONAR_HOST_URL": "SONAR_HOST_URL", "SONAR_TOKEN": "SONAR_TOKEN", "SONAR_PROJECT_KEY": "SONAR_PROJECT_KEY"},
		},
		{
			name: "task inputs and service connection beat plain environment",
			env: map[string]string{
				"SONAR_HOST_URL": "https://plain.example.com", "SONAR_TOKEN": "squ_plain", "SONAR_PROJECT_KEY": "plain",
				"INPUT_SONARQUBE": id, "ENDPOINT_URL_" + id: "https://task.example.com/sonarqube/",
				"ENDPOINT_AUTH_PARAMETER_" + id + "_USERNAME": "squ_task", "INPUT_PROJECTKEY": "task",
			},
			wantURL:   "https://task.example.com/sonarqube",
			wantToken: "squ_task",
			wantKey:   "task",
			wantSrc:   map[string]string{"SONAR_HOST_URL": "ENDPOINT_URL_" + id, "SONAR_TOKEN": "ENDPOINT_AUTH_PARAMETER_" + id + "_USERNAME", "SONAR_PROJECT_KEY": "INPUT_PROJECTKEY"},
		},
		{
			name: "flags beat task inputs",
			env: map[string]string{
				"INPUT_SONARQUBE": id, "ENDPOINT_URL_" + id: "https://task.example.com",
				"ENDPOINT_AUTH_PARAMETER_" + id + "_USERNAME": "squ_task", "INPUT_PROJECTKEY": "task",
			},
			flags:     Flags{HostURL: "http://flag.example.com:9000", ProjectKey: "flag"},
			wantURL:   "http://flag.example.com:9000",
			wantToken: "squ_task",
			wantKey:   "flag",
			wantSrc:   map[string]string{"SONAR_HOST_URL": "--host-url", "SONAR_PROJECT_KEY": "--project-key"},
		},
		{
			name: "empty task input falls through to plain environment",
			env: map[string]string{"SONAR_HOST_URL": "https://sq.example.com", "SONAR_TOKEN": "squ_x",
				"INPUT_PROJECTKEY": "", "SONAR_PROJECT_KEY": "plain"},
			wantURL: "https://sq.example.com", wantToken: "squ_x", wantKey: "plain",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Load(context.Background(), getenv(tt.env), tt.flags)
			if len(c.Problems) != 0 {
				t.Fatalf("problems: %+v", c.Problems)
			}
			if c.SonarURL != tt.wantURL || c.SonarToken.Value() != tt.wantToken || c.ProjectKey != tt.wantKey {
				t.Errorf("got url=%q token=%q key=%q", c.SonarURL, c.SonarToken.Value(), c.ProjectKey)
			}
			for k, v := range tt.wantSrc {
				if c.Sources[k] != v {
					t.Errorf("source of %s = %q, want %q", k, c.Sources[k], v)
				}
			}
		})
	}
}

func TestLoadCollectsEveryProblem(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SONAR_HOST_URL":          "ftp://user:pw@sq.example.com",
		"SONAR_TOKEN":             "$(sonarToken)",
		"SONAR_PROJECT_KEY":       "",
		"SONAR_PREFLIGHT_FAIL_ON": "sometimes",
		"SONAR_PREFLIGHT_TIMEOUT": "soon",
		"AGENT_PROXYBYPASSLIST":   `not json`,
	}
	c := Load(context.Background(), getenv(env), Flags{})
	all := ""
	for _, p := range c.Problems {
		all += p.Source + ": " + p.Message + "\n"
		if p.Remedy == "" && p.Field != "configuration" {
			t.Errorf("problem without remedy: %+v", p)
		}
	}
	for _, want := range []string{
		"the SONAR_HOST_URL variable: its scheme \"ftp\"",
		"the SONAR_TOKEN variable: the value is the unexpanded pipeline macro $(sonarToken)",
		"no SonarQube project key",
		"\"sometimes\" is not a verdict",
		"\"soon\" is neither",
		"AGENT_PROXYBYPASSLIST: not a JSON array",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q; got:\n%s", want, all)
		}
	}
	if strings.Contains(all, "pw@") {
		t.Errorf("a URL's password was echoed: %s", all)
	}
}

func TestLoadURLRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, want string // want: substring of the problem, "" for valid
	}{
		{"https://sq.example.com", ""},
		{"https://host/sonarqube/", ""},
		{"http://10.0.0.5:9000", ""},
		{"sq.example.com", "not an absolute URL"},
		{"https://user@sq.example.com", "user name or password"},
		{"https://sq.example.com?x=1", "query or fragment"},
		{"https://:9000", "no host name"},
		{"https://sq.example.com:99999", "port"},
		{"$(SonarUrl)", "unexpanded pipeline macro $(SonarUrl)"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			c := Load(context.Background(), getenv(map[string]string{"SONAR_HOST_URL": tt.url, "SONAR_TOKEN": "t", "SONAR_PROJECT_KEY": "k"}), Flags{})
			var got string
			for _, p := range c.Problems {
				got += p.Message
			}
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

// A service connection the agent did not pass leaves both the URL and the
// token unknown: one problem says so, not three.
func TestLoadServiceConnectionMissing(t *testing.T) {
	t.Parallel()
	c := Load(context.Background(), getenv(map[string]string{"INPUT_SONARQUBE": id, "INPUT_PROJECTKEY": "k"}), Flags{})
	if len(c.Problems) != 1 {
		t.Fatalf("%d problems, want 1: %+v", len(c.Problems), c.Problems)
	}
	p := c.Problems[0]
	if !strings.Contains(p.Message, "service connection "+id+" was not passed") || p.Source != "the task's SonarQube input" ||
		!strings.Contains(p.Remedy, "Select an existing SonarQube service connection") {
		t.Errorf("got %+v", p)
	}
	// A URL given another way still needs its token.
	c = Load(context.Background(), getenv(map[string]string{"INPUT_SONARQUBE": id, "INPUT_PROJECTKEY": "k"}), Flags{HostURL: "https://sq.example.com"})
	if len(c.Problems) != 1 {
		t.Errorf("with --host-url: %+v", c.Problems)
	}
}

// Tokens are printable text without spaces: whitespace around one is removed
// with a note; whitespace or a control character inside fails the
// configuration, naming where the value came from and never quoting it.
func TestLoadTokenCharacters(t *testing.T) {
	t.Parallel()
	const secretPart = "squ_abc"
	tests := []struct {
		name    string
		env     map[string]string
		source  string // Problem.Source, "" for no problem
		problem string
		note    string
	}{
		{"clean", map[string]string{"SONAR_TOKEN": secretPart + "def"}, "", "", ""},
		{"trailing newline from a file", map[string]string{"SONAR_TOKEN": secretPart + "def\n"}, "", "",
			"The SonarQube token from the SONAR_TOKEN variable had whitespace around it"},
		{"space inside", map[string]string{"SONAR_TOKEN": secretPart + " def"}, "the SONAR_TOKEN variable",
			"it contains a space (character 8)", ""},
		{"tab inside a PAT input", map[string]string{"INPUT_AZUREDEVOPSPAT": "abc\tdef", "INPUT_PROJECTKEY": "k"},
			"the task's azureDevOpsPat input", "it contains a tab (character 4)", ""},
		{"zero-width space in the admin token", map[string]string{"SONAR_ADMIN_TOKEN": "squ_\u200babc"},
			"the SONAR_ADMIN_TOKEN variable", "an invisible control character (character 5)", ""},
		{"line break inside the service connection's token", map[string]string{
			"INPUT_SONARQUBE": id, "INPUT_PROJECTKEY": "k", "ENDPOINT_URL_" + id: "https://sq",
			"ENDPOINT_AUTH_PARAMETER_" + id + "_USERNAME": "squ_abc\r\nxyz"},
			"the SonarQube service connection's Token", "it contains a line break (character 8)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"SONAR_HOST_URL": "https://sq", "SONAR_TOKEN": "squ_ok", "SONAR_PROJECT_KEY": "k"}
			for k, v := range tt.env {
				env[k] = v
			}
			c := Load(context.Background(), getenv(env), Flags{})
			switch {
			case tt.source == "" && len(c.Problems) != 0:
				t.Errorf("problems %+v, want none", c.Problems)
			case tt.source != "":
				if len(c.Problems) != 1 || c.Problems[0].Source != tt.source || !strings.Contains(c.Problems[0].Message, tt.problem) ||
					!strings.Contains(c.Problems[0].Remedy, tt.source) {
					t.Errorf("problems %+v, want one from %q saying %q", c.Problems, tt.source, tt.problem)
				}
			}
			notes := strings.Join(c.Notes, "|")
			if tt.note != "" && !strings.Contains(notes, tt.note) || tt.note == "" && notes != "" {
				t.Errorf("notes %q, want %q", notes, tt.note)
			}
			for _, p := range c.Problems {
				if strings.Contains(p.Message+p.Remedy+notes, secretPart) {
					t.Errorf("a token was quoted: %+v", p)
				}
			}
			// Kept for masking, trimmed.
			if tt.name == "trailing newline from a file" && c.SonarToken.Value() != secretPart+"def" {
				t.Errorf("token not trimmed")
			}
		})
	}
}

// Messages name sources as a user finds them; a missing value is placed where
// this kind of run reads it.
func TestSourceNames(t *testing.T) {
	t.Parallel()
	task := Load(context.Background(), getenv(map[string]string{
		"INPUT_SONARQUBE": id, "ENDPOINT_URL_" + id: "https://sq", "ENDPOINT_AUTH_PARAMETER_" + id + "_USERNAME": "t",
		"INPUT_PROJECTKEY": "k", "AZURE_DEVOPS_EXT_PAT": "p",
	}), Flags{})
	laptop := Load(context.Background(), getenv(map[string]string{"SONAR_TOKEN": "t", "SONAR_PROJECT_KEY": "k"}), Flags{HostURL: "https://sq"})
	tests := []struct {
		c         *Config
		key, want string
	}{
		{task, "SONAR_HOST_URL", "the SonarQube service connection's Server Url"},
		{task, "SONAR_TOKEN", "the SonarQube service connection's Token"},
		{task, "SONAR_PROJECT_KEY", "the task's projectKey input"},
		{task, "AZURE_DEVOPS_EXT_PAT", "the AZURE_DEVOPS_EXT_PAT variable"},
		{task, "SONAR_ADMIN_TOKEN", "the task's adminToken input"},
		{task, "GITHUB_TOKEN", "the task's gitHubToken input"},
		{laptop, "SONAR_HOST_URL", "the --host-url flag"},
		{laptop, "SONAR_TOKEN", "the SONAR_TOKEN variable"},
		{laptop, "SONAR_ADMIN_TOKEN", "the SONAR_ADMIN_TOKEN variable"},
		{laptop, "SONAR_PREFLIGHT_FAIL_ON", "the SONAR_PREFLIGHT_FAIL_ON variable or --fail-on"},
	}
	for _, tt := range tests {
		if got := tt.c.Where(tt.key); got != tt.want {
			t.Errorf("Where(%s) = %q, want %q (task %v)", tt.key, got, tt.want, tt.c.Task)
		}
	}
	if laptop.From("SONAR_ADMIN_TOKEN") != "" {
		t.Error("From names a source for a value not given")
	}
}

func TestValidateFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		ok   bool
		with func(string) error
	}{
		{"https://sq.example.com/sonarqube", true, ValidateHostURL},
		{"sq.example.com", false, ValidateHostURL},
		{"https://u:p@sq", false, ValidateHostURL},
		{"sq.example.com:443:10.0.0.5", true, ValidateResolve},
		{"a:443:10.0.0.5, b:443:[2001:db8::1]:8443", true, ValidateResolve},
		{"sq.example.com:443:otherhost", false, ValidateResolve},
		{"sq.example.com:443", false, ValidateResolve},
	} {
		if err := tt.with(tt.in); (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok %v", tt.in, err, tt.ok)
		}
	}
}

func TestLoadDefaultsAndPipeline(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SONAR_HOST_URL": "https://sq", "SONAR_TOKEN": "t", "SONAR_PROJECT_KEY": "k",
		"TF_BUILD": "True", "SYSTEM_COLLECTIONURI": "https://dev.azure.com/o/", "SYSTEM_TEAMPROJECT": "P",
		"INPUT_TIMEOUT": "90", "INPUT_FAILON": "Warning", "SECRET_AGENT_PROXYPASSWORD": "pw",
		"AGENT_PROXYURL": "http://proxy:8888", "AGENT_PROXYBYPASSLIST": `["\\.internal$"]`,
		"NODE_EXTRA_CA_CERTS": "/ca.pem", "SONAR_PREFLIGHT_RESOLVE": "dev.azure.com:443:127.0.0.1:8443",
	}
	c := Load(context.Background(), getenv(env), Flags{})
	if len(c.Problems) > 0 {
		t.Fatalf("problems: %+v", c.Problems)
	}
	if c.Format != "azp" || c.FailOn != "warning" || c.Timeout != 90*time.Second {
		t.Errorf("format=%s failOn=%s timeout=%s", c.Format, c.FailOn, c.Timeout)
	}
	if c.Pipeline.CollectionURI != "https://dev.azure.com/o/" || !c.Pipeline.InPipeline || c.Pipeline.TeamProject != "P" {
		t.Errorf("pipeline %+v", c.Pipeline)
	}
	if c.Proxy.Password.Value() != "pw" || len(c.Proxy.Bypass) != 1 || len(c.CAFiles) != 1 || len(c.Resolve) != 1 {
		t.Errorf("proxy %+v ca %v resolve %v", c.Proxy, c.CAFiles, c.Resolve)
	}
	secrets := strings.Join(c.Secrets(), ",")
	if !strings.Contains(secrets, "pw") || !strings.Contains(secrets, "t") {
		t.Errorf("secrets %q", secrets)
	}
	// Outside a pipeline the default format is text and the timeout 60 s.
	c = Load(context.Background(), getenv(map[string]string{"SONAR_HOST_URL": "https://sq", "SONAR_TOKEN": "t", "SONAR_PROJECT_KEY": "k"}), Flags{})
	if c.Format != "text" || c.Timeout != DefaultTimeout || c.FailOn != "error" {
		t.Errorf("defaults: %s %s %s", c.Format, c.Timeout, c.FailOn)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("https://sq.example.com", "squ_abc", "key", "60", "error", `["a"]`, id)
	f.Add("$(x)", "", "", "0", "warning", "[", "")
	f.Add("http://[::1]:9000/a b", "t\n", "k;]", "1h1s", "ERROR", `[""]`, "X")
	f.Fuzz(func(t *testing.T, host, token, key, timeout, failOn, bypass, endpoint string) {
		env := map[string]string{
			"SONAR_HOST_URL": host, "SONAR_TOKEN": token, "SONAR_PROJECT_KEY": key,
			"SONAR_PREFLIGHT_TIMEOUT": timeout, "SONAR_PREFLIGHT_FAIL_ON": failOn,
			"AGENT_PROXYBYPASSLIST": bypass, "INPUT_SONARQUBE": endpoint,
		}
		c := Load(context.Background(), getenv(env), Flags{})
		if c.FailOn != "error" && c.FailOn != "warning" {
			t.Fatalf("fail-on %q", c.FailOn)
		}
		if c.Timeout < time.Second {
			t.Fatalf("timeout %s", c.Timeout)
		}
		if len(c.Problems) == 0 && (c.SonarURL == "" || c.SonarToken.Empty() || c.ProjectKey == "") {
			t.Fatalf("no problems but incomplete: %+v", c)
		}
		// A token must never be echoed in a problem.
		others := host + key + timeout + failOn + bypass + endpoint
		if tok := strings.TrimSpace(token); len(tok) > 6 && !macro.MatchString(tok) && !strings.Contains(others, tok) {
			for _, p := range c.Problems {
				if strings.Contains(p.Message+p.Remedy, tok) {
					t.Fatalf("token echoed in %+v", p)
				}
			}
		}
	})
}

func TestSecretsIncludeProxyURLCredentials(t *testing.T) {
	t.Parallel()
	c := Load(context.Background(), getenv(map[string]string{
		"SONAR_HOST_URL": "https://sq", "SONAR_TOKEN": "squ_t", "SONAR_PROJECT_KEY": "k",
		"HTTPS_PROXY": "http://build:hunter2secret@proxy:3128",
	}), Flags{})
	got := strings.Join(c.Secrets(), "|")
	for _, want := range []string{"squ_t", "hunter2secret", "build:hunter2secret"} {
		if !strings.Contains(got, want) {
			t.Errorf("Secrets() lacks %q", want)
		}
	}
}

// Bypass entries are kept as written, whether or not Go can compile them:
// the agent never fails a job on one, so neither does the configuration.
func TestBypassEntriesAreNeverAProblem(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SONAR_HOST_URL": "https://sq.example.com", "SONAR_TOKEN": "squ_x", "SONAR_PROJECT_KEY": "k",
		"AGENT_PROXYURL":        "http://proxy.corp:3128",
		"AGENT_PROXYBYPASSLIST": `["^https://(?!public\\.)", "(unclosed", " ", "\\.corp$"]`,
	}
	c := Load(context.Background(), getenv(env), Flags{})
	if len(c.Problems) != 0 {
		t.Errorf("problems: %+v", c.Problems)
	}
	if want := []string{`^https://(?!public\.)`, "(unclosed", `\.corp$`}; strings.Join(c.Proxy.Bypass, "|") != strings.Join(want, "|") {
		t.Errorf("Bypass = %q, want %q", c.Proxy.Bypass, want)
	}
}
