package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"sonar-preflight/internal/preflight"
	"sonar-preflight/internal/secret"
)

// payloads a server could put in any text it controls.
var payloads = []string{
	"\n##vso[task.setvariable variable=p1]1", "\r##vso[task.complete result=Succeeded]p2", "%0A##vso[task.setvariable variable=p3]1",
	"\u2028##vso[x.y]p4", "\u0085##[error]p5", "#\u00ad#vso[task.setvariable variable=p6]1", "#\u200b#vso[x.y]p7", "#\u202e#vso[x.y]p8",
	"\n##[section]p9", "\x1b[2J\x1b[31mp10", "\x1b]0;p11\x07", "\u009b31mp12", "\x00p13", "\xffp14\xc3",
	"\n# p15\n- p15\n---\n<img src=x alt=p15> [p15](https://attacker.example/)", "\n    p16 indented\n1. p16\n> p16\n```\np16",
}

func hostileReport() preflight.Report {
	all := "record " + strings.Join(payloads, " ")
	return reportOf(
		preflight.Result{ID: "sonar.binding", Title: "Project binding", Finding: preflight.Finding{Status: preflight.Fail,
			Message: "Project x is bound to record " + all, Remedy: "Fix " + all, Notes: []string{"note " + all},
			Evidence: []preflight.Evidence{{Request: "GET https://x/" + all, Status: 400, Message: all, ActivityID: all}}}},
		preflight.Result{ID: "azdo.pat", Title: "Azure DevOps PAT", Finding: preflight.Finding{Status: preflight.Pass,
			Message: "It belongs to " + all, Notes: []string{all}}},
		preflight.Result{ID: "github.repo", Title: "GitHub repository", Finding: preflight.Finding{Status: preflight.Skip, Message: all}},
	)
}

// agentFold is the line as a search that skips every ignorable character
// would see it.
func agentFold(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
			return -1
		}
		return r
	}, s)
}

// TestHostileTextEveryFormat renders server text holding every payload in
// every field, in every format, and looks for what the agent, a terminal or
// a Markdown renderer would act on.
func TestHostileTextEveryFormat(t *testing.T) {
	t.Parallel()
	for _, format := range Formats() {
		for _, colour := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/colour=%v", format, colour), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				meta := Meta{Version: "1.0", Target: "https://sonar" + payloads[0], ProjectKey: "k" + payloads[5], FailOn: "error",
					ExitCode: 1, SummaryDir: dir, Color: colour}
				outs := map[string]string{"stdout": render(t, format, hostileReport(), meta)}
				if format == "azp" {
					outs["summary"] = readSummary(t, dir)
				}
				for name, out := range outs {
					checkHostileOutput(t, name, format, colour, out)
				}
			})
		}
	}
}

func checkHostileOutput(t *testing.T, name, format string, colour bool, out string) {
	t.Helper()
	if !strings.ContainsRune(out, 'p') {
		t.Fatalf("%s: the payloads' text went missing", name)
	}
	own := map[string]bool{"task.issue": true, "task.uploadsummary": true, "task.setvariable": true, "task.complete": true}
	inFence := false
	for i, l := range strings.Split(out, "\n") {
		plain := l
		if colour {
			for _, c := range []string{ansiReset, ansiBold, "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m"} {
				plain = strings.ReplaceAll(plain, c, "")
			}
		}
		for _, r := range plain {
			if r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || unicode.Is(unicode.Cf, r)) {
				t.Errorf("%s line %d holds %U: %q", name, i+1, r, l)
			}
		}
		f := agentFold(plain)
		n := strings.Count(f, "##vso[")
		if format == "azp" && name == "stdout" && strings.HasPrefix(l, "##vso[") {
			c, _ := strings.CutPrefix(l, "##vso[")
			cmd, _, _ := strings.Cut(c, " ")
			cmd, _, _ = strings.Cut(cmd, "]")
			if !own[cmd] {
				t.Errorf("%s line %d: a command the program does not write: %q", name, i+1, l)
			}
			n--
		}
		if n > 0 {
			t.Errorf("%s line %d: %d logging commands in text: %q", name, i+1, n, l)
		}
		isOwnFormat := format == "azp" && name == "stdout" && (strings.HasPrefix(l, "##[group]") || l == "##[endgroup]" || strings.HasPrefix(l, "##[section]"))
		if strings.Contains(f, "##[") && !isOwnFormat || isOwnFormat && strings.Count(f, "##") != 1 {
			t.Errorf("%s line %d: a formatting command in text: %q", name, i+1, l)
		}
		if format == "markdown" || name == "summary" {
			// The program's own fences open and close code blocks, where
			// nothing is structure.
			if strings.HasPrefix(l, "```") {
				inFence = !inFence
				continue
			}
			if inFence {
				continue
			}
			trimmed := strings.TrimLeft(l, " ")
			for _, bad := range []string{"# p", "- p", "1. p", "> p", "```"} {
				if strings.HasPrefix(trimmed, bad) {
					t.Errorf("%s line %d: server text made Markdown structure (%q): %q", name, i+1, bad, l)
				}
			}
			unescaped := func(sub string) bool {
				for j := 0; ; {
					k := strings.Index(l[j:], sub)
					if k < 0 {
						return false
					}
					if j+k == 0 || l[j+k-1] != '\\' {
						return true
					}
					j += k + 1
				}
			}
			if unescaped("](") || strings.Contains(l, "<img") || unescaped("[p") {
				t.Errorf("%s line %d: server text made a link or tag: %q", name, i+1, l)
			}
			if strings.HasPrefix(trimmed, "---") || strings.HasPrefix(l, "    p16") {
				t.Errorf("%s line %d: server text made a rule or code block: %q", name, i+1, l)
			}
		}
	}
	if format == "json" && name == "stdout" {
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("json: %v", err)
		}
	}
}

// TestRedactionLeavesProtocol registers secrets that are common words of
// the program's own output: only untrusted text is masked, so the command
// names, properties, verdict and paths stay intact.
func TestRedactionLeavesProtocol(t *testing.T) {
	t.Parallel()
	reg := &secret.Registry{}
	reg.Add("pass", "task", "verdict", "error", "tmp", "sonar")
	dir := t.TempDir()
	rep := reportOf(result("sonar.token", preflight.Fail, "the server said pass and task", "use another task"),
		result("sonar.server", preflight.Pass, "ok", ""))
	meta := Meta{Version: "1.0", Target: "https://sonar.example.com", ProjectKey: "k", FailOn: "error", ExitCode: 1, SummaryDir: dir, Scrub: reg.Redact}
	out := render(t, "azp", rep, meta)
	cmds := azpCommands(out)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "task.issue task.uploadsummary task.setvariable task.complete" {
		t.Errorf("commands %q", got)
	}
	if v := commandsNamed(cmds, "task.setvariable"); len(v) != 1 || v[0].Data != "fail" || v[0].Props[0].Value != "verdict" {
		t.Errorf("verdict variable: %+v", v)
	}
	if c := commandsNamed(cmds, "task.complete"); len(c) != 1 || c[0].Props[0].Value != "Failed" {
		t.Errorf("task.complete: %+v", c)
	}
	up := commandsNamed(cmds, "task.uploadsummary")
	if len(up) != 1 || !strings.HasPrefix(up[0].Data, dir) {
		t.Errorf("uploadsummary %+v, want a path in %s", up, dir)
	} else if _, err := os.Stat(up[0].Data); err != nil {
		t.Errorf("the uploaded path does not exist: %v", err)
	}
	if i := commandsNamed(cmds, "task.issue"); len(i) != 1 || !strings.Contains(i[0].Data, "the server said *** and ***") || !strings.HasPrefix(i[0].Data, "sonar.token: ") {
		t.Errorf("issue %+v", i)
	}
	if !strings.Contains(out, "##[group]FAIL sonar.token: Title of sonar.token") {
		t.Errorf("group line changed:\n%s", out)
	}
}

// TestTextFitsWidth: every line of the text report fits 100 columns, with
// long unbroken words, wide characters and long ids.
func TestTextFitsWidth(t *testing.T) {
	t.Parallel()
	rep := reportOf(
		result("sonar.binding", preflight.Fail, "東京の記録"+strings.Repeat("の", 130)+" and "+strings.Repeat("x", 250),
			"1. "+strings.Repeat("https://dev.azure.com/"+strings.Repeat("o", 150), 2)+"\n  - "+strings.Repeat("word ", 50)),
		result("an.exceptionally-long.check-identifier.that-exceeds-the-column", preflight.Warn, strings.Repeat("é ", 120), strings.Repeat("y", 300)),
		result("azdo.pat", preflight.Pass, "ok", ""),
	)
	rep.Results[0].Evidence = []preflight.Evidence{{Request: "GET https://x/" + strings.Repeat("p", 200), Status: 401, Message: strings.Repeat("m", 180)}}
	meta := Meta{Version: "1.0", Target: "https://sonar.example.com/" + strings.Repeat("c", 140), ProjectKey: strings.Repeat("k", 120), FailOn: "error", ExitCode: 1}
	out := render(t, "text", rep, meta)
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := columns(l); n > lineWidth {
			t.Errorf("line %d has %d columns: %q", i+1, n, l)
		}
	}
	// Alignment: continuation lines of a message start under its first word.
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "FAIL  sonar.binding") {
			col := strings.Index(l, "東")
			if next := lines[i+1]; strings.TrimLeft(next, " ") == "" || len(next)-len(strings.TrimLeft(next, " ")) != col {
				t.Errorf("continuation not aligned at column %d: %q", col, next)
			}
		}
	}
}

// TestReportCaps: megabytes of server text yield a report of bounded size.
func TestReportCaps(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("B", 1<<20)
	words := strings.Repeat("word ", 200<<10)
	lines := strings.Repeat("line\n", 100<<10)
	var results []preflight.Result
	for i := 0; i < 8; i++ {
		r := result(fmt.Sprintf("check.%d", i), preflight.Fail, big+" "+words, lines)
		for j := 0; j < 40; j++ {
			r.Notes = append(r.Notes, big)
			r.Evidence = append(r.Evidence, preflight.Evidence{Request: big, Message: words, ActivityID: big})
		}
		results = append(results, r)
	}
	rep := reportOf(results...)
	for _, f := range Formats() {
		dir := t.TempDir()
		out := render(t, f, rep, Meta{Version: "1.0", Target: big, ProjectKey: big, FailOn: "error", ExitCode: 1, SummaryDir: dir})
		size := len(out)
		if f == "azp" {
			size += len(readSummary(t, dir))
		}
		if size > 600<<10 {
			t.Errorf("%s: %d bytes of output from %d MB of text", f, size, 8*(40*3+2))
		}
		if !strings.Contains(out, "bytes more)") {
			t.Errorf("%s: no note says what was cut", f)
		}
	}
}

// TestSummaryFilesUnique: 20 runs writing their summaries into one folder
// at once each get their own file, and a link planted at the old fixed name
// is not written through.
func TestSummaryFilesUnique(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(target, []byte("untouched"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "sonar-preflight-summary.md")); err != nil {
		t.Fatal(err)
	}
	const n = 20
	paths := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			md := Markdown(reportOf(result(fmt.Sprintf("run.%d", i), preflight.Pass, "ok", "")), Meta{Version: "1.0"})
			p, err := WriteSummary(dir, md)
			if err != nil {
				t.Error(err)
				return
			}
			paths[i] = p
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, p := range paths {
		if p == "" || seen[p] {
			t.Fatalf("run %d: path %q (duplicate or missing)", i, p)
		}
		seen[p] = true
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), fmt.Sprintf("`run.%d`", i)) {
			t.Errorf("run %d's file %s does not hold its own summary: %v", i, p, err)
		}
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s is not a regular file", p)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "untouched" {
		t.Errorf("the link's target was written: %q", b)
	}
	_ = time.Second
}
