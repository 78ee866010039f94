// Package azdo is the Azure DevOps REST client of the preflight: it
// normalises organization and repository URLs, probes what a PAT can do, and
// classifies the service's answers into failures a person can act on. It
// knows Azure DevOps, and nothing about checks or reports.
package azdo

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Deployment tells Azure DevOps Services from Azure DevOps Server.
type Deployment int

// Deployments. The zero value means "not parsed".
const (
	Services Deployment = iota + 1 // dev.azure.com and *.visualstudio.com
	Server                         // on-premises Azure DevOps Server / TFS
)

func (d Deployment) String() string {
	switch d {
	case Services:
		return "Azure DevOps Services"
	case Server:
		return "Azure DevOps Server"
	}
	return "unknown deployment"
}

// Org is an organization (Services) or a collection (Server).
type Org struct {
	Deployment Deployment
	// Name is the organization, or the collection's last path segment.
	Name string
	// BaseURL is the root of REST calls, without a trailing slash:
	// https://dev.azure.com/{org}, the legacy https://{org}.visualstudio.com
	// when that is what was given (the service accepts both), or
	// {scheme}://{host[:port]}/[tfs/]{collection}.
	BaseURL string
	// Key compares organizations: "services:{org}" or
	// "server:{scheme}://{host[:port]}/{collection path}", lower case.
	Key string
}

// GlobalProbeURL answers 200 only to a PAT valid for all accessible
// organizations: SonarQube uses it to reject global PATs.
const GlobalProbeURL = "https://app.vssps.visualstudio.com/_apis/connectionData?api-version=3.0-preview"

// EntitlementBaseURL is the user-entitlement host of a Services
// organization; it is empty for Server, which has no such API.
func (o Org) EntitlementBaseURL() string {
	if o.Deployment != Services {
		return ""
	}
	return "https://vsaex.dev.azure.com/" + url.PathEscape(o.Name)
}

// ErrInvalidURL is wrapped by every URL parsing error.
var ErrInvalidURL = errors.New("invalid Azure DevOps URL")

const (
	servicesHost      = "dev.azure.com"
	legacySuffix      = ".visualstudio.com"
	defaultCollection = "defaultcollection"
)

// legacyReserved are *.visualstudio.com hosts that are not organizations.
var legacyReserved = map[string]string{
	"vs-ssh":      "the SSH host of Azure Repos",
	"app":         "a service host",
	"www":         "Microsoft's website",
	"marketplace": "the Visual Studio Marketplace",
	"my":          "the Visual Studio subscriptions portal",
	"code":        "the Visual Studio Code website",
}

// ParseOrgURL reads an organization or collection URL. A project or
// repository URL reduces to its organization. Errors say what is wrong; they
// never repeat user info or query strings, which may hold a PAT.
func ParseOrgURL(raw string) (Org, error) {
	loc, err := parse(raw)
	return loc.org, err
}

// SameOrg reports whether two URLs name the same organization or
// collection: https://dev.azure.com/org, https://org.visualstudio.com and
// https://org.visualstudio.com/DefaultCollection are one organization, in
// any letter case, with or without a trailing slash.
func SameOrg(a, b string) (bool, error) {
	oa, err := ParseOrgURL(a)
	if err != nil {
		return false, err
	}
	ob, err := ParseOrgURL(b)
	if err != nil {
		return false, err
	}
	return oa.Key == ob.Key, nil
}

// ParseRepoURI reads a Git repository URL such as BUILD_REPOSITORY_URI:
// https://dev.azure.com/org/Project/_git/repo, https://org@dev.azure.com/...,
// https://org.visualstudio.com/[DefaultCollection/]Project/_git/repo,
// https://host/tfs/Collection/Project/_git/repo. In the short form
// .../_git/repo the project has the repository's name.
func ParseRepoURI(uri string) (org Org, project, repo string, err error) {
	loc, err := parse(uri)
	if err != nil {
		return Org{}, "", "", err
	}
	rest := loc.rest
	git := -1
	for i, s := range rest {
		if strings.EqualFold(s, "_git") {
			git = i
			break
		}
	}
	switch {
	case git < 0:
		return Org{}, "", "", invalid(loc.shown, "not a repository URL: it has no /_git/ segment")
	case git > 1:
		return Org{}, "", "", invalid(loc.shown, "unexpected path before /_git/: expected {organization or collection}/{project}/_git/{repository}")
	case git == 1:
		project = rest[0]
	}
	after := rest[git+1:]
	// Clone URLs may carry these markers before the repository name.
	if len(after) > 1 && (strings.EqualFold(after[0], "_optimized") || strings.EqualFold(after[0], "_full")) {
		after = after[1:]
	}
	if len(after) == 0 || strings.HasPrefix(after[0], "_") {
		return Org{}, "", "", invalid(loc.shown, "no repository name after /_git/")
	}
	repo = after[0]
	if project == "" {
		project = repo
	}
	return loc.org, project, repo, nil
}

// location is a parsed URL: its organization and the decoded path segments
// that follow the organization or collection.
type location struct {
	org   Org
	rest  []string
	shown string // the URL as errors may show it
}

func parse(raw string) (location, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return location{}, fmt.Errorf("%w: the URL is empty", ErrInvalidURL)
	}
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "git@") || strings.HasPrefix(lower, "ssh://") {
		return location{}, fmt.Errorf("%w: an SSH remote was given; use the HTTPS URL (https://dev.azure.com/{organization}/...)", ErrInvalidURL)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse's own text repeats the input, which may hold a PAT.
		return location{}, fmt.Errorf("%w: %s", ErrInvalidURL, parseProblem(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return location{}, fmt.Errorf("%w: not an absolute URL: it needs https:// and a host, e.g. https://dev.azure.com/{organization}", ErrInvalidURL)
	}
	scheme := strings.ToLower(u.Scheme)
	shown := display(u)
	if scheme != "https" && scheme != "http" {
		return location{}, invalid(shown, fmt.Sprintf("the scheme %q is not http or https", u.Scheme))
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return location{}, invalid(shown, "no host")
	}
	port := u.Port()
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return location{}, invalid(shown, "it has an invalid port")
	}
	segs, err := segments(u)
	if err != nil {
		return location{}, invalid(shown, err.Error())
	}

	switch {
	case host == servicesHost:
		if err := servicesPort(scheme, port); err != nil {
			return location{}, invalid(shown, err.Error())
		}
		if len(segs) == 0 || strings.HasPrefix(segs[0], "_") {
			return location{}, invalid(shown, "no organization: expected https://dev.azure.com/{organization}")
		}
		if err := orgName(segs[0]); err != nil {
			return location{}, invalid(shown, err.Error())
		}
		name := segs[0]
		return location{org: Org{
			Deployment: Services,
			Name:       name,
			BaseURL:    "https://" + servicesHost + "/" + name,
			Key:        "services:" + strings.ToLower(name),
		}, rest: segs[1:], shown: shown}, nil

	case host == "ssh.dev.azure.com":
		return location{}, invalid(shown, "ssh.dev.azure.com is the SSH host of Azure Repos; use the HTTPS URL https://dev.azure.com/{organization}/...")

	case strings.HasSuffix(host, "."+servicesHost):
		hint := "https://dev.azure.com/{organization}"
		if len(segs) > 0 && orgName(segs[0]) == nil {
			hint = "https://dev.azure.com/" + segs[0]
		}
		return location{}, invalid(shown, fmt.Sprintf("%s is a service host, not an organization URL; use %s", host, hint))

	case host == strings.TrimPrefix(legacySuffix, "."):
		return location{}, invalid(shown, "no organization: expected https://{organization}.visualstudio.com")

	case strings.HasSuffix(host, legacySuffix):
		labels := strings.Split(strings.TrimSuffix(host, legacySuffix), ".")
		name := labels[0]
		if what, ok := legacyReserved[name]; ok && len(labels) == 1 {
			return location{}, invalid(shown, fmt.Sprintf("%s is %s, not an organization", host, what))
		}
		if len(labels) > 1 {
			hint := "https://dev.azure.com/{organization}"
			if orgName(name) == nil && name != "app" {
				hint = "https://dev.azure.com/" + name
			}
			return location{}, invalid(shown, fmt.Sprintf("%s is a service host, not an organization URL; use %s", host, hint))
		}
		if err := orgName(name); err != nil {
			return location{}, invalid(shown, err.Error())
		}
		if err := servicesPort(scheme, port); err != nil {
			return location{}, invalid(shown, err.Error())
		}
		if len(segs) > 0 && strings.EqualFold(segs[0], defaultCollection) {
			segs = segs[1:]
		}
		return location{org: Org{
			Deployment: Services,
			Name:       name,
			BaseURL:    "https://" + host,
			Key:        "services:" + name,
		}, rest: segs, shown: shown}, nil
	}

	// Azure DevOps Server: the collection is the first path segment, or the
	// second after the conventional /tfs virtual directory.
	var coll []string
	switch {
	case len(segs) > 0 && strings.EqualFold(segs[0], "tfs"):
		if len(segs) < 2 || strings.HasPrefix(segs[1], "_") {
			return location{}, invalid(shown, "no collection after /tfs: expected {server}/tfs/{collection}, e.g. /tfs/DefaultCollection")
		}
		coll = segs[:2]
	case len(segs) > 0 && !strings.HasPrefix(segs[0], "_"):
		coll = segs[:1]
	default:
		return location{}, invalid(shown, "no collection: an Azure DevOps Server URL names its collection, e.g. https://{server}/tfs/DefaultCollection")
	}
	return location{org: serverOrg(u, coll), rest: segs[len(coll):], shown: shown}, nil
}

// serverOrg is the Azure DevOps Server collection whose path is coll
// (decoded segments) on u's scheme, host and port.
func serverOrg(u *url.URL, coll []string) Org {
	scheme, hostPort := schemeHostPort(u)
	escaped := make([]string, len(coll))
	for i, c := range coll {
		escaped[i] = url.PathEscape(c)
	}
	return Org{
		Deployment: Server,
		Name:       coll[len(coll)-1],
		BaseURL:    scheme + "://" + hostPort + "/" + strings.Join(escaped, "/"),
		Key:        "server:" + scheme + "://" + hostPort + "/" + strings.ToLower(strings.Join(coll, "/")),
	}
}

// schemeHostPort is u's lower-case scheme and host, with the port only
// when it is not the scheme's default, as Org keys write them.
func schemeHostPort(u *url.URL) (string, string) {
	scheme := strings.ToLower(u.Scheme)
	hostPort := strings.ToLower(u.Hostname())
	if strings.Contains(hostPort, ":") {
		hostPort = "[" + hostPort + "]"
	}
	if p := u.Port(); p != "" && p != defaultPort(scheme) {
		hostPort += ":" + p
	}
	return scheme, hostPort
}

func invalid(shown, reason string) error {
	return fmt.Errorf("%w %s: %s", ErrInvalidURL, shown, reason)
}

// display is the URL without user info, query or fragment (any of which may
// carry a credential), shortened for one-line messages.
func display(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := c.String()
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func parseProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "invalid URL escape"):
		return "it has an invalid %-escape"
	case strings.Contains(msg, "invalid port"):
		return "it has an invalid port"
	case strings.Contains(msg, "invalid character") && strings.Contains(msg, "host"):
		return "its host name has an invalid character"
	case strings.Contains(msg, "control character"):
		return "it contains a control character"
	}
	return "it is not a valid URL"
}

// segments splits the escaped path so that an encoded slash stays inside
// its segment, then decodes each one. Empty segments (doubled or trailing
// slashes) are dropped.
func segments(u *url.URL) ([]string, error) {
	var out []string
	for _, p := range strings.Split(u.EscapedPath(), "/") {
		if p == "" {
			continue
		}
		s, err := url.PathUnescape(p)
		if err != nil {
			return nil, errors.New("it has an invalid %-escape")
		}
		out = append(out, s)
	}
	return out, nil
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

func servicesPort(scheme, port string) error {
	if port == "" || port == defaultPort(scheme) {
		return nil
	}
	return fmt.Errorf("port %s: Azure DevOps Services answers only on the default HTTPS port", port)
}

// orgName checks the rule Azure DevOps applies to organization names:
// letters, digits and hyphens, starting with a letter or digit. It has to,
// for the name is also the legacy host's DNS label.
func orgName(name string) error {
	ok := name != "" && name[0] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	if !ok {
		return fmt.Errorf("%q is not a valid organization name (letters, digits and hyphens)", truncate(name, 60))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
