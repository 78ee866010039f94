// Package report renders a preflight report for people and machines: a
// compact terminal text, JSON, a Markdown summary, and Azure Pipelines
// logging commands. It knows nothing about HTTP; everything it shows comes
// from the findings.
package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/preflight"
)

// Meta is what a renderer needs besides the findings.
type Meta struct {
	Version    string              // tool version
	Target     string              // SonarQube URL as shown to users (already redacted)
	ProjectKey string              //
	FailOn     string              // "error" | "warning"
	ExitCode   int                 // what the process will exit with (0 or 1)
	SummaryDir string              // azp: AGENT_TEMPDIRECTORY; the summary file goes there
	Color      bool                // text: ANSI colour (caller decides: only on a terminal)
	Scrub      func(string) string // applied to EVERY string written (secret redaction); nil = identity
}

// SummaryFileName is the name of the Markdown summary the azp format uploads.
const SummaryFileName = "sonar-preflight-summary.md"

// ErrUnknownFormat is returned by Render for a format it does not know.
var ErrUnknownFormat = errors.New("unknown report format")

// Formats lists the formats Render accepts.
func Formats() []string { return []string{"text", "json", "markdown", "azp"} }

// Render writes rep to w in format (azp, text, json or markdown).
func Render(w io.Writer, format string, rep preflight.Report, meta Meta) error {
	v := prepare(rep, meta)
	switch format {
	// Any format may be printed inside a pipeline step, where the agent
	// reads "##vso[" in any output line as a command: server text must not
	// become one. Scrubbing comes first so that it still sees the plain text.
	case "text":
		return writeString(w, azp.Neutralize(v.scrub(text(v))))
	case "json":
		return writeJSON(w, v)
	case "markdown":
		return writeString(w, azp.Neutralize(v.scrub(markdown(v))))
	case "azp":
		return writeAzp(w, v)
	}
	return fmt.Errorf("report: %w %q (want one of %s)", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
}

// Markdown returns the summary shown on the run's Extensions tab.
func Markdown(rep preflight.Report, meta Meta) string {
	v := prepare(rep, meta)
	return v.scrub(markdown(v))
}

func writeString(w io.Writer, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("report: writing: %w", err)
	}
	return nil
}

// view is the report as every renderer sees it: scrubbed once, up front, so
// that no renderer can forget a field, and before any escaping (an escaped
// secret would no longer match its plain form).
type view struct {
	meta    Meta
	results []preflight.Result
	verdict preflight.Status
	elapsed time.Duration
	counts  counts
}

type counts struct{ pass, skip, warn, fail int }

func prepare(rep preflight.Report, meta Meta) view {
	s := meta.Scrub
	if s == nil {
		s = func(x string) string { return x }
	}
	meta.Scrub = s
	meta.Version, meta.Target, meta.ProjectKey, meta.FailOn = s(meta.Version), s(meta.Target), s(meta.ProjectKey), s(meta.FailOn)
	v := view{meta: meta, elapsed: rep.Elapsed}
	for _, r := range rep.Results {
		c := r
		c.ID, c.Title, c.Message, c.Remedy = s(r.ID), s(r.Title), s(r.Message), s(r.Remedy)
		if c.Status == preflight.Pass {
			c.Remedy = "" // a remedy for something that is fine would only confuse
		}
		c.Notes = nil
		for _, n := range r.Notes {
			c.Notes = append(c.Notes, s(n))
		}
		c.Evidence = nil
		for _, e := range r.Evidence {
			e.Request, e.Message, e.ActivityID = s(e.Request), s(e.Message), s(e.ActivityID)
			c.Evidence = append(c.Evidence, e)
		}
		v.results = append(v.results, c)
		switch c.Status {
		case preflight.Pass:
			v.counts.pass++
		case preflight.Skip:
			v.counts.skip++
		case preflight.Warn:
			v.counts.warn++
		case preflight.Fail:
			v.counts.fail++
		}
	}
	// The verdict is recomputed so that it cannot disagree with the rows
	// shown; Skip never raises it above Pass.
	v.verdict = preflight.Verdict(v.results)
	if rep.Verdict > v.verdict && rep.Verdict != preflight.Skip {
		v.verdict = rep.Verdict
	}
	return v
}

func (v view) scrub(s string) string { return v.meta.Scrub(s) }

// tally reads "1 failed, 2 warnings, 5 passed, 1 skipped", most severe first.
func (c counts) tally() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(c.fail, "failed", "failed")
	add(c.warn, "warning", "warnings")
	add(c.pass, "passed", "passed")
	add(c.skip, "skipped", "skipped")
	if len(parts) == 0 {
		return "no checks ran"
	}
	return strings.Join(parts, ", ")
}

// exitMeaning says what the exit code does to the pipeline step, and why.
func (v view) exitMeaning() string {
	failOn := v.meta.FailOn
	if failOn == "" {
		failOn = "error"
	}
	if v.meta.ExitCode != 0 {
		switch {
		case v.counts.fail > 0:
			return fmt.Sprintf("exit code %d: the step fails because a check failed", v.meta.ExitCode)
		case v.counts.warn > 0:
			return fmt.Sprintf("exit code %d: the step fails because warnings count as failures (fail-on: %s)", v.meta.ExitCode, failOn)
		}
		return fmt.Sprintf("exit code %d: the step fails", v.meta.ExitCode)
	}
	switch {
	case v.counts.fail > 0:
		return "exit code 0: the failures are reported but do not fail the step"
	case v.counts.warn > 0:
		return fmt.Sprintf("exit code 0: warnings do not fail the step (fail-on: %s)", failOn)
	}
	return "exit code 0: nothing found that would stop the analysis"
}

// verdictLine is the one-line outcome, e.g. for task.complete.
func (v view) verdictLine() string {
	return fmt.Sprintf("SonarQube preflight %s: %s", strings.ToUpper(v.verdict.String()), v.counts.tally())
}

func elapsed(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// lines splits at CR LF, LF and CR alike.
func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
}
