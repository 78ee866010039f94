package packaging_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// endpointID is a service connection id as the agent passes it: a lower-case GUID.
const endpointID = "6c3e5a1b-9f2d-4e8a-b7c4-1d0e2f3a4b5c"

// agentEnv is what the agent gives a Node handler for this task: every input
// (task.json defaults merged with the step's values), the endpoint's URL and
// auth parameters, TF_BUILD and the temp directory. No PATH: the launcher
// spawns the binary by absolute path.
func agentEnv(t *testing.T, inputs, extra map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{
		"TF_BUILD":            "True",
		"AGENT_TEMPDIRECTORY": t.TempDir(),
	}
	for _, in := range loadTask(t).Inputs {
		v, ok := inputs[in.Name]
		if !ok {
			if s, isString := in.DefaultValue.(string); isString {
				v = s
			}
		}
		env["INPUT_"+strings.ToUpper(in.Name)] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// endpointEnv is the SonarQube service connection as the agent expands it:
// a UsernamePassword scheme whose username holds the token.
func endpointEnv(url, token string) map[string]string {
	auth, _ := json.Marshal(map[string]any{
		"parameters": map[string]string{"username": token, "password": ""},
		"scheme":     "UsernamePassword",
	})
	return map[string]string{
		"ENDPOINT_URL_" + endpointID:                          url,
		"ENDPOINT_AUTH_" + endpointID:                         string(auth),
		"ENDPOINT_AUTH_SCHEME_" + endpointID:                  "UsernamePassword",
		"ENDPOINT_AUTH_PARAMETER_" + endpointID + "_USERNAME": token,
		"ENDPOINT_AUTH_PARAMETER_" + endpointID + "_PASSWORD": "",
	}
}

// taskCopy lays out a task folder like the agent's: launcher.js, task.json and
// bin/<platform>/<exe> copied from binary with the given mode (a .vsix
// restores no exec bit, hence 0o644 in most cases).
func taskCopy(t *testing.T, platform, exe, binary string, mode os.FileMode) (dir, binPath string) {
	t.Helper()
	dir = t.TempDir()
	src, err := os.ReadFile(filepath.Join(repoRoot, taskRel, "launcher.js"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "launcher.js"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	// MockTestRunner looks for the task.json beside the task.
	copyFile(t, filepath.Join(repoRoot, taskRel, "task.json"), filepath.Join(dir, "task.json"), 0o644)
	if binary == "" {
		return dir, ""
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	binPath = filepath.Join(dir, "bin", platform, exe)
	if err := os.MkdirAll(filepath.Dir(binPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binPath, b, mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(binPath, mode); err != nil {
		t.Fatal(err)
	}
	return dir, binPath
}

type run struct {
	code           int
	stdout, stderr string
}

func runNode(t *testing.T, env map[string]string, args ...string) run {
	t.Helper()
	cmd := exec.Command(nodePath(t), args...)
	cmd.Env = envList(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("node %v: %v", args, err)
	}
	return run{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// fakeReport is what testdata/fakebin prints.
type fakeReport struct {
	Args []string
	Env  []string
	PID  int
}

func parseFake(t *testing.T, stdout string) fakeReport {
	t.Helper()
	line, _, _ := strings.Cut(stdout, "\n")
	var r fakeReport
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("fake binary did not run (stdout %q): %v", stdout, err)
	}
	return r
}

// launcherCase is one way the binary can end, and what the launcher must
// make of it: the agent adds an error of its own for any non-zero exit of a
// Node handler, so the launcher exits 0 whenever the binary reported the
// step's result, and reports a failure itself (exit 1) only when it did not.
type launcherCase struct {
	name     string
	fake     map[string]string // FAKE_* variables for testdata/fakebin
	wantCode int
	// wantFailure is a part of the launcher's own failure message; "" means
	// the launcher must add no logging command of its own.
	wantFailure string
}

var launcherCases = []launcherCase{
	{name: "passed and reported", fake: map[string]string{"FAKE_REPORT": "Succeeded", "FAKE_EXIT": "0"}, wantCode: 0},
	{name: "preflight failed and reported", fake: map[string]string{"FAKE_REPORT": "Failed", "FAKE_EXIT": "1"}, wantCode: 0},
	{name: "warnings reported", fake: map[string]string{"FAKE_REPORT": "SucceededWithIssues", "FAKE_EXIT": "0"}, wantCode: 0},
	// The real binary always reports in azp format, which the launcher asks for.
	{name: "passed without a report", fake: map[string]string{"FAKE_EXIT": "0"}, wantCode: 1,
		wantFailure: "exited with code 0 without reporting a result"},
	{name: "failed without a report", fake: map[string]string{"FAKE_EXIT": "1"}, wantCode: 1,
		wantFailure: "exited with code 1 without reporting a result"},
	// A Go panic exits 2 after printing the stack to stderr.
	{name: "crashed before reporting", fake: map[string]string{"FAKE_EXIT": "2"}, wantCode: 1,
		wantFailure: "exited with code 2 without reporting a result (a crash"},
	{name: "killed by a signal", fake: map[string]string{"FAKE_SIGNAL": "KILL"}, wantCode: 1,
		wantFailure: "stopped by signal SIGKILL before it finished."},
	{name: "killed after reporting", fake: map[string]string{"FAKE_REPORT": "Succeeded", "FAKE_SIGNAL": "KILL"}, wantCode: 1,
		wantFailure: "stopped by signal SIGKILL after it reported its result, before it exited."},
}

func TestLauncherExitCodes(t *testing.T) {
	t.Parallel()
	const token = "squ_0123456789abcdef0123456789abcdef01234567"
	for _, tt := range launcherCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, bin := taskCopy(t, nodePlatform(), "sonar-preflight", fakeBinary(t), 0o644)
			extra := endpointEnv("https://sonar.example.test/sonarqube", token)
			for k, v := range tt.fake {
				extra[k] = v
			}
			env := agentEnv(t, map[string]string{"SonarQube": endpointID, "projectKey": "my-project"}, extra)

			r := runNode(t, env, filepath.Join(dir, "launcher.js"))

			if r.code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stdout %q, stderr %q)", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			rep := parseFake(t, r.stdout)
			if !slices.Equal(rep.Args, []string{"check", "--format", "azp"}) {
				t.Errorf("binary args %q, want [check --format azp]", rep.Args)
			}
			got := parseEnvList(rep.Env)
			for k, v := range env {
				if got[k] != v {
					t.Errorf("binary saw %s=%q, want %q", k, got[k], v)
				}
			}
			if !strings.Contains(r.stderr, "fakebin: stderr line") {
				t.Errorf("binary's stderr not passed through: %q", r.stderr)
			}
			if want := tt.fake["FAKE_REPORT"]; want != "" &&
				!strings.Contains(r.stdout, "##vso[task.complete result="+want+";]fake result\n") {
				t.Errorf("the binary's result line did not pass through whole: %q", r.stdout)
			}
			own := launcherCommands(r.stdout)
			if tt.wantFailure == "" {
				// The agent scans the whole log for ##vso; the launcher itself
				// must add nothing when the binary reported.
				if len(own) != 0 {
					t.Errorf("launcher wrote logging commands of its own: %q", own)
				}
			} else {
				checkLauncherFailure(t, r, tt.wantFailure)
			}
			if fi, err := os.Stat(bin); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("binary mode after launch: %v %v, want 0755 (the .vsix drops the exec bit)", fi.Mode(), err)
			}
		})
	}
}

// launcherCommands are the logging commands in stdout that the fake binary
// did not write (it writes only task.complete with the message "fake result").
func launcherCommands(stdout string) []string {
	var out []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.Contains(line, "##vso[") && !strings.HasSuffix(line, "]fake result") {
			out = append(out, line)
		}
	}
	return out
}

// TestLauncherPlatforms runs launcher.js as if on each agent platform (a
// preloaded script overrides process.platform and process.arch) with the fake
// binary in the folder it must choose, and nowhere else.
func TestLauncherPlatforms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform, arch string
		folder, exe    string // "" folder: unsupported
	}{
		{"linux", "x64", "linux-x64", "sonar-preflight"},
		{"linux", "arm64", "linux-arm64", "sonar-preflight"},
		{"win32", "x64", "win32-x64", "sonar-preflight.exe"},
		{"darwin", "x64", "darwin-x64", "sonar-preflight"},
		{"darwin", "arm64", "darwin-arm64", "sonar-preflight"},
		{"linux", "ppc64", "", ""},
		{"win32", "ia32", "", ""},
		{"freebsd", "x64", "", ""},
	}
	preload := filepath.Join(repoRoot, "test/packaging/testdata/fake-platform.js")
	for _, tt := range tests {
		t.Run(tt.platform+"-"+tt.arch, func(t *testing.T) {
			t.Parallel()
			var dir string
			if tt.folder != "" {
				// Executable already: on a pretend win32 the launcher does not chmod.
				dir, _ = taskCopy(t, tt.folder, tt.exe, fakeBinary(t), 0o755)
			} else {
				dir, _ = taskCopy(t, "", "", "", 0)
			}
			env := agentEnv(t, nil, map[string]string{"FAKE_PLATFORM": tt.platform, "FAKE_ARCH": tt.arch, "FAKE_REPORT": "Succeeded"})
			r := runNode(t, env, "-r", preload, filepath.Join(dir, "launcher.js"))
			if tt.folder != "" {
				if r.code != 0 {
					t.Fatalf("exit %d, stdout %q stderr %q", r.code, r.stdout, r.stderr)
				}
				parseFake(t, r.stdout)
				return
			}
			want := tt.platform + "-" + tt.arch
			checkLauncherFailure(t, r, want)
		})
	}
}

func TestLauncherMissingBinary(t *testing.T) {
	t.Parallel()
	const token = "squ_fedcba9876543210fedcba9876543210fedcba98"
	dir, _ := taskCopy(t, "", "", "", 0)
	// The folder for another platform exists; this one's does not.
	if err := os.MkdirAll(filepath.Join(dir, "bin", "darwin-arm64"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := agentEnv(t, map[string]string{"SonarQube": endpointID}, endpointEnv("https://sonar.example.test", token))
	r := runNode(t, env, filepath.Join(dir, "launcher.js"))
	checkLauncherFailure(t, r, nodePlatform())
	if !strings.Contains(r.stdout, filepath.Join("bin", nodePlatform(), "sonar-preflight")) {
		t.Errorf("message does not name the missing file: %q", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Error("the token leaked into the launcher's output")
	}
}

// TestLauncherBinaryCannotStart: something that cannot be executed stands
// where the binary should be; spawn fails, which must become a clear task
// failure naming the binary and the cause, not a crash.
func TestLauncherBinaryCannotStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, bin string)
		cause string // in the message
	}{
		{"a folder", func(t *testing.T, bin string) {
			if err := os.MkdirAll(bin, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "EACCES"},
		// A truncated download or a binary of another format: the kernel refuses it.
		{"not an executable", func(t *testing.T, bin string) {
			writeBin(t, bin, []byte("\x00\x01 not a program\n"))
		}, "is not an executable for " + nodePlatform() + " (ELF "},
		{"empty", func(t *testing.T, bin string) {
			writeBin(t, bin, nil)
		}, "): it is empty; reinstall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := taskCopy(t, "", "", "", 0)
			bin := filepath.Join(dir, "bin", nodePlatform(), "sonar-preflight")
			tt.setup(t, bin)
			r := runNode(t, agentEnv(t, nil, nil), filepath.Join(dir, "launcher.js"))
			checkLauncherFailure(t, r, nodePlatform())
			if !strings.Contains(r.stdout, "##vso[task.issue type=error;]sonar-preflight could not be started") ||
				!strings.Contains(r.stdout, bin) || !strings.Contains(r.stdout, tt.cause) {
				t.Errorf("no error issue naming the binary and %s: %q", tt.cause, r.stdout)
			}
		})
	}
}

func writeBin(t *testing.T, bin string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestLauncherForwardsTermination: the agent cancels a step by signalling the
// handler; the binary must hear it to stop and report.
func TestLauncherForwardsTermination(t *testing.T) {
	t.Parallel()
	dir, _ := taskCopy(t, nodePlatform(), "sonar-preflight", fakeBinary(t), 0o644)
	cmd := exec.Command(nodePath(t), filepath.Join(dir, "launcher.js"))
	cmd.Env = envList(agentEnv(t, nil, map[string]string{"FAKE_WAIT": "TERM", "FAKE_REPORT": "Failed"}))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The fake's first line means it runs and has its SIGTERM handler.
	rd := bufio.NewReader(stdout)
	first, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("fake binary did not start: %v", err)
	}
	fake := parseFake(t, first)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte, 1)
	go func() {
		rest, _ := io.ReadAll(rd)
		done <- rest
	}()
	var rest []byte
	select {
	case rest = <-done:
	case <-time.After(30 * time.Second):
		// Not a timing assumption: a bound so a lost signal fails instead of hanging.
		_ = syscall.Kill(fake.PID, syscall.SIGKILL)
		_ = cmd.Process.Kill()
		rest = <-done
		t.Errorf("the binary never heard SIGTERM; output %q", rest)
	}
	_ = cmd.Wait()
	// The binary stopped, reported its (failed) result and exited 5: the
	// result stands, and the launcher adds no error of the agent's own.
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(string(rest), "fakebin: terminated") ||
		!strings.Contains(string(rest), "##vso[task.complete result=Failed;]fake result") {
		t.Errorf("exit %d, output %q: want the binary's report after SIGTERM, then exit 0", code, rest)
	}
}

// mockResult is what azure-pipelines-task-lib's MockTestRunner concluded
// (testdata/mockrunner.js), with the task process's exit code.
type mockResult struct {
	Succeeded     bool
	ErrorIssues   []string
	WarningIssues []string
	Stdout        string
	Stderr        string
	ExitCode      *int
	Signal        *string
}

// runMock runs the task folder's launcher.js through MockTestRunner, offline:
// the runner is pointed at this Node, so it downloads nothing. Inputs go
// through TaskMockRunner.setInput, extra is the rest of the environment.
func runMock(t *testing.T, taskDir string, inputs, extra map[string]string) mockResult {
	t.Helper()
	modules := nodeModules(t)
	home := t.TempDir()
	in, err := json.Marshal(inputs)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TF_BUILD":            "True",
		"AGENT_TEMPDIRECTORY": t.TempDir(),
		"HOME":                home,
		"NODE_PATH":           modules,
		"MOCK_TASK_DIR":       taskDir,
		"MOCK_INPUTS":         string(in),
	}
	for k, v := range extra {
		env[k] = v
	}
	r := runNode(t, env, filepath.Join(repoRoot, "test/packaging/testdata/mockrunner.js"))
	if r.code != 0 {
		t.Fatalf("mockrunner.js exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var res mockResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("mockrunner.js output: %v\n%s", err, r.stdout)
	}
	if res.ExitCode == nil {
		t.Fatalf("the task process did not exit normally (signal %v)\n%s\n%s", res.Signal, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "azure-pipelines-task-lib")); !os.IsNotExist(err) {
		t.Errorf("MockTestRunner created its download folder (it tried to fetch Node): %v", err)
	}
	return res
}

// TestLauncherExitCodesMockTestRunner: the same endings as
// TestLauncherExitCodes, judged by task-lib's own harness (the result it reads
// from the log) and by the exit code the agent would see.
func TestLauncherExitCodesMockTestRunner(t *testing.T) {
	t.Parallel()
	cases := append([]launcherCase{}, launcherCases...)
	cases = append(cases, launcherCase{name: "binary missing", wantCode: 1, wantFailure: "has no binary for this agent's platform"})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := fakeBinary(t)
			if tt.fake == nil {
				bin = ""
			}
			dir, _ := taskCopy(t, nodePlatform(), "sonar-preflight", bin, 0o644)
			res := runMock(t, dir, map[string]string{"SonarQube": endpointID, "projectKey": "my-project"}, tt.fake)
			if *res.ExitCode != tt.wantCode {
				t.Errorf("task process exit code %d, want %d\n%s\n%s", *res.ExitCode, tt.wantCode, res.Stdout, res.Stderr)
			}
			wantSucceeded := tt.fake["FAKE_REPORT"] != "Failed" && tt.wantFailure == ""
			if res.Succeeded != wantSucceeded {
				t.Errorf("tr.succeeded = %v, want %v\n%s", res.Succeeded, wantSucceeded, res.Stdout)
			}
			if tt.wantFailure == "" {
				if len(res.ErrorIssues) != 0 {
					t.Errorf("error issues %q, want none", res.ErrorIssues)
				}
				return
			}
			if len(res.ErrorIssues) != 1 || !strings.Contains(res.ErrorIssues[0], tt.wantFailure) {
				t.Errorf("error issues %q, want one containing %q", res.ErrorIssues, tt.wantFailure)
			}
		})
	}
}

// checkLauncherFailure asserts the launcher's own failure report: an error
// issue containing want, a failed result, exit code 1.
func checkLauncherFailure(t *testing.T, r run, want string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	var issue, complete bool
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		switch {
		case strings.HasPrefix(line, "##vso[task.issue type=error;]"):
			issue = strings.Contains(line, want)
		case strings.HasPrefix(line, "##vso[task.complete result=Failed;]"):
			complete = true
		}
	}
	if !issue || !complete {
		t.Errorf("want an error issue containing %q and a failed result, got stdout %q", want, r.stdout)
	}
}
