package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
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

// value encodes v indented under prefix. "##vso" can only stand inside a
// string here; the agent would run it as a command if the JSON is printed
// in a pipeline step, and its JSON escape decodes to the same string.
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
	b := bytes.TrimRight(buf.Bytes(), "\n")
	b = bytes.ReplaceAll(b, []byte("##vso"), []byte(`#\u0023vso`))
	_, j.err = j.w.Write(b)
}
