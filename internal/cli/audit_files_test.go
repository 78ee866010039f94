//go:build unix

package cli

import (
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/safefile/specialtest"
	"sonar-preflight/internal/simulator"
)

// TestAuditSpecialFilesInCAVariables: the audit reads a CA bundle named by
// a variable as check does (package safefile): a FIFO or /dev/zero is
// refused at once, naming what the path is, instead of blocking or reading
// without end.
func TestAuditSpecialFilesInCAVariables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := specialtest.FIFO(t, dir, "ca.fifo")
	big := specialtest.Sparse(t, dir, "big.pem", 100<<20)
	for _, file := range []struct{ name, path, says string }{
		{"FIFO", fifo, "named pipe (FIFO), not a regular file"},
		{"/dev/zero", "/dev/zero", "character device, not a regular file"},
		{"directory", dir, "directory, not a regular file"},
		{"100 MB file", big, "more than the 10.0 MiB accepted"},
	} {
		for _, variable := range []string{"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"} {
			t.Run(variable+"/"+file.name, func(t *testing.T) {
				t.Parallel()
				_, env := startFleet(t, simulator.Fleet{Projects: 3})
				env[variable] = file.path
				start := time.Now()
				code, _, stderr := runAudit(t, env, "--format", "json", "--timeout", "3s")
				if took := time.Since(start); took > 4*time.Second {
					t.Errorf("took %s with a 3s deadline", took)
				}
				if code != ExitFail || !strings.Contains(stderr, variable) || !strings.Contains(stderr, file.says) {
					t.Errorf("exit %d, stderr %q; want %d naming %s and %q", code, stderr, ExitFail, variable, file.says)
				}
			})
		}
	}
}
