package cli

import (
	"strings"
	"testing"

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
