package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"sonar-preflight/internal/text"
)

// JSONWriter streams a report: the header, then one project at a time,
// then the summary and the verdict. Memory stays flat whatever the number
// of projects. Fields come in this order: tool, server, shard, paths,
// notes, records, projects, summary, verdict, requests, elapsed_ms (the
// verdict is known only at the end, and JSON readers do not mind order).
type JSONWriter struct {
	w       *bufio.Writer
	records []Record
	sum     Summary
	n       int
	err     error
}

// NewJSONWriter writes the header and opens the projects array.
func NewJSONWriter(w io.Writer, h Header) *JSONWriter {
	j := &JSONWriter{w: bufio.NewWriterSize(w, 64<<10), records: h.Records, sum: Summary{Findings: map[string]int{}}}
	if h.Paths == nil {
		h.Paths = map[string]string{}
	}
	if h.Notes == nil {
		h.Notes = []string{}
	}
	if h.Records == nil {
		h.Records = []Record{}
	}
	j.raw("{\n")
	j.field("tool", h.Tool, true)
	j.field("server", h.Server, true)
	j.field("shard", h.Shard, true)
	if h.MergedFrom > 0 {
		j.field("merged_from", h.MergedFrom, true)
	}
	j.field("paths", h.Paths, true)
	j.field("notes", h.Notes, true)
	j.field("records", h.Records, true)
	j.raw(`  "projects": [`)
	return j
}

// Project writes one project and counts it.
func (j *JSONWriter) Project(p Project) error {
	if j.n > 0 {
		j.raw(",")
	}
	j.raw("\n    ")
	j.value(p, "    ")
	j.n++
	j.sum.Add(p)
	return j.err
}

// Summary is the count so far.
func (j *JSONWriter) Summary() Summary { return j.sum }

// Close writes the summary, the verdict and the totals, and flushes.
func (j *JSONWriter) Close(requests int64, elapsed time.Duration) error {
	if j.n > 0 {
		j.raw("\n  ")
	}
	j.raw("],\n")
	j.field("summary", j.sum, true)
	j.field("verdict", Verdict(j.sum, j.records), true)
	j.field("requests", requests, true)
	j.field("elapsed_ms", elapsed.Milliseconds(), false)
	j.raw("}\n")
	if j.err == nil {
		j.err = j.w.Flush()
	}
	return j.err
}

func (j *JSONWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *JSONWriter) field(name string, v any, comma bool) {
	j.raw(`  "` + name + `": `)
	j.value(v, "  ")
	if comma {
		j.raw(",")
	}
	j.raw("\n")
}

// value encodes v indented under prefix, with every number sign and every
// character the sanitiser would not print as itself (package text: C1
// controls, DEL, format characters such as soft hyphen, zero-width and bidi
// controls, other ignorable code points) written as a \uXXXX escape. The
// report goes to stdout with --format json and is printed by scripts in
// pipeline steps: the agent runs "##vso[" wherever it finds it, also with
// invisible characters between the "#"s, and terminals act on C1
// controls. Escapes decode to the same strings, so readers (audit merge,
// --baseline, scripts) see exactly what SonarQube and Azure DevOps said.
func (j *JSONWriter) value(v any, prefix string) {
	if j.err != nil {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		j.err = fmt.Errorf("audit: encoding the report: %w", err)
		return
	}
	_, j.err = j.w.Write(escapeUnsafe(bytes.TrimRight(buf.Bytes(), "\n")))
}

// escapeUnsafe rewrites encoded JSON so that it holds no number sign and no
// character text.Unsafe reports beyond the C0 controls (which the encoder
// escapes inside strings, and which outside them are the indentation's
// line breaks), each written as a JSON escape instead. Outside strings JSON
// has none of them, so only strings change, and only in their spelling.
func escapeUnsafe(b []byte) []byte {
	unsafe := func(r rune) bool { return r >= 0x7f && text.Unsafe(r) }
	clean := true
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == '#' || r == '\uff03' || r == '\ufe5f' || unsafe(r) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == '#' || r == '\uff03' || r == '\ufe5f' || unsafe(r) && r <= 0xffff:
			out = fmt.Appendf(out, `\u%04x`, r)
		case unsafe(r):
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
