package cli

import (
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/report"
	"sonar-preflight/internal/simulator"
)

// TestSecretsEveryScenarioEveryFormat renders every scenario in every format
// with --debug and an agent proxy that is configured but bypassed, so the
// proxy password is part of the configuration too. No token, admin token,
// PAT, GitHub token or proxy password, nor a base64 or URL-encoded form of
// one, may appear in stdout, stderr or any file the run leaves (the
// summary). In pipeline mode each is registered with task.setsecret before
// any other output.
func TestSecretsEveryScenarioEveryFormat(t *testing.T) {
	t.Parallel()
	for _, sc := range simulator.Scenarios() {
		for _, format := range []string{"azp", "text", "json", "markdown"} {
			t.Run(sc.Name+"/"+format, func(t *testing.T) {
				t.Parallel()
				now := testClock(beforeRetirement)
				sim, env := startScenario(t, sc, now)
				env["TF_BUILD"] = "True"
				// Unreachable on purpose: the bypass list sends every request
				// direct, so a run that used the proxy would fail to connect.
				env["AGENT_PROXYURL"] = "http://proxy.invalid:3128"
				// 10 characters: with a length of 0 or 2 modulo 3,
				// base64(user:password) would end in base64(":"+password) or
				// base64(password), which are masked anyway, hiding a leak.
				env["AGENT_PROXYUSERNAME"] = "svc-build0"
				// '%', ';', ']' and ':' exercise the setsecret escaping and
				// the URL-encoded forms.
				env["AGENT_PROXYPASSWORD"] = "pw%;]:" + randomString(16)
				env["AGENT_PROXYBYPASSLIST"] = `[".*"]`

				_, stdout, stderr := runApp(t, now, env, "--format", format, "--debug")

				rest := stdout
				if format == "azp" {
					var registered map[string]bool
					registered, rest = splitSetSecrets(t, stdout)
					for _, v := range configuredSecrets(t, sim, env) {
						for _, form := range expectedForms(v) {
							if !registered[form] {
								t.Errorf("%s: a form of a configured secret (%s) is not registered with task.setsecret", format, describeForm(v, form))
							}
						}
					}
				}
				forbidden := append(secretsOf(sim, env), proxyForms(env["AGENT_PROXYUSERNAME"], env["AGENT_PROXYPASSWORD"])...)
				for _, v := range []string{sim.Token, sim.AdminToken, sim.PAT, sim.GHToken, env["AGENT_PROXYPASSWORD"]} {
					forbidden = append(forbidden, expectedForms(v)...)
				}
				outputs := map[string]string{"stdout": rest, "stderr": stderr}
				summaries := 0
				for name, text := range filesUnder(t, env["AGENT_TEMPDIRECTORY"]) {
					outputs[name] = text
					if strings.HasPrefix(name, report.SummaryFilePrefix) {
						summaries++
					}
				}
				if format == "azp" && summaries != 1 {
					t.Errorf("azp: %d summary files were written, want 1", summaries)
				}
				for name, text := range outputs {
					for _, f := range forbidden {
						if f != "" && strings.Contains(text, f) {
							t.Errorf("%s contains a secret form starting %q", name, f[:4])
						}
					}
					// Nor any run of 12 characters of one (a cut credential).
					runs := runsIn(text, 12)
					for _, v := range []string{sim.Token, sim.AdminToken, sim.PAT, sim.GHToken, env["AGENT_PROXYPASSWORD"]} {
						for _, form := range runForms(v) {
							if run := runs(form); run != "" {
								t.Errorf("%s contains %d characters of a secret form (%q…)", name, len(run), run[:4])
							}
						}
					}
				}
			})
		}
	}
}

// splitSetSecrets returns the values registered by the task.setsecret lines
// that start stdout and the rest of it; a setsecret line after any other
// output is an error, since the agent masks only what follows registration.
func splitSetSecrets(t *testing.T, stdout string) (map[string]bool, string) {
	t.Helper()
	lines := strings.Split(stdout, "\n")
	registered := map[string]bool{}
	i := 0
	for ; i < len(lines); i++ {
		c, ok := azp.ParseCommand(lines[i])
		if !ok || c.Name != "task.setsecret" {
			break
		}
		registered[c.Data] = true
	}
	if i == len(lines) {
		t.Fatalf("azp output has no report after the setsecret lines")
	}
	for j := i; j < len(lines); j++ {
		if c, ok := azp.ParseCommand(lines[j]); ok && c.Name == "task.setsecret" {
			t.Errorf("line %d: task.setsecret after other output (line %d)", j+1, i+1)
		}
	}
	return registered, strings.Join(lines[i:], "\n")
}

// configuredSecrets are the run's credentials that its environment holds,
// whatever variable carries them; only those can be registered.
func configuredSecrets(t *testing.T, sim *simulator.Servers, env map[string]string) []string {
	t.Helper()
	known := map[string]bool{sim.Token: true, sim.AdminToken: true, sim.PAT: true, sim.GHToken: true, env["AGENT_PROXYPASSWORD"]: true}
	seen := map[string]bool{}
	var out []string
	for _, v := range env {
		if v != "" && known[v] && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatal("no secret configured: the test would prove nothing")
	}
	return out
}

// expectedForms lists, independently of package secret, how a credential
// travels: as itself, URL-encoded, and base64 in the Basic-auth pairs
// SonarQube (token+":"), Azure DevOps (":"+PAT) and clients that name the
// user (accessToken:token) use.
func expectedForms(v string) []string {
	if v == "" {
		return nil
	}
	forms := []string{v, b64(v + ":"), b64(":" + v), b64("accessToken:" + v)}
	if q := url.QueryEscape(v); q != v {
		forms = append(forms, q)
	}
	return forms
}

func describeForm(v, form string) string {
	switch form {
	case v:
		return "the value"
	case b64(v + ":"):
		return "base64(value+\":\")"
	case b64(":" + v):
		return "base64(\":\"+value)"
	case b64("accessToken:" + v):
		return "base64(\"accessToken:\"+value)"
	}
	return "URL-encoded"
}

// filesUnder reads every file a run left in dir.
func filesUnder(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[filepath.Base(path)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShortSecretsKeepProtocol: a proxy password that is a word of the
// program's own protocol ("pass", "task", "verdict") is masked where it
// stands in untrusted text, and the commands, their properties and the
// verdict stay intact.
func TestShortSecretsKeepProtocol(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("healthy")
	for _, pw := range []string{"pass", "task", "verdict", "complete", "Succeeded"} {
		t.Run(pw, func(t *testing.T) {
			t.Parallel()
			now := testClock(beforeRetirement)
			_, env := startScenario(t, sc, now)
			env["TF_BUILD"] = "True"
			env["AGENT_PROXYURL"] = "http://proxy.invalid:3128"
			env["AGENT_PROXYUSERNAME"] = "u"
			env["AGENT_PROXYPASSWORD"] = pw
			env["AGENT_PROXYBYPASSLIST"] = `[".*"]`
			code, stdout, stderr := runApp(t, now, env, "--format", "azp", "--debug")
			if code != ExitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			registered, rest := splitSetSecrets(t, stdout)
			if !registered[pw] {
				t.Errorf("%q is not registered with task.setsecret", pw)
			}
			var names []string
			var verdict, result string
			for _, l := range strings.Split(rest, "\n") {
				c, ok := azp.ParseCommand(l)
				if !ok {
					continue
				}
				names = append(names, c.Name)
				switch c.Name {
				case "task.setvariable":
					if v, _ := c.Property("variable"); v == "verdict" {
						verdict = c.Data
					}
				case "task.complete":
					result, _ = c.Property("result")
				}
			}
			if got := strings.Join(names, " "); got != "task.uploadsummary task.setvariable task.complete" {
				t.Errorf("commands: %q", got)
			}
			if verdict != "pass" || result != "Succeeded" {
				t.Errorf("verdict %q, result %q; want pass, Succeeded", verdict, result)
			}
			if !strings.Contains(rest, "##[group]PASS sonar.token: SonarQube token") {
				t.Errorf("the program's own group line changed:\n%s", rest)
			}
			// The debug log's keys are the program's own too.
			for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var ev map[string]any
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatalf("debug line is not JSON: %q", l)
				}
				if _, ok := ev["level"]; !ok {
					t.Errorf("debug line lost its keys: %q", l)
				}
			}
		})
	}
}
