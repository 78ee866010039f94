package simulator

import (
	"net/http"
	"strings"
)

// fleetAzdo answers the one Azure DevOps call of a fleet audit: each
// organization's repositories, GET {org}/_apis/git/repositories (Microsoft's
// "Repositories - List" with the project omitted: {"count","value":[GitRepository]},
// no paging). The audit's PAT is accepted in every organization; anything
// else is refused as azdo.go refuses a revoked PAT.
type fleetAzdo struct{ f *FleetServers }

func (h *fleetAzdo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("ActivityId", azdoGUID())
	hdr.Set("X-TFS-Session", azdoGUID())
	refuse := &azdoSim{cfg: Azdo{}}
	if r.Method != http.MethodGet {
		hdr.Set("Allow", "GET")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	org, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	listing, known := h.f.repos[strings.ToLower(org)]
	if !known {
		refuse.unknownOrg(w)
		return
	}
	if _, pass, ok := r.BasicAuth(); !ok || pass != h.f.PAT {
		if !strings.EqualFold(r.Header.Get("X-TFS-FedAuthRedirect"), "Suppress") {
			refuse.signInRedirect(w, r)
			return
		}
		refuse.unauthorized(w, false, "")
		return
	}
	if !strings.EqualFold(rest, "_apis/git/repositories") {
		refuse.notFound(w)
		return
	}
	ct := "application/json; charset=utf-8"
	if v := r.URL.Query().Get("api-version"); v != "" {
		ct += "; api-version=" + v
	}
	hdr.Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(listing)
}
