package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The hostile-server matrix for what landed beside the sanitiser: the
// pull-request checks (SonarQube's branch names, Azure Repos policy names,
// GitHub rules and branch protection, the local checkout's refs and the
// pull request's variables), the edition (api/navigation/global,
// api/features/list), api/system/info, the proxy notes (AGENT_PROXYBYPASSLIST
// entries), the GitHub App installations and the job token's identity.
// Same payloads, same parsers, same verdict as TestHostileServer: no command
// the program did not emit, no control character, no Markdown structure.

// appendEverywhere appends inj to every string of a JSON answer, at any
// depth: what the program reads from it, whatever the field, carries a
// payload.
func appendEverywhere(a *answer, inj string) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return x + inj
		case map[string]any:
			for k, c := range x {
				x[k] = walk(c)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	doc = walk(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		return
	}
	a.body = bytes.ReplaceAll(b, []byte(invalidByte), []byte{0xff})
}

func hostilePRFields() map[string]hostileField {
	everywhere := func(a *answer, _ *http.Request, inj string) { appendEverywhere(a, inj) }
	fields := []hostileField{
		{"H01", "SonarQube branch names (api/project_branches/list)", pathIs("", "/api/project_branches/list"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "branches.*.name") }},
		{"H02", "edition and version (api/navigation/global)", pathIs("", "/api/navigation/global"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "edition", "version") }},
		{"H03", "feature names (api/features/list)", pathIs("", "/api/features/list"),
			func(a *answer, _ *http.Request, inj string) { editJSON(a, appendTo(inj), "*") }},
		{"H04", "every value of api/system/info", pathIs("", "/api/system/info"), everywhere},
		{"H05", "Azure Repos policy names (policy/configurations)", func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/_apis/git/policy/configurations") },
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "value.*.type.displayName", "value.*.settings.statusName", "value.*.settings.statusGenre", "value.*.settings.defaultDisplayName")
			}},
		{"H06", "GitHub rules (rules/branches)", func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/rules/branches/") },
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "*.ruleset_source", "*.parameters.required_status_checks.*.context")
			}},
		{"H07", "GitHub branch protection contexts", func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/protection") },
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "required_status_checks.contexts.*", "required_status_checks.checks.*.context")
			}},
		{"H08", "GitHub App installations (account, app slug)", func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/installations") },
			func(a *answer, _ *http.Request, inj string) {
				editJSON(a, appendTo(inj), "installations.*.account.login", "installations.*.app_slug", "installations.*.repository_selection")
			}},
		{"H09", "job token identity (connectionData)", pathIs("", "/_apis/connectionData"),
			func(a *answer, r *http.Request, inj string) {
				if hostOnly(r.Host) != "app.vssps.visualstudio.com" {
					editJSON(a, appendTo(inj), "authenticatedUser.providerDisplayName", "authenticatedUser.properties.Account.$value", "authenticatedUser.descriptor")
				}
			}},
	}
	out := map[string]hostileField{}
	for _, f := range fields {
		out[f.code] = f
	}
	return out
}

// hostileCheckout adds refs with payload names to the scenario's checkout:
// loose ref files named with a payload and packed-refs lines holding one,
// as a pull request's build steps could leave them.
func hostileCheckout(t *testing.T, sources, code string) {
	t.Helper()
	const id = "3f786850e387550fdab836ed7e6dc881de23001b"
	var packed strings.Builder
	for _, p := range hostilePayloads() {
		name := strings.NewReplacer("/", "_", "\x00", "").Replace(p.text(marker(code, p.code)))
		packed.WriteString(id + " refs/remotes/origin/" + p.text(marker(code, p.code)) + "\n")
		if len(name) > 200 {
			continue
		}
		path := filepath.Join(sources, ".git", "refs", "remotes", "origin", strings.ReplaceAll(name, invalidByte, "\xff"))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
			t.Logf("the file system refuses %q: %v", name, err)
		}
	}
	f, err := os.OpenFile(filepath.Join(sources, ".git", "packed-refs"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(strings.ReplaceAll(packed.String(), invalidByte, "\xff"))
	f.Close()
}

func TestHostilePullRequestAndPlatform(t *testing.T) {
	t.Parallel()
	parse := taskLibParser(t)
	all := hostilePRFields()
	fields := func(codes ...string) []hostileField { return pickFields(all, codes...) }
	env := func(code string, names ...string) map[string]string {
		m := map[string]string{}
		for _, n := range names {
			m[n] = "x" + allPayloads(code)
		}
		return m
	}
	bypass, _ := json.Marshal([]string{`^https://(?!(?:[a-z0-9-]+\.)*contoso\.example)`, `\.contoso\.example`, `dev\.azure\.com`, `visualstudio\.com`, allPayloads("H11")})
	runs := []struct {
		name, scenario string
		fields         []hostileField
		env            map[string]string
		checkout       string // field code of payload refs in the checkout
	}{
		{"branches, policies, edition, system info", "main-branch-renamed", fields("H01", "H02", "H03", "H04", "H05"), nil, ""},
		{"unanalysed target", "pr-target-unanalysed", fields("H01", "H05"), nil, ""},
		{"local checkout and pull-request variables", "shallow-pr-checkout", nil,
			env("H12", "SYSTEM_PULLREQUEST_SOURCEBRANCH", "SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI", "SYSTEM_PULLREQUEST_PULLREQUESTID"), "H10"},
		{"target branch not in the checkout", "pr-target-unanalysed", nil, nil, "H10"},
		{"GitHub branch protection", "github-no-required-check", fields("H06", "H07"), nil, ""},
		{"GitHub rulesets", "github-ruleset-gate", fields("H06"), nil, ""},
		{"GitHub App installations", "github-app-installed", fields("H08"), nil, ""},
		{"job token", "job-token", fields("H09"), nil, ""},
		{"community edition", "community-edition-pr", fields("H02", "H03", "H04"), nil, ""},
		{"proxy bypass list", "proxy-bypass-lookaround", nil, map[string]string{"AGENT_PROXYBYPASSLIST": string(bypass)}, ""},
	}
	markers := auditMarkers("H01", "H02", "H03", "H04", "H05", "H06", "H07", "H08", "H09", "H10", "H11", "H12")
	var mu sync.Mutex
	var found []finding
	// Every field must reach some output, or the matrix proves nothing
	// about it.
	reached := map[string]bool{}
	for _, run := range runs {
		for _, f := range run.fields {
			reached[f.code] = false
		}
		if run.checkout != "" {
			reached[run.checkout] = false
		}
		for _, v := range run.env {
			if i := strings.Index(v, "pwnH"); i >= 0 {
				reached[v[i+3:i+6]] = false
			}
		}
	}
	for _, run := range runs {
		for _, format := range []string{"azp", "text", "json", "markdown"} {
			for _, debug := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/debug=%v", run.name, format, debug), func(t *testing.T) {
					t.Parallel()
					rig := startHostile(t, run.scenario, fieldsRewrite(run.fields, func(f hostileField) string { return allPayloads(f.code) }))
					if run.checkout != "" {
						hostileCheckout(t, rig.env["BUILD_SOURCESDIRECTORY"], run.checkout)
					}
					e := map[string]string{"TF_BUILD": "True"}
					for k, v := range run.env {
						e[k] = v
					}
					outs := runHostile(t, rig, e, format, debug)
					mu.Lock()
					for _, o := range outs {
						for code := range reached {
							if strings.Contains(strings.ToLower(o), "pwn"+strings.ToLower(code)) {
								reached[code] = true
							}
						}
					}
					mu.Unlock()
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
	t.Cleanup(func() {
		logAttackTable(t, found)
		for code, ok := range reached {
			if !ok && !t.Failed() {
				t.Logf("field %s reached no output", code)
			}
		}
	})
}

// TestPATNotSentThroughDotSegments: a binding whose Azure project is
// "../northwind" (SonarQube's data) makes the repository URL
// https://dev.azure.com/contoso/..%2Fnorthwind/...: a server that decodes
// the slash and resolves the dot segment routes it to organization
// northwind. The PAT, allowed for contoso, is not sent there.
func TestPATNotSentThroughDotSegments(t *testing.T) {
	t.Parallel()
	for _, slug := range []string{"../northwind", "..", "./x/../../northwind", `..\northwind`} {
		var mu sync.Mutex
		var sent []string
		rig := startHostile(t, "azdo-healthy", func(r *http.Request, a *answer) bool {
			if strings.Contains(r.URL.EscapedPath(), "..") && r.Header.Get("Authorization") != "" {
				mu.Lock()
				sent = append(sent, r.URL.EscapedPath())
				mu.Unlock()
			}
			if pathIs("", "/api/alm_settings/get_binding")(r) {
				editJSON(a, func(string) string { return slug }, "slug")
				a.header.Del("Content-Length")
				return true
			}
			return false
		})
		outs := runHostile(t, rig, nil, "json", false)
		mu.Lock()
		if len(sent) > 0 {
			t.Errorf("slug %q: the PAT was sent to %q", slug, sent)
		}
		mu.Unlock()
		if !strings.Contains(outs["stdout"], "azdo.code-read") {
			t.Errorf("slug %q: no report: %s", slug, outs["stderr"])
		}
	}
}
