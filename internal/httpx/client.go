package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/rs/zerolog"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultRequestTimeout = 15 * time.Second
	DefaultMaxAttempts    = 4
	DefaultMaxRetryWait   = 8 * time.Second

	initialBackoff = 200 * time.Millisecond
	// retainedBody is how much of a retried response is kept, so that the
	// last answer can still be shown when the retries run out of time.
	retainedBody = 64 << 10
)

// Options configure New. The zero value is usable: defaults apply, no proxy,
// system roots only, no logging.
type Options struct {
	RequestTimeout time.Duration // per attempt: connect, headers and body read; default 15s
	MaxAttempts    int           // total attempts including the first; default 4
	MaxRetryWait   time.Duration // cap for one wait (Retry-After or backoff); default 8s
	MaxBody        int64         // cap on every response body, for every reader (go-github included); default DefaultMaxBody
	// MaxIdleConnsPerHost keeps this many connections open per host for
	// reuse; default 8. A caller that runs more requests at once per host
	// (the fleet audit) raises it, or every extra request pays a new TLS
	// handshake.
	MaxIdleConnsPerHost int

	// Azure Pipelines agent proxy (AGENT_PROXYURL, AGENT_PROXYUSERNAME,
	// AGENT_PROXYPASSWORD). Takes precedence over the standard variables.
	ProxyURL, ProxyUsername, ProxyPassword string
	// ProxyBypass holds the AGENT_PROXYBYPASSLIST regular expressions. Like
	// azure-pipelines-task-lib and typed-rest-client, each is matched
	// case-insensitively and unanchored against the whole request URL, not
	// just the host. Entries Go cannot compile are skipped (ParseBypassList
	// says which), never an error.
	ProxyBypass []string

	// Standard variables, used only when ProxyURL is empty. NoProxy follows
	// the rules of golang.org/x/net/http/httpproxy: "*" disables the proxy;
	// "example.com" matches it and its subdomains, ".example.com" only
	// subdomains; an entry may carry a port; IP addresses and CIDR ranges
	// match literal IP hosts. localhost and loopback addresses never use it.
	HTTPSProxy, HTTPProxy, NoProxy string

	// CAFiles are extra PEM bundles appended to the system pool.
	CAFiles []string
	// CAFileSources maps a CA file to the variable or flag that named it, so
	// that an unusable file is reported where it is fixed. Optional.
	CAFileSources map[string]string

	// Resolve holds "host:port:addr" entries like curl --resolve: connections
	// to host:port dial addr (an IP, or IP:port) while TLS still verifies host.
	Resolve []string

	Logger zerolog.Logger // debug events per attempt and retry
	// Scrub redacts secrets (secret.Registry.Redact). It is applied to every
	// logged string and, as answers arrive, to every response header value
	// and body, before any reader sees them: server text enters the program
	// redacted, so no later cut can leave part of a secret behind. nil =
	// identity.
	Scrub func(string) string
	// Credentials are the secrets requests may carry and where each may go;
	// a request that would carry one anywhere else is refused before it is
	// sent, with an *Error of Kind KindCredential.
	Credentials []Credential
	// ReadFile reads a CA bundle; nil means os.ReadFile. The caller bounds
	// it (regular files only, a size cap, the run's deadline).
	ReadFile func(path string) ([]byte, error)
	// Now reads the clock for Retry-After dates, the deadline check before a
	// wait, and logged durations. Without it, Retry-After dates count as no
	// wait, and a wait that would outlive the caller's context ends with the
	// last answer when the context ends instead of up front.
	Now func() time.Time

	// wait blocks for d or until ctx ends; tests replace it to observe waits.
	wait func(ctx context.Context, d time.Duration) error
}

// OptionError is an unusable option, named by the variable that set it.
type OptionError struct {
	Source  string // variable, flag or option name
	Problem string
	Err     error // never carries credentials
}

func (e *OptionError) Error() string {
	// Shown to users as it is: no package name, the source first.
	s := e.Source + ": " + e.Problem
	if e.Err != nil {
		s += ": " + oneLine(e.Err.Error())
	}
	return s
}

func (e *OptionError) Unwrap() error { return e.Err }

// New builds the HTTP client every service client uses. It never follows
// redirects (credentials stay with the host they were meant for, and callers
// see the 3xx and its Location), bounds every attempt by RequestTimeout,
// retries idempotent requests on 429, 502, 503, 504 and dropped connections,
// and routes through the configured proxy. Proxy refusals surface as *Error
// of Kind KindProxy naming the proxy.
func New(o Options) (*http.Client, error) {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = DefaultMaxRetryWait
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 8
	}
	redactBodies := o.Scrub != nil
	if o.Scrub == nil {
		o.Scrub = func(s string) string { return s }
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	guard, err := newGuard(o.Credentials)
	if err != nil {
		return nil, err
	}
	if o.wait == nil {
		o.wait = timerWait
	}
	tlsConf, err := tlsConfig(o.CAFiles, o.CAFileSources, o.ReadFile)
	if err != nil {
		return nil, err
	}
	proxy, err := proxyFunc(o)
	if err != nil {
		return nil, err
	}
	dial, err := resolvingDialer(o.Resolve, o.RequestTimeout)
	if err != nil {
		return nil, err
	}
	base := &http.Transport{
		Proxy:                  proxy,
		DialContext:            dial,
		TLSClientConfig:        tlsConf,
		TLSHandshakeTimeout:    min(10*time.Second, o.RequestTimeout),
		ForceAttemptHTTP2:      true, // needed because DialContext and TLSClientConfig are custom
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    o.MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		OnProxyConnectResponse: onProxyConnect,
	}
	t := &transport{base: base, proxy: proxy, o: o, guard: guard, redact: redactBodies}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// transport bounds each attempt and retries the retryable ones.
type transport struct {
	base   *http.Transport
	proxy  func(*http.Request) (*url.URL, error) // nil: no proxy
	o      Options
	guard  *guard
	redact bool // Options.Scrub was given: answers are redacted as they arrive
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool.
func (t *transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.guard.check(req); err != nil {
		t.o.Logger.Debug().Str("method", req.Method).Str("url", t.o.Scrub(RedactURL(req.URL))).
			Str("kind", string(KindCredential)).Msg("http request refused: credential not allowed there")
		return nil, err
	}
	ctx := req.Context()
	idempotent := (req.Method == http.MethodGet || req.Method == http.MethodHead) &&
		(req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     initialBackoff,
		RandomizationFactor: backoff.DefaultRandomizationFactor,
		Multiplier:          2,
		MaxInterval:         t.o.MaxRetryWait,
		MaxElapsedTime:      0, // bounded by MaxAttempts and the context instead
		Stop:                backoff.Stop,
		Clock:               clock{t.o.Now},
	}
	bo.Reset()
	redURL := t.o.Scrub(RedactURL(req.URL))

	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := t.attempt(ctx, r, attempt, redURL)
		reason := retryReason(resp, err)
		if !idempotent || reason == "" || attempt >= t.o.MaxAttempts {
			return resp, err
		}

		wait := bo.NextBackOff()
		if resp != nil {
			if ra, ok := RetryAfter(resp.Header.Get("Retry-After"), t.o.Now); ok {
				wait = ra
			} else if reset, ok := rateLimitReset(resp.Header, t.o.Now); ok {
				// A used-up rate limit without Retry-After (GitHub's
				// primary limit): "you should not retry your request
				// until after the time specified by the
				// x-ratelimit-reset header". Wait for it if it is near;
				// else give the refusal back rather than repeat it.
				if reset > t.o.MaxRetryWait {
					t.o.Logger.Debug().Str("method", req.Method).Str("url", redURL).Int("attempt", attempt).
						Str("reason", reason).Dur("reset", reset).Msg("http retry skipped: the rate limit resets later than a retry waits")
					return resp, err
				}
				wait = reset
			}
		}
		wait = min(wait, t.o.MaxRetryWait)
		if dl, ok := ctx.Deadline(); ok && t.o.Now != nil && t.o.Now().Add(wait).After(dl) {
			t.o.Logger.Debug().Str("method", req.Method).Str("url", redURL).Int("attempt", attempt).
				Str("reason", reason).Dur("wait", wait).Msg("http retry skipped: the wait would pass the deadline")
			return resp, err
		}
		if resp != nil {
			resp = retain(resp)
		}
		t.o.Logger.Debug().Str("method", req.Method).Str("url", redURL).Int("attempt", attempt).
			Str("reason", reason).Dur("wait", wait).Msg("http retry")
		if werr := t.o.wait(ctx, wait); werr != nil {
			// The caller's context ended while waiting: its last answer
			// says more than the context error does.
			return resp, err
		}
	}
}

// attempt sends one request under its own timeout, whose cancel runs when
// the response body is closed, so a body that stalls is cut off too.
func (t *transport) attempt(parent context.Context, req *http.Request, n int, redURL string) (*http.Response, error) {
	limit := &attemptTimeout{d: t.o.RequestTimeout}
	ctx, cancel := context.WithTimeoutCause(parent, t.o.RequestTimeout, limit)
	var start time.Time
	if t.o.Now != nil {
		start = t.o.Now()
	}
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	ev := t.o.Logger.Debug().Int("attempt", n).Str("method", req.Method).Str("url", redURL)
	if t.o.Now != nil {
		ev = ev.Dur("duration", t.o.Now().Sub(start))
	}
	if err != nil {
		err = timeoutCause(parent, ctx, limit, err)
		cancel()
		ev.Str("kind", string(Classify(err))).Str("error", t.o.Scrub(oneLine(err.Error()))).Msg("http attempt")
		return nil, err
	}
	if resp.StatusCode == http.StatusProxyAuthRequired && t.proxy != nil {
		// A plain-HTTP request through a proxy gets the proxy's 407 as a
		// response; make it the same error as a refused CONNECT.
		if pu, perr := t.proxy(req); perr == nil && pu != nil {
			perr := proxyStatusError(req.Method, pu, resp)
			resp.Body.Close()
			cancel()
			ev.Int("status", resp.StatusCode).Str("kind", string(KindProxy)).Msg("http attempt")
			return nil, perr
		}
	}
	ev.Int("status", resp.StatusCode).Msg("http attempt")
	resp.Body = &attemptBody{rc: resp.Body, cancel: cancel, parent: parent, ctx: ctx, limit: limit, max: t.o.MaxBody}
	if t.redact {
		for k, vs := range resp.Header {
			for i, v := range vs {
				resp.Header[k][i] = t.o.Scrub(v)
			}
		}
		resp.Body = &redactingBody{rc: resp.Body, scrub: t.o.Scrub}
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	return resp, nil
}

// redactingBody reads the whole (capped) body on the first Read and serves
// it redacted: a secret split across two reads would escape a streaming
// redactor, and every reader here reads the whole body anyway.
type redactingBody struct {
	rc    io.ReadCloser
	scrub func(string) string
	buf   *bytes.Reader
	err   error
}

func (b *redactingBody) Read(p []byte) (int, error) {
	if b.buf == nil {
		data, err := io.ReadAll(b.rc)
		b.err = err
		b.buf = bytes.NewReader([]byte(b.scrub(string(data))))
	}
	n, err := b.buf.Read(p)
	if err == io.EOF && b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *redactingBody) Close() error { return b.rc.Close() }

// attemptTimeout is the cause of an attempt's context when RequestTimeout
// passes; it is a context.DeadlineExceeded, so it classifies as KindTimeout.
type attemptTimeout struct{ d time.Duration }

func (e *attemptTimeout) Error() string {
	return fmt.Sprintf("no complete answer within %s", e.d)
}
func (e *attemptTimeout) Timeout() bool { return true }
func (e *attemptTimeout) Unwrap() error { return context.DeadlineExceeded }

// timeoutCause names the per-attempt limit when it, and not the caller's
// context, ended the attempt.
func timeoutCause(parent, ctx context.Context, limit *attemptTimeout, err error) error {
	if err == nil || err == io.EOF || parent.Err() != nil || ctx.Err() == nil {
		return err
	}
	if errors.Is(err, limit) {
		return err
	}
	return limit
}

type attemptBody struct {
	rc          io.ReadCloser
	cancel      context.CancelFunc
	parent, ctx context.Context
	limit       *attemptTimeout
	max, read   int64 // the body cap, and what was read so far
}

// Read caps the body here, in the transport, so that readers that do not go
// through Fetch (go-github's JSON decoder) are bounded too.
func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.read > b.max {
		n -= int(b.read - b.max)
		return max(n, 0), &BodyLimitError{Limit: b.max}
	}
	return n, timeoutCause(b.parent, b.ctx, b.limit, err)
}

func (b *attemptBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// retryReason says why an outcome may be retried, or "" when it may not.
// Only answers that say "try again" and connections dropped before any
// response byte qualify: a 500, an auth failure, TLS, DNS or a refused
// connection will not change on a second try.
func retryReason(resp *http.Response, err error) string {
	if err != nil {
		var he *Error
		if errors.As(err, &he) { // a proxy refusal
			return ""
		}
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return ""
		case isReset(err):
			return "connection reset"
		case errors.Is(err, io.EOF):
			return "connection closed before any response"
		}
		return ""
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	return ""
}

// isReset reports a reset or broken pipe; an unexpected EOF means part of
// an answer arrived, so it does not count.
func isReset(err error) bool {
	return Classify(err) == KindReset && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// RetryAfter reads a Retry-After value: delta-seconds or an HTTP-date (RFC
// 9110 section 10.2.3), the date counted from now (nil: no wait). ok is
// false for anything else. It is the one reading of the header: the retries
// here and the fleet audit's per-host pause both use it.
func RetryAfter(v string, now func() time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 63); err == nil {
		const longest = 24 * time.Hour // anything longer is capped anyway; avoids overflow
		if secs > uint64(longest/time.Second) {
			return longest, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		if now == nil {
			return 0, true
		}
		return max(at.Sub(now()), 0), true
	}
	return 0, false
}

// rateLimitReset is how long until a used-up rate limit resets:
// X-RateLimit-Remaining is 0 and X-RateLimit-Reset holds UTC epoch seconds
// (GitHub's "Rate limits for the REST API"). ok is false otherwise.
func rateLimitReset(h http.Header, now func() time.Time) (time.Duration, bool) {
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) != "0" || now == nil {
		return 0, false
	}
	s, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
	if err != nil || s <= 0 {
		return 0, false
	}
	return max(time.Unix(s, 0).Sub(now()), 0), true
}

// retain replaces a retried response's body with its first bytes in memory
// and closes the original, releasing the connection and the attempt's timer.
func retain(resp *http.Response) *http.Response {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, retainedBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	return resp
}

func timerWait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clock adapts Options.Now for backoff; without it elapsed time stays zero,
// which is harmless because MaxElapsedTime is not used.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time {
	if c.now == nil {
		return time.Time{}
	}
	return c.now()
}

// onProxyConnect turns a proxy's refusal to open a tunnel into an *Error
// naming the proxy, instead of the transport's bare status text.
func onProxyConnect(_ context.Context, proxyURL *url.URL, _ *http.Request, res *http.Response) error {
	if res.StatusCode == http.StatusOK {
		return nil
	}
	return proxyStatusError(http.MethodConnect, proxyURL, res)
}

func proxyStatusError(method string, proxyURL *url.URL, res *http.Response) *Error {
	host := proxyURL.Host
	var msg string
	switch res.StatusCode {
	case http.StatusProxyAuthRequired:
		asks := strings.Join(res.Header.Values("Proxy-Authenticate"), ", ")
		if asks == "" {
			asks = "an unnamed scheme"
		}
		if proxyURL.User != nil {
			msg = fmt.Sprintf("proxy %s rejected the credentials it was sent (it asks for %s)", host, asks)
		} else {
			msg = fmt.Sprintf("proxy %s requires credentials and none are configured (it asks for %s)", host, asks)
		}
	default:
		msg = fmt.Sprintf("proxy %s refused to forward the request", host)
	}
	// Only the proxy's host and its challenge are quoted: the credentials
	// live in proxyURL.User, which is left out.
	return &Error{
		Method:  method,
		URL:     proxyURL.Scheme + "://" + host,
		Kind:    KindProxy,
		Status:  res.StatusCode,
		Message: msg,
	}
}

// proxyFunc chooses between the agent proxy and the standard variables; it
// returns nil when neither is configured.
func proxyFunc(o Options) (func(*http.Request) (*url.URL, error), error) {
	if strings.TrimSpace(o.ProxyURL) != "" {
		pu, err := parseProxyURL(o.ProxyURL, "AGENT_PROXYURL")
		if err != nil {
			return nil, err
		}
		if o.ProxyUsername != "" || o.ProxyPassword != "" {
			pu.User = url.UserPassword(o.ProxyUsername, o.ProxyPassword)
		}
		bypass := ParseBypassList(o.ProxyBypass)
		return func(r *http.Request) (*url.URL, error) {
			if _, ok := bypass.Match(r.URL); ok {
				return nil, nil
			}
			return pu, nil
		}, nil
	}

	var httpsProxy, httpProxy *url.URL
	var err error
	if strings.TrimSpace(o.HTTPSProxy) != "" {
		if httpsProxy, err = parseProxyURL(o.HTTPSProxy, "HTTPS_PROXY"); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(o.HTTPProxy) != "" {
		if httpProxy, err = parseProxyURL(o.HTTPProxy, "HTTP_PROXY"); err != nil {
			return nil, err
		}
	}
	if httpsProxy == nil && httpProxy == nil {
		return nil, nil
	}
	np := parseNoProxy(o.NoProxy)
	return func(r *http.Request) (*url.URL, error) {
		pu := httpProxy
		if r.URL.Scheme == "https" {
			pu = httpsProxy
		}
		if pu == nil || !np.useProxy(r.URL) {
			return nil, nil
		}
		return pu, nil
	}, nil
}

// bypassSubject is the string the bypass expressions see: the request URL as
// Node's url.parse(...).href writes it (lower-case scheme and host, "/" for
// an empty path), because that is what the task library tests.
func bypassSubject(u *url.URL) string {
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	c.Host = strings.ToLower(c.Host)
	c.User = nil
	if c.Path == "" && c.RawPath == "" && c.Opaque == "" {
		c.Path = "/"
	}
	return c.String()
}

func parseProxyURL(raw, source string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw // agents and curl accept host:port
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes its input, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &OptionError{Source: source, Problem: "not a valid proxy URL", Err: err}
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, &OptionError{Source: source, Problem: fmt.Sprintf("proxy scheme %q is not http, https or socks5", u.Scheme)}
	}
	if u.Hostname() == "" {
		return nil, &OptionError{Source: source, Problem: "proxy URL has no host"}
	}
	return u, nil
}

// noProxy is a parsed NO_PROXY list.
type noProxy struct {
	all     bool
	nets    []*net.IPNet
	ips     []hostPort
	domains []hostPort // host starts with "."; exact means the bare domain matches too
}

type hostPort struct {
	host  string
	port  string
	exact bool
	ip    net.IP
}

func parseNoProxy(v string) noProxy {
	var np noProxy
	for _, e := range strings.Split(v, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if e == "*" {
			np.all = true
			return np
		}
		if _, n, err := net.ParseCIDR(e); err == nil {
			np.nets = append(np.nets, n)
			continue
		}
		host, port := e, ""
		if h, p, err := net.SplitHostPort(e); err == nil {
			host, port = h, p
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
			np.ips = append(np.ips, hostPort{ip: ip, port: port})
			continue
		}
		host = strings.TrimPrefix(host, "*")
		exact := !strings.HasPrefix(host, ".")
		if exact {
			host = "." + host
		}
		np.domains = append(np.domains, hostPort{host: host, port: port, exact: exact})
	}
	return np
}

func (np noProxy) useProxy(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return false
	}
	if np.all {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	portOK := func(p string) bool { return p == "" || p == port }
	if ip != nil {
		for _, n := range np.nets {
			if n.Contains(ip) {
				return false
			}
		}
		for _, m := range np.ips {
			if m.ip.Equal(ip) && portOK(m.port) {
				return false
			}
		}
		return true
	}
	for _, m := range np.domains {
		if (strings.HasSuffix(host, m.host) || (m.exact && host == m.host[1:])) && portOK(m.port) {
			return false
		}
	}
	return true
}

// tlsConfig trusts the system roots plus the extra bundles.
func tlsConfig(files []string, sources map[string]string, readFile func(string) ([]byte, error)) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(files) == 0 {
		return conf, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range files {
		src := sources[f]
		if src == "" {
			src = "extra CA bundle"
		}
		pem, err := readFile(f)
		if err != nil {
			return nil, &OptionError{Source: src, Problem: fmt.Sprintf("cannot read CA file %q", f), Err: err}
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &OptionError{Source: src, Problem: fmt.Sprintf("CA file %q holds no PEM certificate", f)}
		}
	}
	conf.RootCAs = pool
	return conf, nil
}

// ParseResolve reads one curl --resolve style entry, host:port:address,
// where address is an IP address, optionally with its own port
// (10.0.0.5, [2001:db8::5], 10.0.0.5:8443, [2001:db8::5]:8443). It returns
// the host:port it applies to (host lower-cased) and the address to dial.
// It is the one rule for the entry's form: the configuration and the command
// line check entries with it.
func ParseResolve(entry string) (route, target string, err error) {
	e := strings.TrimSpace(entry)
	parts := strings.SplitN(e, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return "", "", fmt.Errorf("%q is not host:port:address", e)
	}
	if n, err := strconv.Atoi(parts[1]); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("%q has an invalid port", e)
	}
	target = parts[2]
	if h, p, err := net.SplitHostPort(target); err == nil {
		if net.ParseIP(h) == nil {
			return "", "", fmt.Errorf("%q: %q is not an IP address", e, h)
		}
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("%q: the address has an invalid port", e)
		}
		target = net.JoinHostPort(h, p)
	} else {
		ip := net.ParseIP(strings.Trim(target, "[]"))
		if ip == nil {
			return "", "", fmt.Errorf("%q: %q is not an IP address", e, target)
		}
		target = net.JoinHostPort(ip.String(), parts[1])
	}
	return net.JoinHostPort(strings.ToLower(parts[0]), parts[1]), target, nil
}

// resolvingDialer dials the Resolve address for a listed host:port; the
// transport still names the original host in TLS, so certificates verify
// against it.
func resolvingDialer(entries []string, timeout time.Duration) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	routes := make(map[string]string, len(entries))
	for _, e := range entries {
		route, target, err := ParseResolve(e)
		if err != nil {
			return nil, &OptionError{Source: "resolve", Problem: err.Error()}
		}
		routes[route] = target
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, p, err := net.SplitHostPort(addr); err == nil {
			if to, ok := routes[net.JoinHostPort(strings.ToLower(h), p)]; ok {
				addr = to
			}
		}
		return d.DialContext(ctx, network, addr)
	}, nil
}
