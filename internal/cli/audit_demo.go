package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sonar-preflight/internal/audit"
	"sonar-preflight/internal/simulator"
)

const demoAuditHelp = `Usage: sonar-preflight demo audit [--projects N] [--fallback] [--format F]

Starts a simulated SonarQube with N projects (every kind of finding among them, bound to
two Azure DevOps organizations, GitHub.com and a GitHub Enterprise Server) and runs the
real fleet audit against it, with a previous report as baseline so that renamed
repositories show as such. --fallback simulates
SonarQube 9.9, whose bindings are read one project at a time.

`

// demoAudit runs the fleet audit against the fleet simulator.
func (a App) demoAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo audit", flag.ContinueOnError)
	n := fs.Int("projects", 200, "`N` projects on the simulated server, 1 to 100000")
	fallback := fs.Bool("fallback", false, "simulate SonarQube 9.9: no v2 listings, bindings read per project")
	format := fs.String("format", "text", "output `format`: text, json, markdown or azp")
	if done, code := parseFlags(fs, args, stdout, stderr, demoAuditHelp); done {
		return code
	}
	if *n < 1 || *n > 100000 {
		fmt.Fprintln(stderr, "sonar-preflight demo audit: --projects must be between 1 and 100000")
		return ExitUsage
	}
	dir, err := os.MkdirTemp("", "sonar-preflight-demo-audit-")
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo audit: %v\n", err)
		return ExitFail
	}
	defer os.RemoveAll(dir)
	share := func(pct int) int { return max(*n*pct/100, 1) }
	fl := simulator.Fleet{Projects: *n, Mix: simulator.FleetMix{
		Unbound: share(5), NeverAnalysed: share(2), Stale: share(3), RecordGone: share(1), BadRecordURL: share(1),
		RecordRejected: share(1), RepoMissing: share(1), RepoRenamed: share(1), RepoDisabled: share(1), NotVisible: share(1),
		Monorepo: 2 * share(1), MainBranch: share(2), GitHub: share(3), GitHubUser: share(1), GitHubMissing: share(1),
		GitHubRenamed: share(1), GitHubArchived: share(1), GitHubNotVisible: share(1), GitHubMainBranch: share(1),
		GitHubEnterprise: share(1),
	}}
	if *fallback {
		fl.Version = "9.9.8.100196"
	}
	f, err := simulator.StartFleet(fl, simulator.Options{Dir: dir})
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo audit: could not start the simulator: %v\n", err)
		return ExitFail
	}
	defer f.Close()
	// The previous audit's report, as a pipeline would keep it: it knows
	// the ids of the repositories renamed since.
	baseline := filepath.Join(dir, "previous-audit.json")
	bf, err := os.Create(baseline)
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo audit: %v\n", err)
		return ExitFail
	}
	w := audit.NewJSONWriter(bf, audit.Header{Tool: "sonar-preflight audit", Server: f.SonarURL, Shard: audit.Whole.Info()})
	for _, k := range slices.Sorted(maps.Keys(f.Renamed())) {
		ids := f.Renamed()[k]
		_ = w.Project(audit.Project{Key: k, Status: audit.Pass, RepositoryID: ids[0], AzureProjectID: ids[1]})
	}
	err = w.Close(0, 0)
	if err == nil {
		err = bf.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "sonar-preflight demo audit: %v\n", err)
		return ExitFail
	}
	// Only the simulator's environment: the user's own tokens must not
	// reach the simulator.
	env := f.Env()
	env["AGENT_TEMPDIRECTORY"] = dir
	if t := getenv("AGENT_TEMPDIRECTORY"); t != "" {
		env["AGENT_TEMPDIRECTORY"] = t
	}
	if *format == "azp" {
		env["TF_BUILD"] = "True"
	}
	if *format == "text" {
		var b strings.Builder
		writeHanging(&b, "", fmt.Sprintf("Demo: a simulated SonarQube at %s with %d projects, bound to Azure DevOps organizations %s and %s, to GitHub.com and to the GitHub Enterprise Server %s.",
			f.SonarURL, *n, simulator.FleetOrg(0), simulator.FleetOrg(1), simulator.FleetGHESHost))
		fmt.Fprintln(stdout, b.String())
	}
	code := a.audit(ctx, []string{"--format", *format, "--baseline", baseline}, func(k string) string { return env[k] }, stdout, stderr)
	if *format == "text" {
		fmt.Fprintf(stdout, "\nDemo finished: the audit would have exited with code %d (%s); %d requests served.\n", code, exitMeaning(code), f.Requests())
	} else {
		fmt.Fprintf(stderr, "demo audit: the audit would have exited with code %d (%s)\n", code, exitMeaning(code))
	}
	return ExitOK
}
