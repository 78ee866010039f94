package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/httpx"
	"sonar-preflight/internal/simulator"
	"sonar-preflight/scripts/bench/critpath"
)

// benchLatency is the delay the simulator adds to every request: enough to
// dwarf loopback round trips, so wall time reflects how requests overlap.
const benchLatency = 50 * time.Millisecond

// requestLog collects the simulator's request lines of one run at a time.
type requestLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *requestLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

// take returns the lines so far and starts a new run.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// fullScenario is the scenario in which the preflight makes every request
// the model knows: SonarQube and all Azure DevOps checks healthy.
func fullScenario(tb testing.TB) simulator.Scenario {
	tb.Helper()
	sc, ok := simulator.Lookup(critpath.Scenario)
	if !ok {
		tb.Fatalf("no simulator scenario %q", critpath.Scenario)
	}
	return sc
}

// preflightJSON runs the whole program once, as a pipeline would, and
// checks that it passed.
func preflightJSON(tb testing.TB, env map[string]string) {
	tb.Helper()
	var stdout, stderr strings.Builder
	code := App{Now: time.Now}.Run(context.Background(), []string{"--format", "json"}, func(k string) string { return env[k] }, &stdout, &stderr)
	var rep struct {
		Verdict string `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		tb.Fatalf("stdout is not the JSON report: %v\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if code != ExitOK || rep.Verdict != "pass" {
		tb.Fatalf("exit %d, verdict %q: the benchmark needs a passing run\n%s", code, rep.Verdict, stdout.String())
	}
}

// checkAgainstModel fails when the run's requests and the model disagree:
// a request the model does not know, one it knows but that was not made,
// or one made twice.
func checkAgainstModel(tb testing.TB, lines []string) critpath.Tally {
	tb.Helper()
	t := critpath.Count(critpath.Model, lines)
	for _, l := range t.Unknown {
		tb.Errorf("request unknown to the critical-path model (scripts/bench/critpath): %s", l)
	}
	for _, id := range t.Missing(critpath.Model) {
		tb.Errorf("the model's request %s was not made", id)
	}
	for id, n := range t.Hits {
		if n > 1 {
			tb.Errorf("request %s made %d times", id, n)
		}
	}
	for _, l := range t.Repeated {
		tb.Errorf("repeated request: %s", l)
	}
	return t
}

// TestNoRequestRepeated runs the full preflight once and holds its requests
// against the critical-path model: each request the model lists is made
// exactly once, and no other request is made.
func TestNoRequestRepeated(t *testing.T) {
	t.Parallel()
	log := &requestLog{}
	sim, err := simulator.Start(fullScenario(t), simulator.Options{Dir: t.TempDir(), OnRequest: log.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	preflightJSON(t, sim.Env())
	lines := log.take()
	checkAgainstModel(t, lines)
	if len(lines) != len(critpath.Model) {
		t.Errorf("%d requests, the model has %d:\n%s", len(lines), len(critpath.Model), strings.Join(lines, "\n"))
	}
}

// TestSimulateLogFile runs `simulate --log-file` as the bench program does:
// the environment file drives a preflight, and the log then holds every
// request of it, one line each, as the model knows them.
func TestSimulateLogFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	envFile, logFile := filepath.Join(dir, "env"), filepath.Join(dir, "requests.log")
	// Cancelling the context is what SIGINT or SIGTERM does through main.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	outR, outW := io.Pipe()
	code := make(chan int, 1)
	go func() {
		defer outW.Close()
		code <- App{Now: time.Now}.Run(ctx,
			[]string{"simulate", "--scenario", critpath.Scenario, "--env-file", envFile, "--log-file", logFile}, nil, outW, io.Discard)
	}()
	// The first line is printed once the environment file is complete.
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		stop()
		t.Fatalf("simulate printed nothing (exit %d)", <-code)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if !strings.HasPrefix(line, "simulating") {
		t.Fatalf("first line %q", line)
	}
	raw, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		env[k] = v
	}
	preflightJSON(t, env)
	stop()
	if c := <-code; c != ExitOK {
		t.Fatalf("simulate exited %d", c)
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Errorf("simulate left its environment file behind: %v", err)
	}
	logged, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(logged), "\n"), "\n")
	checkAgainstModel(t, lines)
	if len(lines) != len(critpath.Model) {
		t.Errorf("%d lines, want %d:\n%s", len(lines), len(critpath.Model), logged)
	}
}

// TestRequestWaves checks the model's dependencies against the code without
// timing anything. The simulator holds every request; the test answers them
// in waves: wave k is released once every request the model puts at depth k
// has arrived. A request that arrives in a wave before its depth started
// without an answer the model says it waits for (the model overstates the
// critical path); one that never arrives waits for an answer the model does
// not list (the watchdog ends the test). Passing means the preflight
// finishes in exactly the model's number of round trips.
func TestRequestWaves(t *testing.T) {
	t.Parallel()
	depth, err := critpath.Depths(critpath.Model)
	if err != nil {
		t.Fatal(err)
	}
	type held struct {
		id      string
		release chan struct{}
	}
	arrived := make(chan held)
	stop := make(chan struct{}) // frees every held request when the test ends
	sim, err := simulator.Start(fullScenario(t), simulator.Options{
		Dir: t.TempDir(),
		Intercept: func(_ http.ResponseWriter, r *http.Request) bool {
			line := r.Method + " " + r.Host + r.URL.RequestURI()
			h := held{id: strings.Join(critpath.Match(critpath.Model, line), "|"), release: make(chan struct{})}
			if h.id == "" {
				h.id = "unknown: " + line
			}
			select {
			case arrived <- h:
			case <-stop:
				return false
			}
			select {
			case <-h.release:
			case <-stop:
			}
			return false
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	t.Cleanup(func() { close(stop) }) // runs before sim.Close, which waits for handlers

	done := make(chan struct{})
	go func() {
		defer close(done)
		env := sim.Env()
		_ = App{Now: time.Now}.Run(context.Background(), []string{"--format", "json"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()

	// The watchdog only ends a hang: a request the code waits to send until
	// an answer the model does not list is in. It must fire well before the
	// client's own per-attempt timeout, after which held requests fail and
	// the code takes fallbacks that would blur the diagnosis.
	const hang = httpx.DefaultRequestTimeout / 3
	watchdog := time.NewTimer(hang)
	defer watchdog.Stop()
	maxDepth := 0
	for _, d := range depth {
		maxDepth = max(maxDepth, d)
	}
	seen := map[string]bool{}
	for wave := 1; wave <= maxDepth; wave++ {
		want := map[string]bool{}
		for id, d := range depth {
			if d == wave && !seen[id] {
				want[id] = true
			}
		}
		var hold []held
		for len(want) > 0 {
			select {
			case h := <-arrived:
				hold = append(hold, h)
				switch d, known := depth[h.id]; {
				case !known:
					// Waiting on would only time out on the model's stale entry.
					t.Fatalf("wave %d: %s", wave, h.id)
				case seen[h.id]:
					t.Errorf("wave %d: %s sent again", wave, h.id)
				case d > wave:
					t.Errorf("wave %d: %s arrived before its model depth %d: it does not wait for every answer the model says", wave, h.id, d)
				}
				seen[h.id] = true
				delete(want, h.id)
			case <-watchdog.C:
				t.Fatalf("wave %d: still waiting for %v: the code makes them wait for an answer the model does not list", wave, keys(want))
			}
		}
		for _, h := range hold {
			close(h.release)
		}
		watchdog.Reset(hang)
	}
	// Everything the model knows has been answered; anything more is
	// unknown to it, and is answered so the run can end.
	for {
		select {
		case h := <-arrived:
			t.Errorf("after the last wave: %s", h.id)
			close(h.release)
		case <-done:
			return
		case <-watchdog.C:
			t.Fatal("the preflight did not finish after every request was answered")
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// BenchmarkPreflight runs the full preflight (SonarQube and Azure DevOps)
// in process against the simulator with benchLatency per request, and
// reports how close its wall time comes to the critical path.
func BenchmarkPreflight(b *testing.B) {
	path, err := critpath.Critical(critpath.Model)
	if err != nil {
		b.Fatal(err)
	}
	log := &requestLog{}
	sim, err := simulator.Start(fullScenario(b), simulator.Options{Dir: b.TempDir(), Latency: benchLatency, OnRequest: log.add})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sim.Close)
	env := sim.Env()

	var wall time.Duration
	var requests, repeated, runs int
	for b.Loop() {
		log.take()
		start := time.Now()
		preflightJSON(b, env)
		wall += time.Since(start)
		t := checkAgainstModel(b, log.take())
		requests += t.Requests
		repeated += len(t.Repeated)
		runs++
	}
	critical := time.Duration(path.Length) * benchLatency
	perRun := wall / time.Duration(runs)
	b.ReportMetric(float64(requests)/float64(runs), "requests/op")
	b.ReportMetric(float64(perRun.Microseconds())/1000, "wall-ms/op")
	b.ReportMetric(float64(critical.Milliseconds()), "critical-path-ms")
	b.ReportMetric(float64(perRun)/float64(critical), "ratio")
	b.ReportMetric(float64(repeated)/float64(runs), "repeated-requests")
}
