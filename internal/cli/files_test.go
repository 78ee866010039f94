//go:build unix

package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/report"
	"sonar-preflight/internal/safefile/specialtest"
	"sonar-preflight/internal/simulator"
)

// TestSpecialFilesInCAVariables names a FIFO, /dev/zero, a directory and a
// 100 MB file in each CA variable: every run ends within its deadline with a
// configuration error that says what the path is, and exit code 1.
func TestSpecialFilesInCAVariables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := specialtest.FIFO(t, dir, "ca.fifo")
	big := specialtest.Sparse(t, dir, "big.pem", 100<<20)
	files := []struct{ name, path, says string }{
		{"FIFO", fifo, "named pipe (FIFO), not a regular file"},
		{"/dev/zero", "/dev/zero", "character device, not a regular file"},
		{"directory", dir, "directory, not a regular file"},
		{"100 MB file", big, "100.0 MiB, more than the 10.0 MiB accepted"},
	}
	sc, _ := simulator.Lookup("healthy")
	for _, variable := range []string{"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "AGENT_CAINFO"} {
		for _, file := range files {
			t.Run(variable+"/"+file.name, func(t *testing.T) {
				t.Parallel()
				now := testClock(beforeRetirement)
				_, env := startScenario(t, sc, now)
				env[variable] = file.path
				start := time.Now()
				code, stdout, stderr := runApp(t, now, env, "--format", "json", "--timeout", "3s")
				if took := time.Since(start); took > 4*time.Second {
					t.Errorf("took %s with a 3s deadline", took)
				}
				if code != ExitFail {
					t.Errorf("exit code %d, want %d (a configuration error fails the config check)", code, ExitFail)
				}
				rep := parseReport(t, stdout)
				if rep.status("config") != "fail" || !strings.Contains(rep.message("config"), variable) || !strings.Contains(rep.message("config"), file.says) {
					t.Errorf("config = %s: %q (stderr %q)", rep.status("config"), rep.message("config"), stderr)
				}
			})
		}
	}
}

// TestConcurrentRunsShareATempFolder runs 20 pipeline-mode preflights at
// once with one AGENT_TEMPDIRECTORY: each uploads its own summary file,
// holding its own report.
func TestConcurrentRunsShareATempFolder(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("healthy")
	now := testClock(beforeRetirement)
	_, env := startScenario(t, sc, now)
	shared := t.TempDir()
	const n = 20
	uploads := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			e["TF_BUILD"] = "True"
			e["AGENT_TEMPDIRECTORY"] = shared
			e["SONAR_PROJECT_KEY"] = fmt.Sprintf("run-%02d", i) // not found on the server: each report names its own key
			_, stdout, _ := runApp(t, now, e, "--format", "azp")
			for _, l := range strings.Split(stdout, "\n") {
				if c, ok := azp.ParseCommand(l); ok && c.Name == "task.uploadsummary" {
					uploads[i] = c.Data
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, p := range uploads {
		if p == "" || seen[p] {
			t.Fatalf("run %d uploaded %q (missing or shared)", i, p)
		}
		seen[p] = true
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), fmt.Sprintf("run-%02d", i)) {
			t.Errorf("run %d's summary %s holds another run's report", i, p)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(shared, report.SummaryFilePrefix+"*.md"))
	if len(matches) != n {
		t.Errorf("%d summary files for %d runs", len(matches), n)
	}
}

// TestURLUserInfoNotPrinted: passwords in the pipeline's URLs are masked
// and registered, and the URLs are shown without them.
func TestURLUserInfoNotPrinted(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("azdo-healthy")
	now := testClock(beforeRetirement)
	_, env := startScenario(t, sc, now)
	const collPass, repoPass = "c0llection-passw0rd-x", "rep0-passw0rd-secret-y"
	env["TF_BUILD"] = "True"
	env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = "https://build:" + collPass + "@dev.azure.com/contoso/"
	env["SYSTEM_COLLECTIONURI"] = env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"]
	env["BUILD_REPOSITORY_URI"] = "https://contoso:" + repoPass + "@dev.azure.com/contoso/Fabrikam/_git/web-app"
	for _, format := range []string{"azp", "text", "json", "markdown"} {
		dir := t.TempDir()
		env["AGENT_TEMPDIRECTORY"] = dir
		_, stdout, stderr := runApp(t, now, env, "--format", format, "--debug")
		rest := stdout
		if format == "azp" {
			var registered map[string]bool
			registered, rest = splitSetSecrets(t, stdout)
			for _, p := range []string{collPass, repoPass} {
				if !registered[p] {
					t.Errorf("azp: %q is not registered with task.setsecret", p[:4])
				}
			}
		}
		outs := []string{rest, stderr}
		for _, text := range filesUnder(t, dir) {
			outs = append(outs, text)
		}
		for _, o := range outs {
			for _, p := range []string{collPass, repoPass, "build:", "contoso:rep0"} {
				if strings.Contains(o, p) {
					t.Errorf("%s: output holds %q", format, p)
				}
			}
		}
		if format == "json" {
			var rep struct {
				Checks []struct{ ID, Status, Message string }
			}
			_ = json.Unmarshal([]byte(stdout), &rep)
			for _, c := range rep.Checks {
				if c.ID == "azdo.pat" && c.Status != "pass" {
					t.Errorf("azdo.pat = %s: %s", c.Status, c.Message)
				}
			}
		}
	}
}

// TestAuditSpecialFiles: a baseline or a shard report that is a FIFO, a
// device, a directory or a file over the cap ends the run at once with what
// the path is, never a hang or a read of gigabytes.
func TestAuditSpecialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := specialtest.FIFO(t, dir, "fifo.json")
	huge := specialtest.Sparse(t, dir, "huge.json", 2<<30)
	_, env := startFleet(t, simulator.Fleet{Projects: 5})
	for _, tc := range []struct{ path, words string }{
		{fifo, "named pipe"}, {"/dev/zero", "character device"}, {dir, "directory"}, {huge, "too large"},
	} {
		done := make(chan struct{})
		var code, mcode int
		var stderr, mstderr string
		go func() {
			defer close(done)
			code, _, stderr = runAudit(t, env, "--format", "text", "--baseline", tc.path)
			mcode, _, mstderr = runAudit(t, env, "merge", "--format", "text", tc.path)
		}()
		timer := time.NewTimer(30 * time.Second)
		select {
		case <-done:
			timer.Stop()
		case <-timer.C:
			t.Fatalf("%s: the audit hangs", tc.path)
		}
		if code != ExitFail || !strings.Contains(stderr, tc.words) {
			t.Errorf("--baseline %s: exit %d, %s", tc.path, code, stderr)
		}
		if mcode != ExitUsage || !strings.Contains(mstderr, tc.words) {
			t.Errorf("merge %s: exit %d, %s", tc.path, mcode, mstderr)
		}
	}
}
