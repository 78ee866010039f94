package audit

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sonar-preflight/internal/httpx"
)

// Gate is an http.RoundTripper that keeps the audit polite: at most Limit
// requests in flight per host, and a host that asks to slow down is
// obeyed. A Retry-After on any answer (Azure DevOps sends it before it
// starts refusing, and with 429/503) pauses new requests to that host for
// that long; X-RateLimit-Remaining: 0 (Microsoft's "Rate and usage
// limits": requests are being delayed) lets one request at a time through
// until the host reports capacity again; GitHub's own headers pause its
// host until its limit resets (observeGitHub). The retries of a refused request
// (httpx, inside Base) stay within its slot, so a slot is one logical
// request. Gate counts the requests it lets through.
type Gate struct {
	Base    http.RoundTripper
	Limit   int              // per host; <= 0 means DefaultConcurrency
	Now     func() time.Time // nil: time.Now
	MaxWait time.Duration    // cap on one pause; 0 means 60s

	mu    sync.Mutex
	hosts map[string]*hostGate
	sent  atomic.Int64
}

// DefaultConcurrency is the per-host limit when none is given: enough to
// hide latency, few enough for a SonarQube whose web server runs 50 threads
// by default, and well inside Azure DevOps' per-user budget.
const DefaultConcurrency = 8

type hostGate struct {
	slots  chan struct{}
	serial chan struct{} // held while the host says it is delaying us

	mu        sync.Mutex
	pauseTill time.Time
	throttled bool
}

// Requests is how many requests went through the gate.
func (g *Gate) Requests() int64 { return g.sent.Load() }

func (g *Gate) host(h string) *hostGate {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hosts == nil {
		g.hosts = map[string]*hostGate{}
	}
	hg, ok := g.hosts[h]
	if !ok {
		n := g.Limit
		if n <= 0 {
			n = DefaultConcurrency
		}
		hg = &hostGate{slots: make(chan struct{}, n), serial: make(chan struct{}, 1)}
		g.hosts[h] = hg
	}
	return hg
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// RoundTrip waits for a slot on the request's host, and for any pause the
// host asked for, then sends the request.
func (g *Gate) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	hg := g.host(strings.ToLower(req.URL.Host))
	select {
	case hg.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-hg.slots }()

	hg.mu.Lock()
	wait, throttled := hg.pauseTill.Sub(g.now()), hg.throttled
	hg.mu.Unlock()
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	if throttled {
		select {
		case hg.serial <- struct{}{}:
			defer func() { <-hg.serial }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	g.sent.Add(1)
	resp, err := g.Base.RoundTrip(req)
	if resp != nil {
		g.observe(hg, resp.StatusCode, resp.Header)
	}
	return resp, err
}

// observe reads what the host said about its load.
func (g *Gate) observe(hg *hostGate, status int, h http.Header) {
	maxWait := g.MaxWait
	if maxWait <= 0 {
		maxWait = 60 * time.Second
	}
	hg.mu.Lock()
	defer hg.mu.Unlock()
	if d, ok := httpx.RetryAfter(h.Get("Retry-After"), g.now); ok && d > 0 {
		till := g.now().Add(min(d, maxWait))
		if till.After(hg.pauseTill) {
			hg.pauseTill = till
		}
	}
	if h.Get("X-GitHub-Request-Id") != "" {
		g.observeGitHub(hg, status, h, maxWait)
		return
	}
	if rem := strings.TrimSpace(h.Get("X-RateLimit-Remaining")); rem != "" {
		if n, err := strconv.ParseFloat(rem, 64); err == nil {
			hg.throttled = n <= 0
		}
	}
}

// observeGitHub reads GitHub's rate-limit headers (every answer of its REST
// API carries X-GitHub-Request-Id). They mean something else than Azure
// DevOps' ("Rate limits for the REST API"): x-ratelimit-remaining: 0 says
// that requests are refused, not delayed, until x-ratelimit-reset (UTC
// epoch seconds), and "you should not make another request until after"
// it; a secondary limit that names no time asks to "wait for at least one
// minute before retrying". A reset within maxWait pauses the host until
// then. A later one does not: the run would only wait to be refused, and
// the go-github client, which read the same headers, refuses every further
// request to the host itself until the reset, so only the requests already
// on their way are sent and refused. hg.mu is held.
func (g *Gate) observeGitHub(hg *hostGate, status int, h http.Header, maxWait time.Duration) {
	pause := func(d time.Duration) {
		if till := g.now().Add(min(d, maxWait)); d > 0 && till.After(hg.pauseTill) {
			hg.pauseTill = till
		}
	}
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0" {
		s, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
		switch {
		case err != nil:
			pause(time.Minute)
		case time.Unix(s, 0).Sub(g.now()) <= maxWait:
			pause(time.Unix(s, 0).Sub(g.now()))
		}
		return
	}
	if status == http.StatusTooManyRequests && h.Get("Retry-After") == "" {
		pause(time.Minute)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
