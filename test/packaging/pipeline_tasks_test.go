package packaging_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// taskInput is what a task accepts for one input, read from the task's
// task.json and source in microsoft/azure-pipelines-tasks (commit 299572e,
// 2026-08-21).
type taskInput struct {
	required bool     // required with no default: a step must give it (when used)
	boolean  bool     // task-lib's getBoolInput: anything but true/false silently reads false
	options  []string // pickList: the only values
	// usedWhen is the task's visibleRule as a predicate on the step's other
	// inputs: the task ignores the input otherwise (nil: always used).
	usedWhen func(inputs map[string]string) bool
	// check validates the value the way the task's code would (nil: any string).
	check func(v string) error
}

type taskContract struct {
	source string // task.json and code it rests on
	inputs map[string]taskInput
}

// inputIs is a visibleRule: input name (def when the step does not give it)
// is one of allowed.
func inputIs(name, def string, allowed ...string) func(map[string]string) bool {
	return func(in map[string]string) bool {
		v, ok := in[name]
		if !ok {
			v = def
		}
		return slices.Contains(allowed, v)
	}
}

func both(a, b func(map[string]string) bool) func(map[string]string) bool {
	return func(in map[string]string) bool { return a(in) && b(in) }
}

// dockerCommand is a visibleRule on Docker@2's command input (default buildAndPush).
func dockerCommand(allowed ...string) func(map[string]string) bool {
	return inputIs("command", "buildAndPush", allowed...)
}

// SonarSource's tasks (sonar-scanner-azdo at 8065acc, 2026-06-30,
// src/extensions/sonarqube/tasks/<Task>/v8/task.json): scannerMode defaults
// to dotnet, configMode to file.
var (
	sqDotnet    = inputIs("scannerMode", "dotnet", "dotnet")
	sqCLI       = inputIs("scannerMode", "dotnet", "cli")
	sqCLIFile   = both(sqCLI, inputIs("configMode", "file", "file"))
	sqCLIManual = both(sqCLI, inputIs("configMode", "file", "manual"))
)

// knownTasks are the tasks the project's pipeline may use, with their inputs.
// A task not listed here fails the test: add it with its contract first.
var knownTasks = map[string]taskContract{
	"GoTool@0": {
		source: "Tasks/GoToolV0/task.json, gotool.ts",
		inputs: map[string]taskInput{
			"version":       {required: true, check: goToolVersion},
			"goPath":        {},
			"goBin":         {},
			"goDownloadUrl": {},
		},
	},
	"UseNode@1": {
		source: "Tasks/UseNodeV1/task.json, installer.ts (toolLib.evaluateVersions: a semver range)",
		inputs: map[string]taskInput{
			"version":                   {check: nodeVersionSpec},
			"checkLatest":               {boolean: true},
			"force32bit":                {boolean: true},
			"nodejsMirror":              {},
			"retryCountOnDownloadFails": {check: wholeNumber},
			"delayBetweenRetries":       {check: wholeNumber},
		},
	},
	"Docker@2": {
		source: "Tasks/DockerV2/task.json (visibleRule of each input)",
		inputs: map[string]taskInput{
			"containerRegistry": {},
			"command":           {options: []string{"buildAndPush", "build", "push", "login", "logout", "start", "stop"}},
			"repository":        {usedWhen: dockerCommand("buildAndPush", "build", "push")},
			"Dockerfile":        {usedWhen: dockerCommand("build", "buildAndPush")},
			"buildContext":      {usedWhen: dockerCommand("build", "buildAndPush")},
			"tags":              {usedWhen: dockerCommand("build", "push", "buildAndPush")},
			// Not for buildAndPush: DockerV2 drops arguments there silently.
			"arguments":        {usedWhen: dockerCommand("build", "push", "start", "stop")},
			"addPipelineData":  {boolean: true},
			"addBaseImageData": {boolean: true},
			"container":        {usedWhen: dockerCommand("start", "stop")},
		},
	},
	"SonarQubePrepare@8": {
		source: "sonar-scanner-azdo src/extensions/sonarqube/tasks/SonarQubePrepare/v8/task.json",
		inputs: map[string]taskInput{
			"SonarQube":            {required: true},
			"scannerMode":          {options: []string{"dotnet", "cli", "other"}},
			"dotnetScannerVersion": {usedWhen: sqDotnet},
			"msBuildVersion":       {usedWhen: sqDotnet}, // alias
			"cliScannerVersion":    {usedWhen: sqCLI},
			"cliVersion":           {usedWhen: sqCLI}, // alias
			"configMode":           {options: []string{"file", "manual"}, usedWhen: sqCLI},
			"configFile":           {usedWhen: sqCLIFile},
			"cliProjectKey":        {required: true, usedWhen: sqCLIManual},
			"projectKey":           {required: true, usedWhen: sqDotnet},
			"cliProjectName":       {usedWhen: sqCLIManual},
			"projectName":          {usedWhen: sqDotnet},
			"cliProjectVersion":    {usedWhen: sqCLIManual},
			"projectVersion":       {usedWhen: sqDotnet},
			"cliSources":           {usedWhen: sqCLIManual},
			"extraProperties":      {},
		},
	},
	"DownloadPipelineArtifact@2": {
		source: "Tasks/DownloadPipelineArtifactV2/task.json (aliases as documented: definition/pipeline, runVersion, artifact, path, patterns)",
		inputs: map[string]taskInput{
			"buildType":                     {options: []string{"current", "specific"}},
			"source":                        {options: []string{"current", "specific"}},
			"project":                       {required: true, usedWhen: inputIs("buildType", "current", "specific")},
			"definition":                    {required: true, usedWhen: inputIs("buildType", "current", "specific")},
			"pipeline":                      {usedWhen: inputIs("buildType", "current", "specific")},
			"runVersion":                    {options: []string{"latest", "latestFromBranch", "specific"}, usedWhen: inputIs("buildType", "current", "specific")},
			"runBranch":                     {usedWhen: inputIs("runVersion", "latest", "latestFromBranch")},
			"runId":                         {usedWhen: inputIs("runVersion", "latest", "specific")},
			"tags":                          {usedWhen: inputIs("buildType", "current", "specific")},
			"allowPartiallySucceededBuilds": {boolean: true, usedWhen: inputIs("buildType", "current", "specific")},
			"allowFailedBuilds":             {boolean: true, usedWhen: inputIs("buildType", "current", "specific")},
			"artifact":                      {},
			"patterns":                      {},
			"path":                          {},
		},
	},
	"SonarQubeAnalyze@8": {
		source: "sonar-scanner-azdo src/extensions/sonarqube/tasks/SonarQubeAnalyze/v8/task.json",
		inputs: map[string]taskInput{
			"jdkversion": {options: []string{"JAVA_HOME", "JAVA_HOME_17_X64", "JAVA_HOME_21_X64"}},
		},
	},
	"SonarQubePublish@8": {
		source: "sonar-scanner-azdo src/extensions/sonarqube/tasks/SonarQubePublish/v8/task.json",
		inputs: map[string]taskInput{
			"pollingTimeoutSec": {check: wholeNumber},
		},
	},
}

// ownTaskContract is this project's task, read from its task.json.
func ownTaskContract(t *testing.T) (string, taskContract) {
	t.Helper()
	var tj struct {
		Name    string
		Version struct{ Major int }
		Inputs  []struct {
			Name         string
			Type         string
			Required     bool
			DefaultValue any
			Options      map[string]string
			VisibleRule  string
		}
	}
	readJSON(t, filepath.Join(repoRoot, taskRel, "task.json"), &tj)
	c := taskContract{source: taskRel + "/task.json", inputs: map[string]taskInput{}}
	defaults := map[string]string{}
	for _, in := range tj.Inputs {
		if d, ok := in.DefaultValue.(string); ok {
			defaults[in.Name] = d
		}
	}
	for _, in := range tj.Inputs {
		ti := taskInput{required: in.Required && in.DefaultValue == nil, boolean: in.Type == "boolean", usedWhen: visibleRule(in.VisibleRule, defaults)}
		if in.Type == "pickList" || in.Type == "radio" {
			for k := range in.Options {
				ti.options = append(ti.options, k)
			}
		}
		c.inputs[in.Name] = ti
	}
	return fmt.Sprintf("%s@%d", tj.Name, tj.Version.Major), c
}

// visibleRule turns a task.json visibleRule of the forms this task uses
// ("a = x", "a != x", clauses joined by "||" or by "&&", not mixed) into a
// predicate on a step's inputs; an input a step does not give has its
// default. "" is always visible.
func visibleRule(rule string, defaults map[string]string) func(map[string]string) bool {
	if strings.TrimSpace(rule) == "" {
		return nil
	}
	anyOf := strings.Contains(rule, "||")
	sep := "&&"
	if anyOf {
		sep = "||"
	}
	var clauses []func(map[string]string) bool
	for _, c := range strings.Split(rule, sep) {
		neg := strings.Contains(c, "!=")
		name, val, _ := strings.Cut(strings.Replace(c, "!=", "=", 1), "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		clauses = append(clauses, func(in map[string]string) bool {
			v, ok := in[name]
			if !ok {
				v = defaults[name]
			}
			return (v == val) != neg
		})
	}
	return func(in map[string]string) bool {
		for _, c := range clauses {
			if c(in) == anyOf {
				return anyOf
			}
		}
		return !anyOf
	}
}

// goToolAccepts mirrors what GoTool@0 does with its version input (gotool.ts,
// resolveVersionAndCache with the default download URL https://go.dev/dl):
// trim; strip a leading "v"; parseGoVersion strips a leading "go" or "v" and
// wants major.minor[.patch][-revision], else "Invalid version format"; the
// official channel refuses a revision. It returns the form accepted.
func goToolAccepts(input string) (string, error) {
	v := strings.TrimSpace(input)
	if v == "" || slices.Contains([]string{"null", "undefined"}, strings.ToLower(v)) {
		return "", fmt.Errorf("GoTool: Input 'version' is required and must not be empty, 'null' or 'undefined'")
	}
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "V")
	n := regexp.MustCompile(`^(?i:go|v)?`).ReplaceAllString(v, "")
	m := regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?$`).FindStringSubmatch(n)
	if m == nil {
		return "", fmt.Errorf("GoTool: Invalid version format: %s", v)
	}
	if m[4] != "" {
		return "", fmt.Errorf("GoTool: Official Go version must be 'major.minor' (e.g. 1.22) or 'major.minor.patch' (e.g. 1.22.3)")
	}
	if m[3] == "" {
		return "major.minor", nil
	}
	return "major.minor.patch", nil
}

// goToolVersion is the rule for this pipeline. major.minor is resolved to a
// patch (online, from go.dev) only by GoTool 0.265.0 and later; earlier
// releases put the input into the download's file name as given
// (go<version>.linux-amd64.tar.gz), so only an exact release works on every
// GoTool@0 a hosted agent may run. It must also be the release go.mod names
// (checked in TestPipelineTaskInputs).
func goToolVersion(v string) error {
	form, err := goToolAccepts(v)
	if err != nil {
		return err
	}
	if form != "major.minor.patch" {
		return fmt.Errorf("%q is resolved online by GoTool 0.265.0 and later only, and floats; give an exact release such as 1.26.8", v)
	}
	return nil
}

// nodeVersionSpec accepts what UseNode's semver range evaluation takes in the
// forms this project uses: 20, 20.x, 20.11.1, 20.x.x.
func nodeVersionSpec(v string) error {
	if !regexp.MustCompile(`^\d+(\.(\d+|x)(\.(\d+|x))?)?$`).MatchString(v) {
		return fmt.Errorf("%q is not a Node.js version spec such as 20.x or 20.11.1", v)
	}
	return nil
}

func wholeNumber(v string) error {
	if _, err := strconv.Atoi(v); err != nil {
		return fmt.Errorf("%q is not a whole number (the task parseInts it)", v)
	}
	return nil
}

// TestGoToolAcceptsLikeGoToolV0: the mirror of GoToolV0's parsing, on the
// task's own L0 test inputs (Tests/L0*.ts) and the form that broke this
// pipeline.
func TestGoToolAcceptsLikeGoToolV0(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		form    string // "" = refused
		pinning bool   // goToolVersion accepts it
	}{
		{"1.26.8", "major.minor.patch", true},
		{"go1.26.8", "major.minor.patch", true},
		{"v1.26.8", "major.minor.patch", true},
		{" 1.26.8 ", "major.minor.patch", true},
		{"1.26", "major.minor", false},
		{"1.26.x", "", false},    // L0InvalidVersionFormat
		{"1.22.3-1", "", false},  // L0InvalidVersionFormatOfficialWithRevision
		{"latest", "", false},    // L0InvalidVersionFormatParseError
		{"", "", false},          // L0InvalidVersionEmpty
		{"null", "", false},      // L0InvalidVersionNull
		{"undefined", "", false}, // L0InvalidVersionUndefined
	}
	for _, tt := range tests {
		form, err := goToolAccepts(tt.in)
		if form != tt.form || (err == nil) != (tt.form != "") {
			t.Errorf("goToolAccepts(%q) = %q, %v; want %q", tt.in, form, err, tt.form)
		}
		if err := goToolVersion(tt.in); (err == nil) != tt.pinning {
			t.Errorf("goToolVersion(%q) = %v, want accepted %v", tt.in, err, tt.pinning)
		}
	}
}

var macroRE = regexp.MustCompile(`\$\(([A-Za-z0-9_.]+)\)`)

// predefined reports a variable the agent or server defines (Build.*, ...):
// its value is not known here.
func predefined(name string) bool {
	for _, p := range []string{"Build.", "System.", "Agent.", "Pipeline.", "Release.", "Environment."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// expand resolves $(name) macros from the pipeline's variables. It reports
// whether the value is fully known (no predefined variable left in it), and
// names macros that resolve to nothing (the agent would pass them literally).
func expand(v string, vars map[string]string) (string, bool, []string) {
	known := true
	var missing []string
	out := macroRE.ReplaceAllStringFunc(v, func(m string) string {
		name := macroRE.FindStringSubmatch(m)[1]
		if val, ok := vars[name]; ok {
			return val
		}
		if !predefined(name) {
			missing = append(missing, name)
		}
		known = false
		return m
	})
	return out, known, missing
}

func pipelineVariables(t *testing.T, p pipeline) map[string]string {
	t.Helper()
	vars := map[string]string{}
	switch v := p.Variables.(type) {
	case nil:
	case map[string]any:
		for k, val := range v {
			vars[k] = fmt.Sprint(val)
		}
	default:
		t.Fatalf("variables: a %T; this test reads the name: value form", p.Variables)
	}
	return vars
}

// TestPipelineTaskInputs holds each task step of azure-pipelines.yml to what
// that task accepts: the task is known, every input is one the task reads
// (and reads for the step's command), required inputs are given, pick lists
// and booleans have legal values, macros resolve, and GoTool's version is a
// form GoTool@0 takes on every agent, equal to go.mod's. A step the task
// would refuse or silently ignore fails here, not on the first hosted run.
func TestPipelineTaskInputs(t *testing.T) {
	t.Parallel()
	p := loadPipeline(t)
	vars := pipelineVariables(t, p)
	goMod := goModVersion(t)
	steps := 0
	for _, st := range p.Stages {
		for _, j := range st.Jobs {
			for i, s := range j.Steps {
				where := fmt.Sprintf("stage %s job %s step %d (%s)", st.Stage, j.Job, i+1, s.Task)
				for _, text := range []string{s.Script, s.Publish} {
					if _, _, missing := expand(text, vars); len(missing) != 0 {
						t.Errorf("%s: $(%s) is no variable of the pipeline", where, strings.Join(missing, "), $("))
					}
				}
				if s.Task == "" {
					continue
				}
				steps++
				values := checkTaskStep(t, where, s.Task, s.Inputs, vars, knownTasks)
				if s.Task == "GoTool@0" {
					if v := values["version"]; strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "go"), "v") != goMod {
						t.Errorf("%s: Go %q, but go.mod says go %s: CI must build with the release the module names", where, v, goMod)
					}
				}
			}
		}
	}
	if steps == 0 {
		t.Fatal("no task steps found: the pipeline's shape changed and this test reads nothing")
	}
}

// checkTaskStep holds one task step to its task's contract and returns the
// inputs' values that are known (macros resolved from vars; with nil vars,
// macros are not resolved and not reported).
func checkTaskStep(t *testing.T, where, task string, inputs, vars map[string]string, contracts map[string]taskContract) map[string]string {
	t.Helper()
	values := map[string]string{}
	contract, ok := contracts[task]
	if !ok {
		t.Errorf("%s: task %s has no contract in knownTasks; read its task.json and add it", where, task)
		return values
	}
	for name, raw := range inputs {
		v, known, missing := expand(raw, vars)
		// nil vars: an example whose variables come from a group elsewhere.
		if vars != nil && len(missing) != 0 {
			t.Errorf("%s: input %s uses $(%s), no variable of the pipeline", where, name, strings.Join(missing, "), $("))
		}
		if known {
			values[name] = v
		}
	}
	for name := range inputs {
		in, ok := contract.inputs[name]
		if !ok {
			t.Errorf("%s: %s has no input %q (%s)", where, task, name, contract.source)
			continue
		}
		if in.usedWhen != nil && !in.usedWhen(inputs) {
			t.Errorf("%s: %s ignores input %q with the step's other inputs (%s)", where, task, name, contract.source)
		}
		v, known := values[name]
		if !known {
			continue
		}
		switch {
		case in.boolean && v != "true" && v != "false":
			t.Errorf("%s: input %s = %q; the task reads anything but true as false", where, name, v)
		case len(in.options) > 0 && !slices.Contains(in.options, v):
			t.Errorf("%s: input %s = %q, not one of %v", where, name, v, in.options)
		case in.check != nil:
			if err := in.check(v); err != nil {
				t.Errorf("%s: input %s: %v", where, name, err)
			}
		}
	}
	for name, in := range contract.inputs {
		if _, given := inputs[name]; in.required && !given && (in.usedWhen == nil || in.usedWhen(inputs)) {
			t.Errorf("%s: required input %s missing", where, name)
		}
	}
	return values
}
