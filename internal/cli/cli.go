// Package cli is the command line: subcommands, flags, exit codes. It is the
// only place that wires configuration, clients, checks and reports together.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// Exit codes.
const (
	ExitOK    = 0 // passed (or only warnings with fail-on error)
	ExitFail  = 1 // the preflight failed
	ExitUsage = 2 // the command line itself is wrong
)

// App carries what a run takes from the process, so tests inject it all.
type App struct {
	Now   func() time.Time
	Stdin io.Reader // simulate: the simulator stops when stdin closes (nil: never)
}

// Run is the whole program: it parses args (without the program name) and
// returns the exit code.
func (a App) Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if a.Now == nil {
		a.Now = time.Now
	}
	cmd := "check"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "check":
		return a.check(ctx, args, getenv, stdout, stderr)
	case "demo":
		return a.demo(ctx, args, getenv, stdout, stderr)
	case "audit":
		return a.audit(ctx, args, getenv, stdout, stderr)
	case "simulate":
		return a.simulate(ctx, args, stdout, stderr)
	case "version":
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, "Usage: sonar-preflight version\n\nPrints the version.\n")
			return ExitOK
		}
		fmt.Fprintln(stdout, "sonar-preflight", versionString())
		return ExitOK
	case "help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "sonar-preflight: unknown command %q\n\n%s", cmd, usage)
	return ExitUsage
}

const usage = `sonar-preflight checks, before analysis starts, that SonarQube and its Azure DevOps
(or GitHub) integration are ready: server, token, base URL, DevOps Platform record,
project binding and the stored PAT. It fails fast with what is wrong and how to fix it.

Usage:
  sonar-preflight [check] [flags]        run the preflight (reads the pipeline's environment)
  sonar-preflight demo [--scenario NAME] run it against the built-in simulator (--list shows scenarios)
  sonar-preflight audit [--shard K/N]    audit every project of a SonarQube server (audit merge joins shards)
  sonar-preflight version                print the version
  sonar-preflight <command> --help       help for a command

Exit codes: 0 passed (or warnings with --fail-on error), 1 preflight failed, 2 command line wrong.
`

// commonFlags are shared by check and demo.
type commonFlags struct {
	format, failOn, timeout, resolve, hostURL, projectKey, color string
	debug                                                        bool
}

func (c *commonFlags) register(fs *flag.FlagSet, withTarget bool) {
	fs.StringVar(&c.format, "format", "", "output format: auto, azp, text, json or markdown (default auto: azp when TF_BUILD=True, else text)")
	fs.StringVar(&c.failOn, "fail-on", "", "verdict that fails the run: error (default) or warning")
	fs.StringVar(&c.timeout, "timeout", "", "overall deadline, e.g. 60s or 60 (default 60s)")
	fs.BoolVar(&c.debug, "debug", false, "structured debug logs on stderr (secrets are masked)")
	fs.StringVar(&c.color, "color", "auto", "text colour: auto (only on a terminal), always or never")
	if withTarget {
		fs.StringVar(&c.hostURL, "host-url", "", "SonarQube URL (overrides the service connection and SONAR_HOST_URL)")
		fs.StringVar(&c.projectKey, "project-key", "", "SonarQube project key (overrides projectKey and SONAR_PROJECT_KEY)")
		fs.StringVar(&c.resolve, "resolve", "", "host:port:address[,...] to connect to instead of DNS, like curl --resolve")
	}
}

// validate rejects flag values that are wrong on the command line itself.
func (c *commonFlags) validate() error {
	switch strings.ToLower(c.format) {
	case "", "auto", "azp", "text", "json", "markdown":
	default:
		return fmt.Errorf("--format %q: use auto, azp, text, json or markdown", c.format)
	}
	switch strings.ToLower(c.failOn) {
	case "", "error", "warning":
	default:
		return fmt.Errorf("--fail-on %q: use error or warning", c.failOn)
	}
	if c.timeout != "" {
		if _, err := parseTimeout(c.timeout); err != nil {
			return fmt.Errorf("--timeout: %w", err)
		}
	}
	switch c.color {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--color %q: use auto, always or never", c.color)
	}
	return nil
}

// parseFlags parses args; it returns (done, code) when the run should stop.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, help string) (bool, int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, help)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return true, ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight %s: %v\nRun 'sonar-preflight %s --help' for usage.\n", fs.Name(), err, fs.Name())
		return true, ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sonar-preflight %s: unexpected argument %q\nRun 'sonar-preflight %s --help' for usage.\n", fs.Name(), fs.Arg(0), fs.Name())
		return true, ExitUsage
	}
	return false, ExitOK
}

// useColor decides on ANSI colour: only on a terminal unless forced, and
// never when NO_COLOR is set.
func useColor(mode string, w io.Writer, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	if f, ok := w.(*os.File); ok {
		return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return false
}
