package packaging_test

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sonar-preflight/internal/config"
)

// scenarioCase is one simulator scenario and what the task must conclude.
type scenarioCase struct {
	scenario    string
	wantCode    int // the binary's; the launcher exits 0 once the binary reported
	wantFailed  bool
	wantIssue   string // prefix of the one error issue, "" for none
	wantVerdict string
}

var scenarioCases = []scenarioCase{
	{scenario: "healthy", wantCode: 0, wantVerdict: "pass"},
	{scenario: "base-url-unset", wantCode: 1, wantFailed: true, wantIssue: "sonar.base-url: The server base URL (sonar.core.serverBaseURL) is not set", wantVerdict: "fail"},
}

// taskEnvFromSimulator turns the simulator's plain environment into what the
// agent gives the task: the service connection as ENDPOINT_* under the
// SonarQube input's id, the other values as INPUT_* (from config.Inputs'
// plain-variable column), and the plain variables removed, so the binary can
// only succeed by reading what a task step provides.
func taskEnvFromSimulator(t *testing.T, sim map[string]string) (inputs, extra map[string]string) {
	t.Helper()
	extra = map[string]string{}
	for k, v := range sim {
		extra[k] = v
	}
	inputs = map[string]string{"SonarQube": endpointID}
	for k, v := range endpointEnv(sim["SONAR_HOST_URL"], sim["SONAR_TOKEN"]) {
		extra[k] = v
	}
	delete(extra, "SONAR_HOST_URL")
	delete(extra, "SONAR_TOKEN")
	for _, in := range config.Inputs {
		if in.Plain == "" || strings.Contains(in.Plain, " ") {
			continue
		}
		if v, ok := extra[in.Plain]; ok {
			inputs[in.Name] = v
			delete(extra, in.Plain)
		}
	}
	if inputs["projectKey"] == "" {
		t.Fatalf("simulator environment has no project key: %v", keys(sim))
	}
	return inputs, extra
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// secretForms are a credential and the encodings that may carry it in HTTP
// headers (Basic user:, :PAT, bearer).
func secretForms(s string) []string {
	if s == "" {
		return nil
	}
	return []string{
		s,
		base64.StdEncoding.EncodeToString([]byte(s + ":")),
		base64.StdEncoding.EncodeToString([]byte(":" + s)),
		base64.StdEncoding.EncodeToString([]byte(s)),
	}
}

// checkNoSecrets fails if a secret appears anywhere but in the
// ##vso[task.setsecret] commands that register it with the agent's masker.
func checkNoSecrets(t *testing.T, output string, secrets ...string) {
	t.Helper()
	var rest strings.Builder
	for _, line := range strings.Split(output, "\n") {
		if !strings.HasPrefix(line, "##vso[task.setsecret]") {
			rest.WriteString(line + "\n")
		}
	}
	for _, s := range secrets {
		for _, form := range secretForms(s) {
			if strings.Contains(rest.String(), form) {
				t.Errorf("a secret (or its base64 form) appears in the output outside task.setsecret")
			}
		}
	}
}

func TestLauncherRunsRealBinaryAgainstSimulator(t *testing.T) {
	t.Parallel()
	taskDir := stagedTask(t)
	bin := realBinary(t)
	for _, tc := range scenarioCases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			sim := startSimulator(t, bin, tc.scenario)
			inputs, extra := taskEnvFromSimulator(t, sim.Env)
			env := agentEnv(t, inputs, extra)

			r := runNode(t, env, filepath.Join(taskDir, "launcher.js"))

			// The binary reports the result; the launcher exits 0 either way
			// (a non-zero exit would add the agent's "Exit code 1" error).
			if r.code != 0 {
				t.Errorf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			var issues []string
			var failed, verdict bool
			for _, line := range strings.Split(r.stdout, "\n") {
				if m, ok := strings.CutPrefix(line, "##vso[task.issue type=error;]"); ok {
					issues = append(issues, m)
				}
				failed = failed || strings.HasPrefix(line, "##vso[task.complete result=Failed;]")
				verdict = verdict || (strings.HasPrefix(line, "##vso[task.setvariable variable=verdict;") &&
					strings.HasSuffix(line, "]"+tc.wantVerdict))
			}
			if failed != tc.wantFailed {
				t.Errorf("task.complete result=Failed present: %v, want %v", failed, tc.wantFailed)
			}
			checkIssues(t, issues, tc.wantIssue)
			if !verdict {
				t.Errorf("no verdict output variable %q in:\n%s", tc.wantVerdict, r.stdout)
			}
			// The project key reached the binary through INPUT_PROJECTKEY only.
			if !strings.Contains(r.stdout, "project "+inputs["projectKey"]) {
				t.Errorf("output does not name project %s", inputs["projectKey"])
			}
			checkNoSecrets(t, r.stdout+r.stderr, sim.Env["SONAR_TOKEN"])
		})
	}
}

func checkIssues(t *testing.T, issues []string, want string) {
	t.Helper()
	if want == "" {
		if len(issues) != 0 {
			t.Errorf("error issues %q, want none", issues)
		}
		return
	}
	if len(issues) != 1 || !strings.HasPrefix(issues[0], want) {
		t.Errorf("error issues %q, want one starting %q", issues, want)
	}
}

// TestMockTestRunner runs the task through azure-pipelines-task-lib's own
// test harness, offline: the runner is pointed at this Node, so it downloads
// nothing, and the launcher never loads the library. A failed preflight is a
// failed result with its issue, and still exit code 0: the binary reported.
func TestMockTestRunner(t *testing.T) {
	t.Parallel()
	taskDir := stagedTask(t)
	bin := realBinary(t)
	for _, tc := range scenarioCases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			sim := startSimulator(t, bin, tc.scenario)
			inputs, extra := taskEnvFromSimulator(t, sim.Env)
			res := runMock(t, taskDir, inputs, extra)
			if res.Succeeded == tc.wantFailed {
				t.Errorf("tr.succeeded = %v, want %v\ntask stdout:\n%s\nstderr:\n%s", res.Succeeded, !tc.wantFailed, res.Stdout, res.Stderr)
			}
			if *res.ExitCode != 0 {
				t.Errorf("task process exit code %d, want 0 (the binary reported its result)", *res.ExitCode)
			}
			checkIssues(t, res.ErrorIssues, tc.wantIssue)
			if !strings.Contains(res.Stdout, "project "+inputs["projectKey"]) {
				t.Errorf("the task's output does not name project %s:\n%s", inputs["projectKey"], res.Stdout)
			}
			checkNoSecrets(t, res.Stdout+res.Stderr, sim.Env["SONAR_TOKEN"])
		})
	}
}

// TestBinaryInEmptyRoot runs the Linux binary in a root holding nothing but
// itself and a CA bundle, against the simulator over loopback: the container
// images need nothing else.
func TestBinaryInEmptyRoot(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		unavailable(t, "needs root for chroot (uid %d)", os.Geteuid())
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		unavailable(t, "unshare not found: %v", err)
	}
	bin := realBinary(t)
	for _, tc := range scenarioCases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			sim := startSimulator(t, bin, tc.scenario)
			root := t.TempDir()
			copyFile(t, bin, filepath.Join(root, "sonar-preflight"), 0o755)
			// The system's public roots plus the simulator's CA, at the path
			// a Debian image has them.
			var bundle []byte
			if b, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt"); err == nil {
				bundle = append(bundle, b...)
			}
			ca, err := os.ReadFile(sim.Env["SSL_CERT_FILE"])
			if err != nil {
				t.Fatal(err)
			}
			bundle = append(bundle, ca...)
			certs := filepath.Join(root, "etc/ssl/certs/ca-certificates.crt")
			if err := os.MkdirAll(filepath.Dir(certs), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(certs, bundle, 0o644); err != nil {
				t.Fatal(err)
			}
			listing := listTree(t, root)

			env := map[string]string{}
			for k, v := range sim.Env {
				env[k] = v
			}
			env["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"
			// A private mount namespace, same network namespace: loopback
			// still reaches the simulator.
			cmd := exec.Command(unshare, "--mount", "--root="+root, "--wd=/", "/sonar-preflight", "check", "--color", "never")
			cmd.Env = envList(env)
			out, err := cmd.CombinedOutput()
			code := cmd.ProcessState.ExitCode()
			if err != nil && code < 0 {
				t.Fatalf("unshare: %v\n%s", err, out)
			}
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d (root holds %v)\n%s", code, tc.wantCode, listing, out)
			}
			verdict := map[string]string{"pass": "Verdict: PASS", "fail": "Verdict: FAIL"}[tc.wantVerdict]
			if !strings.Contains(string(out), verdict) {
				t.Errorf("no %q in:\n%s", verdict, out)
			}
			if tc.wantIssue != "" && !strings.Contains(string(out), "sonar.base-url") {
				t.Errorf("the failing check is not named:\n%s", out)
			}
			checkNoSecrets(t, string(out), sim.Env["SONAR_TOKEN"])
			t.Logf("empty root %v: exit %d", listing, code)
		})
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}

// listTree names every file under root, to show the root is really empty.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, "/"+rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
