package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"sonar-preflight/internal/audit"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/simulator"
)

// The fleet audit in the hostile-server matrix: the fleet simulator with the
// same rewriting layer as TestHostileServer, every payload in every field of
// SonarQube's and Azure DevOps' answers the audit prints, every format, with
// and without --debug; then 'audit merge' of a report a compromised shard
// wrote, in every format. stdout, stderr, the summary and the JSON report
// file are parsed as in TestHostileServer (task-lib's parser, the agent's
// fold, controls, Markdown structure), and no 12 characters of a credential
// may appear in any of them.

// startHostileFleet serves fl through a layer that applies rewrite.
func startHostileFleet(t *testing.T, fl simulator.Fleet, rewrite func(r *http.Request, a *answer) bool) (*simulator.FleetServers, map[string]string) {
	t.Helper()
	rig := &hostileRig{addr: map[string]string{}}
	f, err := simulator.StartFleet(fl, simulator.Options{Dir: t.TempDir(),
		Intercept: rig.intercept(rewrite)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	rig.reach(t, f.Resolve, f.CAFile)
	env := f.Env()
	return f, env
}

// Fields of the fleet's answers that the audit prints.
func hostileAuditFields() map[string]hostileField {
	sonarPath := func(p string) func(*http.Request) bool { return pathIs(simulator.SonarHost, p) }
	repos := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/_apis/git/repositories") }
	fields := []hostileField{
		{"U01", "project key (api/projects/search)", sonarPath("/api/projects/search"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "components.*.key") }},
		{"U02", "project name (api/projects/search)", sonarPath("/api/projects/search"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "components.*.name") }},
		{"U03", "record key (list_definitions, dop-settings)", func(r *http.Request) bool {
			return sonarPath("/api/alm_settings/list_definitions")(r) || sonarPath("/api/v2/dop-translation/dop-settings")(r)
		}, func(a *answer, _ *http.Request, inj string) {
			editJSON(a, appendTo(inj), "azure.*.key", "github.*.key", "dopSettings.*.key")
		}},
		{"U04", "record URL (list_definitions, dop-settings)", func(r *http.Request) bool {
			return sonarPath("/api/alm_settings/list_definitions")(r) || sonarPath("/api/v2/dop-translation/dop-settings")(r)
		}, func(a *answer, _ *http.Request, inj string) {
			editJSON(a, appendTo(inj), "azure.*.url", "github.*.url", "dopSettings.*.url")
		}},
		{"U05", "binding repository and project (v2 listing)", sonarPath("/api/v2/dop-translation/project-bindings"),
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "projectBindings.*.repository", "projectBindings.*.slug")
			}},
		{"U06", "record validation error (validate 400)", sonarPath("/api/alm_settings/validate"),
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(400, map[string]any{"errors": []map[string]string{{"msg": "Invalid Azure URL" + inj}}})
			}},
		{"U07", "repository default branch (organization listing)", repos,
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "value.*.defaultBranch") }},
		{"U08", "SonarQube branch names (project_branches/list)", sonarPath("/api/project_branches/list"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "branches.*.name") }},
		{"U09", "Azure DevOps listing error (401 message, typeKey, ActivityId)", repos,
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(401, map[string]any{"message": "TF400813:" + inj, "typeKey": "Unauthorized" + inj})
				a.header.Set("ActivityId", headerSafe(inj))
			}},
		{"U10", "SonarQube listing error (projects/search 400)", sonarPath("/api/projects/search"),
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(400, map[string]any{"errors": []map[string]string{{"msg": "Bad request" + inj}}})
			}},
		{"U11", "GitHub repository, owner and default branch names (owner listings)", gitHubListing,
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "*.name", "*.full_name", "*.owner.login", "*.default_branch", "*.visibility")
			}},
		{"U12", "GitHub repository, owner and default branch a redirect leads to (GET /repos 301, GET /repositories/{id})", gitHubRepository,
			func(a *answer, r *http.Request, inj string) {
				api := "https://" + hostOnly(r.Host)
				if strings.HasPrefix(r.URL.Path, "/api/v3/") {
					api += "/api/v3"
				}
				if !strings.Contains(r.URL.Path, "/repositories/") {
					*a = jsonAnswer(http.StatusMovedPermanently, map[string]any{"message": "Moved Permanently", "url": api + "/repositories/4242"})
					a.header.Set("Location", api+"/repositories/4242")
					return
				}
				*a = jsonAnswer(http.StatusOK, map[string]any{"id": 4242, "name": "n" + inj, "full_name": "o/n" + inj,
					"owner": map[string]any{"login": "o" + inj}, "default_branch": "main" + inj, "visibility": "private" + inj, "private": true})
			}},
		{"U13", "GitHub listing error (403 message, documentation URL, X-GitHub-SSO URL, X-GitHub-Request-Id)", gitHubListing,
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(403, map[string]any{"message": "Resource protected by organization SAML enforcement" + inj, "documentation_url": "https://docs.github.com/" + inj})
				a.header.Set("X-GitHub-SSO", "required; url=https://github.com/orgs/contoso/sso?authorization_request="+headerSafe(inj))
				a.header.Set("X-GitHub-Request-Id", headerSafe(inj))
			}},
		{"U14", "GitHub repository answer (301 message, Location elsewhere)", gitHubRepository,
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(http.StatusMovedPermanently, map[string]any{"message": "Moved Permanently" + inj, "url": "https://attacker.example/" + inj})
				a.header.Set("Location", "https://attacker.example/repositories/1"+headerSafe(inj))
			}},
	}
	out := map[string]hostileField{}
	for _, f := range fields {
		out[f.code] = f
	}
	return out
}

// gitHubListing and gitHubRepository select the fleet's GitHub answers:
// owner listings, and single repositories.
func gitHubListing(r *http.Request) bool {
	h := strings.ToLower(hostOnly(r.Host))
	return (h == "api.github.com" || h == simulator.FleetGHESHost) && strings.HasSuffix(r.URL.Path, "/repos")
}

func gitHubRepository(r *http.Request) bool {
	h := strings.ToLower(hostOnly(r.Host))
	p := strings.TrimPrefix(r.URL.Path, "/api/v3")
	return (h == "api.github.com" || h == simulator.FleetGHESHost) && (strings.HasPrefix(p, "/repos/") || strings.HasPrefix(p, "/repositories/"))
}

// echoAuthorization makes a server echo the credential it was sent.
func echoAuthorization() []hostileField {
	return []hostileField{
		{"X05", "validate 400 echoing Authorization", pathIs(simulator.SonarHost, "/api/alm_settings/validate"),
			func(a *answer, r *http.Request, _ string) {
				*a = jsonAnswer(400, map[string]any{"errors": []map[string]string{{"msg": strings.Repeat("x", 250) + " Authorization: " + r.Header.Get("Authorization")}}})
			}},
		{"X06", "organization listing 203 echoing Authorization", func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/_apis/git/repositories") },
			func(a *answer, r *http.Request, _ string) {
				*a = rawAnswer(203, "text/html", "<html><title>Sign in "+r.Header.Get("Authorization")+"</title></html>")
			}},
		{"X07", "GitHub listing 403 and repository 404 echoing Authorization", func(r *http.Request) bool { return gitHubListing(r) || gitHubRepository(r) },
			func(a *answer, r *http.Request, _ string) {
				status := http.StatusForbidden
				if gitHubRepository(r) {
					status = http.StatusNotFound
				}
				*a = jsonAnswer(status, map[string]any{"message": strings.Repeat("x", 250) + " Authorization: " + r.Header.Get("Authorization"), "documentation_url": "https://docs.github.com/rest"})
				a.header.Set("X-GitHub-Request-Id", "C0DE:1:2:3:4")
			}},
	}
}

// hostileAuditOutputs runs one audit and collects every output: stdout,
// stderr, the summary file and the JSON report file.
func hostileAuditOutputs(t *testing.T, env map[string]string, args ...string) (int, hostileOutputs) {
	t.Helper()
	e := maps.Clone(env)
	tmp := t.TempDir()
	e["AGENT_TEMPDIRECTORY"] = tmp
	args = slices.Clone(args)
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "{tmp}", tmp)
	}
	code, stdout, stderr := runAudit(t, e, args...)
	outs := hostileOutputs{"stdout": stdout, "stderr": stderr}
	for name, text := range filesUnder(t, tmp) {
		switch {
		case strings.HasSuffix(name, ".md"):
			outs["summary"] += text
		case strings.HasSuffix(name, ".json"):
			outs["json file"] += text
		}
	}
	return code, outs
}

func init() { ownCommands["task.setprogress"] = true } // the audit's progress in a pipeline

// auditMarkers maps every field's markers back to it.
func auditMarkers(codes ...string) map[string][2]string {
	m := map[string][2]string{}
	for _, c := range codes {
		for _, p := range hostilePayloads() {
			m[strings.ToLower(marker(c, p.code))] = [2]string{c, p.code}
		}
	}
	return m
}

func TestHostileAudit(t *testing.T) {
	t.Parallel()
	parse := taskLibParser(t)
	all := hostileAuditFields()
	fields := func(codes ...string) []hostileField { return pickFields(all, codes...) }
	runs := []struct {
		name   string
		fields []hostileField
	}{
		{"sonar listings", fields("U01", "U02", "U04")},
		{"records and bindings", fields("U03", "U05", "U06")},
		{"branches", fields("U07", "U08")},
		{"azure devops errors", fields("U09")},
		{"audit cannot run", fields("U10")},
		{"github", fields("U11", "U12")},
		{"github errors", fields("U13", "U14")},
	}
	var codes []string
	for c := range all {
		codes = append(codes, c)
	}
	markers := auditMarkers(codes...)
	var mu sync.Mutex
	var found []finding
	for _, run := range runs {
		for _, format := range []string{"azp", "text", "json", "markdown"} {
			for _, debug := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/debug=%v", run.name, format, debug), func(t *testing.T) {
					t.Parallel()
					_, env := startHostileFleet(t, simulator.Fleet{Projects: 40, Mix: testMix},
						fieldsRewrite(run.fields, func(f hostileField) string { return allPayloads(f.code) }))
					env["TF_BUILD"] = "True"
					args := []string{"--format", format, "--timeout", "30s", "--json-file", "{tmp}/report.json"}
					if debug {
						args = append(args, "--debug")
					}
					_, outs := hostileAuditOutputs(t, env, args...)
					got := inspect(outs, format, markers, parse)
					for _, f := range got {
						t.Errorf("%s %s → %s (%s): %s", f.field, f.payload, f.stream, format, f.effect)
					}
					mu.Lock()
					found = append(found, got...)
					mu.Unlock()
				})
			}
		}
	}
	t.Run("credentials echoed", func(t *testing.T) {
		t.Parallel()
		f, env := startHostileFleet(t, simulator.Fleet{Projects: 40, Mix: testMix},
			fieldsRewrite(echoAuthorization(), func(hostileField) string { return "" }))
		env["TF_BUILD"] = "True"
		for _, format := range []string{"azp", "text", "json", "markdown"} {
			_, outs := hostileAuditOutputs(t, env, "--format", format, "--debug", "--json-file", "{tmp}/r.json")
			if format == "azp" {
				_, outs["stdout"] = splitSetSecrets(t, outs["stdout"])
			}
			for _, v := range []string{f.AdminToken, f.PAT, f.GitHubToken} {
				for _, form := range runForms(v) {
					for stream, o := range outs {
						if run := sharedRun(o, form, 12); run != "" {
							t.Errorf("%s %s holds %d characters of a credential form", format, stream, len(run))
						}
					}
				}
			}
		}
	})
	t.Cleanup(func() { logAttackTable(t, found) })
}

// logAttackTable prints, per payload and stream, the fields through which an
// attack worked (-v).
func logAttackTable(t *testing.T, found []finding) {
	type key struct{ payload, stream, effect string }
	agg := map[key]map[string]bool{}
	for _, f := range found {
		k := key{f.payload, f.stream, f.effect}
		if agg[k] == nil {
			agg[k] = map[string]bool{}
		}
		agg[k][f.field] = true
	}
	var lines []string
	for k, fs := range agg {
		var names []string
		for f := range fs {
			names = append(names, f)
		}
		sort.Strings(names)
		lines = append(lines, fmt.Sprintf("%s | %-10s | %-45s | %s", k.payload, k.stream, k.effect, strings.Join(names, " ")))
	}
	sort.Strings(lines)
	t.Logf("\nattacks that worked: %d\n%s", len(found), strings.Join(lines, "\n"))
}

// hostileShard is the report a compromised shard job could upload: every
// string of it a payload, in fields the merge prints, in keys it does not
// know, and in values that are not one of the program's own (statuses,
// finding ids).
func hostileShard(t *testing.T, dir, name string) string {
	t.Helper()
	p := func(code string) string { return allPayloads(code) }
	doc := map[string]any{
		"tool":   "sonar-preflight audit" + p("M01"),
		"server": "https://sonar.example" + p("M02"),
		"shard":  map[string]int{"index": 1, "count": 1},
		"paths":  map[string]string{"projects" + p("M03"): "api/projects/search" + p("M04"), "bindings": "api/v2" + p("M04")},
		"notes":  []string{"note" + p("M05")},
		"records": []map[string]string{
			{"key": "rec" + p("M06"), "alm": "azure" + p("M07"), "url": "https://dev.azure.com/x" + p("M08"), "status": "fail" + p("M09"), "message": "m" + p("M10"), "remedy": "r" + p("M11")},
			{"key": "rec2" + p("M06"), "alm": "azure", "url": "https://dev.azure.com/y", "status": "fail", "message": "m" + p("M10"), "remedy": "r" + p("M11")},
		},
		"projects": []map[string]any{{
			"key": "k" + p("M12"), "name": "n" + p("M13"), "status": "fail",
			"findings": []map[string]string{
				{"id": "repo.missing" + p("M14"), "status": "fail", "message": "msg" + p("M15"), "remedy": "rem" + p("M16")},
				{"id": "repo.renamed", "status": "warn" + p("M17"), "message": "msg" + p("M15"), "remedy": "rem" + p("M16")},
			},
			"binding":        map[string]string{"record": "rec" + p("M06"), "alm": "azure", "repository": "repo" + p("M18"), "slug": "proj" + p("M18")},
			"repository_id":  "id" + p("M19"),
			"default_branch": "refs/heads/x" + p("M19"),
			"main_branch":    "y" + p("M19"),
		}, {
			"key": "k2" + p("M12"), "name": "n2", "status": "warn" + p("M17"),
			"findings": []map[string]string{{"id": "x" + p("M14"), "status": "warn", "message": "msg" + p("M15"), "remedy": ""}},
		}},
		"summary":            map[string]any{"projects": 2, "findings": map[string]int{"x" + p("M20"): 1}},
		"verdict":            "fail" + p("M20"),
		"unknown" + p("M21"): p("M21"),
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.ReplaceAll(string(b), invalidByte, "\xff"))
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileAuditMerge merges a compromised shard's report, and reports
// that break the merge in ways that quote what they hold, in every format.
func TestHostileAuditMerge(t *testing.T) {
	t.Parallel()
	parse := taskLibParser(t)
	var codes []string
	for i := 1; i <= 26; i++ {
		codes = append(codes, fmt.Sprintf("M%02d", i))
	}
	markers := auditMarkers(codes...)
	dir := t.TempDir()
	good := hostileShard(t, dir, "shard-1.json")
	// A shard report named by its job: the artifact's file name is the
	// compromised job's choice too.
	namedDir := t.TempDir()
	var short strings.Builder
	for _, i := range []int{0, 2, 6, 10, 11} {
		pl := hostilePayloads()[i]
		short.WriteString(pl.text(marker("M22", pl.code)))
	}
	named := filepath.Join(namedDir, "x"+strings.ReplaceAll(short.String(), "/", "_")+".json")
	if b, err := os.ReadFile(good); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(named, b, 0o600); err != nil {
		t.Skipf("the file system refuses the name: %v", err)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(content, invalidByte, "\xff")), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	q := func(code string) string { b, _ := json.Marshal(allPayloads(code)); return string(b) }
	badKey := write("bad-key.json", `{`+q("M23")+`: tru}`)
	badProjects := write("bad-projects.json", `{"tool":"x","projects":`+q("M24")+`}`)
	badProject := write("bad-project.json", `{"server":"s","shard":{"index":1,"count":1},"projects":[{"key":`+q("M25")+`,"findings":`+q("M25")+`}]}`)
	badDelim := write("bad-delim.json", `{"server":"s","shard":{"index":1,"count":1},"projects":[`+q("M26")+`]}`)
	cases := []struct {
		name  string
		files []string
	}{
		{"compromised shard", []string{good}},
		{"named by the shard", []string{named, good}},
		{"undecodable key", []string{badKey}},
		{"projects not an array", []string{badProjects}},
		{"project of the wrong shape", []string{badProject}},
		{"project not an object", []string{badDelim}},
	}
	var mu sync.Mutex
	var found []finding
	for _, c := range cases {
		for _, format := range []string{"azp", "text", "json", "markdown"} {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				t.Parallel()
				env := map[string]string{"TF_BUILD": "True"}
				args := append([]string{"merge", "--format", format, "--json-file", "{tmp}/merged.json"}, c.files...)
				_, outs := hostileAuditOutputs(t, env, args...)
				got := inspect(outs, format, markers, parse)
				for _, f := range got {
					t.Errorf("%s %s → %s (%s): %s", f.field, f.payload, f.stream, format, f.effect)
				}
				mu.Lock()
				found = append(found, got...)
				mu.Unlock()
			})
		}
	}
	t.Cleanup(func() { logAttackTable(t, found) })
}

// TestAuditMergeRedacts: a shard report that holds the run's own
// credentials (a compromised shard job had them) does not print them.
func TestAuditMergeRedacts(t *testing.T) {
	t.Parallel()
	const tok = "squ_0123456789abcdef0123456789abcdef01234567"
	const pat = "patpatpatpatpatpatpatpatpatpatpatpatpatpatpatpatpatp"
	dir := t.TempDir()
	doc := fmt.Sprintf(`{"tool":"t","server":"https://s","shard":{"index":1,"count":1},"notes":["token %s and Basic %s"],`+
		`"records":[{"key":"r","alm":"azure","url":"https://dev.azure.com/x","status":"fail","message":"pat %s","remedy":""}],`+
		`"projects":[{"key":"k","name":"%s","status":"fail","findings":[{"id":"repo.missing","status":"fail","message":"%s","remedy":""}]}]}`,
		tok, b64(":"+pat), pat[3:40], tok[4:30], pat)
	path := filepath.Join(dir, "s.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SONAR_TOKEN": tok, "AZURE_DEVOPS_EXT_PAT": pat, "TF_BUILD": "True"}
	for _, format := range []string{"azp", "text", "json", "markdown"} {
		_, outs := hostileAuditOutputs(t, env, "merge", "--format", format, "--json-file", "{tmp}/m.json", path)
		if format == "azp" {
			_, outs["stdout"] = splitSetSecrets(t, outs["stdout"])
		}
		for _, v := range []string{tok, pat} {
			for _, form := range append(runForms(v), secret.Forms(v)...) {
				for stream, o := range outs {
					if run := sharedRun(o, form, 12); run != "" {
						t.Errorf("%s %s holds %d characters of a credential form", format, stream, len(run))
					}
				}
			}
		}
	}
}

// TestAuditPATOnlyToNamedOrganizations: SonarQube's records do not decide
// where the audit sends the Azure DevOps PAT. A record naming
// https://dev.azure.com/attacker-org (a Microsoft host, an organization the
// user never named) gets no request unless the user named it or opted in
// to trusting the records; organizations named for the run (the pipeline's,
// the organization setting, --organizations) are listed.
func TestAuditPATOnlyToNamedOrganizations(t *testing.T) {
	t.Parallel()
	type seen struct {
		mu   sync.Mutex
		orgs map[string]int // organization → requests carrying the PAT
	}
	start := func(t *testing.T) (*seen, map[string]string) {
		s := &seen{orgs: map[string]int{}}
		f, env := startHostileFleet(t, simulator.Fleet{Projects: 20, Orgs: 2}, func(r *http.Request, a *answer) bool {
			if strings.EqualFold(hostOnly(r.Host), "dev.azure.com") && r.Header.Get("Authorization") != "" {
				org, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
				s.mu.Lock()
				s.orgs[strings.ToLower(org)]++
				s.mu.Unlock()
			}
			if pathIs(simulator.SonarHost, "/api/alm_settings/list_definitions")(r) || pathIs(simulator.SonarHost, "/api/v2/dop-translation/dop-settings")(r) {
				// The second organization's record now names the attacker's.
				a.body = []byte(strings.ReplaceAll(string(a.body), "https://dev.azure.com/"+simulator.FleetOrg(1), "https://dev.azure.com/attacker-org"))
				a.header.Del("Content-Length")
				return true
			}
			return false
		})
		_ = f
		delete(env, "SONAR_PREFLIGHT_ORGANIZATIONS")
		return s, env
	}
	org0 := "https://dev.azure.com/" + simulator.FleetOrg(0)
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		want      []string // organizations that get the PAT
		noteWords string   // the report's note, when some are left out
	}{
		{name: "nothing named", want: nil, noteWords: "--trust-record-organizations"},
		{name: "one named with --organizations", args: []string{"--organizations", org0}, want: []string{simulator.FleetOrg(0)}, noteWords: "attacker-org"},
		{name: "the pipeline's organization", env: map[string]string{"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": org0 + "/"}, want: []string{simulator.FleetOrg(0)}, noteWords: "attacker-org"},
		{name: "the organization setting", env: map[string]string{"AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION": org0}, want: []string{simulator.FleetOrg(0)}, noteWords: "attacker-org"},
		{name: "the records trusted", args: []string{"--trust-record-organizations"}, want: []string{simulator.FleetOrg(0), "attacker-org"}},
		{name: "the records trusted by variable", env: map[string]string{"SONAR_PREFLIGHT_TRUST_RECORD_ORGANIZATIONS": "true"}, want: []string{simulator.FleetOrg(0), "attacker-org"}},
		{name: "the records trusted by task input", env: map[string]string{"INPUT_TRUSTRECORDORGANIZATIONS": "true"}, want: []string{simulator.FleetOrg(0), "attacker-org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, env := start(t)
			maps.Copy(env, tc.env)
			code, stdout, stderr := runAudit(t, env, append([]string{"--format", "json"}, tc.args...)...)
			if code == ExitUsage {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rep := parseAudit(t, stdout)
			s.mu.Lock()
			var got []string
			for org := range s.orgs {
				got = append(got, org)
			}
			s.mu.Unlock()
			sort.Strings(got)
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("the PAT went to %v, want %v", got, want)
			}
			notes := strings.Join(rep.Notes, "\n")
			if tc.noteWords != "" && !strings.Contains(notes, tc.noteWords) {
				t.Errorf("notes do not say %q:\n%s", tc.noteWords, notes)
			}
			if tc.noteWords == "" && strings.Contains(notes, "--trust-record-organizations") {
				t.Errorf("notes: %s", notes)
			}
			for _, p := range rep.Projects {
				for _, f := range p.Findings {
					if strings.Contains(f.Message, "attacker-org") && f.ID != audit.FindNotChecked && !slices.Contains(tc.want, "attacker-org") {
						t.Errorf("%s: %s %s", p.Key, f.ID, f.Message)
					}
				}
			}
		})
	}
}
