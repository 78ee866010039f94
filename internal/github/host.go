// Package github checks, through go-github, what a pipeline's GitHub token
// can see: whether the repository is visible, and when GitHub refuses, why
// (bad credentials, SAML SSO authorisation, not visible, rate limit). It
// knows nothing about checks or findings.
package github

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Host is where a repository's GitHub answers its REST API.
type Host struct {
	// APIURL is the REST base URL with a trailing slash:
	// https://api.github.com/ for github.com, https://HOST/api/v3/ for
	// GitHub Enterprise Server, https://api.SUB.ghe.com/ for GitHub
	// Enterprise Cloud with data residency.
	APIURL string
	// Enterprise is true for every host other than github.com.
	Enterprise bool
	// WebHost is the host people browse (github.com, ghe.example:8443).
	WebHost string
}

const (
	dotComAPI  = "https://api.github.com/"
	dotComWeb  = "github.com"
	ghesPrefix = "/api/v3"
)

// ErrRepoURI is returned for a BUILD_REPOSITORY_URI that is not an http(s)
// URL of the form https://host/owner/repo.
var ErrRepoURI = errors.New("not a GitHub repository URL")

// ErrRepoName is returned for a repository name that is not "owner/repo".
var ErrRepoName = errors.New(`not a GitHub repository name of the form "owner/repo"`)

// HostFromRepoURI derives the API host from a repository's web URL
// (BUILD_REPOSITORY_URI): https://github.com/owner/repo(.git) or
// https://ghe.example/owner/repo.
func HostFromRepoURI(uri string) (Host, error) {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		// The parse error repeats the input, which may carry a token in
		// its user info; name only the problem.
		return Host{}, fmt.Errorf("github: repository URI: %w (expected https://host/owner/repo)", ErrRepoURI)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 {
		return Host{}, fmt.Errorf("github: repository URI %s: %w (no owner/repo path)", redacted(u), ErrRepoURI)
	}
	if _, _, err := SplitRepo(segs[0] + "/" + strings.TrimSuffix(segs[1], ".git")); err != nil {
		return Host{}, fmt.Errorf("github: repository URI %s: %w", redacted(u), err)
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "github.com" || host == "www.github.com":
		return Host{APIURL: dotComAPI, WebHost: dotComWeb}, nil
	case strings.HasSuffix(host, ".ghe.com"):
		// Data-residency tenants answer the API at api.<tenant>.ghe.com,
		// without the /api/v3 prefix of GitHub Enterprise Server.
		return Host{APIURL: "https://api." + host + "/", Enterprise: true, WebHost: host}, nil
	}
	hp := hostPort(u.Scheme, host, u.Port())
	return Host{APIURL: u.Scheme + "://" + hp + ghesPrefix + "/", Enterprise: true, WebHost: hp}, nil
}

// SameAPIHost reports whether a SonarQube GitHub configuration record's URL
// (https://api.github.com, https://ghe.example/api/v3) is the API of the
// GitHub that serves repoURI. SonarQube decorates pull requests through the
// record, so a record for another GitHub cannot reach the repository.
func SameAPIHost(recordURL, repoURI string) bool {
	h, err := HostFromRepoURI(repoURI)
	if err != nil {
		return false
	}
	rec, err := url.Parse(strings.TrimSpace(recordURL))
	if err != nil || (rec.Scheme != "https" && rec.Scheme != "http") || rec.Hostname() == "" {
		return false
	}
	api, err := url.Parse(h.APIURL)
	if err != nil {
		return false
	}
	// The scheme is not compared: a record using http for a server also
	// served over https reaches the same GitHub.
	recHost := hostPort(rec.Scheme, strings.ToLower(rec.Hostname()), rec.Port())
	apiHost := hostPort(api.Scheme, strings.ToLower(api.Hostname()), api.Port())
	if recHost != apiHost {
		return false
	}
	return strings.EqualFold(strings.TrimRight(rec.Path, "/"), strings.TrimRight(api.Path, "/"))
}

// SplitRepo splits "owner/repo" (BUILD_REPOSITORY_NAME, a SonarQube
// binding's repository) into its parts.
func SplitRepo(name string) (owner, repo string, err error) {
	owner, repo, ok := strings.Cut(name, "/")
	if !ok || !validOwner(owner) || !validRepo(repo) {
		return "", "", fmt.Errorf("github: %q: %w", truncate(name, 120), ErrRepoName)
	}
	return owner, repo, nil
}

// validOwner accepts GitHub user and organisation names: letters, digits
// and hyphens, plus the underscore of Enterprise Managed Users' short-code
// suffix (octocat_acme).
func validOwner(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// validRepo accepts what GitHub accepts in a repository name; "." and ".."
// are refused because they would change the API path.
func validRepo(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// hostPort joins host and port, dropping the scheme's default port so that
// https://ghe and https://ghe:443 compare equal.
func hostPort(scheme, host, port string) string {
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	// An IPv6 zone must stay escaped for the result to parse as a URL.
	host = strings.ReplaceAll(host, "%", "%25")
	if port == "" {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, port)
}

func redacted(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// RepoHost is the GitHub that serves the pipeline's repository: the host of
// BUILD_REPOSITORY_URI, or github.com when only the owner/repo name is known
// (a laptop run that names the repository alone).
func RepoHost(repoURI, repoName string) (Host, error) {
	if strings.TrimSpace(repoURI) == "" {
		repoURI = "https://github.com/" + repoName
	}
	return HostFromRepoURI(repoURI)
}

// TokenDestinations lists where a GitHub token for h may be sent
// (httpx.Credential Allowed entries): h's REST API and nothing else.
func TokenDestinations(h Host) []string {
	if h.APIURL == "" {
		return nil
	}
	return []string{strings.TrimRight(h.APIURL, "/")}
}

// ErrAPIURL is returned for a URL that names no GitHub REST API.
var ErrAPIURL = errors.New("not a GitHub API URL")

// HostFromAPIURL reads the GitHub a REST API URL names: the URL of a
// SonarQube GitHub configuration record (https://api.github.com,
// https://ghe.example/api/v3, https://api.SUB.ghe.com) or a URL a user names
// for the fleet audit, where the web address of the same GitHub
// (https://github.com, https://ghe.example, https://SUB.ghe.com) is
// accepted too. User info, a query or a fragment make it no API URL: a
// record or setting that carries them is not one this tool guesses at.
func HostFromAPIURL(raw string) (Host, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Opaque != "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// The parse error repeats the input; name only the problem.
		return Host{}, fmt.Errorf("github: %w (expected https://api.github.com or https://HOST/api/v3)", ErrAPIURL)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" || strings.HasPrefix(host, ".") || strings.Contains(host, "..") {
		return Host{}, fmt.Errorf("github: %s: %w (no host name)", redacted(u), ErrAPIURL)
	}
	path := strings.ToLower(strings.TrimRight(u.EscapedPath(), "/"))
	hp := hostPort(u.Scheme, host, u.Port())
	switch {
	case host == "api.github.com" || host == "github.com" || host == "www.github.com":
		if u.Scheme != "https" || hp != host || path != "" {
			break
		}
		return Host{APIURL: dotComAPI, WebHost: dotComWeb}, nil
	case strings.HasSuffix(host, ".ghe.com"):
		// Data residency: api.SUB.ghe.com serves SUB.ghe.com's API at its root.
		tenant := strings.TrimPrefix(host, "api.")
		if u.Scheme != "https" || hp != host || path != "" || strings.Count(tenant, ".") != 2 {
			break
		}
		return Host{APIURL: "https://api." + tenant + "/", Enterprise: true, WebHost: tenant}, nil
	default:
		if path != "" && path != ghesPrefix {
			break
		}
		return Host{APIURL: u.Scheme + "://" + hp + ghesPrefix + "/", Enterprise: true, WebHost: hp}, nil
	}
	return Host{}, fmt.Errorf("github: %s: %w (expected https://api.github.com, https://HOST/api/v3 or https://api.SUB.ghe.com)", redacted(u), ErrAPIURL)
}

// DotCom is github.com's REST API.
func DotCom() Host { return Host{APIURL: dotComAPI, WebHost: dotComWeb} }

// Key names h's API for comparisons: its API URL, without the final slash.
func (h Host) Key() string { return strings.TrimRight(h.APIURL, "/") }
