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

// A Stakeholder is blamed for a hidden repository only where Stakeholders
// lack code access: in private projects. The project's own answer, asked on
// the failure path only, tells the two apart.
func TestCodeReadBlamesStakeholderOnlyInPrivateProjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario    string
		want, never string
	}{
		{"stakeholder", "Stakeholder access, which gives no code access in private projects", "Stakeholders included"},
		{"repo-hidden-public-project", "Project Fabrikam is public", "Stakeholder access, which gives no code access"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			sc, ok := simulator.Lookup(tt.scenario)
			if !ok {
				t.Fatalf("no scenario %s", tt.scenario)
			}
			now := testClock(beforeRetirement)
			sim, env := startScenario(t, sc, now)
			st, msg, _ := statusOf(t, now, env)
			if st["azdo.code-read"] != "fail" || !strings.Contains(msg["azdo.code-read"], tt.want) || strings.Contains(msg["azdo.code-read"], tt.never) {
				t.Errorf("azdo.code-read = %s %q", st["azdo.code-read"], msg["azdo.code-read"])
			}
			asked := false
			for _, l := range sim.Requests() {
				asked = asked || strings.Contains(l, "/_apis/projects/Fabrikam")
			}
			if !asked {
				t.Error("the project's visibility was not asked for")
			}
		})
	}
}

// A passing run asks for no project: the repository's answer carries its
// project's visibility.
func TestHealthyRunAsksNoProject(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"azdo-healthy", "stakeholder-public-project"} {
		sc, _ := simulator.Lookup(name)
		now := testClock(beforeRetirement)
		sim, env := startScenario(t, sc, now)
		st, msg, _ := statusOf(t, now, env)
		if st["azdo.access-level"] != "pass" {
			t.Errorf("%s: azdo.access-level = %s %q", name, st["azdo.access-level"], msg["azdo.access-level"])
		}
		for _, l := range sim.Requests() {
			if strings.Contains(l, "/_apis/projects/") {
				t.Errorf("%s: asked %s", name, l)
			}
		}
	}
}

// With the job's own token a refusal says nothing about SonarQube's PAT:
// the repository check could not verify, it does not fail, and the checks
// that would describe the build service are not run.
func TestJobTokenNeverFailsOnTheBuildServicesAccess(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("job-token")
	sc.Azdo.NoRepoAccess = simulator.NoAccessRepo
	now := testClock(beforeRetirement)
	sim, env := startScenario(t, sc, now)
	st, msg, out := statusOf(t, now, env)
	want := map[string]string{"azdo.pat": "warn", "azdo.code-read": "warn", "azdo.contribute": "skip", "azdo.access-level": "skip", "azdo.global-pat": "skip"}
	for id, w := range want {
		if st[id] != w {
			t.Errorf("%s = %s, want %s (%s)", id, st[id], w, msg[id])
		}
	}
	if !strings.HasPrefix(msg["azdo.code-read"], "Could not verify with the job's own token") {
		t.Errorf("azdo.code-read: %q", msg["azdo.code-read"])
	}
	for _, l := range sim.Requests() {
		if strings.Contains(l, "userentitlements") || strings.Contains(l, "_apis/permissions") || strings.Contains(l, "app.vssps.visualstudio.com") {
			t.Errorf("asked about the build service: %s", l)
		}
	}
	assertNoSecrets(t, secretsOf(sim, env), out)
}

// Where Azure DevOps' own answer names global PATs, azdo.pat says so for
// certain instead of listing it among possible causes. Microsoft documents
// no such answer, so this one is injected: a hypothetical body in the
// service's usual error envelope.
func TestRefusalNamingGlobalPATsIsCertain(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("azdo-healthy")
	named := func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/_apis/connectionData") || r.Host != "dev.azure.com" {
			return false
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"$id":"1","innerException":null,"message":"Global personal access tokens (\"All accessible organizations\") are no longer supported.","errorCode":0,"eventId":3000}`)
		return true
	}
	now := testClock(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
	sim, err := simulator.Start(sc, simulator.Options{Dir: t.TempDir(), Intercept: named, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	env := sim.Env()
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	st, msg, _ := statusOf(t, now, env)
	if st["azdo.pat"] != "fail" || !strings.Contains(msg["azdo.pat"], "its answer names global") || strings.Contains(msg["azdo.pat"], "may be") {
		t.Errorf("azdo.pat = %s %q", st["azdo.pat"], msg["azdo.pat"])
	}
}

// An AGENT_PROXYBYPASSLIST entry Go cannot compile is skipped with a note,
// never a configuration failure, and the run uses the proxy for the URLs
// only that entry would exempt; an entry Go can compile still applies. The
// configuration check says which path each service took.
func TestBypassEntryGoCannotCompile(t *testing.T) {
	t.Parallel()
	sc, _ := simulator.Lookup("azdo-healthy")
	now := testClock(beforeRetirement)
	sim, env := startScenario(t, sc, now)
	const user, pass = "agent-user", "proxy-pass-1234"
	p := startConnectProxy(t, user, pass, sim.Resolve)
	env["AGENT_PROXYURL"] = "http://" + p.addr
	env["AGENT_PROXYUSERNAME"] = user
	env["AGENT_PROXYPASSWORD"] = pass
	// The first entry would exempt SonarQube in the tasks; Go cannot read it.
	env["AGENT_PROXYBYPASSLIST"] = `["^https://(?=sonar\\.)", "dev\\.azure\\.com", "visualstudio\\.com"]`
	code, stdout, _ := runApp(t, now, env, "--format", "json")
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if code != ExitOK {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	notes := ""
	for _, c := range rep.Checks {
		if c.ID == "config" {
			if c.Status != "pass" {
				t.Errorf("config %s: %s", c.Status, c.Message)
			}
			notes = strings.Join(c.Notes, "\n")
		}
	}
	for _, want := range []string{
		`entry "^https://(?=sonar\.)" uses a look-ahead (?=...)`,
		"SonarQube https://sonar.contoso.example: through the proxy",
		`Azure DevOps https://dev.azure.com/contoso: directly (bypass entry "dev\.azure\.com")`,
		"SONAR_SCANNER_OPTS",
		"a path this run did not test",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("config notes lack %q:\n%s", want, notes)
		}
	}
	connects, _, _ := p.stats()
	for _, c := range connects {
		if c != simulator.SonarHost+":443" {
			t.Errorf("CONNECT %s: only SonarQube goes through the proxy", c)
		}
	}
	if len(connects) == 0 {
		t.Error("SonarQube was not reached through the proxy")
	}
}
