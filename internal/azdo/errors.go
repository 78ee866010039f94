package azdo

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"sonar-preflight/internal/httpx"
)

// Failure names why Azure DevOps refused a call, in the terms a person can
// act on.
type Failure string

// Failures. Only FailureExpired rests on a distinct server message; a bare
// 401 can mean revoked, inactive, another organization's PAT or a missing
// scope, and callers must word it so.
const (
	// FailureSignInPage: a 203, a redirect, or an HTML page where JSON was
	// expected. Azure DevOps did not accept the credentials.
	FailureSignInPage Failure = "sign-in-page"
	// FailureExpired: 401 "The Personal Access Token used has expired".
	FailureExpired Failure = "expired"
	// FailureUnauthorized: any other 401.
	FailureUnauthorized Failure = "unauthorized"
	// FailureGlobalPAT: a 401 whose message names global ("All accessible
	// organizations") PATs. Microsoft documents no such message for the
	// retirement of 2026-12-01; this is recognised only when the answer
	// itself says so.
	FailureGlobalPAT Failure = "global-pat"
	// FailureNotFound: 404 without an access message (wrong organization,
	// collection or path).
	FailureNotFound Failure = "not-found"
	// FailureAnonymous: the organization answered as the anonymous user
	// (public projects), so the PAT was not accepted.
	FailureAnonymous Failure = "anonymous"
	// FailureNoAccess: "does not exist or you do not have permission"
	// (TF401019, VS800075, TF200016). The identity cannot see the project
	// or repository, or it does not exist.
	FailureNoAccess Failure = "no-access"
	// FailureForbidden: any other 403.
	FailureForbidden Failure = "forbidden"
	// FailureThrottled: 429 (TF400733).
	FailureThrottled Failure = "throttled"
	// FailureOther: anything else, transport failures included.
	FailureOther Failure = "other"
)

// Error is a failed call. Err is an *httpx.Error carrying the method,
// redacted URL, status, the server's own message and its activity id.
type Error struct {
	Failure Failure
	// TypeKey is the server's exception type, e.g. AccessCheckException.
	TypeKey string
	// RetryAfter is the wait a 429 asked for; 0 when it did not say.
	RetryAfter time.Duration
	// RateLimitResource is X-RateLimit-Resource of a throttled answer.
	RateLimitResource string
	Err               error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return string(e.Failure)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns the Failure of an error from this package ("" for nil).
func Classify(err error) Failure {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Failure
	}
	return FailureOther
}

// AnonymousUserID is the identity Azure DevOps reports for unauthenticated
// requests to an organization with public projects.
const AnonymousUserID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

// Access-denial codes whose text reads "does not exist or you do not have
// permission": the service does not say which.
var noAccessCodes = []string{"TF401019", "VS800075", "TF200016"}

var noAccessTypeKeys = []string{"GitRepositoryNotFoundException", "ProjectDoesNotExistException", "ProjectDoesNotExistWithNameException"}

const expiredText = "The Personal Access Token used has expired"

// failureOf reads a response that is not a success. scrub removes the
// PAT's forms from anything the server echoed.
func failureOf(resp *httpx.Response, scrub func(string) string) *Error {
	media := mediaType(resp.Header.Get("Content-Type"))
	body := resp.Body
	var eb errorBody
	if looksJSON(media, body) {
		if b, err := decodeErrorBody(body); err == nil {
			eb = b
		}
	}
	msg := eb.Message
	if msg == "" && isHTML(media, body) {
		if t := httpx.HTMLTitle(body, 120); t != "" {
			msg = "HTML page: " + t
		}
	}
	if msg == "" {
		if v := resp.Header.Get("X-VSS-AuthenticateError"); v != "" {
			msg = "X-VSS-AuthenticateError: " + v
		}
	}
	e := &Error{TypeKey: eb.TypeKey}
	switch s := resp.Status; {
	case s == 203 || s >= 300 && s < 400:
		e.Failure = FailureSignInPage
		if msg == "" {
			msg = "redirected to a sign-in page"
		}
	case s == 401:
		e.Failure = FailureUnauthorized
		// Expired PATs are sometimes answered with an HTML page that still
		// carries the message, so search the raw body, not only JSON.
		if strings.Contains(string(body), expiredText) {
			e.Failure = FailureExpired
			if msg == "" || !strings.Contains(msg, expiredText) {
				msg = "Access Denied: " + expiredText + "."
			}
		} else if namesGlobalPAT(msg) {
			e.Failure = FailureGlobalPAT
		}
	case s == 403 || s == 404:
		e.Failure = FailureForbidden
		if s == 404 {
			e.Failure = FailureNotFound
		}
		if isNoAccess(eb) {
			e.Failure = FailureNoAccess
		}
	case s == 429:
		e.Failure = FailureThrottled
		e.RateLimitResource = resp.Header.Get("X-RateLimit-Resource")
		if n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	case s >= 200 && s < 300:
		// A success status whose body is an HTML page: a sign-in page.
		e.Failure = FailureSignInPage
	default:
		e.Failure = FailureOther
	}
	e.Err = resp.Err(scrub(msg))
	return e
}

// namesGlobalPAT reports whether a server message speaks of global PATs,
// in the words Microsoft and SonarQube use for them.
func namesGlobalPAT(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "all accessible organizations") ||
		strings.Contains(m, "global personal access token") || strings.Contains(m, "global pat")
}

func isNoAccess(eb errorBody) bool {
	for _, c := range noAccessCodes {
		if strings.HasPrefix(strings.TrimSpace(eb.Message), c) {
			return true
		}
	}
	for _, k := range noAccessTypeKeys {
		if eb.TypeKey == k {
			return true
		}
	}
	return false
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

func looksJSON(media string, body []byte) bool {
	if media == "application/json" || strings.HasSuffix(media, "+json") {
		return true
	}
	t := strings.TrimSpace(string(body))
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

func isHTML(media string, body []byte) bool {
	if media == "text/html" || media == "application/xhtml+xml" {
		return true
	}
	return strings.HasPrefix(strings.TrimSpace(string(body)), "<")
}
