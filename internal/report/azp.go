package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"sonar-preflight/internal/azp"
	"sonar-preflight/internal/preflight"
)

// writeAzp prints the report for an Azure Pipelines log: a collapsible group
// per check, an issue per warning or failure (these reach the run summary),
// the Markdown summary for the Extensions tab, the verdict as an output
// variable, and the task result. Secrets were registered with setsecret by
// the caller before anything else was printed. Command names, property
// names and values, the verdict and the summary path are the program's own
// and pass as they are; every text is a cleaned value.
func writeAzp(out io.Writer, v view) error {
	w := azp.New(out)
	title := "sonar-preflight"
	if !v.meta.version.Empty() {
		title += " " + v.meta.version.String()
	}
	if !v.meta.target.Empty() {
		title += ": SonarQube " + v.meta.target.String()
	}
	if !v.meta.projectKey.Empty() {
		title += ", project " + v.meta.projectKey.String()
	}
	if err := w.Section(title); err != nil {
		return err
	}

	for _, r := range v.results {
		if err := w.Group(fmt.Sprintf("%s %s: %s", statusWord(r.status), r.id, r.title)); err != nil {
			return err
		}
		var text []string
		for _, l := range r.message.Lines() {
			text = append(text, l.String())
		}
		for i, l := range r.remedy.Lines() {
			if i == 0 {
				text = append(text, "→ "+l.String())
			} else {
				text = append(text, l.String())
			}
		}
		for _, n := range r.notes {
			text = append(text, "note: "+n.OneLine().String())
		}
		for _, e := range r.evidence {
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
		switch r.status {
		case preflight.Fail:
		case preflight.Warn:
			kind = azp.Warning
		default:
			continue
		}
		msg := r.id.String() + ": " + r.message.String()
		if !r.remedy.Empty() {
			msg += " " + r.remedy.String()
		}
		if err := w.Issue(kind, msg); err != nil {
			return err
		}
	}

	if err := UploadSummary(w, v.meta.summaryDir, SummaryFilePrefix, markdown(v)); err != nil {
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
	case v.meta.exitCode != 0:
		result = azp.Failed
	case v.verdict == preflight.Warn || v.verdict == preflight.Fail:
		result = azp.SucceededWithIssues // findings the run tolerates still show
	}
	return w.Complete(result, v.verdictLine())
}

// UploadSummary writes the Markdown summary md into the agent's temp
// directory dir, in a new file whose name starts with prefix, and attaches
// it to the run (check's summary and the audit's). A summary that cannot be
// written is reported in the log and the run goes on: the verdict matters
// more than its presentation. Only a failure to print is returned.
func UploadSummary(w *azp.Writer, dir, prefix, md string) error {
	if dir == "" {
		return w.Line("The summary was not uploaded: no agent temp directory (AGENT_TEMPDIRECTORY) is set to write it to.")
	}
	path, err := WriteSummaryFile(dir, prefix, md)
	if err != nil {
		return w.Line("The summary was not uploaded: " + err.Error())
	}
	return w.UploadSummary(path)
}

// WriteSummary writes md to a new file in dir (created if missing) and
// returns its absolute path. The file is created exclusively under a name
// with a random suffix: parallel runs sharing the folder each get their
// own, and a file or symbolic link planted at a predictable name is never
// written through.
func WriteSummary(dir, md string) (string, error) {
	return WriteSummaryFile(dir, SummaryFilePrefix, md)
}

// WriteSummaryFile is WriteSummary for another kind of summary: its file
// name starts with prefix.
func WriteSummaryFile(dir, prefix, md string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("agent temp directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the agent temp directory: %w", pathless(err))
	}
	f, err := os.CreateTemp(abs, prefix+"*.md")
	if err != nil {
		return "", fmt.Errorf("cannot create a summary file in %s: %w", abs, pathless(err))
	}
	_, werr := io.WriteString(f, md)
	// The agent (or, in a container job, the host's agent user) reads it.
	cerr := f.Chmod(0o644)
	if err := errors.Join(werr, cerr, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("cannot write the summary file %s: %w", f.Name(), pathless(err))
	}
	return f.Name(), nil
}

// pathless keeps an error's cause without repeating its path.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
