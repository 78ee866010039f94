package packaging_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sonar-preflight/internal/config"
)

// taskJSON is the part of task.json these tests reason about.
type taskJSON struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	FriendlyName        string `json:"friendlyName"`
	Description         string `json:"description"`
	HelpMarkDown        string `json:"helpMarkDown"`
	Category            string `json:"category"`
	Visibility          []string
	RunsOn              []string
	Version             struct{ Major, Minor, Patch int }
	MinimumAgentVersion string `json:"minimumAgentVersion"`
	InstanceNameFormat  string `json:"instanceNameFormat"`
	Groups              []struct {
		Name, DisplayName string
	}
	Inputs []struct {
		Name, Type, Label, HelpMarkDown, GroupName string
		DefaultValue                               any
		Required                                   bool
		Options                                    map[string]string
	}
	OutputVariables []struct{ Name, Description string }
	Execution       map[string]struct{ Target string }
}

func loadTask(t *testing.T) taskJSON {
	t.Helper()
	var tj taskJSON
	readJSON(t, filepath.Join(repoRoot, taskRel, "task.json"), &tj)
	return tj
}

// schemaPath is where CI lays shared/ beside the clone.
func schemaPath() string {
	return filepath.Join(repoRoot, "..", "shared", "schemas", "tasks.schema.json")
}

func compileTaskSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath())
	if err != nil {
		unavailable(t, "task schema: %v (expected ../shared/schemas/tasks.schema.json beside the clone)", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	// Registered under a local name so nothing is fetched; its own "id" is a
	// remote URL that must not be dereferenced either.
	const url = "file:///tasks.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

func TestTaskJSONValidatesAgainstSchema(t *testing.T) {
	t.Parallel()
	sch := compileTaskSchema(t)
	raw, err := os.ReadFile(filepath.Join(repoRoot, taskRel, "task.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Each mutation breaks one rule of the schema, to prove the validator
	// really applies it to this document.
	tests := []struct {
		name    string
		mutate  func(m map[string]any)
		wantErr bool
	}{
		{"as committed", func(map[string]any) {}, false},
		{"Node20 is not a handler key", func(m map[string]any) {
			m["execution"].(map[string]any)["Node20"] = map[string]any{"target": "launcher.js"}
		}, true},
		{"Process is not in the schema", func(m map[string]any) {
			m["execution"] = map[string]any{"Process": map[string]any{"target": "sonar-preflight.exe"}}
		}, true},
		{"input names are alphanumeric", func(m map[string]any) {
			m["inputs"].([]any)[1].(map[string]any)["name"] = "project-key"
		}, true},
		{"visibility is Build or Release", func(m map[string]any) { m["visibility"] = []any{"Deploy"} }, true},
		{"id is a GUID", func(m map[string]any) { m["id"] = "sonar-preflight" }, true},
		{"no unknown top-level keys", func(m map[string]any) { m["entrypoint"] = "launcher.js" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(inst)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestTaskJSONContract(t *testing.T) {
	t.Parallel()
	tj := loadTask(t)
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if !guid.MatchString(tj.ID) {
		t.Errorf("id %q: want a lower-case GUID", tj.ID)
	}
	if tj.Name != "SonarQubePreflight" {
		t.Errorf("name = %q", tj.Name)
	}
	if n := len([]rune(tj.FriendlyName)); n == 0 || n > 40 {
		t.Errorf("friendlyName %q has %d characters; tfx requires 1..40", tj.FriendlyName, n)
	}
	if tj.Category != "Build" {
		t.Errorf("category = %q, want Build", tj.Category)
	}
	sameSet(t, "visibility", tj.Visibility, []string{"Build", "Release"})
	sameSet(t, "runsOn", tj.RunsOn, []string{"Agent", "DeploymentGroup"})
	if tj.Version.Major != 1 {
		t.Errorf("version.Major = %d, want 1", tj.Version.Major)
	}
	if tj.InstanceNameFormat == "" || tj.HelpMarkDown == "" || tj.Description == "" {
		t.Error("instanceNameFormat, helpMarkDown and description are all required")
	}

	// Both handlers: Node24 data is honoured only behind an agent knob, so
	// Node20_1 is what most agents run; with both declared, the minimum agent
	// is Node20_1's (3.232.1), not Node24's 4.265.1.
	var handlers []string
	for k, h := range tj.Execution {
		handlers = append(handlers, k)
		if h.Target != "launcher.js" {
			t.Errorf("execution.%s.target = %q, want launcher.js", k, h.Target)
		}
	}
	sameSet(t, "execution handlers", handlers, []string{"Node20_1", "Node24"})
	if tj.MinimumAgentVersion != "3.232.1" {
		t.Errorf("minimumAgentVersion = %q, want 3.232.1 (Node20_1's minimum)", tj.MinimumAgentVersion)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, taskRel, "launcher.js")); err != nil {
		t.Error(err)
	}

	var outs []string
	for _, o := range tj.OutputVariables {
		outs = append(outs, o.Name)
	}
	sameSet(t, "outputVariables", outs, []string{"verdict"})

	groups := map[string]bool{}
	for _, g := range tj.Groups {
		groups[g.Name] = false
	}
	byName := map[string]int{}
	for i, in := range tj.Inputs {
		byName[in.Name] = i
		if in.Label == "" || in.HelpMarkDown == "" {
			t.Errorf("input %s: label and helpMarkDown are required", in.Name)
		}
		if in.GroupName != "" {
			if _, ok := groups[in.GroupName]; !ok {
				t.Errorf("input %s: group %q is not declared", in.Name, in.GroupName)
			}
			groups[in.GroupName] = true
		}
	}
	for g, used := range groups {
		if !used {
			t.Errorf("group %q holds no input", g)
		}
	}
	want := []struct {
		name, typ string
		def       any
		options   []string
	}{
		{"SonarQube", "connectedService:sonarqube", nil, nil},
		{"projectKey", "string", nil, nil},
		{"adminToken", "string", nil, nil},
		{"azureDevOpsPat", "string", nil, nil},
		{"gitHubToken", "string", nil, nil},
		{"failOn", "pickList", "error", []string{"error", "warning"}},
		{"timeout", "string", "60", nil},
	}
	for _, w := range want {
		i, ok := byName[w.name]
		if !ok {
			t.Errorf("input %s missing", w.name)
			continue
		}
		in := tj.Inputs[i]
		if in.Type != w.typ {
			t.Errorf("input %s: type %q, want %q", w.name, in.Type, w.typ)
		}
		if in.DefaultValue != w.def {
			t.Errorf("input %s: defaultValue %v, want %v", w.name, in.DefaultValue, w.def)
		}
		var opts []string
		for k := range in.Options {
			opts = append(opts, k)
		}
		sameSet(t, "options of "+w.name, opts, w.options)
	}
}

// TestTaskInputsMatchConfig holds task.json and config.Inputs to each other:
// no input the binary ignores, no variable the task cannot set.
func TestTaskInputsMatchConfig(t *testing.T) {
	t.Parallel()
	tj := loadTask(t)
	inTask := map[string]int{}
	for i, in := range tj.Inputs {
		inTask[in.Name] = i
	}
	inConfig := map[string]config.Input{}
	for _, in := range config.Inputs {
		inConfig[in.Name] = in
	}
	for name, i := range inTask {
		c, ok := inConfig[name]
		if !ok {
			t.Errorf("task.json input %q is not read by the binary (absent from config.Inputs)", name)
			continue
		}
		// The agent's name transformation: '.' and ' ' become '_', then upper case.
		env := "INPUT_" + strings.ToUpper(strings.NewReplacer(".", "_", " ", "_").Replace(name))
		if c.Env != env {
			t.Errorf("input %q: the agent sets %s, config.Inputs reads %s", name, env, c.Env)
		}
		if c.Required != tj.Inputs[i].Required {
			t.Errorf("input %q: required %v in task.json, %v in config.Inputs", name, tj.Inputs[i].Required, c.Required)
		}
	}
	for name := range inConfig {
		if _, ok := inTask[name]; !ok {
			t.Errorf("config.Inputs reads %q, which task.json does not offer", name)
		}
	}
}

type extensionManifest struct {
	ManifestVersion int `json:"manifestVersion"`
	ID, Publisher   string
	Version, Name   string
	Description     string
	Categories      []string
	Targets         []struct{ ID string }
	Icons           map[string]string
	Content         struct {
		Details struct{ Path string }
	}
	Files []struct {
		Path        string
		Addressable bool
	}
	Contributions []struct {
		ID, Type   string
		Targets    []string
		Properties map[string]any
	}
}

func TestExtensionManifest(t *testing.T) {
	t.Parallel()
	var m extensionManifest
	readJSON(t, filepath.Join(repoRoot, "vss-extension.json"), &m)
	tj := loadTask(t)

	if m.ManifestVersion != 1 || m.Publisher == "" || m.Name == "" {
		t.Errorf("manifestVersion, publisher and name are required: %+v", m)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(m.ID) {
		t.Errorf("id %q: tfx allows letters, digits, '_' and '-'", m.ID)
	}
	if n := len(m.Description); n == 0 || n >= 200 {
		t.Errorf("description has %d characters; tfx requires fewer than 200", n)
	}
	// The agent caches a task by its version, so the task's version moves
	// with the extension's.
	taskVersion := fmt.Sprintf("%d.%d.%d", tj.Version.Major, tj.Version.Minor, tj.Version.Patch)
	if m.Version != taskVersion {
		t.Errorf("extension version %s, task version %s: release them together", m.Version, taskVersion)
	}
	if !slices.Contains(m.Categories, "Azure Pipelines") {
		t.Errorf("categories %v lack Azure Pipelines", m.Categories)
	}
	if len(m.Targets) != 1 || m.Targets[0].ID != "Microsoft.VisualStudio.Services" {
		t.Errorf("targets %+v: want Microsoft.VisualStudio.Services (cloud and server)", m.Targets)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		if _, err := os.Stat(filepath.Join(repoRoot, f.Path)); err != nil {
			t.Errorf("files: %v", err)
		}
	}
	if len(m.Contributions) != 1 {
		t.Fatalf("contributions: %+v, want the one task", m.Contributions)
	}
	c := m.Contributions[0]
	if c.Type != "ms.vss-distributed-task.task" || !slices.Equal(c.Targets, []string{"ms.vss-distributed-task.tasks"}) {
		t.Errorf("contribution %s: type %s targets %v", c.ID, c.Type, c.Targets)
	}
	if c.Properties["name"] != taskRel || !slices.Contains(paths, taskRel) {
		t.Errorf("contribution name %v and files %v must both name %s", c.Properties["name"], paths, taskRel)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, m.Content.Details.Path)); err != nil {
		t.Errorf("overview page: %v", err)
	}
	checkPNG(t, filepath.Join(repoRoot, m.Icons["default"]), 128)
	checkPNG(t, filepath.Join(repoRoot, taskRel, "icon.png"), 32)
}

func checkPNG(t *testing.T, path string, size int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Errorf("%s: not a PNG: %v", path, err)
		return
	}
	if cfg.Width != size || cfg.Height != size {
		t.Errorf("%s is %dx%d, want %dx%d", path, cfg.Width, cfg.Height, size, size)
	}
}

// TestIconsAreReproducible regenerates the icons and compares bytes, so the
// committed PNGs are what scripts/genicon draws.
func TestIconsAreReproducible(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, icon := range []struct {
		path string
		size string
	}{{"images/icon.png", "128"}, {taskRel + "/icon.png", "32"}} {
		out := filepath.Join(dir, strings.ReplaceAll(icon.path, "/", "_"))
		cmd := exec.Command("go", "run", "./scripts/genicon", "-size", icon.size, "-o", out)
		cmd.Dir = repoRoot
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("genicon: %v\n%s", err, b)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(repoRoot, icon.path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from `go run ./scripts/genicon -size %s`; regenerate it", icon.path, icon.size)
		}
	}
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
