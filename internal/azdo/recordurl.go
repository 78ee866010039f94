package azdo

import (
	"fmt"
	"net/url"
	"strings"
)

// The record-URL shape rule: what SonarQube needs in the URL of an Azure
// DevOps configuration record ("DevOps Platform Integrations > Azure
// DevOps"), stated once for the per-pipeline checks and the fleet audit.
//
// SonarQube uses the record's URL verbatim as a prefix
// (SonarSource/sonarqube server/sonar-alm-client/.../azure/AzureDevOpsHttpClient.java):
// {url}/_apis/projects to validate the PAT, {url}/{project}/_apis/git/repositories/{repo}
// to import and decorate. Up to 10.x the prefix is string-formatted with one
// trailing slash trimmed; from 2025.1 it goes through OkHttp's
// HttpUrl.newBuilder().addPathSegment(...), which keeps the query and every
// empty path segment, and answers an unparsable URL with a 500. So pointing at
// the right organization is not enough: the URL must be exactly the
// organization (Services) or collection (Server) root.

// RecordURLKind names one way a record URL departs from the rule.
type RecordURLKind string

// Record URL problems.
const (
	// RecordURLMissing: the record has no URL at all (records made before
	// SonarQube 8.6, when Azure records gained a URL); validate answers 500.
	RecordURLMissing RecordURLKind = "missing"
	// RecordURLInvalid: not an absolute Azure DevOps URL (no scheme, a
	// service host, an invalid organization name...).
	RecordURLInvalid RecordURLKind = "invalid"
	// RecordURLNoCollection: an Azure DevOps Server URL without its
	// collection (https://server or https://server/tfs).
	RecordURLNoCollection RecordURLKind = "no-collection"
	// RecordURLBelowRoot: a path below the organization or collection (a
	// project, /_git/repo, anything); SonarQube would ask for
	// {url}/{project}/_apis/..., doubling the project.
	RecordURLBelowRoot RecordURLKind = "below-root"
	// RecordURLQuery: a query string or fragment, which SonarQube carries
	// into every call.
	RecordURLQuery RecordURLKind = "query"
	// RecordURLDoubleSlash: an empty path segment ("//"), which SonarQube
	// keeps (only one trailing slash is stripped).
	RecordURLDoubleSlash RecordURLKind = "double-slash"
	// RecordURLPlainHTTP: http:// for Azure DevOps Services, which answers
	// plain HTTP with a redirect to https. See DependsOnRedirects.
	RecordURLPlainHTTP RecordURLKind = "plain-http"
)

// RecordURLProblem is one thing wrong with a record URL.
type RecordURLProblem struct {
	Kind RecordURLKind
	// Explanation says what is wrong and what it breaks, in one or two
	// sentences, without repeating the URL's user info or query.
	Explanation string
	// DependsOnRedirects marks a problem whose effect depends on whether
	// SonarQube follows redirects to Azure DevOps: 2025.1 and later follow
	// none, so every call fails, which is certain; older versions follow
	// them, sending the PAT over plain HTTP first, and OkHttp drops the
	// Authorization header on the scheme-changing redirect, so the calls most
	// likely fail too (import certainly: it is SonarQube's open client;
	// decoration's client is not open). sonar.FollowsAzureRedirects tells
	// which a version does.
	DependsOnRedirects bool
	// Uncertain marks a problem inferred from a convention that a working
	// setup may break: an Azure DevOps Server URL with one more path segment
	// than usual may be {virtual directory}/{collection} rather than
	// {collection}/{project}. Word it as likely, never fail on it alone.
	Uncertain bool
}

// RecordURLCheck is the verdict of CheckRecordURL.
type RecordURLCheck struct {
	// Org is the organization or collection the URL names; zero when the
	// URL could not be read.
	Org Org
	// Problems is empty when the URL has the right shape.
	Problems []RecordURLProblem
	// Corrected is the URL the record should hold: the organization or
	// collection root, https for Services. "" when the URL is right or when
	// no correction can be derived from it.
	Corrected string
}

// OK reports a URL of the right shape.
func (c RecordURLCheck) OK() bool { return len(c.Problems) == 0 }

// Has reports whether the check found a problem of kind k.
func (c RecordURLCheck) Has(k RecordURLKind) bool {
	for _, p := range c.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// Certain reports whether at least one problem does not rest on a
// convention (see RecordURLProblem.Uncertain).
func (c RecordURLCheck) Certain() bool {
	for _, p := range c.Problems {
		if !p.Uncertain {
			return true
		}
	}
	return false
}

// Fails reports whether the URL's shape certainly breaks SonarQube's calls,
// so that a check fails rather than warns: a problem that rests on no
// convention (Uncertain), and that does not depend on redirects while
// SonarQube follows them (followsRedirects: sonar.FollowsAzureRedirects of
// the server's version). Any other problem is a warning.
func (c RecordURLCheck) Fails(followsRedirects bool) bool {
	for _, p := range c.Problems {
		if !p.Uncertain && !(p.DependsOnRedirects && followsRedirects) {
			return true
		}
	}
	return false
}

// Explain joins the problems' explanations into one sentence list.
func (c RecordURLCheck) Explain() string {
	parts := make([]string, len(c.Problems))
	for i, p := range c.Problems {
		parts[i] = p.Explanation
	}
	return strings.Join(parts, " ")
}

// CheckRecordURL applies the record-URL shape rule to raw, the URL of a
// SonarQube Azure DevOps configuration record. knownRoot, when not empty, is
// the organization or collection URL known from elsewhere (the pipeline's
// SYSTEM_TEAMFOUNDATIONCOLLECTIONURI): when it names the same organization
// it settles where an Azure DevOps Server collection ends, which the URL
// alone cannot (custom virtual directories).
//
// Services: https://dev.azure.com/{org} or https://{org}.visualstudio.com
// (optionally /DefaultCollection) is right; one trailing slash is fine.
// Server: {scheme}://{host[:port]}/[tfs/]{collection}; http is fine there.
func CheckRecordURL(raw, knownRoot string) RecordURLCheck {
	s := strings.TrimSpace(raw)
	if s == "" {
		return RecordURLCheck{Problems: []RecordURLProblem{{Kind: RecordURLMissing,
			Explanation: "The record has no URL (records made before SonarQube 8.6 had none): SonarQube cannot call Azure DevOps with it, and its validation answers a 500 error."}}}
	}
	// The pipeline knows where its Server collection ends: trust it over
	// the convention, even where the convention would refuse the URL (a
	// collection named "tfs" at the server's root).
	known, knownRest := knownServerRoot(s, knownRoot)
	loc, err := parse(s)
	if err != nil && known == nil {
		return invalidRecordURL(s, err)
	}
	u, _ := url.Parse(s) // parse or knownServerRoot read it
	c := RecordURLCheck{Org: loc.org}
	add := func(p RecordURLProblem) { c.Problems = append(c.Problems, p) }

	rest := loc.rest
	// Where a Server collection ends is a convention (first segment, or
	// second after /tfs) that custom virtual directories break.
	exact := loc.org.Deployment == Services || strings.EqualFold(firstSegment(u), "tfs")
	if known != nil {
		c.Org, rest, exact = *known, knownRest, true
	}
	if len(rest) > 0 {
		shown := strings.Join(rest, "/")
		p := RecordURLProblem{Kind: RecordURLBelowRoot,
			Explanation: fmt.Sprintf("The URL goes below the %s root (/%s): SonarQube appends {project}/_apis/... to the URL as given, so its import and decoration calls would go to the wrong place.", rootWord(c.Org), shown)}
		if !exact && !hasUnderscoreSegment(rest) {
			// {collection}/{project}, or {virtual directory}/{collection}?
			p.Uncertain = true
			p.Explanation = fmt.Sprintf("The URL has a path after what looks like the collection %s (/%s): if that is a project, SonarQube would put the project into its calls twice; if the server uses a virtual directory before the collection, the URL may be right.", c.Org.Name, shown)
		}
		c.Problems = append(c.Problems, p)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		add(RecordURLProblem{Kind: RecordURLQuery,
			Explanation: "The URL carries a query string or fragment: SonarQube keeps it in every call it makes to Azure DevOps."})
	}
	if doubleSlash(u) {
		add(RecordURLProblem{Kind: RecordURLDoubleSlash,
			Explanation: "The URL's path has a doubled slash (//): SonarQube strips only one trailing slash, so its calls carry an empty path segment that Azure DevOps does not resolve."})
	}
	if c.Org.Deployment == Services && strings.EqualFold(u.Scheme, "http") {
		add(RecordURLProblem{Kind: RecordURLPlainHTTP, DependsOnRedirects: true,
			Explanation: "The URL uses http://: Azure DevOps Services answers plain HTTP only with a redirect to https. SonarQube 2025.1 and later follow no redirects, so every call fails. Older versions follow it, but send the PAT in clear text first, and their HTTP client (OkHttp) drops the Authorization header from a redirected request whose scheme changes: the calls then reach Azure DevOps without the PAT, so validation may pass on a sign-in page while repository import fails, and pull-request decoration very likely too."})
	}
	if !c.OK() {
		c.Corrected = c.Org.BaseURL
	}
	return c
}

// SameOrgAs reports whether raw (a record's or binding's URL) names the
// organization or collection knownRoot, the one the pipeline runs in
// (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI). A path below the root still names
// it: that is a shape problem, which CheckRecordURL reports. For Azure
// DevOps Server the known root is read whole (every segment of its path is
// the collection's, as serverRoot reads it), so a custom virtual directory
// compares right: https://ado/azdo/Main and https://ado/azdo/Other are two
// collections, which SameOrg's convention (the first segment is the
// collection) would take for one.
func SameOrgAs(raw, knownRoot string) (bool, error) {
	if _, ok := serverRoot(knownRoot); !ok {
		return SameOrg(raw, knownRoot)
	}
	if k, _ := knownServerRoot(strings.TrimSpace(raw), knownRoot); k != nil {
		return true, nil
	}
	if _, err := parse(raw); err != nil {
		return false, err
	}
	return false, nil
}

// SameCollectionElsewhere reports a record URL that names the collection
// path of the pipeline's Azure DevOps Server collection knownRoot (at or
// below it), but on another scheme, host or port. Server deployments are
// often reached by several names (an internal host name, an alias, a port
// behind a reverse proxy), so SonarQube may reach the pipeline's collection
// this way: the URLs alone cannot tell, and a check must not call it another
// organization.
func SameCollectionElsewhere(raw, knownRoot string) bool {
	k, ok := serverRoot(knownRoot)
	if !ok {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || !isServerHost(u.Hostname()) {
		return false
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return false
	}
	ku, _ := url.Parse(k.BaseURL)
	moved := *u
	moved.Scheme, moved.Host = ku.Scheme, ku.Host
	_, below := serverRestBelow(&moved, k)
	_, same := serverRestBelow(u, k)
	return below && !same
}

// knownServerRoot returns the Azure DevOps Server collection knownRoot and
// the path segments of raw below it, when raw lies at or below it; nil
// otherwise (knownRoot is not a Server collection URL, or raw is elsewhere).
func knownServerRoot(raw, knownRoot string) (*Org, []string) {
	k, ok := serverRoot(knownRoot)
	if !ok {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, nil
	}
	rest, below := serverRestBelow(u, k)
	if !below {
		return nil, nil
	}
	return &k, rest
}

// invalidRecordURL explains a URL that parse refused, and corrects it when
// the cause is plain: a missing scheme, or a Server URL without collection.
func invalidRecordURL(s string, err error) RecordURLCheck {
	reason := strings.TrimPrefix(err.Error(), ErrInvalidURL.Error())
	reason = strings.TrimLeft(reason, " :")
	c := RecordURLCheck{}
	if u, perr := url.Parse(s); perr == nil && u.Host != "" && isServerHost(u.Hostname()) {
		segs, serr := segments(u)
		if serr == nil && (len(segs) == 0 || len(segs) == 1 && strings.EqualFold(segs[0], "tfs")) {
			c.Problems = []RecordURLProblem{{Kind: RecordURLNoCollection,
				Explanation: "The Azure DevOps Server URL names no collection: SonarQube's calls need the collection root, e.g. " + strings.TrimRight(display0(u), "/") + "/DefaultCollection (or /tfs/DefaultCollection)."}}
			return c
		}
	}
	p := RecordURLProblem{Kind: RecordURLInvalid, Explanation: "The URL is not a usable Azure DevOps organization or collection URL (" + reason + "): SonarQube cannot call Azure DevOps with it (SonarQube 2025.1 and later answer its validation with a 500 error)."}
	if !strings.Contains(s, "://") {
		if fixed := CheckRecordURL("https://"+s, ""); fixed.Org.BaseURL != "" {
			c.Corrected = fixed.Org.BaseURL
			c.Org = fixed.Org
			p.Explanation = "The URL has no scheme: SonarQube needs an absolute URL starting with https:// (SonarQube 2025.1 and later answer its validation with a 500 error)."
		}
	}
	c.Problems = []RecordURLProblem{p}
	return c
}

// display0 is scheme://host[:port] of u, without user info.
func display0(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + u.Host
}

// isServerHost reports a host that is not one of Azure DevOps Services'.
func isServerHost(host string) bool {
	h := strings.ToLower(host)
	return h != servicesHost && !strings.HasSuffix(h, "."+servicesHost) &&
		h != strings.TrimPrefix(legacySuffix, ".") && !strings.HasSuffix(h, legacySuffix)
}

func rootWord(o Org) string {
	if o.Deployment == Server {
		return "collection"
	}
	return "organization"
}

func hasUnderscoreSegment(segs []string) bool {
	for _, s := range segs {
		if strings.HasPrefix(s, "_") {
			return true
		}
	}
	return false
}

func firstSegment(u *url.URL) string {
	segs, _ := segments(u)
	if len(segs) == 0 {
		return ""
	}
	return segs[0]
}

// serverRoot reads a known collection URL whole: every path segment is
// the collection's, whatever the convention would say (so a collection named
// "tfs" at the server's root reads right too).
func serverRoot(raw string) (Org, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return Org{}, false
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" || !isServerHost(u.Hostname()) {
		return Org{}, false
	}
	segs, err := segments(u)
	if err != nil || len(segs) == 0 || strings.HasPrefix(segs[0], "_") {
		return Org{}, false
	}
	return serverOrg(u, segs), true
}

// serverRestBelow returns the segments of u after the collection root k,
// when u is on k's host and starts with k's collection path.
func serverRestBelow(u *url.URL, k Org) ([]string, bool) {
	ku, err := url.Parse(k.BaseURL)
	if err != nil {
		return nil, false
	}
	scheme, hostPort := schemeHostPort(u)
	if !strings.EqualFold(ku.Scheme+"://"+ku.Host, scheme+"://"+hostPort) {
		return nil, false
	}
	us, err1 := segments(u)
	ks, err2 := segments(ku)
	if err1 != nil || err2 != nil || len(us) < len(ks) {
		return nil, false
	}
	for i := range ks {
		if !strings.EqualFold(us[i], ks[i]) {
			return nil, false
		}
	}
	return us[len(ks):], true
}

// doubleSlash reports an empty path segment other than one trailing slash.
func doubleSlash(u *url.URL) bool {
	// "org/" is fine; "org//" leaves an empty segment after the strip.
	return strings.Contains(u.EscapedPath(), "//")
}
