package azp

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzEscapeRoundTrip(f *testing.F) {
	for _, s := range []string{"", "plain", "%", "%AZP25", "%3B%0D%0A%5D", "a;b]c\r\nd", "é日本🚀", "%AZP%0A25", "\r\r\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := EscapeData(s)
		if strings.ContainsAny(data, "\r\n") {
			t.Fatalf("EscapeData(%q) = %q holds CR or LF", s, data)
		}
		if got := UnescapeData(data); got != s {
			t.Fatalf("UnescapeData(EscapeData(%q)) = %q", s, got)
		}
		prop := EscapeProperty(s)
		if strings.ContainsAny(prop, "\r\n;]") {
			t.Fatalf("EscapeProperty(%q) = %q holds CR, LF, ';' or ']'", s, prop)
		}
		if got := UnescapeProperty(prop); got != s {
			t.Fatalf("UnescapeProperty(EscapeProperty(%q)) = %q", s, got)
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	f.Add("##vso[task.issue type=error;]msg", "type", "error", "msg")
	f.Add(">> ##vso[a.b k==v; k2=;=x]d]e", "sourcepath", "a;b]c%d", "%AZP25\r\n")
	f.Add("##vso[.a..b.]", "K", "=", "")
	f.Fuzz(func(t *testing.T, line, key, value, data string) {
		// Any line: no panic, and a command that is valid as parsed must
		// survive being written and read again.
		if c, ok := ParseCommand(line); ok && c.Validate() == nil {
			again, ok := ParseCommand(c.String())
			if !ok || !reflect.DeepEqual(again, c) {
				t.Fatalf("parse(String(%#v)) = %#v, %v", c, again, ok)
			}
		}
		// Any valid command: String then Parse gives it back, on one line.
		c := Command{Name: "task.issue", Props: []Prop{{"type", "error"}, {key, value}}, Data: data}
		if c.Validate() != nil {
			return
		}
		s := c.String()
		if strings.ContainsAny(s, "\r\n") {
			t.Fatalf("String() spans lines: %q", s)
		}
		got, ok := ParseCommand(s)
		if !ok {
			t.Fatalf("ParseCommand(%q) failed", s)
		}
		want := c
		if value == "" {
			want.Props = want.Props[:1] // empty values are not written
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseCommand(%q) = %#v, want %#v", s, got, want)
		}
	})
}
