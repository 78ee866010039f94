// Command audit measures the fleet audit against its targets: for 1,000
// and 10,000 projects, on SonarQube 10.x (bindings from the v2 listing)
// and on the per-project fallback (9.9), against the fleet simulator with a
// fixed latency per request, it runs the real binary in its own process and
// prints requests (and repeated ones), wall time, the process's peak
// memory, and the ratio of wall time to the lower bound: requests ÷
// concurrency × latency, or the longest chain of dependent requests ×
// latency, whichever is larger. Loopback only.
//
//	go run ./scripts/bench/audit [-sizes 1000,10000] [-latency 20ms] [-concurrency 8] [-strict]
//
// It exits 1 when a target is missed only with -strict; it always exits 1
// when it cannot measure.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"sonar-preflight/internal/simulator"
)

// Targets (issue 13).
const (
	maxRatio    = 1.3
	maxPeakMB   = 100
	targetAtBig = 10000 // the memory target applies at this size
	// chain is the longest chain of dependent requests of an audit: the
	// first page of a listing (it tells how many pages follow), another
	// page, the project's get_binding, its branch list.
	chain = 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type row struct {
	path               string
	projects           int
	branches           bool
	requests, repeated int64
	perProject         int64 // get_binding and project_branches/list
	wall, bound, cpu   time.Duration
	peakMB             float64
	ratio              float64
	verdict            string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench-audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "1000,10000", "fleet sizes to measure")
	latency := fs.Duration("latency", 20*time.Millisecond, "delay the simulator adds to every request")
	conc := fs.Int("concurrency", 8, "the audit's requests in flight per host")
	strict := fs.Bool("strict", false, "exit 1 when a target is missed")
	paths := fs.String("paths", "v2,fallback", "binding paths to measure: v2 (SonarQube 10.x), fallback (9.9)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "bench-audit: bad size %q\n", s)
			return 2
		}
		ns = append(ns, n)
	}
	dir, err := os.MkdirTemp("", "bench-audit-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "sonar-preflight")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/sonar-preflight")
	build.Stderr = stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(stderr, "bench-audit: build: %v\n", err)
		return 1
	}
	var rows []row
	for _, path := range strings.Split(*paths, ",") {
		if path != "v2" && path != "fallback" {
			fmt.Fprintf(stderr, "bench-audit: unknown path %q\n", path)
			return 2
		}
		for _, n := range ns {
			branchModes := []bool{true}
			if path == "v2" {
				branchModes = []bool{false, true}
			}
			for _, br := range branchModes {
				r, err := measure(ctx, bin, dir, path, n, br, *latency, *conc, stderr)
				if err != nil {
					fmt.Fprintf(stderr, "bench-audit: %s %d: %v\n", path, n, err)
					return 1
				}
				rows = append(rows, r)
				fmt.Fprintf(stderr, "measured %s, %d projects, branches %v: %d requests in %s\n", path, n, br, r.requests, r.wall.Round(time.Millisecond))
			}
		}
	}
	ok := report(stdout, rows, *latency, *conc)
	if *strict && !ok {
		return 1
	}
	return 0
}

// mix is a plausible fleet: most projects healthy, a few of each finding.
func mix(n int) simulator.FleetMix {
	p := func(pct float64) int { return int(float64(n) * pct / 100) }
	return simulator.FleetMix{
		Unbound: p(5), NeverAnalysed: p(2), Stale: p(3), RecordGone: p(0.2), BadRecordURL: p(1), RecordRejected: p(1),
		RepoMissing: p(1), RepoRenamed: p(0.5), RepoDisabled: p(0.5), NotVisible: p(1), Monorepo: p(2), MainBranch: p(2), GitHub: p(2),
	}
}

func measure(ctx context.Context, bin, dir, path string, n int, branches bool, latency time.Duration, conc int, stderr io.Writer) (row, error) {
	fl := simulator.Fleet{Projects: n, Mix: mix(n)}
	if path == "fallback" {
		fl.Version = "9.9.8.100196"
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var perProject int64
	f, err := simulator.StartFleet(fl, simulator.Options{Dir: dir, Latency: latency, OnRequest: func(line string) {
		mu.Lock()
		seen[line]++
		if strings.Contains(line, "/api/alm_settings/get_binding") || strings.Contains(line, "/api/project_branches/list") {
			perProject++
		}
		mu.Unlock()
	}})
	if err != nil {
		return row{}, err
	}
	defer f.Close()
	out := filepath.Join(dir, fmt.Sprintf("report-%s-%d.json", path, n))
	cmd := exec.CommandContext(ctx, bin, "audit", "--format", "text", "--json-file", out,
		"--concurrency", strconv.Itoa(conc), "--branches="+strconv.FormatBool(branches), "--timeout", "1h")
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range f.Env() {
		env = append(env, k+"="+v)
	}
	cmd.Env = env
	cmd.Stdout = io.Discard
	cmd.Stderr = stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil && cmd.ProcessState == nil {
		return row{}, err
	}
	if code := cmd.ProcessState.ExitCode(); code > 1 {
		return row{}, fmt.Errorf("the audit exited %d", code)
	}
	var peakKB int64
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peakKB = ru.Maxrss // kilobytes on Linux
		if runtime.GOOS == "darwin" {
			peakKB /= 1024
		}
	}
	var rep struct {
		Verdict string `json:"verdict"`
		Summary struct {
			Projects int `json:"projects"`
		} `json:"summary"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return row{}, err
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return row{}, err
	}
	if rep.Summary.Projects != n {
		return row{}, fmt.Errorf("the report holds %d projects, want %d", rep.Summary.Projects, n)
	}
	var repeated int64
	for _, c := range seen {
		if c > 1 {
			repeated += int64(c - 1)
		}
	}
	requests := f.Requests()
	bound := max(time.Duration(float64(requests)/float64(conc)*float64(latency)), chain*latency)
	return row{
		path: path, projects: n, branches: branches, requests: requests, repeated: repeated, perProject: perProject, wall: wall, bound: bound, cpu: cpu,
		peakMB: float64(peakKB) / 1024, ratio: float64(wall) / float64(bound), verdict: rep.Verdict,
	}, nil
}

func report(w io.Writer, rows []row, latency time.Duration, conc int) bool {
	ok := true
	fmt.Fprintf(w, "Fleet audit against the fleet simulator, %s per request, %d requests in flight per host, %d CPU\n\n", latency, conc, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "bindings\tprojects\tbranch compare\trequests\tof which per project\trepeated\twall\tlower bound\tratio\tpeak memory\taudit CPU\t")
	for _, r := range rows {
		path := "v2 listing (10.x)"
		if r.path == "fallback" {
			path = "per project (9.9)"
		}
		flags := ""
		if !r.branches {
			// Informational: the request count that does not grow with
			// the projects. At some 100 ms of bound, the process's start,
			// TLS handshakes and JSON work weigh more than the requests.
			flags += " (informational)"
		} else if r.ratio > maxRatio {
			flags += " ratio!"
			ok = false
		}
		if r.projects >= targetAtBig && r.peakMB > maxPeakMB {
			flags += " memory!"
			ok = false
		}
		if r.repeated > 0 {
			flags += " repeated!"
			ok = false
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%d\t%d\t%d\t%s\t%s\t%.2f\t%.0f MB\t%s\t%s\n", path, r.projects, r.branches, r.requests, r.perProject, r.repeated,
			r.wall.Round(10*time.Millisecond), r.bound.Round(10*time.Millisecond), r.ratio, r.peakMB, r.cpu.Round(10*time.Millisecond), flags)
	}
	tw.Flush()
	// Requests on the v2 path without branch comparison must not grow with
	// the number of projects (up to the page size, pages grow by one per 500).
	var v2 []row
	for _, r := range rows {
		if r.path == "v2" && !r.branches {
			v2 = append(v2, r)
		}
	}
	if len(v2) > 1 {
		fmt.Fprintf(w, "\nv2 listing, no branch comparison: ")
		for _, r := range v2 {
			pages := (r.projects + 499) / 500
			fmt.Fprintf(w, "%d projects → %d listing requests (%d pages each of projects and bindings) + %d get_binding for projects sharing a repository; ", r.projects, r.requests-r.perProject, pages, r.perProject)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nTargets: ratio ≤ %.1f; peak memory ≤ %d MB at %d projects; no request repeated. %s\n", maxRatio, maxPeakMB, targetAtBig,
		map[bool]string{true: "All met.", false: "MISSED (marked !)."}[ok])
	return ok
}
