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
		"SONAR_HOST_URL: its scheme \"ftp\"",
		"SONAR_TOKEN: the value is the unexpanded pipeline macro $(sonarToken)",
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

func TestLoadServiceConnectionMissing(t *testing.T) {
	t.Parallel()
	c := Load(context.Background(), getenv(map[string]string{"INPUT_SONARQUBE": id, "INPUT_PROJECTKEY": "k"}), Flags{})
	var msgs []string
	for _, p := range c.Problems {
		msgs = append(msgs, p.Message)
	}
	joined := strings.Join(msgs, "|")
	if !strings.Contains(joined, "service connection "+id+" was not passed") || !strings.Contains(joined, "no SonarQube token") {
		t.Errorf("got %q", joined)
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
