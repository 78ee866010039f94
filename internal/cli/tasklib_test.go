package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/simulator"
)

// The program's own pipeline output, read back by the official
// azure-pipelines-task-lib parser: every logging command it prints must mean
// the same to the task library as to us, including messages that carry %, ;,
// ], CR and LF.
func TestAzpOutputThroughTaskLib(t *testing.T) {
	t.Parallel()
	modules, _ := filepath.Abs(filepath.Join("..", "..", "tools", "node_modules"))
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join(modules, "azure-pipelines-task-lib", "taskcommand.js")); serr != nil || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node or tools/node_modules missing; CI must run scripts/setup-node.sh first")
		}
		t.Skip("run scripts/setup-node.sh to compare with azure-pipelines-task-lib")
	}
	sc, _ := simulator.Lookup("healthy")
	now := testClock(beforeRetirement)
	_, env := startScenario(t, sc, now)
	const odd = "odd%AZP25key;x]y\r\nz%"
	env["SONAR_PROJECT_KEY"] = odd
	env["TF_BUILD"] = "True"
	_, stdout, _ := runApp(t, now, env, "--format", "azp")

	var lines []string
	var in bytes.Buffer
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "##vso[") {
			lines = append(lines, l)
			json.NewEncoder(&in).Encode(map[string]string{"op": "parse", "line": l})
		}
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("..", "azp", "testdata", "tasklib.js"), modules)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	s := bufio.NewScanner(bytes.NewReader(out))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	i, sawOdd := 0, false
	for ; s.Scan(); i++ {
		var got struct {
			Command    string            `json:"command"`
			Properties map[string]string `json:"properties"`
			Message    string            `json:"message"`
			Error      string            `json:"error"`
		}
		if err := json.Unmarshal(s.Bytes(), &got); err != nil || got.Error != "" {
			t.Fatalf("task-lib could not parse %q: %v %s", lines[i], err, got.Error)
		}
		ours, ok := azp.ParseCommand(lines[i])
		if !ok || ours.Name != got.Command || ours.Data != got.Message {
			t.Errorf("line %q: task-lib read %s %q, we read %s %q", lines[i], got.Command, got.Message, ours.Name, ours.Data)
		}
		for _, p := range ours.Props {
			if got.Properties[p.Key] != p.Value {
				t.Errorf("line %q: property %s: task-lib %q, ours %q", lines[i], p.Key, got.Properties[p.Key], p.Value)
			}
		}
		// Texts are cleaned before they are printed: CR LF becomes LF; the
		// rest of the key, escapes and all, is exact.
		if got.Command == "task.issue" && strings.Contains(got.Message, strings.ReplaceAll(odd, "\r\n", "\n")) {
			sawOdd = true
		}
	}
	if i != len(lines) || i == 0 {
		t.Fatalf("%d answers for %d lines", i, len(lines))
	}
	if !sawOdd {
		t.Errorf("no issue carried the project key %q intact through task-lib's parser:\n%s", odd, stdout)
	}
}
