package azp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// taskLib runs testdata/tasklib.js, which answers with the official
// azure-pipelines-task-lib code, installed by scripts/setup-node.sh under
// tools/node_modules. Without it the test is skipped on a workstation and
// fails in CI, where the setup script must have run.
func taskLib(t *testing.T, requests []map[string]any) []map[string]any {
	t.Helper()
	unavailable := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI must run scripts/setup-node.sh first", why)
		}
		t.Skipf("%s; run scripts/setup-node.sh to compare with azure-pipelines-task-lib", why)
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	modules := filepath.Join(root, "tools", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "azure-pipelines-task-lib", "taskcommand.js")); err != nil {
		unavailable("azure-pipelines-task-lib is not installed in tools/node_modules")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not on PATH")
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range requests {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("testdata", "tasklib.js"), modules)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node tasklib.js: %v: %s", err, stderr.String())
	}
	var answers []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a map[string]any
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("answer %q: %v", sc.Text(), err)
		}
		answers = append(answers, a)
	}
	if len(answers) != len(requests) {
		t.Fatalf("got %d answers for %d requests: %s", len(answers), len(requests), out)
	}
	return answers
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Strings that each break a naive implementation somewhere.
var hardMessages = []string{
	"plain",
	"100% done",
	"a;b;c",
	"x]y]z",
	"cr\rlf\ncrlf\r\nend",
	"%AZP25 stays %AZP25",
	"%3B %0D %0A %5D are literal here",
	"ünïcödé — 日本語 — 🚀",
	"##vso[task.complete result=Succeeded;]fake",
	"",
}

// The line we write is, byte for byte, the line task-lib's TaskCommand.toString writes.
func TestStringMatchesTaskLib(t *testing.T) {
	t.Parallel()
	var cmds []Command
	for _, m := range hardMessages {
		cmds = append(cmds,
			Command{Name: "task.issue", Props: []Prop{{"type", "error"}}, Data: m},
			Command{Name: "task.setvariable", Props: []Prop{{"variable", "v"}, {"isOutput", "true"}, {"note", m}}, Data: m},
		)
	}
	cmds = append(cmds, Command{Name: "area.event", Props: []Prop{{"k", ""}}, Data: "only empty props"})
	var reqs []map[string]any
	for _, c := range cmds {
		props := [][2]string{}
		for _, p := range c.Props {
			props = append(props, [2]string{p.Key, p.Value})
		}
		reqs = append(reqs, map[string]any{"op": "format", "command": c.Name, "props": props, "message": c.Data})
	}
	for i, a := range taskLib(t, reqs) {
		if a["line"] != cmds[i].String() {
			t.Errorf("task-lib wrote %q, we write %q", a["line"], cmds[i].String())
		}
	}
}

// Task-lib's commandFromString reads back what our Writer printed: command,
// properties and message.
func TestWriterOutputParsesWithTaskLib(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := New(&buf)
	var want []Command
	for _, m := range hardMessages {
		if err := w.Issue(Error, m); err != nil {
			t.Fatal(err)
		}
		// An issue's text is shown in the log: its command prefixes are
		// broken (Neutralize), everything else is exact.
		want = append(want, Command{Name: "task.issue", Props: []Prop{{"type", "error"}}, Data: Neutralize(m)})
		if err := w.SetVariable("verdict", m, VarOpts{IsOutput: true}); err != nil {
			t.Fatal(err)
		}
		want = append(want, Command{Name: "task.setvariable", Props: []Prop{{"variable", "verdict"}, {"isOutput", "true"}}, Data: m})
		if err := w.Complete(SucceededWithIssues, m); err != nil {
			t.Fatal(err)
		}
		want = append(want, Command{Name: "task.complete", Props: []Prop{{"result", "SucceededWithIssues"}}, Data: m})
		// A property value with every special character (task-lib trims
		// property text, so the value has no outer white space).
		c := Command{Name: "task.issue", Props: []Prop{{"type", "warning"}, {"sourcepath", "p" + m + "q"}}, Data: m}
		if err := w.Command(c); err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("wrote %d lines for %d commands", len(lines), len(want))
	}
	var reqs []map[string]any
	for _, l := range lines {
		reqs = append(reqs, map[string]any{"op": "parse", "line": l})
	}
	for i, a := range taskLib(t, reqs) {
		if e, ok := a["error"]; ok {
			t.Errorf("task-lib could not parse %q: %v", lines[i], e)
			continue
		}
		wantProps := map[string]any{}
		for _, p := range want[i].Props {
			wantProps[p.Key] = p.Value
		}
		gotProps, _ := a["properties"].(map[string]any)
		if a["command"] != want[i].Name || a["message"] != want[i].Data || !maps.Equal(gotProps, wantProps) {
			t.Errorf("task-lib read %q as %v %v %q; want %s %v %q",
				lines[i], a["command"], gotProps, a["message"], want[i].Name, wantProps, want[i].Data)
		}
	}
}
