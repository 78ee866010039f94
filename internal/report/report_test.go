package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/preflight"
	"sonar-preflight/internal/secret"
)

func render(t *testing.T, format string, rep preflight.Report, meta Meta) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, format, rep, meta); err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return buf.String()
}

func result(id string, s preflight.Status, msg, remedy string) preflight.Result {
	return preflight.Result{ID: id, Title: "Title of " + id, Elapsed: 5 * time.Millisecond,
		Finding: preflight.Finding{Status: s, Message: msg, Remedy: remedy}}
}

func reportOf(results ...preflight.Result) preflight.Report {
	return preflight.Report{Verdict: preflight.Verdict(results), Results: results, Elapsed: 1500 * time.Millisecond}
}

// azpCommands parses every line of azp output the way the agent does.
func azpCommands(out string) []azp.Command {
	var cmds []azp.Command
	for _, l := range strings.Split(out, "\n") {
		if c, ok := azp.ParseCommand(l); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

func commandsNamed(cmds []azp.Command, name string) []azp.Command {
	var out []azp.Command
	for _, c := range cmds {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// tableRows returns the cells of each row of the first Markdown table,
// split at unescaped pipes.
func tableRows(t *testing.T, md string) [][]string {
	t.Helper()
	var rows [][]string
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "|") {
			if rows != nil {
				break
			}
			continue
		}
		var cells []string
		var cur strings.Builder
		for i := 0; i < len(l); i++ {
			switch {
			case l[i] == '\\' && i+1 < len(l):
				cur.WriteByte(l[i])
				cur.WriteByte(l[i+1])
				i++
			case l[i] == '|':
				cells = append(cells, strings.TrimSpace(cur.String()))
				cur.Reset()
			default:
				cur.WriteByte(l[i])
			}
		}
		if !strings.HasSuffix(l, "|") || cells[0] != "" {
			t.Fatalf("table row %q is not closed by pipes", l)
		}
		rows = append(rows, cells[1:])
	}
	return rows
}

func TestMixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		rep         preflight.Report
		failOn      string
		exit        int
		verdict     string
		result      string
		errors      int
		warnings    int
		textVerdict string
	}{
		{"all pass", reportOf(result("a", preflight.Pass, "ok", ""), result("b", preflight.Pass, "ok", "")),
			"error", 0, "pass", "Succeeded", 0, 0, "Verdict: PASS — 2 passed"},
		{"pass and skip", reportOf(result("a", preflight.Pass, "ok", ""), result("b", preflight.Skip, "Not run: optional.", "")),
			"error", 0, "pass", "Succeeded", 0, 0, "Verdict: PASS — 1 passed, 1 skipped"},
		{"warning tolerated", reportOf(result("a", preflight.Warn, "expires soon", "renew"), result("b", preflight.Pass, "ok", "")),
			"error", 0, "warn", "SucceededWithIssues", 0, 1, "Verdict: WARN — 1 warning, 1 passed"},
		{"warning fails on warning", reportOf(result("a", preflight.Warn, "expires soon", "renew")),
			"warning", 1, "warn", "Failed", 0, 1, "Verdict: WARN — 1 warning"},
		{"failure", reportOf(result("a", preflight.Fail, "rejected", "fix"), result("b", preflight.Warn, "w", "r"),
			result("c", preflight.Skip, "Not run: it needs a, which failed.", ""), result("d", preflight.Pass, "ok", "")),
			"error", 1, "fail", "Failed", 1, 1, "Verdict: FAIL — 1 failed, 1 warning, 1 passed, 1 skipped"},
		{"failure tolerated", reportOf(result("a", preflight.Fail, "rejected", "fix")),
			"error", 0, "fail", "SucceededWithIssues", 1, 0, "Verdict: FAIL — 1 failed"},
		{"no checks", reportOf(), "error", 0, "pass", "Succeeded", 0, 0, "Verdict: PASS — no checks ran"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			meta := Meta{Version: "1.0", Target: "https://sonar.example.com", ProjectKey: "k", FailOn: tt.failOn,
				ExitCode: tt.exit, SummaryDir: t.TempDir()}

			// json
			var j struct {
				Verdict  string `json:"verdict"`
				ExitCode int    `json:"exit_code"`
				Checks   []struct {
					ID, Status string
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(render(t, "json", tt.rep, meta)), &j); err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tt.verdict || j.ExitCode != tt.exit || len(j.Checks) != len(tt.rep.Results) {
				t.Errorf("json verdict %q exit %d checks %d; want %q %d %d", j.Verdict, j.ExitCode, len(j.Checks), tt.verdict, tt.exit, len(tt.rep.Results))
			}
			for i, c := range j.Checks {
				if c.ID != tt.rep.Results[i].ID || c.Status != tt.rep.Results[i].Status.String() {
					t.Errorf("json check %d = %v, want %s %s (catalog order)", i, c, tt.rep.Results[i].ID, tt.rep.Results[i].Status)
				}
			}

			// azp
			cmds := azpCommands(render(t, "azp", tt.rep, meta))
			var errs, warns int
			for _, c := range commandsNamed(cmds, "task.issue") {
				switch typ, _ := c.Property("type"); typ {
				case "error":
					errs++
				case "warning":
					warns++
				}
			}
			if errs != tt.errors || warns != tt.warnings {
				t.Errorf("azp issues: %d errors, %d warnings; want %d, %d", errs, warns, tt.errors, tt.warnings)
			}
			if len(cmds) == 0 || cmds[len(cmds)-1].Name != "task.complete" {
				t.Fatalf("azp output does not end with task.complete: %v", cmds)
			}
			if got, _ := cmds[len(cmds)-1].Property("result"); got != tt.result {
				t.Errorf("task.complete result = %q, want %q", got, tt.result)
			}
			vars := commandsNamed(cmds, "task.setvariable")
			if len(vars) != 1 || vars[0].Data != tt.verdict {
				t.Fatalf("setvariable = %v, want one with data %q", vars, tt.verdict)
			}
			if name, _ := vars[0].Property("variable"); name != "verdict" {
				t.Errorf("variable name = %q", name)
			}
			if out, _ := vars[0].Property("isOutput"); out != "true" {
				t.Errorf("verdict is not an output variable: %v", vars[0])
			}

			// markdown
			rows := tableRows(t, Markdown(tt.rep, meta))
			if len(tt.rep.Results) == 0 {
				if rows != nil {
					t.Errorf("table for no checks: %v", rows)
				}
			} else if len(rows) != len(tt.rep.Results)+2 {
				t.Errorf("table has %d rows, want header, rule and %d checks", len(rows), len(tt.rep.Results))
			}

			// text
			txt := render(t, "text", tt.rep, meta)
			i := strings.LastIndex(txt, "\nVerdict: ")
			if i < 0 {
				t.Fatalf("no closing verdict line:\n%s", txt)
			}
			if closing := strings.Join(strings.Fields(txt[i:]), " "); !strings.HasPrefix(closing, tt.textVerdict) {
				t.Errorf("closing line %q, want prefix %q", closing, tt.textVerdict)
			}
		})
	}
}

func TestJSONContract(t *testing.T) {
	t.Parallel()
	rep := sample()
	rep.Results[0].Remedy = "must not show on a pass"
	out := render(t, "json", rep, sampleMeta())
	if !strings.HasSuffix(out, "}\n") || !strings.Contains(out, "\n  \"checks\": [") {
		t.Errorf("json is not pretty-printed and newline-terminated: %q", out[len(out)-10:])
	}
	// Key order of the first check: the first six are fixed.
	dec := json.NewDecoder(strings.NewReader(out))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
			if depth == 2 && len(keys) > 0 {
				break // end of the first check
			}
			continue
		}
		if s, ok := tok.(string); ok && depth == 3 && dec.More() {
			keys = append(keys, s)
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"id", "title", "status", "message", "remedy", "elapsed_ms", "notes", "evidence"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("check keys = %v, want %v", keys, want)
	}

	var got struct {
		Verdict    string `json:"verdict"`
		ElapsedMS  int64  `json:"elapsed_ms"`
		Version    string `json:"version"`
		Target     string `json:"target"`
		ProjectKey string `json:"project_key"`
		ExitCode   int    `json:"exit_code"`
		Checks     []struct {
			ID        string               `json:"id"`
			Status    string               `json:"status"`
			Message   string               `json:"message"`
			Remedy    string               `json:"remedy"`
			ElapsedMS int64                `json:"elapsed_ms"`
			Notes     []string             `json:"notes"`
			Evidence  []preflight.Evidence `json:"evidence"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	m := sampleMeta()
	if got.Verdict != "fail" || got.ElapsedMS != 2340 || got.Version != m.Version || got.Target != m.Target ||
		got.ProjectKey != m.ProjectKey || got.ExitCode != 1 {
		t.Errorf("top level = %+v", got)
	}
	if got.Checks[0].Remedy != "" {
		t.Errorf("pass check has remedy %q", got.Checks[0].Remedy)
	}
	tok := got.Checks[1]
	// The texts are the cleaned values every format shows: line breaks as
	// LF, command prefixes broken, the rest exact.
	wantMsg := strings.ReplaceAll(rep.Results[1].Message, "\r\n", "\n")
	wantNotes := []string{rep.Results[1].Notes[0], "# #vso[task.complete result=Succeeded;]sneaky"}
	if tok.Status != "fail" || tok.Message != wantMsg || tok.Remedy != rep.Results[1].Remedy ||
		tok.ElapsedMS != 80 || !reflect.DeepEqual(tok.Notes, wantNotes) || !reflect.DeepEqual(tok.Evidence, rep.Results[1].Evidence) {
		t.Errorf("failing check did not survive: %+v", tok)
	}
	if got.Checks[2].Notes == nil || got.Checks[2].Evidence == nil {
		t.Errorf("empty notes/evidence should be [] not null")
	}
}

// Messages full of characters that each format treats specially come out
// intact where the format can carry them.
func TestSpecialCharactersSurvive(t *testing.T) {
	t.Parallel()
	msg := "100% of ;calls] fail|here\r\nsecond %AZP25 line ##vso[task.complete result=Succeeded;]x é"
	remedy := "Do this; then ]that[ | 50%\nnext line"
	rep := reportOf(result("sonar.token", preflight.Fail, msg, remedy), result("sonar.server", preflight.Pass, msg, ""))
	meta := Meta{Version: "1.0", FailOn: "error", ExitCode: 1, SummaryDir: t.TempDir()}

	// json: exact but for the line break (LF) and the broken command prefix.
	cleanMsg := strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "##vso", "# #vso")
	var j struct {
		Checks []struct{ Message, Remedy string }
	}
	if err := json.Unmarshal([]byte(render(t, "json", rep, meta)), &j); err != nil {
		t.Fatal(err)
	}
	if j.Checks[0].Message != cleanMsg || j.Checks[0].Remedy != remedy {
		t.Errorf("json changed the texts: %q %q", j.Checks[0].Message, j.Checks[0].Remedy)
	}

	// azp: the issue carries the exact texts, and nothing but our own commands parse.
	out := render(t, "azp", rep, meta)
	cmds := azpCommands(out)
	issues := commandsNamed(cmds, "task.issue")
	if len(issues) != 1 || issues[0].Data != "sonar.token: "+cleanMsg+" "+remedy {
		t.Errorf("issue = %#v", issues)
	}
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	want := []string{"task.issue", "task.uploadsummary", "task.setvariable", "task.complete"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("commands the agent would run: %v, want %v", names, want)
	}
	if got := cmds[len(cmds)-1]; got.Props[0].Value != "Failed" {
		t.Errorf("an injected task.complete won: %v", got)
	}
	// Every line of the message and remedy is in the log as text.
	for _, l := range append(strings.Split(strings.ReplaceAll(msg, "##vso", "# #vso"), "\r\n"), strings.Split(remedy, "\n")...) {
		if !strings.Contains(out, l) {
			t.Errorf("azp log lacks %q", l)
		}
	}

	// markdown: the table keeps three cells per row.
	for _, row := range tableRows(t, Markdown(rep, meta)) {
		if len(row) != 3 {
			t.Errorf("row has %d cells: %q", len(row), row)
		}
	}

	// No format prints a line the agent would run.
	for _, f := range []string{"text", "json", "markdown"} {
		if cmds := azpCommands(render(t, f, rep, meta)); len(cmds) != 0 {
			t.Errorf("%s output holds commands: %v", f, cmds)
		}
	}
}

func TestScrubCoversEveryOutput(t *testing.T) {
	t.Parallel()
	const tok = "squ_0123456789abcdef0123456789abcdef01234567"
	reg := &secret.Registry{}
	reg.Add(tok)
	forms := secret.Forms(tok)
	plant := func(i int) string { return "<" + forms[i%len(forms)] + ">" }
	// Secrets can only come in through untrusted texts: ids and titles are
	// the catalog's constants and are never redacted (see
	// TestRedactionLeavesProtocol).
	rep := reportOf(
		preflight.Result{ID: "sonar.token", Title: "SonarQube token", Finding: preflight.Finding{
			Status: preflight.Fail, Message: "message " + plant(2), Remedy: "remedy " + plant(3),
			Notes:    []string{"note " + plant(4)},
			Evidence: []preflight.Evidence{{Request: "GET https://x/?t=" + plant(5), Status: 401, Message: "server " + plant(6), ActivityID: plant(7)}},
		}},
		preflight.Result{ID: "w", Title: "w", Finding: preflight.Finding{Status: preflight.Warn, Message: plant(8), Remedy: plant(9), Notes: []string{plant(10)}}},
	)
	dir := t.TempDir()
	meta := Meta{Version: "1.0", Target: "https://" + plant(12), ProjectKey: plant(13), FailOn: "error", ExitCode: 1,
		SummaryDir: dir, Color: true, Scrub: reg.Redact}
	outputs := map[string]string{"Markdown()": Markdown(rep, meta)}
	for _, f := range Formats() {
		outputs[f] = render(t, f, rep, meta)
	}
	outputs["summary file"] = readSummary(t, dir)
	for name, out := range outputs {
		for _, f := range forms {
			if strings.Contains(out, f) {
				t.Errorf("%s reveals a form of the secret: %q", name, f)
			}
		}
		if !strings.Contains(out, secret.Mask) {
			t.Errorf("%s shows no mask: the planted secret went missing rather than masked", name)
		}
	}
}

func TestSummaryUpload(t *testing.T) {
	t.Parallel()
	t.Run("written and uploaded", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "not", "yet", "there")
		meta := sampleMeta()
		meta.SummaryDir = dir
		cmds := azpCommands(render(t, "azp", sample(), meta))
		up := commandsNamed(cmds, "task.uploadsummary")
		if len(up) != 1 || filepath.Dir(up[0].Data) != dir || !strings.HasPrefix(filepath.Base(up[0].Data), SummaryFilePrefix) || !filepath.IsAbs(up[0].Data) {
			t.Fatalf("uploadsummary = %v, want one for a new file in %s", up, dir)
		}
		got, err := os.ReadFile(up[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != Markdown(sample(), meta) {
			t.Errorf("summary file differs from Markdown()")
		}
	})
	t.Run("no directory", func(t *testing.T) {
		t.Parallel()
		meta := sampleMeta()
		out := render(t, "azp", sample(), meta)
		if up := commandsNamed(azpCommands(out), "task.uploadsummary"); len(up) != 0 {
			t.Errorf("uploaded without a directory: %v", up)
		}
		if !strings.Contains(out, "The summary was not uploaded: no agent temp directory (AGENT_TEMPDIRECTORY)") {
			t.Errorf("no line says why the summary is missing:\n%s", out)
		}
	})
	t.Run("directory cannot be made", func(t *testing.T) {
		t.Parallel()
		blocker := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(blocker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		meta := sampleMeta()
		meta.SummaryDir = filepath.Join(blocker, "sub")
		out := render(t, "azp", sample(), meta)
		cmds := azpCommands(out)
		if up := commandsNamed(cmds, "task.uploadsummary"); len(up) != 0 {
			t.Errorf("uploaded a file that could not be written: %v", up)
		}
		if !strings.Contains(out, "The summary was not uploaded: ") {
			t.Errorf("no line says why the summary is missing")
		}
		if cmds[len(cmds)-1].Name != "task.complete" {
			t.Errorf("the run did not go on to task.complete")
		}
	})
}

func TestAzpLayout(t *testing.T) {
	t.Parallel()
	out := render(t, "azp", sample(), sampleMeta())
	var groups []string
	open := false
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "##[group]"):
			if open {
				t.Fatalf("group opened inside a group: %q", l)
			}
			open = true
			groups = append(groups, strings.TrimPrefix(l, "##[group]"))
		case l == "##[endgroup]":
			if !open {
				t.Fatalf("endgroup without group")
			}
			open = false
		case strings.HasPrefix(l, "##vso["):
			if open {
				t.Errorf("command inside a group: %q", l)
			}
		}
	}
	want := []string{"PASS sonar.server: SonarQube answers", "FAIL sonar.token: Token is accepted",
		"WARN azdo.pat: Stored PAT reaches Azure DevOps", "SKIP sonar.binding: Project is bound"}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("groups = %q, want %q", groups, want)
	}
	if !strings.Contains(out, "\n→ Create a new token") || !strings.Contains(out, "\nevidence: GET https://sonar.example.com/sonarqube/api/authentication/validate → 401") {
		t.Errorf("group lacks the remedy or evidence:\n%s", out)
	}
}

func TestTextLayout(t *testing.T) {
	t.Parallel()
	rep := sample()
	long := strings.Repeat("word ", 60) + "https://sonar.example.com/" + strings.Repeat("x", 120) + " end"
	rep.Results[2].Message = long
	for _, colour := range []bool{false, true} {
		meta := sampleMeta()
		meta.Color = colour
		out := render(t, "text", rep, meta)
		if strings.Contains(out, "\x1b[") != colour {
			t.Errorf("colour=%v but escape codes present=%v", colour, !colour)
		}
		plain := out
		for _, code := range []string{"\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m"} {
			plain = strings.ReplaceAll(plain, code, "")
		}
		for _, l := range strings.Split(strings.TrimSuffix(plain, "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > lineWidth {
				t.Errorf("line of %d columns: %q", n, l)
			}
		}
		// The long URL is broken across lines; joined again it is whole.
		joined := strings.Join(strings.Fields(plain), "")
		for _, w := range strings.Fields(long) {
			if !strings.Contains(joined, w) {
				t.Errorf("a word was lost: %q", w)
			}
		}
		// Remedy line breaks are kept, each on its own indented line.
		for _, want := range []string{"\n      → Create a new token", "\n          1. Prefer a project analysis token.\n", "\n          2. Re-run the pipeline.\n",
			"\n      note: The token's owner could not be read.\n", "\n      evidence: GET https://sonar.example.com/sonarqube/api/authentication/validate → 401\n"} {
			if !strings.Contains(plain, want) {
				t.Errorf("text lacks %q:\n%s", want, plain)
			}
		}
		// A passing check's notes say what it did not prove: they are shown.
		if !strings.Contains(plain, "note: Edition: developer.") {
			t.Errorf("notes of a passing check are hidden")
		}
		if !strings.HasPrefix(plain, "sonar-preflight 1.2.3 (abc1234) · SonarQube https://sonar.example.com/sonarqube · project my_project\n") {
			t.Errorf("header: %q", strings.SplitN(plain, "\n", 2)[0])
		}
		if !strings.Contains(strings.Join(strings.Fields(plain), " "), "exit code 1: the step fails because a check failed.") {
			t.Errorf("closing line lacks the exit code meaning:\n%s", plain)
		}
	}
}

func TestMarkdownSections(t *testing.T) {
	t.Parallel()
	md := Markdown(sample(), sampleMeta())
	var headings []string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "### ") {
			headings = append(headings, l)
		}
	}
	// Skipped checks are listed once, in the table, with their reason; only
	// failures and warnings get a section.
	want := []string{"### ❌ Fail: `sonar.token` Token is accepted", "### ⚠️ Warning: `azdo.pat` Stored PAT reaches Azure DevOps"}
	if !reflect.DeepEqual(headings, want) {
		t.Errorf("headings = %q, want %q", headings, want)
	}
	if n := strings.Count(md, "sonar.binding"); n != 1 {
		t.Errorf("the skipped check is named %d times", n)
	}
	if !strings.Contains(md, "| ⏭️ Skipped | Project is bound<br>`sonar.binding` | Not run: it needs sonar.token, which failed. |") {
		t.Errorf("no table row for the skipped check:\n%s", md)
	}
	// The evidence holds ``` so its fence must be longer.
	if !strings.Contains(md, "\n````text\nGET https://sonar.example.com/sonarqube/api/authentication/validate → 401 \"Unauthorized ``` | <b>\" (activity id a1b2)\n````\n") {
		t.Errorf("evidence block wrong:\n%s", md)
	}
	if strings.Contains(md, "<b>\" (") && !strings.Contains(md, "````") {
		t.Errorf("raw HTML outside code")
	}
	if !strings.Contains(md, "**Verdict: ❌ FAIL**") {
		t.Errorf("no verdict line")
	}
}

func TestUnknownFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := Render(&buf, "xml", sample(), sampleMeta())
	if !errors.Is(err, ErrUnknownFormat) || buf.Len() != 0 {
		t.Errorf("Render(xml) = %v, wrote %d bytes", err, buf.Len())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestWriteErrorsReturned(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		if err := Render(failingWriter{}, f, sample(), sampleMeta()); err == nil {
			t.Errorf("%s: no error from a failing writer", f)
		}
	}
}

// readSummary returns the one summary file a run wrote in dir.
func readSummary(t *testing.T, dir string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, SummaryFilePrefix+"*.md"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("summary files in %s: %v %v", dir, matches, err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A skipped check is listed once, in the table; when it says how to enable
// it, that is in its row.
func TestMarkdownSkippedOnce(t *testing.T) {
	t.Parallel()
	rep := reportOf(result("a.one", preflight.Skip, "Not run: it needs x, which failed.", ""),
		result("a.two", preflight.Skip, "No PAT given.", "Give the PAT in azureDevOpsPat."),
		result("a.three", preflight.Fail, "broken", "fix it"))
	md := Markdown(rep, Meta{FailOn: "error", ExitCode: 1})
	for _, id := range []string{"a.one", "a.two"} {
		if n := strings.Count(md, "`"+id+"`"); n != 1 {
			t.Errorf("%s is named %d times:\n%s", id, n, md)
		}
	}
	if !strings.Contains(md, "| No PAT given.<br>→ Give the PAT in azureDevOpsPat. |") {
		t.Errorf("the skipped check's remedy is not in its row:\n%s", md)
	}
	if strings.Count(md, "### ") != 1 {
		t.Errorf("want one section (the failure):\n%s", md)
	}
}
