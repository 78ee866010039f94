package cli

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/simulator"
)

const statusPath = "/api/system/status"

// faultRig is what one row of the fault matrix sets up around the simulator.
type faultRig struct {
	cert string // simulator.Options.SonarCert
	// intercept answers SonarQube requests in place of the simulator; call
	// counts the requests to r.URL.Path so far, from 1.
	intercept func(call int, w http.ResponseWriter, r *http.Request) bool
	// env edits the run's environment once the simulator runs (and may
	// start helpers that need its addresses).
	env func(t *testing.T, sim *simulator.Servers, env map[string]string)
	// after asserts on the helpers once the run has returned.
	after func(t *testing.T)
	// secrets are further strings no output may contain (proxy credentials).
	secrets []string
}

type faultRow struct {
	name    string
	timeout time.Duration // --timeout; the verdict must come within it + 1s
	rig     func(t *testing.T, stop <-chan struct{}) faultRig
	verdict string
	check   string // the check that must name the cause
	status  string
	cause   string // in that check's message (case-insensitive)
	remedy  string // in that check's remedy, when set
	minTime time.Duration
	// statusCalls bounds the requests to api/system/status (min, max);
	// zero means not asserted.
	statusCalls [2]int
}

// matrixLine is one line of the table TestFaultMatrix prints.
type matrixLine struct {
	row, verdict, cause string
	elapsed             time.Duration
}

// TestFaultMatrix runs the whole program against a SonarQube that fails in
// every way issue 5 lists, and asserts for each row the verdict, the check
// that names the cause and its words, the time taken, that nothing panicked
// and that no secret was printed. -v prints the matrix.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		table = map[string]matrixLine{}
		order []string
	)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, "\n%-26s %-7s %8s  %s\n", "row", "verdict", "elapsed", "cause (message of the check that names it)")
		for _, name := range order {
			if l, ok := table[name]; ok {
				fmt.Fprintf(&b, "%-26s %-7s %8s  %s\n", l.row, l.verdict, l.elapsed.Round(10*time.Millisecond), l.cause)
			}
		}
		t.Log(b.String())
	})

	for _, row := range faultRows() {
		order = append(order, row.name)
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			line := runFaultRow(t, row)
			mu.Lock()
			table[row.name] = line
			mu.Unlock()
		})
	}
}

func runFaultRow(t *testing.T, row faultRow) matrixLine {
	t.Helper()
	stop := make(chan struct{})
	rig := row.rig(t, stop)

	var mu sync.Mutex
	calls := map[string]int{}
	opts := simulator.Options{
		Dir:       t.TempDir(),
		SonarCert: rig.cert,
		// The wall clock, not testClock: httpx compares Now plus a retry
		// wait with the context's deadline, which is wall-clock time.
		Now: time.Now,
		Intercept: func(w http.ResponseWriter, r *http.Request) bool {
			if hostOnly(r.Host) != simulator.SonarHost {
				return false
			}
			mu.Lock()
			calls[r.URL.Path]++
			n := calls[r.URL.Path]
			mu.Unlock()
			return rig.intercept != nil && rig.intercept(n, w, r)
		},
	}
	sc, ok := simulator.Lookup("healthy")
	if !ok {
		t.Fatal("no healthy scenario")
	}
	sim, err := simulator.Start(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	// Registered after sim.Close, so it runs first: handlers that hold a
	// request open are released before the servers wait for them.
	t.Cleanup(func() { close(stop) })

	env := sim.Env()
	env["AGENT_TEMPDIRECTORY"] = t.TempDir()
	if rig.env != nil {
		rig.env(t, sim, env)
	}

	timeout := row.timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	start := time.Now()
	code, stdout, stderr := runApp(t, time.Now, env, "--format", "json", "--debug", "--timeout", timeout.String())
	elapsed := time.Since(start)

	if rig.after != nil {
		rig.after(t)
	}
	for _, bad := range []string{"panic", "goroutine "} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr mentions %q:\n%s", bad, stderr)
		}
	}
	assertNoSecrets(t, append(secretsOf(sim, env), rig.secrets...), stdout, stderr)

	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if rep.Verdict != row.verdict {
		t.Errorf("verdict %q, want %q", rep.Verdict, row.verdict)
	}
	if want := map[string]int{"pass": ExitOK, "warn": ExitOK, "fail": ExitFail}[rep.Verdict]; code != want {
		t.Errorf("exit code %d for verdict %s", code, rep.Verdict)
	}
	var msg string
	found := false
	for _, c := range rep.Checks {
		if strings.Contains(c.Message, "Internal error") {
			t.Errorf("%s stopped unexpectedly: %s", c.ID, c.Message)
		}
		if c.ID != row.check {
			continue
		}
		found = true
		msg = c.Message
		if c.Status != row.status {
			t.Errorf("%s: status %q, want %q: %s", c.ID, c.Status, row.status, c.Message)
		}
		if !strings.Contains(strings.ToLower(c.Message), strings.ToLower(row.cause)) {
			t.Errorf("%s: message does not name %q: %s", c.ID, row.cause, c.Message)
		}
		if row.remedy != "" && !strings.Contains(c.Remedy, row.remedy) {
			t.Errorf("%s: remedy does not name %q: %s", c.ID, row.remedy, c.Remedy)
		}
	}
	if !found {
		t.Errorf("no check %s in the report", row.check)
	}

	if limit := timeout + time.Second; elapsed > limit {
		t.Errorf("took %s, more than the deadline %s + 1s", elapsed, timeout)
	}
	if elapsed < row.minTime {
		t.Errorf("took %s, less than %s: the wait before the retry did not happen", elapsed, row.minTime)
	}
	if lo, hi := row.statusCalls[0], row.statusCalls[1]; hi > 0 {
		mu.Lock()
		n := calls[statusPath]
		mu.Unlock()
		if n < lo || n > hi {
			t.Errorf("%d requests to %s, want %d to %d", n, statusPath, lo, hi)
		}
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr)
	}
	// The table shows the cause, not the "Could not reach …:" preamble.
	if _, after, ok := strings.Cut(msg, "server: "); ok && strings.HasPrefix(msg, "Could not") {
		msg = after
	}
	return matrixLine{row: row.name, verdict: rep.Verdict, cause: shorten(msg, 120), elapsed: elapsed}
}

func faultRows() []faultRow {
	// once answers the first request to api/system/status with status,
	// headers and body; later requests reach the simulator.
	once := func(status int, header map[string]string, body string) func(*testing.T, <-chan struct{}) faultRig {
		return func(*testing.T, <-chan struct{}) faultRig {
			return faultRig{intercept: func(call int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != statusPath || call > 1 {
					return false
				}
				for k, v := range header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
				return true
			}}
		}
	}
	// always answers every request to api/system/status with body.
	always := func(status int, contentType, body string) func(*testing.T, <-chan struct{}) faultRig {
		return func(*testing.T, <-chan struct{}) faultRig {
			return faultRig{intercept: func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != statusPath {
					return false
				}
				w.Header().Set("Content-Type", contentType)
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
				return true
			}}
		}
	}
	gatewayPage := func(status int) string {
		s := fmt.Sprintf("%d %s", status, http.StatusText(status))
		return "<html>\r\n<head><title>" + s + "</title></head>\r\n<body>\r\n<center><h1>" + s + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	}
	const sonarErrorJSON = `{"errors":[{"msg":"An error has occurred. Please contact your administrator"}]}`
	const signIn = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>\n  Sign in to your account\n</title></head>\n<body><form method=\"post\" action=\"/oauth2/authorize\"><input name=\"loginfmt\" type=\"email\"></form></body></html>"
	// backoffFloor is the shortest first wait of httpx's backoff (200 ms
	// minus its 50 % jitter): a retried row cannot finish sooner.
	const backoffFloor = 100 * time.Millisecond

	rows := []faultRow{
		{name: "connection refused", rig: func(t *testing.T, _ <-chan struct{}) faultRig {
			addr := closedPort(t)
			return faultRig{env: func(_ *testing.T, _ *simulator.Servers, env map[string]string) { routeSonar(env, addr) }}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "refused"},

		{name: "DNS failure", rig: func(*testing.T, <-chan struct{}) faultRig {
			// .invalid never resolves (RFC 6761), and it has no resolve entry.
			return faultRig{env: func(_ *testing.T, _ *simulator.Servers, env map[string]string) {
				env["SONAR_HOST_URL"] = "https://sonar.invalid"
			}}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "could not be resolved (DNS)"},

		{name: "TLS self-signed, no CA", rig: func(*testing.T, <-chan struct{}) faultRig {
			return faultRig{env: func(_ *testing.T, _ *simulator.Servers, env map[string]string) { delete(env, "SSL_CERT_FILE") }}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "unknown authority", remedy: "NODE_EXTRA_CA_CERTS or SSL_CERT_FILE"},

		{name: "TLS, NODE_EXTRA_CA_CERTS", rig: func(*testing.T, <-chan struct{}) faultRig {
			return faultRig{env: func(_ *testing.T, sim *simulator.Servers, env map[string]string) {
				delete(env, "SSL_CERT_FILE")
				env["NODE_EXTRA_CA_CERTS"] = sim.CAFile
			}}
		}, verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP"},

		{name: "TLS expired certificate", rig: func(*testing.T, <-chan struct{}) faultRig { return faultRig{cert: "expired"} },
			verdict: "fail", check: "sonar.server", status: "fail", cause: "expired", remedy: "must be fixed on the server"},

		{name: "TLS wrong-host cert", rig: func(*testing.T, <-chan struct{}) faultRig { return faultRig{cert: "wrong-host"} },
			verdict: "fail", check: "sonar.server", status: "fail", cause: "issued for another host name", remedy: "must be fixed on the server"},

		{name: "accepts, never answers", timeout: 2 * time.Second, rig: func(t *testing.T, _ <-chan struct{}) faultRig {
			addr := silentListener(t)
			return faultRig{env: func(_ *testing.T, _ *simulator.Servers, env map[string]string) { routeSonar(env, addr) }}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "did not answer in time"},

		{name: "stalls mid-body", timeout: 2 * time.Second, rig: func(_ *testing.T, stop <-chan struct{}) faultRig {
			return faultRig{intercept: func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != statusPath {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "80")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, `{"id":"F1B3B9E1","version":"10.7`)
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-stop:
				}
				return true
			}}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "did not answer in time", statusCalls: [2]int{1, 1}},

		{name: "body cut short", rig: func(*testing.T, <-chan struct{}) faultRig {
			return faultRig{intercept: func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != statusPath {
					return false
				}
				conn := hijack(w)
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 80\r\n\r\n{\"id\":\"F1B3B9E1\",\"vers")
				conn.Close()
				return true
			}}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "closed before a complete answer", statusCalls: [2]int{1, 1}},

		{name: "connection reset", rig: func(*testing.T, <-chan struct{}) faultRig {
			return faultRig{intercept: func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != statusPath {
					return false
				}
				resetConn(hijack(w))
				return true
			}}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "reset", minTime: backoffFloor, statusCalls: [2]int{2, 4}},

		{name: "502 once, then UP", rig: once(http.StatusBadGateway, map[string]string{"Content-Type": "text/html"}, gatewayPage(502)),
			verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP", minTime: backoffFloor, statusCalls: [2]int{2, 2}},
		{name: "503 once, then UP", rig: once(http.StatusServiceUnavailable, map[string]string{"Content-Type": "text/html"}, gatewayPage(503)),
			verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP", minTime: backoffFloor, statusCalls: [2]int{2, 2}},
		{name: "504 once, then UP", rig: once(http.StatusGatewayTimeout, map[string]string{"Content-Type": "text/html"}, gatewayPage(504)),
			verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP", minTime: backoffFloor, statusCalls: [2]int{2, 2}},
		{name: "429 Retry-After 1, then UP", rig: once(http.StatusTooManyRequests, map[string]string{"Retry-After": "1", "Content-Type": "application/json"}, sonarErrorJSON),
			verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP", minTime: time.Second, statusCalls: [2]int{2, 2}},

		{name: "500 forever", rig: always(http.StatusInternalServerError, "application/json", sonarErrorJSON),
			verdict: "fail", check: "sonar.server", status: "fail", cause: "answered 500", statusCalls: [2]int{1, 1}},
		{name: "HTML sign-in page", rig: always(http.StatusOK, "text/html; charset=utf-8", signIn),
			verdict: "fail", check: "sonar.server", status: "fail", cause: "sign-in page", statusCalls: [2]int{1, 1}},
		{name: "invalid JSON", rig: always(http.StatusOK, "application/json", `{"id":"F1B3B9E1","version":"10.7.0.96327","status":UP}`),
			verdict: "fail", check: "sonar.server", status: "fail", cause: "invalid JSON", statusCalls: [2]int{1, 1}},
		{name: "truncated JSON", rig: always(http.StatusOK, "application/json", `{"id":"F1B3B9E1","version":"10.7.0.96327","status":"U`),
			verdict: "fail", check: "sonar.server", status: "fail", cause: "unexpected end of JSON", statusCalls: [2]int{1, 1}},
		{name: "100 MB JSON", timeout: 4 * time.Second, rig: func(*testing.T, <-chan struct{}) faultRig { return faultRig{intercept: hugeJSON} },
			verdict: "fail", check: "sonar.server", status: "fail", cause: "larger than the 4 MiB", statusCalls: [2]int{1, 1}},

		{name: "redirect to another host", rig: func(t *testing.T, _ <-chan struct{}) faultRig {
			var mu sync.Mutex
			var got []string
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization"))
				mu.Unlock()
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(other.Close)
			return faultRig{
				intercept: func(_ int, w http.ResponseWriter, r *http.Request) bool {
					http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
					return true
				},
				after: func(t *testing.T) {
					mu.Lock()
					defer mu.Unlock()
					if len(got) > 0 {
						t.Errorf("the redirect was followed: the other host received %d requests", len(got))
					}
				},
			}
		}, verdict: "fail", check: "sonar.server", status: "fail", cause: "redirect to http://127.0.0.1", statusCalls: [2]int{1, 1}},
	}
	rows = append(rows, proxyRows()...)
	return rows
}

// proxyRows are the agent proxy rows: credentials accepted, credentials
// refused, and a host on the bypass list.
func proxyRows() []faultRow {
	// 10 characters, so base64(user:password) shares no tail with the
	// password's own masked forms (see the secrets test).
	const user = "agent-user"
	type setup struct {
		password, sent string // the proxy's password, and the one configured
		bypass         string // AGENT_PROXYBYPASSLIST
	}
	rig := func(s setup, check func(t *testing.T, p *connectProxy)) func(*testing.T, <-chan struct{}) faultRig {
		return func(t *testing.T, _ <-chan struct{}) faultRig {
			var p *connectProxy
			return faultRig{
				env: func(t *testing.T, sim *simulator.Servers, env map[string]string) {
					p = startConnectProxy(t, user, s.password, sim.Resolve)
					env["AGENT_PROXYURL"] = "http://" + p.addr
					env["AGENT_PROXYUSERNAME"] = user
					env["AGENT_PROXYPASSWORD"] = s.sent
					if s.bypass != "" {
						env["AGENT_PROXYBYPASSLIST"] = s.bypass
					}
				},
				after:   func(t *testing.T) { check(t, p) },
				secrets: append(proxyForms(user, s.password), proxyForms(user, s.sent)...),
			}
		}
	}
	good := "p@ss:" + randomString(12)
	return []faultRow{
		{name: "agent proxy", rig: rig(setup{password: good, sent: good}, func(t *testing.T, p *connectProxy) {
			connects, refused, _ := p.stats()
			if len(connects) == 0 || refused > 0 {
				t.Errorf("proxy saw CONNECTs %v and refused %d; want CONNECTs and no refusal", connects, refused)
			}
			for _, c := range connects {
				if c != simulator.SonarHost+":443" {
					t.Errorf("CONNECT %s, want only %s:443", c, simulator.SonarHost)
				}
			}
		}), verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP"},

		{name: "agent proxy, bad password", rig: rig(setup{password: good, sent: "wrong-" + randomString(8)}, func(t *testing.T, p *connectProxy) {
			if connects, refused, _ := p.stats(); len(connects) > 0 || refused == 0 {
				t.Errorf("proxy opened %v and refused %d; want only refusals", connects, refused)
			}
		}), verdict: "fail", check: "sonar.server", status: "fail", cause: "proxy", remedy: "AGENT_PROXYURL"},

		{name: "agent proxy bypassed", rig: rig(setup{password: good, sent: good, bypass: `["^https://sonar\\.contoso\\.example/"]`}, func(t *testing.T, p *connectProxy) {
			if _, _, accepted := p.stats(); accepted > 0 {
				t.Errorf("the proxy received %d connections for a bypassed host", accepted)
			}
		}), verdict: "pass", check: "sonar.server", status: "pass", cause: "is UP"},
	}
}

// TestFaultHugeBodyMemory streams a 100 MB answer and asserts the run
// allocates a bounded amount. It is not parallel: TotalAlloc counts the
// whole process, and parallel tests only run once sequential ones are done.
func TestFaultHugeBodyMemory(t *testing.T) {
	sc, _ := simulator.Lookup("healthy")
	sim, err := simulator.Start(sc, simulator.Options{Dir: t.TempDir(), Now: time.Now, Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		return hostOnly(r.Host) == simulator.SonarHost && hugeJSON(1, w, r)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	env := sim.Env()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code, stdout, _ := runApp(t, time.Now, env, "--format", "json", "--timeout", "4s")
	runtime.ReadMemStats(&after)

	if code != ExitFail || !strings.Contains(stdout, "larger than") {
		t.Fatalf("exit %d, want a failure naming the size cap:\n%s", code, stdout)
	}
	const bound = 64 << 20
	if d := after.TotalAlloc - before.TotalAlloc; d > bound {
		t.Errorf("the run allocated %d MB for a 100 MB answer, more than %d MB: the body is not capped", d>>20, bound>>20)
	} else {
		t.Logf("allocated %.1f MB while a 100 MB answer was streamed", float64(d)/(1<<20))
	}
}

// hugeJSON streams a 100 MB JSON answer to api/system/status, stopping as
// soon as the client hangs up.
func hugeJSON(_ int, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != statusPath {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, `{"status":"UP","padding":"`); err != nil {
		return true
	}
	chunk := []byte(strings.Repeat("a", 1<<20))
	for range 100 {
		if _, err := w.Write(chunk); err != nil {
			return true
		}
	}
	_, _ = io.WriteString(w, `"}`)
	return true
}

// hijack takes over an HTTP/1.1 connection from the simulator.
func hijack(w http.ResponseWriter) net.Conn {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err) // the simulator serves HTTP/1.1; a failure here is a broken test
	}
	return conn
}

// resetConn closes the TCP connection under conn with SO_LINGER 0, so the
// peer gets a RST, not a TLS close_notify or a FIN.
func resetConn(conn net.Conn) {
	raw := conn
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	raw.Close()
}

// routeSonar sends SonarQube's host name to addr instead of the simulator.
func routeSonar(env map[string]string, addr string) {
	var out []string
	for _, e := range strings.Split(env["SONAR_PREFLIGHT_RESOLVE"], ",") {
		if e != "" && !strings.HasPrefix(e, simulator.SonarHost+":") {
			out = append(out, e)
		}
	}
	env["SONAR_PREFLIGHT_RESOLVE"] = strings.Join(append(out, simulator.SonarHost+":443:"+addr), ",")
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentListener accepts connections and never reads or writes them.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// connectProxy is a forward proxy for HTTPS: it requires Basic
// Proxy-Authorization, answers CONNECT only, and dials targets through the
// simulator's resolve map, as a corporate proxy would resolve real names.
type connectProxy struct {
	addr       string
	user, pass string
	routes     map[string]string // "host:port" → address
	mu         sync.Mutex
	connects   []string // tunnels opened
	refused    int      // CONNECTs without the right credentials
	accepted   int      // connections accepted
	conns      map[net.Conn]bool
	wg         sync.WaitGroup
	ln         net.Listener
}

func startConnectProxy(t *testing.T, user, pass string, resolve []string) *connectProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{addr: ln.Addr().String(), user: user, pass: pass, routes: map[string]string{},
		conns: map[net.Conn]bool{}, ln: ln}
	for _, e := range resolve {
		// host:port:addr, where addr is itself ip:port.
		parts := strings.SplitN(e, ":", 3)
		if len(parts) == 3 {
			p.routes[strings.ToLower(parts[0])+":"+parts[1]] = parts[2]
		}
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !p.track(c) {
				c.Close()
				return
			}
			p.mu.Lock()
			p.accepted++
			p.mu.Unlock()
			p.wg.Add(1)
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		// The program's idle connections stay open; close them so the
		// tunnels end.
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.conns = nil
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// track remembers c for closing at cleanup; false when cleanup has begun.
func (p *connectProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *connectProxy) stats() (connects []string, refused, accepted int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...), p.refused, p.accepted
}

func (p *connectProxy) serve(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if req.Header.Get("Proxy-Authorization") != "Basic "+b64(p.user+":"+p.pass) {
		p.mu.Lock()
		p.refused++
		p.mu.Unlock()
		_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	p.mu.Lock()
	p.connects = append(p.connects, req.Host)
	p.mu.Unlock()
	target, ok := p.routes[strings.ToLower(req.Host)]
	if !ok {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", target)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if !p.track(up) {
		up.Close()
		return
	}
	defer up.Close()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, br) // br holds whatever the client sent after the CONNECT
		up.Close()
		c.Close()
	}()
	_, _ = io.Copy(c, up)
	c.Close()
	up.Close()
	<-done
}

// proxyForms are the ways proxy credentials could leak: the password's own
// forms and the Basic Proxy-Authorization value.
func proxyForms(user, pass string) []string {
	out := []string{pass, b64(user + ":" + pass)}
	return out
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// randomString returns n random characters, for credentials a run must hide.
func randomString(n int) string {
	s := rand.Text() // 26 characters
	for len(s) < n {
		s += rand.Text()
	}
	return s[:n]
}
