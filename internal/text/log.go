package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sync"
)

// LogLimits cap one value of a debug log event.
var LogLimits = Limits{Run: 256, Line: 1024, Text: 1024, Lines: 1}

// LogWriter is the writer under the structured debug log (one JSON object a
// line): it rewrites every string value, at any depth, redacted first and
// then cleaned to one capped line, and leaves keys, numbers and the
// object's shape as they are. A line that is not a JSON object is cleaned
// whole. It is safe for concurrent use; after Close it drops what it is
// given (late events of requests abandoned at the deadline).
type LogWriter struct {
	mu     sync.Mutex
	w      io.Writer
	redact func(string) string
	closed bool
}

// NewLogWriter returns a LogWriter writing to w. redact may be nil.
func NewLogWriter(w io.Writer, redact func(string) string) *LogWriter {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	return &LogWriter{w: w, redact: redact}
}

// Write takes one or more whole lines.
func (l *LogWriter) Write(p []byte) (int, error) {
	var out bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		l.line(&out, line)
		out.WriteByte('\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(p), nil
	}
	if _, err := l.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close makes later writes no-ops.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func (l *LogWriter) line(out *bytes.Buffer, line []byte) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := l.value(&buf, dec); err == nil && !dec.More() {
		out.Write(buf.Bytes())
		return
	}
	// Not JSON: the whole line is one untrusted value.
	b, _ := json.Marshal(l.clean(string(line)))
	out.Write(b)
}

func (l *LogWriter) clean(s string) string {
	return CleanLine(l.redact(s), LogLimits).String()
}

// value re-encodes one JSON value from dec into out.
func (l *LogWriter) value(out *bytes.Buffer, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		end := json.Delim('}')
		if t == '[' {
			end = ']'
		}
		out.WriteByte(byte(t))
		first := true
		for dec.More() {
			if !first {
				out.WriteByte(',')
			}
			first = false
			if t == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := key.(string)
				kb, _ := json.Marshal(CleanLine(k, LogLimits).String())
				out.Write(kb)
				out.WriteByte(':')
			}
			if err := l.value(out, dec); err != nil {
				return err
			}
		}
		if tok, err := dec.Token(); err != nil || tok != end {
			return io.ErrUnexpectedEOF
		}
		out.WriteByte(byte(end))
	case string:
		b, _ := json.Marshal(l.clean(t))
		out.Write(b)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	default:
		return errors.New("unexpected JSON token")
	}
	return nil
}
