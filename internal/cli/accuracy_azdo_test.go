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
