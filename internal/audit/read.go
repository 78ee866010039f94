package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"sonar-preflight/internal/safefile"
)

// Tail is what a report says after its projects.
type Tail struct {
	Summary   Summary `json:"summary"`
	Verdict   Status  `json:"verdict"`
	Requests  int64   `json:"requests"`
	ElapsedMS int64   `json:"elapsed_ms"`
}

// ReadReport streams a report written by JSONWriter (or any JSON object of
// the same shape, in any field order): header fields go to h, each project
// to onProject as it is decoded, so a report of any size is read in flat
// memory. onProject may be nil.
func ReadReport(r io.Reader, h *Header, onProject func(Project) error) (Tail, error) {
	return readReport(r, h, onProject, MaxReportValue)
}

// readReport is ReadReport with a cap on each value.
func readReport(r io.Reader, h *Header, onProject func(Project) error, perValue int64) (Tail, error) {
	var t Tail
	br := &budgetReader{r: r, per: perValue}
	dec := json.NewDecoder(br)
	if err := expectDelim(dec, '{'); err != nil {
		return t, err
	}
	seenProjects := false
	for dec.More() {
		br.reset()
		tok, err := dec.Token()
		if err != nil {
			return t, err
		}
		key, _ := tok.(string)
		var dst any
		switch key {
		case "tool":
			dst = &h.Tool
		case "server":
			dst = &h.Server
		case "shard":
			dst = &h.Shard
		case "paths":
			dst = &h.Paths
		case "notes":
			dst = &h.Notes
		case "records":
			dst = &h.Records
		case "merged_from":
			dst = &h.MergedFrom
		case "summary":
			dst = &t.Summary
		case "verdict":
			dst = &t.Verdict
		case "requests":
			dst = &t.Requests
		case "elapsed_ms":
			dst = &t.ElapsedMS
		case "projects":
			seenProjects = true
			if err := expectDelim(dec, '['); err != nil {
				return t, fmt.Errorf("projects: %w", err)
			}
			for dec.More() {
				br.reset()
				var p Project
				if err := dec.Decode(&p); err != nil {
					return t, fmt.Errorf("projects: %w", err)
				}
				if onProject != nil {
					if err := onProject(p); err != nil {
						return t, err
					}
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return t, fmt.Errorf("projects: %w", err)
			}
			continue
		default:
			var skip json.RawMessage
			dst = &skip
		}
		if err := dec.Decode(dst); err != nil {
			return t, fmt.Errorf("%s: %w", key, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return t, err
	}
	if !seenProjects || h.Shard.Count == 0 || h.Server == "" {
		return t, errors.New("not a sonar-preflight audit report: it lacks server, shard or projects")
	}
	return t, nil
}

// MaxReportValue caps one value of a report as it is read: a project, or
// one header field (the records of a server with thousands of them take a
// few MiB). Reports are read in flat memory whatever their size; a report
// that someone else wrote (a shard's, a baseline) must not make one value
// take all of it.
const MaxReportValue = 64 << 20

// MaxReportSize caps a report file a run reads (a shard report, a
// baseline): a million projects fit under it.
const MaxReportSize = 1 << 30

// OpenReport opens a report file someone else may have written (a shard's
// artifact, a previous run's report): a regular file of at most
// MaxReportSize, opened without blocking on a FIFO (package safefile).
// Errors do not name the file: the caller does.
func OpenReport(path string) (io.ReadCloser, error) {
	return safefile.Open(path, MaxReportSize)
}

// errValueTooLarge ends a read whose current value passed MaxReportValue.
var errValueTooLarge = errors.New("a value is larger than an audit report's values ever are: not an audit report")

// budgetReader fails once more than per bytes were read since the last
// reset; the decoder's read-ahead counts too, which is at most a buffer.
type budgetReader struct {
	r    io.Reader
	per  int64
	used int64
}

func (b *budgetReader) reset() { b.used = 0 }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.used >= b.per {
		return 0, errValueTooLarge
	}
	if int64(len(p)) > b.per-b.used {
		p = p[:b.per-b.used]
	}
	n, err := b.r.Read(p)
	b.used += int64(n)
	return n, err
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the report ends early (expected %q)", want)
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

// ReadBaseline reads a previous report (a shard's or a merged one) for the
// repository ids it resolved.
func ReadBaseline(r io.Reader) (map[string]BaselineEntry, error) {
	out := map[string]BaselineEntry{}
	var h Header
	_, err := ReadReport(r, &h, func(p Project) error {
		if p.RepositoryID == "" && p.AzureProjectID == "" {
			return nil
		}
		e := BaselineEntry{RepositoryID: p.RepositoryID, AzureProjectID: p.AzureProjectID}
		if p.Binding != nil {
			e.Repository, e.Slug = p.Binding.Repository, p.Binding.Slug
		}
		out[p.Key] = e
		return nil
	})
	return out, err
}
