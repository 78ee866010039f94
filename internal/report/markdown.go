package report

import (
	"fmt"
	"strings"

	"sonar-preflight/internal/preflight"
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
	return mdText(s.String())
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

func markdown(v view) string {
	var b strings.Builder
	b.WriteString("## SonarQube preflight\n\n")
	fmt.Fprintf(&b, "**Verdict: %s** · %s · %s\n\n", verdictBadge(v.verdict), mdText(v.counts.tally()), mdText(v.exitMeaning()))

	var facts []string
	if v.meta.Target != "" {
		facts = append(facts, "SonarQube "+mdCode(v.meta.Target))
	}
	if v.meta.ProjectKey != "" {
		facts = append(facts, "project "+mdCode(v.meta.ProjectKey))
	}
	tool := "sonar-preflight"
	if v.meta.Version != "" {
		tool += " " + mdText(v.meta.Version)
	}
	facts = append(facts, tool, "took "+elapsed(v.elapsed))
	b.WriteString(strings.Join(facts, " · ") + "\n\n")

	if len(v.results) > 0 {
		b.WriteString("| Status | Check | Finding |\n| --- | --- | --- |\n")
		for _, r := range v.results {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", statusBadge(r.Status), mdCell(r.Title)+"<br>"+mdCellCode(r.ID), mdCell(r.Message))
		}
		b.WriteString("\n")
	}

	var passNotes []string
	for _, r := range v.results {
		if r.Status == preflight.Pass {
			for _, n := range r.Notes {
				passNotes = append(passNotes, "- "+mdCode(r.ID)+": "+mdLine(n))
			}
		}
	}
	if len(passNotes) > 0 {
		// What the passing checks did not prove stays visible.
		b.WriteString("**Notes on passing checks**\n\n" + strings.Join(passNotes, "\n") + "\n\n")
	}

	for _, r := range v.results {
		if r.Status == preflight.Pass {
			continue
		}
		fmt.Fprintf(&b, "### %s: %s %s\n\n", statusBadge(r.Status), mdCode(r.ID), mdLine(r.Title))
		b.WriteString(mdParagraph(r.Message))
		if r.Remedy != "" {
			b.WriteString("**What to do**\n\n")
			b.WriteString(mdParagraph(r.Remedy))
		}
		if len(r.Evidence) > 0 {
			b.WriteString("**Evidence**\n\n")
			var ev []string
			for _, e := range r.Evidence {
				ev = append(ev, e.String())
			}
			b.WriteString(mdCodeBlock(strings.Join(ev, "\n")))
		}
		if len(r.Notes) > 0 {
			b.WriteString("**Notes**\n\n")
			for _, n := range r.Notes {
				b.WriteString("- " + mdLine(n) + "\n")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// mdText escapes what Markdown or the HTML it may hold would act on, so that
// server messages show as written.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"#", `\#`, "|", `\|`, "~", `\~`, "&", "&amp;", "<", "&lt;", ">", "&gt;",
)

func mdText(s string) string { return mdEscaper.Replace(s) }

// mdLine is mdText on one line: a heading or list item ends at the line end.
func mdLine(s string) string { return mdText(strings.Join(lines(s), " ")) }

// mdCell keeps a table cell on its row: line breaks become <br>.
func mdCell(s string) string {
	ls := lines(s)
	for i := range ls {
		ls[i] = mdText(ls[i])
	}
	return strings.Join(ls, "<br>")
}

// mdParagraph keeps the text's own line breaks (hard breaks: two spaces).
func mdParagraph(s string) string {
	ls := lines(s)
	for i := range ls {
		ls[i] = mdText(ls[i])
	}
	return strings.Join(ls, "  \n") + "\n\n"
}

// mdCode is an inline code span whose fence is longer than any backtick run
// in s, so nothing inside can end it.
func mdCode(s string) string {
	s = strings.Join(lines(s), " ")
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdCellCode is mdCode inside a table cell: GFM splits cells at unescaped
// pipes before it reads code spans, and drops the backslash afterwards.
func mdCellCode(s string) string { return strings.ReplaceAll(mdCode(s), "|", `\|`) }

func mdCodeBlock(s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "text\n" + s + "\n" + fence + "\n\n"
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
