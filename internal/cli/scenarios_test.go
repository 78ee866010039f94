package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/simulator"
)

// testClock runs at real speed from a fixed date before the global-PAT
// retirement, so verdicts that depend on the date hold whenever CI runs.
func testClock(base time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return base.Add(time.Since(start)) }
}

var beforeRetirement = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

type jsonReport struct {
	Verdict string `json:"verdict"`
	Checks  []struct {
		ID        string   `json:"id"`
		Title     string   `json:"title"`
		Status    string   `json:"status"`
		Message   string   `json:"message"`
		Remedy    string   `json:"remedy"`
		Notes     []string `json:"notes"`
		ElapsedMS *int64   `json:"elapsed_ms"`
	} `json:"checks"`
	ElapsedMS *int64 `json:"elapsed_ms"`
}

// startScenario starts the simulator for sc and returns it with its
// environment; the servers stop when the test ends.
func startScenario(t *testing.T, sc simulator.Scenario, now func() time.Time) (*simulator.Servers, map[string]string) {
	t.Helper()
	sim, err := simulator.Start(sc, simulator.Options{Dir: t.TempDir(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	env := sim.Env()
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	return sim, env
}

func runApp(t *testing.T, now func() time.Time, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := App{Now: now}.Run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// secretsOf lists every form of every credential of a simulator run.
func secretsOf(sim *simulator.Servers, env map[string]string) []string {
	var out []string
	for _, v := range []string{sim.Token, sim.AdminToken, sim.PAT, sim.JobToken, sim.GHToken, env["AGENT_PROXYPASSWORD"]} {
		out = append(out, secret.Forms(v)...)
	}
	return out
}

func assertNoSecrets(t *testing.T, secrets []string, outputs ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, o := range outputs {
			if strings.Contains(o, s) {
				t.Fatalf("output contains a secret form %q…", s[:4])
			}
		}
	}
}

// TestScenarios runs every simulator scenario through the whole program and
// checks each expected verdict, the JSON contract, the exit code, and that no
// secret leaks into any output.
func TestScenarios(t *testing.T) {
	t.Parallel()
	for _, sc := range simulator.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			if len(sc.Expect) == 0 {
				t.Fatalf("scenario %s expects nothing", sc.Name)
			}
			now := testClock(beforeRetirement)
			if !sc.At.IsZero() {
				now = testClock(sc.At)
			}
			sim, env := startScenario(t, sc, now)
			code, stdout, stderr := runApp(t, now, env, "--format", "json", "--debug")
			var rep jsonReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("stdout is not the JSON report: %v\n%s\nstderr:\n%s", err, stdout, stderr)
			}
			got := map[string]string{}
			for _, c := range rep.Checks {
				got[c.ID] = c.Status
				if c.Status != "pass" && c.Remedy == "" && c.Status != "skip" {
					t.Errorf("%s: %s without a remedy: %s", c.ID, c.Status, c.Message)
				}
				if c.Message == "" || c.Title == "" || c.ElapsedMS == nil {
					t.Errorf("%s: incomplete entry %+v", c.ID, c)
				}
			}
			for id, words := range sc.ExpectText {
				found := false
				for _, c := range rep.Checks {
					if c.ID == id {
						found = strings.Contains(c.Message+"\n"+c.Remedy+"\n"+strings.Join(c.Notes, "\n"), words)
					}
				}
				if !found {
					t.Errorf("%s: does not say %q", id, words)
				}
			}
			for id, want := range sc.Expect {
				if got[id] != want {
					msg := ""
					for _, c := range rep.Checks {
						if c.ID == id {
							msg = c.Message
						}
					}
					t.Errorf("%s: status %q, want %q (%s)", id, got[id], want, msg)
				}
			}
			wantCode := 0
			if rep.Verdict == "fail" {
				wantCode = 1
			}
			if code != wantCode {
				t.Errorf("exit code %d for verdict %s", code, rep.Verdict)
			}
			assertNoSecrets(t, secretsOf(sim, env), stdout, stderr)
		})
	}
}

// b64 is the standard base64 of s, as Basic authentication sends it.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
