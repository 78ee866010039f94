package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sonar-preflight/internal/secret"
)

// scripted answers the i-th request with statuses[i] (the last one repeats),
// with the headers and JSON error bodies the services send.
func scripted(statuses []int, hdr map[int]http.Header, hits *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(hits.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		for k, v := range hdr[st] {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		if st == http.StatusOK {
			fmt.Fprint(w, `{"status":"UP"}`)
			return
		}
		fmt.Fprintf(w, `{"errors":[{"msg":"%s"}]}`, http.StatusText(st))
	})
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		method   string
		statuses []int
		want     int // final status
		attempts int32
	}{
		{"502 then 200", "GET", []int{502, 200}, 200, 2},
		{"503 then 200", "GET", []int{503, 200}, 200, 2},
		{"504 then 200", "GET", []int{504, 200}, 200, 2},
		{"429 then 200", "GET", []int{429, 200}, 200, 2},
		{"HEAD 503 then 200", "HEAD", []int{503, 200}, 200, 2},
		{"503 forever stops at MaxAttempts", "GET", []int{503}, 503, 4},
		{"500 is not retried", "GET", []int{500}, 500, 1},
		{"401 is not retried", "GET", []int{401}, 401, 1},
		{"403 is not retried", "GET", []int{403}, 403, 1},
		{"404 is not retried", "GET", []int{404}, 404, 1},
		{"POST 503 is not retried", "POST", []int{503, 200}, 503, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits, conns atomic.Int32
			srv := httptest.NewUnstartedServer(scripted(tc.statuses, map[int]http.Header{
				401: {"Www-Authenticate": {`Basic realm="sonarqube"`}},
			}, &hits))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			rec := &waitRecorder{}
			c, logs := newTestClient(t, Options{wait: rec.wait})

			resp, err := fetch(t, c, tc.method, srv.URL+"/api/system/status", nil, 0)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.Status != tc.want {
				t.Errorf("status = %d, want %d", resp.Status, tc.want)
			}
			if got := hits.Load(); got != tc.attempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.attempts)
			}
			// Retried answers are drained and closed, so the connection
			// goes back to the pool and serves the next attempt.
			if got := conns.Load(); got != 1 {
				t.Errorf("%d connections for %d attempts, want 1", got, hits.Load())
			}
			waits := rec.all()
			if len(waits) != int(tc.attempts)-1 {
				t.Fatalf("waited %d times, want %d", len(waits), tc.attempts-1)
			}
			for i, w := range waits {
				// Exponential backoff from 200ms with 50% jitter, doubling.
				lo, hi := initialBackoff/2<<i, 3*initialBackoff/2<<i
				if w < lo || w > hi {
					t.Errorf("wait %d = %v, want within [%v, %v] (all %v)", i, w, lo, hi, waits)
				}
			}
			if got := len(logs.events(t, "http retry")); got != len(waits) {
				t.Errorf("logged %d retries, want %d", got, len(waits))
			}
			if tc.method == "GET" && tc.want != 200 && !strings.Contains(string(resp.Body), http.StatusText(tc.want)) {
				t.Errorf("body of the last answer = %q, want the server's message", resp.Body)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter string
		now        func() time.Time
		maxWait    time.Duration
		want       time.Duration
	}{
		{"delta seconds", "3", func() time.Time { return now }, 0, 3 * time.Second},
		{"zero", "0", func() time.Time { return now }, 0, 0},
		{"HTTP date", now.Add(5 * time.Second).Format(http.TimeFormat), func() time.Time { return now }, 0, 5 * time.Second},
		{"HTTP date in the past", now.Add(-time.Minute).Format(http.TimeFormat), func() time.Time { return now }, 0, 0},
		{"capped by MaxRetryWait", "120", func() time.Time { return now }, 2 * time.Second, 2 * time.Second},
		{"default cap is 8s", "3600", func() time.Time { return now }, 0, DefaultMaxRetryWait},
		{"huge value does not overflow", "99999999999999999", func() time.Time { return now }, 0, DefaultMaxRetryWait},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(scripted([]int{429, 200}, map[int]http.Header{429: {"Retry-After": {tc.retryAfter}}}, &hits))
			t.Cleanup(srv.Close)
			rec := &waitRecorder{}
			c, _ := newTestClient(t, Options{wait: rec.wait, Now: tc.now, MaxRetryWait: tc.maxWait})
			resp, err := fetch(t, c, "GET", srv.URL+"/api/projects/search", nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 200 || hits.Load() != 2 {
				t.Fatalf("status %d after %d attempts, want 200 after 2", resp.Status, hits.Load())
			}
			if w := rec.all(); len(w) != 1 || w[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", w, tc.want)
			}
		})
	}
}

// TestRateLimitResetHonoured: a 429 whose rate limit is used up
// (X-RateLimit-Remaining: 0) names no Retry-After but when the limit
// resets (GitHub's primary limit: "you should not retry your request until
// after the time specified by the x-ratelimit-reset header"): the retry
// waits for a near reset, and a far one is given back unrepeated.
func TestRateLimitResetHonoured(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		reset     time.Time
		remaining string
		wantHits  int32
		wantWaits []time.Duration
	}{
		{"reset in 3 s", now.Add(3 * time.Second), "0", 2, []time.Duration{3 * time.Second}},
		{"reset in an hour", now.Add(time.Hour), "0", 1, nil},
		{"reset passed", now.Add(-time.Minute), "0", 2, []time.Duration{0}},
		{"limit not used up", now.Add(time.Hour), "12", 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			hdr := http.Header{"X-Ratelimit-Remaining": {tc.remaining}, "X-Ratelimit-Reset": {strconv.FormatInt(tc.reset.Unix(), 10)}}
			srv := httptest.NewServer(scripted([]int{429, 200}, map[int]http.Header{429: hdr}, &hits))
			t.Cleanup(srv.Close)
			rec := &waitRecorder{}
			c, _ := newTestClient(t, Options{wait: rec.wait, Now: func() time.Time { return now }})
			if _, err := fetch(t, c, "GET", srv.URL+"/orgs/contoso/repos", nil, 0); err != nil {
				t.Fatal(err)
			}
			waits := rec.all()
			if tc.remaining != "0" && len(waits) == 1 {
				waits = nil // the backoff's own wait, whatever it is
			}
			if hits.Load() != tc.wantHits || !slices.Equal(waits, tc.wantWaits) {
				t.Errorf("%d attempts, waits %v; want %d, %v", hits.Load(), waits, tc.wantHits, tc.wantWaits)
			}
		})
	}
}

func TestRetryAfterParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		now    func() time.Time
		want   time.Duration
		wantOK bool
	}{
		{"", nil, 0, false},
		{"soon", nil, 0, false},
		{"-1", nil, 0, false},
		{"1.5", nil, 0, false},
		{" 7 ", nil, 7 * time.Second, true},
		// Without a clock a date cannot be compared: treated as no wait.
		{"Wed, 21 Oct 2015 07:28:00 GMT", nil, 0, true},
	}
	for _, tc := range tests {
		got, ok := RetryAfter(tc.in, tc.now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

// TestRetryAfterHonoured lets the real timer run: the second attempt must not
// reach the server before the announced second has passed.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var arrivals []time.Time
	var hits atomic.Int32
	inner := scripted([]int{429, 200}, map[int]http.Header{429: {"Retry-After": {"1"}}}, &hits)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, logs := newTestClient(t, Options{})
	resp, err := fetch(t, c, "GET", srv.URL+"/api/server/version", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || len(arrivals) != 2 {
		t.Fatalf("status %d after %d attempts, want 200 after 2", resp.Status, len(arrivals))
	}
	// A lower bound only: timers never fire early, and the server saw the
	// first request before the client read its Retry-After.
	if gap := arrivals[1].Sub(arrivals[0]); gap < time.Second {
		t.Errorf("second attempt arrived %v after the first, want at least 1s", gap)
	}
	ev := logs.events(t, "http retry")
	if len(ev) != 1 || ev[0]["wait"] != float64(1000) || ev[0]["reason"] != "429 Too Many Requests" {
		t.Errorf("retry events = %v, want one with wait 1000ms and reason 429", ev)
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(scripted([]int{429, 200}, map[int]http.Header{429: {"Retry-After": {"5"}}}, &hits))
	t.Cleanup(srv.Close)
	rec := &waitRecorder{}
	c, logs := newTestClient(t, Options{wait: rec.wait})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := fetchCtx(t, ctx, c, "GET", srv.URL+"/api/alm_settings/list", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusTooManyRequests || hits.Load() != 1 {
		t.Fatalf("status %d after %d attempts, want 429 after 1", resp.Status, hits.Load())
	}
	if w := rec.all(); len(w) != 0 {
		t.Errorf("waited %v, want no wait", w)
	}
	if !strings.Contains(string(resp.Body), "Too Many Requests") {
		t.Errorf("body = %q, want the server's own message", resp.Body)
	}
	if len(logs.events(t, "http retry skipped")) != 1 {
		t.Errorf("want one 'retry skipped' event, log:\n%s", logs)
	}
}

// TestWaitEndsWithContext: when the caller's context ends during a wait,
// the last answer (already read and closed) is returned intact.
func TestWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(scripted([]int{503}, nil, &hits))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	c, _ := newTestClient(t, Options{wait: wait})
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/system/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 503 || !strings.Contains(string(body), "Service Unavailable") {
		t.Errorf("got %d %q %v, want the 503 and its message", resp.StatusCode, body, err)
	}
	if hits.Load() != 1 {
		t.Errorf("server saw %d attempts, want 1", hits.Load())
	}
}

// hijacker drops the first `drops` connections without answering; reset
// sends a TCP RST (SO_LINGER 0) instead of a clean close.
func hijacker(drops int32, reset bool, hits *atomic.Int32) http.Handler {
	ok := scripted([]int{200}, nil, new(atomic.Int32))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) > drops {
			ok.ServeHTTP(w, r)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if reset {
			_ = conn.(*net.TCPConn).SetLinger(0)
		}
		conn.Close()
	})
}

func TestConnectionDropsRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		drops    int32
		reset    bool
		attempts int32
		wantErr  Kind
	}{
		{"closed before answering, then 200", 1, false, 2, ""},
		{"reset before answering, then 200", 1, true, 2, ""},
		{"reset on every attempt", 100, true, 4, KindReset},
		{"closed on every attempt", 100, false, 4, KindReset},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(hijacker(tc.drops, tc.reset, &hits))
			t.Cleanup(srv.Close)
			rec := &waitRecorder{}
			c, _ := newTestClient(t, Options{wait: rec.wait})
			resp, err := fetch(t, c, "GET", srv.URL+"/api/server/version", nil, 0)
			if tc.wantErr == "" {
				if err != nil || resp.Status != 200 {
					t.Fatalf("got %v, %v; want 200", resp, err)
				}
			} else if KindOf(err) != tc.wantErr {
				t.Fatalf("err = %v (kind %q), want kind %q", err, KindOf(err), tc.wantErr)
			}
			if hits.Load() != tc.attempts {
				t.Errorf("server saw %d attempts, want %d", hits.Load(), tc.attempts)
			}
		})
	}
}

// TestNoRetryOnPermanentFailures: refused, DNS and TLS failures will not
// change on a second try; one attempt each, typed.
func TestTransportFailures(t *testing.T) {
	t.Parallel()
	// A port that was just free: nothing listens there now.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/api/server/version"
	l.Close()

	ca := newTestCA(t)
	ok := scripted([]int{200}, nil, new(atomic.Int32))
	selfSigned := httptest.NewUnstartedServer(ok)
	selfSigned.Config.ErrorLog = quietLog
	selfSigned.StartTLS()
	t.Cleanup(selfSigned.Close)
	expired := tlsServer(t, ok, ca.leaf(t, []string{"127.0.0.1"}, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)))
	wrongHost := tlsServer(t, ok, ca.leaf(t, []string{"sonar.other.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))

	tests := []struct {
		name    string
		url     string
		caFiles []string
		want    Kind
		text    string
	}{
		{"refused", refused, nil, KindRefused, "connection refused"},
		{"DNS failure", "https://sonar.example.invalid/api/server/version", nil, KindDNS, "sonar.example.invalid"},
		{"self-signed without CA", selfSigned.URL + "/api/server/version", nil, KindTLS, "certificate"},
		{"expired", expired.URL + "/api/server/version", []string{ca.pemFile}, KindTLS, "expired"},
		{"wrong host", wrongHost.URL + "/api/server/version", []string{ca.pemFile}, KindTLS, "127.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, logs := newTestClient(t, Options{CAFiles: tc.caFiles})
			_, err := fetch(t, c, "GET", tc.url, nil, 0)
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if he.Kind != tc.want || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q (kind %q), want kind %q mentioning %q", err, he.Kind, tc.want, tc.text)
			}
			if !strings.HasPrefix(err.Error(), "GET ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error text %q is not one line starting with the method", err)
			}
			if n := len(logs.events(t, "http attempt")); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}

	t.Run("self-signed trusted through CAFiles", func(t *testing.T) {
		t.Parallel()
		c, _ := newTestClient(t, Options{CAFiles: []string{writePEM(t, selfSigned.Certificate())}})
		resp, err := fetch(t, c, "GET", selfSigned.URL+"/api/server/version", nil, 0)
		if err != nil || resp.Status != 200 {
			t.Fatalf("got %v, %v; want 200", resp, err)
		}
	})
}

// blocking answers nothing (or only part of a body) until the client gives
// up or the test ends.
func blocking(t *testing.T, partial bool) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if partial {
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(strings.Repeat("x", 1024)))
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets handlers return
	return srv
}

func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		partial bool
	}{
		{"server never answers", false},
		{"server stalls mid-body", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := blocking(t, tc.partial)
			c, _ := newTestClient(t, Options{RequestTimeout: 200 * time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := fetchCtx(t, ctx, c, "GET", srv.URL+"/api/server/version", nil, 0)
			if k := KindOf(err); k != KindTimeout {
				t.Fatalf("err = %v (kind %q), want timeout", err, k)
			}
			// The attempt's own limit fired, not the caller's deadline.
			var at *attemptTimeout
			if !errors.As(err, &at) || ctx.Err() != nil {
				t.Errorf("err = %v, want the per-attempt limit", err)
			}
			if !strings.Contains(err.Error(), "within 200ms") {
				t.Errorf("err = %q, want it to name the 200ms limit", err)
			}
		})
	}
}

// TestBodyCancelledOnClose: the attempt's context lives until the body is
// closed, and no longer.
func TestBodyCancelledOnClose(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // returns once the client closes the body
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body := resp.Body.(*attemptBody)
	if body.ctx.Err() != nil {
		t.Fatal("attempt context ended before the body was closed")
	}
	resp.Body.Close()
	if body.ctx.Err() == nil {
		t.Error("attempt context still live after Close")
	}
}

func TestBodyLimitStreams(t *testing.T) {
	t.Parallel()
	const total = 100 << 20
	var written atomic.Int64
	done := make(chan struct{})
	chunk := make([]byte, 32<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		w.Header().Set("Content-Length", fmt.Sprint(total))
		for written.Load() < total {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{})

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := fetch(t, c, "GET", srv.URL+"/_apis/projects", nil, 1<<20)
	runtime.ReadMemStats(&after)
	if KindOf(err) != KindBodyLimit {
		t.Fatalf("err = %v, want body limit", err)
	}
	<-done
	if w := written.Load(); w >= total {
		t.Errorf("server wrote all %d bytes: the client did not stop reading", w)
	}
	// Generous bound (other tests run in parallel): reading the whole body
	// would allocate well over 100 MB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 48<<20 {
		t.Errorf("allocated %d MB reading a capped body", grew>>20)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var otherHits atomic.Int32
	var otherAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		otherAuth.Store(r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	sonar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/sessions/new?return_to=%2Fapi", http.StatusFound)
	}))
	t.Cleanup(sonar.Close)
	token := "squ_0123456789abcdef0123456789abcdef01234567"
	auth := "Basic " + basic(token+":")
	c, logs := newTestClient(t, Options{})
	resp, err := fetch(t, c, "GET", sonar.URL+"/api/authentication/validate", http.Header{"Authorization": {auth}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), other.URL+"/sessions/new") {
		t.Errorf("got %d Location %q, want the 302 and its Location", resp.Status, resp.Header.Get("Location"))
	}
	if otherHits.Load() != 0 || otherAuth.Load() != nil {
		t.Errorf("the other host was contacted (%d requests)", otherHits.Load())
	}
	if e := resp.Err(""); e.Location == "" {
		t.Errorf("status error carries no Location: %v", e)
	}
	assertNoLeak(t, secret.Forms(token), logs.String())
}

func TestResolve(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	var sni atomic.Value
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sni.Store(r.TLS.ServerName + " " + r.Host)
		fmt.Fprint(w, "10.6.0.0")
	})
	named := tlsServer(t, h, ca.leaf(t, []string{"sonar.corp.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))
	other := tlsServer(t, h, ca.leaf(t, []string{"other.corp.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))

	tests := []struct {
		name    string
		resolve string
		want    Kind // "" = success
	}{
		{"ip:port address", "sonar.corp.test:443:127.0.0.1:" + port(t, named), ""},
		{"host name is case-insensitive", "SONAR.corp.test:443:127.0.0.1:" + port(t, named), ""},
		{"certificate for another name", "sonar.corp.test:443:127.0.0.1:" + port(t, other), KindTLS},
		{"unlisted port is not rerouted", "sonar.corp.test:8443:127.0.0.1:" + port(t, named), KindDNS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newTestClient(t, Options{CAFiles: []string{ca.pemFile}, Resolve: []string{tc.resolve}})
			resp, err := fetch(t, c, "GET", "https://sonar.corp.test/api/server/version", nil, 0)
			if tc.want != "" {
				if KindOf(err) != tc.want {
					t.Fatalf("err = %v (kind %q), want %q", err, KindOf(err), tc.want)
				}
				return
			}
			if err != nil || string(resp.Body) != "10.6.0.0" {
				t.Fatalf("got %v, %v", resp, err)
			}
			if got := sni.Load(); got != "sonar.corp.test sonar.corp.test" {
				t.Errorf("server saw SNI and Host %q, want the made-up name", got)
			}
		})
	}
}

func TestScrubAppliesToLogs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(scripted([]int{200}, nil, new(atomic.Int32)))
	t.Cleanup(srv.Close)
	const hidden = "s3cr3t-in-path"
	c, logs := newTestClient(t, Options{Scrub: func(s string) string { return strings.ReplaceAll(s, hidden, "***") }})
	if _, err := fetch(t, c, "GET", srv.URL+"/api/"+hidden+"?token=abc", nil, 0); err != nil {
		t.Fatal(err)
	}
	ev := logs.events(t, "http attempt")
	if len(ev) != 1 || ev[0]["status"] != float64(200) || ev[0]["method"] != "GET" || ev[0]["duration"] == nil {
		t.Errorf("attempt events = %v", ev)
	}
	assertNoLeak(t, []string{hidden, "abc"}, logs.String())
}
