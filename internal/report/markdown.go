package report

import (
	"fmt"
	"strings"

	"sonar-preflight/internal/preflight"
	txt "sonar-preflight/internal/text"
)

func statusBadge(s preflight.Status) string {
	switch s {
	case preflight.Pass:
		return "✅ Pass"
	case preflight.Skip:
		return "⏭️ Skipped"
	case preflight.Warn:
		return "⚠️ Warning"
	case preflight.Fail:
		return "❌ Fail"
	}
	return s.String()
}

func verdictBadge(s preflight.Status) string {
	switch s {
	case preflight.Pass:
		return "✅ PASS"
	case preflight.Warn:
		return "⚠️ WARN"
	case preflight.Fail:
		return "❌ FAIL"
	}
	return statusBadge(s)
}

// markdown is the summary for the run's Extensions tab. The headings,
// table, badges and emphasis are the program's; every text in them is a
// cleaned value, escaped so that it shows as written and adds no heading,
// list, rule, link or HTML. Every check has one row in the table; failures
// and warnings then get a section with their remedy and evidence, while
// skipped checks are listed once, in the table, where their reason is.
func markdown(v view) string {
	var b strings.Builder
	b.WriteString("## SonarQube preflight\n\n")
	fmt.Fprintf(&b, "**Verdict: %s** · %s · %s\n\n", verdictBadge(v.verdict), v.counts.tally(), v.exitMeaning())

	var facts []string
	if !v.meta.target.Empty() {
		facts = append(facts, "SonarQube "+txt.MarkdownCode(v.meta.target, false))
	}
	if !v.meta.projectKey.Empty() {
		facts = append(facts, "project "+txt.MarkdownCode(v.meta.projectKey, false))
	}
	tool := "sonar-preflight"
	if !v.meta.version.Empty() {
		tool += " " + txt.Markdown(v.meta.version)
	}
	facts = append(facts, tool, "took "+elapsed(v.elapsed))
	b.WriteString(strings.Join(facts, " · ") + "\n\n")

	if len(v.results) > 0 {
		b.WriteString("| Status | Check | Finding |\n| --- | --- | --- |\n")
		for _, r := range v.results {
			finding := mdCellBlock(r.message)
			if r.status == preflight.Skip && !r.remedy.Empty() {
				// A skipped check has no section: how to enable it goes here.
				finding += "<br>→ " + mdCellBlock(r.remedy)
			}
			fmt.Fprintf(&b, "| %s | %s<br>%s | %s |\n", statusBadge(r.status), mdCell(r.title), txt.MarkdownCode(r.id, true), finding)
		}
		b.WriteString("\n")
	}

	var passNotes []string
	for _, r := range v.results {
		if r.status == preflight.Pass {
			for _, n := range r.notes {
				passNotes = append(passNotes, "- "+txt.MarkdownCode(r.id, false)+": "+txt.Markdown(n.OneLine()))
			}
		}
	}
	if len(passNotes) > 0 {
		// What the passing checks did not prove stays visible.
		b.WriteString("**Notes on passing checks**\n\n" + strings.Join(passNotes, "\n") + "\n\n")
	}

	for _, r := range v.results {
		if r.status != preflight.Warn && r.status != preflight.Fail {
			continue
		}
		fmt.Fprintf(&b, "### %s: %s %s\n\n", statusBadge(r.status), txt.MarkdownCode(r.id, false), txt.Markdown(r.title))
		b.WriteString(mdParagraph(r.message))
		if !r.remedy.Empty() {
			b.WriteString("**What to do**\n\n")
			b.WriteString(mdParagraph(r.remedy))
		}
		if len(r.evidence) > 0 {
			b.WriteString("**Evidence**\n\n")
			var ev []txt.Line
			for _, e := range r.evidence {
				ev = append(ev, txt.Text(e.String()))
			}
			b.WriteString(txt.MarkdownCodeBlock(txt.Lines(ev...)))
		}
		if len(r.notes) > 0 {
			b.WriteString("**Notes**\n\n")
			for _, n := range r.notes {
				b.WriteString("- " + txt.Markdown(n.OneLine()) + "\n")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// mdCell is one cleaned line in a table cell.
func mdCell(l txt.Line) string { return txt.Markdown(l) }

// mdCellBlock keeps a table cell on its row: line breaks become <br>.
func mdCellBlock(blk txt.Block) string {
	var parts []string
	for _, l := range blk.Lines() {
		parts = append(parts, txt.Markdown(l))
	}
	return strings.Join(parts, "<br>")
}

// mdParagraph keeps the text's own line breaks (hard breaks: two spaces).
func mdParagraph(blk txt.Block) string {
	var parts []string
	for _, l := range blk.Lines() {
		parts = append(parts, txt.Markdown(l))
	}
	return strings.Join(parts, "  \n") + "\n\n"
}
