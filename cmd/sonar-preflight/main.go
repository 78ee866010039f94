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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program with every input injected; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return cli.App{Now: time.Now, Stdin: os.Stdin, Getwd: os.Getwd}.Run(ctx, args, getenv, stdout, stderr)
}
