package azp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCommandString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"no properties", Command{Name: "task.setsecret", Data: "s3cr3t"}, "##vso[task.setsecret]s3cr3t"},
		{"every property ends with a semicolon", Command{Name: "task.complete", Props: []Prop{{"result", "Failed"}}, Data: "msg"}, "##vso[task.complete result=Failed;]msg"},
		{"order kept", Command{Name: "task.setvariable", Props: []Prop{{"variable", "v"}, {"isOutput", "true"}}, Data: "x"}, "##vso[task.setvariable variable=v;isOutput=true;]x"},
		{"empty values omitted", Command{Name: "task.issue", Props: []Prop{{"type", "error"}, {"code", ""}}, Data: "m"}, "##vso[task.issue type=error;]m"},
		// task-lib writes the space as soon as the property object has keys.
		{"only empty values", Command{Name: "area.event", Props: []Prop{{"k", ""}}, Data: "d"}, "##vso[area.event ]d"},
		{"property escaping", Command{Name: "area.event", Props: []Prop{{"k", "a;b]c%d\re\nf"}}}, "##vso[area.event k=a%3Bb%5Dc%AZP25d%0De%0Af;]"},
		{"data keeps ; and ]", Command{Name: "area.event", Data: "a;b]c%d\r\n"}, "##vso[area.event]a;b]c%AZP25d%0D%0A"},
		{"percent first", Command{Name: "area.event", Props: []Prop{{"k", "%3B"}}, Data: "%0A"}, "##vso[area.event k=%AZP253B;]%AZP250A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.cmd.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCommandValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  Command
		ok   bool
	}{
		{"plain", Command{Name: "task.issue", Props: []Prop{{"type", "error"}}}, true},
		{"dash and underscore", Command{Name: "my-area.some_event", Props: []Prop{{"is-output_1", "x"}}}, true},
		{"no dot", Command{Name: "taskissue"}, false},
		{"three parts", Command{Name: "a.b.c"}, false},
		{"empty event", Command{Name: "task."}, false},
		{"bracket in name", Command{Name: "task.is]sue"}, false},
		{"space in name", Command{Name: "task.is sue"}, false},
		{"empty key", Command{Name: "a.b", Props: []Prop{{"", "v"}}}, false},
		{"key with =", Command{Name: "a.b", Props: []Prop{{"k=x", "v"}}}, false},
		{"key with ;", Command{Name: "a.b", Props: []Prop{{"k;", "v"}}}, false},
		{"key with space", Command{Name: "a.b", Props: []Prop{{" k", "v"}}}, false},
		{"duplicate key any case", Command{Name: "a.b", Props: []Prop{{"Type", "v"}, {"type", "w"}}}, false},
		{"value starting with =", Command{Name: "a.b", Props: []Prop{{"k", "=v"}}}, false},
		{"value holding every special character", Command{Name: "a.b", Props: []Prop{{"k", "a=;]%\r\n"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cmd.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidCommand) {
				t.Errorf("error %v does not wrap ErrInvalidCommand", err)
			}
			if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error text spans lines: %q", err)
			}
		})
	}
}

func TestEscapeUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, data, prop string
	}{
		{"", "", ""},
		{"plain text", "plain text", "plain text"},
		{"100%", "100%AZP25", "100%AZP25"},
		{"a;b]c", "a;b]c", "a%3Bb%5Dc"},
		{"line1\r\nline2", "line1%0D%0Aline2", "line1%0D%0Aline2"},
		{"%AZP25", "%AZP25AZP25", "%AZP25AZP25"},
		{"%3B%0A%5D%0D", "%AZP253B%AZP250A%AZP255D%AZP250D", "%AZP253B%AZP250A%AZP255D%AZP250D"},
		{"héllo — 日本 🚀", "héllo — 日本 🚀", "héllo — 日本 🚀"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := EscapeData(tt.in); got != tt.data {
				t.Errorf("EscapeData(%q) = %q, want %q", tt.in, got, tt.data)
			}
			if got := EscapeProperty(tt.in); got != tt.prop {
				t.Errorf("EscapeProperty(%q) = %q, want %q", tt.in, got, tt.prop)
			}
			if got := UnescapeData(tt.data); got != tt.in {
				t.Errorf("UnescapeData(%q) = %q, want %q", tt.data, got, tt.in)
			}
			if got := UnescapeProperty(tt.prop); got != tt.in {
				t.Errorf("UnescapeProperty(%q) = %q, want %q", tt.prop, got, tt.in)
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want Command
		ok   bool
	}{
		// The first five are the agent's own LoggingCommandL0 expectations (percent decoding on).
		{"agent: simple", "##vso[area.event k1=v1;]msg", Command{Name: "area.event", Props: []Prop{{"k1", "v1"}}, Data: "msg"}, true},
		{"agent: bare", "##vso[area.event]", Command{Name: "area.event"}, true},
		{"agent: escapes", "##vso[area.event k1=%3B=%0D=%0A=%5D%AZP25;]%3B-%0D-%0A-%5D%AZP253B",
			Command{Name: "area.event", Props: []Prop{{"k1", ";=\r=\n=]%"}}, Data: ";-\r-\n-]%3B"}, true},
		{"agent: empty values dropped", "##vso[area.event k1=;k2=;]", Command{Name: "area.event"}, true},
		{"agent: prefix inside the line", ">>>   ##vso[area.event k1=v1;]msg", Command{Name: "area.event", Props: []Prop{{"k1", "v1"}}, Data: "msg"}, true},

		{"no prefix", "##[group]x", Command{}, false},
		{"no closing bracket", "##vso[task.issue type=error;", Command{}, false},
		{"one part", "##vso[task]x", Command{}, false},
		{"three parts", "##vso[a.b.c]x", Command{}, false},
		{"leading space", "##vso[ task.issue]x", Command{}, false},
		{"empty parts dropped from the name", "##vso[.task..issue.]x", Command{Name: "task.issue", Data: "x"}, true},
		{"data keeps later brackets", "##vso[task.issue type=error]a]b ##vso[x.y]", Command{Name: "task.issue", Props: []Prop{{"type", "error"}}, Data: "a]b ##vso[x.y]"}, true},
		{"last property needs no semicolon", "##vso[task.complete result=Failed]m", Command{Name: "task.complete", Props: []Prop{{"result", "Failed"}}, Data: "m"}, true},
		{"keys not trimmed", "##vso[a.b k1=v1; k2=v2]", Command{Name: "a.b", Props: []Prop{{"k1", "v1"}, {" k2", "v2"}}}, true},
		{"pair without = dropped", "##vso[a.b novalue;k=v]", Command{Name: "a.b", Props: []Prop{{"k", "v"}}}, true},
		{"split at the first = run", "##vso[a.b k==v=w]", Command{Name: "a.b", Props: []Prop{{"k", "v=w"}}}, true},
		{"leading = skipped", "##vso[a.b =k=v]", Command{Name: "a.b", Props: []Prop{{"k", "v"}}}, true},
		{"repeated key overwrites, first spelling kept", "##vso[a.b Type=error;type=warning]", Command{Name: "a.b", Props: []Prop{{"Type", "warning"}}}, true},
		{"lower-case prefix only", "##VSO[a.b]x", Command{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseCommand(tt.line)
			if ok != tt.ok {
				t.Fatalf("ParseCommand(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			}
			if ok && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCommand(%q) = %#v, want %#v", tt.line, got, tt.want)
			}
		})
	}
}

func TestStringParseRoundTrip(t *testing.T) {
	t.Parallel()
	nasty := "a%b;c]d\re\nf %AZP25 %3B %0A é 日本 🚀 ##vso[task.complete result=Failed;]x"
	tests := []Command{
		{Name: "task.issue", Props: []Prop{{"type", "error"}}, Data: nasty},
		{Name: "task.setvariable", Props: []Prop{{"variable", nasty}, {"isOutput", "true"}}, Data: nasty},
		{Name: "task.setsecret", Data: "p@ss;w]rd%"},
		{Name: "area.event", Props: []Prop{{"k", "v==w"}}, Data: ""},
	}
	for _, c := range tests {
		if err := c.Validate(); err != nil {
			t.Fatalf("test command invalid: %v", err)
		}
		line := c.String()
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("String() spans lines: %q", line)
		}
		got, ok := ParseCommand(line)
		if !ok || !reflect.DeepEqual(got, c) {
			t.Errorf("ParseCommand(%q) = %#v, %v; want %#v", line, got, ok, c)
		}
		for _, p := range c.Props {
			// The agent reads keys case-insensitively.
			if v, ok := got.Property(strings.ToUpper(p.Key)); !ok || v != p.Value {
				t.Errorf("Property(%q) = %q, %v; want %q", strings.ToUpper(p.Key), v, ok, p.Value)
			}
		}
	}
}
