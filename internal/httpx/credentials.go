package httpx

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// KindCredential is a request the client refused to send because it
// carried a credential to a destination that credential may not go to.
const KindCredential Kind = "credential not allowed there"

// Credential is a secret the program may send, and where. The transport
// checks every request against every credential before it leaves, whichever
// client built it: this is the one place the rule is enforced, so no check,
// present or future, can send a token to a host its owner did not name.
type Credential struct {
	Name  string // what it is, for messages: "the Azure DevOps PAT"
	Value string
	// Allowed lists destinations: "https://host[:port]" for a whole origin,
	// "https://host[:port]/path" for that path and below it (compared
	// without regard to letter case, as Azure DevOps compares organization
	// names), or "https://*.domain" for every host under domain on the
	// scheme's default port. Scheme and port must match exactly.
	Allowed []string
	// Remedy says how to allow another destination, when one may be.
	Remedy string
}

// destination is a parsed Allowed entry.
type destination struct {
	scheme, host, path string // host with port; path without trailing slash ("" = all)
}

func parseDestination(s string) (destination, bool) {
	s = strings.TrimSpace(s)
	// "https://*.example.com": every host under example.com (not itself).
	if scheme, rest, ok := strings.Cut(s, "://*."); ok && (scheme == "https" || scheme == "http") && rest != "" && !strings.ContainsAny(rest, "/:@?#*") {
		return destination{scheme: scheme, host: "*." + strings.ToLower(rest)}, true
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return destination{}, false
	}
	return destination{scheme: u.Scheme, host: canonicalHost(u), path: strings.TrimRight(u.EscapedPath(), "/")}, true
}

// canonicalHost is host:port in lower case, without the scheme's default port.
func canonicalHost(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if u.Scheme == "https" && port == "443" || u.Scheme == "http" && port == "80" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		return host + ":" + port
	}
	return host
}

func (d destination) allows(u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, d.scheme) {
		return false
	}
	if suffix, ok := strings.CutPrefix(d.host, "*"); ok {
		h := canonicalHost(u)
		return strings.HasSuffix(h, suffix) && len(h) > len(suffix) && !strings.Contains(h, ":")
	}
	if canonicalHost(u) != d.host {
		return false
	}
	if d.path == "" {
		return true
	}
	if escapesPath(u) {
		return false
	}
	p := u.EscapedPath()
	return strings.EqualFold(p, d.path) || len(p) > len(d.path) && strings.EqualFold(p[:len(d.path)], d.path) && p[len(d.path)] == '/'
}

// escapesPath reports a path a server may resolve to somewhere other than
// where its prefix points: a dot segment ("." or "..", also percent-encoded
// once or twice, or followed by a ";parameter"), or a separator written as
// a backslash or percent-encoded. Servers and the proxies in front of them
// normalise these before routing, so /contoso/../northwind would carry a
// credential allowed for organization contoso to northwind. Names of
// organizations, projects and repositories never need them.
func escapesPath(u *url.URL) bool {
	p := u.EscapedPath()
	if strings.ContainsRune(p, '\\') {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		for range 3 {
			if strings.Contains(strings.ToLower(seg), "%2f") || strings.Contains(strings.ToLower(seg), "%5c") || strings.ContainsRune(seg, '\\') {
				return true
			}
			name, _, _ := strings.Cut(seg, ";")
			if name == "." || name == ".." {
				return true
			}
			dec, err := url.PathUnescape(seg)
			if err != nil {
				return true
			}
			if dec == seg {
				break
			}
			seg = dec
		}
	}
	return false
}

// guard is the transport's list of credentials.
type guard struct {
	creds []guardedCredential
}

type guardedCredential struct {
	Credential
	dests []destination
	forms []string // the value as it may travel: itself, URL-encoded, base64 of the usual Basic pairs
}

func newGuard(creds []Credential) (*guard, error) {
	g := &guard{}
	for _, c := range creds {
		if c.Value == "" {
			continue
		}
		gc := guardedCredential{Credential: c}
		for _, a := range c.Allowed {
			d, ok := parseDestination(a)
			if !ok {
				return nil, &OptionError{Source: c.Name, Problem: fmt.Sprintf("destination %q is not an absolute http(s) URL", RedactURL(mustParse(a)))}
			}
			gc.dests = append(gc.dests, d)
		}
		gc.forms = []string{c.Value}
		if q := url.QueryEscape(c.Value); q != c.Value {
			gc.forms = append(gc.forms, q)
		}
		for _, pair := range []string{c.Value + ":", ":" + c.Value, "accessToken:" + c.Value} {
			gc.forms = append(gc.forms, base64.StdEncoding.EncodeToString([]byte(pair)), base64.RawStdEncoding.EncodeToString([]byte(pair)))
		}
		g.creds = append(g.creds, gc)
	}
	return g, nil
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{Opaque: "(not a URL)"}
	}
	return u
}

// check returns an *Error when req carries a credential to a destination
// it may not go to.
func (g *guard) check(req *http.Request) error {
	if g == nil {
		return nil
	}
	for _, c := range g.creds {
		if !c.carriedBy(req) {
			continue
		}
		allowed := false
		for _, d := range c.dests {
			allowed = allowed || d.allows(req.URL)
		}
		if allowed {
			continue
		}
		origin := req.URL.Scheme + "://" + canonicalHost(req.URL)
		var where []string
		for _, a := range c.Allowed {
			where = append(where, RedactURL(mustParse(a)))
		}
		msg := fmt.Sprintf("%s was not sent to %s: it goes only to ", c.Name, origin)
		if escapesPath(req.URL) {
			msg = fmt.Sprintf("%s was not sent to %s: the request's path has a dot segment or an encoded separator, which a server may resolve outside the places it goes to: ", c.Name, origin)
		}
		if len(where) == 0 {
			msg += "no destination in this run"
		} else {
			msg += strings.Join(where, ", ")
		}
		if c.Remedy != "" {
			msg += ". " + c.Remedy
		}
		return &Error{Method: req.Method, URL: RedactURL(req.URL), Kind: KindCredential, Message: msg}
	}
	return nil
}

// carriedBy reports whether req holds the credential anywhere: a header
// (decoded when it is Basic), the URL's user info, path or query.
func (c guardedCredential) carriedBy(req *http.Request) bool {
	for name, vs := range req.Header {
		for _, v := range vs {
			if strings.EqualFold(name, "Authorization") {
				scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
				if strings.EqualFold(scheme, "basic") {
					if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest)); err == nil {
						user, pass, _ := strings.Cut(string(raw), ":")
						if user == c.Value || pass == c.Value {
							return true
						}
					}
				}
			}
			if c.in(v) {
				return true
			}
		}
	}
	if u := req.URL; u != nil {
		if u.User != nil {
			pass, _ := u.User.Password()
			if u.User.Username() == c.Value || pass == c.Value {
				return true
			}
		}
		if c.in(u.EscapedPath()) || c.in(u.RawQuery) || c.in(u.Path) {
			return true
		}
	}
	return false
}

// in reports whether s holds one of the credential's forms. Values shorter
// than 8 characters are only matched whole (in headers), so that a short
// proxy password cannot make every request look like it carries it.
func (c guardedCredential) in(s string) bool {
	if len(c.Value) < 8 {
		return s == c.Value
	}
	for _, f := range c.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}
