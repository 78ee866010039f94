package github

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v60/github"

	"sonar-preflight/internal/httpx"
)

// Failure names why GitHub refused a request.
type Failure string

// Failures, from GitHub's documented answers.
const (
	// FailureBadCredentials: 401, the token is invalid, expired or revoked.
	FailureBadCredentials Failure = "bad-credentials"
	// FailureSSORequired: the organisation enforces SAML SSO and the token
	// is not authorised for it; Error.SSOURL says where to authorise it.
	FailureSSORequired Failure = "sso-required"
	// FailureNotFound: 404; GitHub answers 404, not 403, for a private
	// repository the token cannot see.
	FailureNotFound Failure = "not-found"
	// FailureRateLimited: primary (X-RateLimit-Remaining: 0) or secondary
	// rate limit, on 403 or 429.
	FailureRateLimited Failure = "rate-limited"
	// FailureForbidden: 403 for any other reason, e.g. "Resource not
	// accessible by personal access token".
	FailureForbidden Failure = "forbidden"
	// FailureMoved: 301/302/307, the repository was renamed or transferred
	// (seen only when the HTTP client does not follow redirects).
	FailureMoved Failure = "moved"
	// FailureUnreachable: no answer (DNS, TLS, refused, timeout, proxy);
	// Unwrap gives the *httpx.Error with its Kind.
	FailureUnreachable Failure = "unreachable"
	// FailureOther: any other answer.
	FailureOther Failure = "other"
)

// Error is a refused or failed GitHub request. Its text is one line:
// method, redacted URL, status and GitHub's own message. It never holds the
// token.
type Error struct {
	Failure Failure
	// SSOURL is where the token's owner authorises it for the organisation
	// (from X-GitHub-SSO: required; url=...). GitHub says it expires after
	// an hour.
	SSOURL string
	// ResetAt is when a rate limit lifts, from X-RateLimit-Reset or from
	// the response's Date plus Retry-After; zero when GitHub did not say.
	ResetAt time.Time
	// AcceptedPermissions is X-Accepted-GitHub-Permissions on a 403: the
	// fine-grained permissions the endpoint needs ("contents=read").
	AcceptedPermissions string
	// Location is the redirect target of FailureMoved.
	Location string
	// Err is the *httpx.Error carrying method, URL, status, message and
	// X-GitHub-Request-Id (as ActivityID).
	Err error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "github: " + string(e.Failure)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns the Failure carried by err: FailureOther for errors that
// did not come from this package, "" for nil.
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

// newError turns what go-github returned for method redURL into an *Error.
// ghResp is go-github's response, nil when no answer arrived.
func newError(method, redURL string, ghResp *gogithub.Response, err error) *Error {
	he := &httpx.Error{Method: method, URL: redURL, Kind: httpx.KindStatus}
	out := &Error{Err: he, Failure: FailureOther}

	var resp *http.Response
	var rl *gogithub.RateLimitError
	var abuse *gogithub.AbuseRateLimitError
	var er *gogithub.ErrorResponse
	var tfa *gogithub.TwoFactorAuthError
	switch {
	case errors.As(err, &rl):
		resp, he.Message = rl.Response, rl.Message
		out.Failure, out.ResetAt = FailureRateLimited, rl.Rate.Reset.Time.UTC()
	case errors.As(err, &abuse):
		resp, he.Message = abuse.Response, abuse.Message
		out.Failure = FailureRateLimited
	case errors.As(err, &tfa):
		resp, he.Message = tfa.Response, tfa.Message
	case errors.As(err, &er):
		resp, he.Message = er.Response, er.Message
	}

	var accepted *gogithub.AcceptedError
	if resp == nil && ghResp != nil && ghResp.Response != nil {
		resp = ghResp.Response
		if !errors.As(err, &accepted) {
			// A 2xx whose body go-github could not decode, e.g. a
			// proxy's HTML page.
			he.Kind = httpx.KindDecode
			he.Message = "unreadable response body: " + err.Error()
			var limit *httpx.BodyLimitError
			if errors.As(err, &limit) {
				he.Kind, he.Err = httpx.KindBodyLimit, limit
			}
		}
	}
	if resp == nil {
		// No answer: go-github returns the transport's *url.Error, whose
		// text repeats the URL, or the context's error.
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err
		}
		he.Kind = httpx.Classify(cause)
		he.Err = cause
		out.Failure = FailureUnreachable
		return out
	}

	he.Status = resp.StatusCode
	he.ContentType = resp.Header.Get("Content-Type")
	he.ActivityID = resp.Header.Get("X-GitHub-Request-Id")
	if out.Failure != FailureRateLimited && he.Kind != httpx.KindDecode {
		out.Failure = failureOf(resp, he.Message)
	}
	out.AcceptedPermissions = resp.Header.Get("X-Accepted-GitHub-Permissions")
	switch out.Failure {
	case FailureSSORequired:
		out.SSOURL = ssoURL(resp.Header.Get("X-GitHub-SSO"))
	case FailureRateLimited:
		if t := resetAt(resp.Header); !t.IsZero() {
			out.ResetAt = t
		}
	case FailureMoved:
		if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && loc.String() != "" {
			out.Location = httpx.RedactURL(loc)
			he.Location = out.Location
		}
	}
	return out
}

// failureOf classifies a non-2xx answer by status and headers, as GitHub
// documents them. go-github v60 maps neither 429 nor X-GitHub-SSO.
func failureOf(resp *http.Response, message string) Failure {
	h := resp.Header
	// A secondary limit that go-github missed (it keys on the
	// documentation URL) still says so in its message.
	rateLimited := h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != "" ||
		strings.Contains(strings.ToLower(message), "rate limit")
	switch {
	case strings.HasPrefix(strings.TrimSpace(h.Get("X-GitHub-SSO")), "required"):
		return FailureSSORequired
	case resp.StatusCode == http.StatusTooManyRequests:
		return FailureRateLimited
	case resp.StatusCode == http.StatusForbidden && rateLimited:
		return FailureRateLimited
	case resp.StatusCode == http.StatusUnauthorized:
		return FailureBadCredentials
	case resp.StatusCode == http.StatusForbidden:
		return FailureForbidden
	case resp.StatusCode == http.StatusNotFound:
		return FailureNotFound
	case resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusFound ||
		resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect:
		return FailureMoved
	}
	return FailureOther
}

// ssoURL extracts the authorisation URL from
// "required; url=https://github.com/orgs/x/sso?authorization_request=...".
func ssoURL(v string) string {
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if k, val, ok := strings.Cut(part, "="); ok && strings.EqualFold(strings.TrimSpace(k), "url") {
			val = strings.TrimSpace(val)
			if strings.HasPrefix(val, "https://") || strings.HasPrefix(val, "http://") {
				return val
			}
		}
	}
	return ""
}

// resetAt reads when a rate limit lifts from the answer alone, so that no
// clock is needed: X-RateLimit-Reset (epoch seconds) when the primary limit
// is exhausted, else Retry-After (seconds or an HTTP date) counted from the
// answer's Date.
func resetAt(h http.Header) time.Time {
	if h.Get("X-RateLimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64); err == nil && s > 0 {
			return time.Unix(s, 0).UTC()
		}
	}
	ra := strings.TrimSpace(h.Get("Retry-After"))
	if ra == "" {
		return time.Time{}
	}
	if secs, err := strconv.ParseInt(ra, 10, 64); err == nil && secs >= 0 {
		date, err := http.ParseTime(h.Get("Date"))
		if err != nil {
			return time.Time{}
		}
		return date.Add(time.Duration(secs) * time.Second).UTC()
	}
	if t, err := http.ParseTime(ra); err == nil {
		return t.UTC()
	}
	return time.Time{}
}
