package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSimulateEnvFileWriteFailure: an environment file that cannot be
// written (its folder does not exist) is reported, with exit code 1, and
// the simulator does not go on serving as if all were well.
func TestSimulateEnvFileWriteFailure(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no", "such", "folder", "env")
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	// simulate serves until its context ends: a run that did not see the
	// failure would block until the test's own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		done <- App{Now: time.Now}.Run(ctx,
			[]string{"simulate", "--scenario", "healthy", "--env-file", missing}, nil, &stdout, &stderr)
	}()
	select {
	case code := <-done:
		if code != ExitFail {
			t.Errorf("exit code %d, want %d", code, ExitFail)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not return")
	}
	if !strings.Contains(stderr.String(), "no such file or directory") {
		t.Errorf("stderr does not say why: %q", stderr.String())
	}
	if strings.Contains(stdout.String(), "simulating") {
		t.Errorf("stdout announces a simulator: %q", stdout.String())
	}
	if _, err := os.Stat(missing + ".tmp"); err == nil {
		t.Errorf("a temporary file was left behind")
	}
}

// TestSimulateServesAScenarioOnItsDate: simulate serves a dated scenario
// as demo does, on its own date. global-pat-retired happens after the
// global-PAT retirement; served on today's clock (before it), Azure DevOps
// would still accept the global PAT and azdo.pat would pass.
func TestSimulateServesAScenarioOnItsDate(t *testing.T) {
	t.Parallel()
	early := testClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	envFile := filepath.Join(t.TempDir(), "sim.env")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- App{Now: early}.Run(ctx, []string{"simulate", "--scenario", "global-pat-retired", "--env-file", envFile}, nil, &stdout, &stderr)
	}()
	var env map[string]string
	deadline := time.Now().Add(20 * time.Second)
	for env == nil {
		if b, err := os.ReadFile(envFile); err == nil {
			env = map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				k, v, _ := strings.Cut(l, "=")
				env[k] = v
			}
			break
		}
		select {
		case code := <-done:
			t.Fatalf("simulate ended with %d: %s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("simulate wrote no environment file")
		}
	}
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	_, out, _ := runApp(t, early, env, "--format", "json")
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("simulate exited %d", code)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range rep.Checks {
		if c.ID == "azdo.pat" && c.Status != "fail" {
			t.Errorf("azdo.pat %s, want fail: the simulator did not answer as on the scenario's date\n%s", c.Status, c.Message)
		}
	}
	if !strings.Contains(stdout.String(), "set on 2026-12-01") {
		t.Errorf("simulate does not say the scenario's date:\n%s", stdout.String())
	}
}
