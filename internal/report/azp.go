package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/preflight"
)

// writeAzp prints the report for an Azure Pipelines log: a collapsible group
// per check, an issue per warning or failure (these reach the run summary),
// the Markdown summary for the Extensions tab, the verdict as an output
// variable, and the task result. Secrets were registered with setsecret by
// the caller before anything else was printed.
func writeAzp(out io.Writer, v view) error {
	w := azp.New(out)
	title := "sonar-preflight"
	if v.meta.Version != "" {
		title += " " + v.meta.Version
	}
	if v.meta.Target != "" {
		title += ": SonarQube " + v.meta.Target
	}
	if v.meta.ProjectKey != "" {
		title += ", project " + v.meta.ProjectKey
	}
	if err := w.Section(title); err != nil {
		return err
	}

	for _, r := range v.results {
		if err := w.Group(fmt.Sprintf("%s %s: %s", statusWord(r.Status), r.ID, r.Title)); err != nil {
			return err
		}
		text := []string{r.Message}
		if r.Remedy != "" {
			text = append(text, "→ "+r.Remedy)
		}
		for _, n := range r.Notes {
			text = append(text, "note: "+n)
		}
		for _, e := range r.Evidence {
			text = append(text, "evidence: "+e.String())
		}
		for _, t := range text {
			if err := w.Line(t); err != nil {
				return err
			}
		}
		if err := w.EndGroup(); err != nil {
			return err
		}
	}

	for _, r := range v.results {
		kind := azp.Error
		switch r.Status {
		case preflight.Fail:
		case preflight.Warn:
			kind = azp.Warning
		default:
			continue
		}
		msg := strings.TrimSpace(r.ID + ": " + r.Message + " " + r.Remedy)
		if err := w.Issue(kind, msg); err != nil {
			return err
		}
	}

	if err := uploadSummary(w, v); err != nil {
		return err
	}

	closing := fmt.Sprintf("Verdict: %s — %s in %s; %s.", statusWord(v.verdict), v.counts.tally(), elapsed(v.elapsed), v.exitMeaning())
	if err := w.Line(closing); err != nil {
		return err
	}
	if err := w.SetVariable("verdict", v.verdict.String(), azp.VarOpts{IsOutput: true}); err != nil {
		return err
	}
	result := azp.Succeeded
	switch {
	case v.meta.ExitCode != 0:
		result = azp.Failed
	case v.verdict == preflight.Warn || v.verdict == preflight.Fail:
		result = azp.SucceededWithIssues // findings the run tolerates still show
	}
	return w.Complete(result, v.verdictLine())
}

// uploadSummary writes the Markdown summary into the agent's temp directory
// and attaches it. A summary that cannot be written is reported in the log
// and the run goes on: the verdict matters more than its presentation. Only a
// failure to print is returned.
func uploadSummary(w *azp.Writer, v view) error {
	if v.meta.SummaryDir == "" {
		return w.Line("The summary was not uploaded: no agent temp directory (AGENT_TEMPDIRECTORY) is set to write it to.")
	}
	dir, err := filepath.Abs(v.meta.SummaryDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	path := filepath.Join(dir, SummaryFileName)
	if err == nil {
		err = os.WriteFile(path, []byte(v.scrub(markdown(v))), 0o644)
	}
	if err != nil {
		return w.Line(v.scrub("The summary was not uploaded: " + err.Error()))
	}
	return w.UploadSummary(path)
}
