package audit

import (
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"
	"time"
)

// IncompleteError says why a set of shard reports cannot be merged: a
// shard missing or given twice, reports of different servers or shard
// counts, a project in the wrong shard or in two.
type IncompleteError struct {
	Problems []string
}

func (e *IncompleteError) Error() string {
	return "the shard reports do not form one complete audit: " + strings.Join(e.Problems, "; ")
}

// shardFile is one report given to Merge.
type shardFile struct {
	path   string
	header Header
	tail   Tail
}

// Merge reads the shard reports at paths and writes the merged report to
// w: the projects of every shard in key order, the monorepo rule applied
// across all of them, summary and verdict recomputed. The result equals an
// unsharded audit of the same server, except for timings and request
// counts. A set that is not complete and consistent is an
// *IncompleteError, and nothing is written.
func Merge(w io.Writer, paths []string) (Status, error) {
	files, g, err := mergeCheck(paths)
	if err != nil {
		return "", err
	}
	h := mergedHeader(files)
	jw := NewJSONWriter(w, h)

	// The projects of every shard, smallest key first.
	type cursor struct {
		next func() (Project, error, bool)
		stop func()
		cur  Project
		ok   bool
	}
	cursors := make([]*cursor, 0, len(files))
	defer func() {
		for _, c := range cursors {
			c.stop()
		}
	}()
	for _, f := range files {
		next, stop := iter.Pull2(projectsOf(f.path))
		c := &cursor{next: next, stop: stop}
		cursors = append(cursors, c)
	}
	advance := func(c *cursor) error {
		p, err, ok := c.next()
		if err != nil {
			return err
		}
		c.cur, c.ok = p, ok
		return nil
	}
	for _, c := range cursors {
		if err := advance(c); err != nil {
			return "", err
		}
	}
	for {
		var best *cursor
		for _, c := range cursors {
			if c.ok && (best == nil || c.cur.Key < best.cur.Key) {
				best = c
			}
		}
		if best == nil {
			break
		}
		p := rejudgeMonorepo(best.cur, g)
		if err := jw.Project(p); err != nil {
			return "", err
		}
		if err := advance(best); err != nil {
			return "", err
		}
	}
	var requests, elapsed int64
	for _, f := range files {
		requests += f.tail.Requests
		elapsed = max(elapsed, f.tail.ElapsedMS)
	}
	if err := jw.Close(requests, time.Duration(elapsed)*time.Millisecond); err != nil {
		return "", err
	}
	return Verdict(jw.Summary(), h.Records), nil
}

// mergeCheck reads every report once: headers for consistency, bindings
// for the monorepo groups.
func mergeCheck(paths []string) ([]shardFile, groups, error) {
	var problems []string
	var files []shardFile
	g := groups{}
	owner := map[string]string{} // project key → file
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s cannot be read: %v", path, err))
			continue
		}
		sf := shardFile{path: path}
		var misplaced []string
		sf.tail, err = ReadReport(f, &sf.header, func(p Project) error {
			if prev, dup := owner[p.Key]; dup {
				problems = append(problems, fmt.Sprintf("project %s is in both %s and %s", quote(p.Key), prev, path))
			}
			owner[p.Key] = path
			if sh := sf.header.Shard; sh.Count > 0 && ShardOf(p.Key, sh.Count) != sh.Index && len(misplaced) < 3 {
				misplaced = append(misplaced, p.Key)
			}
			if p.Binding != nil {
				g.add(p.Key, *p.Binding)
			}
			return nil
		})
		f.Close()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s is not a complete audit report: %v", path, err))
			continue
		}
		if len(misplaced) > 0 {
			problems = append(problems, fmt.Sprintf("%s (shard %d/%d) holds projects of another shard, e.g. %s", path, sf.header.Shard.Index, sf.header.Shard.Count, quote(misplaced[0])))
		}
		files = append(files, sf)
	}
	if len(files) == 0 && len(problems) == 0 {
		problems = append(problems, "no report was given")
	}
	if len(files) > 0 {
		first := files[0].header
		count := first.Shard.Count
		byIndex := map[int][]string{}
		for _, f := range files {
			h := f.header
			if h.Server != first.Server {
				problems = append(problems, fmt.Sprintf("%s audits %s, %s audits %s", files[0].path, Show(first.Server), f.path, Show(h.Server)))
			}
			if h.Shard.Count != count {
				problems = append(problems, fmt.Sprintf("%s is shard %d/%d, %s is shard %d/%d: the shard counts differ", files[0].path, first.Shard.Index, count, f.path, h.Shard.Index, h.Shard.Count))
			}
			if h.Paths["bindings"] != first.Paths["bindings"] {
				problems = append(problems, fmt.Sprintf("%s read bindings through %s, %s through %s", files[0].path, Show(first.Paths["bindings"]), f.path, Show(h.Paths["bindings"])))
			}
			byIndex[h.Shard.Index] = append(byIndex[h.Shard.Index], f.path)
		}
		var missing []string
		for k := 1; k <= count; k++ {
			switch n := len(byIndex[k]); {
			case n == 0:
				missing = append(missing, fmt.Sprintf("%d/%d", k, count))
			case n > 1:
				problems = append(problems, fmt.Sprintf("shard %d/%d is given %d times (%s)", k, count, n, strings.Join(byIndex[k], ", ")))
			}
		}
		if len(missing) > 0 {
			problems = append(problems, "missing shard(s) "+strings.Join(missing, ", "))
		}
	}
	if len(problems) > 0 {
		return nil, nil, &IncompleteError{Problems: problems}
	}
	slices.SortFunc(files, func(a, b shardFile) int { return a.header.Shard.Index - b.header.Shard.Index })
	return files, g, nil
}

// mergedHeader is the first shard's header, as an unsharded run would
// write it: records at their worst across shards, notes of all shards.
func mergedHeader(files []shardFile) Header {
	h := files[0].header
	h.Shard = Whole.Info()
	h.MergedFrom = len(files)
	recs := slices.Clone(h.Records)
	notes := slices.Clone(h.Notes)
	for _, f := range files[1:] {
		for _, r := range f.header.Records {
			i := slices.IndexFunc(recs, func(x Record) bool { return x.Key == r.Key })
			switch {
			case i < 0:
				recs = append(recs, r)
			case r.Status.Worse(recs[i].Status):
				recs[i] = r
			}
		}
		for _, n := range f.header.Notes {
			if !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
	}
	slices.SortFunc(recs, func(a, b Record) int { return strings.Compare(a.Key, b.Key) })
	h.Records, h.Notes = recs, notes
	return h
}

// projectsOf streams the projects of one report.
func projectsOf(path string) iter.Seq2[Project, error] {
	return func(yield func(Project, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(Project{}, err)
			return
		}
		defer f.Close()
		var h Header
		stopped := false
		_, err = ReadReport(f, &h, func(p Project) error {
			if !yield(p, nil) {
				stopped = true
				return errStop
			}
			return nil
		})
		if err != nil && !stopped {
			yield(Project{}, err)
		}
	}
}

var errStop = fmt.Errorf("stopped")

// rejudgeMonorepo replaces a project's monorepo finding with the one the
// complete groups call for.
func rejudgeMonorepo(p Project, g groups) Project {
	p.Findings = slices.DeleteFunc(p.Findings, func(f Finding) bool { return f.ID == FindMonorepo })
	if p.Binding != nil {
		if f := MonorepoFinding(p.Key, *p.Binding, g[groupKey(*p.Binding)], true); f != nil {
			p.Findings = append(p.Findings, *f)
		}
	}
	p.settle()
	return p
}
