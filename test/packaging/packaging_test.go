// Package packaging_test checks what ships: the Azure Pipelines task
// (task.json and its launcher), the .vsix, the binaries, the container image's
// Dockerfile and the project's own pipeline. The binaries and the .vsix are
// built once per run by scripts/build.sh into a temporary folder.
package packaging_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const taskRel = "task/SonarQubePreflightV1"

var (
	repoRoot string // the module root, found from the working directory
	workDir  string // this run's artefacts: stage/, dist/, fakebin
)

func TestMain(m *testing.M) {
	root, err := findRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging tests:", err)
		os.Exit(1)
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "sonar-preflight-packaging-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging tests:", err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	if s := summary(); s != "" {
		fmt.Println(s)
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// inCI reports whether a missing prerequisite must fail rather than skip.
func inCI() bool { return os.Getenv("CI") != "" }

// unavailable fails in CI and skips elsewhere: a developer without the tool
// still gets the rest of the suite, CI never silently loses a check.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func nodePath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node not on PATH: %v", err)
	}
	return p
}

// nodeModules is tools/node_modules, installed by `bash scripts/setup-node.sh`.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot, "tools", "node_modules")
	for _, want := range []string{".bin/tfx", "azure-pipelines-task-lib/mock-test.js"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			unavailable(t, "%s missing; run: bash scripts/setup-node.sh", filepath.Join("tools/node_modules", want))
		}
	}
	return dir
}

// nodePlatform is the bin/ folder name for this host, as launcher.js computes it.
func nodePlatform() string {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	return runtime.GOOS + "-" + arch
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// once is a lazily computed artefact shared by the parallel tests.
type once[T any] struct {
	o   sync.Once
	v   T
	err error
}

func (o *once[T]) get(t *testing.T, f func() (T, error)) T {
	t.Helper()
	o.o.Do(func() { o.v, o.err = f() })
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.v
}

var (
	fakeBinOnce  once[string]
	binariesOnce once[string]
	vsixOnce     once[string]

	sizesMu sync.Mutex
	sizes   = map[string]int64{} // artefact -> bytes, for the closing summary
)

func recordSize(name string, n int64) {
	sizesMu.Lock()
	defer sizesMu.Unlock()
	sizes[name] = n
}

func summary() string {
	sizesMu.Lock()
	defer sizesMu.Unlock()
	if len(sizes) == 0 {
		return ""
	}
	names := make([]string, 0, len(sizes))
	for n := range sizes {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s=%.1fMiB", n, float64(sizes[n])/(1<<20)))
	}
	return "packaging sizes: " + strings.Join(parts, " ")
}

// fakeBinary is a stand-in for sonar-preflight that echoes its arguments and
// environment and exits as told (testdata/fakebin).
func fakeBinary(t *testing.T) string {
	t.Helper()
	return fakeBinOnce.get(t, func() (string, error) {
		out := filepath.Join(workDir, "fakebin")
		cmd := exec.Command("go", "build", "-o", out, "./test/packaging/testdata/fakebin")
		cmd.Dir = repoRoot
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build fake binary: %v\n%s", err, b)
		}
		return out, nil
	})
}

// buildVersion is what the test run stamps into the binaries.
const buildVersion = "1.0.0-packagingtest"

// stagedTask is the task folder assembled by scripts/build.sh, with the five
// cross-built binaries in bin/.
func stagedTask(t *testing.T) string {
	t.Helper()
	return binariesOnce.get(t, func() (string, error) {
		stage := filepath.Join(workDir, "stage")
		if _, err := runBuild("binaries", stage); err != nil {
			return "", err
		}
		return filepath.Join(stage, taskRel), nil
	})
}

// realBinary is the host's sonar-preflight from the staged task.
func realBinary(t *testing.T) string {
	t.Helper()
	p := filepath.Join(stagedTask(t), "bin", nodePlatform(), "sonar-preflight")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no binary for this host: %v", err)
	}
	return p
}

// vsixFile is the .vsix built by scripts/build.sh with tfx-cli.
func vsixFile(t *testing.T) string {
	t.Helper()
	stagedTask(t)
	nodeModules(t)
	return vsixOnce.get(t, func() (string, error) {
		out, err := runBuild("vsix", filepath.Join(workDir, "stage"))
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(out, "\n") {
			if f, ok := strings.CutPrefix(line, "vsix "); ok {
				p := strings.Fields(f)[0]
				if !filepath.IsAbs(p) {
					p = filepath.Join(repoRoot, p)
				}
				return p, nil
			}
		}
		return "", fmt.Errorf("scripts/build.sh vsix named no .vsix:\n%s", out)
	})
}

func runBuild(what, stage string) (string, error) {
	cmd := exec.Command("bash", "scripts/build.sh", what)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"STAGE_DIR="+stage,
		"DIST_DIR="+filepath.Join(workDir, "dist"),
		"VERSION="+buildVersion,
		"COMMIT=0000000",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scripts/build.sh %s: %v\n%s%s", what, err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// simulator is a running `sonar-preflight simulate`.
type simulator struct {
	Env map[string]string // what it wrote to --env-file
}

// startSimulator runs `sonar-preflight simulate` for the scenario and waits,
// by inotify and not by polling, for its environment file. SIGTERM at the end
// of the test stops it; its standard input is /dev/null, as a background
// job's is.
func startSimulator(t *testing.T, binary, scenario string) simulator {
	t.Helper()
	sim, _ := startSimulatorIn(t, binary, scenario, t.TempDir())
	return sim
}

// startSimulatorIn is startSimulator with the simulator's TMPDIR, and it
// returns the running command too.
func startSimulatorIn(t *testing.T, binary, scenario, tmp string) (simulator, *simProcess) {
	t.Helper()
	dir := t.TempDir()
	envFile := filepath.Join(dir, "sim.env")
	watch, err := newFileWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()

	cmd := exec.Command(binary, "simulate", "--scenario", scenario, "--env-file", envFile)
	cmd.Env = []string{"HOME=" + dir, "TMPDIR=" + tmp}
	p := &simProcess{cmd: cmd, envFile: envFile, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.logs, &p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		exited <- err
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := watch.waitFor(ctx, "sim.env", exited); err != nil {
		t.Fatalf("simulate --scenario %s: %v\n%s", scenario, err, p.logs.String())
	}
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("env file line %q is not KEY=VALUE", line)
		}
		env[k] = v
	}
	for _, k := range []string{"SONAR_HOST_URL", "SONAR_TOKEN", "SONAR_PROJECT_KEY"} {
		if env[k] == "" {
			t.Fatalf("simulate wrote no %s:\n%s", k, b)
		}
	}
	return simulator{Env: env}, p
}

// simProcess is a running `sonar-preflight simulate`.
type simProcess struct {
	cmd     *exec.Cmd
	envFile string
	logs    syncBuffer
	exited  chan struct{}
	once    sync.Once
}

// stop sends SIGTERM and waits for the exit; a simulator that does not stop
// within a bound is killed and the test fails.
func (p *simProcess) stop(t *testing.T) {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
			t.Errorf("simulate did not stop on SIGTERM:\n%s", p.logs.String())
		}
	})
}

// fileWatch reports files closed after writing, or renamed into, a folder.
type fileWatch struct{ f *os.File }

func newFileWatch(dir string) (*fileWatch, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CLOSE_WRITE|syscall.IN_MOVED_TO); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("inotify watch %s: %w", dir, err)
	}
	// A non-blocking descriptor goes through the runtime poller, so Close
	// unblocks a pending Read.
	return &fileWatch{f: os.NewFile(uintptr(fd), "inotify")}, nil
}

func (w *fileWatch) Close() error { return w.f.Close() }

// waitFor returns when name is complete, the process exits, or ctx ends.
func (w *fileWatch) waitFor(ctx context.Context, name string, exited <-chan error) error {
	found := make(chan error, 1)
	go func() {
		buf := make([]byte, 64*1024)
		for {
			n, err := w.f.Read(buf)
			if err != nil {
				found <- err
				return
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				// struct inotify_event: wd, mask, cookie, len, then len bytes of name.
				nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
				start := off + syscall.SizeofInotifyEvent
				if strings.TrimRight(string(buf[start:start+nameLen]), "\x00") == name {
					found <- nil
					return
				}
				off = start + nameLen
			}
		}
	}()
	select {
	case err := <-found:
		return err
	case err := <-exited:
		return fmt.Errorf("exited before writing its environment: %v", err)
	case <-ctx.Done():
		return fmt.Errorf("no environment file: %w", ctx.Err())
	}
}

// syncBuffer collects a child's output from two pipes safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// envList turns a map into exec's KEY=VALUE list, sorted for stable logs.
func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// parseEnvList is the inverse of envList.
func parseEnvList(list []string) map[string]string {
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
