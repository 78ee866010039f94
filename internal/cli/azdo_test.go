package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/simulator"
)

// statusOf runs the program on env and returns each check's status and message.
func statusOf(t *testing.T, now func() time.Time, env map[string]string) (map[string]string, map[string]string, string) {
	t.Helper()
	_, stdout, stderr := runApp(t, now, env, "--format", "json")
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout, stderr)
	}
	st, msg := map[string]string{}, map[string]string{}
	for _, c := range rep.Checks {
		st[c.ID], msg[c.ID] = c.Status, c.Message
	}
	return st, msg, stdout + stderr
}

// A global PAT is a warning before Microsoft retires them; from that day on
// Azure DevOps refuses it (the simulator, like the service, answers a bare
// 401), so azdo.pat fails and names a retired global PAT among the causes.
func TestGlobalPATRetirementDate(t *testing.T) {
	t.Parallel()
	sc, ok := simulator.Lookup("global-pat")
	if !ok {
		t.Fatal("no global-pat scenario")
	}
	tests := []struct {
		name      string
		at        time.Time
		check     string
		want      string
		text      string
		globalPAT string // azdo.global-pat's status
	}{
		{"a week before", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), "azdo.global-pat", "warn", "stops every global PAT on 2026-12-01 (in 7 days)", "warn"},
		{"the day before", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), "azdo.global-pat", "warn", "stops every global PAT on 2026-12-01 (in 1 day);", "warn"},
		{"the last evening", time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC), "azdo.global-pat", "warn", "(in 1 day);", "warn"},
		{"the day itself", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "azdo.pat", "fail", `it may be a global ("All accessible organizations") PAT, which Microsoft stopped on 2026-12-01`, "skip"},
		{"months later", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), "azdo.pat", "fail", `Its Organization column reads "All accessible organizations"`, "skip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := testClock(tt.at)
			_, env := startScenario(t, sc, now)
			st, _, out := statusOf(t, now, env)
			// The output is JSON: quotes in the text arrive escaped.
			if st[tt.check] != tt.want || st["azdo.global-pat"] != tt.globalPAT || !strings.Contains(out, strings.ReplaceAll(tt.text, `"`, `\"`)) {
				t.Errorf("%s = %s, azdo.global-pat = %s, want %s and %s, saying %q:\n%s", tt.check, st[tt.check], st["azdo.global-pat"], tt.want, tt.globalPAT, tt.text, out)
			}
		})
	}
}

// A plain 401 names a retired global PAT among its causes from 2026-12-01
// on, with how to tell, and never before; "may": Azure DevOps' answer does
// not say which cause it is.
func TestRefusedPATCausesFollowTheClock(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("pat-revoked-or-inactive")
	tests := []struct {
		at     time.Time
		global bool
	}{
		{time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.at.Format("2006-01-02"), func(t *testing.T) {
			t.Parallel()
			now := testClock(tt.at)
			_, env := startScenario(t, sc, now)
			_, stdout, _ := runApp(t, now, env, "--format", "json")
			var rep jsonReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Checks {
				if c.ID != "azdo.pat" {
					continue
				}
				says := strings.Contains(c.Message, "may be a global") && strings.Contains(c.Remedy, "Organization column")
				if c.Status != "fail" || says != tt.global || strings.Contains(c.Message, "is a global") {
					t.Errorf("azdo.pat %s: %q / %q (want global named: %v)", c.Status, c.Message, c.Remedy, tt.global)
				}
			}
		})
	}
}

// Without a PAT the Azure DevOps checks are skipped with a note on how to
// enable them, and nothing is sent to Azure DevOps.
func TestAzdoChecksNeedAPAT(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("azdo-healthy")
	now := testClock(beforeRetirement)
	sim, env := startScenario(t, sc, now)
	delete(env, "AZURE_DEVOPS_EXT_PAT")
	st, msg, _ := statusOf(t, now, env)
	// Run as the command line: it names the variable (a task step names its input).
	if st["azdo.pat"] != "skip" || !strings.Contains(msg["azdo.pat"], "the AZURE_DEVOPS_EXT_PAT variable") {
		t.Errorf("azdo.pat = %s %q", st["azdo.pat"], msg["azdo.pat"])
	}
	for _, r := range sim.Requests() {
		if !strings.HasPrefix(strings.SplitN(r, " ", 2)[1], simulator.SonarHost) {
			t.Errorf("request to Azure DevOps without a PAT: %s", r)
		}
	}
}

// SonarQube's check of its stored PAT and the probe of the pipeline's PAT
// disagreeing is explained once, on the check that failed, naming where the
// pipeline's PAT came from; the other check points there.
func TestReconcileDifferentPATs(t *testing.T) {
	t.Parallel()
	// SonarQube's stored PAT is rejected while the pipeline's works.
	storedBad, _ := simulator.Lookup("pat-rejected")
	storedBad.Azdo = simulator.HealthyAzdo()
	storedBad.Env = map[string]string{"AZURE_DEVOPS_EXT_PAT": "{{pat}}"}
	// The same, but sonar.devops-config did not confirm the record's URL
	// (http:// on 10.x, a warning): the URL stays among the suspects.
	urlUnconfirmed, _ := simulator.Lookup("record-url-http-10")
	urlUnconfirmed.Azdo = simulator.HealthyAzdo()
	urlUnconfirmed.Env = map[string]string{"AZURE_DEVOPS_EXT_PAT": "{{pat}}"}
	urlUnconfirmed.Sonar.ValidationError = map[string]string{"ado": "Invalid Azure URL or Personal Access Token"}
	// SonarQube's check passes while the pipeline's PAT is refused.
	pipelineBad, _ := simulator.Lookup("pat-revoked-or-inactive")
	tests := []struct {
		name            string
		sc              simulator.Scenario
		explained, refs string
		want            string
	}{
		{"stored PAT rejected", storedBad, "sonar.devops-pat", "azdo.pat",
			"The pipeline's PAT (from the AZURE_DEVOPS_EXT_PAT variable) works from this agent, but SonarQube's check of the PAT stored in its record fails. If the record holds this same PAT, the PAT is fine and the remaining suspects are on SonarQube's side of the network"},
		{"stored PAT rejected, record URL not confirmed", urlUnconfirmed, "sonar.devops-pat", "azdo.pat",
			"the remaining suspects are the record's URL (sonar.devops-config did not confirm it) and SonarQube's side of the network"},
		{"pipeline PAT rejected", pipelineBad, "azdo.pat", "sonar.devops-pat",
			"SonarQube's own check passes while the pipeline's PAT (from the AZURE_DEVOPS_EXT_PAT variable) fails"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := testClock(beforeRetirement)
			_, env := startScenario(t, tt.sc, now)
			_, stdout, _ := runApp(t, now, env, "--format", "json")
			var rep struct {
				Checks []struct {
					ID    string   `json:"id"`
					Notes []string `json:"notes"`
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			notes := map[string]string{}
			for _, c := range rep.Checks {
				notes[c.ID] = strings.Join(c.Notes, " ")
			}
			if !strings.Contains(notes[tt.explained], tt.want) {
				t.Errorf("%s does not explain the disagreement: %q", tt.explained, notes[tt.explained])
			}
			if strings.Contains(notes[tt.refs], tt.want) || !strings.Contains(notes[tt.refs], "disagrees with "+tt.explained) {
				t.Errorf("%s should point to %s, not repeat it: %q", tt.refs, tt.explained, notes[tt.refs])
			}
		})
	}
}

// Every Azure DevOps scenario holds whichever URL form the organization is
// named by: the current one, the legacy one, and an on-premises collection.
// On Azure DevOps Server there are neither global PATs nor user
// entitlements, so those checks are skipped there.
func TestAzdoScenariosEveryURLForm(t *testing.T) {
	t.Parallel()
	forms := []struct {
		name    string
		url     string // what the pipeline and SonarQube's record say
		onPrem  bool
		repoURI string
	}{
		{"dev.azure.com", "https://dev.azure.com/contoso", false, "https://dev.azure.com/contoso/Fabrikam/_git/web-app"},
		{"visualstudio.com", "https://contoso.visualstudio.com", false, "https://contoso.visualstudio.com/Fabrikam/_git/web-app"},
		{"on-premises", "https://tfs.contoso.example/tfs/DefaultCollection", true, "https://tfs.contoso.example/tfs/DefaultCollection/Fabrikam/_git/web-app"},
	}
	for _, base := range simulator.Scenarios() {
		if base.Azdo.Org == "" || base.Env["AZURE_DEVOPS_EXT_PAT"] == "" {
			continue // not an Azure DevOps PAT scenario
		}
		for _, f := range forms {
			t.Run(base.Name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				sc := base
				if f.onPrem && sc.Azdo.OnPremHost == "" {
					t.Skipf("scenario %s serves no on-premises collection", sc.Name)
				}
				if strings.Contains(base.Env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"], "tfs.") && !f.onPrem {
					t.Skipf("scenario %s is about Azure DevOps Server", sc.Name)
				}
				if f.onPrem && sc.Azdo.GlobalPAT && !sc.At.Before(simulator.GlobalPATRetirement) {
					t.Skipf("scenario %s is about a retired global PAT, which Azure DevOps Server never had", sc.Name)
				}
				sc.Env = map[string]string{}
				for k, v := range base.Env {
					sc.Env[k] = v
				}
				sc.Env["SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"] = f.url + "/"
				sc.Env["SYSTEM_COLLECTIONURI"] = f.url + "/"
				sc.Env["BUILD_REPOSITORY_URI"] = f.repoURI
				sc.Sonar.AzureRecords = append([]simulator.SonarAlmRecord(nil), base.Sonar.AzureRecords...)
				for i := range sc.Sonar.AzureRecords {
					sc.Sonar.AzureRecords[i].URL = f.url
				}
				if sc.Sonar.Binding != nil {
					b := *sc.Sonar.Binding
					b.URL = ""
					sc.Sonar.Binding = &b
				}
				want := map[string]string{}
				for id, st := range base.Expect {
					want[id] = st
				}
				if f.onPrem {
					for _, id := range []string{"azdo.global-pat", "azdo.access-level"} {
						if _, ok := want[id]; ok {
							want[id] = "skip"
						}
					}
				}
				now := testClock(beforeRetirement)
				if !sc.At.IsZero() {
					now = testClock(sc.At)
				}
				_, env := startScenario(t, sc, now)
				st, msg, out := statusOf(t, now, env)
				for id, w := range want {
					if st[id] != w {
						t.Errorf("%s = %s, want %s (%s)", id, st[id], w, msg[id])
					}
				}
				if f.onPrem && strings.Contains(out, "dev.azure.com/contoso") {
					t.Errorf("an on-premises run names the cloud organization")
				}
			})
		}
	}
}

// When Azure DevOps throttles beyond the run's patience the checks say they
// could not verify; the checks that need their answers are skipped with the
// reason, never turned into internal errors.
func TestAzdoThrottled(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("azdo-healthy")
	sc.Azdo.Throttle429 = 1 << 20
	now := testClock(beforeRetirement)
	_, env := startScenario(t, sc, now)
	_, stdout, stderr := runApp(t, now, env, "--format", "json", "--timeout", "15s")
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout, stderr)
	}
	for _, c := range rep.Checks {
		if strings.Contains(c.Message, "Internal error") {
			t.Errorf("%s: %s", c.ID, c.Message)
		}
		if strings.HasPrefix(c.ID, "azdo.") && c.Status == "fail" {
			t.Errorf("%s failed on throttling: %s", c.ID, c.Message)
		}
	}
	if rep.Verdict == "fail" {
		t.Errorf("verdict fail on throttling")
	}
}

// Every service's answers are capped: a 100 MB answer from Azure DevOps or
// GitHub fails the check that asked, naming the size, as SonarQube's does.
func TestHugeAnswersFromEveryService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario, path, check string
	}{
		{"azdo-healthy", "/contoso/_apis/connectionData", "azdo.pat"},
		{"github-healthy", "/repos/contoso/web-app", "github.repo"},
	}
	for _, tt := range tests {
		t.Run(tt.check, func(t *testing.T) {
			t.Parallel()
			sc, _ := simulator.Lookup(tt.scenario)
			huge := func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != tt.path {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"padding":"`)
				chunk := []byte(strings.Repeat("a", 1<<20))
				for range 100 {
					if _, err := w.Write(chunk); err != nil {
						return true
					}
				}
				return true
			}
			sim, err := simulator.Start(sc, simulator.Options{Dir: t.TempDir(), Intercept: huge})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			now := testClock(beforeRetirement)
			st, msg, _ := statusOf(t, now, sim.Env())
			if st[tt.check] != "fail" || !strings.Contains(msg[tt.check], "larger than the 4 MiB") {
				t.Errorf("%s = %s %q", tt.check, st[tt.check], msg[tt.check])
			}
		})
	}
}
