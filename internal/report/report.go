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

	"sonar-preflight/internal/preflight"
	txt "sonar-preflight/internal/text"
)

// Meta is what a renderer needs besides the findings.
type Meta struct {
	Version    string // tool version
	Target     string // SonarQube URL as shown to users (untrusted: it came from the environment)
	ProjectKey string // untrusted, as Target
	FailOn     string // "error" | "warning"
	ExitCode   int    // what the process will exit with (0 or 1)
	SummaryDir string // azp: AGENT_TEMPDIRECTORY; the summary file goes there
	Color      bool   // text: ANSI colour (caller decides: only on a terminal)
	// Scrub redacts secrets. It is applied to every untrusted text (a
	// finding's message, remedy, notes and evidence; Target, ProjectKey)
	// before it is cleaned and cut, and never to the program's own words:
	// ids, status words, command names and properties, the verdict, the
	// summary path. nil = identity.
	Scrub func(string) string
}

// SummaryFilePrefix starts the name of every Markdown summary the azp format
// writes; each run's file is new, with a random suffix, so that parallel
// runs sharing a temp folder each upload their own.
const SummaryFilePrefix = "sonar-preflight-summary-"

// ErrUnknownFormat is returned by Render for a format it does not know.
var ErrUnknownFormat = errors.New("unknown report format")

// Formats lists the formats Render accepts.
func Formats() []string { return []string{"text", "json", "markdown", "azp"} }

// Render writes rep to w in format (azp, text, json or markdown).
func Render(w io.Writer, format string, rep preflight.Report, meta Meta) error {
	v := prepare(rep, meta)
	switch format {
	case "text":
		return writeString(w, text(v))
	case "json":
		return writeJSON(w, v)
	case "markdown":
		return writeString(w, markdown(v))
	case "azp":
		return writeAzp(w, v)
	}
	return fmt.Errorf("report: %w %q (want one of %s)", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
}

// Markdown returns the summary shown on the run's Extensions tab.
func Markdown(rep preflight.Report, meta Meta) string {
	return markdown(prepare(rep, meta))
}

func writeString(w io.Writer, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("report: writing: %w", err)
	}
	return nil
}

// view is the report as every renderer sees it. Its texts are cleaned
// values (package text), made once, up front, from the redacted findings:
// a renderer can print nothing else, so none can forget a field, and a
// check that adds a message needs to do nothing for it to be safe.
type view struct {
	meta    metaView
	results []row
	verdict preflight.Status
	elapsed time.Duration
	counts  counts
}

type metaView struct {
	version, target, projectKey txt.Line
	failOn                      string // validated: "error" or "warning"
	exitCode                    int
	summaryDir                  string // a path the program uses as it is; never printed as text
	color                       bool
}

// row is one check's result, cleaned.
type row struct {
	id, title txt.Line // the program's own: never redacted
	status    preflight.Status
	message   txt.Block
	remedy    txt.Block
	notes     []txt.Block
	evidence  []evidence
	elapsed   time.Duration
}

type evidence struct {
	request    txt.Line
	status     int
	message    txt.Line
	activityID txt.Line
}

// String is the evidence on one line, as the text and azp formats show it.
func (e evidence) String() string {
	var b strings.Builder
	b.WriteString(e.request.String())
	if e.status != 0 {
		fmt.Fprintf(&b, " → %d", e.status)
	}
	if !e.message.Empty() {
		fmt.Fprintf(&b, " \"%s\"", e.message)
	}
	if !e.activityID.Empty() {
		fmt.Fprintf(&b, " (activity id %s)", e.activityID)
	}
	return strings.TrimSpace(b.String())
}

type counts struct{ pass, skip, warn, fail int }

// Report-wide limits: a server answering with thousands of records or
// megabytes of text still yields a report a person can read.
const (
	reportBudget = 128 << 10 // bytes of untrusted text in the whole report
	maxNotes     = 20        // notes per check
	maxEvidence  = 10        // evidence lines per check
)

// budget hands out the report's room for untrusted text.
type budget struct {
	left  int
	scrub func(string) string
}

// block redacts s, then cleans and cuts it within the limits and what is
// left of the report's budget.
func (b *budget) block(s string) txt.Block {
	if s == "" {
		return txt.Block{}
	}
	if b.left == 0 {
		return txt.Clean(fmt.Sprintf("… (%d bytes not shown: the report reached its %d KiB limit)", len(s), reportBudget>>10), txt.DefaultLimits)
	}
	lim := txt.DefaultLimits
	if b.left < lim.Text {
		lim.Text = max(b.left, 1)
	}
	c := txt.Clean(b.scrub(s), lim)
	b.left = max(b.left-len(c.String()), 0)
	return c
}

func (b *budget) line(s string) txt.Line {
	if s == "" {
		return txt.Line{}
	}
	return b.block(s).OneLine()
}

func prepare(rep preflight.Report, meta Meta) view {
	scrub := meta.Scrub
	if scrub == nil {
		scrub = func(x string) string { return x }
	}
	b := &budget{left: reportBudget, scrub: scrub}
	mv := metaView{
		version:    txt.CleanLine(meta.Version, txt.DefaultLimits),
		target:     b.line(meta.Target),
		projectKey: b.line(meta.ProjectKey),
		failOn:     "error",
		exitCode:   meta.ExitCode,
		summaryDir: meta.SummaryDir,
		color:      meta.Color,
	}
	if meta.FailOn == "warning" {
		mv.failOn = "warning"
	}
	v := view{meta: mv, elapsed: rep.Elapsed}
	for _, r := range rep.Results {
		c := row{id: idLine(r.ID), title: txt.CleanLine(r.Title, txt.DefaultLimits), status: r.Status, elapsed: r.Elapsed}
		c.message = b.block(r.Message)
		if r.Status != preflight.Pass {
			c.remedy = b.block(r.Remedy) // a remedy for something that is fine would only confuse
		}
		for i, n := range r.Notes {
			if i == maxNotes {
				c.notes = append(c.notes, b.block(fmt.Sprintf("… and %d more notes", len(r.Notes)-i)))
				break
			}
			c.notes = append(c.notes, b.block(n))
		}
		for i, e := range r.Evidence {
			if i == maxEvidence {
				c.evidence = append(c.evidence, evidence{request: b.line(fmt.Sprintf("… and %d more answers", len(r.Evidence)-i))})
				break
			}
			c.evidence = append(c.evidence, evidence{request: b.line(e.Request), status: e.Status,
				message: b.line(e.Message), activityID: b.line(e.ActivityID)})
		}
		v.results = append(v.results, c)
		switch c.status {
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
	statuses := make([]preflight.Result, len(v.results))
	for i, r := range v.results {
		statuses[i].Status = r.status
	}
	v.verdict = preflight.Verdict(statuses)
	if rep.Verdict > v.verdict && rep.Verdict != preflight.Skip {
		v.verdict = rep.Verdict
	}
	return v
}

// idLine is a check id as the program wrote it. Ids are constants of the
// catalog; one that is not plain (it never is) is cleaned like any text.
func idLine(id string) txt.Line {
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return txt.CleanLine(id, txt.DefaultLimits)
		}
	}
	return txt.Trusted(id)
}

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
	failOn := v.meta.failOn
	if v.meta.exitCode != 0 {
		switch {
		case v.counts.fail > 0:
			return fmt.Sprintf("exit code %d: the step fails because a check failed", v.meta.exitCode)
		case v.counts.warn > 0:
			return fmt.Sprintf("exit code %d: the step fails because warnings count as failures (fail-on: %s)", v.meta.exitCode, failOn)
		}
		return fmt.Sprintf("exit code %d: the step fails", v.meta.exitCode)
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
