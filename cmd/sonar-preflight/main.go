// Command sonar-preflight checks that SonarQube and its Azure DevOps or
// GitHub integration are ready before analysis starts.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sonar-preflight/internal/cli"
)

func main() {
	// A reader that goes away (sonar-preflight demo | head -1) makes writes
	// fail with EPIPE instead of killing the process, so deferred clean-up
	// (the demo's temporary CA) still runs. Not a context signal: the runtime
	// would then also deliver SIGPIPE for a server closing a connection.
	signal.Ignore(syscall.SIGPIPE)
	// Interrupt and termination (Ctrl-C, the agent cancelling a step, docker
	// stop) end the run through its context: checks stop, reports are
	// written, temporary files are removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program with every input injected; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return cli.App{Now: time.Now, Getwd: os.Getwd}.Run(ctx, args, getenv, stdout, stderr)
}
