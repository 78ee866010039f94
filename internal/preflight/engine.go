// Package preflight runs readiness checks as a dependency graph and turns
// their outcomes into findings. The engine knows nothing about HTTP or
// rendering; the catalog files (catalog_*.go) know what each check proves.
package preflight

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Status is the outcome of one check.
type Status int

// Ordered by severity: a report's verdict is its most severe status, except
// that Skip never raises the verdict above Pass.
const (
	Pass Status = iota
	Skip
	Warn
	Fail
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Skip:
		return "skip"
	case Warn:
		return "warn"
	case Fail:
		return "fail"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalText renders the status as its lower-case name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Evidence is what a service answered, kept so a report can show it without
// reaching back into a client.
type Evidence struct {
	Request    string `json:"request,omitempty"` // "GET https://host/api/x" with credentials redacted
	Status     int    `json:"status,omitempty"`
	Message    string `json:"message,omitempty"` // the server's own words
	ActivityID string `json:"activity_id,omitempty"`
}

func (e Evidence) String() string {
	var b strings.Builder
	b.WriteString(e.Request)
	if e.Status != 0 {
		fmt.Fprintf(&b, " → %d", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	if e.ActivityID != "" {
		fmt.Fprintf(&b, " (activity id %s)", e.ActivityID)
	}
	return strings.TrimSpace(b.String())
}

// Finding is what a check concluded.
type Finding struct {
	Status   Status
	Message  string     // what is wrong (or what was proven)
	Remedy   string     // what to do, and where; empty on Pass
	Notes    []string   // facts worth showing that change no verdict
	Evidence []Evidence // the answers the verdict rests on
}

// Check is one node of the graph.
type Check struct {
	ID    string
	Title string
	// Needs lists checks that must finish first. If any of them fails or is
	// skipped, this check is skipped with the reason.
	Needs []string
	// After lists checks that must finish first whatever their outcome:
	// this check reads what they learned when they could, and says what it
	// could not compare when they could not. It is never skipped for them.
	After []string
	Run   func(ctx context.Context) Finding
}

// waitsFor is every check c waits for: Needs, then After.
func (c Check) waitsFor() []string {
	if len(c.After) == 0 {
		return c.Needs
	}
	return append(append([]string(nil), c.Needs...), c.After...)
}

// Result is a check's finding with its identity and timing.
type Result struct {
	ID    string
	Title string
	Finding
	Elapsed time.Duration
}

// Report is the outcome of a whole run.
type Report struct {
	Verdict Status
	Results []Result // in catalog order
	Elapsed time.Duration
}

// Result returns the result of check id.
func (r Report) Result(id string) (Result, bool) {
	for _, res := range r.Results {
		if res.ID == id {
			return res, true
		}
	}
	return Result{}, false
}

// Verdict is the most severe status among results (Skip counts as Pass).
func Verdict(results []Result) Status {
	v := Pass
	for _, r := range results {
		if r.Status != Skip && r.Status > v {
			v = r.Status
		}
	}
	return v
}

// Validate reports graph errors: duplicate ids, unknown needs, cycles.
func Validate(checks []Check) error {
	index := make(map[string]int, len(checks))
	for i, c := range checks {
		if _, dup := index[c.ID]; dup {
			return fmt.Errorf("preflight: duplicate check id %q", c.ID)
		}
		index[c.ID] = i
	}
	for _, c := range checks {
		for _, n := range c.waitsFor() {
			if _, ok := index[n]; !ok {
				return fmt.Errorf("preflight: check %q needs unknown check %q", c.ID, n)
			}
		}
	}
	// Depth-first search for cycles.
	const (
		white = iota
		grey
		black
	)
	colour := make([]int, len(checks))
	var visit func(i int) error
	visit = func(i int) error {
		colour[i] = grey
		for _, n := range checks[i].waitsFor() {
			j := index[n]
			switch colour[j] {
			case grey:
				return fmt.Errorf("preflight: dependency cycle through %q and %q", checks[i].ID, n)
			case white:
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		colour[i] = black
		return nil
	}
	for i := range checks {
		if colour[i] == white {
			if err := visit(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run executes checks concurrently: each starts as soon as every check it
// needs or comes after has finished. A panic inside a check becomes a Fail finding rather
// than a crash. Run returns when every check has finished; checks must honour
// ctx so that the overall deadline holds.
func Run(ctx context.Context, checks []Check, now func() time.Time) (Report, error) {
	if err := Validate(checks); err != nil {
		return Report{}, err
	}
	start := now()
	results := make([]Result, len(checks))
	done := make(map[string]chan struct{}, len(checks))
	index := make(map[string]int, len(checks))
	for i, c := range checks {
		done[c.ID] = make(chan struct{})
		index[c.ID] = i
	}
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[c.ID])
			for _, n := range c.waitsFor() {
				<-done[n] // closed by the producer; its result is then visible here
			}
			res := Result{ID: c.ID, Title: c.Title}
			if reason := blocked(c, results, index); reason != "" {
				res.Finding = Finding{Status: Skip, Message: reason}
				results[i] = res
				return
			}
			t0 := now()
			res.Finding = safeRun(ctx, c)
			res.Elapsed = now().Sub(t0)
			results[i] = res
		}()
	}
	wg.Wait()
	return Report{Verdict: Verdict(results), Results: results, Elapsed: now().Sub(start)}, nil
}

func blocked(c Check, results []Result, index map[string]int) string {
	var failed, skipped []string
	for _, n := range c.Needs {
		switch results[index[n]].Status {
		case Fail:
			failed = append(failed, n)
		case Skip:
			skipped = append(skipped, n)
		}
	}
	sort.Strings(failed)
	sort.Strings(skipped)
	switch {
	case len(failed) == 1:
		return fmt.Sprintf("Not run: it needs %s, which failed.", failed[0])
	case len(failed) > 1:
		return fmt.Sprintf("Not run: it needs %s, which failed.", strings.Join(failed, " and "))
	case len(skipped) == 1:
		return fmt.Sprintf("Not run: it needs %s, which was skipped.", skipped[0])
	case len(skipped) > 1:
		return fmt.Sprintf("Not run: it needs %s, which were skipped.", strings.Join(skipped, " and "))
	}
	return ""
}

func safeRun(ctx context.Context, c Check) (f Finding) {
	defer func() {
		if r := recover(); r != nil {
			// The value of r is not printed: it could hold a request with credentials.
			f = Finding{
				Status:  Fail,
				Message: fmt.Sprintf("Internal error: check %s stopped unexpectedly.", c.ID),
				Remedy:  "Run again with --debug and report it to the sonar-preflight maintainers.",
			}
		}
	}()
	if err := ctx.Err(); err != nil {
		return Finding{
			Status:  Fail,
			Message: "Not run: the overall deadline had passed before this check could start.",
			Remedy:  "Raise the deadline (the task's timeout input, --timeout or SONAR_PREFLIGHT_TIMEOUT) if the servers are slow, or look at the checks above for a server that does not answer.",
		}
	}
	return c.Run(ctx)
}
