package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sonar-preflight/internal/audit"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/simulator"
)

// auditReport is the JSON report as a script reads it.
type auditReport struct {
	Verdict string `json:"verdict"`
	Server  string `json:"server"`
	Shard   struct {
		Index int `json:"index"`
		Count int `json:"count"`
	} `json:"shard"`
	Paths   map[string]string `json:"paths"`
	Notes   []string          `json:"notes"`
	Records []struct {
		Key, Alm, URL, Status, Message, Remedy string
	} `json:"records"`
	Projects []struct {
		Key      string `json:"key"`
		Name     string `json:"name"`
		Status   string `json:"status"`
		Findings []struct {
			ID, Status, Message, Remedy string
		} `json:"findings"`
		RepositoryID   string `json:"repository_id"`
		AzureProjectID string `json:"azure_project_id"`
	} `json:"projects"`
	Summary struct {
		Projects, Pass, Warn, Fail, Skip int
		Findings                         map[string]int
	} `json:"summary"`
	Requests  *int64 `json:"requests"`
	ElapsedMS *int64 `json:"elapsed_ms"`
}

// testMix has at least two projects of every kind.
var testMix = simulator.FleetMix{
	Unbound: 3, NeverAnalysed: 2, Stale: 2, RecordGone: 2, BadRecordURL: 2, RecordRejected: 2, RepoMissing: 2,
	RepoRenamed: 2, RepoDisabled: 2, NotVisible: 2, Monorepo: 4, MainBranch: 2, GitHub: 2,
	GitHubUser: 2, GitHubMissing: 2, GitHubRenamed: 2, GitHubArchived: 2, GitHubNotVisible: 2, GitHubMainBranch: 2, GitHubEnterprise: 2,
	GitHubMonorepo: 4,
}

func startFleet(t *testing.T, fl simulator.Fleet) (*simulator.FleetServers, map[string]string) {
	t.Helper()
	f, err := simulator.StartFleet(fl, simulator.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	env := f.Env()
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	return f, env
}

func runAudit(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := App{Now: time.Now}.Run(context.Background(), append([]string{"audit"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func parseAudit(t *testing.T, s string) auditReport {
	t.Helper()
	var r auditReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not an audit report: %v\n%s", err, s)
	}
	return r
}

// writeBaseline writes a previous report that knows the ids of the
// repositories the fleet renamed since.
func writeBaseline(t *testing.T, f *simulator.FleetServers) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baseline.json")
	var buf bytes.Buffer
	w := audit.NewJSONWriter(&buf, audit.Header{Tool: "sonar-preflight audit", Server: f.SonarURL, Shard: audit.Whole.Info()})
	keys := slices.Sorted(maps.Keys(f.Renamed()))
	for _, k := range keys {
		ids := f.Renamed()[k]
		if err := w.Project(audit.Project{Key: k, Status: audit.Pass, RepositoryID: ids[0], AzureProjectID: ids[1]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantByKind is what each kind of project must show: its status and its
// worst finding (the first listed).
var wantByKind = map[string]struct{ status, finding, words string }{
	"healthy":         {"pass", "", ""},
	"unbound":         {"skip", audit.FindNotBound, "Not bound"},
	"never-analysed":  {"pass", audit.FindNeverAnalysed, "Never analysed"},
	"stale":           {"pass", audit.FindStale, "days ago"},
	"record-gone":     {"fail", audit.FindRecordGone, "no longer exists"},
	"bad-record-url":  {"fail", audit.FindRecordURL, "below the organization"},
	"record-rejected": {"fail", audit.FindRecordRejected, "validation"},
	"repo-missing":    {"fail", audit.FindRepoMissing, "was not found"},
	"repo-renamed":    {"fail", audit.FindRepoRenamed, "-renamed"},
	"repo-disabled":   {"fail", audit.FindRepoDisabled, "disabled"},
	"not-visible":     {"warn", audit.FindRepoNotVisible, "not visible"},
	"monorepo":        {"warn", audit.FindMonorepo, "monorepo setting"},
	"main-branch":     {"warn", audit.FindMainBranch, `"develop"`},
	// GitHub-bound projects, with the fleet's GitHub token (GitHub.com) and
	// its Enterprise Server named (--github-urls, as Env does).
	"github":             {"pass", "", ""},
	"github-user":        {"pass", "", ""},
	"github-enterprise":  {"pass", "", ""},
	"github-missing":     {"fail", audit.FindRepoMissing, "was not found"},
	"github-renamed":     {"fail", audit.FindRepoRenamed, "-renamed"},
	"github-archived":    {"warn", audit.FindRepoArchived, "archived"},
	"github-not-visible": {"warn", audit.FindRepoNotVisible, "cannot see"},
	"github-main-branch": {"warn", audit.FindMainBranch, `"develop"`},
	"github-monorepo":    {"warn", audit.FindMonorepo, "monorepo setting"},
}

// TestAuditFindings runs the audit through the whole program against a
// fleet with every kind of project, on both paths, and checks each
// project's status, worst finding and the words naming its cause.
func TestAuditFindings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, version, path string
	}{
		{"v2 listing", "", "api/v2/dop-translation/project-bindings"},
		{"per-project fallback", "9.9.8.100196", "api/alm_settings/get_binding (one request per project)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, env := startFleet(t, simulator.Fleet{Projects: 60, Version: tc.version, Mix: testMix})
			baseline := writeBaseline(t, f)
			code, stdout, stderr := runAudit(t, env, "--format", "json", "--baseline", baseline)
			if code != ExitFail {
				t.Errorf("exit code %d, want %d (failures found); stderr:\n%s", code, ExitFail, stderr)
			}
			rep := parseAudit(t, stdout)
			if rep.Paths["bindings"] != tc.path {
				t.Errorf("bindings read through %q, want %q", rep.Paths["bindings"], tc.path)
			}
			if rep.Verdict != "fail" || rep.Summary.Projects != 60 || len(rep.Projects) != 60 {
				t.Errorf("verdict %s, %d/%d projects", rep.Verdict, rep.Summary.Projects, len(rep.Projects))
			}
			seen := map[string]int{}
			for i, p := range rep.Projects {
				if i > 0 && rep.Projects[i-1].Key >= p.Key {
					t.Errorf("projects not in key order at %s", p.Key)
				}
				kind := f.KindOf(p.Key)
				want, ok := wantByKind[kind]
				if !ok {
					t.Fatalf("%s: unknown kind %q", p.Key, kind)
				}
				seen[kind]++
				if p.Status != want.status {
					t.Errorf("%s (%s): status %s, want %s: %+v", p.Key, kind, p.Status, want.status, p.Findings)
					continue
				}
				if want.finding == "" {
					if len(p.Findings) != 0 {
						t.Errorf("%s (%s): findings %+v, want none", p.Key, kind, p.Findings)
					}
					continue
				}
				if len(p.Findings) == 0 || p.Findings[0].ID != want.finding {
					t.Errorf("%s (%s): findings %+v, want %s first", p.Key, kind, p.Findings, want.finding)
					continue
				}
				first := p.Findings[0]
				if !strings.Contains(first.Message, want.words) {
					t.Errorf("%s (%s): %q does not say %q", p.Key, kind, first.Message, want.words)
				}
				if (first.Status == "fail" || first.Status == "warn") && first.Remedy == "" {
					t.Errorf("%s (%s): %s without a remedy", p.Key, kind, first.ID)
				}
			}
			for kind := range wantByKind {
				if seen[kind] == 0 {
					t.Errorf("no project of kind %s in the report", kind)
				}
			}
			recs := map[string]string{}
			for _, r := range rep.Records {
				recs[r.Key] = r.Status
			}
			if recs[simulator.FleetRejectedRecord] != "fail" || recs[simulator.FleetBadURLRecord] != "fail" || recs[simulator.FleetRecord(0)] != "pass" {
				t.Errorf("records: %v", recs)
			}
			assertNoSecrets(t, fleetSecrets(f), stdout, stderr)
		})
	}
}

func fleetSecrets(f *simulator.FleetServers) []string {
	return slices.Concat(secret.Forms(f.AdminToken), secret.Forms(f.PAT), secret.Forms(f.GitHubToken))
}

// TestAuditWithoutBaselineCallsRenamedMissing: without the ids of a
// previous report, a renamed repository cannot be told from a deleted one.
func TestAuditWithoutBaselineCallsRenamedMissing(t *testing.T) {
	t.Parallel()
	f, env := startFleet(t, simulator.Fleet{Projects: 20, Mix: simulator.FleetMix{RepoRenamed: 2}})
	_, stdout, _ := runAudit(t, env, "--format", "json")
	rep := parseAudit(t, stdout)
	for _, p := range rep.Projects {
		if f.KindOf(p.Key) == "repo-renamed" && (len(p.Findings) == 0 || p.Findings[0].ID != audit.FindRepoMissing || !strings.Contains(p.Findings[0].Message, "--baseline")) {
			t.Errorf("%s: %+v, want repo.missing naming --baseline", p.Key, p.Findings)
		}
	}
}

// TestAuditBaselineChains: a report that found a rename through its baseline
// is itself a baseline that still tells it (each run's report is the next
// run's baseline in the fleet template).
func TestAuditBaselineChains(t *testing.T) {
	t.Parallel()
	f, env := startFleet(t, simulator.Fleet{Projects: 20, Mix: simulator.FleetMix{RepoRenamed: 2}})
	baseline := writeBaseline(t, f)
	for run := 1; run <= 3; run++ {
		next := filepath.Join(t.TempDir(), "report.json")
		code, _, stderr := runAudit(t, env, "--format", "text", "--baseline", baseline, "--json-file", next)
		if code != ExitFail {
			t.Fatalf("run %d: exit code %d, want %d; stderr:\n%s", run, code, ExitFail, stderr)
		}
		raw, err := os.ReadFile(next)
		if err != nil {
			t.Fatal(err)
		}
		renamed := 0
		for _, p := range parseAudit(t, string(raw)).Projects {
			if f.KindOf(p.Key) != "repo-renamed" {
				continue
			}
			renamed++
			ids, ok := f.Renamed()[p.Key]
			if len(p.Findings) == 0 || p.Findings[0].ID != audit.FindRepoRenamed {
				t.Errorf("run %d, %s: %+v, want repo.renamed", run, p.Key, p.Findings)
			}
			if !ok || p.RepositoryID != ids[0] || p.AzureProjectID != ids[1] {
				t.Errorf("run %d, %s: ids %q/%q, want %q (the renamed repository's, for the next baseline)", run, p.Key, p.RepositoryID, p.AzureProjectID, ids)
			}
		}
		if renamed != 2 {
			t.Fatalf("run %d: %d renamed projects, want 2", run, renamed)
		}
		baseline = next
	}
}

// TestAuditRequireBinding makes unbound projects fail.
func TestAuditRequireBinding(t *testing.T) {
	t.Parallel()
	f, env := startFleet(t, simulator.Fleet{Projects: 10, Mix: simulator.FleetMix{Unbound: 2}})
	code, stdout, _ := runAudit(t, env, "--format", "json")
	if rep := parseAudit(t, stdout); code != ExitOK || rep.Verdict != "pass" || rep.Summary.Skip != 2 {
		t.Errorf("without --require-binding: exit %d, verdict %s, skip %d", code, rep.Verdict, rep.Summary.Skip)
	}
	code, stdout, _ = runAudit(t, env, "--format", "json", "--require-binding")
	rep := parseAudit(t, stdout)
	if code != ExitFail || rep.Summary.Fail != 2 {
		t.Errorf("with --require-binding: exit %d, fail %d", code, rep.Summary.Fail)
	}
	for _, p := range rep.Projects {
		if f.KindOf(p.Key) == "unbound" && p.Status != "fail" {
			t.Errorf("%s: %s", p.Key, p.Status)
		}
	}
}

// comparable strips what legitimately differs between an unsharded run
// and a merge: timings, request counts, the shard block.
func comparable(t *testing.T, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	for _, k := range []string{"elapsed_ms", "requests", "merged_from", "shard"} {
		delete(m, k)
	}
	b, _ := json.MarshalIndent(m, "", " ")
	return string(b)
}

// TestAuditShardsMerge: shards partition the projects with no overlap, and
// merging their reports gives the unsharded report, on both paths (the
// fallback path only completes monorepo groups in the merge).
func TestAuditShardsMerge(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"", "9.9.8.100196"} {
		t.Run("version "+version, func(t *testing.T) {
			t.Parallel()
			f, env := startFleet(t, simulator.Fleet{Projects: 90, Version: version, Mix: testMix})
			baseline := writeBaseline(t, f)
			_, whole, _ := runAudit(t, env, "--format", "json", "--baseline", baseline)
			wholeRep := parseAudit(t, whole)

			const n = 3
			dir := t.TempDir()
			var files []string
			owner := map[string]int{}
			for k := 1; k <= n; k++ {
				file := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
				files = append(files, file)
				// The shard comes from the job's position, as in a parallel job.
				shardEnv := maps.Clone(env)
				shardEnv["SYSTEM_JOBPOSITIONINPHASE"] = fmt.Sprint(k)
				shardEnv["SYSTEM_TOTALJOBSINPHASE"] = fmt.Sprint(n)
				_, _, stderr := runAudit(t, shardEnv, "--format", "text", "--json-file", file, "--baseline", baseline)
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("shard %d wrote no report: %v\n%s", k, err, stderr)
				}
				rep := parseAudit(t, string(b))
				if rep.Shard.Index != k || rep.Shard.Count != n {
					t.Errorf("shard %d reports shard %+v", k, rep.Shard)
				}
				for _, p := range rep.Projects {
					if prev, dup := owner[p.Key]; dup {
						t.Errorf("%s in shards %d and %d", p.Key, prev, k)
					}
					owner[p.Key] = k
				}
			}
			if len(owner) != len(wholeRep.Projects) {
				t.Errorf("the shards hold %d projects, the whole %d", len(owner), len(wholeRep.Projects))
			}
			for _, p := range wholeRep.Projects {
				if _, ok := owner[p.Key]; !ok {
					t.Errorf("%s is in no shard", p.Key)
				}
			}
			slices.Reverse(files) // order does not matter
			code, merged, stderr := runAudit(t, env, append([]string{"merge", "--format", "json"}, files...)...)
			if code != ExitFail {
				t.Errorf("merge exit %d, want %d; stderr %s", code, ExitFail, stderr)
			}
			if got, want := comparable(t, merged), comparable(t, whole); got != want {
				t.Errorf("merged report differs from the unsharded one:\n--- merged\n%s\n--- unsharded\n%s", got, want)
			}
		})
	}
}

// TestAuditMergeIncomplete: a set that is not one complete audit exits 2
// and names what is wrong.
func TestAuditMergeIncomplete(t *testing.T) {
	t.Parallel()
	_, env := startFleet(t, simulator.Fleet{Projects: 30, Mix: simulator.FleetMix{Unbound: 3}})
	dir := t.TempDir()
	shard := func(spec string) string {
		file := filepath.Join(dir, strings.ReplaceAll(spec, "/", "of")+".json")
		if code, _, stderr := runAudit(t, env, "--format", "json", "--shard", spec, "--json-file", file); code != ExitOK {
			t.Fatalf("shard %s: exit %d\n%s", spec, code, stderr)
		}
		return file
	}
	s13, s23, s33, s12 := shard("1/3"), shard("2/3"), shard("3/3"), shard("1/2")
	for _, tc := range []struct {
		name  string
		files []string
		words string
	}{
		{"missing", []string{s13, s33}, "missing shard(s) 2/3"},
		{"twice", []string{s13, s23, s33, s23}, "shard 2/3 is given 2 times"},
		{"other count", []string{s13, s23, s33, s12}, "shard counts differ"},
		{"not a report", []string{s13, s23, filepath.Join(dir, "nothing.json")}, "cannot be read"},
	} {
		code, stdout, stderr := runAudit(t, env, append([]string{"merge"}, tc.files...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.words) || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 naming %q", tc.name, code, stdout, stderr, tc.words)
		}
	}
	if code, _, stderr := runAudit(t, env, "merge", s13, s23, s33); code != ExitOK {
		t.Errorf("complete set: exit %d\n%s", code, stderr)
	}
	// As the task runs it: the shard reports from the auditReports input,
	// the merged one to auditReport, the pipeline format.
	taskEnv := map[string]string{"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": t.TempDir(),
		"INPUT_AUDITREPORTS": filepath.Join(dir, "?of3.json"), "INPUT_AUDITREPORT": filepath.Join(dir, "merged", "audit.json")}
	code, stdout, stderr := runAudit(t, taskEnv, "merge")
	if code != ExitOK || !strings.Contains(stdout, "##vso[task.uploadsummary]") || !strings.Contains(stdout, "merged from 3 shards") {
		t.Errorf("task merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(taskEnv["INPUT_AUDITREPORT"]); err != nil || parseAudit(t, string(b)).Summary.Projects != 30 {
		t.Errorf("merged report: %v", err)
	}
	taskEnv["INPUT_AUDITREPORTS"] = filepath.Join(dir, "none-*.json")
	if code, _, stderr := runAudit(t, taskEnv, "merge"); code != ExitUsage || !strings.Contains(stderr, "no shard report matches") {
		t.Errorf("no reports: exit %d, %q", code, stderr)
	}
}

// TestAuditMergeWriteFailure: a merged report that cannot be written to
// stdout fails the run, whatever the verdict.
func TestAuditMergeWriteFailure(t *testing.T) {
	t.Parallel()
	_, env := startFleet(t, simulator.Fleet{Projects: 5})
	file := filepath.Join(t.TempDir(), "whole.json")
	if code, _, stderr := runAudit(t, env, "--format", "json", "--json-file", file); code != ExitOK {
		t.Fatalf("audit: exit %d\n%s", code, stderr)
	}
	var stderr bytes.Buffer
	code := App{Now: time.Now}.Run(context.Background(), []string{"audit", "merge", "--format", "json", file},
		func(k string) string { return env[k] }, failingWriter{}, &stderr)
	if code != ExitFail || !strings.Contains(stderr.String(), "closed pipe") {
		t.Errorf("exit %d, stderr %q; want %d and the write error", code, stderr.String(), ExitFail)
	}
}

// failingWriter refuses every write, as a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// TestAuditFormats: the text and Markdown summaries list counts and the
// projects to fix; the pipeline format reports progress, uploads the
// summary and completes the task with the verdict.
func TestAuditFormats(t *testing.T) {
	t.Parallel()
	f, env := startFleet(t, simulator.Fleet{Projects: 40, Mix: testMix})
	code, text, stderr := runAudit(t, env, "--format", "text")
	if code != ExitFail || !strings.Contains(text, "Projects to fix, worst first") || !strings.Contains(text, "record.gone") {
		t.Errorf("text: exit %d\n%s\n%s", code, text, stderr)
	}
	for _, l := range strings.Split(text, "\n") {
		if len([]rune(l)) > 100 {
			t.Errorf("text line over 100 columns: %q", l)
		}
	}
	_, md, _ := runAudit(t, env, "--format", "markdown")
	if !strings.Contains(md, "## SonarQube fleet audit") || !strings.Contains(md, "| Status | Project | Finding | What to do |") {
		t.Errorf("markdown:\n%s", md)
	}
	azpEnv := maps.Clone(env)
	azpEnv["TF_BUILD"] = "True"
	code, out, _ := runAudit(t, azpEnv, "--format", "azp")
	registered, out := splitSetSecrets(t, out)
	if !registered[f.AdminToken] || !registered[f.PAT] || !registered[f.GitHubToken] {
		t.Errorf("the token, the PAT and the GitHub token are not registered with task.setsecret first")
	}
	for _, want := range []string{"##vso[task.setprogress value=100;]", "##vso[task.uploadsummary]", "##vso[task.setvariable variable=verdict;isOutput=true;]fail", "##vso[task.complete result=Failed;]", "##vso[task.issue type=error;]"} {
		if !strings.Contains(out, want) {
			t.Errorf("azp output lacks %q", want)
		}
	}
	if code != ExitFail {
		t.Errorf("azp exit %d", code)
	}
	if m, _ := filepath.Glob(filepath.Join(env["AGENT_TEMPDIRECTORY"], auditSummaryPrefix+"*.md")); len(m) != 1 {
		t.Errorf("summary files: %v", m)
	}
	assertNoSecrets(t, fleetSecrets(f), text, md, out)
}

// TestAuditRequestsIndependentOfProjects: on the v2 path, without branch
// comparisons, the requests grow with pages, not projects.
func TestAuditRequestsIndependentOfProjects(t *testing.T) {
	t.Parallel()
	counts := map[int]int64{}
	for _, n := range []int{50, 450} {
		_, env := startFleet(t, simulator.Fleet{Projects: n})
		_, stdout, _ := runAudit(t, env, "--format", "json", "--branches=false")
		rep := parseAudit(t, stdout)
		counts[n] = *rep.Requests
	}
	if counts[50] != counts[450] {
		t.Errorf("requests: %v, want the same for 50 and 450 projects", counts)
	}
}

// TestAuditUsage covers the command line's own errors.
func TestAuditUsage(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	for _, args := range [][]string{{"--shard", "3/2"}, {"--shard", "x"}, {"--concurrency", "0"}, {"merge"}, {"--bogus"}} {
		if code, _, _ := runAudit(t, env, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
	if code, _, stderr := runAudit(t, map[string]string{"SONAR_HOST_URL": "https://sonar.example"}, "--format", "text"); code != ExitFail || !strings.Contains(stderr, "token") {
		t.Errorf("no token: exit %d, %q", code, stderr)
	}
}

// TestAuditTaskInputs runs the audit as the task does: the service
// connection, the PAT and the audit's inputs as the agent passes them,
// the shard from the parallel job's position.
func TestAuditTaskInputs(t *testing.T) {
	t.Parallel()
	f, _ := startFleet(t, simulator.Fleet{Projects: 30, Mix: simulator.FleetMix{Unbound: 2, GitHub: 2, GitHubEnterprise: 2, GitHubMissing: 2}})
	const id = "6c3e5a1b-9f2d-4e8a-b7c4-1d0e2f3a4b5c"
	report := filepath.Join(t.TempDir(), "out", "audit.json")
	fe := f.Env()
	env := map[string]string{
		"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": t.TempDir(),
		"INPUT_SONARQUBE": id, "ENDPOINT_URL_" + id: f.SonarURL, "ENDPOINT_AUTH_PARAMETER_" + id + "_USERNAME": f.AdminToken,
		"INPUT_AZUREDEVOPSPAT": f.PAT, "INPUT_COMMAND": "audit", "INPUT_AUDITREPORT": report, "INPUT_REQUIREBINDING": "true",
		"INPUT_GITHUBTOKEN": f.GitHubToken, "INPUT_GITHUBURLS": simulator.FleetGHESAPI,
		"INPUT_TIMEOUT": "60", "INPUT_AUDITTIMEOUT": "600", "INPUT_FAILON": "error",
		"SYSTEM_JOBPOSITIONINPHASE": "2", "SYSTEM_TOTALJOBSINPHASE": "2",
		"SONAR_PREFLIGHT_RESOLVE": fe["SONAR_PREFLIGHT_RESOLVE"], "SSL_CERT_FILE": fe["SSL_CERT_FILE"],
	}
	code, stdout, stderr := runAudit(t, env)
	if !strings.Contains(stdout, "##vso[task.complete") {
		t.Fatalf("no pipeline output (exit %d):\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	rep := parseAudit(t, string(b))
	if rep.Shard.Index != 2 || rep.Shard.Count != 2 {
		t.Errorf("shard %+v, want 2/2", rep.Shard)
	}
	for _, p := range rep.Projects {
		switch kind := f.KindOf(p.Key); {
		case kind == "unbound" && p.Status != "fail":
			t.Errorf("%s: %s with requireBinding", p.Key, p.Status)
		case (kind == "github" || kind == "github-enterprise") && p.Status != "pass",
			kind == "github-missing" && (p.Status != "fail" || p.Findings[0].ID != audit.FindRepoMissing):
			// The GitHub side ran with the task's token and GitHub URLs.
			t.Errorf("%s (%s): %s %+v", p.Key, kind, p.Status, p.Findings)
		}
	}
	registered, rest := splitSetSecrets(t, stdout)
	if !registered[f.GitHubToken] {
		t.Error("the gitHubToken input is not registered with task.setsecret")
	}
	assertNoSecrets(t, fleetSecrets(f), rest, stderr, string(b))
}

// TestDemoAudit runs `demo audit` on both paths.
func TestDemoAudit(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--projects", "60"}, {"--projects", "40", "--fallback", "--format", "markdown"}} {
		var stdout, stderr bytes.Buffer
		code := App{Now: time.Now}.Run(context.Background(), append([]string{"demo", "audit"}, args...), func(string) string { return "" }, &stdout, &stderr)
		if code != ExitOK || !strings.Contains(stdout.String(), "repo.renamed") {
			t.Errorf("demo audit %v: exit %d\n%s\n%s", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestAuditDeadline: one overall deadline. A fleet too large for it ends on
// time with what was checked, says what was not, and never passes it.
func TestAuditDeadline(t *testing.T) {
	t.Parallel()
	f, err := simulator.StartFleet(simulator.Fleet{Projects: 3000, Version: "9.9.8.100196"}, simulator.Options{Dir: t.TempDir(), Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	start := time.Now()
	code, stdout, stderr := runAudit(t, f.Env(), "--format", "json", "--timeout", "1s")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the audit took %s with a 1 s deadline", took)
	}
	rep := parseAudit(t, stdout)
	if rep.Summary.Projects != 3000 || rep.Summary.Warn == 0 || rep.Verdict == "pass" {
		t.Errorf("exit %d, summary %+v, verdict %s\n%s", code, rep.Summary, rep.Verdict, stderr)
	}
	if !strings.Contains(strings.Join(rep.Notes, " "), "The deadline passed") {
		t.Errorf("notes %q do not say the deadline passed", rep.Notes)
	}
}

// TestAuditPATRefused: an organization that refuses the audit's PAT makes
// its projects "could not verify", never a pass or a missing repository;
// without a PAT the repositories are not checked, which a note says.
func TestAuditPATRefused(t *testing.T) {
	t.Parallel()
	_, env := startFleet(t, simulator.Fleet{Projects: 10})
	env["AZURE_DEVOPS_EXT_PAT"] = "x" + env["AZURE_DEVOPS_EXT_PAT"][1:]
	_, stdout, _ := runAudit(t, env, "--format", "json")
	rep := parseAudit(t, stdout)
	for _, p := range rep.Projects {
		if p.Status != "warn" || p.Findings[0].ID != audit.FindRepoNotVisible || !strings.Contains(p.Findings[0].Message, "401") {
			t.Errorf("refused PAT: %s %s %+v", p.Key, p.Status, p.Findings)
		}
	}
	delete(env, "AZURE_DEVOPS_EXT_PAT")
	_, stdout, _ = runAudit(t, env, "--format", "json")
	rep = parseAudit(t, stdout)
	for _, p := range rep.Projects {
		if p.Status != "pass" || p.Findings[0].ID != audit.FindNotChecked || !strings.Contains(p.Findings[0].Message, "no Azure DevOps PAT") {
			t.Errorf("no PAT: %s %s %+v", p.Key, p.Status, p.Findings)
		}
	}
}

// TestAuditHonoursTheOrganizationSetting: the one organization check reads
// (--organization, --org, the organization input, az devops' variable) is
// listed by the audit as --organizations are: one more listing, once, and
// none when it is an organization the records already name.
func TestAuditHonoursTheOrganizationSetting(t *testing.T) {
	t.Parallel()
	_, env := startFleet(t, simulator.Fleet{Projects: 20})
	requests := func(extra map[string]string, args ...string) int64 {
		t.Helper()
		e := maps.Clone(env)
		maps.Copy(e, extra)
		code, stdout, stderr := runAudit(t, e, append([]string{"--format", "json", "--branches=false"}, args...)...)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		rep := parseAudit(t, stdout)
		if rep.Requests == nil {
			t.Fatal("no request count in the report")
		}
		return *rep.Requests
	}
	base := requests(nil)
	extra := "https://dev.azure.com/contoso-extra"
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want int64
	}{
		"az devops' variable": {env: map[string]string{"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": extra}, want: base + 1},
		"--org":               {args: []string{"--org", extra}, want: base + 1},
		// --organizations replaces SONAR_PREFLIGHT_ORGANIZATIONS, which names
		// the fleet's organizations (the PAT goes only to those named).
		"the same as --organizations": {args: []string{"--organization", extra, "--organizations", env["SONAR_PREFLIGHT_ORGANIZATIONS"] + "," + extra}, want: base + 1},
		"an organization of a record": {args: []string{"--organization", "https://dev.azure.com/" + simulator.FleetOrg(0)}, want: base},
		"a bare organization name":    {env: map[string]string{"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": "contoso-extra"}, want: base + 1},
	} {
		if got := requests(tc.env, tc.args...); got != tc.want {
			t.Errorf("%s: %d requests, want %d", name, got, tc.want)
		}
	}
}
