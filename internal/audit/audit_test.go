package audit

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sonar-preflight/internal/sonar"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"1/1", Shard{1, 1}, true}, {"2/4", Shard{2, 4}, true}, {" 3 / 3 ", Shard{3, 3}, true},
		{"0/4", Shard{}, false}, {"5/4", Shard{}, false}, {"1/100", Shard{}, false}, {"1", Shard{}, false}, {"a/b", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestShardPartition: every key belongs to exactly one shard, for any N,
// and the shards are balanced.
func TestShardPartition(t *testing.T) {
	t.Parallel()
	const keys = 20000
	for _, n := range []int{1, 2, 3, 7, 16, 99} {
		counts := make([]int, n+1)
		for i := range keys {
			key := fmt.Sprintf("org.example:service-%d", i)
			owners := 0
			for k := 1; k <= n; k++ {
				if (Shard{k, n}).Owns(key) {
					owners++
					counts[k]++
				}
			}
			if owners != 1 {
				t.Fatalf("N=%d: %s owned by %d shards", n, key, owners)
			}
		}
		for k := 1; k <= n; k++ {
			if want := keys / n; counts[k] < want*8/10 || counts[k] > want*12/10 {
				t.Errorf("N=%d: shard %d holds %d of %d keys", n, k, counts[k], keys)
			}
		}
	}
}

func TestMonorepoFinding(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	b := Binding{Record: "ado", Repository: "repo", Slug: "Proj"}
	for _, tc := range []struct {
		name     string
		members  []member
		complete bool
		want     Status // "" is no finding
		words    string
	}{
		{"alone", []member{{"a", &no}}, true, "", ""},
		{"both monorepo", []member{{"a", &yes}, {"b", &yes}}, true, "", ""},
		{"one lacks it", []member{{"a", &yes}, {"b", &no}}, true, Warn, `"b" lacks the monorepo setting`},
		{"both lack it", []member{{"a", &no}, {"b", &no}, {"c", &no}}, true, Warn, "3 SonarQube projects"},
		{"unknown flag", []member{{"a", &yes}, {"b", nil}}, true, Note, "could not be read"},
		{"unknown in a shard", []member{{"a", &yes}, {"b", nil}}, false, Note, "Merging the shards"},
	} {
		f := MonorepoFinding("a", b, tc.members, tc.complete)
		switch {
		case tc.want == "" && f != nil:
			t.Errorf("%s: %+v, want none", tc.name, f)
		case tc.want != "" && (f == nil || f.Status != tc.want || !strings.Contains(f.Message, tc.words)):
			t.Errorf("%s: %+v, want %s saying %q", tc.name, f, tc.want, tc.words)
		}
	}
}

func TestCheckRecordURLGrading(t *testing.T) {
	t.Parallel()
	old, _ := sonar.ParseVersion("10.7.0.96327")
	now, _ := sonar.ParseVersion("2025.1.0.102418")
	for _, tc := range []struct {
		url  string
		v    sonar.Version
		want Status
	}{
		{"https://dev.azure.com/org", now, Pass},
		{"https://dev.azure.com/org/", now, Pass},
		{"https://dev.azure.com/org/Project", now, Fail},
		{"http://dev.azure.com/org", now, Fail},
		{"http://dev.azure.com/org", old, Warn},
		{"http://dev.azure.com/org", sonar.Version{}, Warn},
		{"", now, Fail},
		{"https://tfs.example.com/tfs/DefaultCollection", now, Pass},
	} {
		if got := checkRecordURL(tc.url, tc.v); got.Status != tc.want {
			t.Errorf("%q on %s: %s (%s), want %s", tc.url, tc.v, got.Status, got.Problem, tc.want)
		}
	}
}

// TestGateLimitsConcurrencyPerHost: no more than Limit requests reach one
// host at once, and another host has its own limit.
func TestGateLimitsConcurrencyPerHost(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
	}))
	t.Cleanup(srv.Close)
	g := &Gate{Base: http.DefaultTransport, Limit: 3}
	hc := &http.Client{Transport: g}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := hc.Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	// Wait until the gate has let the limit through, then let all finish.
	for inFlight.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if peak.Load() != 3 {
		t.Errorf("peak in flight %d, want 3", peak.Load())
	}
	if g.Requests() != 10 {
		t.Errorf("requests %d, want 10", g.Requests())
	}
}

// TestGateHonoursRetryAfter: an answer carrying Retry-After holds the
// host's next request back for that long.
func TestGateHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		first := len(times) == 1
		mu.Unlock()
		if first {
			// Azure DevOps sends Retry-After before it starts refusing.
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-RateLimit-Remaining", "0")
		}
	}))
	t.Cleanup(srv.Close)
	g := &Gate{Base: http.DefaultTransport, Limit: 4}
	hc := &http.Client{Transport: g}
	for range 2 {
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Errorf("second request %s after the first, want at least the 1s Retry-After asked for", gap)
	}
}

// TestGateHonoursGitHubRateLimits: GitHub's x-ratelimit-remaining: 0 means
// refused until x-ratelimit-reset ("Rate limits for the REST API"): a near
// reset pauses the host until then; a far one does not hold the run (the
// go-github client refuses further requests itself); Azure DevOps' same
// header (no X-GitHub-Request-Id) only means delayed and pauses nothing.
func TestGateHonoursGitHubRateLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		github bool
		reset  time.Duration
		minGap time.Duration
		maxGap time.Duration
	}{
		{name: "GitHub, reset in 1 s", github: true, reset: time.Second, minGap: 900 * time.Millisecond, maxGap: 10 * time.Second},
		{name: "GitHub, reset in 2 h", github: true, reset: 2 * time.Hour, maxGap: 500 * time.Millisecond},
		{name: "Azure DevOps, reset in 1 s", reset: time.Second, maxGap: 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			var mu sync.Mutex
			var times []time.Time
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				times = append(times, time.Now())
				first := len(times) == 1
				mu.Unlock()
				if tc.github {
					w.Header().Set("X-GitHub-Request-Id", "C0DE:1:2:3:4")
				}
				if first {
					w.Header().Set("X-RateLimit-Remaining", "0")
					// Epoch seconds: the reset is rounded up to the next second.
					w.Header().Set("X-RateLimit-Reset", fmt.Sprint(start.Add(tc.reset).Add(time.Second-1).Unix()))
					w.WriteHeader(http.StatusForbidden)
				}
			}))
			t.Cleanup(srv.Close)
			hc := &http.Client{Transport: &Gate{Base: http.DefaultTransport, Limit: 4}}
			for range 2 {
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			if gap := times[1].Sub(times[0]); gap < tc.minGap || gap > tc.maxGap {
				t.Errorf("second request %s after the first, want between %s and %s", gap, tc.minGap, tc.maxGap)
			}
		})
	}
}

// TestGateStopsAtDeadline: a pause longer than the caller's deadline ends
// with the context's error, not a late request.
func TestGateStopsAtDeadline(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Retry-After", "30")
	}))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: &Gate{Base: http.DefaultTransport}}
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := hc.Do(req); err == nil {
		t.Error("the paused request went out")
	}
	if served.Load() != 1 {
		t.Errorf("served %d requests, want 1", served.Load())
	}
}

// TestJSONRoundTrip: what JSONWriter streams, ReadReport reads back, in
// flat memory and field by field; "##vso" never appears raw.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	yes := true
	h := Header{Tool: "sonar-preflight audit", Server: "https://sq.example", Shard: ShardInfo{2, 3},
		Paths: map[string]string{"bindings": v2Path}, Records: []Record{{Key: "ado", Alm: "azure", URL: "https://dev.azure.com/o", Status: Pass}}}
	var buf bytes.Buffer
	w := NewJSONWriter(&buf, h)
	in := []Project{
		{Key: "a", Name: "##vso[task.complete result=Succeeded]", Status: Fail, Findings: []Finding{{ID: FindRepoMissing, Status: Fail, Message: "m", Remedy: "r"}},
			Binding: &Binding{Record: "ado", Alm: "azure", Repository: "r", Slug: "p", Monorepo: &yes}, RepositoryID: "id1"},
		{Key: "b", Status: Skip, Findings: []Finding{{ID: FindNotBound, Status: Skip}}},
	}
	for _, p := range in {
		if err := w.Project(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(42, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "##vso") {
		t.Errorf("raw ##vso in the report:\n%s", buf.String())
	}
	var got Header
	var ps []Project
	tail, err := ReadReport(&buf, &got, func(p Project) error { ps = append(ps, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Server != h.Server || got.Shard != h.Shard || len(got.Records) != 1 || got.Paths["bindings"] != v2Path {
		t.Errorf("header %+v", got)
	}
	if len(ps) != 2 || ps[0].Name != in[0].Name || ps[0].Binding == nil || !*ps[0].Binding.Monorepo || ps[0].RepositoryID != "id1" {
		t.Errorf("projects %+v", ps)
	}
	if tail.Verdict != Fail || tail.Requests != 42 || tail.ElapsedMS != 1500 || tail.Summary.Fail != 1 || tail.Summary.Skip != 1 {
		t.Errorf("tail %+v", tail)
	}
}

func TestShow(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":                "plain",
		"a\nb\tc":              "a b c",
		"x\x1b[31my":           `x\x1b[31my`,
		"zero\u200bwidth":      `zero\u200bwidth`,
		strings.Repeat("é", 3): "ééé",
	} {
		if got := Show(in); got != want {
			t.Errorf("Show(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"##vso[task.setvariable variable=x]y", "##[group]x", "#\u200b#vso[x]"} {
		if got := Show(in); strings.Contains(got, "##") {
			t.Errorf("Show(%q) = %q keeps a command marker", in, got)
		}
	}
	if got := Show(strings.Repeat("x ", 5000)); len(got) > 2100 {
		t.Errorf("Show does not cut: %d bytes", len(got))
	}
}
