// Package httpx is the one HTTP client of every service client: proxy (agent
// variables and the standard ones), extra CA bundle, timeouts, bounded
// retries, body caps, no redirects, and typed errors whose text carries the
// method, a redacted URL, the status and the server's own message.
package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"sonar-preflight/internal/text"
)

// Kind names why a request failed.
type Kind string

// Kinds of failure. Status means the server answered with an unwanted status.
const (
	KindStatus    Kind = "status"
	KindDNS       Kind = "dns"
	KindRefused   Kind = "connection refused"
	KindReset     Kind = "connection reset"
	KindTimeout   Kind = "timeout"
	KindTLS       Kind = "tls"
	KindCanceled  Kind = "canceled"
	KindBodyLimit Kind = "body too large"
	KindDecode    Kind = "decode"
	KindProxy     Kind = "proxy"
	KindRedirect  Kind = "redirect"
	KindOther     Kind = "other"
)

// Error is a failed request. Its text is one line: method, redacted URL,
// status and the server's own message.
type Error struct {
	Method      string
	URL         string // redacted: no user info, no query values that look like credentials
	Kind        Kind
	Status      int    // 0 when no response arrived
	Message     string // the server's own message, when it gave one
	ContentType string
	ActivityID  string // Azure DevOps ActivityId / X-TFS-Session / X-VSS-E2EID, for support
	Location    string // redirect target, redacted
	Err         error  // the cause; never carries credentials
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	} else if e.Kind != "" {
		fmt.Fprintf(&b, ": %s", e.Kind)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", oneLine(e.Message))
	}
	if e.Err != nil && e.Status == 0 {
		fmt.Fprintf(&b, ": %s", oneLine(e.Err.Error()))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// StatusOf returns the HTTP status carried by err, or 0.
func StatusOf(err error) int {
	var he *Error
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// KindOf returns the Kind carried by err, or KindOther.
func KindOf(err error) Kind {
	var he *Error
	if errors.As(err, &he) && he.Kind != "" {
		return he.Kind
	}
	return Classify(err)
}

// oneLine is s on one line, cut to 300 bytes at a character boundary. The
// text was redacted before (answers are redacted as they arrive), so the
// cut cannot leave part of a secret.
func oneLine(s string) string {
	return text.Cut(strings.Join(strings.Fields(s), " "), 300)
}

// RedactURL drops user info and the values of query parameters whose names
// suggest a credential, so that the URL can be printed.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			lk := strings.ToLower(k)
			for _, bad := range []string{"token", "pat", "password", "secret", "key_", "passcode", "sig"} {
				if strings.Contains(lk, bad) {
					q.Set(k, "***")
				}
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// Classify names the cause of a transport error.
func Classify(err error) Kind {
	if err == nil {
		return ""
	}
	var he *Error
	if errors.As(err, &he) && he.Kind != "" {
		return he.Kind
	}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var certInvalid x509.CertificateInvalidError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var certVerify *tls.CertificateVerificationError
	var limitErr *BodyLimitError
	var opErr *net.OpError
	switch {
	case errors.As(err, &limitErr):
		return KindBodyLimit
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		// Reaching the proxy failed (refused, DNS, reset): the target was
		// never contacted, so naming the target's failure would mislead.
		return KindProxy
	case errors.As(err, &dnsErr):
		// A resolver that does not answer is a DNS failure too, not a slow server.
		return KindDNS
	case errors.As(err, &certVerify), errors.As(err, &unknownCA), errors.As(err, &certInvalid),
		errors.As(err, &hostErr), errors.As(err, &recordErr):
		return KindTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return KindReset
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	if strings.Contains(err.Error(), "proxyconnect") {
		return KindProxy
	}
	if strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:") {
		return KindTLS
	}
	return KindOther
}

// BodyLimitError is returned when a response body exceeds the cap.
type BodyLimitError struct{ Limit int64 }

func (e *BodyLimitError) Error() string {
	return fmt.Sprintf("response body exceeds %d bytes", e.Limit)
}
