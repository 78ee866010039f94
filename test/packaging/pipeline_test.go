package packaging_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type pipelineStep struct {
	Script      string            `yaml:"script"`
	Task        string            `yaml:"task"`
	Publish     string            `yaml:"publish"`
	Download    string            `yaml:"download"`
	Artifact    string            `yaml:"artifact"`
	Checkout    string            `yaml:"checkout"`
	DisplayName string            `yaml:"displayName"`
	Inputs      map[string]string `yaml:"inputs"`
	Env         map[string]string `yaml:"env"`
}

type pipelineJob struct {
	Job              string         `yaml:"job"`
	DisplayName      string         `yaml:"displayName"`
	TimeoutInMinutes int            `yaml:"timeoutInMinutes"`
	Steps            []pipelineStep `yaml:"steps"`
}

type pipelineStage struct {
	Stage     string        `yaml:"stage"`
	DependsOn any           `yaml:"dependsOn"`
	Condition string        `yaml:"condition"`
	Jobs      []pipelineJob `yaml:"jobs"`
}

type pipeline struct {
	Trigger struct {
		Branches struct{ Include []string } `yaml:"branches"`
		Tags     struct{ Include []string } `yaml:"tags"`
	} `yaml:"trigger"`
	PR        any             `yaml:"pr"`
	Variables any             `yaml:"variables"`
	Pool      any             `yaml:"pool"`
	Stages    []pipelineStage `yaml:"stages"`
}

// text is what a step does, for matching: its script, or its task and inputs.
func (s pipelineStep) text() string {
	var b strings.Builder
	b.WriteString(s.Script)
	if s.Task != "" {
		b.WriteString(" task:" + s.Task)
		for k, v := range s.Inputs {
			b.WriteString(" " + k + "=" + v)
		}
	}
	return b.String()
}

func (s pipelineStep) pushesImage() bool {
	if strings.HasPrefix(s.Task, "Docker@") {
		return s.Inputs["command"] == "push" || s.Inputs["command"] == "buildAndPush"
	}
	return regexp.MustCompile(`\bdocker\s+push\b`).MatchString(s.Script)
}

func (s pipelineStep) publishesExtension() bool {
	return regexp.MustCompile(`\btfx\s+extension\s+publish\b`).MatchString(s.Script) ||
		strings.HasPrefix(s.Task, "PublishAzureDevOpsExtension@") || strings.HasPrefix(s.Task, "TfxInstaller@")
}

func loadPipeline(t *testing.T) pipeline {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "azure-pipelines.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var p pipeline
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("azure-pipelines.yml: %v", err)
	}
	return p
}

func TestPipeline(t *testing.T) {
	t.Parallel()
	p := loadPipeline(t)
	if !slices.Contains(p.Trigger.Tags.Include, "v*") {
		t.Errorf("trigger.tags.include %v: want v* so tags build and publish", p.Trigger.Tags.Include)
	}
	if p.PR == nil {
		t.Error("no pr trigger: pull requests would go untested")
	}
	stages := map[string]pipelineStage{}
	var order []string
	for _, s := range p.Stages {
		stages[s.Stage] = s
		order = append(order, s.Stage)
	}
	if !slices.Equal(order, []string{"Test", "Build", "Publish"}) {
		t.Fatalf("stages %v, want Test, Build, Publish", order)
	}
	if stages["Build"].DependsOn != "Test" || stages["Publish"].DependsOn != "Build" {
		t.Errorf("dependsOn: Build<-%v, Publish<-%v", stages["Build"].DependsOn, stages["Publish"].DependsOn)
	}

	// find reports whether a step of the stage matches, and where setup-node ran.
	find := func(stage string, match func(pipelineStep) bool) (found, afterSetup bool) {
		for _, j := range stages[stage].Jobs {
			setup := false
			for _, s := range j.Steps {
				if strings.Contains(s.Script, "scripts/setup-node.sh") {
					setup = true
				}
				if match(s) {
					return true, setup
				}
			}
		}
		return false, false
	}
	contains := func(sub string) func(pipelineStep) bool {
		return func(s pipelineStep) bool { return strings.Contains(s.text(), sub) }
	}

	if ok, setup := find("Test", contains("./scripts/test.sh")); !ok || !setup {
		t.Errorf("Test stage must run ./scripts/test.sh after scripts/setup-node.sh (found %v, after setup %v)", ok, setup)
	}
	if ok, _ := find("Test", func(s pipelineStep) bool {
		return strings.Contains(s.Script, "-run TestMinimalImageLayout") && strings.Contains(s.Script, "sudo") &&
			strings.Contains(s.Script, "CI=true")
	}); !ok {
		t.Error("Test stage does not run the minimal image's layout test as root, with CI=true (its skip is then a failure)")
	}
	if ok, setup := find("Build", contains("scripts/build.sh all")); !ok || !setup {
		t.Errorf("Build stage must cross-build and package with scripts/build.sh after setup-node (found %v, %v)", ok, setup)
	}
	// What build.sh writes (DIST_DIR) is what is published.
	var dist string
	find("Build", func(s pipelineStep) bool {
		if strings.Contains(s.Script, "scripts/build.sh all") {
			dist = s.Env["DIST_DIR"]
		}
		return false
	})
	if ok, _ := find("Build", func(s pipelineStep) bool { return dist != "" && s.Publish == dist && s.Artifact != "" }); !ok {
		t.Errorf("Build stage does not publish the folder build.sh writes the .vsix and binaries to (DIST_DIR %q) as an artifact", dist)
	}
	if ok, _ := find("Build", contains("scripts/images.sh")); !ok {
		t.Error("Build stage does not build and smoke-test the images (scripts/images.sh)")
	}
	images, err := os.ReadFile(filepath.Join(repoRoot, "scripts/images.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"docker build", "--target minimal", "docker run --rm \"$minimal\" demo",
		"--user 12345:12345 \"$job\"", "scripts/build.sh version", "VERSION=$version", "COMMIT=$commit", "SOURCE="} {
		if !strings.Contains(string(images), want) {
			t.Errorf("scripts/images.sh lacks %q: the images are built, stamped and smoke-tested there", want)
		}
	}

	tagOnly := "startsWith(variables['Build.SourceBranch'], 'refs/tags/v')"
	if c := stages["Publish"].Condition; !strings.Contains(c, tagOnly) || !strings.Contains(c, "succeeded()") {
		t.Errorf("Publish condition %q: want succeeded() and %s", c, tagOnly)
	}
	if ok, _ := find("Publish", pipelineStep.publishesExtension); !ok {
		t.Error("Publish stage does not publish the extension")
	}
	if ok, _ := find("Publish", pipelineStep.pushesImage); !ok {
		t.Error("Publish stage does not push the image")
	}

	secretRef := regexp.MustCompile(`\$\(MARKETPLACE_PAT\)`)
	for _, st := range p.Stages {
		for _, j := range st.Jobs {
			for _, s := range j.Steps {
				if st.Stage != "Publish" && (s.publishesExtension() || s.pushesImage()) {
					t.Errorf("stage %s job %s publishes outside the tag-only stage: %q", st.Stage, j.Job, s.text())
				}
				// Secrets reach scripts through env:, never expanded into the script text.
				if secretRef.MatchString(s.Script) {
					t.Errorf("job %s: the Marketplace PAT is expanded into a script", j.Job)
				}
				if s.publishesExtension() {
					if !strings.Contains(s.Script, `--token "$MARKETPLACE_PAT"`) || s.Env["MARKETPLACE_PAT"] != "$(MARKETPLACE_PAT)" {
						t.Errorf("tfx extension publish must take the PAT from env MARKETPLACE_PAT mapped from the secret variable: %q %v", s.Script, s.Env)
					}
				}
			}
		}
	}
}
