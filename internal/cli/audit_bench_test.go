package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sonar-preflight/internal/simulator"
)

// benchAuditLatency is what the simulator adds to every request in the
// fleet audit's benchmark (issue 13: 20 ms).
const benchAuditLatency = 20 * time.Millisecond

// BenchmarkAudit runs the fleet audit through the whole program against
// the fleet simulator, on SonarQube 10.x (v2 listings) and 9.9 (per-project
// bindings), for 1,000 and 10,000 projects, and reports requests, repeated
// requests, the ratio of wall time to the lower bound (requests ÷
// concurrency × latency, or the 4-request chain, whichever is larger) and
// the peak heap of the process (the simulator's included). Long: run it on
// purpose, e.g.
//
//	go test -run '^$' -bench BenchmarkAudit -benchtime 1x ./internal/cli
//
// scripts/bench-audit.sh measures the binary in its own process instead.
func BenchmarkAudit(b *testing.B) {
	for _, path := range []string{"v2", "fallback"} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", path, n), func(b *testing.B) {
				fl := simulator.Fleet{Projects: n, Mix: simulator.FleetMix{
					Unbound: n / 20, Stale: n / 30, RepoMissing: n / 100, RepoDisabled: n / 200, Monorepo: n / 50, MainBranch: n / 50,
				}}
				if path == "fallback" {
					fl.Version = "9.9.8.100196"
				}
				var mu sync.Mutex
				seen := map[string]int{}
				f, err := simulator.StartFleet(fl, simulator.Options{Dir: b.TempDir(), Latency: benchAuditLatency, OnRequest: func(l string) {
					mu.Lock()
					seen[l]++
					mu.Unlock()
				}})
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				env := f.Env()
				const conc = 8
				var requests, repeated int64
				var wall time.Duration
				var peak uint64
				for range b.N {
					mu.Lock()
					clear(seen)
					mu.Unlock()
					before := f.Requests()
					runtime.GC()
					var base runtime.MemStats
					runtime.ReadMemStats(&base)
					stop := make(chan struct{})
					var sampled sync.WaitGroup
					sampled.Add(1)
					go func() {
						defer sampled.Done()
						t := time.NewTicker(5 * time.Millisecond)
						defer t.Stop()
						for {
							var m runtime.MemStats
							runtime.ReadMemStats(&m)
							peak = max(peak, m.HeapInuse)
							select {
							case <-stop:
								return
							case <-t.C:
							}
						}
					}()
					var stderr bytes.Buffer
					start := time.Now()
					code := App{Now: time.Now}.Run(context.Background(), []string{"audit", "--format", "json", "--concurrency", fmt.Sprint(conc)},
						func(k string) string { return env[k] }, io.Discard, &stderr)
					wall += time.Since(start)
					close(stop)
					sampled.Wait()
					if code > ExitFail || strings.Contains(stderr.String(), "could not") {
						b.Fatalf("audit exited %d: %s", code, stderr.String())
					}
					requests += f.Requests() - before
					mu.Lock()
					for _, c := range seen {
						repeated += int64(max(c-1, 0))
					}
					mu.Unlock()
				}
				perRun := float64(requests) / float64(b.N)
				bound := max(time.Duration(perRun/conc*float64(benchAuditLatency)), 4*benchAuditLatency)
				b.ReportMetric(perRun, "requests/op")
				b.ReportMetric(float64(repeated)/float64(b.N), "repeated/op")
				b.ReportMetric(float64(wall)/float64(b.N)/float64(bound), "ratio")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}
