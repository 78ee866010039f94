package critpath

import (
	"reflect"
	"strings"
	"testing"
)

func TestCritical(t *testing.T) {
	t.Parallel()
	n := func(id string, after ...[]string) Node { return Node{ID: id, Request: "GET " + id, After: after} }
	tests := []struct {
		name    string
		nodes   []Node
		want    Path
		wantErr string
	}{
		{name: "empty", nodes: nil, want: Path{}},
		{name: "independent", nodes: []Node{n("a"), n("b")}, want: Path{Length: 1, Chain: []string{"a"}}},
		{name: "chain", nodes: []Node{n("c", []string{"b"}), n("b", []string{"a"}), n("a")},
			want: Path{Length: 3, Chain: []string{"a", "b", "c"}}},
		{name: "waits for the deepest of an alternative",
			nodes: []Node{n("a"), n("b", []string{"a"}), n("c", []string{"a", "b"})},
			want:  Path{Length: 3, Chain: []string{"a", "b", "c"}}},
		{name: "the earliest alternative starts it",
			nodes: []Node{n("a"), n("b", []string{"a"}), n("c", []string{"b"}, []string{"a"})},
			want:  Path{Length: 2, Chain: []string{"a", "b"}}},
		{name: "alternative order does not matter",
			nodes: []Node{n("a"), n("b", []string{"a"}), n("c", []string{"a"}, []string{"b"}), n("d", []string{"c"})},
			want:  Path{Length: 3, Chain: []string{"a", "c", "d"}}},
		{name: "unknown", nodes: []Node{n("a", []string{"x"})}, wantErr: `unknown node "x"`},
		{name: "duplicate", nodes: []Node{n("a"), n("a")}, wantErr: `duplicate node "a"`},
		{name: "empty alternative", nodes: []Node{n("a", []string{})}, wantErr: "empty alternative"},
		{name: "cycle", nodes: []Node{n("a", []string{"b"}), n("b", []string{"a"})}, wantErr: "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Critical(tt.nodes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestModel pins the model's own consistency: it is a valid graph, and no
// request line can match two nodes (each Request is not a prefix of another).
func TestModel(t *testing.T) {
	t.Parallel()
	p, err := Critical(Model)
	if err != nil {
		t.Fatal(err)
	}
	if p.Length < 1 || len(p.Chain) != p.Length {
		t.Fatalf("path %+v", p)
	}
	for _, a := range Model {
		if ids := Match(Model, a.Request); len(ids) != 1 {
			t.Errorf("%s matches %v", a.Request, ids)
		}
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	nodes := []Node{{ID: "a", Request: "GET h/a?"}, {ID: "b", Request: "GET h/b"}, {ID: "b2", Request: "GET h/b/2"}}
	lines := []string{"GET h/a?x=1", "GET h/a?x=2", "GET h/a?x=1", "GET h/a?x=1", "GET h/c", "GET h/b/2", "GET h/b"}
	got := Count(nodes, lines)
	want := Tally{
		Requests: 7,
		Repeated: []string{"GET h/a?x=1", "GET h/a?x=1"},
		Unknown:  []string{"GET h/c", "GET h/b/2"}, // b/2 matches both b and b2
		Hits:     map[string]int{"a": 4, "b": 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if m := got.Missing(nodes); !reflect.DeepEqual(m, []string{"b2"}) {
		t.Fatalf("missing %v", m)
	}
}

func TestDepths(t *testing.T) {
	t.Parallel()
	nodes := []Node{
		{ID: "a"}, {ID: "b", After: [][]string{{"a"}}},
		{ID: "c", After: [][]string{{"a", "b"}, {"a"}}},
		{ID: "d", After: [][]string{{"b", "c"}}},
	}
	got, err := Depths(nodes)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"a": 1, "b": 2, "c": 2, "d": 3}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := Depths([]Node{{ID: "a", After: [][]string{{"a"}}}}); err == nil {
		t.Fatal("a self-cycle must be an error")
	}
}
