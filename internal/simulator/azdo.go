package simulator

import "net/http"

// Azdo describes the simulated Azure DevOps. (Stub: replaced by the Azure DevOps simulator.)
type Azdo struct{}

func azdoHosts(cfg Azdo) []string { return nil }

func newAzdoHandler(cfg Azdo, s *Servers) http.Handler { return http.NotFoundHandler() }
