package packaging_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlBlocks returns the ```yaml blocks of a Markdown file with their line.
func yamlBlocks(t *testing.T, rel string) (blocks []string, lines []int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	var cur []string
	in, start := false, 0
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```yaml":
			in, start, cur = true, i+2, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks, lines = append(blocks, strings.Join(cur, "\n")), append(lines, start)
		case in:
			cur = append(cur, line)
		}
	}
	return blocks, lines
}

// yamlStep is a task step found anywhere in a parsed document.
type yamlStep struct {
	task, name, condition string
	inputs                map[string]string
}

func findSteps(node any, out *[]yamlStep) {
	switch n := node.(type) {
	case map[string]any:
		if task, ok := n["task"].(string); ok {
			st := yamlStep{task: task, inputs: map[string]string{}}
			st.name, _ = n["name"].(string)
			st.condition, _ = n["condition"].(string)
			if in, ok := n["inputs"].(map[string]any); ok {
				for k, v := range in {
					st.inputs[k] = fmt.Sprint(v)
				}
			}
			*out = append(*out, st)
		}
		for _, v := range n {
			findSteps(v, out)
		}
	case []any:
		for _, v := range n {
			findSteps(v, out)
		}
	}
}

var verdictRef = regexp.MustCompile(`variables\['([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)'\]|\$\(([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\)`)

// TestDocsPipelines holds the YAML examples users copy to the same contracts
// as the project's own pipeline: every task step's inputs are ones the task
// accepts (SonarSource's Prepare, Analyze and Publish, and this task, read
// from its task.json), references to the preflight's output variable name a
// preflight step and an output variable task.json declares, and the complete
// example runs preflight, Prepare, Analyze and Publish in that order.
func TestDocsPipelines(t *testing.T) {
	t.Parallel()
	contracts := map[string]taskContract{}
	for k, v := range knownTasks {
		contracts[k] = v
	}
	own, ownContract := ownTaskContract(t)
	contracts[own] = ownContract
	var outputs []string
	var tj struct{ OutputVariables []struct{ Name string } }
	readJSON(t, filepath.Join(repoRoot, taskRel, "task.json"), &tj)
	for _, o := range tj.OutputVariables {
		outputs = append(outputs, o.Name)
	}

	complete := false
	for _, doc := range []string{"docs/pipelines.md", "README.md", "overview.md"} {
		blocks, lines := yamlBlocks(t, doc)
		for i, block := range blocks {
			where := fmt.Sprintf("%s:%d", doc, lines[i])
			var parsed any
			if err := yaml.Unmarshal([]byte(block), &parsed); err != nil {
				t.Errorf("%s: not YAML: %v", where, err)
				continue
			}
			var steps []yamlStep
			findSteps(parsed, &steps)
			preflights := map[string]bool{}
			var order []string
			for _, st := range steps {
				checkTaskStep(t, where+" "+st.task, st.task, st.inputs, nil, contracts)
				if st.task == own && st.name != "" {
					preflights[st.name] = true
				}
				order = append(order, strings.Split(st.task, "@")[0])
			}
			for _, m := range verdictRef.FindAllStringSubmatch(block, -1) {
				step, v := m[1]+m[3], m[2]+m[4]
				if predefined(step + "." + v) {
					continue // $(System.JobPositionInPhase) and the like
				}
				if !preflights[step] || !slices.Contains(outputs, v) {
					t.Errorf("%s: %s.%s is not an output variable of a %s step named %s in the example (outputs: %v)", where, step, v, own, step, outputs)
				}
			}
			want := []string{strings.Split(own, "@")[0], "SonarQubePrepare", "SonarQubeAnalyze", "SonarQubePublish"}
			if doc == "docs/pipelines.md" && slices.Equal(order, want) {
				complete = true
				for _, st := range steps[1:] {
					if !strings.Contains(st.condition, "verdict") {
						t.Errorf("%s: %s runs whatever the preflight's verdict", where, st.task)
					}
				}
			}
		}
	}
	if !complete {
		t.Error("docs/pipelines.md has no complete example: the preflight, then SonarQubePrepare, SonarQubeAnalyze and SonarQubePublish")
	}
}
