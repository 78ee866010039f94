package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/preflight"
	"sonar-preflight/internal/report"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/version"
)

const checkHelp = `Usage: sonar-preflight [check] [flags]

Runs the preflight. Configuration, highest precedence first:
  1. flags below;
  2. task inputs (INPUT_SONARQUBE naming the service connection, whose URL and token arrive
     as ENDPOINT_URL_<id> and ENDPOINT_AUTH_PARAMETER_<id>_USERNAME; INPUT_PROJECTKEY,
     INPUT_ADMINTOKEN, INPUT_AZUREDEVOPSPAT, INPUT_GITHUBTOKEN, INPUT_FAILON, INPUT_TIMEOUT);
  3. plain environment (SONAR_HOST_URL, SONAR_TOKEN, SONAR_PROJECT_KEY, SONAR_ADMIN_TOKEN,
     AZURE_DEVOPS_EXT_PAT, GITHUB_TOKEN, SONAR_PREFLIGHT_FAIL_ON, SONAR_PREFLIGHT_TIMEOUT,
     SONAR_PREFLIGHT_FORMAT, SONAR_PREFLIGHT_RESOLVE).
Tokens are never taken from flags: command lines are visible to other processes.

Exit codes: 0 passed (or only warnings with --fail-on error), 1 the preflight failed,
2 the command line is wrong.

`

func versionString() string { return version.String() }

func parseTimeout(s string) (time.Duration, error) { return config.ParseTimeout(s) }

func (a App) check(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var cf commonFlags
	cf.register(fs, true)
	if done, code := parseFlags(fs, args, stdout, stderr, checkHelp); done {
		return code
	}
	if err := cf.validate(); err != nil {
		return usageError(stderr, "check", err.Error())
	}
	return a.preflight(ctx, cf, getenv, stdout, stderr, nil)
}

// preflight runs the checks and renders the report; it returns the exit code
// the preflight's verdict calls for.
func (a App) preflight(ctx context.Context, cf commonFlags, getenv func(string) string, stdout, stderr io.Writer, banner func(io.Writer)) int {
	cfg := config.Load(ctx, getenv, config.Flags{
		HostURL: cf.hostURL, ProjectKey: cf.projectKey, FailOn: cf.failOn, Timeout: cf.timeout,
		Format: cf.format, Resolve: cf.resolve, Debug: cf.debug,
	})

	// Secrets first: register them with the pipeline before any other output,
	// and scrub every writer from here on.
	reg := &secret.Registry{}
	reg.Add(cfg.Secrets()...)
	out := &scrubWriter{w: stdout, scrub: reg.Redact}
	errw := &scrubWriter{w: stderr, scrub: reg.Redact}
	// A request abandoned at the deadline may still log after the checks
	// return; the writers belong to the caller once Run returns.
	defer out.close()
	defer errw.close()
	if cfg.Format == "azp" {
		w := azp.New(stdout)
		for _, v := range reg.Values() {
			if err := w.SetSecret(v); err != nil {
				fmt.Fprintf(errw, "sonar-preflight: cannot write to stdout: %v\n", err)
				return ExitFail
			}
		}
	}
	if banner != nil {
		banner(out)
	}

	log := zerolog.Nop()
	if cfg.Debug {
		start := a.Now()
		log = zerolog.New(errw).Level(zerolog.DebugLevel).Hook(zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, _ string) {
			e.Int64("t_ms", a.Now().Sub(start).Milliseconds())
		}))
		log.Debug().Str("version", version.String()).Str("format", cfg.Format).Str("fail_on", cfg.FailOn).
			Dur("timeout", cfg.Timeout).Interface("sources", cfg.Sources).Int("problems", len(cfg.Problems)).Msg("configuration")
	}

	hc, err := httpx.New(httpx.Options{
		ProxyURL: cfg.Proxy.URL, ProxyUsername: cfg.Proxy.Username, ProxyPassword: cfg.Proxy.Password.Value(),
		ProxyBypass: cfg.Proxy.Bypass, HTTPSProxy: cfg.Proxy.HTTPSProxy, HTTPProxy: cfg.Proxy.HTTPProxy, NoProxy: cfg.Proxy.NoProxy,
		CAFiles: cfg.CAFiles, CAFileSources: cfg.CASources, Resolve: cfg.Resolve, Logger: log, Scrub: reg.Redact, Now: a.Now,
	})
	if err != nil {
		cfg.Problems = append(cfg.Problems, clientProblem(err, reg.Redact))
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	checks := preflight.Catalog(preflight.Deps{Config: cfg, HTTP: hc, Now: a.Now, UserAgent: "sonar-preflight/" + version.String()})
	rep, err := preflight.Run(runCtx, checks, a.Now)
	if err != nil {
		fmt.Fprintf(errw, "sonar-preflight: internal error: %v\n", err)
		return ExitFail
	}
	rep = preflight.Reconcile(rep, cfg.From("AZURE_DEVOPS_EXT_PAT"))
	for _, res := range rep.Results {
		log.Debug().Str("check", res.ID).Str("status", res.Status.String()).Int64("elapsed_ms", res.Elapsed.Milliseconds()).Msg(res.Message)
	}

	code := ExitOK
	if rep.Verdict == preflight.Fail || rep.Verdict == preflight.Warn && cfg.FailOn == "warning" {
		code = ExitFail
	}
	meta := report.Meta{
		Version: version.String(), Target: cfg.SonarURL, ProjectKey: cfg.ProjectKey, FailOn: cfg.FailOn,
		ExitCode: code, SummaryDir: cfg.Pipeline.TempDir, Color: useColor(cf.color, stdout, getenv), Scrub: reg.Redact,
	}
	if err := report.Render(out, cfg.Format, rep, meta); err != nil {
		// A reader that went away (| head) needs no message about it.
		if !errors.Is(err, syscall.EPIPE) {
			fmt.Fprintf(errw, "sonar-preflight: could not write the report: %v\n", err)
		}
		return ExitFail
	}
	return code
}

// scrubWriter masks every registered secret form in what passes through.
// Writers here receive whole lines or whole reports, so a secret is never
// split across two writes. Debug events come from concurrent requests, so
// writes are serialised.
type scrubWriter struct {
	mu     sync.Mutex
	w      io.Writer
	scrub  func(string) string
	closed bool
}

func (s *scrubWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return len(p), nil // late debug lines of abandoned requests
	}
	clean := s.scrub(string(p))
	if _, err := io.WriteString(s.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}

// close drops every later write.
func (s *scrubWriter) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// clientProblem turns an HTTP client option the client refused into a
// configuration problem naming the setting at fault.
func clientProblem(err error, redact func(string) string) config.Problem {
	var oe *httpx.OptionError
	if !errors.As(err, &oe) {
		return config.Problem{Field: "network settings", Message: redact(err.Error()),
			Remedy: "Check the proxy and certificate settings (AGENT_PROXYURL, HTTPS_PROXY, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, AGENT_CAINFO)."}
	}
	p := config.Problem{Field: "network settings", Source: config.DescribeSource(oe.Source), Message: redact(strings.TrimPrefix(oe.Error(), oe.Source+": "))}
	switch oe.Source {
	case "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "AGENT_CAINFO":
		p.Remedy = "Point " + oe.Source + " at a readable file of PEM certificates (-----BEGIN CERTIFICATE-----), or unset it."
	default:
		p.Remedy = "Fix " + oe.Source + " (the agent's proxy settings, or the standard proxy variables)."
	}
	return p
}
