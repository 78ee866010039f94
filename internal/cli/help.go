package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// maxWidth is the widest line the help, the scenario list and the reports
// print: it fits a pipeline log's width and a split terminal.
const maxWidth = 100

const about = `sonar-preflight checks, before analysis starts, that SonarQube and its Azure DevOps (or GitHub)
integration are ready: server, edition, token, base URL, DevOps Platform record, project binding,
the stored PAT, and whether this build's pull request will be analysed against the right branch
and gated. It fails fast with what is wrong, why it matters and where to fix it. 'audit' checks
every project of a SonarQube server at once.
`

// writeUsage prints the program's help: what it does, its commands one line
// each, how to get a command's help, and the exit codes.
func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString(about)
	b.WriteString("\nUsage:\n  sonar-preflight [command] [flags]\n\nCommands:\n")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		writeHanging(&b, "  "+c.name+strings.Repeat(" ", width-len(c.name)+3), c.summary)
	}
	b.WriteString(`
'sonar-preflight help CMD' or 'sonar-preflight CMD --help' shows a command's flags; without a
command, flags go to check.

Exit codes: 0 passed (or only warnings with --fail-on error), 1 the preflight failed,
2 the command line is wrong.
`)
	fmt.Fprint(w, b.String())
}

// writeFlags prints a flag set for people: --name VALUE, then the usage
// wrapped beside it, with the default when the usage does not give it.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	const col = 28
	var b strings.Builder
	b.WriteString("Flags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		left := "  --" + f.Name
		if name != "" {
			left += " " + strings.ToUpper(name)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" && !strings.Contains(usage, "default") {
			usage += " (default " + f.DefValue + ")"
		}
		if len(left) > col-2 {
			b.WriteString(left + "\n")
			left = ""
		}
		writeHanging(&b, left+strings.Repeat(" ", col-len(left)), usage)
	})
	fmt.Fprint(w, b.String())
}

// writeHanging writes text after the prefix, wrapped to maxWidth, later
// lines indented to the prefix's width.
func writeHanging(b *strings.Builder, prefix, text string) {
	indent := strings.Repeat(" ", len(prefix))
	for i, line := range wrap(text, maxWidth-len(prefix)) {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString(indent)
		}
		b.WriteString(line + "\n")
	}
}

// wrap breaks text into lines of at most width columns at spaces; a word
// longer than width gets a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len([]rune(word)) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
