package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func runArgs(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := App{}.Run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// columns is a line's width on a terminal, tabs to the next multiple of 8.
func columns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += 8 - n%8
			continue
		}
		n++
	}
	return n
}

func checkWidth(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if c := columns(line); c > maxWidth {
			t.Errorf("%s: a line of %d columns (max %d): %q", what, c, maxWidth, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("%s: invalid UTF-8: %q", what, line)
		}
	}
}

// The program's help lists every command of the table, one line each, and
// points to each command's own help, which help CMD and CMD --help both show.
func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--help", "-h", "-help"} {
		code, out, errOut := runArgs(flag)
		if code != ExitOK || errOut != "" {
			t.Fatalf("%s: exit %d, stderr %q", flag, code, errOut)
		}
		for _, c := range commands() {
			var line string
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) > 1 && f[0] == c.name && strings.HasPrefix(l, "  ") {
					line = l
				}
			}
			if line == "" || !strings.HasSuffix(line, c.summary) {
				t.Errorf("%s does not list %s with its summary on one line:\n%s", flag, c.name, out)
			}
		}
		for _, want := range []string{"simulate", "help CMD", "Exit codes"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", flag, want)
			}
		}
		checkWidth(t, flag, out)
	}
	if _, out, _ := runArgs("help"); out != func() string { _, o, _ := runArgs("--help"); return o }() {
		t.Error("help and --help differ")
	}
	for _, c := range commands() {
		code, viaHelp, _ := runArgs("help", c.name)
		code2, viaFlag, _ := runArgs(c.name, "--help")
		if code != ExitOK || code2 != ExitOK || viaHelp != viaFlag || viaHelp == "" {
			t.Errorf("help %s (exit %d) and %s --help (exit %d) differ or are empty:\n%s\n---\n%s", c.name, code, c.name, code2, viaHelp, viaFlag)
		}
		checkWidth(t, "help "+c.name, viaHelp)
		if c.name != "help" && !strings.Contains(viaHelp, "Usage: sonar-preflight") {
			t.Errorf("help %s has no usage line:\n%s", c.name, viaHelp)
		}
	}
	// The commands within a command have their own help, reached both ways.
	for _, sub := range [][]string{{"audit", "merge"}, {"demo", "audit"}} {
		code, viaHelp, _ := runArgs(append([]string{"help"}, sub...)...)
		code2, viaFlag, _ := runArgs(append(sub, "--help")...)
		name := strings.Join(sub, " ")
		if code != ExitOK || code2 != ExitOK || viaHelp != viaFlag || !strings.Contains(viaHelp, "Usage: sonar-preflight "+name) {
			t.Errorf("help %s (exit %d) and %s --help (exit %d) differ or do not show it:\n%s\n---\n%s", name, code, name, code2, viaHelp, viaFlag)
		}
		checkWidth(t, "help "+name, viaHelp)
	}
}

func TestDemoHelpNamesItsDefaultFormat(t *testing.T) {
	t.Parallel()
	_, out, _ := runArgs("demo", "--help")
	if !strings.Contains(out, "--format FORMAT") || !strings.Contains(out, "text (the default here)") ||
		strings.Contains(out, "auto: azp when") {
		t.Errorf("demo --help misnames its default format:\n%s", out)
	}
}

func TestScenarioListFits(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"demo", "--list"}, {"demo", "--scenario"}, {"demo", "--scenario", "list"}} {
		code, out, _ := runArgs(args...)
		if code != ExitOK || !strings.Contains(out, "* base-url-unset") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
		checkWidth(t, strings.Join(args, " "), out)
	}
}

// Every wrong command line exits 2 with one line on stderr that names the
// problem and where help is, and nothing on stdout.
func TestUsageErrorsAreOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--format", "xml"}, `--format "xml": use auto`},
		{[]string{"--fail-on", "never"}, `--fail-on "never"`},
		{[]string{"--timeout", "soon"}, `--timeout: "soon"`},
		{[]string{"--color", "blue"}, `--color "blue"`},
		{[]string{"--host-url", "sonar.example.com"}, "--host-url: it is not an absolute URL"},
		{[]string{"--host-url", "https://ci:s3cret@sonar.example.com"}, "--host-url: it contains a user name or password"},
		{[]string{"--resolve", "sonar:443"}, `--resolve: "sonar:443" is not host:port:address`},
		{[]string{"--resolve", "sonar:443:othername"}, `"othername" is not an IP address`},
		{[]string{"--nope"}, "flag provided but not defined: -nope"},
		{[]string{"check", "extra"}, `unexpected argument "extra"`},
		{[]string{"version", "extra"}, `sonar-preflight version: unexpected argument "extra"`},
		{[]string{"help", "nosuch"}, `no command "nosuch"`},
		{[]string{"help", "demo", "check"}, `unexpected argument "check"`},
		{[]string{"demo", "--scenario", "no-such"}, `no scenario "no-such"`},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
		{[]string{"demo", "--format", "xml"}, `sonar-preflight demo: --format "xml"`},
		{[]string{"simulate"}, "--env-file is required"},
		{[]string{"simulate", "--env-file", "x", "--scenario", "no-such"}, `no scenario "no-such"`},
		{[]string{"simulate", "--latency", "soon"}, `invalid value "soon" for flag -latency`},
		{[]string{"help", "audit", "extra"}, `unexpected argument "extra"`},
		{[]string{"audit", "--concurrency", "0"}, `sonar-preflight audit: --concurrency "0"`},
		{[]string{"audit", "--shard", "5/4"}, `sonar-preflight audit: --shard`},
		{[]string{"audit", "merge"}, `sonar-preflight audit merge: give the shard reports to merge`},
		{[]string{"audit", "merge", "--format", "xml"}, `sonar-preflight audit merge: --format "xml"`},
		{[]string{"audit", "merge", "--nope"}, `sonar-preflight audit merge: flag provided but not defined`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runArgs(tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
				t.Errorf("stderr is not one line: %q", errOut)
			}
			if !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, "--help')") {
				t.Errorf("stderr %q, want %q and where help is", errOut, tt.want)
			}
			if strings.Contains(errOut, "s3cret") {
				t.Errorf("a password from the command line was echoed: %q", errOut)
			}
		})
	}
}
