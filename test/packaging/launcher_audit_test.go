package packaging_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLauncherCommandInput: the command input chooses what the binary runs;
// anything but check or audit fails the step without running it.
func TestLauncherCommandInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		command  string
		wantArgs []string
	}{
		{"", []string{"check", "--format", "azp"}},
		{"check", []string{"check", "--format", "azp"}},
		{"audit", []string{"audit", "--format", "azp"}},
		{" Audit ", []string{"audit", "--format", "azp"}},
		{"merge", []string{"audit", "merge", "--format", "azp"}},
		{"publish", nil},
	} {
		t.Run(tc.command, func(t *testing.T) {
			t.Parallel()
			dir, _ := taskCopy(t, nodePlatform(), "sonar-preflight", fakeBinary(t), 0o644)
			extra := endpointEnv("https://sonar.example.test", "squ_0123456789abcdef0123456789abcdef01234567")
			env := agentEnv(t, map[string]string{"SonarQube": endpointID, "command": tc.command}, extra)
			r := runNode(t, env, filepath.Join(dir, "launcher.js"))
			if tc.wantArgs == nil {
				if r.code == 0 || !strings.Contains(r.stdout, "##vso[task.complete result=Failed;]") || strings.Contains(r.stdout, `"args"`) {
					t.Errorf("command %q: exit %d, stdout %q; want a failed step and no binary run", tc.command, r.code, r.stdout)
				}
				return
			}
			if rep := parseFake(t, r.stdout); !slices.Equal(rep.Args, tc.wantArgs) {
				t.Errorf("command %q: binary args %q, want %q", tc.command, rep.Args, tc.wantArgs)
			}
		})
	}
}
