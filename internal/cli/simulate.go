package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"sonar-preflight/internal/simulator"
)

const simulateHelp = `Usage: sonar-preflight simulate --env-file PATH [--scenario NAME] [--latency 50ms] [--log-file PATH]

Starts the simulated SonarQube, Azure DevOps and GitHub on loopback, writes the environment a
preflight needs to PATH as KEY=VALUE lines, and serves until it is interrupted (Ctrl-C, SIGINT or
SIGTERM), whatever its standard input is, so it also runs in the background (&). On exit it
removes PATH and its temporary CA. Run 'sonar-preflight check' with that environment, from
another shell; tests and benchmarks use it too.

`

func (a App) simulate(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	name := fs.String("scenario", "healthy", "`name` of the scenario to serve ('sonar-preflight demo --list' shows them)")
	envFile := fs.String("env-file", "", "where to write the environment (required)")
	latency := fs.Duration("latency", 0, "`delay` added to every request, e.g. 50ms")
	logFile := fs.String("log-file", "", "append each request served, as \"METHOD host/path?query\", to this `path`")
	if done, code := parseFlags(fs, args, stdout, stderr, simulateHelp); done {
		return code
	}
	if *envFile == "" {
		return usageError(stderr, "simulate", "--env-file is required")
	}
	sc, ok := simulator.Lookup(*name)
	if !ok {
		return usageError(stderr, "simulate", fmt.Sprintf("no scenario %q; 'sonar-preflight demo --list' shows them", *name))
	}
	dir, err := os.MkdirTemp("", "sonar-preflight-sim-")
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight simulate: %v\n", err)
		return ExitFail
	}
	// The simulator's CA (its private key too) lives here: gone on exit.
	defer os.RemoveAll(dir)
	var onRequest func(string)
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "sonar-preflight simulate: %v\n", err)
			return ExitFail
		}
		defer f.Close()
		var mu sync.Mutex
		// One write per line, made before the answer: when a client's run
		// ends, every line of it is in the file.
		onRequest = func(line string) {
			mu.Lock()
			defer mu.Unlock()
			_, _ = io.WriteString(f, line+"\n")
		}
	}
	// A dated scenario (the global-PAT retirement) is served as on its
	// date, as demo and the tests serve it.
	sim, err := simulator.Start(sc, simulator.Options{Dir: dir, Latency: *latency, OnRequest: onRequest, Now: sc.Clock(a.Now)})
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight simulate: %v\n", err)
		return ExitFail
	}
	defer sim.Close()
	env := sim.Env()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	// Written whole and renamed, so a reader never sees half a file. (The
	// error must not be declared inside the if: a write that failed, into
	// a folder that does not exist, was reported as success.)
	tmp := *envFile + ".tmp"
	err = os.WriteFile(tmp, []byte(b.String()), 0o600)
	if err == nil {
		err = os.Rename(tmp, *envFile)
	}
	if err != nil {
		_ = os.Remove(tmp)
		fmt.Fprintf(stderr, "sonar-preflight simulate: %v\n", err)
		return ExitFail
	}
	// It names a CA that is removed on exit: a stale file would only mislead.
	defer os.Remove(*envFile)

	fmt.Fprintf(stdout, "simulating %q: SonarQube at %s; environment in %s\n", sc.Name, sim.SonarURL, *envFile)
	if !sc.At.IsZero() {
		var b strings.Builder
		writeHanging(&b, "", fmt.Sprintf("The scenario is set on %s: the simulated services answer as on that date (expiry and sign-in dates, the global-PAT retirement); a preflight judges dates by its own clock, today's.", sc.At.UTC().Format("2006-01-02 15:04 UTC")))
		fmt.Fprint(stdout, b.String())
	}
	fmt.Fprintf(stdout, "Run the preflight against it from another shell:\n  (set -a; . %s; sonar-preflight check)\n", shellQuote(*envFile))
	fmt.Fprintf(stdout, "Serving until interrupted (Ctrl-C or SIGTERM); then %s and the temporary CA are removed.\n", *envFile)

	// Only a signal ends it (main's context): not standard input, which a
	// background job (&) gets closed or from /dev/null.
	<-ctx.Done()
	return ExitOK
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
