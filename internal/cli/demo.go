package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"sonar-preflight/internal/simulator"
)

const demoHelp = `Usage: sonar-preflight demo [--scenario NAME] [--list] [flags]

Starts a simulated SonarQube and Azure DevOps (and GitHub) on loopback and runs the real
preflight against them. The demo exits 0 when it ran; it prints the exit code the
preflight would have returned. Without --scenario it runs "` + simulator.DefaultScenario + `",
which shows a failure and its remedy.

Flags:
`

func (a App) demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "audit" {
		return a.demoAudit(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var cf commonFlags
	cf.register(fs, false)
	name := fs.String("scenario", simulator.DefaultScenario, "scenario to run (\"list\" or --list shows them)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	if n := len(args); n > 0 && (args[n-1] == "--scenario" || args[n-1] == "-scenario" || args[n-1] == "--scenario=") {
		// `demo --scenario` with no name lists the names to choose from.
		args = append(args[:n-1:n-1], "--list")
	}
	if done, code := parseFlags(fs, args, stdout, stderr, demoHelp); done {
		return code
	}
	if err := cf.validate(); err != nil {
		fmt.Fprintf(stderr, "sonar-preflight: %v\n", err)
		return ExitUsage
	}
	if *list || *name == "list" || *name == "" {
		listScenarios(stdout)
		return ExitOK
	}
	sc, ok := simulator.Lookup(*name)
	if !ok {
		fmt.Fprintf(stderr, "sonar-preflight demo: no scenario %q. Scenarios:\n", *name)
		listScenarios(stderr)
		return ExitUsage
	}
	dir, err := os.MkdirTemp("", "sonar-preflight-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo: %v\n", err)
		return ExitFail
	}
	defer os.RemoveAll(dir)
	if !sc.At.IsZero() {
		// The scenario happens on its own date: both sides read one clock
		// that starts there and runs at real speed.
		wall, at := a.Now(), sc.At
		real := a.Now
		a.Now = func() time.Time { return at.Add(real().Sub(wall)) }
	}
	sim, err := simulator.Start(sc, simulator.Options{Dir: dir, Now: a.Now})
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo: could not start the simulator: %v\n", err)
		return ExitFail
	}
	defer sim.Close()

	// Only the simulator's environment: a real SONAR_TOKEN of the user's
	// shell must not be sent to the simulator, nor a real one reach it.
	env := sim.Env()
	env["AGENT_TEMPDIRECTORY"] = dir
	if t := getenv("AGENT_TEMPDIRECTORY"); t != "" {
		// In a pipeline the summary must outlive the demo to be uploaded.
		env["AGENT_TEMPDIRECTORY"] = t
	}
	if cf.format == "" {
		cf.format = "text"
	}
	start := a.Now()
	code := a.preflight(ctx, cf, func(k string) string { return env[k] }, stdout, stderr, func(w io.Writer) {
		if cf.format == "text" {
			fmt.Fprintf(w, "Demo scenario %q: %s\n(simulated SonarQube at %s; `sonar-preflight demo --list` shows every scenario)\n\n", sc.Name, sc.Summary, sim.SonarURL)
		}
	})
	elapsed := a.Now().Sub(start)
	if cf.format == "text" {
		fmt.Fprintf(stdout, "\nDemo finished in %s: the preflight would have exited with code %d (%s).\n", elapsed.Round(time.Millisecond), code, exitMeaning(code))
	} else {
		fmt.Fprintf(stderr, "demo: the preflight would have exited with code %d (%s)\n", code, exitMeaning(code))
	}
	return ExitOK
}

func exitMeaning(code int) string {
	switch code {
	case ExitOK:
		return "passed"
	case ExitFail:
		return "failed"
	}
	return "usage error"
}

func listScenarios(w io.Writer) {
	all := simulator.Scenarios()
	width := 0
	for _, sc := range all {
		width = max(width, len(sc.Name))
	}
	for _, sc := range all {
		mark := " "
		if sc.Name == simulator.DefaultScenario {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %-*s  %s\n", mark, width, sc.Name, sc.Summary)
	}
	fmt.Fprintln(w, "(* = default)")
}

const simulateHelp = `Usage: sonar-preflight simulate --scenario NAME --env-file PATH [--latency 50ms] [--log-file PATH]

Starts the simulator on loopback, writes the environment a preflight needs to PATH as
KEY=VALUE lines, and serves until interrupted or until standard input closes. Used by
packaging tests and benchmarks.

Flags:
`

func (a App) simulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	name := fs.String("scenario", "healthy", "scenario to serve")
	envFile := fs.String("env-file", "", "where to write the environment (required)")
	latency := fs.Duration("latency", 0, "delay added to every request")
	logFile := fs.String("log-file", "", "append each request served, as \"METHOD host/path?query\", to this file")
	if done, code := parseFlags(fs, args, stdout, stderr, simulateHelp); done {
		return code
	}
	if *envFile == "" {
		fmt.Fprintln(stderr, "sonar-preflight simulate: --env-file is required")
		return ExitUsage
	}
	sc, ok := simulator.Lookup(*name)
	if !ok {
		fmt.Fprintf(stderr, "sonar-preflight simulate: no scenario %q\n", *name)
		return ExitUsage
	}
	dir, err := os.MkdirTemp("", "sonar-preflight-sim-")
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight simulate: %v\n", err)
		return ExitFail
	}
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
	sim, err := simulator.Start(sc, simulator.Options{Dir: dir, Latency: *latency, OnRequest: onRequest})
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
	// Written whole and renamed, so a reader never sees half a file.
	tmp := *envFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err == nil {
		err = os.Rename(tmp, *envFile)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight simulate: %v\n", err)
		return ExitFail
	}
	fmt.Fprintf(stdout, "simulating %q: SonarQube at %s; environment in %s\n", sc.Name, sim.SonarURL, *envFile)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.Stdin != nil {
		go func() {
			// Stop when the parent closes our stdin (it died or is done).
			_, _ = io.Copy(io.Discard, bufio.NewReader(a.Stdin))
			cancel()
		}()
	}
	<-ctx.Done()
	return ExitOK
}
