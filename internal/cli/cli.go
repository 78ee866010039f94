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

	"sonar-preflight/internal/config"
	"sonar-preflight/internal/version"
)

// Exit codes.
const (
	ExitOK    = 0 // passed (or only warnings with fail-on error)
	ExitFail  = 1 // the preflight failed
	ExitUsage = 2 // the command line itself is wrong
)

// App carries what a run takes from the process, so tests inject it all.
type App struct {
	Now func() time.Time
	// Getwd returns the working directory, where repo.history looks for
	// the checkout when BUILD_SOURCESDIRECTORY is not set (nil: nowhere).
	Getwd func() (string, error)
}

// command is one subcommand. The table below is the program's table of
// contents: Run dispatches through it and `sonar-preflight --help` lists it,
// one line each; a new command is one more row. A command prints its own
// help for --help, which is also what `help CMD` shows.
type command struct {
	name    string
	summary string // one line in the command list
	run     func(a App, ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "run the preflight (the default command; reads the pipeline's environment)", App.check},
		{"demo", "run the preflight against a built-in simulated SonarQube and Azure DevOps", App.demo},
		{"audit", "audit every project of a SonarQube server (audit merge joins a sharded audit's reports)", App.audit},
		{"simulate", "serve the simulator until interrupted, to run check against it by hand", App.simulate},
		{"version", "print the version", App.version},
		{"help", "list the commands, or show one's help: help CMD", App.help},
	}
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// Run is the whole program: it parses args (without the program name) and
// returns the exit code.
func (a App) Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if a.Now == nil {
		a.Now = time.Now
	}
	if len(args) > 0 && isHelpFlag(args[0]) {
		writeUsage(stdout)
		return ExitOK
	}
	name := "check"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	c, ok := lookupCommand(name)
	if !ok {
		return usageError(stderr, "", fmt.Sprintf("unknown command %q", name))
	}
	return c.run(a, ctx, args, getenv, stdout, stderr)
}

// subcommands are the commands within a command that have their own help.
var subcommands = map[string]bool{"audit merge": true, "demo audit": true}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

func (a App) version(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if done, code := parseFlags(fs, args, stdout, stderr, "Usage: sonar-preflight version\n\nPrints the version and the commit it was built from.\n\n"); done {
		return code
	}
	fmt.Fprintln(stdout, "sonar-preflight", version.String())
	return ExitOK
}

func (a App) help(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || isHelpFlag(args[0]):
		writeUsage(stdout)
		return ExitOK
	case len(args) > 2 || len(args) == 2 && !subcommands[args[0]+" "+args[1]]:
		return usageError(stderr, "help", fmt.Sprintf("unexpected argument %q: help takes one command name (or audit merge, demo audit)", args[len(args)-1]))
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		return usageError(stderr, "help", fmt.Sprintf("no command %q", args[0]))
	}
	// "help audit merge" is "audit merge --help".
	return c.run(a, ctx, append(args[1:], "--help"), getenv, stdout, stderr)
}

// usageError reports a wrong command line in one line on stderr and returns
// ExitUsage.
func usageError(stderr io.Writer, cmd, msg string) int {
	prog := "sonar-preflight"
	if cmd != "" {
		prog += " " + cmd
	}
	// msg may quote an argument or a variable: cleaned like any text.
	fmt.Fprintf(stderr, "%s: %s (see '%s --help')\n", prog, errText(nil, msg), prog)
	return ExitUsage
}

// commonFlags are shared by check and demo.
type commonFlags struct {
	format, failOn, timeout, resolve, hostURL, projectKey, color, organization string
	debug                                                                      bool
}

// register declares the flags; a `word` in a usage names the flag's value
// in the help (--format FORMAT).
func (c *commonFlags) register(fs *flag.FlagSet, withTarget bool) {
	fs.StringVar(&c.format, "format", "", "output `format`: auto, azp, text, json or markdown (default auto: azp when TF_BUILD=True, else text)")
	fs.StringVar(&c.failOn, "fail-on", "", "`verdict` that fails the run: error (default) or warning")
	fs.StringVar(&c.timeout, "timeout", "", "overall `deadline`, e.g. 60s or 60 (default 60s)")
	fs.BoolVar(&c.debug, "debug", false, "structured debug logs on stderr (secrets are masked)")
	fs.StringVar(&c.color, "color", "auto", "text `colour`: auto (only on a terminal), always or never")
	if withTarget {
		fs.StringVar(&c.hostURL, "host-url", "", "SonarQube `URL` (overrides the service connection and SONAR_HOST_URL)")
		fs.StringVar(&c.projectKey, "project-key", "", "SonarQube project `key` (overrides projectKey and SONAR_PROJECT_KEY)")
		fs.StringVar(&c.resolve, "resolve", "", "host:port:address `list` (comma-separated) to connect to instead of using DNS, like curl --resolve")
		// Named as az devops names it (--organization, alias --org).
		orgHelp := "Azure DevOps organization `URL` the PAT may be sent to besides the pipeline's (overrides the organization input and AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION)"
		fs.StringVar(&c.organization, "organization", "", orgHelp)
		fs.StringVar(&c.organization, "org", "", "short for --organization `URL`")
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
		if _, err := config.ParseTimeout(c.timeout); err != nil {
			return fmt.Errorf("--timeout: %w", err)
		}
	}
	switch c.color {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--color %q: use auto, always or never", c.color)
	}
	// The rules the environment's values meet, but a wrong flag is a wrong
	// command line.
	if c.hostURL != "" {
		if err := config.ValidateHostURL(c.hostURL); err != nil {
			return fmt.Errorf("--host-url: %w", err)
		}
	}
	if c.resolve != "" {
		if err := config.ValidateResolve(c.resolve); err != nil {
			return fmt.Errorf("--resolve: %w", err)
		}
	}
	return nil
}

// parseFlags parses args; it returns (done, code) when the run should stop:
// after the help (intro, then the flags), or after a usage error in one line.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, intro string) (bool, int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, intro)
		writeFlags(stdout, fs)
		return true, ExitOK
	}
	if err != nil {
		return true, usageError(stderr, fs.Name(), err.Error())
	}
	if fs.NArg() > 0 {
		return true, usageError(stderr, fs.Name(), fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
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
