package simulator

import "net/http"

// GitHub describes the simulated GitHub. (Stub: replaced by the GitHub simulator.)
type GitHub struct{}

func githubHosts(cfg GitHub) []string { return nil }

func newGitHubHandler(cfg GitHub, s *Servers) http.Handler { return http.NotFoundHandler() }
