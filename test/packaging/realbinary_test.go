package packaging_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// minimalRoot lays out the minimal image's root file system the way its
// Dockerfile stage does (scripts/minimal-rootfs.sh, the same script) with the
// Linux binary and the given CA bundle, and returns it with the USER the
// stage runs as and its PATH.
func minimalRoot(t *testing.T, caBundle []byte) (root string, uid, gid int, path string) {
	t.Helper()
	stages := parseDockerfile(t, filepath.Join(repoRoot, "Dockerfile"))
	m, ok := findStage(stages, "minimal")
	if !ok {
		t.Fatal("no minimal stage")
	}
	uid, gid = minimalUser(t, m)
	path = stageEnv(m)["PATH"]

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, caBundle, 0o644); err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(t.TempDir(), "rootfs")
	cmd := exec.Command("sh", "scripts/minimal-rootfs.sh", root, realBinary(t), ca)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/minimal-rootfs.sh: %v\n%s", err, out)
	}
	// The parent of the root must be passable for the user, as / is in an image.
	if err := os.Chmod(filepath.Dir(root), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, uid, gid, path
}

// inRoot runs argv in root (chroot) as uid:gid with env, in the root's /,
// and returns the exit code and output. It needs root, as the image's
// runtime does to set the user up.
func inRoot(t *testing.T, root string, uid, gid int, env map[string]string, argv ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = envList(env)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
	}
	out, err := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%v in %s: %v\n%s", argv, root, err, out)
	}
	return code, string(out)
}

// lookPathIn resolves name through PATH inside root, as the image's
// ENTRYPOINT is resolved.
func lookPathIn(t *testing.T, root, path, name string) string {
	t.Helper()
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(filepath.Join(root, p)); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o001 != 0 {
			return p
		}
	}
	t.Fatalf("%s is not an executable on PATH %q in the minimal root", name, path)
	return ""
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		unavailable(t, "needs root to chroot and change user (uid %d); CI runs it with sudo", os.Geteuid())
	}
}

// TestMinimalImageLayout lays out the minimal image (no Docker engine here:
// the same script its Dockerfile stage runs) and runs its ENTRYPOINT in it as
// its non-root USER: the demo, which writes its simulator's CA to /tmp, and
// a real preflight against the simulator over loopback. It checks what a COPY
// into scratch can silently lose: /tmp world-writable and sticky.
func TestMinimalImageLayout(t *testing.T) {
	t.Parallel()
	needRoot(t)
	system, _ := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")

	t.Run("layout", func(t *testing.T) {
		t.Parallel()
		root, uid, gid, _ := minimalRoot(t, system)
		fi, err := os.Stat(filepath.Join(root, "tmp"))
		if err != nil || fi.Mode()&(os.ModeSticky|os.ModePerm) != os.ModeSticky|0o777 {
			t.Errorf("/tmp is %v, want drwxrwxrwt (1777): every user may write, none may remove others' files", fi.Mode())
		}
		passwd, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
		if err != nil || !strings.Contains(string(passwd), fmt.Sprintf(":x:%d:%d:", uid, gid)) {
			t.Errorf("/etc/passwd names no user %d:%d (the Dockerfile's USER): %q", uid, gid, passwd)
		}
		if fi, err := os.Stat(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt")); err != nil || fi.Size() == 0 {
			t.Errorf("no CA bundle: %v", err)
		}
		t.Logf("minimal root: %v", listTree(t, root))
	})

	t.Run("demo as the non-root user", func(t *testing.T) {
		t.Parallel()
		root, uid, gid, path := minimalRoot(t, system)
		entry := lookPathIn(t, root, path, "sonar-preflight")
		code, out := inRoot(t, root, uid, gid, map[string]string{"PATH": path}, entry, "demo", "--color", "never")
		if code != 0 || !strings.Contains(out, "would have exited with code 1") || !strings.Contains(out, "FAIL  sonar.base-url") {
			t.Fatalf("demo as %d:%d: exit %d\n%s", uid, gid, code, out)
		}
		// The demo removed what it wrote.
		if left, _ := os.ReadDir(filepath.Join(root, "tmp")); len(left) != 0 {
			t.Errorf("the demo left %d entries in /tmp", len(left))
		}
	})

	// The control: with the /tmp a plain COPY into scratch gives (0755
	// root), the same demo fails; so the case above passes because of the
	// layout, not despite it.
	t.Run("demo with a root-owned 0755 /tmp fails", func(t *testing.T) {
		t.Parallel()
		root, uid, gid, path := minimalRoot(t, system)
		if err := os.Chmod(filepath.Join(root, "tmp"), 0o755); err != nil {
			t.Fatal(err)
		}
		code, out := inRoot(t, root, uid, gid, map[string]string{"PATH": path}, lookPathIn(t, root, path, "sonar-preflight"), "demo")
		if code == 0 || !strings.Contains(out, "permission denied") {
			t.Errorf("demo with an unwritable /tmp: exit %d, want a failure naming the permission\n%s", code, out)
		}
	})

	// A real preflight from the minimal root, against the simulator on
	// loopback (same network namespace), as the non-root user.
	for _, tc := range scenarioCases {
		t.Run("check "+tc.scenario, func(t *testing.T) {
			t.Parallel()
			sim := startSimulator(t, realBinary(t), tc.scenario)
			ca, err := os.ReadFile(sim.Env["SSL_CERT_FILE"])
			if err != nil {
				t.Fatal(err)
			}
			// The public roots plus the simulator's CA, where the image has its bundle.
			root, uid, gid, path := minimalRoot(t, append(append([]byte{}, system...), ca...))
			env := map[string]string{"PATH": path}
			for k, v := range sim.Env {
				env[k] = v
			}
			delete(env, "SSL_CERT_FILE") // the image's own bundle is used
			code, out := inRoot(t, root, uid, gid, env, lookPathIn(t, root, path, "sonar-preflight"), "check", "--color", "never")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, tc.wantCode, out)
			}
			verdict := map[string]string{"pass": "Verdict: PASS", "fail": "Verdict: FAIL"}[tc.wantVerdict]
			if !strings.Contains(out, verdict) {
				t.Errorf("no %q in:\n%s", verdict, out)
			}
			if tc.wantIssue != "" && !strings.Contains(out, "sonar.base-url") {
				t.Errorf("the failing check is not named:\n%s", out)
			}
			checkNoSecrets(t, out, sim.Env["SONAR_TOKEN"])
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

// TestSimulateInBackground runs simulate as `simulate &` does: standard input
// /dev/null. It keeps serving (a preflight passes against it), says how to
// use what it wrote, and on SIGTERM exits 0 leaving neither its environment
// file nor its temporary CA behind.
func TestSimulateInBackground(t *testing.T) {
	t.Parallel()
	bin := realBinary(t)
	tmp := t.TempDir()
	sim, p := startSimulatorIn(t, bin, "healthy", tmp)

	check := exec.Command(bin, "check", "--color", "never")
	check.Env = envList(sim.Env)
	if out, err := check.CombinedOutput(); err != nil || !strings.Contains(string(out), "Verdict: PASS") {
		t.Fatalf("check against the backgrounded simulator: %v\n%s", err, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) == 0 {
		t.Fatal("the simulator keeps no temporary CA in TMPDIR: this test would prove nothing")
	}
	p.stop(t)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("simulate exited %d on SIGTERM, want 0\n%s", code, p.logs.String())
	}
	if _, err := os.Stat(p.envFile); !os.IsNotExist(err) {
		t.Errorf("the environment file outlived the simulator: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the simulator left %d entries in TMPDIR (its CA)", len(left))
	}
	logs := p.logs.String()
	for _, want := range []string{"simulating \"healthy\"", "set -a; . " + p.envFile + "; sonar-preflight check", "SIGTERM"} {
		if !strings.Contains(logs, want) {
			t.Errorf("simulate does not say %q:\n%s", want, logs)
		}
	}
}

// TestDemoIntoClosedPipe: `sonar-preflight demo | head -1` closes the pipe
// after one line; the demo must still remove its temporary CA.
func TestDemoIntoClosedPipe(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	cmd := exec.Command(realBinary(t), "demo", "--color", "never")
	cmd.Env = []string{"TMPDIR=" + tmp}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 1)
	if _, err := stdout.Read(first); err != nil {
		t.Fatalf("demo printed nothing: %v", err)
	}
	// What head does after its line: close the pipe, unread.
	_ = stdout.Close()
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Errorf("demo was killed by %v: its deferred clean-up did not run", ws.Signal())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("demo left %d entries in TMPDIR after its reader went away\n%s", len(left), stderr.String())
	}
}
