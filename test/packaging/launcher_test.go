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

// taskCopy lays out a task folder like the agent's: launcher.js and
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

func TestLauncherRunsBinaryWithAgentEnvironment(t *testing.T) {
	t.Parallel()
	const token = "squ_0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name     string
		exit     string
		wantCode int
	}{
		{"passed", "0", 0},
		{"preflight failed", "1", 1},
		{"command line wrong", "2", 2},
		{"any other code", "77", 77},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, bin := taskCopy(t, nodePlatform(), "sonar-preflight", fakeBinary(t), 0o644)
			extra := endpointEnv("https://sonar.example.test/sonarqube", token)
			extra["FAKE_EXIT"] = tt.exit
			env := agentEnv(t, map[string]string{"SonarQube": endpointID, "projectKey": "my-project"}, extra)

			r := runNode(t, env, filepath.Join(dir, "launcher.js"))

			if r.code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			rep := parseFake(t, r.stdout)
			if !slices.Equal(rep.Args, []string{"check"}) {
				t.Errorf("binary args %q, want [check]", rep.Args)
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
			// The agent scans the whole log for ##vso; the launcher itself
			// must add nothing when the binary ran.
			if strings.Contains(r.stdout, "##vso[") {
				t.Errorf("launcher wrote logging commands of its own: %q", r.stdout)
			}
			if fi, err := os.Stat(bin); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("binary mode after launch: %v %v, want 0755 (the .vsix drops the exec bit)", fi.Mode(), err)
			}
		})
	}
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
			env := agentEnv(t, nil, map[string]string{"FAKE_PLATFORM": tt.platform, "FAKE_ARCH": tt.arch})
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

func TestLauncherBinaryKilledBySignal(t *testing.T) {
	t.Parallel()
	dir, _ := taskCopy(t, nodePlatform(), "sonar-preflight", fakeBinary(t), 0o644)
	r := runNode(t, agentEnv(t, nil, map[string]string{"FAKE_SIGNAL": "KILL"}), filepath.Join(dir, "launcher.js"))
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	parseFake(t, r.stdout)
	if !strings.Contains(r.stdout, "##vso[task.complete result=Failed;]") || !strings.Contains(r.stdout, "SIGKILL") {
		t.Errorf("no failed result naming the signal: %q", r.stdout)
	}
}

func TestLauncherBinaryCannotStart(t *testing.T) {
	t.Parallel()
	// Where the binary should be stands a folder: spawn fails (EACCES), which
	// must become a clear task failure, not a crash.
	dir, _ := taskCopy(t, "", "", "", 0)
	bin := filepath.Join(dir, "bin", nodePlatform(), "sonar-preflight")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runNode(t, agentEnv(t, nil, nil), filepath.Join(dir, "launcher.js"))
	checkLauncherFailure(t, r, nodePlatform())
	if !strings.Contains(r.stdout, "##vso[task.issue type=error;]sonar-preflight could not be started") ||
		!strings.Contains(r.stdout, bin) {
		t.Errorf("no error issue naming the binary: %q", r.stdout)
	}
}

// TestLauncherForwardsTermination: the agent cancels a step by signalling the
// handler; the binary must hear it to stop and report.
func TestLauncherForwardsTermination(t *testing.T) {
	t.Parallel()
	dir, _ := taskCopy(t, nodePlatform(), "sonar-preflight", fakeBinary(t), 0o644)
	cmd := exec.Command(nodePath(t), filepath.Join(dir, "launcher.js"))
	cmd.Env = envList(agentEnv(t, nil, map[string]string{"FAKE_WAIT": "TERM"}))
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
	if code := cmd.ProcessState.ExitCode(); code != 5 || !strings.Contains(string(rest), "fakebin: terminated") {
		t.Errorf("exit %d, output %q: want the binary's own exit 5 after it got SIGTERM", code, rest)
	}
}

func checkLauncherFailure(t *testing.T, r run, platform string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	var issue, complete bool
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		switch {
		case strings.HasPrefix(line, "##vso[task.issue type=error;]"):
			issue = strings.Contains(line, platform)
		case strings.HasPrefix(line, "##vso[task.complete result=Failed;]"):
			complete = true
		}
	}
	if !issue || !complete {
		t.Errorf("want an error issue naming %s and a failed result, got stdout %q", platform, r.stdout)
	}
}
