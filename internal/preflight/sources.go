package preflight

import (
	"fmt"
	"regexp"
	"strings"
)

// Remedies name the place a value came from in this run (the task input, the
// service connection, the variable, the flag), or, for a value not given,
// where this kind of run reads it. The names come from config.

// givePlace is where to give a value that was not given (key: its plain
// variable, e.g. AZURE_DEVOPS_EXT_PAT).
func (r *run) givePlace(key string) string { return r.cfg.Where(key) }

// secretPlace is where to replace a credential that was given: a task input
// holds the $(secret) macro, so the secret variable behind it is what
// changes.
func (r *run) secretPlace(key string) string {
	if strings.HasPrefix(r.cfg.Sources[key], "INPUT_") {
		return "the secret variable behind " + r.cfg.From(key)
	}
	return r.cfg.Where(key)
}

// fromSecret is ", from a secret variable" in a pipeline, where a
// credential must come from one; nothing on a laptop, which has none.
func (r *run) fromSecret() string {
	if r.cfg.Task || r.cfg.Pipeline.InPipeline {
		return ", from a secret variable"
	}
	return ""
}

// inDays counts whole days ahead in words: "in 1 day", "in 7 days".
func inDays(n int) string {
	if n == 1 {
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", n)
}

// internalPrefix matches the package names Go errors start with ("github: "),
// at the start of an error's text or of a wrapped one.
var internalPrefix = regexp.MustCompile(`(^|: )(?:azdo|azp|config|github|httpx|preflight|report|simulator|sonar): `)

// userText is an error's text for a report: without this program's package
// names, which mean nothing to its users.
func userText(s string) string {
	return internalPrefix.ReplaceAllString(s, "$1")
}
