package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"sonar-preflight/internal/audit"
	"sonar-preflight/internal/azdo"
	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/config"
	"sonar-preflight/internal/github"
	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/report"
	"sonar-preflight/internal/secret"
	"sonar-preflight/internal/sonar"
	txt "sonar-preflight/internal/text"
	"sonar-preflight/internal/version"
)

const auditHelp = `Usage: sonar-preflight audit [flags]
       sonar-preflight audit merge [flags] REPORT.json...

Audits every project of a SonarQube server against its DevOps Platform records, Azure
DevOps and GitHub: records that are gone, refused or of the wrong URL shape; repositories
missing, renamed, disabled, archived or not visible; several projects on one repository
without monorepo; main branch other than the repository's default branch; projects never
or long not analysed. Reads listings first (projects, bindings, records, each
organization's repositories, each GitHub owner's repositories) and asks per project only
what no listing answers.

Configuration as for check, without a project key: SonarQube URL and a token of a user
with Administer System (SONAR_TOKEN, or SONAR_ADMIN_TOKEN when set; the service
connection and the adminToken input in a task); optional Azure DevOps PAT
(AZURE_DEVOPS_EXT_PAT, input azureDevOpsPat), sent only to the organizations named for
the audit: those named with --organizations or --organization (inputs organizations and
organization, variables SONAR_PREFLIGHT_ORGANIZATIONS and
AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION), which are listed too, and the pipeline's own
(SYSTEM_TEAMFOUNDATIONCOLLECTIONURI). An organization that only SonarQube's records name
is not contacted (the report says which) unless --trust-record-organizations (input
trustRecordOrganizations) lets the PAT go to every Azure DevOps Services organization the
records name. Optional GitHub token (GITHUB_TOKEN, input gitHubToken): sent to GitHub.com's
API, to the GitHub Enterprise APIs named with --github-urls (input gitHubUrls, variable
SONAR_PREFLIGHT_GITHUB_URLS) and to the pipeline's own GitHub, never to one only
SonarQube's records name. Other task inputs: auditReport, auditBaseline, requireBinding,
auditTimeout, failOn.

Sharding: --shard K/N audits the projects whose key hashes to K of N (1-based); inside a
job with 'parallel: N' it defaults to SYSTEM_JOBPOSITIONINPHASE/SYSTEM_TOTALJOBSINPHASE.
'audit merge' checks that the shard reports form one complete audit (same server, same
N, every K once; else exit 2 naming what is missing) and prints the merged report.

Exit codes: 0 passed (or warnings with --fail-on error), 1 the audit found failures or
could not run, 2 command line wrong or shard set incomplete.

`

// auditFlags are audit's own flags.
type auditFlags struct {
	commonFlags
	shard, jsonFile, organizations, baseline, concurrency string
	requireBinding, branches, trustRecordOrgs             bool
	staleDays                                             int
	gitHubURLs                                            listFlag
}

// listFlag is a flag given as a comma-separated list, any number of times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, splitList(v)...)
	return nil
}

// splitList splits a list written with commas, line breaks or spaces, as
// the organizations input and its variable are.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
}

// auditDefaultTimeout is the deadline when none is configured: a fleet
// takes longer than one pipeline's preflight.
const auditDefaultTimeout = 30 * time.Minute

func (a App) audit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return a.auditMerge(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var af auditFlags
	af.register(fs, false)
	// The audit's own words for the shared flags: its deadline is longer,
	// and its summaries are not coloured.
	fs.Lookup("timeout").Usage = "overall `deadline`, e.g. 30m or 1800, at most 1h (default 30m; task input auditTimeout)"
	fs.Lookup("color").Usage = "`colour` as for check (auto, always or never): accepted, though the audit's summaries have none"
	fs.StringVar(&af.hostURL, "host-url", "", "SonarQube `URL` (overrides the service connection and SONAR_HOST_URL)")
	fs.StringVar(&af.resolve, "resolve", "", "host:port:address `list` (comma-separated) to connect to instead of using DNS, like curl --resolve")
	fs.StringVar(&af.shard, "shard", "", "audit shard `K/N` (1-based), e.g. 2/4; default from SYSTEM_JOBPOSITIONINPHASE/SYSTEM_TOTALJOBSINPHASE, else 1/1")
	fs.StringVar(&af.jsonFile, "json-file", "", "also write the JSON report to this `path`, whatever --format says (task input auditReport)")
	fs.StringVar(&af.organizations, "organizations", "", "Azure DevOps organization or collection `URLs` (comma-separated) to audit: the PAT goes to these, the pipeline's own and --organization, never to one only SonarQube's records name (task input organizations)")
	// The single organization check reads (flag, organization input,
	// AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION) counts here as one more.
	orgHelp := "one more Azure DevOps organization or collection `URL` to list, as --organizations (overrides the organization input and AZURE_DEVOPS_EXT__DEFAULTS_ORGANIZATION)"
	fs.StringVar(&af.organization, "organization", "", orgHelp)
	fs.StringVar(&af.organization, "org", "", "short for --organization `URL`")
	ghHelp := "GitHub Enterprise API `URLs` (comma-separated; https://HOST/api/v3, or the web address) the GitHub token may go to besides GitHub.com's, never to one only SonarQube's records name (task input gitHubUrls, SONAR_PREFLIGHT_GITHUB_URLS)"
	fs.Var(&af.gitHubURLs, "github-urls", ghHelp)
	fs.Var(&af.gitHubURLs, "github-url", "one more GitHub API `URL`, as --github-urls (repeatable)")
	fs.StringVar(&af.baseline, "baseline", "", "a previous audit's JSON report at `path`: its repository ids tell renamed repositories from deleted ones (task input auditBaseline)")
	fs.StringVar(&af.concurrency, "concurrency", "", fmt.Sprintf("at most `n` requests in flight per host, 1 to 64 (default %d; SONAR_PREFLIGHT_CONCURRENCY)", audit.DefaultConcurrency))
	fs.BoolVar(&af.requireBinding, "require-binding", false, "an unbound project fails instead of being skipped (task input requireBinding)")
	fs.BoolVar(&af.trustRecordOrgs, "trust-record-organizations", false, "also send the Azure DevOps PAT to every Azure DevOps Services organization SonarQube's records name, not only to those named for the audit (task input trustRecordOrganizations, SONAR_PREFLIGHT_TRUST_RECORD_ORGANIZATIONS=true)")
	fs.BoolVar(&af.branches, "branches", true, "compare each bound project's main branch with its repository's default branch (one request per such project); --branches=false skips it")
	fs.IntVar(&af.staleDays, "stale-days", 90, "`days` without analysis that earn a note")
	if done, code := parseFlags(fs, args, stdout, stderr, auditHelp); done {
		return code
	}
	if err := af.validate(); err != nil {
		return usageError(stderr, "audit", err.Error())
	}
	opts, err := af.resolveInputs(getenv)
	if err != nil {
		return usageError(stderr, "audit", err.Error())
	}
	return a.runAudit(ctx, af, opts, getenv, stdout, stderr)
}

// auditInputs are the audit's settings after flags, task inputs and
// variables are weighed.
type auditInputs struct {
	shard          audit.Shard
	jsonFile       string
	organizations  []string
	baseline       string
	concurrency    int
	requireBinding bool
	// trustRecordOrgs lets the PAT go to the Services organizations the
	// records name, besides those named for the audit.
	trustRecordOrgs bool
	// gitHubURLs are the GitHub APIs the GitHub token may go to besides
	// GitHub.com's: --github-urls, the gitHubUrls input, or its variable.
	gitHubURLs []string
}

// resolveInputs applies the precedence flags > task inputs > variables.
func (af *auditFlags) resolveInputs(getenv func(string) string) (auditInputs, error) {
	in := auditInputs{concurrency: audit.DefaultConcurrency}
	shard := firstOf(af.shard, getenv("INPUT_SHARD"), getenv("SONAR_PREFLIGHT_SHARD"))
	switch {
	case shard != "":
		sh, err := audit.ParseShard(shard)
		if err != nil {
			return in, fmt.Errorf("--shard: %w", err)
		}
		in.shard = sh
	case getenv("SYSTEM_TOTALJOBSINPHASE") != "" && getenv("SYSTEM_JOBPOSITIONINPHASE") != "":
		k, err1 := strconv.Atoi(strings.TrimSpace(getenv("SYSTEM_JOBPOSITIONINPHASE")))
		n, err2 := strconv.Atoi(strings.TrimSpace(getenv("SYSTEM_TOTALJOBSINPHASE")))
		sh := audit.Shard{Index: k, Count: n}
		if err1 != nil || err2 != nil || sh.Validate() != nil {
			return in, fmt.Errorf("SYSTEM_JOBPOSITIONINPHASE=%q and SYSTEM_TOTALJOBSINPHASE=%q do not name a shard; give --shard K/N", getenv("SYSTEM_JOBPOSITIONINPHASE"), getenv("SYSTEM_TOTALJOBSINPHASE"))
		}
		in.shard = sh
	default:
		in.shard = audit.Whole
	}
	in.jsonFile = firstOf(af.jsonFile, getenv("INPUT_AUDITREPORT"), getenv("SONAR_PREFLIGHT_AUDIT_REPORT"))
	in.baseline = firstOf(af.baseline, getenv("INPUT_AUDITBASELINE"), getenv("SONAR_PREFLIGHT_AUDIT_BASELINE"))
	in.organizations = strings.FieldsFunc(firstOf(af.organizations, getenv("INPUT_ORGANIZATIONS"), getenv("SONAR_PREFLIGHT_ORGANIZATIONS")), func(r rune) bool {
		return r == ',' || r == '\n' || r == ' '
	})
	in.gitHubURLs = af.gitHubURLs
	source := "--github-urls"
	if len(in.gitHubURLs) == 0 {
		source = "gitHubUrls"
		if getenv("INPUT_GITHUBURLS") == "" {
			source = "SONAR_PREFLIGHT_GITHUB_URLS"
		}
		in.gitHubURLs = splitList(firstOf(getenv("INPUT_GITHUBURLS"), getenv("SONAR_PREFLIGHT_GITHUB_URLS")))
	}
	for _, u := range in.gitHubURLs {
		if _, err := github.HostFromAPIURL(u); err != nil {
			// The error names the URL without its user info.
			return in, fmt.Errorf("%s: %w", source, err)
		}
	}
	if c := firstOf(af.concurrency, getenv("INPUT_CONCURRENCY"), getenv("SONAR_PREFLIGHT_CONCURRENCY")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 64 {
			return in, fmt.Errorf("--concurrency %q: give a number from 1 to 64", c)
		}
		in.concurrency = n
	}
	in.requireBinding = af.requireBinding || strings.EqualFold(strings.TrimSpace(getenv("INPUT_REQUIREBINDING")), "true")
	in.trustRecordOrgs = af.trustRecordOrgs || strings.EqualFold(strings.TrimSpace(getenv("INPUT_TRUSTRECORDORGANIZATIONS")), "true") ||
		strings.EqualFold(strings.TrimSpace(getenv("SONAR_PREFLIGHT_TRUST_RECORD_ORGANIZATIONS")), "true")
	if af.staleDays < 1 {
		return in, fmt.Errorf("--stale-days %d: give a number of days, at least 1", af.staleDays)
	}
	return in, nil
}

func (a App) runAudit(ctx context.Context, af auditFlags, in auditInputs, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg := config.Load(ctx, getenv, config.Flags{
		HostURL: af.hostURL, FailOn: af.failOn, Timeout: af.timeout, Format: af.format, Resolve: af.resolve,
		Debug: af.debug, NoProject: true, Organization: af.organization,
	})
	// The one organization check takes (--organization, its input, az
	// devops' variable) is listed as the organizations are.
	if cfg.AzureOrg != "" {
		in.organizations = append(in.organizations, cfg.AzureOrg)
	}
	reg := &secret.Registry{}
	reg.Add(cfg.Secrets()...)
	// As in check: output is built from parts. Server text is redacted as it
	// arrives (the HTTP client) and cleaned where the audit's renderers put
	// it (audit.Show, package text); the program's own words (commands, the
	// verdict) are never redacted; the debug log's values are redacted and
	// cleaned one by one.
	var out io.Writer = stdout
	errw := &lineWriter{w: stderr}
	defer errw.close()
	var pipe *azp.Writer
	if cfg.Format == "azp" {
		pipe = azp.New(out)
		for _, v := range reg.Values() {
			if err := pipe.SetSecret(v); err != nil {
				errw.printf("sonar-preflight: cannot write to stdout: %s\n", untrusted(reg, err.Error()))
				return ExitFail
			}
		}
	}
	fail := func(msg string) int {
		msg = errText(reg, msg)
		if pipe != nil {
			_ = pipe.Issue(azp.Error, msg)
			_ = pipe.Complete(azp.Failed, "SonarQube fleet audit could not run")
		} else {
			errw.printf("sonar-preflight audit: %s\n", msg)
		}
		return ExitFail
	}
	if len(cfg.Problems) > 0 {
		var lines []string
		for _, p := range cfg.Problems {
			l := p.Field + ": " + p.Message
			if p.Source != "" {
				l += " (" + p.Source + ")"
			}
			if p.Remedy != "" {
				l += " → " + p.Remedy
			}
			lines = append(lines, l)
		}
		return fail("the configuration is not usable: " + strings.Join(lines, "; "))
	}
	// The deadline: --timeout, else the task's auditTimeout input (the
	// task's timeout input defaults to a preflight's 60 seconds), else the
	// other sources, else the audit's own default.
	timeout := cfg.Timeout
	switch t := strings.TrimSpace(getenv("INPUT_AUDITTIMEOUT")); {
	case af.timeout != "":
	case t != "":
		d, err := config.ParseTimeout(t)
		if err != nil {
			return fail("auditTimeout: " + err.Error())
		}
		timeout = d
	case cfg.Sources["SONAR_PREFLIGHT_TIMEOUT"] == "":
		timeout = auditDefaultTimeout
	}

	log := zerolog.Nop()
	if cfg.Debug {
		var closeLog func() error
		log, closeLog = a.debugLog(errw, reg)
		defer closeLog()
		log.Debug().Str("version", version.String()).Str("format", cfg.Format).Str("shard", in.shard.String()).
			Int("concurrency", in.concurrency).Dur("timeout", timeout).Interface("sources", cfg.Sources).Msg("audit configuration")
	}
	// The deadline covers everything from here, reading CA bundles included.
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ho := a.httpOptions(runCtx, cfg, log, reg)
	ho.MaxBody = azdo.MaxListingBody // an organization's repository listing can be large
	// Every request in flight keeps its connection for the next one.
	ho.MaxIdleConnsPerHost = in.concurrency
	ho.Credentials = auditCredentials(cfg, in)
	hc, err := httpx.New(ho)
	if err != nil {
		return fail(err.Error())
	}
	gate := &audit.Gate{Base: hc.Transport, Limit: in.concurrency, Now: a.Now}
	gated := &http.Client{Transport: gate, CheckRedirect: hc.CheckRedirect}

	token := cfg.SonarToken
	if !cfg.AdminToken.Empty() {
		token = cfg.AdminToken
	}
	sc, err := sonar.New(cfg.SonarURL, token, gated, sonar.WithVersion(version.String()))
	if err != nil {
		return fail(err.Error())
	}
	var baseline map[string]audit.BaselineEntry
	var notes []string
	if in.baseline != "" {
		// A previous run's report: regular file, size-capped, read in
		// flat memory (a FIFO or a device here is an error, not a hang).
		f, err := audit.OpenReport(in.baseline)
		switch {
		case errors.Is(err, os.ErrNotExist):
			// The first run of a scheduled audit has no previous report.
			notes = append(notes, "No previous report at "+in.baseline+": a renamed repository shows as missing until the next run.")
		case err == nil:
			baseline, err = audit.ReadBaseline(f)
			f.Close()
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fail(fmt.Sprintf("the baseline report %s cannot be read: %v", in.baseline, err))
		}
	}

	progress := a.progressReporter(pipe, errw, stderr, cfg.Format, getenv)
	res, err := audit.Run(runCtx, audit.Options{
		Sonar: sc, HTTP: gated, PAT: cfg.AzurePAT, Organizations: in.organizations, Shard: in.shard,
		GitHubToken: cfg.GitHubToken, GitHubAPIs: auditGitHubAPIs(cfg, in),
		NamedOrganizations: []string{cfg.Pipeline.CollectionURI, cfg.AzureOrg}, TrustRecordOrganizations: in.trustRecordOrgs,
		RequireBinding: in.requireBinding, Branches: af.branches, StaleAfter: time.Duration(af.staleDays) * 24 * time.Hour,
		Baseline: baseline, Workers: 2 * in.concurrency, UserAgent: "sonar-preflight/" + version.String(), Now: a.Now,
		Progress: progress.update, Requests: gate.Requests, Notes: notes,
	})
	progress.done()
	if err != nil {
		return fail(err.Error())
	}
	return a.writeAudit(res, cfg, in, pipe, out, errw, reg.Redact)
}

// auditCredentials is where the audit's credentials may go: the SonarQube
// tokens to the SonarQube server; the PAT to the organizations named for
// the audit (the pipeline's, the organization setting, --organizations),
// and to the rest of Azure DevOps Services only with
// --trust-record-organizations: a record of SonarQube's is not the user's
// word, and a record naming https://dev.azure.com/attacker-org would
// otherwise have the PAT authenticate there.
func auditCredentials(cfg *config.Config, in auditInputs) []httpx.Credential {
	var patDest []string
	if in.trustRecordOrgs {
		patDest = azdo.ServicesDestinations()
	}
	for _, raw := range append([]string{cfg.Pipeline.CollectionURI, cfg.AzureOrg}, in.organizations...) {
		if org, err := azdo.ParseOrgURL(raw); raw != "" && err == nil {
			patDest = append(patDest, azdo.PATDestinations(org)...)
		}
	}
	var ghDest []string
	for _, raw := range append([]string{github.DotCom().APIURL}, auditGitHubAPIs(cfg, in)...) {
		if h, err := github.HostFromAPIURL(raw); err == nil {
			ghDest = append(ghDest, github.TokenDestinations(h)...)
		}
	}
	return credentialsWith(cfg,
		patDest, "Name the organization with --organizations or --organization (the organizations or organization input), or pass --trust-record-organizations for the Azure DevOps Services organizations SonarQube's records name",
		ghDest, "In the fleet audit the GitHub token goes only to GitHub.com's API, the GitHub APIs named with --github-urls (the gitHubUrls input) and the GitHub of the pipeline's repository; name the GitHub there")
}

// auditGitHubAPIs are the GitHub APIs named for the audit besides
// GitHub.com's, which giving a token names: --github-urls (its input or
// variable) and, in a pipeline that builds a GitHub repository, that
// repository's GitHub. A GitHub that only SonarQube's records name is not
// among them.
func auditGitHubAPIs(cfg *config.Config, in auditInputs) []string {
	out := slices.Clone(in.gitHubURLs)
	switch strings.ToLower(cfg.Pipeline.RepoProvider) {
	case "github", "githubenterprise":
		if h, err := github.RepoHost(cfg.Pipeline.RepoURI, cfg.Pipeline.RepoName); err == nil {
			out = append(out, h.APIURL)
		}
	}
	return out
}

// writeAudit streams the judged projects to the JSON report (stdout, the
// JSON file, or both) and the digest, then prints the summary for the
// format and returns the exit code.
func (a App) writeAudit(res *audit.Audit, cfg *config.Config, in auditInputs, pipe *azp.Writer, out, errw io.Writer, scrub func(string) string) int {
	h := res.Header()
	h.Records = res.Records()
	// Server text was redacted as it arrived; what a --baseline file said
	// was not: every string of the report is redacted once more here.
	h = h.Scrub(scrub)
	var sinks []io.Writer
	if cfg.Format == "json" {
		sinks = append(sinks, out)
	}
	var file *os.File
	if in.jsonFile != "" {
		if err := os.MkdirAll(filepath.Dir(in.jsonFile), 0o755); err != nil {
			fmt.Fprintf(errw, "sonar-preflight audit: cannot create the report's directory: %s\n", txt.CleanLine(scrub(err.Error()), txt.DefaultLimits))
			return ExitFail
		}
		f, err := os.Create(in.jsonFile)
		if err != nil {
			fmt.Fprintf(errw, "sonar-preflight audit: cannot write the report: %s\n", txt.CleanLine(scrub(err.Error()), txt.DefaultLimits))
			return ExitFail
		}
		file = f
		defer file.Close()
		sinks = append(sinks, f)
	}
	var jw *audit.JSONWriter
	if len(sinks) > 0 {
		jw = audit.NewJSONWriter(io.MultiWriter(sinks...), h)
	}
	d := audit.NewDigest(h)
	for p := range res.Projects() {
		p = p.Scrub(scrub)
		d.Add(p)
		if jw != nil {
			if err := jw.Project(p); err != nil {
				fmt.Fprintf(errw, "sonar-preflight audit: could not write the report: %s\n", txt.CleanLine(scrub(err.Error()), txt.DefaultLimits))
				return ExitFail
			}
		}
	}
	if jw != nil {
		if err := jw.Close(res.RequestCount(), res.Elapsed()); err != nil {
			fmt.Fprintf(errw, "sonar-preflight audit: could not write the report: %s\n", txt.CleanLine(scrub(err.Error()), txt.DefaultLimits))
			return ExitFail
		}
	}
	if file != nil {
		if err := file.Close(); err != nil {
			fmt.Fprintf(errw, "sonar-preflight audit: could not write the report: %s\n", txt.CleanLine(scrub(err.Error()), txt.DefaultLimits))
			return ExitFail
		}
	}
	code := exitFor(audit.Verdict(d.Summary, h.Records), cfg.FailOn)
	d.Finish(res.Elapsed(), res.RequestCount(), code)
	return a.printDigest(d, cfg, pipe, out, errw, code)
}

func exitFor(v audit.Status, failOn string) int {
	if v == audit.Fail || v == audit.Warn && failOn == "warning" {
		return ExitFail
	}
	return ExitOK
}

// printDigest shows the summary in the run's format.
func (a App) printDigest(d *audit.Digest, cfg *config.Config, pipe *azp.Writer, out, errw io.Writer, code int) int {
	switch cfg.Format {
	case "json":
		// The report itself went to stdout.
	case "text":
		_, _ = io.WriteString(out, d.Text())
	case "markdown":
		_, _ = io.WriteString(out, d.Markdown())
	case "azp":
		if err := auditPipelineOutput(pipe, d, cfg.Pipeline.TempDir); err != nil {
			fmt.Fprintf(errw, "sonar-preflight audit: could not write to stdout: %s\n", errText(nil, err.Error()))
			return ExitFail
		}
	}
	return code
}

// auditSummaryPrefix starts the name of the Markdown summary the azp format
// uploads; each run's file is new (report.WriteSummaryFile), so shards that
// share a temp folder each upload their own.
const auditSummaryPrefix = "sonar-preflight-audit-summary-"

// maxIssues bounds the issues an audit raises in a pipeline: each shows in
// the run's summary, and a fleet can have thousands of findings.
const maxIssues = 20

func auditPipelineOutput(w *azp.Writer, d *audit.Digest, tempDir string) error {
	if err := w.Section("sonar-preflight audit: " + audit.Show(d.Header.Server)); err != nil {
		return err
	}
	if err := w.Line(d.Text()); err != nil {
		return err
	}
	n := 0
	for _, r := range d.Header.Records {
		if (r.Status == audit.Fail || r.Status == audit.Warn) && n < maxIssues {
			kind := azp.Warning
			if r.Status == audit.Fail {
				kind = azp.Error
			}
			if err := w.Issue(kind, "record "+audit.Show(r.Key)+": "+audit.Show(r.Message)+" "+audit.Show(r.Remedy)); err != nil {
				return err
			}
			n++
		}
	}
	for _, p := range d.Worst() {
		if n >= maxIssues || len(p.Findings) == 0 {
			break
		}
		kind := azp.Warning
		if p.Status == audit.Fail {
			kind = azp.Error
		}
		f := p.Findings[0]
		if err := w.Issue(kind, "project "+audit.Show(p.Key)+": "+audit.Show(f.ID)+": "+audit.Show(f.Message)); err != nil {
			return err
		}
		n++
	}
	if rest := d.Summary.Fail + d.Summary.Warn - len(d.Worst()); rest > 0 || n >= maxIssues {
		if err := w.Line(fmt.Sprintf("Issues are raised for the first %d records and projects; the summary tab and the JSON report list the rest.", maxIssues)); err != nil {
			return err
		}
	}
	if err := report.UploadSummary(w, tempDir, auditSummaryPrefix, d.Markdown()); err != nil {
		return err
	}
	if err := w.SetVariable("verdict", string(d.Verdict), azp.VarOpts{IsOutput: true}); err != nil {
		return err
	}
	result := azp.Succeeded
	switch {
	case d.ExitCode != 0:
		result = azp.Failed
	case d.Verdict == audit.Warn || d.Verdict == audit.Fail:
		result = azp.SucceededWithIssues
	}
	s := d.Summary
	return w.Complete(result, fmt.Sprintf("SonarQube fleet audit %s: %d projects, %d failed, %d warned", strings.ToUpper(string(d.Verdict)), s.Projects, s.Fail, s.Warn))
}

// progress reports how far the per-project work is: task.setprogress in a
// pipeline (each whole percent), a line on stderr redrawn in place on a
// terminal, nothing otherwise.
type progress struct {
	mu       sync.Mutex
	pipe     *azp.Writer
	term     io.Writer
	last     int
	lastDraw time.Time
	now      func() time.Time
	drawn    bool
}

func (a App) progressReporter(pipe *azp.Writer, errw io.Writer, rawStderr io.Writer, format string, getenv func(string) string) *progress {
	p := &progress{last: -1, now: a.Now}
	if format == "azp" {
		p.pipe = pipe
	}
	if f, ok := rawStderr.(*os.File); ok && format != "azp" && getenv("TERM") != "dumb" && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		p.term = errw
	}
	return p
}

func (p *progress) update(done, total int) {
	if total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pct := done * 100 / total
	if p.pipe != nil && pct != p.last {
		_ = p.pipe.Command(azp.Command{Name: "task.setprogress", Props: []azp.Prop{{Key: "value", Value: strconv.Itoa(pct)}},
			Data: fmt.Sprintf("Audited %d of %d projects", done, total)})
	}
	p.last = pct
	if p.term != nil && (done == total || p.now().Sub(p.lastDraw) >= 100*time.Millisecond) {
		fmt.Fprintf(p.term, "\raudit: %d/%d projects (%d%%)", done, total, pct)
		p.lastDraw = p.now()
		p.drawn = true
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.term, "\n")
	}
}

const auditMergeHelp = `Usage: sonar-preflight audit merge [--format F] [--fail-on V] [--json-file PATH] REPORT.json...

Merges the JSON reports of a sharded audit (one per shard, in any order) into the report
an unsharded audit would have written: it checks that they form one complete audit (same
server, same shard count, every shard once, each project in its own shard), applies the
monorepo rule across all shards, and prints the merged report in the chosen format
(default json; the pipeline format publishes the summary and fails the step on the
verdict).

In a task (command merge) the reports are the files matching the auditReports input (glob
patterns, one a line) and the merged report goes to the auditReport input.

Exit codes: 0 passed (or warnings with --fail-on error), 1 failures found, 2 command line
wrong or shard set incomplete.

`

func (a App) auditMerge(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit merge", flag.ContinueOnError)
	var cf commonFlags
	fs.StringVar(&cf.format, "format", "", "output `format`: auto, azp, text, json or markdown (default json; azp when TF_BUILD=True)")
	fs.StringVar(&cf.failOn, "fail-on", "", "`verdict` that fails the run: error (default) or warning")
	fs.StringVar(&cf.color, "color", "auto", "`colour` as for check (auto, always or never): accepted, though the audit's summaries have none")
	jsonFile := fs.String("json-file", "", "also write the merged JSON report to this `path` (task input auditReport)")
	fs.SetOutput(io.Discard)
	// Reports follow the flags; flag stops at the first file name.
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, auditMergeHelp)
		writeFlags(stdout, fs)
		return ExitOK
	}
	if err != nil {
		return usageError(stderr, "audit merge", err.Error())
	}
	if err := cf.validate(); err != nil {
		return usageError(stderr, "audit merge", err.Error())
	}
	// The reports come from other jobs (a shard's artifact, its very file
	// name) and are printed here: every message quoting them is redacted
	// with this run's secrets and cleaned (package text), as the merged
	// report itself is.
	reg := &secret.Registry{}
	reg.Add(config.Load(ctx, getenv, config.Flags{NoProject: true}).Secrets()...)
	say := func(format string, args ...any) {
		fmt.Fprintf(stderr, "sonar-preflight audit merge: %s\n", errText(reg, fmt.Sprintf(format, args...)))
	}
	files := fs.Args()
	if len(files) == 0 {
		// In a task: the auditReports input, glob patterns one a line.
		patterns := strings.FieldsFunc(getenv("INPUT_AUDITREPORTS"), func(r rune) bool { return r == '\n' || r == '\r' })
		for _, p := range patterns {
			matches, err := filepath.Glob(strings.TrimSpace(p))
			if err != nil {
				say("auditReports %q: %v", p, err)
				return ExitUsage
			}
			files = append(files, matches...)
		}
		if len(files) == 0 {
			if len(patterns) > 0 {
				say("no shard report matches %s: were the shards' artifacts downloaded?", strings.Join(patterns, ", "))
			} else {
				_ = usageError(stderr, "audit merge", "give the shard reports to merge")
			}
			return ExitUsage
		}
	}
	if *jsonFile == "" {
		*jsonFile = firstOf(getenv("INPUT_AUDITREPORT"), getenv("SONAR_PREFLIGHT_AUDIT_REPORT"))
	}
	format := strings.ToLower(cf.format)
	if format == "" || format == "auto" {
		format = "json"
		if strings.EqualFold(strings.TrimSpace(getenv("TF_BUILD")), "true") {
			format = "azp"
		}
	}
	failOn := strings.ToLower(cf.failOn)
	if failOn == "" {
		failOn = strings.ToLower(firstOf(getenv("INPUT_FAILON"), getenv("SONAR_PREFLIGHT_FAIL_ON")))
	}
	if failOn != "warning" {
		failOn = "error"
	}

	var pipe *azp.Writer
	if format == "azp" {
		// As in a run: the secrets are registered before any other output.
		pipe = azp.New(stdout)
		for _, v := range reg.Values() {
			if err := pipe.SetSecret(v); err != nil {
				say("cannot write to stdout: %v", err)
				return ExitFail
			}
		}
	}

	// The merged JSON goes to a temporary file first: a set found
	// incomplete halfway must not leave half a report behind.
	tmp, err := os.CreateTemp("", "sonar-preflight-merge-*.json")
	if err != nil {
		say("%v", err)
		return ExitFail
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	verdict, err := audit.Merge(tmp, files, reg.Redact)
	var ie *audit.IncompleteError
	if errors.As(err, &ie) {
		say("%v", err)
		if pipe != nil {
			_ = pipe.Issue(azp.Error, "sonar-preflight audit merge: "+errText(reg, err.Error()))
			_ = pipe.Complete(azp.Failed, "the shard reports are incomplete")
		}
		return ExitUsage
	}
	if err != nil {
		say("%v", err)
		return ExitFail
	}
	code := exitFor(verdict, failOn)
	if *jsonFile != "" {
		if err := copyFile(tmp.Name(), *jsonFile); err != nil {
			say("cannot write %s: %v", *jsonFile, err)
			return ExitFail
		}
	}
	if format == "json" {
		_, err := tmp.Seek(0, io.SeekStart)
		if err == nil {
			_, err = io.Copy(stdout, tmp)
		}
		if err != nil {
			say("%v", err)
			return ExitFail
		}
		return code
	}
	// Text, Markdown and the pipeline summary come from a digest of the
	// merged report, read back as it streams.
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		say("%v", err)
		return ExitFail
	}
	var h audit.Header
	var d *audit.Digest
	var projects []audit.Project // kept only until the header is known
	tail, err := audit.ReadReport(tmp, &h, func(p audit.Project) error {
		if d == nil {
			if h.Records == nil {
				projects = append(projects, p)
				return nil
			}
			d = audit.NewDigest(h)
			for _, q := range projects {
				d.Add(q)
			}
			projects = nil
		}
		d.Add(p)
		return nil
	})
	if err != nil {
		say("%v", err)
		return ExitFail
	}
	if d == nil {
		d = audit.NewDigest(h)
		for _, q := range projects {
			d.Add(q)
		}
	}
	d.Finish(time.Duration(tail.ElapsedMS)*time.Millisecond, tail.Requests, code)
	cfg := &config.Config{Format: format, FailOn: failOn, Pipeline: config.Pipeline{TempDir: getenv("AGENT_TEMPDIRECTORY")}}
	return a.printDigest(d, cfg, pipe, stdout, stderr, code)
}

// errLimits bound one error line: it may quote several file paths and
// problems, and still stays one capped line.
var errLimits = txt.Limits{Run: 1024, Line: 8192}

// errText is an error's text for stderr or a pipeline issue: redacted (reg
// may be nil before secrets are known), then cleaned to one capped line.
func errText(reg *secret.Registry, s string) string {
	if reg != nil {
		s = reg.Redact(s)
	}
	return txt.CleanLine(s, errLimits).String()
}

// firstOf is the first value that is not blank, trimmed: flags, then task
// inputs, then variables.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
