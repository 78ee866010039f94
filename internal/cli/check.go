package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"

	"github.com/rs/zerolog"

	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/github"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/preflight"
	"sonar-preflight/internal/report"
	"sonar-preflight/internal/safefile"
	"sonar-preflight/internal/secret"
	txt "sonar-preflight/internal/text"
	"sonar-preflight/internal/version"
)

const checkHelp = `Usage: sonar-preflight [check] [flags]

Runs the preflight. Configuration, highest precedence first:
  1. flags below;
  2. task inputs (INPUT_SONARQUBE naming the service connection, whose URL and token arrive
     as ENDPOINT_URL_<id> and ENDPOINT_AUTH_PARAMETER_<id>_USERNAME; INPUT_PROJECTKEY,
     INPUT_ADMINTOKEN, INPUT_AZUREDEVOPSPAT, INPUT_ORGANIZATION, INPUT_GITHUBTOKEN,
     INPUT_FAILON, INPUT_TIMEOUT);
  3. plain environment (SONAR_HOST_URL, SONAR_TOKEN, SONAR_PROJECT_KEY, SONAR_ADMIN_TOKEN,
     AZURE_DEVOPS_EXT_PAT, AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION, GITHUB_TOKEN,
     SONAR_PREFLIGHT_FAIL_ON, SONAR_PREFLIGHT_TIMEOUT, SONAR_PREFLIGHT_FORMAT,
     SONAR_PREFLIGHT_RESOLVE).
Tokens are never taken from flags: command lines are visible to other processes.

Credentials go only where they belong: SonarQube tokens to the SonarQube URL; the
Azure DevOps PAT to the pipeline's organization (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI)
or the one named with --organization, never to a URL found in SonarQube's data; the
GitHub token to the GitHub of the pipeline's repository.

Exit codes: 0 passed (or only warnings with --fail-on error), 1 the preflight failed,
2 the command line is wrong.

`

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
		Format: cf.format, Resolve: cf.resolve, Debug: cf.debug, Organization: cf.organization,
	})

	// Secrets first: register them with the pipeline before any other
	// output. From here on, output is built from parts: the program's own
	// words as they are, every untrusted or secret-bearing part redacted
	// and cleaned (package text) where it is put in, never whole lines, so
	// that a secret such as "pass" cannot rewrite "verdict=pass".
	reg := &secret.Registry{}
	reg.Add(cfg.Secrets()...)
	errs := &lineWriter{w: stderr}
	// A request abandoned at the deadline may still log after the checks
	// return; the writers belong to the caller once Run returns.
	defer errs.close()
	if cfg.Format == "azp" {
		w := azp.New(stdout)
		for _, v := range reg.Values() {
			if err := w.SetSecret(v); err != nil {
				errs.printf("sonar-preflight: cannot write to stdout: %s\n", untrusted(reg, err.Error()))
				return ExitFail
			}
		}
	}
	if banner != nil {
		banner(stdout)
	}

	log := zerolog.Nop()
	if cfg.Debug {
		var closeLog func() error
		log, closeLog = a.debugLog(errs, reg)
		defer closeLog()
		log.Debug().Str("version", version.String()).Str("format", cfg.Format).Str("fail_on", cfg.FailOn).
			Dur("timeout", cfg.Timeout).Interface("sources", cfg.Sources).Int("problems", len(cfg.Problems)).Msg("configuration")
	}

	// The deadline covers everything from here, reading CA bundles included.
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	hc, err := httpx.New(a.httpOptions(runCtx, cfg, log, reg))
	if err != nil {
		cfg.Problems = append(cfg.Problems, clientProblem(err))
		// No client without the credential guard: a check that ran anyway
		// must not fall back to a default client (package sonar and
		// github would build one).
		hc = &http.Client{Transport: unusableTransport{err}}
	}

	var wd string
	if a.Getwd != nil {
		wd, _ = a.Getwd() // unknown: repo.history says so
	}
	checks := preflight.Catalog(preflight.Deps{Config: cfg, HTTP: hc, Now: a.Now, UserAgent: "sonar-preflight/" + version.String(), WorkDir: wd})
	rep, err := preflight.Run(runCtx, checks, a.Now)
	if err != nil {
		errs.printf("sonar-preflight: internal error: %s\n", untrusted(reg, err.Error()))
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
	if err := report.Render(stdout, cfg.Format, rep, meta); err != nil {
		// A reader that went away (| head) needs no message about it.
		if !errors.Is(err, syscall.EPIPE) {
			errs.printf("sonar-preflight: could not write the report: %s\n", untrusted(reg, err.Error()))
		}
		return ExitFail
	}
	return code
}

// unusableTransport refuses every request of a run whose HTTP client could
// not be built.
type unusableTransport struct{ err error }

func (t unusableTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, t.err }

// maxCABundle caps a CA bundle named by an environment variable; the
// largest public bundles are under 1 MiB.
const maxCABundle = 10 << 20

// debugLog is the --debug log on w: structured events whose field values
// carry server text and URLs, so each is redacted and cleaned on its way
// out (keys are the program's), with t_ms counted from now. The caller
// closes it.
func (a App) debugLog(w io.Writer, reg *secret.Registry) (zerolog.Logger, func() error) {
	start := a.Now()
	sink := txt.NewLogWriter(w, reg.Redact)
	log := zerolog.New(sink).Level(zerolog.DebugLevel).Hook(zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, _ string) {
		e.Int64("t_ms", a.Now().Sub(start).Milliseconds())
	}))
	return log, sink.Close
}

// httpOptions are the HTTP client's settings every command takes from the
// configuration: proxy, CA bundles (read as files named by variables are,
// bounded and within ctx), --resolve, the debug log, redaction of answers,
// the clock, and where each credential may go.
func (a App) httpOptions(ctx context.Context, cfg *config.Config, log zerolog.Logger, reg *secret.Registry) httpx.Options {
	return httpx.Options{
		ProxyURL: cfg.Proxy.URL, ProxyUsername: cfg.Proxy.Username, ProxyPassword: cfg.Proxy.Password.Value(),
		ProxyBypass: cfg.Proxy.Bypass, HTTPSProxy: cfg.Proxy.HTTPSProxy, HTTPProxy: cfg.Proxy.HTTPProxy, NoProxy: cfg.Proxy.NoProxy,
		CAFiles: cfg.CAFiles, CAFileSources: cfg.CASources, Resolve: cfg.Resolve, Logger: log, Scrub: reg.Redact, Now: a.Now,
		Credentials: credentials(cfg),
		ReadFile:    func(path string) ([]byte, error) { return safefile.Read(ctx, path, maxCABundle) },
	}
}

// credentials says where each credential of the run may be sent; the HTTP
// client refuses every other destination (httpx.Credential). The rule, in
// one place: SonarQube tokens to the SonarQube server; the Azure DevOps PAT
// to the pipeline's organization and the one the user named, with the
// Services hosts that serve them; the GitHub token to the GitHub of the
// pipeline's repository.
func credentials(cfg *config.Config) []httpx.Credential {
	var patDest []string
	for _, raw := range []string{cfg.Pipeline.CollectionURI, cfg.AzureOrg} {
		if org, err := azdo.ParseOrgURL(raw); raw != "" && err == nil {
			patDest = append(patDest, azdo.PATDestinations(org)...)
		}
	}
	var ghDest []string
	// A repository on another provider (Azure Repos, Bitbucket, …) has no
	// GitHub: its URI must not become one (dev.azure.com/api/v3).
	switch strings.ToLower(cfg.Pipeline.RepoProvider) {
	case "", "github", "githubenterprise":
		if h, err := github.RepoHost(cfg.Pipeline.RepoURI, cfg.Pipeline.RepoName); err == nil {
			ghDest = github.TokenDestinations(h)
		}
	}
	return credentialsWith(cfg,
		patDest, "To allow another organization, name it: --organization, the organization input or AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION",
		ghDest, "The GitHub token goes only to the GitHub of the pipeline's repository (BUILD_REPOSITORY_URI)")
}

// credentialsWith is the rule of credentials, given the PAT's and the
// GitHub token's destinations (and the remedies that say how to allow
// more) of one command: the SonarQube tokens go to the SonarQube server
// only, whatever the command.
func credentialsWith(cfg *config.Config, patDest []string, patRemedy string, ghDest []string, ghRemedy string) []httpx.Credential {
	var out []httpx.Credential
	var sonarDest []string
	if u, err := url.Parse(cfg.SonarURL); err == nil && u.Host != "" {
		sonarDest = []string{u.Scheme + "://" + u.Host}
	}
	for _, t := range []struct {
		name string
		s    secret.Secret
	}{{"the SonarQube token", cfg.SonarToken}, {"the SonarQube admin token", cfg.AdminToken}} {
		out = append(out, httpx.Credential{Name: t.name, Value: t.s.Value(), Allowed: sonarDest})
	}
	out = append(out, httpx.Credential{Name: "the Azure DevOps PAT", Value: cfg.AzurePAT.Value(), Allowed: patDest, Remedy: patRemedy})
	out = append(out, httpx.Credential{Name: "the GitHub token", Value: cfg.GitHubToken.Value(), Allowed: ghDest, Remedy: ghRemedy})
	return out
}

// untrusted is s redacted, then cleaned to one line: for errors whose text
// may carry a path, a server's words or a secret.
func untrusted(reg *secret.Registry, s string) string {
	return txt.CleanLine(reg.Redact(s), txt.DefaultLimits).String()
}

// lineWriter serialises whole-line writes to stderr (debug events come from
// concurrent requests) and drops every write after close.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(p), nil // late debug lines of abandoned requests
	}
	return l.w.Write(p)
}

func (l *lineWriter) printf(format string, args ...any) { fmt.Fprintf(l, format, args...) }

// close drops every later write.
func (l *lineWriter) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
}

// clientProblem turns an HTTP client option the client refused into a
// configuration problem naming the setting at fault. Its texts are redacted
// and cleaned with every other finding's when the report is rendered.
func clientProblem(err error) config.Problem {
	var oe *httpx.OptionError
	if !errors.As(err, &oe) {
		return config.Problem{Field: "network settings", Message: err.Error(),
			Remedy: "Check the proxy and certificate settings (AGENT_PROXYURL, HTTPS_PROXY, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, AGENT_CAINFO)."}
	}
	p := config.Problem{Field: "network settings", Source: config.DescribeSource(oe.Source), Message: strings.TrimPrefix(oe.Error(), oe.Source+": ")}
	switch oe.Source {
	case "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "AGENT_CAINFO":
		p.Remedy = "Point " + oe.Source + " at a readable regular file of PEM certificates (-----BEGIN CERTIFICATE-----) of at most 10 MiB, or unset it."
	default:
		p.Remedy = "Fix " + oe.Source + " (the agent's proxy settings, or the standard proxy variables)."
	}
	return p
}
