package audit

import "slices"

// Scrub returns p with every string passed through f (the run's secret
// redaction). Reports hold what servers said, redacted as it arrived, but
// also what files said (a --baseline, the shard reports a merge reads):
// whatever a report prints passes the redaction of the run that prints it.
// The program's own words (statuses, finding ids, path names) are kept as
// they are, so that a short secret such as "pass" cannot rewrite them;
// anything else in their place is redacted like any text.
func (p Project) Scrub(f func(string) string) Project {
	if f == nil {
		return p
	}
	p.Key, p.Name, p.Status = f(p.Key), f(p.Name), scrubStatus(p.Status, f)
	p.LastAnalysisDate, p.RepositoryID, p.AzureProjectID = f(p.LastAnalysisDate), f(p.RepositoryID), f(p.AzureProjectID)
	p.DefaultBranch, p.MainBranch, p.RepositoryVia = f(p.DefaultBranch), f(p.MainBranch), f(p.RepositoryVia)
	if p.Findings != nil {
		fs := make([]Finding, len(p.Findings))
		for i, x := range p.Findings {
			fs[i] = Finding{ID: scrubOwn(x.ID, findingOrder, f), Status: scrubStatus(x.Status, f), Message: f(x.Message), Remedy: f(x.Remedy)}
		}
		p.Findings = fs
	}
	if p.Binding != nil {
		b := *p.Binding
		b.Record, b.Alm, b.Repository, b.Slug = f(b.Record), f(b.Alm), f(b.Repository), f(b.Slug)
		p.Binding = &b
	}
	return p
}

// Scrub returns h with every string passed through f.
func (h Header) Scrub(f func(string) string) Header {
	if f == nil {
		return h
	}
	h.Tool, h.Server = f(h.Tool), f(h.Server)
	if h.Paths != nil {
		paths := make(map[string]string, len(h.Paths))
		for k, v := range h.Paths {
			paths[scrubOwn(k, pathNames, f)] = f(v)
		}
		h.Paths = paths
	}
	if h.Notes != nil {
		notes := make([]string, len(h.Notes))
		for i, n := range h.Notes {
			notes[i] = f(n)
		}
		h.Notes = notes
	}
	if h.Records != nil {
		recs := make([]Record, len(h.Records))
		for i, r := range h.Records {
			recs[i] = Record{Key: f(r.Key), Alm: f(r.Alm), URL: f(r.URL), Status: scrubStatus(r.Status, f), Message: f(r.Message), Remedy: f(r.Remedy)}
		}
		h.Records = recs
	}
	return h
}

// pathNames are the keys of Header.Paths the audit writes.
var pathNames = []string{"projects", "records", "bindings", "repositories", "github"}

var statuses = []string{string(Skip), string(Pass), string(Note), string(Warn), string(Fail)}

// scrubOwn keeps s when it is one of the program's own words, else redacts it.
func scrubOwn(s string, own []string, f func(string) string) string {
	if slices.Contains(own, s) {
		return s
	}
	return f(s)
}

func scrubStatus(s Status, f func(string) string) Status {
	return Status(scrubOwn(string(s), statuses, f))
}
