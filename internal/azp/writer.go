package azp

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"sonar-preflight/internal/text"
)

// IssueKind is the type of a task.issue.
type IssueKind int

// The agent accepts exactly these two (case-insensitively); any other type
// makes the command throw, which fails the task.
const (
	Error IssueKind = iota
	Warning
)

func (k IssueKind) String() string {
	switch k {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return fmt.Sprintf("IssueKind(%d)", int(k))
}

// Result is the outcome a task reports with task.complete.
type Result int

// The names are the agent's TaskResult enum members, which it parses
// case-sensitively.
const (
	Succeeded Result = iota
	SucceededWithIssues
	Failed
)

func (r Result) String() string {
	switch r {
	case Succeeded:
		return "Succeeded"
	case SucceededWithIssues:
		return "SucceededWithIssues"
	case Failed:
		return "Failed"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// VarOpts are the flags of task.setvariable.
type VarOpts struct {
	IsOutput bool // readable by later jobs and stages as <step>.<name>
	IsSecret bool // masked in logs and not given to later steps as a plain env var
}

// Writer prints logging commands and log text to the task's output. Every
// method writes whole lines in a single Write, so a Writer may be shared by
// goroutines without interleaving lines. Methods never panic or exit; they
// return what went wrong.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Writer printing to w (the task's stdout, in production).
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Command validates c and prints it on one line.
func (w *Writer) Command(c Command) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return w.write(c.Name, c.String()+"\n")
}

// SetSecret tells the agent to mask value in everything printed after it.
// The agent masks line by line, so a value spanning lines would never match:
// each of its lines is registered too (trimmed, blank ones skipped), then the
// whole value. An empty value prints nothing.
func (w *Writer) SetSecret(value string) error {
	if value == "" {
		return nil
	}
	var forms []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	lines := splitLines(value)
	if len(lines) > 1 {
		for _, l := range lines {
			add(strings.TrimSpace(l))
		}
	}
	add(value)
	var b strings.Builder
	for _, f := range forms {
		b.WriteString(Command{Name: "task.setsecret", Data: f}.String())
		b.WriteByte('\n')
	}
	return w.write("task.setsecret", b.String())
}

// Issue records an error or a warning on the task; it shows in the run's
// summary. It does not change the task result (Complete does that). It emits
// task.issue, which the agent treats as task.logissue and which task-lib's
// MockTestRunner (it reads only task.issue) also collects. The message is
// text, kept from holding anything a reader of the issue (a log viewer, a
// terminal) would act on; its line breaks stay.
func (w *Writer) Issue(kind IssueKind, message string) error {
	if kind != Error && kind != Warning {
		return fmt.Errorf("%w: task.issue: unknown kind %v", ErrInvalidCommand, kind)
	}
	return w.Command(Command{Name: "task.issue", Props: []Prop{{"type", kind.String()}}, Data: plainKeepingBreaks(message)})
}

// plainKeepingBreaks applies text.Plain between CR and LF characters, which
// stay: the agent logs an issue as "##[error]" and its message, so a line
// of it must not start a formatting command or hold a control character.
func plainKeepingBreaks(s string) string {
	var b strings.Builder
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			b.WriteString(text.Plain(s[start:i]))
			b.WriteByte(s[i])
			start = i + 1
		}
	}
	b.WriteString(text.Plain(s[start:]))
	return b.String()
}

// SetVariable sets a pipeline variable for later steps (and, with IsOutput,
// later jobs). The agent refuses a secret that spans lines, failing the task,
// so that is refused here first.
func (w *Writer) SetVariable(name, value string, opts VarOpts) error {
	if name == "" {
		return fmt.Errorf("%w: task.setvariable: empty variable name", ErrInvalidCommand)
	}
	if strings.ContainsAny(name, "\r\n") {
		return fmt.Errorf("%w: task.setvariable: variable name %q spans lines", ErrInvalidCommand, name)
	}
	if opts.IsSecret && strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("%w: task.setvariable %s: a secret value cannot span lines", ErrInvalidCommand, name)
	}
	props := []Prop{{"variable", name}}
	if opts.IsOutput {
		props = append(props, Prop{"isOutput", "true"})
	}
	if opts.IsSecret {
		props = append(props, Prop{"issecret", "true"})
	}
	return w.Command(Command{Name: "task.setvariable", Props: props, Data: value})
}

// UploadSummary attaches the Markdown file at path to the run; it shows on
// the run's Extensions tab. The agent fails the task when the file does not
// exist, and resolves a relative path against its own directory, so the path
// must be absolute.
func (w *Writer) UploadSummary(path string) error {
	if path == "" || !filepath.IsAbs(path) {
		return fmt.Errorf("%w: task.uploadsummary: path %q is not absolute", ErrInvalidCommand, path)
	}
	return w.Command(Command{Name: "task.uploadsummary", Data: path})
}

// Complete sets the task result; the agent keeps the worst result it was
// given. message becomes the step's status text.
func (w *Writer) Complete(result Result, message string) error {
	if result < Succeeded || result > Failed {
		return fmt.Errorf("%w: task.complete: unknown result %v", ErrInvalidCommand, result)
	}
	return w.Command(Command{Name: "task.complete", Props: []Prop{{"result", result.String()}}, Data: message})
}

// Debug prints msg only when the run has System.Debug set.
func (w *Writer) Debug(msg string) error {
	return w.Command(Command{Name: "task.debug", Data: msg})
}

// Group opens a collapsible block in the log viewer; EndGroup closes it.
func (w *Writer) Group(name string) error {
	return w.write("##[group]", "##[group]"+oneLine(name)+"\n")
}

// EndGroup closes the block opened by Group.
func (w *Writer) EndGroup() error { return w.write("##[endgroup]", "##[endgroup]\n") }

// Section prints a highlighted heading line.
func (w *Writer) Section(name string) error {
	return w.write("##[section]", "##[section]"+oneLine(name)+"\n")
}

// Line prints plain log text, one log line per line of text. Text may come
// from a server, so it is kept from being read as a command: "##vso" anywhere
// would be executed (or draw an agent warning), and "##[" at the start of a
// line would be formatted by the log viewer; control and invisible
// characters are shown as escapes (package text).
func (w *Writer) Line(s string) error {
	var b strings.Builder
	for _, l := range splitLines(s) {
		b.WriteString(text.Plain(l))
		b.WriteByte('\n')
	}
	return w.write("text", b.String())
}

func (w *Writer) write(what, s string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, s); err != nil {
		return fmt.Errorf("azp: writing %s: %w", what, err)
	}
	return nil
}

// splitLines splits at CR LF, LF and CR alike: the agent reads task output
// with a line reader that ends a line at any of them.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// oneLine joins the lines of a formatting-command argument with spaces: the
// command ends at the end of the line.
func oneLine(s string) string { return text.Plain(s) }

// Neutralize keeps text printed as it is (a log line, or a whole report in
// another format) from being read as commands: two number signs never stand
// next to each other, so neither "##vso" (which the agent runs, or warns
// about, anywhere in a line) nor "##[" (which the log viewer formats) is
// left. The markers are broken with a visible space; an invisible character
// would not do, because the agent finds "##vso" with a culture-sensitive
// search, which ignores zero-width characters. See package text.
func Neutralize(s string) string { return text.Neutralize(s) }
