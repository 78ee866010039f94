package audit

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// endless is a report that never ends: a prefix, then one byte forever.
type endless struct {
	prefix string
	fill   byte
	read   int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && e.read < int64(len(e.prefix)) {
		p[n] = e.prefix[e.read]
		n++
		e.read++
	}
	for ; n < len(p); n++ {
		p[n] = e.fill
		e.read++
	}
	return n, nil
}

// A report someone else wrote cannot make one value take all memory: the
// read stops once a value passes its cap (1 MiB here, MaxReportValue in
// ReadReport), whatever the field.
func TestReadReportBoundsEachValue(t *testing.T) {
	t.Parallel()
	const per = 1 << 20
	for _, prefix := range []string{
		`{"server":"`,
		`{"unknown":[`,
		`{"server":"s","shard":{"index":1,"count":1},"projects":[{"key":"k"},{"name":"`,
		`{"records":[{"key":"`,
	} {
		src := &endless{prefix: prefix, fill: 'a'}
		if strings.HasSuffix(prefix, "[") {
			src.fill = ' '
		}
		var h Header
		_, err := readReport(src, &h, nil, per)
		if !errors.Is(err, errValueTooLarge) {
			t.Errorf("%s…: err = %v, want errValueTooLarge", prefix, err)
		}
		if src.read > 2*per {
			t.Errorf("%s…: read %d MiB before stopping", prefix, src.read>>20)
		}
	}
	// Many values, each small, pass however many there are.
	var b strings.Builder
	b.WriteString(`{"server":"s","shard":{"index":1,"count":1},"projects":[`)
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"key":"k` + strings.Repeat("x", 1000) + `"}`)
	}
	b.WriteString("]}")
	var h Header
	n := 0
	if _, err := readReport(io.MultiReader(strings.NewReader(b.String())), &h, func(Project) error { n++; return nil }, per); err != nil || n != 5000 {
		t.Errorf("5 MB of small projects: %d read, err %v", n, err)
	}
}
