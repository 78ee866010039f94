package preflight

import (
	"fmt"
	"net/url"
	"strings"

	"sonar-preflight/internal/github"
	"sonar-preflight/internal/httpx"
)

// proxyNotes say, for the configuration check, which proxy path this run
// tested and where the paths of the steps that follow may differ from it:
// the agent proxy as azure-pipelines-task-lib applies it, entries of the
// bypass list this tool could not apply, and the scanner's own settings.
func (r *run) proxyNotes() []string {
	p := r.cfg.Proxy
	if strings.TrimSpace(p.URL) == "" {
		return nil
	}
	proxy := proxyDisplay(p.URL)
	bypass := httpx.ParseBypassList(p.Bypass)
	var paths []string
	sonarDirect := false
	for i, t := range r.proxyTargets() {
		u, err := url.Parse(t.url)
		if err != nil || u.Host == "" {
			continue
		}
		how := "through the proxy"
		if entry, ok := bypass.Match(u); ok {
			how = "directly (bypass entry " + quoteEntry(entry) + ")"
			sonarDirect = sonarDirect || i == 0
		}
		paths = append(paths, fmt.Sprintf("%s %s: %s", t.name, t.url, how))
	}
	notes := []string{fmt.Sprintf("Agent proxy: this run sent its requests through %s (AGENT_PROXYURL) except where AGENT_PROXYBYPASSLIST exempts the URL, as tasks built on azure-pipelines-task-lib do: %s.", proxy, strings.Join(paths, "; "))}

	scanner := "The SonarQube scanner's own connection to SonarQube follows the scanner's settings, not the agent's: SONAR_SCANNER_OPTS (-Dhttps.proxyHost, -Dhttps.proxyPort, -Dhttp.nonProxyHosts) or HTTPS_PROXY; SonarSource's SonarQube tasks, too, read HTTPS_PROXY / HTTP_PROXY for their own calls, not AGENT_PROXYURL."
	switch hp := strings.TrimSpace(p.HTTPSProxy); {
	case hp == "" && sonarDirect:
		scanner += " HTTPS_PROXY is not set here: unless SONAR_SCANNER_OPTS names a proxy they connect to SonarQube directly, as this run did."
	case hp == "":
		scanner += " HTTPS_PROXY is not set here: unless SONAR_SCANNER_OPTS names a proxy they connect to SonarQube directly, a path this run did not test (it went through the agent proxy)."
	case sameProxy(hp, p.URL):
		scanner += " HTTPS_PROXY names the same proxy here; whether they bypass it for SonarQube depends on NO_PROXY (or -Dhttp.nonProxyHosts), not on AGENT_PROXYBYPASSLIST."
	default:
		scanner += fmt.Sprintf(" HTTPS_PROXY names another proxy here (%s), a path this run did not test.", proxyDisplay(hp))
	}
	notes = append(notes, scanner)

	for _, s := range bypass.Skipped {
		if s.GoOnly {
			notes = append(notes, fmt.Sprintf("AGENT_PROXYBYPASSLIST entry %s uses %s. The tasks (JavaScript) and the agent (.NET) accept it, but Go's regular expressions cannot read it as they do: this run did not apply it, so URLs only it exempts go through the proxy in this run while the tasks reach them directly.", quoteEntry(s.Entry), s.Reason))
			continue
		}
		notes = append(notes, fmt.Sprintf("AGENT_PROXYBYPASSLIST entry %s: %s. This run did not apply it; the agent drops entries it cannot compile without a word, and a task that reads the list with azure-pipelines-task-lib fails on an entry JavaScript cannot compile.", quoteEntry(s.Entry), s.Reason))
	}
	return notes
}

// quoteEntry shows a regular expression as written, without Go's escaping
// of its backslashes.
func quoteEntry(e string) string { return "\"" + e + "\"" }

type proxyTarget struct{ name, url string }

// proxyTargets are the services this run talks to, by their base URLs.
func (r *run) proxyTargets() []proxyTarget {
	out := []proxyTarget{{"SonarQube", r.cfg.SonarURL}}
	p := r.cfg.Pipeline
	switch r.platform {
	case PlatformAzure, PlatformUnknown:
		if !r.cfg.AzurePAT.Empty() && p.CollectionURI != "" {
			out = append(out, proxyTarget{"Azure DevOps", strings.TrimRight(p.CollectionURI, "/")})
		}
	case PlatformGitHub:
		if !r.cfg.GitHubToken.Empty() {
			if h, err := github.HostFromRepoURI(p.RepoURI); err == nil {
				out = append(out, proxyTarget{"GitHub", h.APIURL})
			}
		}
	}
	return out
}

// proxyDisplay names a proxy by scheme, host and port only: its URL may
// carry credentials.
func proxyDisplay(raw string) string {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the configured proxy"
	}
	return u.Scheme + "://" + u.Host
}

func sameProxy(a, b string) bool {
	return strings.EqualFold(proxyDisplay(a), proxyDisplay(b))
}
