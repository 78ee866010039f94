package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sonar-preflight/internal/simulator"
)

const demoHelp = `Usage: sonar-preflight demo [--scenario NAME | --list] [flags]
       sonar-preflight demo audit [--projects N] [--fallback] [--format F]

Starts a simulated SonarQube and Azure DevOps (and GitHub) on loopback and runs the real
preflight against them. The demo exits 0 when it ran; it prints the exit code the preflight
would have returned. Without --scenario it runs "` + simulator.DefaultScenario + `", which shows a failure and its
remedy. Its report is text unless --format says otherwise. 'demo audit' runs the fleet audit
against a simulated server instead ('sonar-preflight demo audit --help').

`

func (a App) demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "audit" {
		return a.demoAudit(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var cf commonFlags
	cf.register(fs, false)
	// The demo prints text by default, wherever it runs.
	fs.Lookup("format").Usage = "output `format`: text (the default here), azp, json or markdown"
	name := fs.String("scenario", simulator.DefaultScenario, "`name` of the scenario to run (\"list\" or --list shows them)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	if n := len(args); n > 0 && (args[n-1] == "--scenario" || args[n-1] == "-scenario" || args[n-1] == "--scenario=") {
		// `demo --scenario` with no name lists the names to choose from.
		args = append(args[:n-1:n-1], "--list")
	}
	if done, code := parseFlags(fs, args, stdout, stderr, demoHelp); done {
		return code
	}
	if err := cf.validate(); err != nil {
		return usageError(stderr, "demo", err.Error())
	}
	if *list || *name == "list" || *name == "" {
		listScenarios(stdout)
		return ExitOK
	}
	sc, ok := simulator.Lookup(*name)
	if !ok {
		return usageError(stderr, "demo", fmt.Sprintf("no scenario %q; 'sonar-preflight demo --list' shows them", *name))
	}
	dir, err := os.MkdirTemp("", "sonar-preflight-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo: %v\n", err)
		return ExitFail
	}
	defer os.RemoveAll(dir)
	// A scenario that happens on its own date: both sides read one clock
	// that starts there and runs at real speed.
	a.Now = sc.Clock(a.Now)
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
			var b strings.Builder
			writeHanging(&b, "", fmt.Sprintf("Demo scenario %q: %s", sc.Name, sc.Summary))
			writeHanging(&b, "", fmt.Sprintf("(simulated SonarQube at %s; `sonar-preflight demo --list` shows every scenario)", sim.SonarURL))
			fmt.Fprintln(w, b.String())
		}
	})
	elapsed := a.Now().Sub(start)
	if cf.format == "text" {
		var b strings.Builder
		writeHanging(&b, "", fmt.Sprintf("Demo finished in %s: the preflight would have exited with code %d (%s).", elapsed.Round(time.Millisecond), code, exitMeaning(code)))
		fmt.Fprint(stdout, "\n"+b.String())
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

// listScenarios prints each scenario's name and summary, the summary wrapped
// beside the names to fit maxWidth.
func listScenarios(w io.Writer) {
	all := simulator.Scenarios()
	width := 0
	for _, sc := range all {
		width = max(width, len(sc.Name))
	}
	var b strings.Builder
	for _, sc := range all {
		mark := " "
		if sc.Name == simulator.DefaultScenario {
			mark = "*"
		}
		writeHanging(&b, mark+" "+sc.Name+strings.Repeat(" ", width-len(sc.Name)+2), sc.Summary)
	}
	b.WriteString("(* = default)\n")
	fmt.Fprint(w, b.String())
}
