package config

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"sonar-preflight/internal/httpx"
)

// Sources are recorded by the raw name a value came from ("--host-url",
// "INPUT_PROJECTKEY", "ENDPOINT_URL_<id>", "SONAR_TOKEN"). Messages name them
// the way a user finds them: a task input by its name in the task's form, the
// service connection by its field, a variable by its name, a flag as a flag.

// DescribeSource names a recorded source for a message.
func DescribeSource(src string) string {
	switch {
	case src == "":
		return ""
	case strings.HasPrefix(src, "--"):
		return "the " + src + " flag"
	case strings.HasPrefix(src, "ENDPOINT_URL_"):
		return "the SonarQube service connection's Server Url"
	case strings.HasPrefix(src, "ENDPOINT_AUTH_PARAMETER_"):
		return "the SonarQube service connection's Token"
	case strings.HasPrefix(src, "INPUT_"):
		for _, in := range Inputs {
			if in.Env == src {
				return "the task's " + in.Name + " input"
			}
		}
		return "the task input " + strings.TrimPrefix(src, "INPUT_")
	}
	return "the " + src + " variable"
}

// From names where the value of key (a plain variable name such as
// AZURE_DEVOPS_EXT_PAT) came from in this run, or "" if it was not given.
func (c *Config) From(key string) string {
	return DescribeSource(c.Sources[key])
}

// Where names the place to put or fix the value of key in this run: where it
// came from, or where it would be read from when it was not given (the task
// input in a task step, else the variable, or the flag where there is one).
func (c *Config) Where(key string) string {
	if s := c.From(key); s != "" {
		return s
	}
	if key == "SONAR_HOST_URL" || key == "SONAR_TOKEN" {
		if c.Task {
			return "the task's SonarQube service connection"
		}
		return "the " + key + " variable"
	}
	for _, in := range Inputs {
		if in.Plain != key {
			continue
		}
		if c.Task {
			return "the task's " + in.Name + " input"
		}
		if in.Flag != "" {
			// No parentheses: messages put the place in parentheses.
			return "the " + key + " variable or " + in.Flag
		}
	}
	return "the " + key + " variable"
}

// ValidateHostURL applies the SonarQube URL rule to a value given on the
// command line, so a wrong flag is a usage error, as every other one is.
// The value is not quoted: it may hold a password.
func ValidateHostURL(s string) error {
	if _, msg := checkURL(s); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// ValidateResolve checks a comma-separated list of host:port:address entries
// with the rule the HTTP client applies.
func ValidateResolve(list string) error {
	for _, e := range strings.Split(list, ",") {
		if strings.TrimSpace(e) == "" {
			continue
		}
		if _, _, err := httpx.ParseResolve(e); err != nil {
			return err
		}
	}
	return nil
}

// tokenShape judges a credential's characters. Tokens and PATs are printable
// ASCII without spaces; a space, a line break or a control character inside
// means text was pasted along with it, and every server would refuse it.
// Whitespace around it (a trailing newline from a file or a copy) is removed
// with a note. It never quotes the value.
func tokenShape(v string) (trimmed, note, problem string) {
	trimmed = strings.TrimSpace(v)
	if trimmed != v {
		note = "had whitespace around it (such as a trailing line break), which was removed"
	}
	for i, r := range []rune(trimmed) {
		var what string
		switch {
		case r == '\n' || r == '\r':
			what = "a line break"
		case r == '\t':
			what = "a tab"
		case unicode.IsSpace(r):
			what = "a space"
		case unicode.IsControl(r) || r == unicode.ReplacementChar || unicode.Is(unicode.Cf, r):
			what = "an invisible control character"
		default:
			continue
		}
		return trimmed, note, fmt.Sprintf("it contains %s (character %d); a token has none, so extra text was likely copied with it", what, i+1)
	}
	return trimmed, note, ""
}
