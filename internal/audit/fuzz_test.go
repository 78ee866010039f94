package audit

import (
	"bytes"
	"testing"
)

// ReadReport reads files a merge is given, which may be anything.
func FuzzReadReport(f *testing.F) {
	var buf bytes.Buffer
	w := NewJSONWriter(&buf, Header{Tool: "sonar-preflight audit", Server: "https://sq", Shard: ShardInfo{1, 2}})
	_ = w.Project(Project{Key: "a", Status: Fail, Findings: []Finding{{ID: FindRepoMissing, Status: Fail}}, Binding: &Binding{Record: "r", Repository: "x"}})
	_ = w.Close(1, 2)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"projects":[],"server":"s","shard":{"index":1,"count":1}}`))
	f.Add([]byte(`{"projects":[{"key":1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Header
		n := 0
		_, err := ReadReport(bytes.NewReader(b), &h, func(p Project) error { n++; return nil })
		if err == nil && (h.Server == "" || h.Shard.Count == 0) {
			t.Fatalf("accepted a report without server or shard: %q", b)
		}
	})
}
