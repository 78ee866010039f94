package cli

import (
	"bytes"
	"context"
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
