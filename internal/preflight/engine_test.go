package preflight

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func finding(s Status) func(context.Context) Finding {
	return func(context.Context) Finding { return Finding{Status: s, Message: s.String()} }
}

func TestRunSkipsDependantsWithReason(t *testing.T) {
	t.Parallel()
	checks := []Check{
		{ID: "a", Run: finding(Fail)},
		{ID: "b", Needs: []string{"a"}, Run: finding(Pass)},
		{ID: "c", Needs: []string{"b"}, Run: finding(Pass)},
		{ID: "d", Run: finding(Warn)},
		{ID: "e", Needs: []string{"d"}, Run: finding(Pass)},
		{ID: "f", Run: finding(Skip)},
		{ID: "g", Needs: []string{"f", "d"}, Run: finding(Pass)},
	}
	rep, err := Run(context.Background(), checks, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{"a": Fail, "b": Skip, "c": Skip, "d": Warn, "e": Pass, "f": Skip, "g": Skip}
	for _, r := range rep.Results {
		if r.Status != want[r.ID] {
			t.Errorf("%s: %s, want %s", r.ID, r.Status, want[r.ID])
		}
	}
	b, _ := rep.Result("b")
	if !strings.Contains(b.Message, "needs a, which failed") {
		t.Errorf("b's reason: %q", b.Message)
	}
	c, _ := rep.Result("c")
	if !strings.Contains(c.Message, "needs b, which was skipped") {
		t.Errorf("c's reason: %q", c.Message)
	}
	if rep.Verdict != Fail {
		t.Errorf("verdict %s", rep.Verdict)
	}
	for i, r := range rep.Results {
		if r.ID != checks[i].ID {
			t.Errorf("result %d is %s: order must follow the catalog", i, r.ID)
		}
	}
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []Status
		want Status
	}{
		{nil, Pass},
		{[]Status{Pass, Skip}, Pass},
		{[]Status{Skip}, Pass},
		{[]Status{Pass, Warn, Skip}, Warn},
		{[]Status{Warn, Fail}, Fail},
	}
	for _, tt := range tests {
		var rs []Result
		for _, s := range tt.in {
			rs = append(rs, Result{Finding: Finding{Status: s}})
		}
		if got := Verdict(rs); got != tt.want {
			t.Errorf("Verdict(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Independent checks run at the same time: each waits until all three have
// started, which only happens if they run concurrently.
func TestRunIndependentChecksConcurrently(t *testing.T) {
	t.Parallel()
	var started sync.WaitGroup
	started.Add(3)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	run := func(ctx context.Context) Finding {
		started.Done()
		select {
		case <-all:
			return Finding{Status: Pass}
		case <-ctx.Done():
			return Finding{Status: Fail, Message: "not concurrent"}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := Run(ctx, []Check{{ID: "x", Run: run}, {ID: "y", Run: run}, {ID: "z", Run: run}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Pass {
		t.Fatalf("checks did not run concurrently: %+v", rep.Results)
	}
}

// A dependant starts only after what it needs has finished.
func TestRunOrdersDependants(t *testing.T) {
	t.Parallel()
	var aDone atomic.Bool
	checks := []Check{
		{ID: "b", Needs: []string{"a"}, Run: func(context.Context) Finding {
			if !aDone.Load() {
				return Finding{Status: Fail, Message: "started before a finished"}
			}
			return Finding{Status: Pass}
		}},
		{ID: "a", Run: func(context.Context) Finding { aDone.Store(true); return Finding{Status: Pass} }},
	}
	rep, err := Run(context.Background(), checks, time.Now)
	if err != nil || rep.Verdict != Pass {
		t.Fatalf("%v %+v", err, rep.Results)
	}
}

func TestRunRecoversPanics(t *testing.T) {
	t.Parallel()
	const secret = "squ_must_not_leak"
	checks := []Check{{ID: "boom", Run: func(context.Context) Finding { panic("token " + secret) }}}
	rep, err := Run(context.Background(), checks, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Status != Fail || strings.Contains(r.Message+r.Remedy, secret) || !strings.Contains(r.Message, "boom") {
		t.Fatalf("got %+v", r)
	}
}

func TestRunDeadlinePassed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Run(ctx, []Check{{ID: "late", Run: finding(Pass)}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Results[0]; r.Status != Fail || !strings.Contains(r.Message, "deadline") || r.Remedy == "" {
		t.Fatalf("got %+v", r)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		checks []Check
		want   string
	}{
		{"duplicate", []Check{{ID: "a"}, {ID: "a"}}, "duplicate check id"},
		{"unknown need", []Check{{ID: "a", Needs: []string{"zz"}}}, "unknown check"},
		{"cycle", []Check{{ID: "a", Needs: []string{"b"}}, {ID: "b", Needs: []string{"a"}}}, "cycle"},
		{"ok", []Check{{ID: "a"}, {ID: "b", Needs: []string{"a"}}}, ""},
	}
	for _, tt := range tests {
		err := Validate(tt.checks)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestLazyRunsOnce(t *testing.T) {
	t.Parallel()
	l := newLazy[int]()
	var calls atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.get(context.Background(), func(context.Context) (int, error) { return int(calls.Add(1)), nil })
			if v != 1 || err != nil {
				t.Errorf("got %d %v", v, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("fn ran %d times", calls.Load())
	}
}

func TestLazyHonoursContext(t *testing.T) {
	t.Parallel()
	l := newLazy[int]()
	block := make(chan struct{})
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.get(ctx, func(context.Context) (int, error) { <-block; return 1, nil })
	if err == nil {
		t.Fatal("a cancelled caller must not wait")
	}
}

// A panic inside a shared request, or in a goroutine a check starts, must
// become an error, not a crash of the process.
func TestPanicsOffTheCheckGoroutine(t *testing.T) {
	t.Parallel()
	l := newLazy[int]()
	_, err := l.get(context.Background(), func(context.Context) (int, error) { panic("squ_secret") })
	if !errors.Is(err, errPanicked) {
		t.Fatalf("lazy: got %v", err)
	}
	var wg sync.WaitGroup
	var got error
	goSafe(&wg, func() { panic("boom") }, func() { got = errPanicked })
	wg.Wait()
	if got != errPanicked {
		t.Fatalf("goSafe: onPanic not called")
	}
}

// After orders without skipping: the later check runs whatever the earlier
// one concluded, and sees what it wrote.
func TestRunAfterOrdersWithoutSkipping(t *testing.T) {
	t.Parallel()
	var learned atomic.Value
	checks := []Check{
		{ID: "a", Run: func(context.Context) Finding { learned.Store("a's answer"); return Finding{Status: Fail, Message: "a"} }},
		{ID: "b", After: []string{"a"}, Run: func(context.Context) Finding {
			v, _ := learned.Load().(string)
			return Finding{Status: Pass, Message: "saw " + v}
		}},
		{ID: "c", Needs: []string{"a"}, Run: finding(Pass)},
	}
	rep, err := Run(context.Background(), checks, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := rep.Result("b")
	if b.Status != Pass || b.Message != "saw a's answer" {
		t.Errorf("b: %s %q", b.Status, b.Message)
	}
	if c, _ := rep.Result("c"); c.Status != Skip {
		t.Errorf("c: %s, want skip (Needs still skips)", c.Status)
	}
	for _, bad := range [][]Check{
		{{ID: "a", After: []string{"x"}, Run: finding(Pass)}},
		{{ID: "a", After: []string{"b"}, Run: finding(Pass)}, {ID: "b", Needs: []string{"a"}, Run: finding(Pass)}},
	} {
		if err := Validate(bad); err == nil {
			t.Errorf("Validate(%v) accepted an unknown or cyclic After", bad)
		}
	}
}
