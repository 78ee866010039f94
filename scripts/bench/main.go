// Command bench measures sonar-preflight against its own targets and prints
// the figures: the stripped linux/amd64 binary's size, the full preflight's
// wall time against the critical-path lower bound at a fixed latency per
// request, requests made and repeated, process start to first output, and
// the speed-up over a sequential curl check of the same endpoints, measured
// in the same run against the same simulator. Loopback only.
//
//	go run ./scripts/bench [-n 10] [-latency 50ms] [-strict]
//
// It exits 1 when a target is missed only with -strict; it always exits 1
// when it cannot measure (a build, the simulator or a run failed).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"sonar-preflight/scripts/bench/critpath"
)

// Targets (issue "Speed").
const (
	maxRatio       = 1.2
	maxStart       = 20 * time.Millisecond
	maxBinaryBytes = 15_000_000 // 15 MB
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	runs    int
	latency time.Duration
	strict  bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.runs, "n", 10, "measured runs of the preflight (and of version, and of the curl check)")
	fs.DurationVar(&o.latency, "latency", 50*time.Millisecond, "delay the simulator adds to every request")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a target is missed")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.runs < 1 || o.latency <= 0 {
		fmt.Fprintln(stderr, "bench: -n must be at least 1 and -latency positive")
		return 2
	}
	res, err := measure(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	verdicts := report(stdout, o, res)
	if o.strict && slices.Contains(verdicts, false) {
		return 1
	}
	return 0
}

// results are the figures of one bench run.
type results struct {
	binaryBytes int64
	binaryNote  string // set when runs use another binary than the measured one
	path        critpath.Path

	wall, firstOut []time.Duration // preflight runs
	requests       []int
	repeated       []int
	unknown        []string // requests the model does not know
	version        []time.Duration

	curlSkipped string // why, when it did not run
	curlWall    []time.Duration
	curlReqs    int
}

func measure(ctx context.Context, o options, progress io.Writer) (*results, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "sonar-preflight-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	res := &results{}
	if res.path, err = critpath.Critical(critpath.Model); err != nil {
		return nil, err
	}

	fmt.Fprintln(progress, "bench: building the stripped linux/amd64 binary")
	measured := filepath.Join(tmp, "sonar-preflight-linux-amd64")
	if err := build(ctx, root, measured, "linux", "amd64"); err != nil {
		return nil, err
	}
	st, err := os.Stat(measured)
	if err != nil {
		return nil, err
	}
	res.binaryBytes = st.Size()
	bin := measured
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		// The size is the linux/amd64 one; timings need one this machine runs.
		bin = filepath.Join(tmp, "sonar-preflight")
		if err := build(ctx, root, bin, runtime.GOOS, runtime.GOARCH); err != nil {
			return nil, err
		}
		res.binaryNote = fmt.Sprintf("timings use a %s/%s build", runtime.GOOS, runtime.GOARCH)
	}

	envFile, logFile := filepath.Join(tmp, "env"), filepath.Join(tmp, "requests.log")
	sim, err := startSimulator(ctx, bin, envFile, logFile, o.latency)
	if err != nil {
		return nil, err
	}
	defer sim.stop()
	env, err := readEnv(envFile)
	if err != nil {
		return nil, err
	}

	fmt.Fprintf(progress, "bench: %d preflight runs (+1 warm-up) against scenario %s\n", o.runs, critpath.Scenario)
	var endpoints []string
	for i := 0; i <= o.runs; i++ {
		before, err := readLines(logFile)
		if err != nil {
			return nil, err
		}
		r, err := timed(ctx, bin, env, "--format", "json")
		if err != nil {
			return nil, fmt.Errorf("preflight run %d: %w", i, err)
		}
		if err := passed(r.stdout); err != nil {
			return nil, fmt.Errorf("preflight run %d: %w\n%s", i, err, r.stderr)
		}
		after, err := readLines(logFile)
		if err != nil {
			return nil, err
		}
		lines := after[len(before):]
		if i == 0 {
			endpoints = lines // the warm-up: a cold page cache is not what we measure
			continue
		}
		t := critpath.Count(critpath.Model, lines)
		res.wall = append(res.wall, r.wall)
		res.firstOut = append(res.firstOut, r.first)
		res.requests = append(res.requests, t.Requests)
		res.repeated = append(res.repeated, len(t.Repeated))
		res.unknown = append(res.unknown, t.Unknown...)
	}

	for i := 0; i < o.runs; i++ {
		r, err := timed(ctx, bin, nil, "version")
		if err != nil {
			return nil, fmt.Errorf("version: %w", err)
		}
		res.version = append(res.version, r.first)
	}

	if err := curlCheck(ctx, root, tmp, env, endpoints, logFile, o.runs, res, progress); err != nil {
		return nil, err
	}
	return res, nil
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the sonar-preflight module")
	}
	return filepath.Dir(mod), nil
}

// build makes the release build: static, no paths, no symbol tables.
func build(ctx context.Context, root, out, goos, goarch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/sonar-preflight")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s/%s: %w\n%s", goos, goarch, err, stderr.String())
	}
	return nil
}

type simulator struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startSimulator runs `simulate` and returns once its environment file is
// complete, which it announces on its first line of output.
func startSimulator(ctx context.Context, bin, envFile, logFile string, latency time.Duration) (*simulator, error) {
	cmd := exec.CommandContext(ctx, bin, "simulate", "--scenario", critpath.Scenario,
		"--latency", latency.String(), "--env-file", envFile, "--log-file", logFile)
	cmd.Env = []string{} // nothing of this shell reaches it
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the simulator: %w", err)
	}
	s := &simulator{cmd: cmd, done: make(chan struct{})}
	line, err := bufio.NewReader(out).ReadString('\n')
	go func() {
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		close(s.done)
	}()
	if err != nil || !strings.HasPrefix(line, "simulating") {
		s.stop()
		return nil, fmt.Errorf("the simulator did not start: %q %s", line, stderr.String())
	}
	return s, nil
}

// stop sends SIGTERM, which ends the simulator (it removes its environment
// file and CA); a simulator that does not end is killed.
func (s *simulator) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// readEnv reads KEY=VALUE lines.
func readEnv(path string) ([]string, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var env []string
	for _, l := range lines {
		if strings.Contains(l, "=") {
			env = append(env, l)
		}
	}
	if len(env) == 0 {
		return nil, fmt.Errorf("%s holds no environment", path)
	}
	return env, nil
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

type runResult struct {
	wall, first    time.Duration
	stdout, stderr string
}

// timed runs bin with exactly env (nil: none) and measures, from just
// before the process starts, its first byte of output and its exit.
// Measuring the wall clock is this program's purpose.
func timed(ctx context.Context, bin string, env []string, args ...string) (runResult, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{}, env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return runResult{}, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var r runResult
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	var stdout bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, rerr := out.Read(buf)
		if n > 0 && stdout.Len() == 0 {
			r.first = time.Since(start)
		}
		stdout.Write(buf[:n])
		if rerr != nil {
			break
		}
	}
	err = cmd.Wait()
	r.wall = time.Since(start)
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if err != nil {
		return r, fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, r.stderr)
	}
	if stdout.Len() == 0 {
		return r, fmt.Errorf("%s %s printed nothing", filepath.Base(bin), strings.Join(args, " "))
	}
	return r, nil
}

// passed checks that the run's JSON report passed: figures of a failing run
// would measure something else.
func passed(stdout string) error {
	var rep struct {
		Verdict string `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		return fmt.Errorf("output is not the JSON report: %w", err)
	}
	if rep.Verdict != "pass" {
		return fmt.Errorf("verdict %q, not pass", rep.Verdict)
	}
	return nil
}

// curlCheck times scripts/bench/curl-check.sh over the endpoints the
// preflight called.
func curlCheck(ctx context.Context, root, tmp string, env, endpoints []string, logFile string, runs int, res *results, progress io.Writer) error {
	curl, err := exec.LookPath("curl")
	if err != nil {
		res.curlSkipped = "curl is not installed"
		return nil
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		res.curlSkipped = "bash is not installed"
		return nil
	}
	urls := filepath.Join(tmp, "urls")
	var b strings.Builder
	for _, l := range endpoints {
		_, target, _ := strings.Cut(l, " ") // "GET host/path?query"
		fmt.Fprintf(&b, "%d https://%s\n", expectedStatus(l), target)
	}
	if err := os.WriteFile(urls, []byte(b.String()), 0o600); err != nil {
		return err
	}
	script := filepath.Join(root, "scripts", "bench", "curl-check.sh")
	fmt.Fprintf(progress, "bench: %d sequential curl checks of the same %d endpoints\n", runs, len(endpoints))
	// curl's directory only: the script needs curl, nothing else of this shell.
	cenv := append(append([]string{}, env...), "PATH="+filepath.Dir(curl))
	for i := 0; i < runs; i++ {
		before, err := readLines(logFile)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bash, script, urls)
		cmd.Env = cenv
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("curl check: %w\n%s", err, stderr.String())
		}
		res.curlWall = append(res.curlWall, time.Since(start))
		after, err := readLines(logFile)
		if err != nil {
			return err
		}
		res.curlReqs = len(after) - len(before)
	}
	return nil
}

// expectedStatus is what the healthy scenario answers to a request line.
func expectedStatus(line string) int {
	for _, n := range critpath.Model {
		if strings.HasPrefix(line, n.Request) && n.Status != 0 {
			return n.Status
		}
	}
	return 200
}

// percentile is the nearest-rank percentile (p in (0, 100]).
func percentile[T int | time.Duration](xs []T, p float64) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100 + 0.999999)
	return s[min(max(rank, 1), len(s))-1]
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}

// report prints the figures and the targets; it returns each target's
// verdict (true: met).
func report(w io.Writer, o options, r *results) []bool {
	critical := time.Duration(r.path.Length) * o.latency
	ratio := func(d time.Duration) float64 { return float64(d) / float64(critical) }
	medWall, p90Wall := percentile(r.wall, 50), percentile(r.wall, 90)

	fmt.Fprintf(w, "\nsonar-preflight benchmark: scenario %s, %s added to every request, %d runs (after 1 warm-up)\n\n",
		critpath.Scenario, o.latency, len(r.wall))
	fmt.Fprintf(w, "critical path: %d dependent requests × %s = %s\n  %s\n\n", r.path.Length, o.latency, ms(critical), r.path)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmedian\tp90\t")
	fmt.Fprintf(tw, "preflight wall time (process start to exit)\t%s\t%s\t\n", ms(medWall), ms(p90Wall))
	fmt.Fprintf(tw, "  ratio to the critical path\t%.2f\t%.2f\t\n", ratio(medWall), ratio(p90Wall))
	fmt.Fprintf(tw, "  process start to first output (JSON comes whole, at the end)\t%s\t%s\t\n", ms(percentile(r.firstOut, 50)), ms(percentile(r.firstOut, 90)))
	fmt.Fprintf(tw, "  requests per run\t%d\t%d\t\n", percentile(r.requests, 50), percentile(r.requests, 90))
	fmt.Fprintf(tw, "  repeated requests per run\t%d\t%d\t\n", percentile(r.repeated, 50), percentile(r.repeated, 90))
	fmt.Fprintf(tw, "version: process start to first output\t%s\t%s\t\n", ms(percentile(r.version, 50)), ms(percentile(r.version, 90)))
	if r.curlSkipped == "" {
		medCurl := percentile(r.curlWall, 50)
		fmt.Fprintf(tw, "sequential curl check (%d requests, one curl each)\t%s\t%s\t\n", r.curlReqs, ms(medCurl), ms(percentile(r.curlWall, 90)))
		fmt.Fprintf(tw, "  speed-up of the preflight (curl / preflight, medians)\t%.1f×\t\t\n", float64(medCurl)/float64(medWall))
	}
	tw.Flush()
	if r.curlSkipped != "" {
		fmt.Fprintf(w, "sequential curl check: skipped, %s\n", r.curlSkipped)
	}
	fmt.Fprintf(w, "binary linux/amd64 (CGO_ENABLED=0 -trimpath -ldflags \"-s -w\"): %d bytes (%.1f MB)\n", r.binaryBytes, float64(r.binaryBytes)/1e6)
	if r.binaryNote != "" {
		fmt.Fprintf(w, "  (%s)\n", r.binaryNote)
	}
	if len(r.unknown) > 0 {
		fmt.Fprintf(w, "requests the critical-path model does not know (scripts/bench/critpath), so the lower bound may be wrong:\n  %s\n",
			strings.Join(slices.Compact(slices.Sorted(slices.Values(r.unknown))), "\n  "))
	}

	maxRepeated := slices.Max(r.repeated)
	startMed := percentile(r.version, 50)
	checks := []struct {
		target, got string
		ok          bool
	}{
		{fmt.Sprintf("ratio ≤ %.1f (median)", maxRatio), fmt.Sprintf("%.2f", ratio(medWall)), ratio(medWall) <= maxRatio && len(r.unknown) == 0},
		{"no repeated request (any run)", fmt.Sprintf("%d", maxRepeated), maxRepeated == 0},
		{fmt.Sprintf("start ≤ %s (version, median)", ms(maxStart)), ms(startMed), startMed <= maxStart},
		{"binary ≤ 15 MB", fmt.Sprintf("%.1f MB", float64(r.binaryBytes)/1e6), r.binaryBytes <= maxBinaryBytes},
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\tresult\t")
	var verdicts []bool
	for _, c := range checks {
		v := "PASS"
		if !c.ok {
			v = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", c.target, c.got, v)
		verdicts = append(verdicts, c.ok)
	}
	tw.Flush()
	return verdicts
}
