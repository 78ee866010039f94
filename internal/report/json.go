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
	ID        string               `json:"id"`
	Title     string               `json:"title"`
	Status    preflight.Status     `json:"status"`
	Message   string               `json:"message"`
	Remedy    string               `json:"remedy"`
	ElapsedMS int64                `json:"elapsed_ms"`
	Notes     []string             `json:"notes"`
	Evidence  []preflight.Evidence `json:"evidence"`
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

func writeJSON(w io.Writer, v view) error {
	out := jsonReport{
		Verdict:    v.verdict,
		Checks:     []jsonCheck{}, // [] rather than null for scripts
		ElapsedMS:  v.elapsed.Milliseconds(),
		Version:    v.meta.Version,
		Target:     v.meta.Target,
		ProjectKey: v.meta.ProjectKey,
		FailOn:     v.meta.FailOn,
		ExitCode:   v.meta.ExitCode,
	}
	for _, r := range v.results {
		c := jsonCheck{
			ID: r.ID, Title: r.Title, Status: r.Status, Message: r.Message, Remedy: r.Remedy,
			ElapsedMS: r.Elapsed.Milliseconds(), Notes: r.Notes, Evidence: r.Evidence,
		}
		if c.Notes == nil {
			c.Notes = []string{}
		}
		if c.Evidence == nil {
			c.Evidence = []preflight.Evidence{}
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
	// "##vso" can only stand inside a string value here; the agent would run
	// it as a command if the JSON is printed in a pipeline step. The JSON
	// escape of '#' decodes to the very same string.
	b := bytes.ReplaceAll(buf.Bytes(), []byte("##vso"), []byte(`#\u0023vso`))
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: writing json: %w", err)
	}
	return nil
}
