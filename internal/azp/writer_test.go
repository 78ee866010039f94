package azp

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestWriterLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(w *Writer) error
		want []string
	}{
		{"issue error", func(w *Writer) error { return w.Issue(Error, "sonar.token: rejected; see ]docs[") },
			[]string{"##vso[task.issue type=error;]sonar.token: rejected; see ]docs["}},
		{"issue warning multi-line", func(w *Writer) error { return w.Issue(Warning, "a\nb\r\nc") },
			[]string{"##vso[task.issue type=warning;]a%0Ab%0D%0Ac"}},
		{"setvariable output", func(w *Writer) error { return w.SetVariable("verdict", "fail", VarOpts{IsOutput: true}) },
			[]string{"##vso[task.setvariable variable=verdict;isOutput=true;]fail"}},
		{"setvariable secret", func(w *Writer) error { return w.SetVariable("tok", "x;y", VarOpts{IsSecret: true}) },
			[]string{"##vso[task.setvariable variable=tok;issecret=true;]x;y"}},
		{"setvariable plain multi-line value", func(w *Writer) error { return w.SetVariable("v", "1\n2", VarOpts{}) },
			[]string{"##vso[task.setvariable variable=v;]1%0A2"}},
		{"setsecret one line", func(w *Writer) error { return w.SetSecret("p%ss") },
			[]string{"##vso[task.setsecret]p%AZP25ss"}},
		{"setsecret lines then whole", func(w *Writer) error { return w.SetSecret("-----BEGIN-----\r\n  abc  \n\nabc\n-----END-----") },
			[]string{
				"##vso[task.setsecret]-----BEGIN-----",
				"##vso[task.setsecret]abc",
				"##vso[task.setsecret]-----END-----",
				"##vso[task.setsecret]-----BEGIN-----%0D%0A  abc  %0A%0Aabc%0A-----END-----",
			}},
		{"setsecret empty prints nothing", func(w *Writer) error { return w.SetSecret("") }, nil},
		{"uploadsummary", func(w *Writer) error { return w.UploadSummary("/tmp/x/summary.md") },
			[]string{"##vso[task.uploadsummary]/tmp/x/summary.md"}},
		{"complete failed", func(w *Writer) error { return w.Complete(Failed, "2 checks failed") },
			[]string{"##vso[task.complete result=Failed;]2 checks failed"}},
		{"complete with issues", func(w *Writer) error { return w.Complete(SucceededWithIssues, "") },
			[]string{"##vso[task.complete result=SucceededWithIssues;]"}},
		{"complete succeeded", func(w *Writer) error { return w.Complete(Succeeded, "ok") },
			[]string{"##vso[task.complete result=Succeeded;]ok"}},
		{"debug", func(w *Writer) error { return w.Debug("GET /api\nsecond") },
			[]string{"##vso[task.debug]GET /api%0Asecond"}},
		{"group and end", func(w *Writer) error {
			return errors.Join(w.Group("FAIL sonar.token:\nToken ##vso[x.y]"), w.EndGroup())
		}, []string{"##[group]FAIL sonar.token: Token # #vso[x.y]", "##[endgroup]"}},
		{"section", func(w *Writer) error { return w.Section("sonar-preflight\r\n1.0") },
			[]string{"##[section]sonar-preflight 1.0"}},
		{"line splits and neutralizes", func(w *Writer) error {
			return w.Line("server said: ##vso[task.complete result=Succeeded;]ok\r\n##[error]fake\rlast ###vso[")
		}, []string{"server said: # #vso[task.complete result=Succeeded;]ok", "# #[error]fake", "last # # #vso["}},
		{"line shows control and invisible characters", func(w *Writer) error {
			return w.Line("\x1b[31mred\x07 #\u00ad#vso[x.y]z")
		}, []string{`\x1b[31mred\x07 #\u00ad#vso[x.y]z`}},
		{"issue text is neutralised, its line breaks kept", func(w *Writer) error {
			return w.Issue(Error, "a\r\n##[section]b ##vso[task.complete]c\x1b")
		}, []string{`##vso[task.issue type=error;]a%0D%0A# #[section]b # #vso[task.complete]c\x1b`}},
		{"empty line", func(w *Writer) error { return w.Line("") }, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tt.call(New(&buf)); err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			var got []string
			if buf.Len() > 0 {
				if !strings.HasSuffix(buf.String(), "\n") {
					t.Fatalf("output does not end with a newline: %q", buf.String())
				}
				got = strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("lines =\n%q\nwant\n%q", got, tt.want)
			}
			for _, l := range got {
				if strings.Contains(l, "\r") {
					t.Errorf("line holds a CR: %q", l)
				}
			}
		})
	}
}

// What the writer prints must read back, through the agent's parser, as
// exactly what was asked for.
func TestWriterParsesBack(t *testing.T) {
	t.Parallel()
	msg := "100% sure; a]b\r\nnext %AZP25 line é 🚀"
	var buf bytes.Buffer
	w := New(&buf)
	for _, err := range []error{
		w.Issue(Error, msg),
		w.SetVariable("verdict", msg, VarOpts{IsOutput: true}),
		w.Complete(Failed, msg),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []Command{
		{Name: "task.issue", Props: []Prop{{"type", "error"}}, Data: msg},
		{Name: "task.setvariable", Props: []Prop{{"variable", "verdict"}, {"isOutput", "true"}}, Data: msg},
		{Name: "task.complete", Props: []Prop{{"result", "Failed"}}, Data: msg},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d: %q", len(lines), len(want), lines)
	}
	for i, l := range lines {
		got, ok := ParseCommand(l)
		if !ok || !reflect.DeepEqual(got, want[i]) {
			t.Errorf("line %d %q parsed as %#v, %v; want %#v", i, l, got, ok, want[i])
		}
	}
}

func TestWriterRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(w *Writer) error
	}{
		{"unknown issue kind", func(w *Writer) error { return w.Issue(IssueKind(7), "m") }},
		{"empty variable name", func(w *Writer) error { return w.SetVariable("", "v", VarOpts{}) }},
		{"variable name spanning lines", func(w *Writer) error { return w.SetVariable("a\nb", "v", VarOpts{}) }},
		{"variable name starting with =", func(w *Writer) error { return w.SetVariable("=a", "v", VarOpts{}) }},
		{"multi-line secret variable", func(w *Writer) error { return w.SetVariable("s", "a\nb", VarOpts{IsSecret: true}) }},
		{"secret variable with CR", func(w *Writer) error { return w.SetVariable("s", "a\rb", VarOpts{IsSecret: true}) }},
		{"relative summary path", func(w *Writer) error { return w.UploadSummary("summary.md") }},
		{"empty summary path", func(w *Writer) error { return w.UploadSummary("") }},
		{"unknown result", func(w *Writer) error { return w.Complete(Result(9), "m") }},
		{"invalid command", func(w *Writer) error { return w.Command(Command{Name: "nodot"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			err := tt.call(New(&buf))
			if !errors.Is(err, ErrInvalidCommand) {
				t.Fatalf("error = %v, want ErrInvalidCommand", err)
			}
			if buf.Len() != 0 {
				t.Errorf("printed %q despite the error", buf.String())
			}
		})
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriterReturnsWriteErrors(t *testing.T) {
	t.Parallel()
	broken := errors.New("broken pipe")
	w := New(failingWriter{broken})
	for name, err := range map[string]error{
		"issue":     w.Issue(Error, "m"),
		"setsecret": w.SetSecret("s"),
		"group":     w.Group("g"),
		"endgroup":  w.EndGroup(),
		"section":   w.Section("s"),
		"line":      w.Line("l"),
		"debug":     w.Debug("d"),
		"complete":  w.Complete(Succeeded, ""),
	} {
		if !errors.Is(err, broken) {
			t.Errorf("%s: error = %v, want it to wrap %v", name, err, broken)
		}
	}
}

// Lines written from many goroutines must never interleave: every line of the
// output is still one whole command.
func TestWriterConcurrentLinesStayWhole(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := New(&buf)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Issue(Warning, fmt.Sprintf("check %d\nsecond line", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("got %d lines, want %d", len(lines), n)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		c, ok := ParseCommand(l)
		if !ok || c.Name != "task.issue" {
			t.Fatalf("line %q is not a whole task.issue", l)
		}
		seen[c.Data] = true
	}
	if len(seen) != n {
		t.Errorf("got %d distinct messages, want %d", len(seen), n)
	}
}

func TestNeutralizeNeverLeavesAMarker(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"##vso", "###vso", "####vso[", "##vso##vso", "##[", "##[group]", "#", "##", "a##vsob",
		"ok\n##[error]x\r##[warning]y\r\n##[section]z ##[mid]", "##[##[", "\n\n##["} {
		got := Neutralize(s)
		if strings.Contains(got, "##vso") {
			t.Errorf("Neutralize(%q) = %q still holds ##vso", s, got)
		}
		for _, l := range splitLines(got) {
			if strings.HasPrefix(l, "##[") {
				t.Errorf("Neutralize(%q) = %q has a line starting with ##[", s, got)
			}
		}
		if strings.Count(got, "\n") != strings.Count(s, "\n") || strings.Count(got, "\r") != strings.Count(s, "\r") {
			t.Errorf("Neutralize(%q) = %q changed the line breaks", s, got)
		}
	}
	// Every pair is broken, inside a line too: the agent and the log viewer
	// are not the only readers of a line.
	if got := Neutralize("a ##[mid] b"); got != "a # #[mid] b" {
		t.Errorf("Neutralize(##[ inside a line) = %q", got)
	}
}
