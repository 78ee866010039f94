package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"sonar-preflight/internal/simulator"
)

// The hostile server: the simulator, with every answer passing through a
// layer that puts attack payloads into the fields the program prints. The
// layer is the simulator's own Intercept, which fetches the simulator's real
// answer (a second request to the same server, marked so that it passes)
// and edits it, so the answers keep the shape of the real services'.
//
// Each payload carries a marker naming its field and payload
// ("pwnF03P07"), so that whatever reaches an output is traced back to
// where it entered.

// hostilePayload is one attack. header is false when it cannot travel in
// an HTTP header (Go's client refuses control characters there).
type hostilePayload struct {
	code, name string
	text       func(m string) string
	header     bool
}

// invalidByte stands for a byte that is not UTF-8: JSON encoders cannot
// write one, so the rewriting layer puts it in after encoding.
const invalidByte = "\uE000"

func hostilePayloads() []hostilePayload {
	return []hostilePayload{
		{"P01", `\n##vso[`, func(m string) string { return "\n##vso[task.setvariable variable=" + m + "]1" }, false},
		{"P02", `\r##vso[`, func(m string) string { return "\r##vso[task.setvariable variable=" + m + "]1" }, false},
		{"P03", `\r\n##vso[task.complete`, func(m string) string { return "\r\n##vso[task.complete result=Succeeded;]" + m }, false},
		{"P04", `%0A##vso[`, func(m string) string { return " x%0A##vso[task.setvariable variable=" + m + "]1" }, true},
		{"P05", `U+2028 ##vso[`, func(m string) string { return "\u2028##vso[task.setvariable variable=" + m + "]1" }, true},
		{"P06", `U+0085 ##vso[`, func(m string) string { return "\u0085##vso[task.setvariable variable=" + m + "]1" }, true},
		{"P07", `#U+00AD#vso[ (soft hyphen)`, func(m string) string { return " #\u00AD#vso[task.setvariable variable=" + m + "]1" }, true},
		{"P08", `#U+200B#vso[ (zero width)`, func(m string) string { return " #\u200B#vso[task.setvariable variable=" + m + "]1" }, true},
		{"P09", `#U+202E#vso[ (bidi)`, func(m string) string { return " #\u202E#vso[task.setvariable variable=" + m + "]1" }, true},
		{"P10", `\n##[error] (formatting)`, func(m string) string { return "\n##[error]" + m }, false},
		{"P11", `ANSI CSI`, func(m string) string { return "\x1b[2J\x1b[31m" + m }, false},
		{"P12", `OSC title, OSC 8 link, BEL`, func(m string) string {
			return "\x1b]0;" + m + "\x07\x1b]8;;https://attacker.example/" + m + "\x1b\\click\x1b]8;;\x1b\\"
		}, false},
		{"P13", `C1 CSI (U+009B)`, func(m string) string { return "\u009b31m" + m }, true},
		{"P14", `NUL`, func(m string) string { return "\x00" + m + "##vso[task.setvariable variable=" + m + "]1" }, false},
		{"P15", `Markdown/HTML structure`, func(m string) string {
			return "\n# " + m + "\n\n- " + m + "\n" + m + "\n---\n<img src=x alt=" + m + "> [" + m + "](https://attacker.example/)"
		}, false},
		{"P16", `invalid UTF-8`, func(m string) string {
			return invalidByte + m + "##vso[task.setvariable variable=" + m + "]1" + invalidByte
		}, true},
	}
}

// hostileField is a server-controlled value the program prints.
type hostileField struct {
	code, name string
	// match selects the requests whose answer carries the field.
	match func(r *http.Request) bool
	// rewrite puts inj into the answer.
	rewrite func(a *answer, r *http.Request, inj string)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func pathIs(host, suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		h := strings.ToLower(hostOnly(r.Host))
		return (host == "" || h == host || strings.HasSuffix(h, "."+host)) && strings.HasSuffix(r.URL.Path, suffix)
	}
}

// editJSON applies set to every string at path (keys, "*" for each element
// of an array).
func editJSON(a *answer, set func(old string) string, paths ...string) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return
	}
	for _, p := range paths {
		doc = walkSet(doc, strings.Split(p, "."), set)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return
	}
	a.body = bytes.ReplaceAll(b, []byte(invalidByte), []byte{0xff})
}

func walkSet(v any, path []string, set func(string) string) any {
	if len(path) == 0 {
		if s, ok := v.(string); ok {
			return set(s)
		}
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		if c, ok := x[path[0]]; ok {
			x[path[0]] = walkSet(c, path[1:], set)
		}
	case []any:
		if path[0] == "*" {
			for i := range x {
				x[i] = walkSet(x[i], path[1:], set)
			}
		}
	}
	return v
}

func appendTo(inj string) func(string) string { return func(old string) string { return old + inj } }

func jsonAnswer(status int, v any) answer {
	b, _ := json.Marshal(v)
	b = bytes.ReplaceAll(b, []byte(invalidByte), []byte{0xff})
	return answer{status: status, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: b}
}

func rawAnswer(status int, ctype, body string) answer {
	return answer{status: status, header: http.Header{"Content-Type": {ctype}}, body: []byte(strings.ReplaceAll(body, invalidByte, "\xff"))}
}

// headerSafe keeps what an HTTP header can carry.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ReplaceAll(s, invalidByte, "\xff"))
}

// Fields whose healthy answers carry the payload.
func hostileSuccessFields() []hostileField {
	return []hostileField{
		{"F01", "SonarQube user login (api/users/current)", pathIs("", "/api/users/current"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "login", "name") }},
		{"F02", "SonarQube server base URL setting", pathIs("", "/api/settings/values"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "settings.*.value") }},
		{"F03", "DevOps record key (list_definitions, list, get_binding)", func(r *http.Request) bool {
			return pathIs("", "/api/alm_settings/list_definitions")(r) || pathIs("", "/api/alm_settings/list")(r) || pathIs("", "/api/alm_settings/get_binding")(r)
		}, func(a *answer, _ *http.Request, inj string) {
			editJSON(a, appendTo(inj), "azure.*.key", "github.*.key", "almSettings.*.key", "key")
		}},
		{"F04", "DevOps record URL", func(r *http.Request) bool {
			return pathIs("", "/api/alm_settings/list_definitions")(r) || pathIs("", "/api/alm_settings/get_binding")(r)
		}, func(a *answer, _ *http.Request, inj string) {
			editJSON(a, appendTo(inj), "azure.*.url", "github.*.url", "url")
		}},
		{"F05", "binding repository", pathIs("", "/api/alm_settings/get_binding"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "repository") }},
		{"F06", "binding Azure project (slug)", pathIs("", "/api/alm_settings/get_binding"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "slug") }},
		{"A01", "Azure DevOps user display name (connectionData)", pathIs("", "/_apis/connectionData"),
			func(a *answer, r *http.Request, inj string) {
				if hostOnly(r.Host) != "app.vssps.visualstudio.com" {
					editJSON(a, appendTo(inj), "authenticatedUser.providerDisplayName")
				}
			}},
		{"A02", "Azure DevOps user account", pathIs("", "/_apis/connectionData"),
			func(a *answer, r *http.Request, inj string) {
				if hostOnly(r.Host) != "app.vssps.visualstudio.com" {
					editJSON(a, appendTo(inj), "authenticatedUser.properties.Account.$value")
				}
			}},
		{"A03", "Azure DevOps repository and project name", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/_apis/git/repositories/") },
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "name", "project.name") }},
		{"A04", "Azure DevOps access level name (userentitlements)", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/_apis/userentitlements/") },
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "accessLevel.licenseDisplayName", "accessLevel.status")
			}},
		{"G01", "GitHub repository full name", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/repos/") },
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "full_name") }},
	}
}

// Fields that come with failures: error bodies, page titles, headers.
func hostileErrorFields() []hostileField {
	return []hostileField{
		{"E01", "SonarQube error message (validate 400)", pathIs("", "/api/alm_settings/validate"),
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(400, map[string]any{"errors": []map[string]string{{"msg": "Invalid Azure URL" + inj}}})
			}},
		{"E02", "SonarQube HTML page title (settings 400 text/html)", pathIs("", "/api/settings/values"),
			func(a *answer, _ *http.Request, inj string) {
				*a = rawAnswer(400, "text/html", "<html><head><title>Gateway"+inj+"</title></head></html>")
			}},
		{"E03", "SonarQube redirect Location", pathIs("", "/api/alm_settings/list_definitions"),
			func(a *answer, _ *http.Request, inj string) {
				*a = answer{status: 302, header: http.Header{"Location": {"https://attacker.example/" + headerSafe(inj)}}}
			}},
		{"E04", "Azure DevOps error message, typeKey and ActivityId", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/_apis/permissions/") },
			func(a *answer, _ *http.Request, inj string) {
				*a = jsonAnswer(401, map[string]any{"message": "TF400813:" + inj, "typeKey": "Unauthorized" + inj})
				a.header.Set("ActivityId", headerSafe(inj))
			}},
		{"E05", "Azure DevOps X-VSS-AuthenticateError header", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/_apis/userentitlements/") },
			func(a *answer, _ *http.Request, inj string) {
				*a = answer{status: 401, header: http.Header{"X-VSS-AuthenticateError": {headerSafe(inj)}}}
			}},
		{"E06", "Azure DevOps sign-in page title (203)", func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, "/_apis/connectionData") && hostOnly(r.Host) == "app.vssps.visualstudio.com"
		}, func(a *answer, _ *http.Request, inj string) {
			*a = rawAnswer(203, "text/html; charset=utf-8", "<html><head><title>Sign in"+inj+"</title></head></html>")
		}},
	}
}

// hostileRig runs the simulator with a rewriting layer in front of it.
type hostileRig struct {
	sim    *simulator.Servers
	env    map[string]string
	addr   map[string]string // host → simulator address
	client *http.Client
}

const passHeader = "X-Hostile-Pass"

func startHostile(t *testing.T, scenario string, rewrite func(r *http.Request, a *answer) bool) *hostileRig {
	t.Helper()
	sc, ok := simulator.Lookup(scenario)
	if !ok {
		t.Fatalf("no scenario %s", scenario)
	}
	rig := &hostileRig{addr: map[string]string{}}
	now := testClock(beforeRetirement)
	sim, err := simulator.Start(sc, simulator.Options{Dir: t.TempDir(), Now: now,
		Intercept: rig.intercept(rewrite)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	rig.sim = sim
	rig.reach(t, sim.Resolve, sim.CAFile)
	rig.env = sim.Env()
	rig.env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	return rig
}

// reach lets rig.client reach the simulator's hosts as the program does:
// through its resolve map and trusting its CA, following no redirect.
func (rig *hostileRig) reach(t *testing.T, resolve []string, caFile string) {
	t.Helper()
	for _, e := range resolve {
		parts := strings.SplitN(e, ":", 3)
		rig.addr[parts[0]] = parts[2]
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	rig.client = &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool},
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, _ := net.SplitHostPort(addr)
				var d net.Dialer
				return d.DialContext(ctx, network, rig.addr[strings.ToLower(host)])
			},
		},
	}
}

// intercept answers each request with the simulator's own answer as rewrite
// changed it; requests rewrite leaves alone, and the layer's own (passHeader),
// go to the simulator.
func (rig *hostileRig) intercept(rewrite func(r *http.Request, a *answer) bool) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get(passHeader) != "" {
			return false // the layer's own request: the simulator answers
		}
		a, ok := rig.real(r)
		if !ok || !rewrite(r, &a) {
			return false
		}
		for k, vs := range a.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
		return true
	}
}

// pickFields returns the fields of all with the given codes, in that order.
func pickFields(all map[string]hostileField, codes ...string) []hostileField {
	var out []hostileField
	for _, c := range codes {
		out = append(out, all[c])
	}
	return out
}

// real fetches the simulator's own answer to r.
func (rig *hostileRig) real(r *http.Request) (answer, bool) {
	u := "https://" + r.Host + r.URL.RequestURI()
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u, nil)
	if err != nil {
		return answer{}, false
	}
	req.Header = r.Header.Clone()
	req.Header.Set(passHeader, "1")
	resp, err := rig.client.Do(req)
	if err != nil {
		return answer{}, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header.Clone(), body: body}, true
}

// fieldsRewrite applies every field of fields whose request matches, each
// with its own payload text.
func fieldsRewrite(fields []hostileField, inj func(f hostileField) string) func(r *http.Request, a *answer) bool {
	return func(r *http.Request, a *answer) bool {
		hit := false
		for _, f := range fields {
			if f.match(r) {
				f.rewrite(a, r, inj(f))
				hit = true
			}
		}
		if hit {
			a.header.Del("Content-Length")
		}
		return hit
	}
}

func marker(field, payload string) string { return "pwn" + field + payload }

// allPayloads is every payload for field, one after the other.
func allPayloads(field string) string {
	var b strings.Builder
	for _, p := range hostilePayloads() {
		b.WriteString(p.text(marker(field, p.code)))
	}
	return b.String()
}

// hostileOutputs is what one run printed and wrote, by stream.
type hostileOutputs map[string]string

func runHostile(t *testing.T, rig *hostileRig, env map[string]string, format string, debug bool) hostileOutputs {
	t.Helper()
	args := []string{"--format", format, "--timeout", "20s"}
	if debug {
		args = append(args, "--debug")
	}
	e := map[string]string{}
	for k, v := range rig.env {
		e[k] = v
	}
	for k, v := range env {
		e[k] = v
	}
	dir := t.TempDir()
	e["AGENT_TEMPDIRECTORY"] = dir
	_, stdout, stderr := runApp(t, rig.sim.Now, e, args...)
	out := hostileOutputs{"stdout": stdout, "stderr": stderr}
	for name, text := range filesUnder(t, dir) {
		if strings.HasSuffix(name, ".md") {
			out["summary"] += text
		}
	}
	return out
}

// finding is one attack that worked: a payload's marker reached a stream
// in a harmful form.
type finding struct{ field, payload, stream, effect string }

var ownCommands = map[string]bool{"task.setsecret": true, "task.issue": true, "task.uploadsummary": true, "task.setvariable": true, "task.complete": true}

// agentFold is what the agent's culture-sensitive search for "##vso[" sees
// of a line: characters that collation ignores dropped (controls, format
// characters, default-ignorable code points, combining marks), compatibility
// forms folded. It drops more than ICU does, so it finds more.
func agentFold(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
			return -1
		}
		return r
	}, s)
}

// splitAgentLines splits output the way the agent reads it (CR, LF, CRLF).
func splitAgentLines(s string) []string {
	return strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n")
}

// firstMarker returns the field and payload of the first marker in s.
func firstMarker(s string, markers map[string][2]string) ([2]string, bool) {
	s = strings.ToLower(s) // some messages lower-case what they quote
	for i := 0; ; {
		j := strings.Index(s[i:], "pwn")
		if j < 0 {
			return [2]string{}, false
		}
		i += j
		if i+9 <= len(s) {
			if fp, ok := markers[s[i:i+9]]; ok {
				return fp, true
			}
		}
		i += 3
	}
}

// lastMarker is firstMarker from the end of s.
func lastMarker(s string, markers map[string][2]string) ([2]string, bool) {
	s = strings.ToLower(s)
	for i := len(s); i > 0; {
		j := strings.LastIndex(s[:i], "pwn")
		if j < 0 {
			return [2]string{}, false
		}
		if j+9 <= len(s) {
			if fp, ok := markers[s[j:j+9]]; ok {
				return fp, true
			}
		}
		i = j
	}
	return [2]string{}, false
}

// inspect finds every attack that worked in outs, each traced to the marker
// next to it. format is the run's format (azp stdout has the program's own
// commands at line starts).
func inspect(outs hostileOutputs, format string, markers map[string][2]string, parse func([]string) []map[string]any) []finding {
	var found []finding
	add := func(stream, near, effect string) {
		if fp, ok := firstMarker(near, markers); ok {
			found = append(found, finding{fp[0], fp[1], stream, effect})
		}
	}
	// command returns the command info and a little data from "##vso[" on.
	command := func(s string) string {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return s
		}
		return s[:min(len(s), end+12)]
	}
	for stream, out := range outs {
		agentReads := stream != "summary" // the summary file is rendered, not parsed for commands
		for i := 0; i < len(out); {
			r, n := utf8.DecodeRuneInString(out[i:])
			if r == utf8.RuneError && n == 1 {
				add(stream, out[i:min(len(out), i+40)], "invalid UTF-8 in output")
			}
			i += n
		}
		lines := splitAgentLines(out)
		var cmdLines []string
		for _, l := range lines {
			if i := strings.Index(l, "##vso["); i >= 0 && agentReads {
				cmdLines = append(cmdLines, l[i:])
			}
			// Every "##vso[" counts, not only the first the agent would
			// run: one payload must not hide another behind it.
			for _, at := range indexAll(l, "##vso[") {
				if agentReads && (at > 0 || format != "azp" || stream != "stdout") {
					add(stream, command(l[at:]), "##vso[ command in output")
				}
			}
			f := agentFold(l)
			plain := len(indexAll(l, "##vso["))
			if folded := indexAll(f, "##vso["); len(folded) > plain && agentReads {
				for _, at := range folded {
					add(stream, command(f[at:]), "##vso[ hidden by invisible characters")
				}
			}
			own := format == "azp" && stream == "stdout" && (strings.HasPrefix(l, "##[group]") || strings.HasPrefix(l, "##[endgroup]") || strings.HasPrefix(l, "##[section]"))
			if strings.HasPrefix(strings.TrimLeft(f, " "), "##[") && !own && agentReads {
				add(stream, l, "formatting command")
			}
			for _, c := range []string{"\x1b", "\u009b", "\x00", "\x07", "\u0085"} {
				for j := 0; ; {
					k := strings.Index(l[j:], c)
					if k < 0 {
						break
					}
					j += k + len(c)
					add(stream, l[j:min(len(l), j+24)], "control character in output")
				}
			}
		}
		if len(cmdLines) > 0 && parse != nil {
			for i, c := range parse(cmdLines) {
				name, _ := c["command"].(string)
				if e, _ := c["error"].(string); e != "" {
					continue
				}
				props, _ := c["properties"].(map[string]any)
				v, _ := props["variable"].(string)
				if !ownCommands[name] || format != "azp" || stream != "stdout" || name == "task.setvariable" && v != "verdict" {
					add(stream, command(cmdLines[i]), "command executed: "+name)
				}
			}
		}
		if stream == "summary" || format == "markdown" && stream == "stdout" {
			for _, l := range markdownStructure(out) {
				fp, ok := firstMarker(l, markers)
				if strings.HasPrefix(l, "\x00rule:") {
					fp, ok = lastMarker(l, markers)
				}
				if ok {
					found = append(found, finding{fp[0], fp[1], stream, "Markdown/HTML structure"})
				}
			}
		}
	}
	return found
}

func indexAll(s, sub string) []int {
	var out []int
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return out
		}
		out = append(out, i+j)
		i += j + len(sub)
	}
}

// markdownStructure returns the lines of md that server text turned into
// structure (headings, list items, raw HTML, links), and for a rule the
// line above it (which it turns into a heading). Lines inside the
// program's own code fences are text.
func markdownStructure(md string) []string {
	var out []string
	lines := strings.Split(md, "\n")
	inFence := false
	for i, l := range lines {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		t := strings.ToLower(strings.TrimLeft(l, " "))
		// Inside a code span raw HTML and links are text (CommonMark 6.1).
		inline := withoutCodeSpans(l)
		switch {
		case strings.HasPrefix(strings.TrimLeft(t, "#"), " pwn") && strings.HasPrefix(t, "#"),
			strings.HasPrefix(t, "- pwn"), strings.HasPrefix(t, "* pwn"), strings.HasPrefix(t, "+ pwn"),
			strings.Contains(inline, "<img"), unescapedAt(inline, "](https://attacker"), unescapedAt(inline, "[pwn"):
			out = append(out, l)
		case strings.HasPrefix(t, "---") && i > 0:
			out = append(out, "\x00rule:"+lines[i-1])
		}
	}
	return out
}

// withoutCodeSpans drops the code spans of a line: a run of n backticks
// (not escaped) opens one, the next run of exactly n closes it; an opener
// without its closer is literal text (CommonMark 6.1).
func withoutCodeSpans(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		if l[i] == '\\' && i+1 < len(l) {
			b.WriteString(l[i : i+2])
			i += 2
			continue
		}
		if l[i] != '`' {
			b.WriteByte(l[i])
			i++
			continue
		}
		n := 0
		for i+n < len(l) && l[i+n] == '`' {
			n++
		}
		end := -1
		for j := i + n; j < len(l); {
			if l[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(l) && l[j+m] == '`' {
				m++
			}
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			b.WriteString(l[i : i+n])
			i += n
			continue
		}
		b.WriteString("<code>")
		i = end
	}
	return b.String()
}

// unescapedAt reports whether sub occurs in l without a backslash before it.
func unescapedAt(l, sub string) bool {
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

func taskLibParser(t *testing.T) func([]string) []map[string]any {
	modules, _ := filepath.Abs(filepath.Join("..", "..", "tools", "node_modules"))
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(modules + "/azure-pipelines-task-lib/taskcommand.js"); serr != nil || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node or tools/node_modules missing; CI must run scripts/setup-node.sh first")
		}
		t.Skip("run scripts/setup-node.sh to parse with azure-pipelines-task-lib")
	}
	return func(lines []string) []map[string]any {
		var in bytes.Buffer
		for _, l := range lines {
			_ = json.NewEncoder(&in).Encode(map[string]string{"op": "parse", "line": l})
		}
		cmd := exec.CommandContext(t.Context(), node, filepath.Join("..", "azp", "testdata", "tasklib.js"), modules)
		cmd.Stdin = &in
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("node: %v", err)
			return nil
		}
		var res []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil {
				res = append(res, m)
			}
		}
		return res
	}
}

// hostileRun is one configuration of the matrix.
type hostileRun struct {
	name     string
	scenario string
	env      map[string]string
	fields   []hostileField
	inj      func(f hostileField) string
}

// TestHostileServer puts every payload into every server-controlled field
// the program prints, runs every format with and without --debug, and
// parses both streams (and the summary) for commands, formatting commands,
// terminal controls and Markdown structure that came from the server.
// -v prints the attack table.
func TestHostileServer(t *testing.T) {
	t.Parallel()
	parse := taskLibParser(t)
	all := func(f hostileField) string { return allPayloads(f.code) }
	success := hostileSuccessFields()
	var azureFields, githubFields []hostileField
	for _, f := range success {
		switch f.code[0] {
		case 'G':
			githubFields = append(githubFields, f)
		default:
			azureFields = append(azureFields, f)
		}
	}
	githubFields = append(githubFields, success[0], success[2], success[3], success[4]) // SonarQube's side of a GitHub pipeline
	errorFields := hostileErrorFields()
	runs := []hostileRun{
		{"azure fields", "azdo-healthy", nil, azureFields, all},
		{"github fields", "github-healthy", nil, githubFields, all},
		{"error answers", "azdo-healthy", nil, errorFields[:2], all},
		{"redirect", "azdo-healthy", nil, errorFields[2:3], all},
		{"azdo error answers", "azdo-healthy", nil, errorFields[3:], all},
	}
	markers := map[string][2]string{}
	fieldNames := map[string]string{}
	for _, r := range runs {
		for _, f := range r.fields {
			fieldNames[f.code] = f.name
			for _, p := range hostilePayloads() {
				markers[strings.ToLower(marker(f.code, p.code))] = [2]string{f.code, p.code}
			}
		}
	}

	var mu sync.Mutex
	var found []finding
	for _, run := range runs {
		for _, format := range []string{"azp", "text", "json", "markdown"} {
			for _, debug := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/debug=%v", run.name, format, debug)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					rig := startHostile(t, run.scenario, fieldsRewrite(run.fields, run.inj))
					env := map[string]string{"TF_BUILD": "True"}
					outs := runHostile(t, rig, env, format, debug)
					stream := func(s string) string {
						if s == "stderr" && !debug {
							return "stderr"
						}
						if s == "stderr" {
							return "stderr (--debug)"
						}
						if s == "summary" {
							return "summary file"
						}
						return "stdout " + format
					}
					got := inspect(outs, format, markers, parse)
					for i := range got {
						got[i].stream = stream(got[i].stream)
					}
					for _, f := range got {
						t.Errorf("%s %s → %s: %s", f.field, f.payload, f.stream, f.effect)
					}
					mu.Lock()
					found = append(found, got...)
					mu.Unlock()
				})
			}
		}
	}
	t.Cleanup(func() {
		// The attack table: per payload and stream, the fields through which
		// it worked.
		type key struct{ payload, stream, effect string }
		agg := map[key]map[string]bool{}
		for _, f := range found {
			k := key{f.payload, f.stream, f.effect}
			if agg[k] == nil {
				agg[k] = map[string]bool{}
			}
			agg[k][f.field] = true
		}
		var keys []key
		for k := range agg {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			if a.payload != b.payload {
				return a.payload < b.payload
			}
			if a.stream != b.stream {
				return a.stream < b.stream
			}
			return a.effect < b.effect
		})
		var b strings.Builder
		fmt.Fprintf(&b, "\nattacks that worked: %d (payload × field × stream × format × debug)\n", len(found))
		names := map[string]string{}
		for _, p := range hostilePayloads() {
			names[p.code] = p.name
		}
		for _, k := range keys {
			var fs []string
			for f := range agg[k] {
				fs = append(fs, f)
			}
			sort.Strings(fs)
			fmt.Fprintf(&b, "%s %-30s | %-22s | %-45s | %s\n", k.payload, names[k.payload], k.stream, k.effect, strings.Join(fs, " "))
		}
		var codes []string
		for c := range fieldNames {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			fmt.Fprintf(&b, "  %s = %s\n", c, fieldNames[c])
		}
		t.Log(b.String())
	})
}

// TestHostileSizes sends 1 MB strings in two fields that reach many
// messages (the record key is in three answers and five checks' texts; the
// user's display name) and measures what reaches each output.
func TestHostileSizes(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("B", 1<<20)
	fields := hostileSuccessFields()
	var use []hostileField
	for _, f := range fields {
		switch f.code {
		case "F03", "A01":
			use = append(use, f)
		}
	}
	var mu sync.Mutex
	sizes := map[string]int{}
	for _, format := range []string{"azp", "text", "json", "markdown"} {
		for _, debug := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/debug=%v", format, debug), func(t *testing.T) {
				t.Parallel()
				rig := startHostile(t, "azdo-healthy", fieldsRewrite(use, func(f hostileField) string { return big }))
				outs := runHostile(t, rig, map[string]string{"TF_BUILD": "True"}, format, debug)
				total := 0
				for _, o := range outs {
					total += len(o)
				}
				mu.Lock()
				sizes[fmt.Sprintf("%s debug=%v", format, debug)] = total
				for s, o := range outs {
					sizes[fmt.Sprintf("%s debug=%v %s", format, debug, s)] = len(o)
				}
				mu.Unlock()
				if total > 256<<10 {
					t.Errorf("1 MiB server strings became %d bytes of output", total)
				}
			})
		}
	}
	t.Cleanup(func() {
		var keys []string
		for k := range sizes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("\noutput bytes with 1 MiB server strings in the record key and the user's display name:\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %-32s %10d\n", k, sizes[k])
		}
		t.Log(b.String())
	})
}

// TestHostileAuthorizationEcho makes servers echo the Authorization header
// they received, after filler that puts the cut inside the credential, and
// looks for any run of 12 characters of a credential's forms in any output.
func TestHostileAuthorizationEcho(t *testing.T) {
	t.Parallel()
	fields := []hostileField{
		{"X01", "SonarQube text/plain error echoing Authorization", pathIs("", "/api/alm_settings/validate"),
			func(a *answer, r *http.Request, _ string) {
				*a = rawAnswer(400, "text/plain", "Authorization: "+r.Header.Get("Authorization")+" was refused")
			}},
		{"X02", "SonarQube JSON error echoing Authorization after 280 bytes", pathIs("", "/api/settings/values"),
			func(a *answer, r *http.Request, _ string) {
				*a = jsonAnswer(400, map[string]any{"errors": []map[string]string{{"msg": strings.Repeat("x", 280) + " Authorization: " + r.Header.Get("Authorization")}}})
			}},
		{"X03", "Azure DevOps sign-in page title echoing Authorization", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/_apis/permissions/") },
			func(a *answer, r *http.Request, _ string) {
				*a = rawAnswer(203, "text/html", "<html><title>Sign in "+r.Header.Get("Authorization")+"</title></html>")
			}},
		{"X04", "Azure DevOps JSON error echoing Authorization", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/_apis/userentitlements/") },
			func(a *answer, r *http.Request, _ string) {
				*a = jsonAnswer(401, map[string]any{"message": "Bearer and " + r.Header.Get("Authorization")})
			}},
	}
	for _, format := range []string{"azp", "text", "json", "markdown"} {
		for _, debug := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/debug=%v", format, debug), func(t *testing.T) {
				t.Parallel()
				rig := startHostile(t, "azdo-healthy", fieldsRewrite(fields, func(hostileField) string { return "" }))
				outs := runHostile(t, rig, map[string]string{"TF_BUILD": "True"}, format, debug)
				if format == "azp" {
					_, outs["stdout"] = splitSetSecrets(t, outs["stdout"])
				}
				for _, v := range []string{rig.sim.Token, rig.sim.PAT} {
					for _, form := range runForms(v) {
						for stream, o := range outs {
							if run := sharedRun(o, form, 12); run != "" {
								t.Errorf("%s holds %d characters of a credential form (%q…)", stream, len(run), run[:6])
							}
						}
					}
				}
			})
		}
	}
}

// runForms are the strings no 12 characters of which may be printed.
func runForms(v string) []string {
	return []string{v, b64(v + ":"), b64(":" + v), base64.RawStdEncoding.EncodeToString([]byte(v + ":"))}
}

// sharedRun returns the longest run of at least n bytes that s shares with
// form, or "".
func sharedRun(s, form string, n int) string { return runsIn(s, n)(form) }

// runsIn indexes every n-byte run of s once, for looking up many forms.
func runsIn(s string, n int) func(form string) string {
	grams := make(map[string][]int, len(s))
	for i := 0; i+n <= len(s); i++ {
		grams[s[i:i+n]] = append(grams[s[i:i+n]], i)
	}
	return func(form string) string {
		best := ""
		for i := 0; i+n <= len(form); i++ {
			for _, j := range grams[form[i:i+n]] {
				k := n
				for i+k < len(form) && j+k < len(s) && form[i+k] == s[j+k] {
					k++
				}
				if k > len(best) {
					best = form[i : i+k]
				}
			}
		}
		return best
	}
}

// TestHostileManyRecords: a server with 5000 configuration records yields a
// message that names the first few and counts the rest.
func TestHostileManyRecords(t *testing.T) {
	t.Parallel()
	many := hostileField{"M01", "5000 DevOps records", pathIs("", "/api/alm_settings/list_definitions"),
		func(a *answer, _ *http.Request, _ string) {
			var recs []map[string]string
			for i := range 5000 {
				recs = append(recs, map[string]string{"key": fmt.Sprintf("rec-%04d", i), "url": fmt.Sprintf("https://dev.azure.com/org%04d", i)})
			}
			*a = jsonAnswer(200, map[string]any{"azure": recs, "github": []any{}, "bitbucket": []any{}, "gitlab": []any{}, "bitbucketcloud": []any{}})
		}}
	rig := startHostile(t, "healthy", fieldsRewrite([]hostileField{many}, func(hostileField) string { return "" }))
	outs := runHostile(t, rig, map[string]string{"TF_BUILD": "True"}, "json", false)
	rep := parseReport(t, outs["stdout"])
	msg := rep.message("sonar.devops-config")
	if rep.status("sonar.devops-config") != "fail" || !strings.Contains(msg, "rec-0009 (https://dev.azure.com/org0009), … and 4990 more") || strings.Contains(msg, "rec-0010") {
		t.Errorf("sonar.devops-config = %s: %s", rep.status("sonar.devops-config"), msg)
	}
	if len(outs["stdout"]) > 64<<10 {
		t.Errorf("%d bytes of output for 5000 records", len(outs["stdout"]))
	}
}
