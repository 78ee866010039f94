// Package simulator serves a simulated SonarQube, Azure DevOps and GitHub on
// loopback, scenario by scenario, answering the way the real services answer
// (status, headers, bodies from shared/reference). Tests and `demo` use it.
//
// SonarQube (optionally under a context path), Azure DevOps and GitHub
// listen on one loopback TLS port each and are reached under host names:
// sonar.contoso.example and the services' real ones (dev.azure.com,
// {org}.visualstudio.com, vssps.dev.azure.com, vsaex.dev.azure.com,
// app.vssps.visualstudio.com, api.github.com, an on-premises host, a GitHub
// Enterprise host), through a resolve map (like curl --resolve) and a CA
// that the simulator generates.
package simulator

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Scenario describes how each simulated service behaves and what the
// preflight must conclude.
type Scenario struct {
	Name    string
	Summary string
	Sonar   Sonar  // see sonar.go
	Azdo    Azdo   // see azdo.go
	GitHub  GitHub // see github.go
	// Checkout is the job's local checkout (see checkout.go).
	Checkout Checkout
	// Env is laid over the default pipeline environment. Values may use the
	// placeholders {{sonar}} (SonarQube base URL, with context path),
	// {{sources}} (the checkout's directory) and {{token}},
	// {{admintoken}}, {{pat}}, {{jobtoken}}, {{ghtoken}} (the run's
	// secrets).
	// An empty value removes the variable.
	Env map[string]string
	// Expect maps check ids to the status they must finish with.
	Expect map[string]string
	// ExpectText maps check ids to words their message, remedy or notes must
	// contain: what tells this scenario's cause apart from its neighbours'.
	ExpectText map[string]string
	// At, when set, is the date the scenario happens on: demo and the
	// scenario tests run the simulator and the preflight on a clock that
	// starts there (verdicts that depend on the date, such as the global-PAT
	// retirement, then hold whenever they run). Zero: the caller's clock.
	At time.Time
}

// Clock is the clock a run of the scenario reads: now itself, or, when the
// scenario happens on a date of its own (At), a clock that starts there and
// runs at now's speed. demo and simulate both use it, so a dated scenario
// answers the same whenever it is run.
func (sc Scenario) Clock(now func() time.Time) func() time.Time {
	if sc.At.IsZero() {
		return now
	}
	wall, at := now(), sc.At
	return func() time.Time { return at.Add(now().Sub(wall)) }
}

// Options tune a simulator run.
type Options struct {
	// Dir receives the generated CA bundle (ca.pem). Required.
	Dir string
	// Latency is added to every request, to measure the preflight's
	// concurrency against a network-like delay.
	Latency time.Duration
	// Now is the simulator's clock (token expiry dates are relative to it);
	// nil means the wall clock. Tests share one clock with the preflight.
	Now func() time.Time
	// Intercept, when set, sees every request first (after the request log
	// and the latency); returning true means it answered and the simulated
	// service is not called. Fault tests use it for resets, stalls, 5xx,
	// 429, redirects, broken and huge bodies.
	Intercept func(w http.ResponseWriter, r *http.Request) bool
	// SonarCert selects the SonarQube server's certificate: "" (valid),
	// "expired" or "wrong-host", for TLS fault tests.
	SonarCert string
	// OnRequest, when set, is called with each logged request line.
	OnRequest func(line string)
}

// SonarHost is the simulated SonarQube's host name: the healthy base URL
// names it, and SONAR_HOST_URL reaches it through the resolve map.
const SonarHost = "sonar.contoso.example"

// Servers is a running simulator.
type Servers struct {
	Scenario Scenario
	SonarURL string   // base URL including any context path
	CAFile   string   // PEM bundle that trusts the TLS servers
	Resolve  []string // "host:port:addr" entries routing real host names to loopback
	// SourcesDir is the scenario's checkout (BUILD_SOURCESDIRECTORY).
	SourcesDir string

	Token      string // SonarQube user token accepted by the simulator
	AdminToken string // SonarQube admin token
	PAT        string // Azure DevOps PAT (the one SonarQube's record holds unless the scenario says otherwise)
	JobToken   string // the job's own Azure DevOps token, $(System.AccessToken): a JWT of the build service
	GHToken    string // GitHub token

	servers []*httptest.Server
	log     *RequestLog
	now     func() time.Time
}

// Now is the simulator's clock.
func (s *Servers) Now() time.Time { return s.now() }

// RequestLog records every request the simulator served.
type RequestLog struct {
	mu      sync.Mutex
	entries []string // "METHOD host/path?query"
}

func (l *RequestLog) add(r *http.Request) string {
	line := r.Method + " " + r.Host + r.URL.RequestURI()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, line)
	return line
}

// Entries returns the requests served so far, in arrival order.
func (l *RequestLog) Entries() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.entries...)
}

// Requests returns the log of served requests.
func (s *Servers) Requests() []string { return s.log.Entries() }

// Start runs the scenario's servers on loopback.
func Start(sc Scenario, opts Options) (*Servers, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("simulator: Options.Dir is required")
	}
	s := &Servers{
		Scenario:   sc,
		Token:      tokenPrefix(sc.Sonar.TokenKind) + randHex(20),
		AdminToken: "squ_" + randHex(20),
		PAT:        randPAT(),
		JobToken:   randJobToken(),
		GHToken:    "ghp_" + randHex(18),
		log:        &RequestLog{},
		now:        opts.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	ca, caFile, err := writeCA(opts.Dir)
	if err != nil {
		return nil, err
	}
	s.CAFile = caFile
	if s.SourcesDir, err = writeCheckout(opts.Dir, sc.Checkout); err != nil {
		return nil, err
	}

	// SonarQube is reached by name too, over TLS, as users reach theirs.
	s.SonarURL = "https://" + SonarHost + strings.TrimRight(sc.Sonar.ContextPath, "/")
	sonarSvc := service{hosts: []string{SonarHost}, handler: newSonarHandler(sc.Sonar, s)}
	switch opts.SonarCert {
	case "expired":
		sonarSvc.cert = func() (tls.Certificate, error) {
			return ca.issue(sonarSvc.hosts, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
		}
	case "wrong-host":
		sonarSvc.cert = func() (tls.Certificate, error) {
			return ca.issue([]string{"other.contoso.example"}, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
		}
	}
	s.servers, s.Resolve, err = serveTLS(ca, front(opts, func(r *http.Request) {
		line := s.log.add(r)
		if opts.OnRequest != nil {
			opts.OnRequest(line)
		}
	}), []service{
		sonarSvc,
		{hosts: azdoHosts(sc.Azdo), handler: newAzdoHandler(sc.Azdo, s)},
		{hosts: githubHosts(sc.GitHub), handler: newGitHubHandler(sc.GitHub, s)},
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// service is one simulated service: the host names it answers for, its
// handler, and, for TLS fault tests, a certificate other than a valid one.
type service struct {
	hosts   []string
	handler http.Handler
	cert    func() (tls.Certificate, error) // nil: valid for hosts
}

// writeCA makes the run's CA and writes its certificate to dir/ca.pem, the
// bundle clients are given.
func writeCA(dir string) (*authority, string, error) {
	ca, err := newAuthority()
	if err != nil {
		return nil, "", err
	}
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, ca.certPEM, 0o644); err != nil {
		return nil, "", fmt.Errorf("simulator: write CA bundle: %w", err)
	}
	return ca, file, nil
}

// front is what every simulated service does before it answers: it reports
// the request to seen, waits opts.Latency, and lets opts.Intercept answer
// first.
func front(opts Options, seen func(*http.Request)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen(r)
			if opts.Latency > 0 {
				t := time.NewTimer(opts.Latency)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if opts.Intercept != nil && opts.Intercept(w, r) {
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// serveTLS starts each service that has hosts on a loopback TLS port of its
// own, with a certificate from ca, and returns the servers and the sorted
// "host:443:addr" entries that route each host name there. On an error it
// closes the servers it started.
func serveTLS(ca *authority, wrap func(http.Handler) http.Handler, svcs []service) ([]*httptest.Server, []string, error) {
	var servers []*httptest.Server
	var resolve []string
	for _, svc := range svcs {
		if len(svc.hosts) == 0 {
			continue
		}
		issue := svc.cert
		if issue == nil {
			issue = func() (tls.Certificate, error) { return ca.leaf(svc.hosts) }
		}
		cert, err := issue()
		if err != nil {
			closeAll(servers)
			return nil, nil, err
		}
		srv := httptest.NewUnstartedServer(wrap(svc.handler))
		srv.TLS = tlsConfig(cert)
		// Clients that are cut off mid-handshake (timeouts, fault tests, the
		// end of a demo) are expected here; keep them out of the output.
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		servers = append(servers, srv)
		addr := srv.Listener.Addr().String()
		for _, h := range svc.hosts {
			resolve = append(resolve, h+":443:"+addr)
		}
	}
	sort.Strings(resolve)
	return servers, resolve, nil
}

func closeAll(servers []*httptest.Server) {
	for _, srv := range servers {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// Close stops every server.
func (s *Servers) Close() { closeAll(s.servers) }

// Env returns the complete environment a preflight run sees in this
// scenario: the default pipeline variables, the scenario's overrides, and
// the routing to the simulator (SONAR_PREFLIGHT_RESOLVE, SSL_CERT_FILE).
func (s *Servers) Env() map[string]string {
	env := map[string]string{
		"SONAR_HOST_URL":          s.SonarURL,
		"SONAR_TOKEN":             s.Token,
		"SONAR_PROJECT_KEY":       defaultProjectKey,
		"SONAR_PREFLIGHT_RESOLVE": strings.Join(s.Resolve, ","),
		"SSL_CERT_FILE":           s.CAFile,
		"BUILD_SOURCESDIRECTORY":  s.SourcesDir,
	}
	for k, v := range defaultPipelineEnv(s.Scenario) {
		env[k] = v
	}
	repl := strings.NewReplacer(
		"{{sonar}}", s.SonarURL,
		"{{sources}}", s.SourcesDir,
		"{{token}}", s.Token,
		"{{admintoken}}", s.AdminToken,
		"{{pat}}", s.PAT,
		"{{jobtoken}}", s.JobToken,
		"{{ghtoken}}", s.GHToken,
	)
	for k, v := range s.Scenario.Env {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = repl.Replace(v)
	}
	return env
}

// Getenv adapts Env to a lookup function.
func (s *Servers) Getenv() func(string) string {
	env := s.Env()
	return func(k string) string { return env[k] }
}

// Serve blocks until ctx is done, then closes the servers.
func (s *Servers) Serve(ctx context.Context) {
	<-ctx.Done()
	s.Close()
}

// tokenPrefix is the prefix SonarQube (9.5+) gives a token of that kind.
func tokenPrefix(kind string) string {
	switch kind {
	case "global-analysis":
		return "sqa_"
	case "project-analysis":
		return "sqp_"
	}
	return "squ_"
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// randPAT returns a value of the shape of a new Azure DevOps PAT: 84
// characters with the AZDO signature at positions 76-80.
func randPAT() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 84)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	copy(b[76:80], "AZDO")
	return string(b)
}

// randJobToken returns a value of the shape of $(System.AccessToken): a JSON
// Web Token (three base64url parts). Its claims are not documented by
// Microsoft and nothing reads them; the payload holds a random id only. The
// signature is random bytes: the simulator recognises the token by value.
func randJobToken() string {
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"typ":"JWT","alg":"RS256","x5t":"` + randHex(12) + `"}`))
	payload := enc([]byte(`{"nameid":"` + azdoBuildServiceID + `","jti":"` + randHex(16) + `"}`))
	sig := make([]byte, 256)
	if _, err := rand.Read(sig); err != nil {
		panic(err)
	}
	return header + "." + payload + "." + enc(sig)
}
