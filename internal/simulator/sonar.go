package simulator

import "net/http"

// Sonar describes the simulated SonarQube. (Stub: replaced by the SonarQube simulator.)
type Sonar struct {
	ContextPath string
}

func newSonarHandler(cfg Sonar, s *Servers) http.Handler { return http.NotFoundHandler() }
