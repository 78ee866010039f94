package packaging_test

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// fleetTemplate is docs/fleet-audit-pipeline.yml as far as the test reads it.
type fleetTemplate struct {
	Jobs []struct {
		Job       string `yaml:"job"`
		DependsOn string `yaml:"dependsOn"`
		Condition string `yaml:"condition"`
		Strategy  struct {
			Parallel string `yaml:"parallel"`
		} `yaml:"strategy"`
		Steps []struct {
			Task            string            `yaml:"task"`
			Publish         string            `yaml:"publish"`
			Artifact        string            `yaml:"artifact"`
			Download        string            `yaml:"download"`
			Patterns        string            `yaml:"patterns"`
			Condition       string            `yaml:"condition"`
			ContinueOnError bool              `yaml:"continueOnError"`
			Inputs          map[string]string `yaml:"inputs"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestFleetAuditTemplate holds the fleet audit's pipeline template to the
// task and to itself: each shard publishes the file it wrote under a name
// the merge job's pattern finds, the merge runs after every shard, and
// every task input it sets exists.
func TestFleetAuditTemplate(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docs", "fleet-audit-pipeline.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl fleetTemplate
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	for _, in := range loadTask(t).Inputs {
		inputs[in.Name] = true
	}
	var shardReport, shardArtifact, mergePattern, downloadPattern, baseline, baselineDir, mergedReport, mergedArtifact string
	for _, job := range tpl.Jobs {
		for _, s := range job.Steps {
			if s.Task == "SonarQubePreflight@1" {
				for k := range s.Inputs {
					if !inputs[k] {
						t.Errorf("job %s sets input %q, which task.json does not have", job.Job, k)
					}
				}
			}
			switch {
			case job.Job == "audit" && s.Task == "SonarQubePreflight@1":
				if s.Inputs["command"] != "audit" || !s.ContinueOnError {
					t.Errorf("audit step: command %q, continueOnError %v", s.Inputs["command"], s.ContinueOnError)
				}
				shardReport, baseline = s.Inputs["auditReport"], s.Inputs["auditBaseline"]
			case job.Job == "audit" && s.Publish != "":
				if s.Publish != shardReport || s.Condition != "succeededOrFailed()" {
					t.Errorf("the shard publishes %q (condition %q), but writes %q", s.Publish, s.Condition, shardReport)
				}
				shardArtifact = s.Artifact
			case job.Job == "audit" && s.Task == "DownloadPipelineArtifact@2":
				mergedArtifact, baselineDir = s.Inputs["artifact"], s.Inputs["path"]
			case job.Job == "merge" && s.Download == "current":
				downloadPattern = s.Patterns
			case job.Job == "merge" && s.Task == "SonarQubePreflight@1":
				if s.Inputs["command"] != "merge" {
					t.Errorf("merge step: command %q", s.Inputs["command"])
				}
				mergePattern, mergedReport = s.Inputs["auditReports"], s.Inputs["auditReport"]
			case job.Job == "merge" && s.Publish != "":
				if s.Publish != mergedReport || s.Artifact != mergedArtifact {
					t.Errorf("the merge publishes %q as %q; it writes %q and the shards download %q", s.Publish, s.Artifact, mergedReport, mergedArtifact)
				}
			}
		}
		if job.Job == "audit" && !strings.Contains(job.Strategy.Parallel, "shards") {
			t.Errorf("the audit job is not parallel: %q", job.Strategy.Parallel)
		}
		if job.Job == "merge" && (job.DependsOn != "audit" || job.Condition != "succeededOrFailed()") {
			t.Errorf("merge job: dependsOn %q, condition %q", job.DependsOn, job.Condition)
		}
	}
	if !strings.Contains(shardReport, "$(System.JobPositionInPhase)") || !strings.Contains(shardArtifact, "$(System.JobPositionInPhase)") {
		t.Errorf("each shard needs its own report and artifact: %q, %q", shardReport, shardArtifact)
	}
	// download: current puts each artifact in $(Pipeline.Workspace)/<artifact>/.
	shardPath := "$(Pipeline.Workspace)/" + strings.ReplaceAll(shardArtifact, "$(System.JobPositionInPhase)", "3") + "/" + path.Base(strings.ReplaceAll(shardReport, "$(System.JobPositionInPhase)", "3"))
	if ok, _ := path.Match(mergePattern, shardPath); !ok {
		t.Errorf("the merge's auditReports %q does not match where shard 3's report lands (%s)", mergePattern, shardPath)
	}
	if ok, _ := path.Match(downloadPattern, strings.TrimPrefix(shardPath, "$(Pipeline.Workspace)/")); !ok {
		t.Errorf("the download pattern %q misses %s", downloadPattern, shardPath)
	}
	if !strings.HasPrefix(baseline, baselineDir+"/") {
		t.Errorf("the baseline %q is not under the downloaded %q", baseline, baselineDir)
	}
	if path.Base(baseline) != path.Base(mergedReport) {
		t.Errorf("the shards read %q as baseline, the merge writes %q", baseline, mergedReport)
	}
	// The README shows the template as it is.
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	body := string(raw)
	if i := strings.Index(body, "\ntrigger:"); i >= 0 {
		body = body[i+1:]
	}
	if !strings.Contains(string(readme), body) {
		t.Error("README's fleet audit template differs from docs/fleet-audit-pipeline.yml (from 'trigger:' on)")
	}
}
