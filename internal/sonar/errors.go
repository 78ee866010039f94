package sonar

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"sonar-preflight/internal/httpx"
)

// statusError returns err's *httpx.Error when SonarQube answered with an
// unwanted status.
func statusError(err error, status int) (*httpx.Error, bool) {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Kind != httpx.KindStatus || he.Status != status {
		return nil, false
	}
	return he, true
}

// IsUnauthorized reports a 401: a token SonarQube does not accept (its body
// is empty), or an anonymous call to an action that needs a user
// ("Authentication is required").
func IsUnauthorized(err error) bool {
	_, ok := statusError(err, http.StatusUnauthorized)
	return ok
}

// IsInsufficientPrivileges reports SonarQube's 403 "Insufficient
// privileges": the token is valid but lacks a permission. A 403 from
// something else (a proxy, a firewall) does not count.
func IsInsufficientPrivileges(err error) bool {
	he, ok := statusError(err, http.StatusForbidden)
	return ok && strings.Contains(strings.ToLower(he.Message), "insufficient privileges")
}

// IsNotBound reports get_binding's 404 for a project without binding:
// "Project 'k' is not bound to any DevOps Platform" (older: "... any ALM").
func IsNotBound(err error) bool {
	he, ok := statusError(err, http.StatusNotFound)
	return ok && strings.Contains(he.Message, "is not bound to any")
}

var projectNotFound = regexp.MustCompile(`(?:Project|Component key) '.*' not found`)

// IsProjectNotFound reports a 404 for an unknown project key: "Project 'k'
// not found" or "Component key 'k' not found".
func IsProjectNotFound(err error) bool {
	he, ok := statusError(err, http.StatusNotFound)
	return ok && projectNotFound.MatchString(he.Message)
}

// IsUnknownURL reports SonarQube's 404 "Unknown url : <path>": the server
// has no such endpoint (too old, or the URL does not point at SonarQube's
// root).
func IsUnknownURL(err error) bool {
	he, ok := statusError(err, http.StatusNotFound)
	return ok && strings.HasPrefix(he.Message, "Unknown url")
}
