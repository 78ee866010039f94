package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sonar-preflight/internal/simulator"
)

// The binary's own entry point, with nothing but an injected environment.
func TestRunAgainstSimulator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		code     int
		verdict  string
	}{
		{"healthy", 0, "pass"},
		{"base-url-unset", 1, "fail"},
		{"token-not-admin", 0, "warn"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			sc, ok := simulator.Lookup(tt.scenario)
			if !ok {
				t.Fatalf("no scenario %s", tt.scenario)
			}
			sim, err := simulator.Start(sc, simulator.Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			env := sim.Env()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"check", "--format", "json"}, func(k string) string { return env[k] }, &stdout, &stderr)
			var rep struct {
				Verdict string `json:"verdict"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			if code != tt.code || rep.Verdict != tt.verdict {
				t.Errorf("exit %d verdict %s, want %d %s", code, rep.Verdict, tt.code, tt.verdict)
			}
			if strings.Contains(stdout.String()+stderr.String(), sim.Token) {
				t.Error("token in output")
			}
		})
	}
}

func TestRunCommandLine(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	tests := []struct {
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{[]string{"version"}, 0, "sonar-preflight "},
		{[]string{"--help"}, 0, "  simulate   serve the simulator"},
		{[]string{"check", "--help"}, 0, "Usage: sonar-preflight [check]"},
		{[]string{"version", "extra"}, 2, "unexpected argument"},
		{[]string{"--host-url", "sonar.example.com"}, 2, "--host-url: it is not an absolute URL"},
		{[]string{"--resolve", "sonar:443:name"}, 2, "is not an IP address"},
		{[]string{"demo", "--help"}, 0, "--scenario"},
		{[]string{"help"}, 0, "Exit codes"},
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"--format", "xml"}, 2, "--format \"xml\""},
		{[]string{"--fail-on", "never"}, 2, "--fail-on"},
		{[]string{"--timeout", "soon"}, 2, "--timeout"},
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"check", "extra"}, 2, "unexpected argument"},
		{[]string{"demo", "--scenario", "no-such"}, 2, "no scenario"},
		{[]string{"demo", "--list"}, 0, simulator.DefaultScenario},
		{[]string{"demo", "--scenario"}, 0, "azdo-healthy"},
		// No configuration at all: a preflight failure naming what is missing, not a usage error.
		{[]string{"--format", "text", "--color", "never"}, 1, "no SonarQube server URL"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, none, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String()+stderr.String(), tt.out) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, tt.code, tt.out, stdout.String(), stderr.String())
			}
		})
	}
}

// The demo is a newcomer's first command: it exits 0 and shows a failure
// with its remedy and the exit code the preflight would have returned.
func TestDemoDefault(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"demo", "--color", "never"}, func(string) string { return "" }, &stdout, &stderr)
	out := stdout.String()
	if code != 0 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "→") || !strings.Contains(out, "would have exited with code 1") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr.String())
	}
}
