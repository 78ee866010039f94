package audit

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"sonar-preflight/internal/text"
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

// FuzzJSONWriter: whatever a server names a project, the report holds no
// number sign and no character the sanitiser would not print as itself
// (so no "##vso[", however disguised, and no C1 control reaches a log),
// and reads back exactly.
func FuzzJSONWriter(f *testing.F) {
	f.Add("##vso[task.complete result=Succeeded]", "#\u00ad#vso[x]")
	f.Add("\u009b31m\x7f\u202e", "\U000e0041 tag \ufeff")
	f.Add("\uff03\ufe5f#", "\xff\xfe invalid")
	f.Fuzz(func(t *testing.T, key, name string) {
		var buf bytes.Buffer
		w := NewJSONWriter(&buf, Header{Tool: "t", Server: "s" + name, Shard: ShardInfo{1, 1}, Notes: []string{key}})
		if err := w.Project(Project{Key: key, Name: name, Status: Pass, Findings: []Finding{{ID: "x", Message: name}}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(0, 0); err != nil {
			t.Fatal(err)
		}
		out := buf.Bytes()
		for i := 0; i < len(out); {
			r, n := utf8.DecodeRune(out[i:])
			if r == '#' || r == '\uff03' || r == '\ufe5f' || r >= 0x7f && text.Unsafe(r) || r == utf8.RuneError && n == 1 {
				t.Fatalf("the report holds %U at %d", r, i)
			}
			i += n
		}
		var h Header
		var got []Project
		if _, err := ReadReport(&buf, &h, func(p Project) error { got = append(got, p); return nil }); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		// The encoder writes each invalid byte as U+FFFD.
		want := func(s string) string {
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(r)
			}
			return b.String()
		}
		if h.Server != "s"+want(name) || len(h.Notes) != 1 || h.Notes[0] != want(key) || len(got) != 1 || got[0].Key != want(key) || got[0].Name != want(name) {
			t.Fatalf("read back %q %q %q, want %q %q", h.Server, got[0].Key, got[0].Name, key, name)
		}
	})
}
