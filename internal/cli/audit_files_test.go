//go:build unix

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sonar-preflight/internal/simulator"
)

// TestAuditSpecialFilesInCAVariables: the audit reads a CA bundle named by
// a variable as check does (package safefile): a FIFO or /dev/zero is
// refused at once, naming what the path is, instead of blocking or reading
// without end.
func TestAuditSpecialFilesInCAVariables(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "ca.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []struct{ name, path, says string }{
		{"FIFO", fifo, "named pipe (FIFO), not a regular file"},
		{"/dev/zero", "/dev/zero", "character device, not a regular file"},
	} {
		t.Run(file.name, func(t *testing.T) {
			t.Parallel()
			_, env := startFleet(t, simulator.Fleet{Projects: 3})
			env["NODE_EXTRA_CA_CERTS"] = file.path
			start := time.Now()
			code, _, stderr := runAudit(t, env, "--format", "json", "--timeout", "3s")
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("took %s with a 3s deadline", took)
			}
			if code != ExitFail || !strings.Contains(stderr, "NODE_EXTRA_CA_CERTS") || !strings.Contains(stderr, file.says) {
				t.Errorf("exit %d, stderr %q; want %d naming NODE_EXTRA_CA_CERTS and %q", code, stderr, ExitFail, file.says)
			}
		})
	}
}
