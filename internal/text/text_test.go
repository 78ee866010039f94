package text

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// agentFold is what a culture-sensitive search sees of s, and more: every
// control, format, default-ignorable and combining character dropped, and
// compatibility forms folded (＃ is #). If "##vso[" or "##[" cannot be found
// in the folded text, the agent's search cannot find it either.
func agentFold(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me, unicode.Mc,
			unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
			return -1
		}
		return r
	}, s)
}

// checkSafe is the sanitiser's contract, shared by the unit tests and the
// fuzz target.
func checkSafe(t *testing.T, in string, b Block, lim Limits) {
	t.Helper()
	joined := b.String()
	if !utf8.ValidString(joined) {
		t.Fatalf("Clean(%q) is not UTF-8: %q", in, joined)
	}
	for _, l := range b.Lines() {
		for _, r := range l.String() {
			if Unsafe(r) || r == '\t' || r == '\n' || r == '\r' {
				t.Fatalf("Clean(%q) kept %U in line %q", in, r, l)
			}
		}
		f := agentFold(l.String())
		for _, p := range []string{"##", "#\uff03", "\uff03#"} {
			if strings.Contains(f, p) {
				t.Fatalf("Clean(%q): line %q still reads as %q to a culture-sensitive search (%q)", in, l, p, f)
			}
		}
	}
	// Bounded: the limits plus the notes that say what was cut.
	const note = 40
	if n := len(b.Lines()); n > lim.Lines+1 {
		t.Fatalf("Clean(%q): %d lines, limit %d", in, n, lim.Lines)
	}
	if len(joined) > lim.Text+lim.Line+2*note+len(b.Lines()) {
		t.Fatalf("Clean: %d bytes from %d, text limit %d", len(joined), len(in), lim.Text)
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
	}{
		{"plain text stays", "SonarQube 10.6 answers at https://sonar.example.com/x?a=1#frag.", []string{"SonarQube 10.6 answers at https://sonar.example.com/x?a=1#frag."}},
		{"unicode letters stay", "Zoë Ñandú 東京 مرحبا ✅", []string{"Zoë Ñandú 東京 مرحبا ✅"}},
		{"lines split at every break", "a\r\nb\rc\nd\ve\ff\u0085g\u2028h\u2029i", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}},
		{"command prefix", "x ##vso[task.complete result=Succeeded]y", []string{"x # #vso[task.complete result=Succeeded]y"}},
		{"formatting prefix", "##[error]boom", []string{"# #[error]boom"}},
		{"three signs", "###", []string{"# # #"}},
		{"soft hyphen made visible", "#\u00ad#vso[", []string{`#\u00ad#vso[`}},
		{"zero width", "#\u200b#vso[", []string{`#\u200b#vso[`}},
		{"bidi override", "a\u202eb", []string{`a\u202eb`}},
		{"combining mark between", "#\u0301#vso[", []string{"# \u0301#vso["}},
		{"fullwidth number sign", "#\uff03vso[", []string{"# \uff03vso["}},
		{"ANSI", "\x1b[31mred\x1b[0m", []string{`\x1b[31mred\x1b[0m`}},
		{"OSC and BEL", "\x1b]0;title\x07", []string{`\x1b]0;title\x07`}},
		{"C1 CSI", "\u009b31m", []string{`\u009b31m`}},
		{"NUL and DEL", "a\x00b\x7f", []string{`a\x00b\x7f`}},
		{"tab", "a\tb", []string{"a b"}},
		{"invalid UTF-8", "a\xffb\xc3", []string{`a\xffb\xc3`}},
		{"tag characters", "x\U000E0041", []string{`x\U000e0041`}},
		{"variation selector", "x\ufe0f", []string{`x\ufe0f`}},
		{"percent escapes stay text", "%0A##vso[", []string{"%0A# #vso["}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := Clean(tt.in, DefaultLimits)
			var got []string
			for _, l := range b.Lines() {
				got = append(got, l.String())
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, b, DefaultLimits)
		})
	}
}

func TestCleanCaps(t *testing.T) {
	t.Parallel()
	lim := Limits{Run: 10, Line: 30, Text: 60, Lines: 3}
	t.Run("run", func(t *testing.T) {
		got := Clean("short "+strings.Repeat("x", 25)+" end", Limits{Run: 10, Line: 100, Text: 100, Lines: 3}).String()
		if want := "short xxxxxxxxxx… (15 bytes more) end"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("line", func(t *testing.T) {
		got := Clean(strings.Repeat("ab ", 20), lim).String()
		if !strings.HasSuffix(got, "… (30 bytes more)") || len(got) > 30+len("… (30 bytes more)") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("lines", func(t *testing.T) {
		b := Clean("1\n2\n3\n4\n5", lim)
		if got := b.Join("|"); got != "1|2|3|… (2 more lines, 3 bytes)" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("text", func(t *testing.T) {
		b := Clean(strings.Repeat("abcd efgh\n", 10), Limits{Run: 10, Line: 30, Text: 25, Lines: 40})
		if got := b.Join("|"); got != "abcd efgh|abcd efgh|abcd … (75 bytes more)" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("cut at a character boundary", func(t *testing.T) {
		got := Cut("ééééé", 5)
		if got != "éé… (6 bytes more)" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a megabyte", func(t *testing.T) {
		in := strings.Repeat("B", 1<<20)
		b := Clean(in, DefaultLimits)
		checkSafe(t, "1 MB", b, DefaultLimits)
		if len(b.String()) > 300 {
			t.Errorf("1 MB run printed as %d bytes", len(b.String()))
		}
	})
	t.Run("first n", func(t *testing.T) {
		if got := FirstN([]string{"a", "b", "c", "d"}, 2, ", "); got != "a, b, … and 2 more" {
			t.Errorf("got %q", got)
		}
		if got := FirstN([]string{"a", "b"}, 2, ", "); got != "a, b" {
			t.Errorf("got %q", got)
		}
	})
}

func TestCleanLine(t *testing.T) {
	t.Parallel()
	if got := CleanLine("a\n##[group]b\r\n  c", DefaultLimits).String(); got != "a # #[group]b c" {
		t.Errorf("got %q", got)
	}
}

func TestTrusted(t *testing.T) {
	t.Parallel()
	if got := Trusted("sonar.devops-config").String(); got != "sonar.devops-config" {
		t.Errorf("got %q", got)
	}
	for _, bad := range []string{"##vso[task.complete result=Succeeded]", "a\x1bb", "x\u200b", "#\u00ad#vso[x]"} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("Trusted(%q) did not panic", bad)
				}
				// The panic's text goes to stderr: it must be clean too.
				if msg := fmt.Sprint(r); strings.Contains(msg, "##") || strings.ContainsAny(msg, "\x1b\u200b\u00ad") {
					t.Errorf("Trusted(%q) panics with %q", bad, msg)
				}
			}()
			Trusted(bad)
		}()
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain words, (parentheses) and a.dot", "plain words, (parentheses) and a.dot"},
		{"# heading", `\# heading`},
		{"- item", `\- item`},
		{"+ item", `\+ item`},
		{"---", `\---`},
		{"===", `\===`},
		{"12. item", `12\. item`},
		{"3) item", `3\) item`},
		{"> quote", "&gt; quote"},
		{"    indented code", "indented code"},
		{"```fence", "\\`\\`\\`fence"},
		{"~~~fence", `\~\~\~fence`},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"[link](https://attacker.example/)", `\[link\](https://attacker.example/)`},
		{"![img](x)", `!\[img\](x)`},
		{"*bold* _em_ ~~s~~ `c` | $x$ &amp;", "\\*bold\\* \\_em\\_ \\~\\~s\\~\\~ \\`c\\` \\| \\$x\\$ &amp;amp;"},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := Markdown(CleanLine(tt.in, DefaultLimits)); got != tt.want {
			t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := MarkdownCode(CleanLine("a`b|c", DefaultLimits), true); got != "``a`b\\|c``" {
		t.Errorf("MarkdownCode = %q", got)
	}
	if got := MarkdownCodeBlock(Clean("x\n```\ny", DefaultLimits)); got != "````text\nx\n```\ny\n````\n\n" {
		t.Errorf("MarkdownCodeBlock = %q", got)
	}
}

func TestLogWriter(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewLogWriter(&buf, func(s string) string { return strings.ReplaceAll(s, "s3cret", "***") })
	in := `{"level":"debug","n":12.50,"ok":true,"nil":null,"url":"https://x/s3cret","list":["\u001b[31m","#\u00ad#vso[task.complete]"],"obj":{"k":"a\nb"},"message":"##vso[task.setvariable variable=x]1"}` + "\n" + "not json ##vso[x.y]z\n"
	if _, err := w.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	want := `{"level":"debug","n":12.50,"ok":true,"nil":null,"url":"https://x/***","list":["\\x1b[31m","#\\u00ad#vso[task.complete]"],"obj":{"k":"a b"},"message":"# #vso[task.setvariable variable=x]1"}`
	if lines[0] != want {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
	if lines[1] != `"not json # #vso[x.y]z"` {
		t.Errorf("non-JSON line: %s", lines[1])
	}
	for _, l := range lines {
		var v any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("line is not JSON: %s", l)
		}
	}
	_ = w.Close()
	n, err := w.Write([]byte(`{"late":1}` + "\n"))
	if err != nil || n == 0 || strings.Contains(buf.String(), "late") {
		t.Errorf("write after Close: %d %v", n, err)
	}
}

// FuzzClean: whatever the input, the output is valid UTF-8 without
// control, format or invisible characters, holds no logging-command prefix
// even to a search that skips every ignorable character, and stays within
// its limits; Markdown escaping of each line adds no line.
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "plain", "\n##vso[task.setvariable variable=x]1", "\r##vso[task.complete result=Succeeded]",
		"%0A##vso[x.y]", "\u2028##vso[", "\u0085##[error]", "#\u00ad#vso[", "#\u200b#vso[", "#\u202e#vso[",
		"#\u0301#", "#\uff03vso[", "\ufe5f#[", "\x1b[31m\x1b]0;t\x07", "\u009b31m", "\x00\x7f", "\xff\xfe\xc3",
		"\n# h\n- l\n---\n<img>", strings.Repeat("x", 5000), "#\U000E0001#vso[", "# \u200b#", "#\u3164#vso[",
	} {
		f.Add(s)
	}
	lim := Limits{Run: 64, Line: 256, Text: 1024, Lines: 8}
	f.Fuzz(func(t *testing.T, s string) {
		b := Clean(s, lim)
		checkSafe(t, s, b, lim)
		l := CleanLine(s, lim)
		checkSafe(t, s, Block{[]Line{l}}, Limits{Run: lim.Run, Line: lim.Line, Text: lim.Line + 64, Lines: 1})
		if md := Markdown(l); strings.ContainsAny(md, "\r\n") {
			t.Fatalf("Markdown(%q) spans lines: %q", l, md)
		}
	})
}
