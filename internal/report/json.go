package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"sonar-preflight/internal/preflight"
)

// The first six fields of a check are a published contract for scripts.
type jsonCheck struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	Status    preflight.Status `json:"status"`
	Message   string           `json:"message"`
	Remedy    string           `json:"remedy"`
	ElapsedMS int64            `json:"elapsed_ms"`
	Notes     []string         `json:"notes"`
	Evidence  []jsonEvidence   `json:"evidence"`
}

type jsonEvidence struct {
	Request    string `json:"request,omitempty"`
	Status     int    `json:"status,omitempty"`
	Message    string `json:"message,omitempty"`
	ActivityID string `json:"activity_id,omitempty"`
}

type jsonReport struct {
	Verdict    preflight.Status `json:"verdict"`
	Checks     []jsonCheck      `json:"checks"`
	ElapsedMS  int64            `json:"elapsed_ms"`
	Version    string           `json:"version"`
	Target     string           `json:"target"`
	ProjectKey string           `json:"project_key"`
	FailOn     string           `json:"fail_on"`
	ExitCode   int              `json:"exit_code"`
}

// writeJSON prints the report for scripts. Its texts are the same cleaned
// values the other formats show (multi-line ones joined by "\n"), so a
// script that prints a message in a pipeline step prints nothing the
// agent or a terminal would act on.
func writeJSON(w io.Writer, v view) error {
	out := jsonReport{
		Verdict:    v.verdict,
		Checks:     []jsonCheck{}, // [] rather than null for scripts
		ElapsedMS:  v.elapsed.Milliseconds(),
		Version:    v.meta.version.String(),
		Target:     v.meta.target.String(),
		ProjectKey: v.meta.projectKey.String(),
		FailOn:     v.meta.failOn,
		ExitCode:   v.meta.exitCode,
	}
	for _, r := range v.results {
		c := jsonCheck{
			ID: r.id.String(), Title: r.title.String(), Status: r.status, Message: r.message.String(), Remedy: r.remedy.String(),
			ElapsedMS: r.elapsed.Milliseconds(), Notes: []string{}, Evidence: []jsonEvidence{},
		}
		for _, n := range r.notes {
			c.Notes = append(c.Notes, n.String())
		}
		for _, e := range r.evidence {
			c.Evidence = append(c.Evidence, jsonEvidence{Request: e.request.String(), Status: e.status,
				Message: e.message.String(), ActivityID: e.activityID.String()})
		}
		out.Checks = append(out.Checks, c)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// HTML escaping would turn "<" and "&" in server messages into \u003c,
	// which is harder to read and buys nothing outside a browser.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("report: encoding json: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: writing json: %w", err)
	}
	return nil
}
