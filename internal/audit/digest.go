package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sonar-preflight/internal/text"
)

// MaxListed is how many projects a text or Markdown summary lists; the
// JSON report holds all of them.
const MaxListed = 50

// Digest is what the text and Markdown summaries show: counts per status
// and per finding, and the worst projects, kept in bounded memory while
// projects stream past.
type Digest struct {
	Header   Header
	Summary  Summary
	Verdict  Status
	Elapsed  time.Duration
	Requests int64
	ExitCode int
	worst    []Project
	Version  string // tool version
}

// NewDigest starts a digest for a report with header h.
func NewDigest(h Header) *Digest {
	return &Digest{Header: h, Summary: Summary{Findings: map[string]int{}}}
}

// Add counts a project and keeps it if it is among the worst.
func (d *Digest) Add(p Project) {
	d.Summary.Add(p)
	if p.Status != Fail && p.Status != Warn {
		return
	}
	i, _ := slices.BinarySearchFunc(d.worst, p, worseFirst)
	if i >= MaxListed {
		return
	}
	// Findings beyond the first two are in the JSON report.
	p.Findings = p.Findings[:min(len(p.Findings), 2)]
	d.worst = slices.Insert(d.worst, i, p)
	if len(d.worst) > MaxListed {
		d.worst = d.worst[:MaxListed]
	}
}

// Finish sets the verdict and the totals.
func (d *Digest) Finish(elapsed time.Duration, requests int64, exitCode int) {
	d.Verdict = Verdict(d.Summary, d.Header.Records)
	d.Elapsed, d.Requests, d.ExitCode = elapsed, requests, exitCode
}

// worseFirst orders projects by status, then by their worst finding's
// place in the finding order, then by key.
func worseFirst(a, b Project) int {
	if a.Status != b.Status {
		return b.Status.rank() - a.Status.rank()
	}
	ia, ib := len(findingOrder), len(findingOrder)
	if len(a.Findings) > 0 {
		ia = slices.Index(findingOrder, a.Findings[0].ID)
	}
	if len(b.Findings) > 0 {
		ib = slices.Index(findingOrder, b.Findings[0].ID)
	}
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(a.Key, b.Key)
}

// Worst returns the projects the summaries list.
func (d *Digest) Worst() []Project { return d.worst }

func (d *Digest) tally() string {
	s := d.Summary
	parts := []string{fmt.Sprintf("%d project%s", s.Projects, plural(s.Projects))}
	var counts []string
	for _, c := range []struct {
		n    int
		word string
	}{{s.Fail, "failed"}, {s.Warn, "warned"}, {s.Pass, "passed"}, {s.Skip, "skipped (not bound)"}} {
		if c.n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", c.n, c.word))
		}
	}
	if len(counts) > 0 {
		parts[0] += ": " + strings.Join(counts, ", ")
	}
	return parts[0]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (d *Digest) shardText() string {
	if d.Header.MergedFrom > 0 {
		return fmt.Sprintf("merged from %d shards", d.Header.MergedFrom)
	}
	if d.Header.Shard.Count > 1 {
		return fmt.Sprintf("shard %d of %d", d.Header.Shard.Index, d.Header.Shard.Count)
	}
	return ""
}

// findingRows lists the findings that occurred, in finding order, with
// their status (the worst seen for that id is not tracked; ids map to one
// status except record.url and binding.none, which may vary).
func (d *Digest) findingRows() []struct {
	ID    string
	Count int
} {
	var rows []struct {
		ID    string
		Count int
	}
	for _, id := range findingOrder {
		if n := d.Summary.Findings[id]; n > 0 {
			rows = append(rows, struct {
				ID    string
				Count int
			}{id, n})
		}
	}
	return rows
}

var findingTitles = map[string]string{
	FindRecordGone:     "bound to a record that no longer exists",
	FindRecordURL:      "record URL of the wrong shape",
	FindRecordRejected: "record refused by SonarQube's validation",
	FindRepoMissing:    "repository missing",
	FindRepoRenamed:    "repository, project or owner renamed",
	FindRepoDisabled:   "repository disabled",
	FindRepoArchived:   "GitHub repository archived",
	FindRepoNotVisible: "repository or project not visible to the PAT or token",
	FindMonorepo:       "several projects on one repository without monorepo",
	FindMainBranch:     "main branch is not the default branch",
	FindUnreadable:     "could not be read",
	FindNeverAnalysed:  "never analysed",
	FindStale:          "not analysed for a long time (--stale-days, 90 by default)",
	FindNotChecked:     "repository not checked",
	FindNotBound:       "not bound",
}

// Text is the terminal summary.
func (d *Digest) Text() string {
	var b strings.Builder
	head := "sonar-preflight audit of SonarQube " + Show(d.Header.Server)
	if s := d.shardText(); s != "" {
		head += " (" + s + ")"
	}
	fmt.Fprintf(&b, "%s: %s\n%s · %d requests in %s\n", head, strings.ToUpper(string(d.Verdict)), d.tally(), d.Requests, roundDuration(d.Elapsed))
	for _, k := range sortedKeys(d.Header.Paths) {
		wrapHanging(&b, Show(k)+" read through "+Show(d.Header.Paths[k]), "  ", "    ")
	}
	if len(d.Header.Records) > 0 {
		b.WriteString("\nRecords\n")
		for _, r := range d.Header.Records {
			fmt.Fprintf(&b, "  %-4s  %s (%s) %s\n", statusWord(r.Status), Show(r.Key), almName(r.Alm), Show(r.URL))
			if r.Status != Pass && r.Message != "" {
				wrap(&b, Show(r.Message), "        ")
			}
			if r.Status != Pass && r.Remedy != "" {
				wrapHanging(&b, "→ "+Show(r.Remedy), "        ", "          ")
			}
		}
	}
	if rows := d.findingRows(); len(rows) > 0 {
		b.WriteString("\nFindings (projects)\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "  %6d  %-18s %s\n", r.Count, r.ID, findingTitles[r.ID])
		}
	}
	if len(d.worst) > 0 {
		fmt.Fprintf(&b, "\nProjects to fix, worst first (%s)\n", d.listedText())
		for _, p := range d.worst {
			fmt.Fprintf(&b, "  %-4s  %s\n", statusWord(p.Status), Show(p.Key))
			for _, f := range p.Findings {
				if f.Status != Fail && f.Status != Warn {
					continue
				}
				wrap(&b, Show(f.ID)+": "+Show(f.Message), "        ")
				if f.Remedy != "" {
					wrapHanging(&b, "→ "+Show(f.Remedy), "          ", "            ")
				}
			}
		}
	}
	if len(d.Header.Notes) > 0 {
		b.WriteString("\nNotes\n")
		for _, n := range d.Header.Notes {
			wrap(&b, "- "+Show(n), "  ")
		}
	}
	fmt.Fprintf(&b, "\n%s\n", d.exitText())
	return b.String()
}

func (d *Digest) listedText() string {
	shown := len(d.worst)
	total := d.Summary.Fail + d.Summary.Warn
	if shown < total {
		return fmt.Sprintf("%d of %d shown; the JSON report lists all", shown, total)
	}
	return fmt.Sprintf("%d", total)
}

func (d *Digest) exitText() string {
	switch {
	case d.ExitCode != 0 && d.Verdict == Fail:
		return fmt.Sprintf("Exit code %d: the audit found failures.", d.ExitCode)
	case d.ExitCode != 0:
		return fmt.Sprintf("Exit code %d: warnings count as failures (fail-on: warning).", d.ExitCode)
	case d.Verdict == Warn:
		return "Exit code 0: warnings do not fail the audit (fail-on: error)."
	}
	return "Exit code 0."
}

// Markdown is the summary for the pipeline's summary tab or a file.
func (d *Digest) Markdown() string {
	line := func(s string) text.Line { return text.CleanLine(s, text.DefaultLimits) }
	md := func(s string) string { return text.Markdown(line(s)) }
	cell := md
	code := func(s string) string { return text.MarkdownCode(line(s), false) }
	cellCode := func(s string) string { return text.MarkdownCode(line(s), true) }
	var b strings.Builder
	b.WriteString("## SonarQube fleet audit\n\n")
	fmt.Fprintf(&b, "**Verdict: %s** · %s · %s\n\n", badge(d.Verdict), md(d.tally()), md(d.exitText()))
	facts := []string{"SonarQube " + code(Show(d.Header.Server))}
	if s := d.shardText(); s != "" {
		facts = append(facts, md(s))
	}
	facts = append(facts, fmt.Sprintf("%d requests", d.Requests), "took "+roundDuration(d.Elapsed))
	b.WriteString(strings.Join(facts, " · ") + "\n\n")
	if len(d.Header.Paths) > 0 {
		var ps []string
		for _, k := range sortedKeys(d.Header.Paths) {
			ps = append(ps, md(k)+": "+code(Show(d.Header.Paths[k])))
		}
		b.WriteString("Read through " + strings.Join(ps, " · ") + "\n\n")
	}
	if len(d.Header.Records) > 0 {
		b.WriteString("### Configuration records\n\n| Status | Record | URL | Finding |\n| --- | --- | --- | --- |\n")
		for _, r := range d.Header.Records {
			msg := Show(r.Message)
			if r.Status != Pass && r.Remedy != "" {
				msg += "\n→ " + Show(r.Remedy)
			}
			fmt.Fprintf(&b, "| %s | %s<br>%s | %s | %s |\n", badge(r.Status), cellCode(Show(r.Key)), cell(almName(r.Alm)), cellCode(Show(r.URL)), cell(msg))
		}
		b.WriteString("\n")
	}
	if rows := d.findingRows(); len(rows) > 0 {
		b.WriteString("### Findings\n\n| Finding | | Projects |\n| --- | --- | ---: |\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", cellCode(r.ID), cell(findingTitles[r.ID]), r.Count)
		}
		b.WriteString("\n")
	}
	if len(d.worst) > 0 {
		fmt.Fprintf(&b, "### Projects to fix, worst first (%s)\n\n| Status | Project | Finding | What to do |\n| --- | --- | --- | --- |\n", md(d.listedText()))
		for _, p := range d.worst {
			var fs, rs []string
			for _, f := range p.Findings {
				if f.Status != Fail && f.Status != Warn {
					continue
				}
				fs = append(fs, cellCode(f.ID)+" "+cell(Show(f.Message)))
				if f.Remedy != "" {
					rs = append(rs, cell(Show(f.Remedy)))
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", badge(p.Status), cellCode(Show(p.Key)), strings.Join(fs, "<br>"), strings.Join(rs, "<br>"))
		}
		b.WriteString("\n")
	}
	if len(d.Header.Notes) > 0 {
		b.WriteString("**Notes**\n\n")
		for _, n := range d.Header.Notes {
			b.WriteString("- " + md(Show(n)) + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// statusWord is a status in capitals; a status that is not one of the
// program's (a report a merge read may hold anything) is shown as text.
func statusWord(s Status) string {
	switch s {
	case Skip, Pass, Note, Warn, Fail:
		return strings.ToUpper(string(s))
	}
	return Show(string(s))
}

func badge(s Status) string {
	switch s {
	case Pass:
		return "✅ Pass"
	case Warn:
		return "⚠️ Warning"
	case Fail:
		return "❌ Fail"
	case Skip:
		return "⏭️ Skipped"
	}
	return "ℹ️ Note"
}

func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// wrap writes s in lines of at most 100 columns, each after indent.
func wrap(b *strings.Builder, s, indent string) { wrapHanging(b, s, indent, indent) }

// wrapHanging wraps s to 100 columns, its first line after first, the
// others after rest: "→ remedy" lines continue under the remedy's text.
func wrapHanging(b *strings.Builder, s, first, rest string) {
	const width = 100
	line := first
	for _, w := range strings.Fields(s) {
		if len([]rune(line))+1+len([]rune(w)) > width && strings.TrimSpace(line) != "" {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = rest
		}
		if strings.TrimSpace(line) != "" {
			line += " "
		}
		line += w
	}
	if strings.TrimSpace(line) != "" {
		b.WriteString(line + "\n")
	}
}
