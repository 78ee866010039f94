// Package azp speaks the Azure Pipelines logging-command protocol: the
// "##vso[area.event k=v;]data" lines a task prints on stdout so that the agent
// records issues, masks secrets, sets variables, uploads a summary and sets
// the task result. Escaping follows azure-pipelines-task-lib (the writer every
// agent is tested against) and parsing follows the agent, so that what we
// print is read back exactly.
package azp

import (
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every logging command.
const Prefix = "##vso["

// ErrInvalidCommand is wrapped by every error about a command that the agent
// would not read back as written.
var ErrInvalidCommand = errors.New("invalid logging command")

// Prop is one property of a command. A slice of them (rather than a map)
// keeps the written order stable.
type Prop struct{ Key, Value string }

// Command is one logging command, e.g. Name "task.issue", Props
// [{type error}], Data "the message".
type Command struct {
	Name  string // "area.event"
	Props []Prop
	Data  string
}

// String renders the command as task-lib's TaskCommand.toString does
// (azure-pipelines-task-lib node/taskcommand.ts): a space after the name when
// there are properties at all, then "key=escape(value);" for every property
// with a non-empty value, then "]" and escapedata(data). It does not validate;
// see Validate.
func (c Command) String() string {
	var b strings.Builder
	b.WriteString(Prefix)
	b.WriteString(c.Name)
	if len(c.Props) > 0 {
		b.WriteByte(' ')
		for _, p := range c.Props {
			if p.Value == "" {
				continue // task-lib skips falsy values; the agent drops empty ones anyway
			}
			b.WriteString(p.Key)
			b.WriteByte('=')
			b.WriteString(EscapeProperty(p.Value))
			b.WriteByte(';')
		}
	}
	b.WriteByte(']')
	b.WriteString(EscapeData(c.Data))
	return b.String()
}

// Validate reports whether the agent would read String() back as this very
// command. It rejects what escaping cannot protect: task-lib escapes values
// and data but never names or keys.
func (c Command) Validate() error {
	area, event, ok := strings.Cut(c.Name, ".")
	if !ok || !isWord(area) || !isWord(event) {
		return fmt.Errorf("%w: name %q is not area.event (letters, digits, '-', '_')", ErrInvalidCommand, c.Name)
	}
	seen := make(map[string]bool, len(c.Props))
	for _, p := range c.Props {
		if !isWord(p.Key) {
			// Keys are written as they are: anything beyond these characters
			// could end the property or the command, or be trimmed by task-lib.
			return fmt.Errorf("%w: %s: property key %q is not made of letters, digits, '-', '_'", ErrInvalidCommand, c.Name, p.Key)
		}
		k := strings.ToLower(p.Key)
		if seen[k] {
			// The agent keeps properties in a case-insensitive map: the last one would win.
			return fmt.Errorf("%w: %s: property %q given twice", ErrInvalidCommand, c.Name, p.Key)
		}
		seen[k] = true
		if strings.HasPrefix(p.Value, "=") {
			// The agent splits "k==v" into "k" and "v": a leading '=' is lost
			// and cannot be escaped.
			return fmt.Errorf("%w: %s: value of %q starts with '='", ErrInvalidCommand, c.Name, p.Key)
		}
	}
	return nil
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// EscapeData mirrors escapedata in azure-pipelines-task-lib
// node/taskcommand.ts: '%' first (so that the codes added next are not
// themselves escaped), then CR and LF. The data runs to the end of the line,
// so ';' and ']' need no escaping there.
func EscapeData(s string) string {
	s = strings.ReplaceAll(s, "%", "%AZP25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	return strings.ReplaceAll(s, "\n", "%0A")
}

// EscapeProperty mirrors escape in azure-pipelines-task-lib
// node/taskcommand.ts: as EscapeData, plus ']' (which would end the property
// section) and ';' (which would end the property).
func EscapeProperty(s string) string {
	s = EscapeData(s)
	s = strings.ReplaceAll(s, "]", "%5D")
	return strings.ReplaceAll(s, ";", "%3B")
}

// UnescapeData mirrors CommandStringConvertor.Unescape in
// azure-pipelines-agent src/Agent.Sdk/CommandStringConvertor.cs, which the
// agent applies to data and property values alike: the four symbol codes in
// its order, then %AZP25 last (the DecodePercents knob, on by default). It is
// the exact inverse of EscapeData and EscapeProperty: every '%' they emit
// starts one of these codes, and no decoded symbol can complete another code.
func UnescapeData(s string) string {
	s = strings.ReplaceAll(s, "%3B", ";")
	s = strings.ReplaceAll(s, "%0D", "\r")
	s = strings.ReplaceAll(s, "%0A", "\n")
	s = strings.ReplaceAll(s, "%5D", "]")
	return strings.ReplaceAll(s, "%AZP25", "%")
}

// UnescapeProperty is UnescapeData: the agent uses one mapping for both.
func UnescapeProperty(s string) string { return UnescapeData(s) }

// ParseCommand reads a logging command from one line of output the way the
// agent does (azure-pipelines-agent src/Microsoft.VisualStudio.Services.Agent/Command.cs,
// TryParse): the prefix may stand anywhere in the line; the command info runs
// to the first ']' after it; the name must split on '.' into exactly two
// non-empty parts; properties follow the first space, split on ';' with empty
// parts dropped, each split at its first '=' run (.NET Split with count 2 and
// RemoveEmptyEntries), pairs without a value dropped; keys are neither trimmed
// nor unescaped and compare case-insensitively (a repeated key overwrites the
// value, keeping the first spelling); the data is everything after the ']'.
func ParseCommand(line string) (Command, bool) {
	start := strings.Index(line, Prefix)
	if start < 0 {
		return Command{}, false
	}
	rest := line[start+len(Prefix):]
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return Command{}, false
	}
	info, data := rest[:end], rest[end+1:]
	name, props, hasProps := strings.Cut(info, " ")
	var parts []string
	for _, p := range strings.Split(name, ".") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) != 2 {
		return Command{}, false
	}
	c := Command{Name: parts[0] + "." + parts[1], Data: UnescapeData(data)}
	// The agent looks for properties only when the space is not the first
	// character (spaceIndex > 0); with a leading space the name is empty and
	// the line was already rejected above.
	if hasProps {
		for _, item := range strings.Split(props, ";") {
			key, value, ok := splitPair(item)
			if !ok {
				continue
			}
			c.setProp(key, UnescapeProperty(value))
		}
	}
	return c, true
}

// splitPair mirrors propertyStr.Split('=', 2, RemoveEmptyEntries) on .NET
// Core: the key is the first non-empty segment, and the value is the rest of
// the string after the '=' characters that follow it.
func splitPair(s string) (key, value string, ok bool) {
	s = strings.TrimLeft(s, "=")
	key, value, found := strings.Cut(s, "=")
	if !found || key == "" {
		return "", "", false
	}
	value = strings.TrimLeft(value, "=")
	return key, value, value != ""
}

func (c *Command) setProp(key, value string) {
	for i := range c.Props {
		if strings.EqualFold(c.Props[i].Key, key) {
			c.Props[i].Value = value
			return
		}
	}
	c.Props = append(c.Props, Prop{Key: key, Value: value})
}

// Property returns the value of the property key (case-insensitive, as the
// agent reads it).
func (c Command) Property(key string) (string, bool) {
	for _, p := range c.Props {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}
